//! `explore` stops by itself and leaves valid reports: a request budget and a time
//! budget each end the run with that reason, and Ctrl-C (SIGINT) mid-run leaves all four
//! reports complete and parseable, with `stopped: interrupted` and exit 2.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

#[path = "common/real_server.rs"]
mod real_server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use real_server::{BIN, scratch, text};
use serde_json::Value;

/// `explore` on the embedded server with a seed and `extra`; writes into `dir`.
fn explore_args(dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["explore", "--seed", "3", "--found-dir"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(dir.join("found").display().to_string());
    args.push("--reports".into());
    args.push(dir.join("reports").display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Every report of the run in `dir` is whole: JSON parses, the JUnit XML reads to its
/// end, the Markdown and HTML are closed. Returns the JSON.
fn whole_reports(dir: &std::path::Path) -> Value {
    let out = dir.join("reports/explore-3");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("explore.json")).unwrap()).unwrap();
    let junit = std::fs::read_to_string(out.join("explore-junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&junit);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("explore-junit.xml is not well-formed: {e}\n{junit}"),
        }
    }
    assert!(junit.trim_end().ends_with("</testsuites>"), "{junit}");
    let html = std::fs::read_to_string(out.join("explore.html")).unwrap();
    assert!(html.trim_end().ends_with("</html>"));
    let md = std::fs::read_to_string(out.join("explore.md")).unwrap();
    assert!(md.starts_with("# swivel-harness explore, seed 3"));
    json
}

#[test]
fn a_request_budget_and_a_time_budget_each_stop_the_run() {
    let dir = scratch("explore-bounds", "requests");
    let out = Command::new(BIN)
        .args(explore_args(
            &dir,
            &["--cases", "100000", "--request-budget", "150"],
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = whole_reports(&dir);
    assert_eq!(r["stopped"], "request-budget", "{r}");
    let requests = r["numbers"]["requests"].as_u64().unwrap();
    // Checked between histories: at most one history's requests beyond the budget.
    assert!((150..400).contains(&requests), "{requests} requests");
    let _ = std::fs::remove_dir_all(&dir);

    let dir = scratch("explore-bounds", "time");
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(explore_args(
            &dir,
            &["--cases", "100000", "--time-budget", "2s"],
        ))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = whole_reports(&dir);
    assert_eq!(r["stopped"], "time-budget", "{r}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_leaves_whole_reports_and_exit_2() {
    let dir = scratch("explore-bounds", "sigint");
    let mut child = Command::new(BIN)
        .args(explore_args(
            &dir,
            &["--cases", "100000", "--time-budget", "600s"],
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("explore did not stop within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(2));
    let r = whole_reports(&dir);
    assert_eq!(r["stopped"], "interrupted", "{r}");
    assert!(r["numbers"]["cases"].as_u64().unwrap() > 0, "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}
