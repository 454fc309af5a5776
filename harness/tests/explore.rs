//! `explore` against the embedded reference server: a clean server yields no finding; a
//! defect switch is found as a failure of its own rule, shrunk to at most 8 operations,
//! written as a case that fails with the defect and passes without it; the same seed
//! gives the same histories and the same case file; a clean server gives no finding in
//! 1,000 histories. The full defect matrix is `#[ignore]`d (about 2 minutes): `cargo
//! test --test explore -- --ignored`.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::explore::search::histories;
use swivel_harness::explore::{ExploreOptions, ExploreReport, FindingStatus, Topology, explore};
use swivel_harness::profile::WireProfile;
use swivel_harness::sut::TargetSpec;
use swivel_reference_server::defects::{ALL_DEFECTS, Defect, DefectSet};
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

fn scratch(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!("swivel-explore-{}-{label}", std::process::id()))
}

fn options(seed: u64, cases: u64, dir: PathBuf, stop: Option<Defect>) -> ExploreOptions {
    let (tx, interrupt) = watch::channel(false);
    // The sender lives as long as the test; nothing interrupts.
    std::mem::forget(tx);
    ExploreOptions {
        seed,
        cases,
        min_steps: 1,
        max_steps: 30,
        time_budget: Duration::from_secs(120),
        request_budget: 1_000_000,
        max_shrink_time: Duration::from_secs(30),
        found_dir: dir,
        max_findings: 1,
        stop_at_rule: stop.and_then(Defect::rule),
        interrupt,
        topology: Topology::Generated,
    }
}

async fn explore_with(defects: DefectSet, o: &ExploreOptions) -> ExploreReport {
    let target = TargetSpec::Embedded {
        defects,
        wire_profile: Arc::new(WireProfile::default_profile()),
    };
    explore(&target, &client(), o, |_| {}).await
}

/// What exploring one defect gave: found its rule, shrunk size, the case kept.
struct Caught {
    found: bool,
    shrunk: Option<usize>,
    kept: bool,
    why: String,
}

async fn hunt(defect: Defect, cases: u64) -> Caught {
    let dir = scratch(defect.name());
    let mut o = options(7, cases, dir.clone(), Some(defect));
    o.max_findings = 6;
    let report = explore_with([defect].into_iter().collect(), &o).await;
    let _ = std::fs::remove_dir_all(&dir);
    let rule = defect.rule().unwrap().to_string();
    let own = report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.status == FindingStatus::Confirmed);
    match own {
        Some(f) => Caught {
            found: true,
            shrunk: f.shrunk_ops,
            kept: f.case.as_ref().is_some_and(|c| c.kept),
            why: format!(
                "{} → {:?} ops; case {:?}",
                f.kind,
                f.shrunk_ops,
                f.case.as_ref().map(|c| (c.on_target, c.on_clean))
            ),
        },
        None => Caught {
            found: false,
            shrunk: None,
            kept: false,
            why: format!(
                "no finding of {rule} in {} histories; other findings: {:?}",
                report.numbers.cases,
                report.findings.iter().map(|f| &f.kind).collect::<Vec<_>>()
            ),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_server_gives_no_finding() {
    let dir = scratch("clean");
    let mut o = options(11, 60, dir.clone(), None);
    o.max_findings = 5;
    let report = explore_with(DefectSet::none(), &o).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(report.findings.is_empty(), "{}", report.markdown());
    assert_eq!(report.numbers.cases, 60);
    assert!(report.numbers.requests > 100, "{:?}", report.numbers);
    assert!(report.coverage.len() >= 10, "{:?}", report.coverage.keys());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_defects_are_found_shrunk_and_written() {
    let mut failures = Vec::new();
    for defect in [
        Defect::CodesReusable,
        Defect::CodesNeverExpire,
        Defect::StringsSurviveReprovision,
        Defect::OtcReusable,
    ] {
        let c = hunt(defect, 150).await;
        if !(c.found && c.kept && c.shrunk.is_some_and(|s| s <= 8)) {
            failures.push(format!("{defect}: {}", c.why));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_same_seed_gives_the_same_histories() {
    let a: Vec<_> = histories(42, 1, 30).take(20).collect();
    let b: Vec<_> = histories(42, 1, 30).take(20).collect();
    let c: Vec<_> = histories(43, 1, 30).take(20).collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_case_file() {
    let mut texts = Vec::new();
    for run in 0..2 {
        let dir = scratch(&format!("same-{run}"));
        let o = options(7, 150, dir.clone(), Some(Defect::CodesReusable));
        let report = explore_with([Defect::CodesReusable].into_iter().collect(), &o).await;
        let case = report
            .findings
            .first()
            .and_then(|f| f.case.clone())
            .unwrap();
        texts.push((
            case.id.clone(),
            std::fs::read_to_string(&case.path).unwrap(),
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_eq!(texts[0], texts[1]);
    assert!(
        texts[0].1.contains("tags = [\"explore\", \"seed-7\"]"),
        "{}",
        texts[0].1
    );
}

/// The mutation score over every defect that breaks a rule (slow-strings breaks none).
/// Prints the score and the misses; BENCHMARKS.md records them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the full defect matrix takes minutes; run with --ignored"]
async fn mutation_score_over_every_defect() {
    let mut found = 0;
    let mut lines = Vec::new();
    let defects: Vec<Defect> = ALL_DEFECTS
        .iter()
        .copied()
        .filter(|d| d.rule().is_some())
        .collect();
    for &defect in &defects {
        let c = hunt(defect, 1000).await;
        let ok = c.found && c.kept && c.shrunk.is_some_and(|s| s <= 8);
        found += usize::from(ok);
        lines.push(format!(
            "{} {defect} ({}): {}",
            if ok { "FOUND" } else { "MISSED" },
            defect.rule().unwrap(),
            c.why
        ));
    }
    println!("{}", lines.join("\n"));
    println!(
        "mutation score: {found}/{} = {:.0}%",
        defects.len(),
        100.0 * found as f64 / defects.len() as f64
    );
}

// About 20 s in a debug build: part of every test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_server_gives_no_finding_in_1000_histories() {
    let dir = scratch("clean-1000");
    let mut o = options(1, 1000, dir.clone(), None);
    o.time_budget = Duration::from_secs(1800);
    o.max_findings = 5;
    let started = std::time::Instant::now();
    let report = explore_with(DefectSet::none(), &o).await;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "clean: {} histories, {} requests, {:.1} s",
        report.numbers.cases,
        report.numbers.requests,
        started.elapsed().as_secs_f64()
    );
    assert!(report.findings.is_empty(), "{}", report.markdown());
    assert_eq!(report.numbers.cases, 1000);
}
