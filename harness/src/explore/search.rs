//! The exploration loop: proptest's [`TestRunner`] with a ChaCha RNG seeded from
//! `--seed` (no failure persistence) draws one value tree per history, so the same seed
//! gives the same histories. A failure is confirmed by a fresh re-run, shrunk by driving
//! the value tree's `simplify`/`complicate` (deterministic; node count shrinks toward one
//! with the rest), and written as a case. Budgets: histories, wall time, requests, and
//! shrink time per finding.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::sync::watch;

use super::drive::{Mismatch, run_history};
use super::ops::{History, history};
use super::plan::compile;
use super::report::{ExploreReport, Finding, FindingStatus, StopReason};
use super::topology::Topology;
use super::written::write_and_replay;
use crate::emulator::MobileClient;
use crate::rules::RuleId;
use crate::sut::TargetSpec;
use crate::verdict::Verdict;

/// How an exploration goes.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    /// The seed; the same seed gives the same histories.
    pub seed: u64,
    /// Histories to try at most.
    pub cases: u64,
    /// Fewest operations per history.
    pub min_steps: usize,
    /// Most operations per history.
    pub max_steps: usize,
    /// Wall-time budget.
    pub time_budget: Duration,
    /// HTTP request budget.
    pub request_budget: u64,
    /// Shrink time per finding.
    pub max_shrink_time: Duration,
    /// Where cases are written.
    pub found_dir: PathBuf,
    /// Stop after this many findings.
    pub max_findings: usize,
    /// Stop once a finding of this rule is confirmed (the mutation test's target).
    pub stop_at_rule: Option<RuleId>,
    /// Turns true on Ctrl-C.
    pub interrupt: watch::Receiver<bool>,
    /// Node count and sharing: generated (embedded) or the target's.
    pub topology: Topology,
}

fn rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed.rotate_left(u32::try_from(i).unwrap_or(0) * 16) ^ (i as u64);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// The histories a seed gives, in order (what `explore` runs, without running them).
pub fn histories(seed: u64, min: usize, max: usize) -> impl Iterator<Item = History> {
    let mut runner = runner(seed);
    let strategy = history(min, max);
    std::iter::from_fn(move || strategy.new_tree(&mut runner).ok().map(|t| t.current()))
}

fn runner(seed: u64) -> TestRunner {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, rng(seed))
}

struct Budget<'a> {
    options: &'a ExploreOptions,
    started: Instant,
}

impl Budget<'_> {
    fn exhausted(&self, report: &ExploreReport) -> Option<StopReason> {
        if *self.options.interrupt.borrow() {
            Some(StopReason::Interrupted)
        } else if self.started.elapsed() >= self.options.time_budget {
            Some(StopReason::TimeBudget)
        } else if report.numbers.requests >= self.options.request_budget {
            Some(StopReason::RequestBudget)
        } else {
            None
        }
    }
}

/// Explores `target` and returns the report (also written by the caller as it likes).
pub async fn explore(
    target: &TargetSpec,
    client: &MobileClient,
    options: &ExploreOptions,
    mut on_progress: impl FnMut(&ExploreReport),
) -> ExploreReport {
    let mut report = ExploreReport::new(options.seed, target);
    let budget = Budget {
        options,
        started: Instant::now(),
    };
    let mut runner = runner(options.seed);
    let strategy = options
        .topology
        .histories(options.min_steps, options.max_steps);
    let mut kinds: BTreeSet<String> = BTreeSet::new();
    let mut stop = StopReason::Cases;
    for index in 0..options.cases {
        if let Some(why) = budget.exhausted(&report) {
            stop = why;
            break;
        }
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            break;
        };
        let original = tree.current();
        let Ok((_, first)) = run_history(target, client, &original, 0).await else {
            report.numbers.harness_errors += 1;
            continue;
        };
        report.count(&original, &first);
        let Some(mismatch) = first.mismatch.clone() else {
            match first.verdict {
                Verdict::Inconclusive => report.numbers.inconclusive_runs += 1,
                Verdict::Skipped => report.numbers.skipped_runs += 1,
                _ => {}
            }
            continue;
        };
        if kinds.contains(&mismatch.kind) {
            report.numbers.repeated_findings += 1;
            continue;
        }
        kinds.insert(mismatch.kind.clone());
        // Re-run from a fresh state before believing it.
        let Ok((_, again)) = run_history(target, client, &original, 0).await else {
            continue;
        };
        report.count_requests(&again);
        let same = again
            .mismatch
            .as_ref()
            .is_some_and(|m| m.kind == mismatch.kind);
        let mut finding = Finding::new(index, &original, &mismatch);
        if !same {
            finding.status = FindingStatus::Inconclusive;
            finding.rerun = Some(again.reason.clone().unwrap_or_else(|| "PASS".into()));
            report.findings.push(finding);
            on_progress(&report);
            continue;
        }
        let shrink_started = Instant::now();
        let (shrunk, shrunk_mismatch) = shrink(
            &mut tree,
            original.clone(),
            mismatch.clone(),
            target,
            client,
            options,
            &mut report,
        )
        .await;
        let shrink_ms = u64::try_from(shrink_started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report.numbers.shrink_ms += shrink_ms;
        finding.set_shrunk(&shrunk, &shrunk_mismatch, shrink_ms);
        match write_and_replay(
            &options.found_dir,
            &shrunk,
            &shrunk_mismatch,
            options.seed,
            target,
            client,
        )
        .await
        {
            Ok(case) => finding.case = Some(case),
            Err(e) => finding.write_error = Some(e.to_string()),
        }
        let done = options.stop_at_rule == Some(shrunk_mismatch.rule)
            || report.findings.len() + 1 >= options.max_findings;
        report.findings.push(finding);
        on_progress(&report);
        if done {
            stop = StopReason::Found;
            break;
        }
    }
    report.finish(stop, budget.started.elapsed());
    report
}

/// Shrinks with the value tree: a candidate is kept only if it fails with the same kind
/// of mismatch (same rule, same action, same outcome). A candidate that differs from the
/// best so far only after the deciding operation fails there without running: the model
/// plans each operation from the ones before it, and a case stops at its deciding step,
/// so the steps that ran are the same (the written case is replayed in the end anyway).
/// A last pass tries deleting each remaining operation once more. Operations after the
/// deciding one, and operations that plan no step, are dropped at the end (the case is
/// the same without them).
async fn shrink(
    tree: &mut impl ValueTree<Value = History>,
    mut best: History,
    mut best_mismatch: Mismatch,
    target: &TargetSpec,
    client: &MobileClient,
    options: &ExploreOptions,
    report: &mut ExploreReport,
) -> (History, Mismatch) {
    let deadline = Instant::now() + options.max_shrink_time;
    // The value tree gets two thirds of the time; the last pass keeps the rest, so a
    // finding whose failing runs are slow (a syslog line awaited) still gets it.
    let tree_deadline = Instant::now() + options.max_shrink_time * 2 / 3;
    let kind = best_mismatch.kind.clone();
    let mut more = tree.simplify();
    while more {
        if Instant::now() >= tree_deadline
            || *options.interrupt.borrow()
            || report.numbers.requests >= options.request_budget
        {
            break;
        }
        let candidate = tree.current();
        let seen = if same_until(&candidate, &best, best_mismatch.op) {
            Some(best_mismatch.clone())
        } else {
            let Ok((_, seen)) = run_history(target, client, &candidate, 0).await else {
                break;
            };
            report.count_requests(&seen);
            report.numbers.shrink_runs += 1;
            seen.mismatch
        };
        match seen {
            Some(m) if m.kind == kind => {
                best = candidate;
                best_mismatch = m;
                more = tree.simplify();
            }
            _ => more = tree.complicate(),
        }
    }
    best.ops.truncate(best_mismatch.op + 1);
    // The value tree deletes each operation once, early, while later ones may still
    // need it; a last pass tries the deletions again, from the deciding operation back:
    // runs of operations first (half the history, a quarter, …), then each one.
    let mut size = best.ops.len() / 2;
    while size > 0 {
        let mut end = best.ops.len().saturating_sub(1);
        while end > 0 {
            if Instant::now() >= deadline
                || *options.interrupt.borrow()
                || report.numbers.requests >= options.request_budget
            {
                return (drop_silent_ops(best), best_mismatch);
            }
            let start = end.saturating_sub(size);
            let mut candidate = best.clone();
            candidate.ops.drain(start..end);
            let Ok((_, seen)) = run_history(target, client, &candidate, 0).await else {
                return (drop_silent_ops(best), best_mismatch);
            };
            report.count_requests(&seen);
            report.numbers.shrink_runs += 1;
            if let Some(m) = seen.mismatch.filter(|m| m.kind == kind) {
                candidate.ops.truncate(m.op + 1);
                best = candidate;
                best_mismatch = m;
            }
            end = start.min(best.ops.len().saturating_sub(1));
        }
        size /= 2;
    }
    (drop_silent_ops(best), best_mismatch)
}

/// Whether `a` and `b` start the same cluster with the same operations up to and
/// including operation `op`.
fn same_until(a: &History, b: &History, op: usize) -> bool {
    a.nodes == b.nodes
        && a.sharing == b.sharing
        && matches!((a.ops.get(..=op), b.ops.get(..=op)), (Some(x), Some(y)) if x == y)
}

/// Removes operations that plan no step (a login before any download, …).
fn drop_silent_ops(history: History) -> History {
    let Ok(compiled) = compile(&history, &super::plan::Head::probe()) else {
        return history;
    };
    let used: BTreeSet<usize> = compiled.steps.iter().map(|p| p.op).collect();
    let ops = history
        .ops
        .iter()
        .enumerate()
        .filter(|(i, _)| used.contains(i))
        .map(|(_, op)| *op)
        .collect();
    History { ops, ..history }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::ops::{Op, User};

    #[test]
    fn histories_are_the_same_until_an_operation_when_their_prefixes_are() {
        let op = |user| Op::CheckCodes { user };
        let h = |ops: Vec<Op>| History {
            nodes: 1,
            sharing: false,
            ops,
        };
        let best = h(vec![op(User::U), op(User::V), op(User::W)]);
        assert!(same_until(&h(vec![op(User::U), op(User::V)]), &best, 1));
        assert!(!same_until(&h(vec![op(User::U), op(User::W)]), &best, 1));
        assert!(!same_until(&h(vec![op(User::U)]), &best, 1));
        let other_cluster = History {
            nodes: 2,
            ..h(vec![op(User::U), op(User::V)])
        };
        assert!(!same_until(&other_cluster, &best, 1));
    }
}
