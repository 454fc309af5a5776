//! End-to-end tests of the `swivel-harness` binary: `serve` starts, prints where it
//! listens, answers on every node and the control API, stops cleanly on SIGINT, and
//! refuses bad options with exit code 2 and a clear message.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");

fn harness(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

/// Kills the child if a test fails midway, so no server outlives the test.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on ephemeral ports and returns it with the lines it printed up to
/// "press Ctrl-C to stop".
fn start_serve(extra: &[&str]) -> (Server, Vec<String>) {
    let mut args = vec![
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--control-bind",
        "127.0.0.1:0",
        "--control-token",
        "cli-test-token",
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let server = Server(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 output");
        let done = line.contains("press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (server, lines)
}

fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
        .trim()
}

fn sigint(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn list_defects_names_each_switch_and_rule() {
    let out = harness(&["serve", "--list-defects"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for d in swivel_reference_server::defects::ALL_DEFECTS {
        let line = text.lines().find(|l| l.starts_with(d.name())).unwrap();
        assert!(line.contains(d.rule()), "{line}");
    }
}

#[test]
fn unknown_defect_is_a_usage_error() {
    let out = harness(&["serve", "--defect", "codes-forever"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("codes-forever") && err.contains("--list-defects"),
        "{err}"
    );
}

#[test]
fn non_loopback_control_address_is_refused() {
    let out = harness(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--control-bind",
        "0.0.0.0:0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("loopback"), "{err}");
}

#[tokio::test]
async fn serve_prints_urls_answers_and_stops_on_sigint() {
    let (mut server, lines) = start_serve(&["--nodes", "2", "--session-sharing", "on"]);
    let node1 = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let node2 = field(&lines, "node 2:")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(node1.ends_with("/pinsafe") && node2.ends_with("/pinsafe"));
    let control = field(&lines, "control:").to_string();
    assert_eq!(field(&lines, "control token:"), "cli-test-token");

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for node in [&node1, &node2] {
        let reply = client
            .post(format!("{node}/AgentXML"))
            .body("<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(reply.contains("<Result>PASS</Result>"), "{reply}");
    }
    let health: serde_json::Value = client
        .get(format!("{control}/control/health"))
        .bearer_auth("cli-test-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["nodes"], 2);
    assert_eq!(health["session_sharing"], true);

    sigint(&server.0);
    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGINT"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn serve_with_tls_writes_its_certificate() {
    let dir = std::env::temp_dir().join(format!("swivel-cli-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("served.pem");
    let (mut server, lines) = start_serve(&["--tls", "--write-cert", cert.to_str().unwrap()]);
    let node1 = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(node1.starts_with("https://"), "{node1}");
    let pem = std::fs::read(&cert).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = node1.replace("127.0.0.1", "localhost");
    let reply = client
        .post(format!("{url}/AgentXML"))
        .body("<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reply.contains("<Result>PASS</Result>"), "{reply}");
    sigint(&server.0);
    let _ = server.0.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
