//! Raw samples of a load run: one record per request (when it started, its name, the node
//! it went to, its response time in microseconds, its status and its outcome). A run
//! records them in memory ([`SampleLog`], 16 bytes a request) and writes them beside
//! goose's reports as `swivel-load-samples.tsv`; `report merge` writes the same file from
//! shards' goose request logs ([`read_request_logs`]). The load report's figures and
//! `report compare`'s exact percentiles and bootstrap intervals come from these samples,
//! never from averaged percentiles.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// File name of the samples beside a run's reports.
pub const SAMPLES_FILE: &str = "swivel-load-samples.tsv";

/// First line of a samples file (its format and version).
const MAGIC: &str = "# swivel-load-samples 1";
/// Second line: the columns.
const COLUMNS: &str = "t_ms\tname\tnode\tlatency_us\tstatus\toutcome";

/// Node label of requests to the control API.
pub const CONTROL_NODE: &str = "control";

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A reply that met its protocol check.
    Ok,
    /// A reply that broke a rule.
    Protocol,
    /// An unexpected HTTP status.
    Http,
    /// No reply (refused, reset, timed out).
    Transport,
}

impl Outcome {
    /// The spelling in samples files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Protocol => "protocol",
            Outcome::Http => "http",
            Outcome::Transport => "transport",
        }
    }

    fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "ok" => Outcome::Ok,
            "protocol" => Outcome::Protocol,
            "http" => Outcome::Http,
            "transport" => Outcome::Transport,
            _ => return None,
        })
    }

    /// The outcome a goose error text names (`protocol: …`, `http: …`, else no reply
    /// when there was no status, else an HTTP error).
    pub fn of_goose_error(error: &str, status: u16) -> Outcome {
        if error.starts_with("protocol:") {
            Outcome::Protocol
        } else if error.starts_with("http:") {
            Outcome::Http
        } else if status == 0 {
            Outcome::Transport
        } else {
            Outcome::Http
        }
    }
}

/// One request. Names and nodes are indices into the [`SampleSet`]'s tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Milliseconds since the load test started, when the request was sent.
    pub t_ms: u32,
    /// Response time, microseconds.
    pub latency_us: u32,
    /// Index into [`SampleSet::names`].
    pub name: u16,
    /// Index into [`SampleSet::nodes`].
    pub node: u16,
    /// HTTP status, 0 without a reply.
    pub status: u16,
    /// How it ended.
    pub outcome: Outcome,
}

impl Sample {
    /// When the reply came, milliseconds since the start.
    pub fn end_ms(&self) -> u64 {
        u64::from(self.t_ms) + u64::from(self.latency_us).div_ceil(1000)
    }
}

/// A run's samples with their name and node tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleSet {
    /// Request names ("transactions"), in order of first appearance.
    pub names: Vec<String>,
    /// Node labels (`node 1`, `control`, or `host:port` from request logs).
    pub nodes: Vec<String>,
    /// The requests.
    pub samples: Vec<Sample>,
}

/// Why samples could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// File.
        path: String,
        /// I/O error.
        message: String,
    },
    /// A line is not what the format says.
    #[error("{path} line {line}: {message}")]
    Format {
        /// File.
        path: String,
        /// Line number (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No requests in the input.
    #[error("no request records in {0}")]
    Empty(String),
    /// More distinct names or nodes than a run can have.
    #[error("{0}: more than 65535 distinct request names or nodes")]
    TooMany(String),
}

fn intern(table: &mut Vec<String>, value: &str) -> Option<u16> {
    if let Some(i) = table.iter().position(|v| v == value) {
        return u16::try_from(i).ok();
    }
    let i = u16::try_from(table.len()).ok()?;
    table.push(value.to_string());
    Some(i)
}

/// Keeps a value inside a samples file's field: no tab or line break.
fn field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

impl SampleSet {
    /// Adds a request; `None` when the name or node table is full.
    pub fn push(&mut self, record: Record<'_>) -> Option<usize> {
        let name = intern(&mut self.names, record.name)?;
        let node = intern(&mut self.nodes, record.node)?;
        self.samples.push(Sample {
            t_ms: u32::try_from(record.t_ms).unwrap_or(u32::MAX),
            latency_us: u32::try_from(record.latency_us).unwrap_or(u32::MAX),
            name,
            node,
            status: record.status,
            outcome: record.outcome,
        });
        Some(self.samples.len() - 1)
    }

    /// The name of a sample.
    pub fn name_of(&self, s: &Sample) -> &str {
        self.names
            .get(usize::from(s.name))
            .map_or("?", String::as_str)
    }

    /// The node label of a sample.
    pub fn node_of(&self, s: &Sample) -> &str {
        self.nodes
            .get(usize::from(s.node))
            .map_or("?", String::as_str)
    }

    /// From the first request's start to the last reply, milliseconds (at least 1).
    pub fn duration_ms(&self) -> u64 {
        self.samples
            .iter()
            .map(Sample::end_ms)
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// The samples file's text.
    pub fn to_tsv(&self) -> String {
        let mut out = String::with_capacity(64 + self.samples.len() * 40);
        out.push_str(MAGIC);
        out.push('\n');
        out.push_str(COLUMNS);
        out.push('\n');
        let names: Vec<String> = self.names.iter().map(|n| field(n)).collect();
        let nodes: Vec<String> = self.nodes.iter().map(|n| field(n)).collect();
        for s in &self.samples {
            let name = names.get(usize::from(s.name)).map_or("?", String::as_str);
            let node = nodes.get(usize::from(s.node)).map_or("?", String::as_str);
            out.push_str(&format!(
                "{}\t{name}\t{node}\t{}\t{}\t{}\n",
                s.t_ms,
                s.latency_us,
                s.status,
                s.outcome.as_str()
            ));
        }
        out
    }

    /// Reads a samples file.
    pub fn read_tsv(path: &Path) -> Result<SampleSet, SamplesError> {
        let shown = path.display().to_string();
        let read = |e: std::io::Error| SamplesError::Read {
            path: shown.clone(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut set = SampleSet::default();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(read)?;
            let format = |message: String| SamplesError::Format {
                path: shown.clone(),
                line: i + 1,
                message,
            };
            match i {
                0 if line != MAGIC => {
                    return Err(format(format!(
                        "not a samples file (the first line must be {MAGIC:?})"
                    )));
                }
                1 if line != COLUMNS => {
                    return Err(format("unexpected columns".into()));
                }
                0 | 1 => continue,
                _ if line.is_empty() => continue,
                _ => {}
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [t_ms, name, node, latency_us, status, outcome] = fields[..] else {
                return Err(format(format!("{} fields where 6 were due", fields.len())));
            };
            let number = |what: &str, v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format(format!("{what} {v:?} is not a whole number")))
            };
            let record = Record {
                t_ms: number("t_ms", t_ms)?,
                name,
                node,
                latency_us: number("latency_us", latency_us)?,
                status: u16::try_from(number("status", status)?)
                    .map_err(|_| format(format!("status {status} is out of range")))?,
                outcome: Outcome::parse(outcome)
                    .ok_or_else(|| format(format!("unknown outcome {outcome:?}")))?,
            };
            set.push(record)
                .ok_or_else(|| SamplesError::TooMany(shown.clone()))?;
        }
        if set.samples.is_empty() {
            return Err(SamplesError::Empty(shown));
        }
        Ok(set)
    }
}

/// One request to add to a [`SampleSet`].
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Milliseconds since the start, when sent.
    pub t_ms: u64,
    /// Request name.
    pub name: &'a str,
    /// Node label.
    pub node: &'a str,
    /// Response time, microseconds.
    pub latency_us: u64,
    /// HTTP status, 0 without a reply.
    pub status: u16,
    /// How it ended.
    pub outcome: Outcome,
}

/// Records a run's requests as they happen; shared by every goose user.
#[derive(Debug, Default)]
pub struct SampleLog {
    set: Mutex<SampleSet>,
}

impl SampleLog {
    /// Records a request; returns its index for [`SampleLog::mark`].
    pub fn record(&self, record: Record<'_>) -> Option<usize> {
        self.set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record)
    }

    /// Changes the outcome of a recorded request (its reply was judged afterwards).
    pub fn mark(&self, index: usize, outcome: Outcome) {
        let mut set = self.set.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = set.samples.get_mut(index) {
            s.outcome = outcome;
        }
    }

    /// The samples so far.
    pub fn snapshot(&self) -> SampleSet {
        self.set.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// `host:port` of a URL (the node a request-log record went to).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// What goose request logs held.
#[derive(Debug, Clone, Default)]
pub struct RequestLogs {
    /// Every request.
    pub set: SampleSet,
    /// Requests per log, in input order.
    pub per_input: Vec<u64>,
    /// The HTTP method of each request name (as first seen, upper case).
    pub methods: HashMap<String, String>,
}

/// Reads goose request logs (`--request-log FILE --request-format json`) into one set.
/// A line with `update: true` is not a request of
/// its own: it marks the same goose user's latest request failed. Nodes are labelled by
/// `host:port` (`control` for the control API's requests, named `control: …`).
pub fn read_request_logs(paths: &[&Path]) -> Result<RequestLogs, SamplesError> {
    let mut logs = RequestLogs::default();
    let set = &mut logs.set;
    for path in paths {
        let shown = path.display().to_string();
        let read = |e: std::io::Error| SamplesError::Read {
            path: shown.clone(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut count = 0u64;
        let mut last_of_user: HashMap<u64, usize> = HashMap::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(read)?;
            if line.trim().is_empty() {
                continue;
            }
            let format = |message: &str| SamplesError::Format {
                path: shown.clone(),
                line: i + 1,
                message: format!("{message} (write logs with --request-format json)"),
            };
            let v: Value = serde_json::from_str(&line).map_err(|e| format(&e.to_string()))?;
            let name = v["name"].as_str().ok_or_else(|| format("no name"))?;
            let ms = v["response_time"]
                .as_u64()
                .ok_or_else(|| format("no response_time"))?;
            let success = v["success"].as_bool().ok_or_else(|| format("no success"))?;
            let status = v["status_code"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0);
            let error = v["error"].as_str().unwrap_or("");
            let user = v["user"].as_u64().unwrap_or(u64::MAX);
            let outcome = if success {
                Outcome::Ok
            } else {
                Outcome::of_goose_error(error, status)
            };
            if v["update"].as_bool().unwrap_or(false) {
                if let Some(&index) = last_of_user.get(&user)
                    && let Some(s) = set.samples.get_mut(index)
                    && !success
                {
                    s.outcome = outcome;
                }
                continue;
            }
            let fraction = v["response_time_fraction_us"]
                .as_u64()
                .unwrap_or(0)
                .min(999);
            let node = if name.starts_with("control:") {
                CONTROL_NODE
            } else {
                host_of(v["raw"]["url"].as_str().unwrap_or("?"))
            };
            if !logs.methods.contains_key(name) {
                let method = v["raw"]["method"].as_str().unwrap_or("?").to_uppercase();
                logs.methods.insert(name.to_string(), method);
            }
            let index = set
                .push(Record {
                    t_ms: v["elapsed"].as_u64().unwrap_or(0),
                    name,
                    node,
                    latency_us: ms.saturating_mul(1000).saturating_add(fraction),
                    status,
                    outcome,
                })
                .ok_or_else(|| SamplesError::TooMany(shown.clone()))?;
            last_of_user.insert(user, index);
            count += 1;
        }
        logs.per_input.push(count);
    }
    if logs.set.samples.is_empty() {
        return Err(SamplesError::Empty(
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    Ok(logs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, latency_us: u64, outcome: Outcome) -> Record<'_> {
        Record {
            t_ms: 5,
            name,
            node: "node 1",
            latency_us,
            status: 200,
            outcome,
        }
    }

    #[test]
    fn samples_survive_a_round_trip_and_bad_files_are_refused() {
        let log = SampleLog::default();
        let first = log.record(rec("strings", 1500, Outcome::Ok)).unwrap();
        log.record(rec("provi\tsion", 900, Outcome::Ok)).unwrap();
        log.mark(first, Outcome::Protocol);
        let set = log.snapshot();
        assert_eq!(set.samples[0].outcome, Outcome::Protocol);
        assert_eq!(set.duration_ms(), 7);
        let dir = std::env::temp_dir().join(format!("swivel-samples-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(SAMPLES_FILE);
        std::fs::write(&path, set.to_tsv()).unwrap();
        let back = SampleSet::read_tsv(&path).unwrap();
        assert_eq!(back.samples, set.samples);
        assert_eq!(back.names, vec!["strings", "provi sion"]);
        for (text, want) in [
            ("garbage\n", "line 1"),
            (&format!("{MAGIC}\n{COLUMNS}\n1\t2\n"), "2 fields"),
            (
                &format!("{MAGIC}\n{COLUMNS}\n1\tn\tnode 1\t-4\t200\tok\n"),
                "latency_us",
            ),
            (
                &format!("{MAGIC}\n{COLUMNS}\n1\tn\tnode 1\t4\t200\tmaybe\n"),
                "unknown outcome",
            ),
            (&format!("{MAGIC}\n{COLUMNS}\n"), "no request records"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = SampleSet::read_tsv(&path).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn goose_errors_are_classified() {
        assert_eq!(
            Outcome::of_goose_error("protocol: strings: …", 200),
            Outcome::Protocol
        );
        assert_eq!(
            Outcome::of_goose_error("http: x: HTTP 500", 500),
            Outcome::Http
        );
        assert_eq!(
            Outcome::of_goose_error("error sending request", 0),
            Outcome::Transport
        );
        assert_eq!(Outcome::of_goose_error("500 Internal", 500), Outcome::Http);
        assert_eq!(
            host_of("http://127.0.0.1:8080/pinsafe/x?y"),
            "127.0.0.1:8080"
        );
    }
}
