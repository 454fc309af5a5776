//! Step implementations, by kind: control actions ([`control`]), mobile actions
//! ([`mobile`]) and checks on captured values ([`checks`]). One match dispatches them.

mod checks;
mod control;
mod mobile;

use super::case::{CaseRun, StepResult};
use crate::report::TranscriptEntry;
use crate::scenario::Step;
use crate::verdict::Verdict;

impl CaseRun<'_> {
    /// Runs one step and grades it.
    pub(crate) async fn run_step(&mut self, step: &Step) -> StepResult {
        let result = match step {
            Step::DeleteUser { .. }
            | Step::SetPolicy { .. }
            | Step::ExpectPolicy { .. }
            | Step::Reprovision { .. }
            | Step::ReadCode { .. }
            | Step::ExpectOutbox { .. }
            | Step::Advance { .. }
            | Step::ExpectLog { .. }
            | Step::MarkLog => self.control_step(step).await,
            Step::CheckStrings { .. }
            | Step::CheckPolicy { .. }
            | Step::CheckPoliciesShape { .. }
            | Step::CheckCodes { .. }
            | Step::Contains { .. }
            | Step::Oracle { .. } => self.check_step(step).await,
            _ => self.mobile_step(step).await,
        };
        self.record_check(step.name(), &result);
        result
    }

    /// Adds the step's grading to the transcript.
    fn record_check(&mut self, what: &str, result: &StepResult) {
        let (expected, actual, verdict) = match result {
            StepResult::Pass { expected, actual } => (expected, actual, Verdict::Pass),
            StepResult::NonStrict { expected, actual } => (expected, actual, Verdict::NonStrict),
            StepResult::Violation { expected, actual } => {
                (expected, actual, Verdict::violation_at(self.case.level))
            }
            StepResult::Inconclusive(_) | StepResult::Unset(_) => return,
        };
        self.transcript.push(TranscriptEntry::Check {
            step: self.step,
            what: what.to_string(),
            expected: expected.clone(),
            actual: actual.clone(),
            verdict,
        });
    }
}

/// Builds a PASS or a violation from a condition.
pub(crate) fn judge(
    ok: bool,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> StepResult {
    let (expected, actual) = (expected.into(), actual.into());
    if ok {
        StepResult::Pass { expected, actual }
    } else {
        StepResult::Violation { expected, actual }
    }
}
