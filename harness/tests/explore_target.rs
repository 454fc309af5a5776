//! `explore --target`: exploring a running reference server through its control API.
//! Histories take the target's own nodes and session sharing; a defect of the running
//! server is found, shrunk and written as a case that fails there and passes on a clean
//! server; a clean running server gives no finding; a real Swivel server (no clock the
//! harness moves) and a target without its control API are refused by name.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

#[path = "common/real_server.rs"]
mod real_server;

use std::process::{Command, Output};

use real_server::{BIN, CONTROL_TOKEN, Reference, scratch, start_reference, text};
use serde_json::Value;

fn explore(dir: &std::path::Path, server: &Reference, extra: &[&str]) -> Output {
    let found = dir.join("found");
    let reports = dir.join("reports");
    let mut args = vec!["explore", "--target", server.nodes[0].as_str()];
    args.extend([
        "--control-url",
        server.control.as_str(),
        "--control-token",
        CONTROL_TOKEN,
        "--found-dir",
        found.to_str().unwrap(),
        "--reports",
        reports.to_str().unwrap(),
    ]);
    args.extend_from_slice(extra);
    Command::new(BIN).args(&args).output().unwrap()
}

fn report(dir: &std::path::Path, seed: u64) -> Value {
    let path = dir.join(format!("reports/explore-{seed}/explore.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_defect_of_a_running_cluster_is_found_on_its_own_topology() {
    let dir = scratch("explore-target", "defect");
    let server = start_reference(&[
        "--nodes",
        "2",
        "--session-sharing",
        "off",
        "--defect",
        "codes-reusable",
    ]);
    let out = explore(
        &dir,
        &server,
        &["--seed", "7", "--cases", "100", "--max-findings", "3"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = report(&dir, 7);
    assert_eq!(r["target"]["kind"], "external");
    let pc5 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PC-5")
        .unwrap_or_else(|| panic!("no PC-5 finding: {}", text(&out)));
    assert_eq!(pc5["status"], "confirmed");
    assert!(pc5["shrunk_ops"].as_u64().unwrap() <= 8, "{pc5}");
    // The shrunk history kept the target's shape: two nodes, sharing off.
    assert_eq!(pc5["shrunk"]["nodes"], 2);
    assert_eq!(pc5["shrunk"]["sharing"], false);
    let case = &pc5["case"];
    assert_eq!(case["on_target"], "FAIL", "{case}");
    assert_eq!(case["on_clean"], "PASS", "{case}");
    assert_eq!(case["kept"], true);
    let written = std::fs::read_to_string(case["path"].as_str().unwrap()).unwrap();
    assert!(
        written.contains("server = { nodes = 2, session_sharing = \"off\" }"),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clean_running_server_gives_no_finding() {
    let dir = scratch("explore-target", "clean");
    let server = start_reference(&["--nodes", "2", "--session-sharing", "on"]);
    let out = explore(&dir, &server, &["--seed", "1", "--cases", "200"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = report(&dir, 1);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{}", text(&out));
    assert_eq!(r["numbers"]["cases"], 200);
    assert_eq!(r["numbers"]["inconclusive_runs"], 0);
    // Every history ran: none asked for what a running server cannot give.
    assert_eq!(r["numbers"]["skipped_runs"], 0, "{r}");
    assert_eq!(r["numbers"]["harness_errors"], 0);
    // Histories ran for real: steps and requests, not SKIPPED cases.
    assert!(r["numbers"]["requests"].as_u64().unwrap() > 400, "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn targets_explore_cannot_drive_are_refused_by_name() {
    let dir = scratch("explore-target", "refused");
    let server = start_reference(&["--nodes", "2"]);
    // No control API given: nothing could create users or move the clock.
    let out = Command::new(BIN)
        .args(["explore", "--target", server.nodes[0].as_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("control API"), "{}", text(&out));
    // A real Swivel server: its clock is real time.
    let file = dir.join("target.toml");
    std::fs::write(
        &file,
        format!(
            "kind = \"swivel\"\nnodes = [\"{}\"]\nsite_id = \"HARNESS01\"\n",
            server.nodes[0]
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["explore", "--target", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--target-kind swivel) is not supported yet"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
