//! The runner: selects cases, applies waivers, runs cases (in parallel on the embedded
//! target, one at a time on an external one) with a per-case timeout and one confirming
//! rerun before an INCONCLUSIVE stands, and rewrites the report after every finished case
//! so an interrupted run still leaves a valid one.

pub mod case;
pub mod progress;
pub mod select;
pub mod steps;
pub mod waivers;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{SecondsFormat, Utc};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::emulator::MobileClient;
use crate::report::{
    CaseRef, CaseReport, ProfileInfo, ReportError, ReportWriter, RunReport, RunStatus,
    SCHEMA_VERSION, Selection, Summary, ToolInfo, TranscriptEntry, coverage,
};
use crate::rules;
use crate::scenario::Case;
use crate::sut::TargetSpec;
use crate::verdict::{Verdict, exit, exit_code};
use case::{CaseOutcome, run_once};
use progress::Progress;
use waivers::Waiver;

/// How a run goes.
pub struct RunOptions {
    /// Cases at once on a parallel target.
    pub concurrency: usize,
    /// The selection, for the report.
    pub selection: Selection,
    /// Waivers in force.
    pub waivers: Vec<Waiver>,
    /// Waiver problems found at load (expired, unused).
    pub waiver_problems: Vec<String>,
    /// Where reports go (`reports/`).
    pub reports_root: PathBuf,
    /// The run id (directory name).
    pub run_id: String,
    /// The wire profile, for the report.
    pub profile: ProfileInfo,
    /// No progress output.
    pub quiet: bool,
    /// Turns true on SIGINT/SIGTERM.
    pub interrupt: watch::Receiver<bool>,
}

/// The finished run.
pub struct RunResult {
    /// The final report (as written).
    pub report: RunReport,
    /// Its directory.
    pub dir: PathBuf,
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn requirement_of(case: &Case) -> String {
    case.rules
        .iter()
        .map(|id| match rules::get(id) {
            Some(r) => format!("{id} ({}): {}", r.level, r.text),
            None => id.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn pending_report(case: &Case, reason: &str) -> CaseReport {
    CaseReport {
        id: case.id.clone(),
        suite: case.suite.clone(),
        title: case.title.clone(),
        rules: case.rules.clone(),
        level: case.level,
        tags: case.tags.clone(),
        verdict: Verdict::NotRun,
        reason: Some(reason.to_string()),
        requirement: requirement_of(case),
        expected: String::new(),
        actual: String::new(),
        duration_ms: 0,
        attempts: 0,
        transcript: Vec::new(),
        configuration: None,
    }
}

/// Recomputes the summary and the rule matrix ([`coverage`]) from the case entries.
pub fn refresh(report: &mut RunReport, elapsed_ms: u64) {
    let mut s = Summary {
        total: report.cases.len(),
        duration_ms: elapsed_ms,
        ..Summary::default()
    };
    for c in &report.cases {
        match c.verdict {
            Verdict::Pass => s.pass += 1,
            Verdict::NonStrict => s.non_strict += 1,
            Verdict::Fail => s.fail += 1,
            Verdict::Info => s.info += 1,
            Verdict::Inconclusive => s.inconclusive += 1,
            Verdict::Skipped => s.skipped += 1,
            Verdict::NotRun => s.not_run += 1,
        }
    }
    s.exit_code = exit_code(report.cases.iter().map(|c| c.verdict));
    if report.status == RunStatus::Interrupted
        || (!report.waiver_problems.is_empty() && s.exit_code != exit::CONFORMANCE_FAILURE)
    {
        s.exit_code = exit::ENVIRONMENT;
    }
    report.summary = s;
    report.rules = coverage(report.cases.iter().map(CaseRef::from)).rows;
}

/// Runs one case with its confirming rerun.
async fn run_with_rerun(
    target: &TargetSpec,
    client: &MobileClient,
    case: &Case,
    index: usize,
) -> (CaseOutcome, u32) {
    let first = run_once(target, client, case, index, 1).await;
    if first.verdict != Verdict::Inconclusive {
        return (first, 1);
    }
    let mut second = run_once(target, client, case, index, 2).await;
    let mut transcript = vec![TranscriptEntry::Note {
        text: format!(
            "first attempt inconclusive ({}); rerun once to confirm",
            first.reason.clone().unwrap_or_default()
        ),
    }];
    transcript.append(&mut second.transcript);
    second.transcript = transcript;
    (second, 2)
}

/// Runs `cases` against `target` and writes reports as it goes.
pub async fn run(
    cases: Vec<Case>,
    target: TargetSpec,
    client: MobileClient,
    mut options: RunOptions,
) -> Result<RunResult, ReportError> {
    let started = Instant::now();
    let writer = ReportWriter::create(&options.reports_root, &options.run_id)?;
    let today = Utc::now().date_naive();
    let mut report = RunReport {
        schema_version: SCHEMA_VERSION,
        run_id: options.run_id.clone(),
        tool: ToolInfo {
            name: "swivel-harness".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: now_rfc3339(),
        finished_at: None,
        status: RunStatus::Running,
        target: target.info(),
        profile: options.profile.clone(),
        selection: options.selection.clone(),
        summary: Summary::default(),
        rules: Vec::new(),
        cases: cases
            .iter()
            .map(|c| pending_report(c, "not run yet"))
            .collect(),
        waiver_problems: options.waiver_problems.clone(),
        configurations: Vec::new(),
    };
    let mut progress = Progress::new(cases.len(), options.quiet);
    // Waived cases are settled before anything runs.
    for (i, case) in cases.iter().enumerate() {
        if let Some(w) = waivers::active(&options.waivers, &case.id, today) {
            let entry = &mut report.cases[i];
            entry.verdict = Verdict::Skipped;
            entry.reason = Some(format!("waived until {}: {}", w.expires, w.reason));
            progress.finished(entry);
        }
    }
    refresh(&mut report, 0);
    writer.write(&report)?;

    let target = Arc::new(target);
    let cases: Arc<Vec<Case>> = Arc::new(cases);
    let limit = if target.parallel() {
        options.concurrency.max(1)
    } else {
        1
    };
    let permits = Arc::new(Semaphore::new(limit));
    let mut tasks = JoinSet::new();
    let mut task_case = std::collections::HashMap::new();
    for i in 0..cases.len() {
        if report.cases[i].verdict == Verdict::Skipped {
            continue;
        }
        let (target, client, cases, permits) = (
            target.clone(),
            client.clone(),
            cases.clone(),
            permits.clone(),
        );
        let handle = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let t0 = Instant::now();
            let (outcome, attempts) = run_with_rerun(&target, &client, &cases[i], i).await;
            (i, outcome, attempts, t0.elapsed())
        });
        task_case.insert(handle.id(), i);
    }

    let mut interrupted = *options.interrupt.borrow();
    let mut interrupt_open = true;
    while !interrupted {
        tokio::select! {
            joined = tasks.join_next_with_id() => {
                let Some(joined) = joined else { break };
                let (i, outcome, attempts) = match joined {
                    Ok((_, (i, outcome, attempts, _))) => (i, outcome, attempts),
                    Err(e) => (task_case.get(&e.id()).copied().unwrap_or(0), crashed(&e), 1),
                };
                apply(&mut report.cases[i], outcome, attempts);
                progress.finished(&report.cases[i]);
                refresh(&mut report, elapsed_ms(started));
                writer.write(&report)?;
            }
            changed = options.interrupt.changed(), if interrupt_open => match changed {
                // The signal handler is gone: nobody can interrupt any more.
                Err(_) => interrupt_open = false,
                Ok(()) => interrupted = *options.interrupt.borrow(),
            },
        }
    }
    if interrupted {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        for entry in &mut report.cases {
            if entry.verdict == Verdict::NotRun {
                entry.reason = Some("run interrupted before this case finished".into());
            }
        }
        report.status = RunStatus::Interrupted;
    } else {
        report.status = RunStatus::Complete;
    }
    progress.close();
    // Users an interrupted case (or a failed delete) left on a real server.
    report.target.users_left = target.finish_run().await;
    // What the sinks received, refused and dropped, as of the run's end.
    report.target.listeners = target.info().listeners;
    report.finished_at = Some(now_rfc3339());
    refresh(&mut report, elapsed_ms(started));
    writer.write(&report)?;
    Ok(RunResult {
        report,
        dir: writer.dir().to_path_buf(),
    })
}

/// Stores a finished attempt in its report entry.
fn apply(entry: &mut CaseReport, outcome: CaseOutcome, attempts: u32) {
    entry.verdict = outcome.verdict;
    entry.reason = outcome.reason;
    entry.expected = outcome.expected;
    entry.actual = outcome.actual;
    entry.transcript = outcome.transcript;
    entry.duration_ms = u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX);
    entry.attempts = attempts;
}

/// The outcome of a case whose task panicked or was cancelled: a harness fault, never a
/// verdict on the server.
fn crashed(e: &tokio::task::JoinError) -> CaseOutcome {
    CaseOutcome {
        verdict: Verdict::Inconclusive,
        reason: Some(format!("harness error: the case task failed: {e}")),
        expected: String::new(),
        actual: String::new(),
        transcript: Vec::new(),
        duration: std::time::Duration::ZERO,
        deciding_step: None,
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
