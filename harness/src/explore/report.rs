//! The exploration report: findings (confirmed or INCONCLUSIVE, original and shrunk
//! histories, the written case and its replays), per-rule coverage (how many steps of
//! each rule ran and passed), and the numbers (histories, operations, steps, requests,
//! shrink time). Rendered as JSON and Markdown here, as HTML and JUnit in [`super::render`]; every text in it comes from the runner's
//! redacted outcomes or from symbolic histories, so it holds no code, string or PIN.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::drive::{Mismatch, Observation};
use super::ops::History;
use super::written::WrittenCase;
use crate::report::TargetInfo;
use crate::sut::TargetSpec;
use crate::verdict::Level;

/// Why the exploration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// Every history of `--cases` ran.
    Cases,
    /// `--time-budget` ran out.
    TimeBudget,
    /// `--request-budget` ran out.
    RequestBudget,
    /// Enough findings (or the wanted rule).
    Found,
    /// Ctrl-C.
    Interrupted,
    /// Still running (a report written mid-way).
    Running,
}

/// Whether a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// Failed again from a fresh state.
    Confirmed,
    /// Passed (or failed otherwise) when re-run from a fresh state.
    Inconclusive,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule.
    pub rule: String,
    /// Its level.
    pub level: Level,
    /// The kind of mismatch.
    pub kind: String,
    /// Confirmed or inconclusive.
    pub status: FindingStatus,
    /// The history's number (0-based) under the seed.
    pub history_index: u64,
    /// The mismatch as first seen.
    pub first: Mismatch,
    /// What the fresh re-run showed, when it did not confirm.
    pub rerun: Option<String>,
    /// The history as generated.
    pub original: History,
    /// Its operations.
    pub original_ops: usize,
    /// The shrunk history.
    pub shrunk: Option<History>,
    /// Its operations.
    pub shrunk_ops: Option<usize>,
    /// The mismatch of the shrunk history.
    pub shrunk_mismatch: Option<Mismatch>,
    /// Shrink time.
    pub shrink_ms: u64,
    /// The case written back.
    pub case: Option<WrittenCase>,
    /// Why no case could be written.
    pub write_error: Option<String>,
}

impl Finding {
    /// A finding as first seen.
    pub fn new(index: u64, history: &History, m: &Mismatch) -> Self {
        Self {
            rule: m.rule.to_string(),
            level: m.level,
            kind: m.kind.clone(),
            status: FindingStatus::Confirmed,
            history_index: index,
            first: m.clone(),
            rerun: None,
            original: history.clone(),
            original_ops: history.ops.len(),
            shrunk: None,
            shrunk_ops: None,
            shrunk_mismatch: None,
            shrink_ms: 0,
            case: None,
            write_error: None,
        }
    }

    /// Records the shrunk history.
    pub fn set_shrunk(&mut self, history: &History, m: &Mismatch, ms: u64) {
        self.shrunk_ops = Some(history.ops.len());
        self.shrunk = Some(history.clone());
        self.shrunk_mismatch = Some(m.clone());
        self.shrink_ms = ms;
    }
}

/// The numbers of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Numbers {
    /// Histories run.
    pub cases: u64,
    /// Operations generated in them.
    pub operations: u64,
    /// Case steps run.
    pub steps: u64,
    /// HTTP requests (shrinking and replays of confirmations included).
    pub requests: u64,
    /// Histories run while shrinking.
    pub shrink_runs: u64,
    /// Time spent shrinking.
    pub shrink_ms: u64,
    /// Histories that were INCONCLUSIVE (transport errors, timeouts).
    pub inconclusive_runs: u64,
    /// Histories the target could not run (SKIPPED: a capability it lacks).
    pub skipped_runs: u64,
    /// Failures of a kind already found.
    pub repeated_findings: u64,
    /// Histories the harness could not compile.
    pub harness_errors: u64,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// Per-rule coverage: steps that checked the rule and passed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    /// Level.
    pub level: Level,
    /// Passing steps.
    pub checked: u64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ExploreReport {
    /// The seed (printed, reproduces the run).
    pub seed: u64,
    /// The target.
    pub target: TargetInfo,
    /// Why it stopped.
    pub stopped: StopReason,
    /// The numbers.
    pub numbers: Numbers,
    /// Coverage by rule.
    pub coverage: BTreeMap<String, RuleCoverage>,
    /// Findings.
    pub findings: Vec<Finding>,
}

impl ExploreReport {
    /// An empty report.
    pub fn new(seed: u64, target: &TargetSpec) -> Self {
        Self {
            seed,
            target: target.info(),
            stopped: StopReason::Running,
            numbers: Numbers::default(),
            coverage: BTreeMap::new(),
            findings: Vec::new(),
        }
    }

    /// Counts one explored history.
    pub fn count(&mut self, history: &History, o: &Observation) {
        self.numbers.cases += 1;
        self.numbers.operations += history.ops.len() as u64;
        self.numbers.steps += o.steps_run as u64;
        self.count_requests(o);
        for rule in &o.checked {
            self.coverage
                .entry(rule.to_string())
                .or_insert(RuleCoverage {
                    level: rule.level(),
                    checked: 0,
                })
                .checked += 1;
        }
    }

    /// Counts the requests of a run that is not a new history.
    pub fn count_requests(&mut self, o: &Observation) {
        self.numbers.requests += o.requests;
    }

    /// Closes the report.
    pub fn finish(&mut self, stopped: StopReason, elapsed: Duration) {
        self.stopped = stopped;
        self.numbers.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    }

    /// Confirmed findings whose case was kept.
    pub fn kept(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.case.as_ref().is_some_and(|c| c.kept))
    }

    /// Writes `explore.json`, `explore.md`, `explore.html` and `explore-junit.xml` into
    /// `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Written then renamed, so an interrupted write never leaves half a report.
        for (name, text) in [
            ("explore.json", json),
            ("explore.md", self.markdown()),
            ("explore.html", super::render::html(self)),
            ("explore-junit.xml", super::render::junit(self)),
        ] {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, dir.join(name))?;
        }
        Ok(())
    }

    /// The Markdown rendering.
    pub fn markdown(&self) -> String {
        let n = &self.numbers;
        let mut out = String::new();
        let _ = writeln!(out, "# swivel-harness explore, seed {}\n", self.seed);
        let _ = writeln!(
            out,
            "Target: {}. Stopped: {:?}.\n\n| histories | operations | steps | requests | shrink runs | shrink time | elapsed |\n|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {:.1} s | {:.1} s |\n",
            self.target.kind,
            self.stopped,
            n.cases,
            n.operations,
            n.steps,
            n.requests,
            n.shrink_runs,
            n.shrink_ms as f64 / 1000.0,
            n.elapsed_ms as f64 / 1000.0
        );
        let _ = writeln!(out, "## Findings\n");
        if self.findings.is_empty() {
            let _ = writeln!(out, "None.\n");
        }
        for f in &self.findings {
            let _ = writeln!(
                out,
                "### {} ({}) — {:?}\n\n- kind: `{}`\n- history {} of the seed, {} operations, shrunk to {} in {:.1} s",
                f.rule,
                f.level,
                f.status,
                f.kind,
                f.history_index,
                f.original_ops,
                f.shrunk_ops.map_or("-".into(), |s| s.to_string()),
                f.shrink_ms as f64 / 1000.0
            );
            let m = f.shrunk_mismatch.as_ref().unwrap_or(&f.first);
            let _ = writeln!(
                out,
                "- step {} ({}): expected {}; actual {}",
                m.step,
                m.action,
                m.expected.replace('|', "\\|"),
                m.actual.replace('|', "\\|")
            );
            if let Some(h) = &f.shrunk {
                let ops: Vec<String> = h.ops.iter().map(|o| format!("`{o:?}`")).collect();
                let _ = writeln!(
                    out,
                    "- shrunk history: {} node(s), sharing {}: {}",
                    h.nodes,
                    if h.sharing { "on" } else { "off" },
                    ops.join(", ")
                );
            }
            if let Some(r) = &f.rerun {
                let _ = writeln!(out, "- fresh re-run: {r}");
            }
            if let Some(c) = &f.case {
                let summary = c.summary(&format!("`{}`", c.id), &format!("`{}`", c.path));
                let _ = writeln!(out, "- case {summary}");
            }
            if let Some(e) = &f.write_error {
                let _ = writeln!(out, "- case not written: {e}");
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(
            out,
            "## Coverage (steps that checked a rule and passed)\n\n| rule | level | steps |\n|---|---|---|"
        );
        for (rule, c) in &self.coverage {
            let _ = writeln!(out, "| {rule} | {} | {} |", c.level, c.checked);
        }
        out
    }
}
