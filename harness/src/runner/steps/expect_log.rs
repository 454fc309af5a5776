//! `expect_log`: a log line equal to (or containing) a text, written since the case
//! started or the last `mark_log`, on any node or the step's `node` (with `count = N`,
//! N such lines); or, with `absent = true`, no such line.

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
use swivel_reference_server::domain::log::texts;

use crate::report::TranscriptEntry;
use crate::sut::backstage::{LogEntry, LogWanted};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step};

/// Log lines a step shows in the transcript, at most.
const SHOWN_LINES: usize = 200;

fn one() -> usize {
    1
}

/// `{ do = "expect_log", text, node?, partial = false, absent = false, count = 1 }`.
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
    /// How many such lines at least (each step claims that many for
    /// `expect_log_explained`).
    #[serde(default = "one")]
    pub count: usize,
}

impl StepAction for ExpectLog {
    // `node` filters the lines; without it any node's lines count.
    const SHARED: &'static [Shared] = &[Shared::Node];
    const NEEDS: &'static [Capability] = &[Capability::Log];

    /// LOG-2 is written only by the administrator's Reprovision: a target that issues
    /// codes another way (self-service) cannot show it.
    fn needs(&self, _step: &Step) -> Vec<Capability> {
        let log2 = texts::can_reprovision("\u{0}");
        let (head, tail) = log2.split_once('\u{0}').unwrap_or((log2.as_str(), ""));
        if self.text.starts_with(head) && self.text.ends_with(tail) {
            vec![Capability::Log, Capability::AdminReprovision]
        } else {
            Self::NEEDS.to_vec()
        }
    }

    fn check(&self, _step: &Step) -> Result<(), String> {
        if self.absent && self.count != 1 {
            return Err("`count` and `absent = true` do not go together".into());
        }
        if self.count == 0 {
            return Err("`count` must be at least 1 (use `absent = true` for none)".into());
        }
        Ok(())
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let text = run.vars.expand(&self.text)?;
        let matches = |e: &LogEntry| {
            step.node.is_none_or(|k| e.node == k)
                && if self.partial {
                    e.text.contains(&text)
                } else {
                    e.text == text
                }
        };
        // Where the log arrives late (syslog), wait for the `count` lines that are due;
        // for a line that must be absent, listen until it would have come.
        let wanted = (!self.absent).then_some(LogWanted {
            matches: &matches,
            count: self.count,
        });
        let entries = run
            .backstage(step)?
            .log_since(run.log_mark, wanted)
            .await
            .map_err(backstage_failed)?;
        // On a shared server the log holds other cases' lines too: the transcript keeps
        // the lines naming this case's users or matching, at most SHOWN_LINES of them.
        let names: Vec<&str> = run.users.values().map(|u| u.username.as_str()).collect();
        let relevant = |e: &&LogEntry| {
            matches(e) || names.is_empty() || names.iter().any(|n| e.text.contains(n))
        };
        let shown: Vec<&LogEntry> = entries.iter().filter(relevant).collect();
        let mut lines: Vec<String> = shown
            .iter()
            .take(SHOWN_LINES)
            .map(|e| format!("node {} @ {}: {}", e.node, e.at_ms, e.text))
            .collect();
        let hidden = entries.len() - shown.len().min(SHOWN_LINES);
        if hidden > 0 {
            lines.push(format!(
                "({hidden} other line(s) since the mark not shown: other users' or beyond {SHOWN_LINES})"
            ));
        }
        run.transcript.push(TranscriptEntry::Log {
            step: run.step,
            lines,
        });
        let matching = entries.iter().filter(|e| matches(e)).count();
        let found = matching >= self.count;
        // The first matching lines not yet claimed are the ones this step expected
        // (`expect_log_explained` counts the rest).
        if !self.absent {
            let claimed: Vec<u64> = entries
                .iter()
                .filter(|e| matches(e) && !run.log_explained.contains(&e.seq))
                .take(self.count)
                .map(|e| e.seq)
                .collect();
            run.log_explained.extend(claimed);
        }
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
        } else if self.count > 1 {
            judge(
                found,
                format!("{} log lines {how} {text:?}{at}", self.count),
                format!("{matching} logged"),
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
