//! The end of a load run: goose's HTML reports made to open offline, the thresholds read
//! from goose's metrics, and the [`LoadReport`] assembled from the counters and the raw
//! samples and written beside goose's files.

use std::path::{Path, PathBuf};

use goose::metrics::GooseMetrics;

use super::figures::LoadFigures;
use super::{
    LOAD_SCHEMA_VERSION, LoadReport, LoadReportError, Setting, SinkCounters, ThresholdRow,
    goose_html,
};
use crate::load_test::samples::SampleSet;
use crate::load_test::stats::LoadSummary;

/// What a finished run hands over.
#[derive(Debug)]
pub struct RunEnd<'a> {
    /// The run id.
    pub run_id: String,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// The persona.
    pub persona: &'a str,
    /// `embedded`, `reference` or `swivel`.
    pub target_kind: &'a str,
    /// The wire profile's name.
    pub wire_profile: &'a str,
    /// `I/N`.
    pub shard: String,
    /// Settings for people.
    pub settings: Vec<Setting>,
    /// The protocol counters.
    pub protocol: LoadSummary,
    /// `--max-protocol-errors`.
    pub max_protocol_errors: u64,
    /// The sinks' counters (a `swivel` target).
    pub sinks: Vec<SinkCounters>,
    /// Goose's metrics, when the attack ended with them.
    pub metrics: Option<&'a GooseMetrics>,
    /// Whether goose reported failed thresholds.
    pub thresholds_failed: bool,
    /// Whether goose ended without any other error.
    pub goose_ok: bool,
    /// Goose's report files.
    pub report_files: &'a [String],
    /// Every request.
    pub samples: &'a SampleSet,
}

/// Rewrites goose's HTML reports (offline) and writes the load report into `dir`;
/// returns the report and the files written.
pub fn finish(dir: &Path, end: RunEnd<'_>) -> Result<(LoadReport, Vec<PathBuf>), LoadReportError> {
    let mut files = Vec::new();
    for file in end.report_files {
        let path = PathBuf::from(file);
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        let note = if !html {
            "goose's report".to_string()
        } else if !path.exists() {
            "goose's report (not written)".to_string()
        } else {
            let removed = goose_html::rewrite_file(&path)?;
            format!(
                "goose's report; {removed} external chart script(s) removed so that it opens offline (its charts are in load-report.html)"
            )
        };
        files.push(Setting {
            name: file.clone(),
            value: note,
        });
    }
    let thresholds = end
        .metrics
        .map(|m| {
            m.thresholds
                .iter()
                .map(|t| ThresholdRow {
                    rule: t.rule.clone(),
                    observed: t.observed.clone(),
                    passed: t.passed,
                })
                .collect()
        })
        .unwrap_or_default();
    let report = LoadReport {
        schema_version: LOAD_SCHEMA_VERSION,
        run_id: end.run_id,
        tool: format!("swivel-harness {}", env!("CARGO_PKG_VERSION")),
        started_at: end.started_at,
        persona: end.persona.to_string(),
        target_kind: end.target_kind.to_string(),
        wire_profile: end.wire_profile.to_string(),
        shard: end.shard,
        settings: end.settings,
        passed: end.goose_ok
            && !end.thresholds_failed
            && end.protocol.protocol_error_total <= end.max_protocol_errors,
        protocol: end.protocol,
        max_protocol_errors: end.max_protocol_errors,
        sinks: end.sinks,
        thresholds_failed: end.thresholds_failed,
        thresholds,
        figures: LoadFigures::of(end.samples),
        files,
    };
    let written = report.write(dir, end.samples)?;
    Ok((report, written))
}
