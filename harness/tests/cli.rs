//! End-to-end tests of the `swivel-harness` binary: `serve` starts, prints where it
//! listens, answers on every node and the control API, stops cleanly on SIGINT, and
//! refuses bad options with exit code 2 and a clear message.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/real_server.rs"]
mod real_server;

use real_server::{BIN, Server, field, spawn_serve};

fn harness(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().expect("binary runs")
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
    spawn_serve(&args)
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
        assert!(line.contains(d.breaks_label()), "{line}");
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

#[test]
fn max_wait_is_refused_by_load_which_has_no_waits() {
    let out = harness(&["load", "--persona", "provision-storm", "--max-wait", "10"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--max-wait") && err.contains("--delivery-wait"),
        "{err}"
    );
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

/// A fresh reports directory for one test.
fn reports_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("swivel-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn list_shows_cases_with_rules_and_full_coverage() {
    let out = harness(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let cases: usize = text
        .lines()
        .last()
        .and_then(|l| l.strip_suffix(" cases"))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(cases >= 40, "{cases} cases");
    let out = harness(&["list", "--rules"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("NOT COVERED"), "{text}");
    assert!(
        text.contains("47 server rules judged by `run`, 47 covered, 0 not covered"),
        "{text}"
    );
    // SYS-1 (syslog output) is judged through the syslog sink now: nothing awaits.
    assert!(!text.contains("awaiting a judge"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("SYS-1") && l.contains("logs-syslog-sys1-framing")),
        "{text}"
    );
    assert!(text.contains("12 client rules (CLI-1, "), "{text}");
    for id in ["WIRE-1", "WIRE-6", "CLI-12"] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing: {text}"
        );
    }
}

#[test]
fn run_against_embedded_server_passes_and_writes_four_reports() {
    let dir = reports_dir("run");
    let out = harness(&["run", "--quiet", "--reports", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("FAIL 0"), "{stdout}");
    let latest = dir.join("latest");
    for file in ["report.json", "junit.xml", "report.md", "report.html"] {
        assert!(latest.join(file).is_file(), "{file} missing");
    }
    let report = read_json(&latest.join("report.json"));
    assert_eq!(report["status"], "complete");
    assert_eq!(report["summary"]["exit_code"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn selection_and_usage_errors() {
    let dir = reports_dir("select");
    let out = harness(&[
        "run",
        "-q",
        "--reports",
        dir.to_str().unwrap(),
        "--suite",
        "reuse",
        "--rule",
        "PC-9",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = read_json(&dir.join("latest/report.json"));
    let ids: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["reuse-concurrent-double-redemption"]);
    let out = harness(&[
        "run",
        "-q",
        "--reports",
        dir.to_str().unwrap(),
        "--case",
        "no-such-case",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no case matches"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn waivers_skip_cases_and_expired_waivers_fail_the_run() {
    let dir = reports_dir("waivers");
    std::fs::create_dir_all(&dir).unwrap();
    let waivers = dir.join("waivers.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\ncase = \"reuse-sequential\"\nreason = \"ticket SWV-1\"\nexpires = \"2999-12-31\"\n",
    )
    .unwrap();
    let args = [
        "run",
        "-q",
        "--suite",
        "reuse",
        "--reports",
        dir.to_str().unwrap(),
        "--waivers",
        waivers.to_str().unwrap(),
    ];
    let out = harness(&args);
    assert_eq!(out.status.code(), Some(0));
    let report = read_json(&dir.join("latest/report.json"));
    let case = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "reuse-sequential")
        .unwrap()
        .clone();
    assert_eq!(case["verdict"], "SKIPPED");
    assert!(case["reason"].as_str().unwrap().contains("SWV-1"));

    std::fs::write(
        &waivers,
        "[[waiver]]\ncase = \"reuse-sequential\"\nreason = \"old\"\nexpires = \"2020-01-01\"\n[[waiver]]\ncase = \"gone\"\nreason = \"x\"\nexpires = \"2999-01-01\"\n",
    )
    .unwrap();
    let out = harness(&args);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("expired") && stdout.contains("unused"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigint_mid_run_leaves_a_valid_report_with_unrun_cases_marked() {
    let dir = reports_dir("sigint");
    let mut child = Command::new(BIN)
        .args(["run", "--jobs", "1", "--reports", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Server(child);
    // Wait for the third case to finish, then interrupt.
    let mut lines = BufReader::new(stderr).lines();
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    sigint(&child.0);
    let mut child = child;
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let report = read_json(&dir.join("latest/report.json"));
    assert_eq!(report["status"], "interrupted");
    let cases = report["cases"].as_array().unwrap();
    let not_run = cases.iter().filter(|c| c["verdict"] == "NOT-RUN").count();
    let done = cases
        .iter()
        .filter(|c| c["verdict"] == "PASS" || c["verdict"] == "INFO")
        .count();
    assert!(not_run > 0 && done >= 3, "not run {not_run}, done {done}");
    assert_eq!(report["summary"]["not_run"], not_run);
    assert!(
        cases
            .iter()
            .filter(|c| c["verdict"] == "NOT-RUN")
            .all(|c| c["reason"].as_str().unwrap().contains("interrupted"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_against_external_server_with_a_defect_fails_with_evidence() {
    let (server, lines) = start_serve(&["--nodes", "2", "--defect", "codes-reusable"]);
    let node1 = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let control = field(&lines, "control:").to_string();
    let dir = reports_dir("external");
    let out = harness(&[
        "run",
        "-q",
        "--target",
        &node1,
        "--control-url",
        &control,
        "--control-token",
        "cli-test-token",
        "--reports",
        dir.to_str().unwrap(),
    ]);
    drop(server);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let md = std::fs::read_to_string(dir.join("latest/report.md")).unwrap();
    let section = md
        .split("### FAIL: reuse-sequential")
        .nth(1)
        .expect("reuse-sequential FAIL section");
    let section = section.split("\n### ").next().unwrap();
    for label in ["**Requirement:**", "**Expected:**", "**Actual:**"] {
        assert!(section.contains(label), "{label} missing in {section}");
    }
    let report = read_json(&dir.join("latest/report.json"));
    assert_eq!(report["target"]["kind"], "external");
    // The session-sharing-on cases cannot run on a sharing-off target: SKIPPED, with why.
    let skipped = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "cluster-sharing-other-node-accepted")
        .unwrap()
        .clone();
    assert_eq!(skipped["verdict"], "SKIPPED");
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .contains("session sharing")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_against_an_https_target_with_its_ca_certificate() {
    let dir = reports_dir("https");
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("ca.pem");
    let (server, lines) = start_serve(&["--tls", "--write-cert", cert.to_str().unwrap()]);
    let node1 = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .replace("127.0.0.1", "localhost");
    let control = field(&lines, "control:").to_string();
    let common = [
        "run",
        "-q",
        "--suite",
        "reuse",
        "--target",
        &node1,
        "--control-url",
        &control,
        "--control-token",
        "cli-test-token",
    ];
    let out = harness(
        &[
            &common[..],
            &[
                "--reports",
                dir.to_str().unwrap(),
                "--ca-cert",
                cert.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Without the CA the certificate is refused: a transport failure, never a FAIL.
    let out = harness(
        &[
            &common[..],
            &[
                "--reports",
                dir.to_str().unwrap(),
                "--case",
                "reuse-sequential",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dead_node_gives_inconclusive_after_one_rerun() {
    let (server, lines) = start_serve(&[]);
    let control = field(&lines, "control:").to_string();
    // A port with nothing listening.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = reports_dir("dead");
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("target.toml");
    std::fs::write(
        &target,
        format!("nodes = [\"http://127.0.0.1:{dead}/pinsafe\"]\ncontrol_url = \"{control}\"\ncontrol_token = \"cli-test-token\"\n"),
    )
    .unwrap();
    let out = harness(&[
        "run",
        "-q",
        "--case",
        "reuse-sequential",
        "--target",
        target.to_str().unwrap(),
        "--reports",
        dir.to_str().unwrap(),
    ]);
    drop(server);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = read_json(&dir.join("latest/report.json"));
    let case = &report["cases"][0];
    assert_eq!(case["verdict"], "INCONCLUSIVE");
    assert_eq!(case["attempts"], 2);
    assert!(
        case["reason"].as_str().unwrap().contains("TRANSPORT"),
        "{}",
        case["reason"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn own_suites_load_and_a_lax_step_without_capture_ends_the_case_non_strict() {
    let dir = reports_dir("own-suite");
    let suites = dir.join("suites");
    std::fs::create_dir_all(&suites).unwrap();
    std::fs::write(
        suites.join("mine.toml"),
        r#"
suite = "mine"
title = "A user's own suite"

[[case]]
id = "mine-lax-then-blocked"
title = "A lax refusal that captures no device id stops the case, NON-STRICT"
rules = ["PC-5"]
level = "MUST"
users = [{ name = "u" }]
steps = [
  { do = "provision", user = "u", code = "NEVERISSUED", save_device = "d", expect = "PASS", non_strict = ["FAIL:*"] },
  { do = "strings", user = "u", device = "${d}" },
]

[[case]]
id = "mine-unset-variable"
title = "A variable nobody sets is a scenario error"
rules = ["PC-5"]
level = "MUST"
steps = [{ do = "ping" }, { do = "get", path = "/${nothing}" }]
"#,
    )
    .unwrap();
    let out = harness(&[
        "run",
        "-q",
        "--scenarios",
        suites.to_str().unwrap(),
        "--suite",
        "mine",
        "--reports",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = read_json(&dir.join("latest/report.json"));
    let verdict = |id: &str| {
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(verdict("mine-lax-then-blocked")["verdict"], "NON-STRICT");
    let unset = verdict("mine-unset-variable");
    assert_eq!(unset["verdict"], "INCONCLUSIVE");
    assert!(
        unset["reason"].as_str().unwrap().contains("scenario error"),
        "{unset}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs of `len` characters all satisfying `pred`, bounded by characters that do not.
fn runs(text: &str, len: usize, pred: impl Fn(char) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if pred(c) {
            current.push(c);
        } else {
            if current.chars().count() == len {
                found.push(current.clone());
            }
            current.clear();
        }
    }
    found
}

#[test]
fn reports_carry_no_secrets_even_when_the_server_leaks_them() {
    let dir = reports_dir("secrets");
    let out = harness(&[
        "run",
        "-q",
        "--reports",
        dir.to_str().unwrap(),
        "--defect",
        "code-returned-in-reply",
    ]);
    assert_eq!(out.status.code(), Some(1));
    for file in ["report.json", "junit.xml", "report.md", "report.html"] {
        let text = std::fs::read_to_string(dir.join("latest").join(file)).unwrap();
        // Device ids are 32 hex digits (the scenarios' invented, unbound id aside).
        let ids: Vec<String> = runs(&text, 32, |c| c.is_ascii_hexdigit())
            .into_iter()
            .filter(|id| id != "0123456789abcdef0123456789abcdef")
            .collect();
        assert!(ids.is_empty(), "{file}: device ids {ids:?}");
        // Codes are 10 upper-case letters and digits.
        let codes: Vec<String> = runs(&text, 10, |c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .into_iter()
            .filter(|r| {
                r.chars().any(|c| c.is_ascii_digit()) && r.chars().any(|c| c.is_ascii_uppercase())
            })
            // Shapes of codes (check_codes shows 9 for a digit, A for a letter) are no codes.
            .filter(|r| !r.chars().all(|c| c == 'A' || c == '9'))
            .collect();
        assert!(codes.is_empty(), "{file}: codes {codes:?}");
        // Strings are 10 digits then a two-digit index.
        // (The users' test phone numbers, +4477009…, are no strings.)
        let strings: Vec<String> = runs(&text, 12, |c| c.is_ascii_digit())
            .into_iter()
            .filter(|r| !r.starts_with("4477009"))
            .collect();
        assert!(strings.is_empty(), "{file}: strings {strings:?}");
        assert!(
            !text.contains("swivel-harness-secret"),
            "{file}: the agent secret"
        );
        assert!(
            text.contains("[code]"),
            "{file}: no redaction marker at all?"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_target_without_control_api_runs_what_needs_nothing_and_skips_the_rest_naming_it() {
    let (server, lines) = start_serve(&[]);
    let node1 = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let dir = reports_dir("no-control");
    let out = harness(&[
        "run",
        "-q",
        "--target",
        &node1,
        "--reports",
        dir.to_str().unwrap(),
    ]);
    drop(server);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = read_json(&dir.join("latest/report.json"));
    assert_eq!(
        report["target"]["capabilities"],
        serde_json::json!(["nodes:1", "session-sharing:unknown"])
    );
    let cases = report["cases"].as_array().unwrap();
    let with = |v: &'static str| cases.iter().filter(move |c| c["verdict"] == v);
    // What needs only the nodes ran (and a step that wanted more than it declared would
    // have been INCONCLUSIVE, "harness error").
    assert!(with("PASS").count() + with("INFO").count() >= 3, "{report}");
    assert_eq!(with("INCONCLUSIVE").count(), 0, "{report}");
    for c in with("SKIPPED") {
        let reason = c["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("case needs capabilit")
                && reason.contains("which this target lacks"),
            "{}: {reason}",
            c["id"]
        );
    }
    let two_nodes = cases
        .iter()
        .find(|c| c["id"] == "cluster-sharing-other-node-accepted")
        .unwrap();
    let reason = two_nodes["reason"].as_str().unwrap();
    assert!(
        reason.contains("needs 2 nodes, the target has 1")
            && reason.contains("session sharing on, the target's is unknown"),
        "{reason}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
