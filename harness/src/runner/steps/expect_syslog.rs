//! `expect_syslog`: the server's syslog output carries a log line as SYS-1 frames it
//! (protocol.md §7): a line the syslog sink reads as `<PRI>… PINsafe[<thread>]: <LEVEL>
//! <client> - <text>` with exactly `text`, sent since the case started, optionally at
//! `level` and with or without a client address (`client`). A line the sink refused (not
//! SYS-1) does not count; the failure says how many it refused, and why.

use std::time::Duration;

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// How long a line that is due may take to arrive.
const ARRIVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSyslog {
    /// The log text (after ` - `), `${…}` expanded.
    pub text: String,
    /// `INFO`, `WARN` or `ERROR`, when it matters.
    #[serde(default)]
    pub level: Option<String>,
    /// Whether the line names a client address (`true`) or must not (`false`).
    #[serde(default)]
    pub client: Option<bool>,
}

impl StepAction for ExpectSyslog {
    const NEEDS: &'static [Capability] = &[Capability::SyslogSink];

    fn check(&self, _step: &Step) -> Result<(), String> {
        match self.level.as_deref() {
            None | Some("INFO" | "WARN" | "ERROR") => Ok(()),
            Some(other) => Err(format!("`level` is INFO, WARN or ERROR, not {other:?}")),
        }
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let text = run.vars.expand(&self.text)?;
        let Some(sink) = run.env.syslog.clone() else {
            return Err(StepResult::Inconclusive(format!(
                "harness error: step {} reads syslog but the target has no sink",
                step.name()
            )));
        };
        let refused_before = sink.stats().rejected_total();
        let found = sink
            .wait_for(run.syslog_mark, ARRIVAL, |e| e.text == text)
            .await
            .ok();
        let expected = format!(
            "a SYS-1 syslog line with the text {text:?}{}{}",
            self.level
                .as_deref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default(),
            match self.client {
                Some(true) => ", naming the client",
                Some(false) => ", naming no client",
                None => "",
            }
        );
        let Some(entry) = found else {
            let stats = sink.stats();
            let refused: Vec<String> = stats
                .rejected
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(why, n)| format!("{why} {n}"))
                .collect();
            let actual = if refused.is_empty() {
                "no such line arrived".to_string()
            } else {
                format!(
                    "no such line read; the sink refused {} line(s) as not SYS-1 ({}), {} of them during this case's wait",
                    stats.rejected_total(),
                    refused.join(", "),
                    stats.rejected_total().saturating_sub(refused_before)
                )
            };
            return Ok(judge(false, expected, actual));
        };
        let client = entry
            .client_ip
            .map(|ip| match entry.client_port {
                Some(port) => format!("{ip}:{port}"),
                None => ip.to_string(),
            });
        // The log line as `report compare` sees it: what stays the same between runs
        // (level, whether a client is named, text); the framing's run-specific parts
        // (time, ports, worker) go into a note.
        run.transcript.push(TranscriptEntry::Log {
            step: run.step,
            lines: vec![format!(
                "syslog {} {}: {}",
                entry.level.as_str(),
                if client.is_some() {
                    "with client"
                } else {
                    "without client"
                },
                entry.text
            )],
        });
        run.transcript.push(TranscriptEntry::Note {
            text: format!(
                "SYS-1 framing: <{}>{} {} PINsafe[{}]: {} {}- …",
                entry.pri,
                entry.timestamp,
                entry.host,
                entry.thread,
                entry.level.as_str(),
                client.as_deref().map(|c| format!("{c} ")).unwrap_or_default(),
            ),
        });
        let level_ok = self
            .level
            .as_deref()
            .is_none_or(|l| l == entry.level.as_str());
        let client_ok = self.client.is_none_or(|want| want == client.is_some());
        Ok(judge(
            level_ok && client_ok,
            expected,
            format!(
                "{} line from PINsafe[{}], client {}",
                entry.level.as_str(),
                entry.thread,
                client.as_deref().unwrap_or("none")
            ),
        ))
    }
}
