//! `report compare BASELINE NEW`: what changed between two saved runs of the same kind.
//!
//! - Load runs ([`load`]): a `load` run directory (its `swivel-load-samples.tsv`), a
//!   `report merge --out` directory, a samples file, or a goose request log; per
//!   transaction the change in throughput, latency percentiles with bootstrap intervals
//!   ([`bootstrap`]) and errors, judged by gates.
//! - Conformance runs ([`conformance`]): a run directory or its `report.json`; the cases
//!   whose verdict or observations changed.
//!
//! Either comparison renders as Markdown (also the terminal output), JSON and one
//! self-contained HTML page ([`render_load`], [`render_conformance`]).

pub mod bootstrap;
pub mod conformance;
pub mod load;
mod page;
pub mod render_conformance;
pub mod render_load;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use conformance::ConformanceComparison;
pub use load::{Gates, LoadComparison, LoadSide};

use crate::load_test::report::{LoadReport, LoadReportError, SUMMARY_FILE, write_atomic};
use crate::load_test::samples::{SAMPLES_FILE, SampleSet, SamplesError, read_request_logs};
use crate::report::{RunReport, SCHEMA_VERSION};

/// Why two runs could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// File.
        path: String,
        /// I/O error.
        message: String,
    },
    /// A JSON file is not what it should be.
    #[error("{path} is not a readable report: {message}")]
    Json {
        /// File.
        path: String,
        /// What serde said.
        message: String,
    },
    /// A report of a layout this build does not know.
    #[error("{path} has schema_version {found}; this build reads {SCHEMA_VERSION}")]
    Schema {
        /// File.
        path: String,
        /// Its version.
        found: u32,
    },
    /// A directory holding neither kind of run.
    #[error(
        "{0} holds neither a conformance run (report.json) nor a load run ({SAMPLES_FILE}; load runs written before it existed can be compared through their goose request logs)"
    )]
    Unknown(String),
    /// One run of each kind.
    #[error("cannot compare a {0} run with a {1} run")]
    Mixed(&'static str, &'static str),
    /// Samples or request logs could not be read.
    #[error(transparent)]
    Samples(#[from] SamplesError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] LoadReportError),
}

/// A saved run, opened.
#[derive(Debug)]
pub enum SavedRun {
    /// A conformance run.
    Conformance(Box<RunReport>),
    /// A load run's samples, and what its summary says.
    Load(SampleSet, LoadSide),
}

impl SavedRun {
    fn kind(&self) -> &'static str {
        match self {
            SavedRun::Conformance(_) => "conformance",
            SavedRun::Load(..) => "load",
        }
    }
}

/// The largest report file read (`report.json`, a load summary): far above any real
/// run's, small enough that a wrong or hostile file cannot exhaust memory.
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

fn read_text(path: &Path) -> Result<String, CompareError> {
    let read_error = |e: std::io::Error| CompareError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    // Refused from its size before a byte is read.
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_REPORT_BYTES {
        return Err(CompareError::Read {
            path: path.display().to_string(),
            message: format!(
                "it is {size} bytes; a report file is at most {MAX_REPORT_BYTES} bytes"
            ),
        });
    }
    std::fs::read_to_string(path).map_err(read_error)
}

fn json_error(path: &Path, e: impl std::fmt::Display) -> CompareError {
    CompareError::Json {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn conformance_report(path: &Path, value: serde_json::Value) -> Result<SavedRun, CompareError> {
    let found = value["schema_version"].as_u64().unwrap_or(0);
    if found != u64::from(SCHEMA_VERSION) {
        return Err(CompareError::Schema {
            path: path.display().to_string(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
        });
    }
    let report: RunReport = serde_json::from_value(value).map_err(|e| json_error(path, e))?;
    Ok(SavedRun::Conformance(Box::new(report)))
}

fn load_dir(dir: &Path, source: &Path) -> Result<SavedRun, CompareError> {
    let samples = SampleSet::read_tsv(&dir.join(SAMPLES_FILE))?;
    let summary = dir.join(SUMMARY_FILE);
    let persona = if summary.exists() {
        let report: LoadReport =
            serde_json::from_str(&read_text(&summary)?).map_err(|e| json_error(&summary, e))?;
        Some(report.persona)
    } else {
        None
    };
    let side = LoadSide {
        source: source.display().to_string(),
        persona,
        requests: samples.samples.len() as u64,
        duration_ms: samples.duration_ms(),
    };
    Ok(SavedRun::Load(samples, side))
}

/// Opens a saved run: a directory (`swivel-load-samples.tsv` or `report.json` in it), a
/// `*.json` file (a conformance `report.json` or a load run's summary), a `*.tsv`
/// samples file, or any other file as a goose JSON request log.
pub fn open(path: &Path) -> Result<SavedRun, CompareError> {
    if path.is_dir() {
        // First: a load run's directory holds goose's report.json too.
        if path.join(SAMPLES_FILE).is_file() {
            return load_dir(path, path);
        }
        let report = path.join("report.json");
        if report.is_file() {
            let value =
                serde_json::from_str(&read_text(&report)?).map_err(|e| json_error(&report, e))?;
            return conformance_report(&report, value);
        }
        return Err(CompareError::Unknown(path.display().to_string()));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => {
            let value: serde_json::Value =
                serde_json::from_str(&read_text(path)?).map_err(|e| json_error(path, e))?;
            if value.get("cases").is_some() {
                conformance_report(path, value)
            } else if value.get("persona").is_some() {
                let dir = path
                    .parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                load_dir(&dir, path)
            } else {
                Err(json_error(
                    path,
                    "neither a conformance report.json nor a swivel-load-summary.json",
                ))
            }
        }
        Some("tsv") => {
            let samples = SampleSet::read_tsv(path)?;
            Ok(SavedRun::Load(samples.clone(), side_of(path, &samples)))
        }
        _ => {
            let logs = read_request_logs(&[path])?;
            let side = side_of(path, &logs.set);
            Ok(SavedRun::Load(logs.set, side))
        }
    }
}

fn side_of(path: &Path, samples: &SampleSet) -> LoadSide {
    LoadSide {
        source: path.display().to_string(),
        persona: None,
        requests: samples.samples.len() as u64,
        duration_ms: samples.duration_ms(),
    }
}

/// A comparison of either kind.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Comparison {
    /// Two load runs.
    Load(Box<LoadComparison>),
    /// Two conformance runs.
    Conformance(Box<ConformanceComparison>),
}

/// Output file names under `--out`.
pub const OUTPUT_FILES: [&str; 3] = ["compare.md", "compare.json", "compare.html"];

impl Comparison {
    /// Whether every gate held (load) or no case turned FAIL (conformance).
    pub fn passed(&self) -> bool {
        match self {
            Comparison::Load(c) => c.passed,
            Comparison::Conformance(c) => c.passed,
        }
    }

    /// Markdown (also what the terminal shows).
    pub fn to_markdown(&self) -> String {
        match self {
            Comparison::Load(c) => render_load::markdown(c),
            Comparison::Conformance(c) => render_conformance::markdown(c),
        }
    }

    /// One self-contained HTML page.
    pub fn to_html(&self) -> String {
        match self {
            Comparison::Load(c) => render_load::html(c),
            Comparison::Conformance(c) => render_conformance::html(c),
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).map_or_else(
            |e| format!("{{\"error\": {:?}}}\n", e.to_string()),
            |s| s + "\n",
        )
    }

    /// Writes `compare.md`, `compare.json` and `compare.html` into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, CompareError> {
        std::fs::create_dir_all(dir).map_err(|e| CompareError::Read {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let texts = [self.to_markdown(), self.to_json(), self.to_html()];
        let mut written = Vec::new();
        for (name, text) in OUTPUT_FILES.iter().zip(texts) {
            let path = dir.join(name);
            write_atomic(&path, text.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Opens both runs and compares them (`gates` apply to load runs).
pub fn compare(baseline: &Path, new: &Path, gates: Gates) -> Result<Comparison, CompareError> {
    let (a, b) = (open(baseline)?, open(new)?);
    match (a, b) {
        (SavedRun::Load(sa, side_a), SavedRun::Load(sb, side_b)) => Ok(Comparison::Load(Box::new(
            load::compare((&sa, side_a), (&sb, side_b), gates),
        ))),
        (SavedRun::Conformance(ra), SavedRun::Conformance(rb)) => {
            Ok(Comparison::Conformance(Box::new(conformance::compare(
                (&ra, &baseline.display().to_string()),
                (&rb, &new.display().to_string()),
            ))))
        }
        (a, b) => Err(CompareError::Mixed(a.kind(), b.kind())),
    }
}
