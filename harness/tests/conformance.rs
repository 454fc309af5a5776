//! Proof that the checks work: every suite runs against the clean embedded reference
//! server under each built-in wire profile (every judged case must PASS), against a
//! server speaking another profile than the harness (the WIRE rules FAIL, nothing is
//! INCONCLUSIVE), and against the server with each defect switch (each defect must turn
//! a case OF ITS OWN RULE to FAIL, or NON-STRICT for a SHOULD rule). The defect runs
//! write the kill matrix, `reports/kill-matrix.md`, and fail when the committed file is
//! stale (`UPDATE_KILL_MATRIX=1` regenerates it).

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::{CaseRef, ProfileInfo, RunReport, Selection, coverage};
use swivel_harness::rules::RuleId;
use swivel_harness::runner::{self, RunOptions};
use swivel_harness::scenario::{self, Case};
use swivel_harness::sut::TargetSpec;
use swivel_harness::verdict::{Level, Verdict};
use swivel_reference_server::defects::{ALL_DEFECTS, Defect, DefectKind, DefectSet};
use tokio::sync::watch;

fn all_cases() -> Vec<Case> {
    let suites = scenario::read_builtin().unwrap();
    scenario::read::validate(&suites).unwrap()
}

async fn run_all(defects: DefectSet, label: &str) -> RunReport {
    let mobile = WireProfile::default_profile();
    run_with(defects, label, &mobile, &mobile).await
}

async fn run_with(
    defects: DefectSet,
    label: &str,
    harness: &WireProfile,
    server: &WireProfile,
) -> RunReport {
    let client = MobileClient::new(
        Arc::new(harness.clone()),
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
            name: harness.name.clone(),
            source: harness.source().into(),
            hint_parts: Vec::new(),
            assumed_parts: Vec::new(),
        },
        quiet: true,
        interrupt,
    };
    let result = runner::run(
        all_cases(),
        TargetSpec::Embedded {
            defects,
            wire_profile: Arc::new(server.clone()),
        },
        client,
        options,
    )
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&root);
    result.report
}

fn assert_none_inconclusive(report: &RunReport, label: &str) {
    let inconclusive: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Inconclusive)
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        inconclusive.is_empty(),
        "{label}: inconclusive cases {inconclusive:?}"
    );
}

fn assert_all_pass(report: &RunReport, label: &str) {
    let bad: Vec<String> = report
        .cases
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Info))
        .map(|c| format!("{} {}: {:?}", c.verdict, c.id, c.reason))
        .collect();
    assert!(bad.is_empty(), "{label}: {bad:#?}");
    assert_eq!(report.summary.exit_code, 0, "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_judged_case_under_agentxml_too() {
    let agentxml = WireProfile::resolve("agentxml-3.6").unwrap();
    let report = run_with(DefectSet::none(), "clean-agentxml", &agentxml, &agentxml).await;
    assert_all_pass(&report, "agentxml-3.6 on both sides");
}

/// A harness speaking one profile against a server speaking the other: the WIRE rules
/// fail, as a finding and never as a crash or an INCONCLUSIVE run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_mismatch_is_a_fail_of_the_wire_rules() {
    let mobile = WireProfile::default_profile();
    let agentxml = WireProfile::resolve("agentxml-3.6").unwrap();
    for (harness, server) in [(&mobile, &agentxml), (&agentxml, &mobile)] {
        let label = format!("{} against {}", harness.name, server.name);
        let report = run_with(DefectSet::none(), "mismatch", harness, server).await;
        assert_none_inconclusive(&report, &label);
        let failed_wire: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| {
                c.verdict == Verdict::Fail && c.rules.iter().any(|r| r.starts_with("WIRE-"))
            })
            .map(|c| c.id.as_str())
            .collect();
        assert!(!failed_wire.is_empty(), "{label}: no WIRE case failed");
        assert_eq!(report.summary.exit_code, 1, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_judged_case() {
    let report = run_all(DefectSet::none(), "clean").await;
    assert_all_pass(&report, "mobile-3.6 on both sides");
    assert!(
        report
            .cases
            .iter()
            .filter(|c| c.level != Level::Info)
            .all(|c| c.verdict == Verdict::Pass)
    );
}

/// The worst verdict a defect of `rule` must cause: FAIL for a MUST rule, NON-STRICT for
/// a SHOULD.
fn required_verdict(rule: RuleId) -> Verdict {
    match rule.level() {
        Level::Should => Verdict::NonStrict,
        Level::Must | Level::Info => Verdict::Fail,
    }
}

/// Where the kill matrix is kept, and the variable that regenerates it.
const KILL_MATRIX: &str = "reports/kill-matrix.md";
const UPDATE_KILL_MATRIX: &str = "UPDATE_KILL_MATRIX";

/// One defect's row: what it breaks and the cases of its own rule that caught it.
struct Kill {
    defect: Defect,
    rule: RuleId,
    want: Verdict,
    caught_by: Vec<String>,
}

/// The test in `harness/tests/compare.rs` whose p99 gate catches a performance defect.
const PERF_GATE_TEST: &str =
    "harness/tests/compare.rs::slower_strings_fail_the_p99_gate_naming_the_transaction";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_is_caught_by_a_case_of_its_rule_level() {
    let mut kills = Vec::new();
    let mut performance = Vec::new();
    for &defect in ALL_DEFECTS {
        let report = run_all([defect].into_iter().collect(), defect.name()).await;
        let Some(rule) = defect.rule() else {
            // A performance defect breaks no rule: every judged case still passes, and
            // the load gate named in the matrix catches it.
            assert_all_pass(&report, defect.name());
            assert_eq!(report.summary.exit_code, 0, "{defect}: exit code");
            performance.push(defect);
            continue;
        };
        let want = required_verdict(rule);
        let judged_level = if want == Verdict::Fail {
            Level::Must
        } else {
            Level::Should
        };
        // Caught by a case of the defect's own rule: a FAIL elsewhere could hide a
        // check of this rule that is blind.
        let caught_by = report
            .cases
            .iter()
            .filter(|c| {
                c.verdict == want
                    && c.level == judged_level
                    && c.rules.iter().any(|r| rule == r.as_str())
            })
            .map(|c| c.id.clone())
            .collect();
        assert_none_inconclusive(&report, defect.name());
        // A FAIL fails the run; NON-STRICT alone does not.
        let exit = if want == Verdict::Fail { 1 } else { 0 };
        assert_eq!(report.summary.exit_code, exit, "{defect}: exit code");
        kills.push(Kill {
            defect,
            rule,
            want,
            caught_by,
        });
    }
    check_kill_matrix(&kill_matrix(&kills, &performance));
    let gaps: Vec<String> = kills
        .iter()
        .filter(|k| k.caught_by.is_empty())
        .map(|k| {
            let rule = k.rule;
            format!(
                "{} ({rule}): no {} case of {rule} is {}",
                k.defect,
                rule.level(),
                k.want
            )
        })
        .collect();
    assert!(
        gaps.is_empty(),
        "defects no case of their rule catches: {gaps:#?}"
    );
}

/// The kill matrix as Markdown: defect → rule → the cases of that rule it turned.
fn kill_matrix(kills: &[Kill], performance: &[Defect]) -> String {
    let mut out = String::from(
        "# Kill matrix\n\n\
         Generated by `harness/tests/conformance.rs` \
         (`every_defect_is_caught_by_a_case_of_its_rule_level`); do not edit. The test runs \
         every suite against the embedded reference server with one defect switch on at a \
         time, and fails when this file differs from what it saw. After a change to the \
         suites or the defects, regenerate it and commit the result:\n\n\
         ```sh\n\
         UPDATE_KILL_MATRIX=1 nice -n 19 cargo test -p swivel-harness --test conformance every_defect\n\
         ```\n\n\
         Each defect breaks one rule (`serve --list-defects`). It is caught when a case that \
         cites that rule, at the rule's level, turns FAIL (NON-STRICT for a SHOULD rule); a \
         defect only cases of other rules notice is a gap, shown as **GAP**.\n\n\
         | Defect | Rule | Must turn | What it breaks | Caught by (cases of the rule) |\n\
         |---|---|---|---|---|\n",
    );
    for k in kills {
        let caught = if k.caught_by.is_empty() {
            "**GAP**".to_string()
        } else {
            k.caught_by
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| `{}` | {} ({}) | {} | {} | {caught} |\n",
            k.defect,
            k.rule,
            k.rule.level(),
            k.want,
            k.defect
                .description()
                .replace('|', "\\|")
                .replace('<', "\\<"),
        ));
    }
    let gaps = kills.iter().filter(|k| k.caught_by.is_empty()).count();
    out.push_str(&format!(
        "\n{} defects, {} caught by a case of their own rule, {gaps} gaps.\n",
        kills.len(),
        kills.len() - gaps
    ));
    if !performance.is_empty() {
        // The named test must exist, or the matrix would cite a check nobody runs.
        let compare_tests = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compare.rs"),
        )
        .unwrap();
        let test_fn = PERF_GATE_TEST.rsplit("::").next().unwrap();
        assert!(
            compare_tests.contains(&format!("fn {test_fn}()")),
            "{PERF_GATE_TEST}"
        );
        out.push_str(
            "\n## Performance defects\n\n\
             These break no rule: with one on, every judged case still passes (this test \
             checks that). A load gate of `report compare` catches each, in the test named.\n\n\
             | Defect | Gate | What it breaks | Caught by |\n|---|---|---|---|\n",
        );
        for d in performance {
            let gate = match d.info().kind {
                DefectKind::Performance { gate } => gate,
                DefectKind::Rule(_) => unreachable!("only performance defects are listed"),
            };
            out.push_str(&format!(
                "| `{d}` | {gate} | {} | `{PERF_GATE_TEST}` |\n",
                d.description().replace('|', "\\|").replace('<', "\\<"),
            ));
        }
    }
    out
}

/// Compares the kill matrix with the committed file, or rewrites the file when
/// `UPDATE_KILL_MATRIX` is set.
fn check_kill_matrix(matrix: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(KILL_MATRIX);
    if std::env::var_os(UPDATE_KILL_MATRIX).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, matrix).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == matrix,
        "{KILL_MATRIX} is not what this run produced; if the change is intended, rerun with \
         {UPDATE_KILL_MATRIX}=1 and commit the file. This run:\n{matrix}"
    );
}

/// Every rule `run` judges is cited by a case; no rule awaits a judge any more (SYS-1 is
/// judged through the syslog sink), and a rule that did would have no citing case (a
/// case that judges it should come with removing its `awaiting_judge`).
#[test]
fn every_rule_is_covered_by_a_case() {
    let cases = all_cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let matrix = coverage(cases.iter().map(CaseRef::from));
    let uncovered: Vec<RuleId> = matrix
        .rows
        .iter()
        .filter(|r| r.cases.is_empty())
        .map(|r| r.id)
        .collect();
    assert!(uncovered.is_empty(), "rules without a case: {uncovered:?}");
    let awaiting: Vec<RuleId> = matrix.awaiting.iter().map(|r| r.id).collect();
    assert!(awaiting.is_empty(), "{awaiting:?}");
    for rule in &awaiting {
        let citing: Vec<&str> = cases
            .iter()
            .filter(|c| c.rules.iter().any(|r| *rule == r.as_str()))
            .map(|c| c.id.as_str())
            .collect();
        assert!(
            citing.is_empty(),
            "{rule} awaits a judge but {citing:?} cite it"
        );
    }
}
