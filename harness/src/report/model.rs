//! The one serde model every report is rendered from (JSON, JUnit, Markdown, HTML). Its
//! JSON form is documented field by field in `reports/README.md`; bump
//! [`SCHEMA_VERSION`] on any incompatible change.

use serde::{Deserialize, Serialize};

use crate::rules::RuleId;
use crate::verdict::{Level, Verdict};

/// Version of the JSON layout. 2: a rule row's verdict says what was judged (no longer
/// the worst of its cases) and counts its skipped cases.
pub const SCHEMA_VERSION: u32 = 2;

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Unique run id, also the report directory name.
    pub run_id: String,
    /// Tool name and version.
    pub tool: ToolInfo,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// Wall-clock end, RFC 3339 UTC; `None` while running.
    pub finished_at: Option<String>,
    /// Whether the run is still going, complete or was cut short.
    pub status: RunStatus,
    /// What was tested.
    pub target: TargetInfo,
    /// The wire profile used.
    pub profile: ProfileInfo,
    /// The selection and options the run was started with.
    pub selection: Selection,
    /// Counts per verdict.
    pub summary: Summary,
    /// One row per rule `run` judges: the cases citing it and the rule's verdict
    /// ([`crate::report::coverage`]).
    pub rules: Vec<RuleRow>,
    /// One entry per selected case, in run order; unrun cases are `NOT-RUN`.
    pub cases: Vec<CaseReport>,
    /// Waivers that did not apply to any case or had expired (each fails the run).
    pub waiver_problems: Vec<String>,
    /// For a report combined from runs against differently configured servers (`report
    /// combine`): one entry per run, in the order given. Empty for a single run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<ConfigurationReport>,
}

/// One run a combined report was made from: a configuration of the server under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationReport {
    /// The label cases name it by (`LABEL=RUN` on the command line, else its run id).
    pub label: String,
    /// The run's id.
    pub run_id: String,
    /// Where its report was read from.
    pub source: String,
    /// What it tested: nodes, capabilities, listeners.
    pub target: TargetInfo,
    /// Its cases that were judged (neither SKIPPED nor NOT-RUN).
    pub judged: usize,
    /// Its cases in all.
    pub total: usize,
    /// Its cases the combined report took from it.
    pub chosen: usize,
}

/// Tool identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `swivel-harness`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Cases are still running (a report read mid-run).
    Running,
    /// Every selected case finished.
    Complete,
    /// Stopped by SIGINT/SIGTERM; unrun cases are NOT-RUN.
    Interrupted,
}

/// The system under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// `embedded` (a fresh reference server per case) or `external`.
    pub kind: String,
    /// Node base URLs (embedded: "per case").
    pub nodes: Vec<String>,
    /// Capabilities found: `control`, `clock`, `nodes:N`, `session-sharing:on|off`.
    pub capabilities: Vec<String>,
    /// Defect switches of an embedded server (empty for a faithful one).
    pub defects: Vec<String>,
    /// The harness's own listeners for a real server (mail and syslog sinks), with what
    /// they received, kept and refused by the run's end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listeners: Vec<ListenerReport>,
    /// A real server's policies as its target file states them (the console's settings
    /// the run was judged under), each `group.name` with its JSON value, e.g.
    /// `self_reset.provision_code_validity_secs` = `10`. Empty for a target the harness
    /// sets policies on itself.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub policies: std::collections::BTreeMap<String, String>,
    /// Users the run created on a real server and could not delete again (by the case,
    /// or at the run's end): to be removed by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users_left: Vec<String>,
}

impl TargetInfo {
    /// The policies as `name = value` items.
    pub fn policy_items(&self) -> Vec<String> {
        self.policies
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect()
    }
}

/// One listener of the harness and its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerReport {
    /// `mail sink`, `syslog sink`.
    pub name: String,
    /// Where it listened.
    pub address: String,
    /// Its counters by name (accepted, refused by reason, dropped to keep the caps).
    pub counts: std::collections::BTreeMap<String, u64>,
}

impl ListenerReport {
    /// The non-zero counters as `name N, name N`, or `nothing received`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if parts.is_empty() {
            "nothing received".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The wire profile and how much of it is guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInfo {
    /// Profile name, e.g. `agentxml-3.6`.
    pub name: String,
    /// `built-in` or the file it came from.
    pub source: String,
    /// Parts labelled [HINT].
    pub hint_parts: Vec<String>,
    /// Parts labelled [ASSUMED].
    pub assumed_parts: Vec<String>,
}

/// How cases were chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// `--suite` values.
    pub suites: Vec<String>,
    /// `--case` values.
    pub cases: Vec<String>,
    /// `--tag` values.
    pub tags: Vec<String>,
    /// `--rule` values.
    pub rules: Vec<String>,
    /// Waivers file, if any.
    pub waivers: Option<String>,
}

/// Counts per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Selected cases.
    pub total: usize,
    /// PASS.
    pub pass: usize,
    /// NON-STRICT.
    pub non_strict: usize,
    /// FAIL.
    pub fail: usize,
    /// INFO.
    pub info: usize,
    /// INCONCLUSIVE.
    pub inconclusive: usize,
    /// SKIPPED.
    pub skipped: usize,
    /// NOT-RUN.
    pub not_run: usize,
    /// Process exit code this run gives.
    pub exit_code: u8,
    /// Wall time of the run so far, milliseconds.
    pub duration_ms: u64,
}

/// One row of the rule matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    /// Rule ID.
    pub id: RuleId,
    /// Its level.
    pub level: Level,
    /// Its text.
    pub text: String,
    /// Its evidence label.
    pub evidence: String,
    /// IDs of the selected cases citing it.
    pub cases: Vec<String>,
    /// What was judged ([`crate::report::rule_verdict`]): FAIL or NON-STRICT if a case
    /// says so, else PASS if a case passed, SKIPPED only if every case was skipped;
    /// INFO cases do not decide a MUST or SHOULD rule. `None` if no selected case cites it.
    pub verdict: Option<Verdict>,
    /// How many of the cases deciding the verdict were skipped.
    #[serde(default)]
    pub skipped: usize,
}

/// One case's result and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Case ID, e.g. `reuse-sequential`.
    pub id: String,
    /// Suite name.
    pub suite: String,
    /// Title.
    pub title: String,
    /// Rule IDs it checks.
    pub rules: Vec<String>,
    /// Its level.
    pub level: Level,
    /// Tags.
    pub tags: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why SKIPPED / INCONCLUSIVE / NOT-RUN, or a one-line failure summary.
    pub reason: Option<String>,
    /// The rule texts it checks (Requirement).
    pub requirement: String,
    /// What a conforming server does at the deciding step (Expected).
    pub expected: String,
    /// What this server did (Actual).
    pub actual: String,
    /// Wall time of the last attempt, milliseconds.
    pub duration_ms: u64,
    /// 1, or 2 after a confirming rerun.
    pub attempts: u32,
    /// Everything that happened, secrets redacted.
    pub transcript: Vec<TranscriptEntry>,
    /// In a combined report: the label of the configuration this entry was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<String>,
}

/// One event of a case, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptEntry {
    /// An HTTP request to a node and its reply, as the mobile app or an agent would make
    /// it (the emulator's `Exchange`, as a report records it). JSON kind `exchange`.
    #[serde(rename = "exchange")]
    Http {
        /// Step number (1-based).
        step: usize,
        /// What the step did, e.g. `provision on node 1`.
        action: String,
        /// Node index, when it went to a node.
        node: Option<u16>,
        /// HTTP method.
        method: String,
        /// URL (no secrets in it after redaction).
        url: String,
        /// Request body, redacted, cut to a few KiB.
        request: String,
        /// HTTP status, or `None` on a transport error.
        status: Option<u16>,
        /// Response body, redacted, cut to a few KiB.
        response: String,
        /// The outcome key matched against expectations, e.g. `FAIL:PROVISION_FAILURE`.
        outcome: String,
        /// What the app would show (protocol.md §8).
        app_message: String,
        /// Round-trip time, milliseconds.
        elapsed_ms: u64,
    },
    /// A control-API action (create user, reprovision, set policy, …).
    Control {
        /// Step number.
        step: usize,
        /// What was done.
        action: String,
        /// Result summary, redacted.
        detail: String,
    },
    /// The target's clock moved.
    Clock {
        /// Step number.
        step: usize,
        /// Seconds moved.
        advanced_secs: u64,
    },
    /// Server log lines read.
    Log {
        /// Step number.
        step: usize,
        /// Lines as `node N @ t: text`, redacted.
        lines: Vec<String>,
    },
    /// An expectation checked.
    Check {
        /// Step number.
        step: usize,
        /// What was checked.
        what: String,
        /// Expected.
        expected: String,
        /// Actual.
        actual: String,
        /// The step's verdict.
        verdict: Verdict,
    },
    /// Free text (rerun notices, skipped reasons).
    Note {
        /// The note.
        text: String,
    },
}
