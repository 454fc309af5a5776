//! Judging the client rules (protocol.md §11) from a run's [`Evidence`]: the traffic the
//! server saw and the tester's answers. Each judge returns a [`Judged`]: its verdict, the
//! Expected and Actual of the report, and which observations are its evidence. No judge
//! passes on silence: a step without the traffic or answers it needs is INCONCLUSIVE.
//!
//! - [`evidence`]: the snapshot, the strings sets, OTC matching.
//! - `site` (CLI-1), `provision` (CLI-2, CLI-12), `strings` (CLI-3), `secrets` (CLI-4),
//!   `otcs` (CLI-5, CLI-6, CLI-7), `refusals` (CLI-8, CLI-9, CLI-10, CLI-11).
//! - `transcript`: the report's case, its transcript redacted.

pub mod evidence;
mod otcs;
mod provision;
mod refusals;
mod secrets;
mod site;
mod strings;
mod transcript;

use crate::report::CaseReport;
use crate::verdict::Verdict;
pub use evidence::Evidence;
use transcript::case_report;
pub use transcript::{describe_answer, redactor as transcript_redactor};

/// One judged case before it becomes a report entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The verdict.
    pub verdict: Verdict,
    /// What a conforming app does here.
    pub expected: String,
    /// What this app did.
    pub actual: String,
    /// Observations that are its evidence.
    pub seqs: Vec<u64>,
}

impl Judged {
    fn new(verdict: Verdict, expected: &str, actual: impl Into<String>, seqs: Vec<u64>) -> Self {
        Self {
            verdict,
            expected: expected.to_string(),
            actual: actual.into(),
            seqs,
        }
    }
}

/// The cases of step `index`, judged.
pub fn judge_step(ev: &Evidence, index: usize) -> Vec<CaseReport> {
    let Some(step) = ev.plan.steps.get(index) else {
        return Vec::new();
    };
    step.judge
        .iter()
        .map(|rule| {
            let judged = match rule.as_str() {
                "CLI-1" => site::cli1(ev, index),
                "CLI-2" => provision::cli2(ev, index),
                "CLI-3" => strings::cli3(ev, index),
                "CLI-5" => otcs::cli5(ev, index),
                "CLI-6" => otcs::cli6(ev, index),
                "CLI-7" => otcs::cli7(ev, index),
                "CLI-8" => refusals::cli8(ev, index),
                "CLI-9" => refusals::cli9(ev, index),
                "CLI-10" => refusals::cli10(ev, index),
                "CLI-11" => refusals::cli11(ev, index),
                other => Judged::new(
                    Verdict::Inconclusive,
                    "a judge for this rule",
                    format!("no judge for {other} in a step"),
                    Vec::new(),
                ),
            };
            case_report(ev, rule, Some(index), judged)
        })
        .collect()
}

/// The cases of the whole run's traffic (CLI-4, CLI-12).
pub fn judge_traffic(ev: &Evidence) -> Vec<CaseReport> {
    ev.plan
        .traffic
        .judge
        .iter()
        .map(|rule| {
            let judged = match rule.as_str() {
                "CLI-4" => secrets::cli4(ev),
                _ => provision::cli12(ev),
            };
            case_report(ev, rule, None, judged)
        })
        .collect()
}

/// The cases of a step that did not run, SKIPPED with `reason`.
pub fn skipped_step(ev: &Evidence, index: usize, reason: &str) -> Vec<CaseReport> {
    let Some(step) = ev.plan.steps.get(index) else {
        return Vec::new();
    };
    step.judge
        .iter()
        .map(|rule| {
            let mut case = case_report(
                ev,
                rule,
                Some(index),
                Judged::new(Verdict::Skipped, "", "not run", Vec::new()),
            );
            case.reason = Some(reason.to_string());
            case
        })
        .collect()
}

/// `a, b and c`.
pub(crate) fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
