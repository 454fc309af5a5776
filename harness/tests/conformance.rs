//! Proof that the checks work: every suite runs against the clean embedded reference
//! server (every judged case must PASS) and against the server with each defect switch
//! (each defect must turn at least one case to FAIL, or NON-STRICT for a SHOULD rule).

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::{ProfileInfo, RunReport, Selection};
use swivel_harness::runner::{self, RunOptions};
use swivel_harness::scenario::{self, Case};
use swivel_harness::target::TargetSpec;
use swivel_harness::verdict::{Level, Verdict};
use swivel_reference_server::defects::{ALL_DEFECTS, Defect, DefectSet};
use tokio::sync::watch;

fn all_cases() -> Vec<Case> {
    let suites = scenario::load_builtin().unwrap();
    scenario::load::validate(&suites).unwrap()
}

async fn run_all(defects: DefectSet, label: &str) -> RunReport {
    let client = MobileClient::new(
        Arc::new(WireProfile::default_profile()),
        ClientOptions {
            timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let root =
        std::env::temp_dir().join(format!("swivel-conformance-{}-{label}", std::process::id()));
    let (_keep, interrupt) = watch::channel(false);
    let options = RunOptions {
        concurrency: 8,
        selection: Selection::default(),
        waivers: Vec::new(),
        waiver_problems: Vec::new(),
        reports_root: root.clone(),
        run_id: "run".into(),
        profile: ProfileInfo {
            name: "agentxml-3.6".into(),
            source: "built-in".into(),
            hint_parts: Vec::new(),
            assumed_parts: Vec::new(),
        },
        quiet: true,
        interrupt,
    };
    let result = runner::run(
        all_cases(),
        TargetSpec::Embedded { defects },
        client,
        options,
    )
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&root);
    result.report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_judged_case() {
    let report = run_all(DefectSet::none(), "clean").await;
    let bad: Vec<String> = report
        .cases
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Info))
        .map(|c| format!("{} {}: {:?}", c.verdict, c.id, c.reason))
        .collect();
    assert!(bad.is_empty(), "on the clean server: {bad:#?}");
    assert!(
        report
            .cases
            .iter()
            .filter(|c| c.level != Level::Info)
            .all(|c| c.verdict == Verdict::Pass)
    );
    assert_eq!(report.summary.exit_code, 0);
}

/// The worst verdict a defect must cause: FAIL for a MUST rule, NON-STRICT for a SHOULD.
fn required_verdict(defect: Defect) -> Verdict {
    match swivel_harness::rules::get(defect.rule()).map(|r| r.level) {
        Some(Level::Should) => Verdict::NonStrict,
        _ => Verdict::Fail,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_is_caught_by_a_case_of_its_rule_level() {
    let mut missed = Vec::new();
    for &defect in ALL_DEFECTS {
        let report = run_all([defect].into_iter().collect(), defect.name()).await;
        let want = required_verdict(defect);
        let judged_level = if want == Verdict::Fail {
            Level::Must
        } else {
            Level::Should
        };
        let caught = report
            .cases
            .iter()
            .any(|c| c.verdict == want && c.level == judged_level);
        if !caught {
            missed.push(format!(
                "{defect} ({}): no {judged_level} case is {want}",
                defect.rule()
            ));
        }
        let inconclusive: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Inconclusive)
            .map(|c| c.id.as_str())
            .collect();
        assert!(
            inconclusive.is_empty(),
            "{defect}: inconclusive cases {inconclusive:?}"
        );
        // A FAIL fails the run; NON-STRICT alone does not.
        let exit = if want == Verdict::Fail { 1 } else { 0 };
        assert_eq!(report.summary.exit_code, exit, "{defect}: exit code");
    }
    assert!(missed.is_empty(), "defects no case catches: {missed:#?}");
}

#[test]
fn every_rule_is_covered_by_a_case() {
    let cases = all_cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let uncovered: Vec<&str> = swivel_harness::rules::all()
        .iter()
        .filter(|r| !cases.iter().any(|c| c.rules.contains(&r.id)))
        .map(|r| r.id.as_str())
        .collect();
    assert!(uncovered.is_empty(), "rules without a case: {uncovered:?}");
}
