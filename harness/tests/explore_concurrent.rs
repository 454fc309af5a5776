//! Concurrent segments against the embedded reference server: a `concurrently` step
//! passes on a clean server and fails under the rule its interleavings make necessary
//! when a defect breaks linearizability (two provisions redeeming one code, two logins
//! with one OTC); explore finds non-atomic redemption through a segment; and histories
//! holding segments give no mismatch on a clean server.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::explore::drive::{Observation, run_history};
use swivel_harness::explore::ops::{
    Branch, BranchOp, CodeRef, DeviceRef, History, Op, OtcRef, User,
};
use swivel_harness::explore::search::histories;
use swivel_harness::explore::{ExploreOptions, Topology, explore};
use swivel_harness::profile::WireProfile;
use swivel_harness::sut::TargetSpec;
use swivel_harness::verdict::Verdict;
use swivel_reference_server::defects::{Defect, DefectSet};
use tokio::sync::watch;

fn client() -> MobileClient {
    MobileClient::new(
        Arc::new(WireProfile::default_profile()),
        ClientOptions {
            timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn target(defects: DefectSet) -> TargetSpec {
    TargetSpec::Embedded {
        defects,
        wire_profile: Arc::new(WireProfile::default_profile()),
    }
}

async fn run(defects: DefectSet, history: &History) -> (String, Observation) {
    let (compiled, observation) = run_history(&target(defects), &client(), history, 0)
        .await
        .unwrap();
    (compiled.text, observation)
}

fn segment(left: &[BranchOp], right: &[BranchOp]) -> Op {
    Op::Concurrent {
        user: User::U,
        left: Branch::new(left),
        right: Branch::new(right),
    }
}

fn provision(node: u8) -> BranchOp {
    BranchOp::Provision {
        code: CodeRef::Latest,
        node,
    }
}

fn fresh_login() -> BranchOp {
    BranchOp::Login {
        otc: OtcRef::Fresh,
        node: 0,
    }
}

/// Two sharing nodes; `u` gets a code, then provisions with it on both at once.
fn racing_provisions() -> History {
    History {
        nodes: 2,
        sharing: true,
        ops: vec![
            Op::Reprovision {
                user: User::U,
                node: 0,
            },
            segment(&[provision(0)], &[provision(1)]),
        ],
    }
}

/// `u` provisions and downloads, then logs in with one OTC twice at once.
fn racing_logins() -> History {
    History {
        nodes: 1,
        sharing: false,
        ops: vec![
            Op::Reprovision {
                user: User::U,
                node: 0,
            },
            Op::Provision {
                user: User::U,
                code: CodeRef::Latest,
                node: 0,
                device_os: false,
            },
            Op::Strings {
                user: User::U,
                device: DeviceRef::Current,
                node: 0,
            },
            segment(&[fresh_login()], &[fresh_login()]),
        ],
    }
}

fn assert_clean(text: &str, o: &Observation) {
    assert_eq!(o.verdict, Verdict::Pass, "{:?}\n{text}", o.mismatch);
    assert!(text.contains("do = \"concurrently\""), "{text}");
}

fn assert_caught(text: &str, o: &Observation, rule: &str) {
    let m = o
        .mismatch
        .as_ref()
        .unwrap_or_else(|| panic!("no mismatch ({:?})\n{text}", o.verdict));
    assert_eq!(m.action, "concurrently", "{m:?}");
    assert_eq!(m.rule.to_string(), rule, "{m:?}");
    assert_eq!(m.kind, format!("{rule} concurrently violated"), "{m:?}");
    assert!(m.actual.contains("no interleaving gives it"), "{m:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_branches_provisioning_with_one_code_catch_non_atomic_redemption() {
    for _ in 0..3 {
        let (text, o) = run(DefectSet::none(), &racing_provisions()).await;
        assert_clean(&text, &o);
        let defect = [Defect::NonAtomicRedemption].into_iter().collect();
        let (text, o) = run(defect, &racing_provisions()).await;
        assert_caught(&text, &o, "PC-9");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_branches_logging_in_with_one_otc_catch_a_reusable_otc() {
    let (text, o) = run(DefectSet::none(), &racing_logins()).await;
    assert_clean(&text, &o);
    let defect = [Defect::OtcReusable].into_iter().collect();
    let (text, o) = run(defect, &racing_logins()).await;
    assert_caught(&text, &o, "OTC-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_with_segments_give_no_mismatch_on_a_clean_server() {
    let with_segments: Vec<History> = histories(5, 1, 30)
        .filter(|h| h.ops.iter().any(|op| matches!(op, Op::Concurrent { .. })))
        .take(300)
        .collect();
    let mut segments_run = 0;
    for h in &with_segments {
        let (text, o) = run(DefectSet::none(), h).await;
        assert!(
            o.mismatch.is_none() && o.verdict == Verdict::Pass,
            "{:?} {:?}\n{text}",
            o.verdict,
            o.mismatch
        );
        segments_run += text.matches("do = \"concurrently\"").count();
    }
    assert!(segments_run >= 50, "only {segments_run} segments planned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_finds_non_atomic_redemption_through_a_segment() {
    let dir = std::env::temp_dir().join(format!("swivel-explore-{}-conc", std::process::id()));
    let (tx, interrupt) = watch::channel(false);
    std::mem::forget(tx);
    let o = ExploreOptions {
        seed: 7,
        cases: 400,
        min_steps: 1,
        max_steps: 30,
        time_budget: Duration::from_secs(120),
        request_budget: 1_000_000,
        max_shrink_time: Duration::from_secs(30),
        found_dir: dir.clone(),
        max_findings: 6,
        stop_at_rule: None,
        interrupt,
        topology: Topology::Generated,
    };
    let defects = [Defect::NonAtomicRedemption].into_iter().collect();
    let report = explore(&target(defects), &client(), &o, |_| {}).await;
    let _ = std::fs::remove_dir_all(&dir);
    let kinds: Vec<&String> = report.findings.iter().map(|f| &f.kind).collect();
    let found = report
        .findings
        .iter()
        .find(|f| f.kind == "PC-9 concurrently violated")
        .unwrap_or_else(|| panic!("no finding through a segment: {kinds:?}"));
    let shrunk = found.shrunk.as_ref().unwrap_or(&found.original);
    assert!(
        shrunk
            .ops
            .iter()
            .any(|op| matches!(op, Op::Concurrent { .. })),
        "{shrunk:?}"
    );
    assert!(found.case.as_ref().is_some_and(|c| c.kept), "{found:?}");
}
