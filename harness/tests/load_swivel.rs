//! `load --target-kind swivel` end to end: the reference server imitates a real Swivel
//! server (`serve --no-control --smtp-relay … --syslog … --policies …`, Admin XML behind
//! the agent secret, the system clock, codes valid 10 s, self-provisioning allowed), and
//! the load reaches it only as a real one: users created and deleted through Admin XML
//! (or a pool file of existing users with e-mail addresses), codes issued by Admin XML
//! Reprovision and read from the mail sink.
//!
//! - the faithful server: exit 0, no protocol error, every code arrived, the run's
//!   requests include `admin: reprovision`, the sinks' counters in the summary, the
//!   generated users gone afterwards;
//! - `codes-reusable`: protocol errors naming PC-5, exit 1;
//! - a pool file: its users provisioned and left in place;
//! - mail that never reaches the sink: counted as codes that never arrived, apart from
//!   protocol and transport errors;
//! - a self-service persona against a server whose stated policies forbid it: exit 2,
//!   naming the policy.
//!
//! Every run is bounded (a few goose users, seconds of run time or a few iterations), on
//! loopback.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

#[path = "common/real_server.rs"]
mod real_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use real_server::{BIN, Real, free_port, start_real as start_stand_in, text};
use serde_json::Value;
use swivel_harness::codec::admin::{AdminCodec, AdminUser};
use swivel_harness::profile::WireProfile;

const SECRET: &str = "swivel-load-target-secret";

fn scratch(name: &str) -> PathBuf {
    real_server::scratch("swivel-load-real", name)
}

/// The stand-in for a real server, with this file's secret.
fn start_real(dir: &Path, defect: Option<&str>) -> Real {
    start_stand_in(dir, SECRET, defect)
}

/// `load --target-kind swivel` against `real`, in `dir`, plus `extra`.
fn load(dir: &Path, real: &Real, extra: &[&str]) -> Output {
    let (smtp, syslog) = real.sink_args();
    let target_file = dir.join("target.toml");
    let mut args = vec![
        "load",
        "--target-kind",
        "swivel",
        "--target",
        &real.node,
        "--smtp-bind",
        &smtp,
        "--syslog-bind",
        &syslog,
        "--target-file",
        target_file.to_str().unwrap(),
        "--agent-secret",
        SECRET,
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

fn summary_of(dir: &Path) -> Value {
    let run = std::fs::read_dir(dir.join("reports"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    serde_json::from_slice(&std::fs::read(run.join("swivel-load-summary.json")).unwrap()).unwrap()
}

fn setting<'a>(summary: &'a Value, name: &str) -> &'a str {
    summary["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["value"].as_str())
        .unwrap()
}

fn requests_named(summary: &Value, name: &str) -> u64 {
    summary["figures"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .map_or(0, |t| t["requests"].as_u64().unwrap())
}

/// Posts an Admin XML body to the node; the reply's text.
async fn admin_xml(node: &str, body: String) -> String {
    let reply = reqwest::Client::new()
        .post(format!("{node}/AdminXML"))
        .header("Content-Type", "application/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    reply.text().await.unwrap()
}

fn codec() -> AdminCodec {
    AdminCodec::new(&WireProfile::default_profile())
}

/// Creates `names` on the server with e-mail transports at `domain`.
async fn create_users(node: &str, names: &[String], domain: &str) {
    let users: Vec<AdminUser> = names
        .iter()
        .map(|n| AdminUser::mobile(n, "3759", &format!("{n}@{domain}")))
        .collect();
    let reply = admin_xml(node, codec().create(SECRET, &users)).await;
    let parsed = codec().parse_reply(reply.as_bytes()).unwrap();
    assert!(names.iter().all(|n| parsed.passed(n)), "{reply}");
}

/// Whether the server still holds `name` (deleting it tells; the test's users are gone
/// afterwards either way).
async fn user_exists(node: &str, name: &str) -> bool {
    let reply = admin_xml(node, codec().delete(SECRET, &[name])).await;
    codec().parse_reply(reply.as_bytes()).unwrap().passed(name)
}

#[tokio::test]
async fn provision_storm_on_a_real_server_runs_clean_through_admin_xml_and_mail() {
    let dir = scratch("clean");
    let real = start_real(&dir, None);
    let started = Instant::now();
    let out = load(
        &dir,
        &real,
        &[
            "--admin-secret",
            SECRET,
            "--persona",
            "provision-storm",
            "--users",
            "10",
            "--increase-rate",
            "10",
            "--run-time",
            "10s",
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = summary_of(&dir);
    let p = &s["protocol"];
    let admin = requests_named(&s, "admin: reprovision");
    println!(
        "{} requests ({admin} admin: reprovision), {} protocol errors, {} codes not arrived, {:.1} s",
        s["figures"]["requests"],
        p["protocol_error_total"],
        p["codes_not_arrived"],
        took.as_secs_f64()
    );
    assert_eq!(s["target_kind"], "swivel");
    assert!(setting(&s, "target").starts_with("swivel: "));
    assert_eq!(p["protocol_error_total"], 0, "{p}");
    assert_eq!(p["codes_not_arrived"], 0, "{p}");
    assert_eq!(p["code_wait_s"], 10);
    assert_eq!(p["transport_errors"], 0);
    assert!(admin > 0, "no admin: reprovision request");
    // Every iteration: the reprovision, then provision, strings and the used code again
    // (goose may stop an iteration of each user at the end of the run time).
    let provisions = requests_named(&s, "provision");
    assert!(
        provisions <= admin && provisions + 10 >= admin,
        "{provisions} of {admin}"
    );
    assert!(p["expected_refusals"].as_u64().unwrap() > 0);
    // The sinks' counters: a mail per code.
    let sinks = s["sinks"].as_array().unwrap();
    let mail = sinks.iter().find(|x| x["name"] == "mail sink").unwrap();
    assert!(mail["received"]["messages accepted"].as_u64().unwrap() >= admin);
    assert!(sinks.iter().any(|x| x["name"] == "syslog sink"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("| codes that never arrived (waited 10 s) | 0 |"));
    assert!(stdout.contains("| mail sink (smtp://"));
    let md = std::fs::read_to_string(
        std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
            .join("load-report.md"),
    )
    .unwrap();
    assert!(md.contains("target swivel"));
    assert!(md.contains("## Sinks"));
    // The generated users were created for this run and deleted after it.
    let pool = setting(&s, "user pool");
    assert!(pool.contains("created through Admin XML"), "{pool}");
    let first = pool
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(','))
        .map(|(name, _)| name)
        .unwrap();
    assert!(first.starts_with("load-"), "{pool}");
    assert!(!user_exists(&real.node, first).await, "{first} left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reusable_codes_on_a_real_server_are_protocol_errors_naming_pc5() {
    let dir = scratch("reusable");
    let real = start_real(&dir, Some("codes-reusable"));
    let out = load(
        &dir,
        &real,
        &[
            "--admin-secret",
            SECRET,
            "--persona",
            "provision-storm",
            "--users",
            "4",
            "--increase-rate",
            "10",
            "--run-time",
            "4s",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = summary_of(&dir);
    let p = &s["protocol"];
    let errors = p["protocol_errors"].as_object().unwrap();
    println!(
        "{} requests, protocol errors {errors:?}, {} codes not arrived",
        s["figures"]["requests"], p["codes_not_arrived"]
    );
    assert!(errors.keys().any(|k| k.contains("PC-5")), "{errors:?}");
    assert_eq!(p["codes_not_arrived"], 0);
    assert_eq!(p["transport_errors"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL: "));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_pool_file_of_existing_users_with_e_mails_is_provisioned_and_left_in_place() {
    let dir = scratch("pool");
    let real = start_real(&dir, None);
    let names: Vec<String> = (0..4).map(|i| format!("pooled-{i}")).collect();
    create_users(&real.node, &names, "pool.test").await;
    let pool = dir.join("pool.csv");
    let lines: Vec<String> = names
        .iter()
        .map(|n| format!("{n},3759,{n}@pool.test"))
        .collect();
    std::fs::write(&pool, format!("# existing users\n{}\n", lines.join("\n"))).unwrap();
    let out = load(
        &dir,
        &real,
        &[
            "--admin-secret",
            SECRET,
            "--user-pool",
            pool.to_str().unwrap(),
            "--persona",
            "provision-storm",
            "--users",
            "2",
            "--increase-rate",
            "10",
            "--iterations",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = summary_of(&dir);
    let p = &s["protocol"];
    assert_eq!(p["protocol_error_total"], 0, "{p}");
    assert_eq!(p["codes_not_arrived"], 0, "{p}");
    // 2 goose users x 3 iterations.
    assert_eq!(requests_named(&s, "admin: reprovision"), 6);
    assert!(setting(&s, "user pool").contains("existing users"));
    for n in &names {
        assert!(user_exists(&real.node, n).await, "{n} was deleted");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn codes_whose_mail_never_arrives_are_counted_apart_from_errors() {
    let dir = scratch("lost");
    let real = start_real(&dir, None);
    let names: Vec<String> = (0..2).map(|i| format!("lost-{i}")).collect();
    // The server mails elsewhere than the pool file says: nothing reaches the sink for
    // these users.
    create_users(&real.node, &names, "elsewhere.test").await;
    let pool = dir.join("pool.csv");
    let lines: Vec<String> = names
        .iter()
        .map(|n| format!("{n},3759,{n}@pool.test"))
        .collect();
    std::fs::write(&pool, lines.join("\n")).unwrap();
    let pool_path = pool.to_str().unwrap();
    // One iteration per user from the pool, a 1 s wait for the mail, and `extra`.
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--admin-secret",
            SECRET,
            "--user-pool",
            pool_path,
            "--delivery-wait",
            "1",
            "--persona",
            "provision-storm",
            "--users",
            "2",
            "--increase-rate",
            "10",
            "--iterations",
            "1",
        ];
        args.extend_from_slice(extra);
        load(&dir, &real, &args)
    };
    let out = run(&[]);
    let s = summary_of(&dir);
    let p = &s["protocol"];
    assert_eq!(p["codes_not_arrived"], 2, "{}", text(&out));
    assert_eq!(p["code_wait_s"], 1);
    assert_eq!(p["protocol_error_total"], 0);
    assert_eq!(p["transport_errors"], 0);
    assert_eq!(p["http_errors"], 0);
    // The reprovision went out; no provision followed without a code.
    assert_eq!(requests_named(&s, "admin: reprovision"), 2);
    assert_eq!(requests_named(&s, "provision"), 0);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("| codes that never arrived (waited 1 s) | 2 |"),
        "{}",
        text(&out)
    );
    // Counted and warned about, not failed, unless a limit is given.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("WARN: 2 code(s) never arrived"),
        "{}",
        text(&out)
    );
    let limited = run(&["--max-codes-not-arrived", "1"]);
    assert_eq!(limited.status.code(), Some(1), "{}", text(&limited));
    assert!(
        String::from_utf8_lossy(&limited.stdout)
            .contains("FAIL: 2 code(s) never arrived, more than the 1 allowed"),
        "{}",
        text(&limited)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn self_service_needs_the_policy_stated_in_the_target_file() {
    let dir = scratch("no-self");
    let target_file = dir.join("target.toml");
    std::fs::write(&target_file, "kind = \"swivel\"\n").unwrap();
    let (smtp, syslog) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let out = Command::new(BIN)
        .current_dir(&dir)
        .args([
            "load",
            "--target-kind",
            "swivel",
            "--target",
            "http://127.0.0.1:9/pinsafe",
            "--target-file",
            target_file.to_str().unwrap(),
            "--smtp-bind",
            &smtp,
            "--syslog-bind",
            &syslog,
            "--admin-secret",
            SECRET,
            "--persona",
            "self-service",
            "--users",
            "1",
            "--iterations",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allow_self_provision = true"), "{err}");
    assert!(err.contains("SP-1"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
