//! `swivel-harness serve` as a real server's stand-in, the way acceptance runs it:
//! `serve --no-control --smtp-relay … --syslog … --clock system --policies F` leaves no
//! control listener, takes its policies from the harness's target file (a `[policies]`
//! table beside other settings), mails the self-service code to the mail sink, and logs
//! the provision to the syslog sink; bad policies stop it with exit 2 naming the key.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use swivel_harness::profile::WireProfile;
use swivel_harness::sinks::mail::{MailConfig, MailSink};
use swivel_harness::sinks::syslog::{SyslogConfig, SyslogSink};

use super::BOUND;
use super::server::{http, post, sas, tag};

const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");

/// Kills the server if the test fails midway.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("swivel-serve-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_control_api_mails_codes_logs_to_syslog_and_takes_its_policies() {
    let mail = MailSink::bind(
        MailConfig::loopback(),
        &WireProfile::default_profile().mail_patterns(),
    )
    .await
    .unwrap();
    mail.register_user("alice", "alice@example.test");
    let syslog = SyslogSink::bind(SyslogConfig::new(Some(([127, 0, 0, 1], 0).into()), None))
        .await
        .unwrap();
    // The harness's target file for a real server: policies beside its own settings.
    let policies = file(
        "target.toml",
        "nodes = [\"http://127.0.0.1:8080/pinsafe\"]\nagent_secret = \"s\"\n\n\
         [policies.self_reset]\nprovision_code_validity_secs = 10\nallow_self_provision = true\n",
    );
    let control_port = free_port();
    let args = [
        "serve".to_string(),
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--no-control".into(),
        "--control-bind".into(),
        format!("127.0.0.1:{control_port}"),
        "--smtp-relay".into(),
        mail.local_addr().to_string(),
        "--syslog".into(),
        syslog.udp_addr().unwrap().to_string(),
        "--clock".into(),
        "system".into(),
        "--policies".into(),
        policies.display().to_string(),
    ];
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains("press Ctrl-C");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(BOUND, lines).await.unwrap().unwrap();
    assert!(lines.iter().any(|l| l == "control: none"), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("control token")),
        "{lines:?}"
    );
    // No control listener, not even where --control-bind pointed.
    assert!(std::net::TcpStream::connect(("127.0.0.1", control_port)).is_err());
    let node = lines
        .iter()
        .find_map(|l| l.strip_prefix("node 1: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    // Self-service is allowed only because the policies file says so (SP-1).
    let page = http()
        .post(format!("{node}/reset/provision.jsp"))
        .form(&[("username", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let mailed = mail.wait_for_user(0, BOUND, "alice").await.unwrap();
    let code = mailed.extracted.code.clone().expect("a code in the mail");
    let reply = post(
        &http(),
        &format!("{node}/AgentXML"),
        sas(&[
            ("Action", "provision"),
            ("Username", "alice"),
            ("ProvisionCode", &code),
        ]),
    )
    .await;
    assert_eq!(tag(&reply, "Result"), Some("PASS"), "{reply}");
    let entry = syslog
        .wait_for_text(0, BOUND, "User \"alice\" provisioned successfully")
        .await
        .unwrap();
    assert_eq!(entry.client_ip, Some("127.0.0.1".parse().unwrap()));
    assert!(
        syslog
            .since(0, 100)
            .iter()
            .any(|e| e.text == "Provision code created for user \"alice\""),
        "{:?}",
        syslog.since(0, 100)
    );
    drop(served);
}

fn serve_with_policies(text: &str) -> std::process::Output {
    let path = file(&format!("p{}.toml", text.len()), text);
    Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-control",
            "--policies",
        ])
        .arg(&path)
        .output()
        .unwrap()
}

#[test]
fn bad_policies_stop_serve_with_exit_2_naming_the_key() {
    for (text, names) in [
        (
            "[self_reset]\nprovision_code_validity_secs = 5\n",
            "`self_reset.provision_code_validity_secs`",
        ),
        (
            "[policies.self_reset]\nprovision_code_validity_secs = 1000001\n",
            "`self_reset.provision_code_validity_secs`",
        ),
        (
            "[self_reset]\nallow_self_provisoin = true\n",
            "allow_self_provisoin",
        ),
        (
            "[mobile_client]\nallow_pin_entry = \"yes\"\n",
            "allow_pin_entry",
        ),
    ] {
        let out = serve_with_policies(text);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(names), "{text}: {stderr}");
        assert!(stderr.contains("invalid policies file"), "{stderr}");
    }
    let missing = Command::new(BIN)
        .args(["serve", "--policies", "/nonexistent/policies.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// `serve` with `extra` arguments and `--policies` naming a file of `text`, started
/// until it is ready (then stopped) or until it exits: (exit code if it exited, stdout
/// lines, stderr).
fn serve_with_target_file(text: &str, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let path = file(&format!("site{}.toml", text.len()), text);
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--no-control"])
        .args(extra)
        .arg("--policies")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let ready = line.contains("press Ctrl-C");
        lines.push(line);
        if ready {
            let _ = child.kill();
            let _ = child.wait();
            return (None, lines, String::new());
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_target_file_gives_the_stand_in_its_site_id_and_session_sharing() {
    let target = "kind = \"swivel\"\nsite_id = \"LAB01\"\nsession_sharing = \"on\"\n\n[policies.self_reset]\nprovision_code_validity_secs = 10\n";
    let (exited, lines, stderr) = serve_with_target_file(target, &["--nodes", "2"]);
    assert_eq!(exited, None, "{stderr}");
    assert!(lines.iter().any(|l| l == "site id: LAB01"), "{lines:?}");
    assert!(
        lines[0].contains("(2 node(s), session sharing on)"),
        "{lines:?}"
    );
    // Flags that agree with the file are fine; flags that disagree are refused.
    let (exited, lines, _) =
        serve_with_target_file(target, &["--site-id", "LAB01", "--session-sharing", "on"]);
    assert_eq!(exited, None);
    assert!(lines.iter().any(|l| l == "site id: LAB01"), "{lines:?}");
    for (extra, says) in [
        (
            &["--site-id", "OTHER"][..],
            "--site-id OTHER but the --policies file says site_id = \"LAB01\"",
        ),
        (
            &["--session-sharing", "off"][..],
            "--session-sharing off but the --policies file says session_sharing = \"on\"",
        ),
    ] {
        let (exited, _, stderr) = serve_with_target_file(target, extra);
        assert_eq!(exited, Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
    }
    let (exited, _, stderr) =
        serve_with_target_file("session_sharing = \"maybe\"\n[policies.self_reset]\n", &[]);
    assert_eq!(exited, Some(2), "{stderr}");
    assert!(stderr.contains("it must be \"on\" or \"off\""), "{stderr}");
    // Without the keys, the defaults.
    let (exited, lines, stderr) = serve_with_target_file("[self_reset]\n", &[]);
    assert_eq!(exited, None, "{stderr}");
    assert!(lines.iter().any(|l| l == "site id: HARNESS01"), "{lines:?}");
}
