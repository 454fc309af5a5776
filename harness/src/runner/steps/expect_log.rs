//! `expect_log`: a log line equal to (or containing) a text, written since the case
//! started or the last `mark_log`, on any node or the step's `node`; or, with
//! `absent = true`, no such line.

use serde::Deserialize;

use super::StepAction;
use super::common::{control_failed, judge};
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step};

/// `{ do = "expect_log", text, node?, partial = false, absent = false }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectLog {
    /// The exact line (or a substring with `partial = true`).
    pub text: String,
    /// The line must NOT be there.
    #[serde(default)]
    pub absent: bool,
    /// Substring match instead of the exact line.
    #[serde(default)]
    pub partial: bool,
}

impl StepAction for ExpectLog {
    // `node` filters the lines; without it any node's lines count.
    const SHARED: &'static [Shared] = &[Shared::Node];
    const NEEDS: &'static [Capability] = &[Capability::ControlApi];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let text = run.vars.expand(&self.text)?;
        let (entries, _) = run
            .control(step)?
            .log_since(run.log_mark)
            .await
            .map_err(control_failed)?;
        let lines: Vec<String> = entries
            .iter()
            .map(|e| format!("node {} @ {}: {}", e.node, e.at_ms, e.text))
            .collect();
        run.transcript.push(TranscriptEntry::Log {
            step: run.step,
            lines,
        });
        let found = entries.iter().any(|e| {
            step.node.is_none_or(|k| e.node == k)
                && if self.partial {
                    e.text.contains(&text)
                } else {
                    e.text == text
                }
        });
        let at = step
            .node
            .map(|k| format!(" on node {k}"))
            .unwrap_or_default();
        let how = if self.partial { "containing" } else { "exactly" };
        Ok(if self.absent {
            judge(
                !found,
                format!("no log line {how} {text:?}{at}"),
                if found {
                    "the line was logged"
                } else {
                    "not logged"
                },
            )
        } else {
            judge(
                found,
                format!("a log line {how} {text:?}{at}"),
                if found {
                    "logged"
                } else {
                    "no such line in the log"
                },
            )
        })
    }
}
