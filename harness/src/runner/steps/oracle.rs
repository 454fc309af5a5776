//! `oracle`: records whether two saved replies can be told apart (status, outcome,
//! message, timing): a security observation, never judged (USR-3).

use serde::Deserialize;

use super::StepAction;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

/// `{ do = "oracle", a, b, what }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oracle {
    /// First reply prefix (from `save_reply`).
    pub a: String,
    /// Second reply prefix.
    pub b: String,
    /// What is compared, for the report.
    pub what: String,
}

impl StepAction for Oracle {
    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (a, b, what) = (&self.a, &self.b, &self.what);
        let get = |p: &str, k: &str| run.vars.get(&format!("{p}.{k}")).unwrap_or("").to_string();
        let mut differences = Vec::new();
        for key in ["status", "outcome", "message", "app_message"] {
            let (x, y) = (get(a, key), get(b, key));
            if x != y {
                differences.push(format!("{key}: {x:?} vs {y:?}"));
            }
        }
        let observation = if differences.is_empty() {
            format!("{what}: indistinguishable by status, outcome and message")
        } else {
            format!("{what}: distinguishable by {}", differences.join("; "))
        };
        let timing = format!("{} ms vs {} ms", get(a, "elapsed_ms"), get(b, "elapsed_ms"));
        run.transcript.push(TranscriptEntry::Note {
            text: format!("{observation} (timing {timing})"),
        });
        Ok(StepResult::Pass {
            expected: format!("{what}: observed, not judged"),
            actual: observation,
        })
    }
}
