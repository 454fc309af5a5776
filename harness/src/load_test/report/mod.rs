//! The load report a `load` run writes beside goose's own files: one model
//! ([`LoadReport`]) with the run's settings, thresholds and their outcome, the protocol
//! counters and the figures computed from the raw samples ([`figures`]), rendered as
//! `load-report.html` (self-contained, inline SVG charts, [`html`]), `load-report.md`
//! ([`markdown`]) and `swivel-load-summary.json` (the model itself); the samples go to
//! `swivel-load-samples.tsv` for `report compare`. [`goose_html`] makes goose's
//! `report.html` open without a network; [`assemble`] puts it all together at the end
//! of a run; [`sinks`] holds a real server's mail and syslog sinks' counters. Every file
//! is written atomically.

pub mod assemble;
pub mod figures;
pub mod goose_html;
pub mod html;
pub mod markdown;
pub mod sinks;
pub mod svg;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use figures::LoadFigures;
pub use sinks::SinkCounters;

use super::samples::{SAMPLES_FILE, SampleSet};
use super::stats::LoadSummary;

/// Layout version of `swivel-load-summary.json`.
pub const LOAD_SCHEMA_VERSION: u32 = 1;
/// The JSON summary's file name.
pub const SUMMARY_FILE: &str = "swivel-load-summary.json";
/// The self-contained HTML report's file name.
pub const HTML_FILE: &str = "load-report.html";
/// The Markdown report's file name.
pub const MARKDOWN_FILE: &str = "load-report.md";

/// One goose threshold and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRow {
    /// The rule as given, e.g. `error-rate<1%`.
    pub rule: String,
    /// What was observed, as goose shows it.
    pub observed: String,
    /// Whether it held.
    pub passed: bool,
}

/// One setting of the run, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// Its name, e.g. `users`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A whole load run, as `swivel-load-summary.json` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Layout version ([`LOAD_SCHEMA_VERSION`]).
    #[serde(default)]
    pub schema_version: u32,
    /// The run id (also in the directory name).
    #[serde(default)]
    pub run_id: String,
    /// Tool name and version.
    #[serde(default)]
    pub tool: String,
    /// Wall-clock start, RFC 3339 UTC.
    #[serde(default)]
    pub started_at: String,
    /// The load persona.
    pub persona: String,
    /// What the load went to: `embedded`, `reference` (a running reference server and
    /// its control API) or `swivel` (a real server through its outside interfaces).
    #[serde(default)]
    pub target_kind: String,
    /// The wire profile.
    pub wire_profile: String,
    /// This process's shard, `I/N`.
    pub shard: String,
    /// Settings (goose's and ours), in display order.
    #[serde(default)]
    pub settings: Vec<Setting>,
    /// Protocol checks, by kind.
    pub protocol: LoadSummary,
    /// Protocol errors tolerated.
    pub max_protocol_errors: u64,
    /// The mail and syslog sinks' counters (a `swivel` target).
    #[serde(default)]
    pub sinks: Vec<SinkCounters>,
    /// Whether a goose threshold failed.
    pub thresholds_failed: bool,
    /// Every threshold and its outcome.
    #[serde(default)]
    pub thresholds: Vec<ThresholdRow>,
    /// Whether the run passed (no threshold failed, protocol errors within the limit).
    #[serde(default)]
    pub passed: bool,
    /// Figures from the raw samples.
    #[serde(default)]
    pub figures: LoadFigures,
    /// The files of the run (goose's and ours), with a note on each where one is due.
    #[serde(default)]
    pub files: Vec<Setting>,
}

/// Why the load report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LoadReportError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// File.
        path: PathBuf,
        /// I/O error.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// I/O error.
        source: std::io::Error,
    },
    /// The JSON could not be produced.
    #[error("cannot serialise the load report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes `bytes` to `path` through a temporary file in the same directory (flushed,
/// then renamed over `path`), so a reader sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LoadReportError> {
    let err = |source| LoadReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(err)
}

impl LoadReport {
    /// The JSON summary's text.
    pub fn to_json(&self) -> Result<String, LoadReportError> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// Writes the samples, the Markdown and HTML reports and, last, the JSON summary
    /// into `dir`; returns the paths written.
    pub fn write(&self, dir: &Path, samples: &SampleSet) -> Result<Vec<PathBuf>, LoadReportError> {
        let files = [
            (SAMPLES_FILE, samples.to_tsv()),
            (MARKDOWN_FILE, markdown::render(self)),
            (HTML_FILE, html::render(self)),
            (SUMMARY_FILE, self.to_json()?),
        ];
        let mut written = Vec::new();
        for (name, text) in files {
            let path = dir.join(name);
            write_atomic(&path, text.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load_test::samples::{Outcome, Record};

    /// A small report over a two-node run, for the renderers' tests.
    pub(crate) fn sample_report() -> (LoadReport, SampleSet) {
        let mut set = SampleSet::default();
        for i in 0..400u64 {
            let name =
                ["provision", "strings", "login <1>", "control: reprovision"][(i % 4) as usize];
            let node = if i % 4 == 3 {
                "control".to_string()
            } else {
                format!("node {}", 1 + i % 2)
            };
            set.push(Record {
                t_ms: i * 10,
                name,
                node: &node,
                latency_us: 800 + (i % 13) * 150,
                status: 200,
                outcome: if i == 50 { Outcome::Http } else { Outcome::Ok },
            })
            .unwrap();
        }
        let report = LoadReport {
            schema_version: LOAD_SCHEMA_VERSION,
            run_id: "20261201T000000Z-abcd".into(),
            tool: "swivel-harness 0.1.0".into(),
            started_at: "2026-12-01T00:00:00Z".into(),
            persona: "cluster-spread".into(),
            target_kind: "swivel".into(),
            wire_profile: "mobile-3.6".into(),
            shard: "1/1".into(),
            settings: vec![Setting {
                name: "users".into(),
                value: "4".into(),
            }],
            protocol: LoadSummary {
                codes_not_arrived: 3,
                code_wait_s: Some(10),
                ..LoadSummary::default()
            },
            max_protocol_errors: 0,
            sinks: vec![SinkCounters {
                name: "mail sink".into(),
                address: "smtp://127.0.0.1:2525".into(),
                received: [("messages accepted".to_string(), 7)].into(),
                refused: [("messages too large".to_string(), 1)].into(),
            }],
            thresholds_failed: true,
            thresholds: vec![ThresholdRow {
                rule: "error-rate<1%".into(),
                observed: "0.25%".into(),
                passed: true,
            }],
            passed: true,
            figures: LoadFigures::of(&set),
            files: vec![],
        };
        (report, set)
    }

    #[test]
    fn writes_every_file_atomically_and_the_json_reads_back() {
        let (report, set) = sample_report();
        let dir = std::env::temp_dir().join(format!("swivel-load-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let written = report.write(&dir, &set).unwrap();
        assert_eq!(written.len(), 4);
        let back: LoadReport =
            serde_json::from_slice(&std::fs::read(dir.join(SUMMARY_FILE)).unwrap()).unwrap();
        assert_eq!(back, report);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
