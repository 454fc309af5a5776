//! End-to-end tests of `swivel-harness load`: a short smoke load of every profile against
//! the embedded server (reports written, exit 0), defects turning into protocol errors
//! and a non-zero exit, and shards whose merged request logs add up to one whole run.
//! Every run is bounded by `--iterations`, on loopback.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("swivel-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `load` in `dir` with a bounded, quiet goose configuration plus `extra`.
fn load(dir: &Path, profile: &str, users: usize, iterations: usize, extra: &[&str]) -> Output {
    let users = users.to_string();
    let iterations = iterations.to_string();
    let mut args = vec![
        "load",
        "--persona",
        profile,
        "--users",
        &users,
        "--increase-rate",
        "100",
        "--iterations",
        &iterations,
        "--no-print-metrics",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    Command::new(BIN)
        .current_dir(dir)
        .args(&args)
        .output()
        .unwrap()
}

fn summary_of(dir: &Path) -> serde_json::Value {
    let reports = dir.join("reports");
    let run = std::fs::read_dir(&reports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    serde_json::from_slice(&std::fs::read(run.join("swivel-load-summary.json")).unwrap()).unwrap()
}

#[test]
fn every_profile_smoke_runs_clean_and_writes_goose_reports() {
    for (profile, _) in swivel_harness::load_test::personas::PERSONAS {
        let dir = scratch(profile);
        let out = load(&dir, profile, 3, 2, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{profile}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let run = std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        for file in [
            "report.html",
            "report.json",
            "report.md",
            "swivel-load-summary.json",
        ] {
            assert!(run.join(file).is_file(), "{profile}: {file} missing");
        }
        let summary = summary_of(&dir);
        assert_eq!(summary["protocol"]["protocol_error_total"], 0, "{profile}");
        assert!(
            summary["protocol"]["checks_passed"].as_u64().unwrap() > 0,
            "{profile}"
        );
        if *profile == "cluster-spread" {
            // Two nodes without session sharing: every cross-node attempt refused (CL-1).
            let p = &summary["protocol"];
            assert!(p["cross_node_attempts"].as_u64().unwrap() > 0);
            assert_eq!(p["cross_node_attempts"], p["cross_node_refused"]);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn cluster_spread_with_session_sharing_succeeds_across_nodes() {
    let dir = scratch("spread-sharing");
    let out = load(&dir, "cluster-spread", 2, 2, &["--session-sharing", "on"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let p = &summary_of(&dir)["protocol"];
    assert!(p["cross_node_attempts"].as_u64().unwrap() > 0);
    assert_eq!(p["cross_node_refused"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn defects_show_up_as_protocol_errors_and_fail_the_run() {
    for (defect, rule) in [
        ("strings-survive-reprovision", "SS-1"),
        ("codes-reusable", "PC-5"),
    ] {
        let dir = scratch(defect);
        let out = load(&dir, "mixed-day", 10, 3, &["--defect", defect]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{defect}: {stdout}");
        let summary = summary_of(&dir);
        let errors = summary["protocol"]["protocol_errors"].as_object().unwrap();
        assert!(
            errors.keys().any(|k| k.contains(rule)),
            "{defect}: {errors:?}"
        );
        assert_eq!(
            summary["protocol"]["transport_errors"], 0,
            "protocol errors are counted apart"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn two_shards_merge_to_the_request_count_of_one_run() {
    let dir = scratch("shards");
    let log = |name: &str| dir.join(name).display().to_string();
    let (one, a, b) = (log("one.log"), log("a.log"), log("b.log"));
    let fmt = ["--request-format", "json"];
    let whole = load(
        &dir,
        "provision-storm",
        4,
        3,
        &[&["--request-log", &one][..], &fmt].concat(),
    );
    assert_eq!(
        whole.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&whole.stdout)
    );
    for (shard, path) in [("1/2", &a), ("2/2", &b)] {
        let out = load(
            &dir,
            "provision-storm",
            2,
            3,
            &[&["--shard", shard, "--request-log", path][..], &fmt].concat(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "shard {shard}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let merged_dir = dir.join("merged");
    let out = Command::new(BIN)
        .args([
            "report",
            "merge",
            &a,
            &b,
            "--out",
            merged_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged_dir.join("merged.json")).unwrap()).unwrap();
    let out = Command::new(BIN)
        .args(["report", "merge", &one])
        .output()
        .unwrap();
    assert!(out.status.success());
    let single = swivel_harness::load_test::merge::merge_logs(&[Path::new(&one)]).unwrap();
    // 4 users x 3 iterations x 5 requests, either way.
    assert_eq!(single.requests, 60);
    assert_eq!(merged["requests"], single.requests);
    assert_eq!(merged["requests_per_input"], serde_json::json!([30, 30]));
    assert!(
        merged["latency"]["p99"].as_u64().unwrap() >= merged["latency"]["p50"].as_u64().unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `serve` with TLS on free ports; returns the child, node 1's URL and the control
/// URL, and writes the served certificate to `cert`.
fn serve_tls(cert: &Path) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--control-bind",
            "127.0.0.1:0",
            "--control-token",
            "t",
            "--tls",
        ])
        .args(["--write-cert", cert.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (mut node, mut control) = (String::new(), String::new());
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("node 1:") {
            node = rest.split_whitespace().next().unwrap().to_string();
        } else if let Some(rest) = line.strip_prefix("control:") {
            control = rest.trim().to_string();
        }
        if line.contains("press Ctrl-C") {
            break;
        }
    }
    (child, node, control)
}

#[test]
fn load_against_an_https_target_trusts_its_ca_certificate() {
    let dir = scratch("https");
    let cert = dir.join("ca.pem");
    let (mut server, node, control) = serve_tls(&cert);
    let target = [
        "--target",
        &node,
        "--control-url",
        &control,
        "--control-token",
        "t",
    ];
    let out = load(
        &dir,
        "provision-storm",
        2,
        2,
        &[&target[..], &["--ca-cert", cert.to_str().unwrap()]].concat(),
    );
    let with_ca = summary_of(&dir);
    let _ = std::fs::remove_dir_all(dir.join("reports"));
    let untrusted = load(&dir, "provision-storm", 2, 1, &target);
    let without_ca = summary_of(&dir);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(with_ca["protocol"]["checks_passed"].as_u64().unwrap() > 0);
    assert_eq!(with_ca["protocol"]["transport_errors"], 0);
    // Without the CA the self-signed certificate is refused: transport errors, a failed run.
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(without_ca["protocol"]["transport_errors"].as_u64().unwrap() > 0);
    assert_eq!(without_ca["protocol"]["protocol_error_total"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--profile` names the wire profile everywhere; the old spellings of `load` say what
/// replaced them instead of running something else.
#[test]
fn renamed_load_options_give_a_clear_error_naming_the_new_one() {
    let dir = scratch("renamed");
    for (args, new) in [
        (
            &["load", "--profile", "mixed-day"][..],
            "--persona mixed-day",
        ),
        (&["load", "--list-profiles"][..], "--list-personas"),
        (
            &[
                "load",
                "--persona",
                "mixed-day",
                "--wire-profile",
                "agentxml-3.6",
            ][..],
            "--profile agentxml-3.6",
        ),
    ] {
        let out = Command::new(BIN)
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(new), "{args:?}: {err}");
    }
    let out = Command::new(BIN)
        .current_dir(&dir)
        .args(["load", "--list-personas"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("mixed-day"));
    let _ = std::fs::remove_dir_all(&dir);
}
