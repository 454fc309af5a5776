//! The figures of a load report, computed from a run's raw samples: over the whole run,
//! per transaction (request name) and per node, and over time in buckets (requests per
//! second, latency p50/p95/p99, errors by kind). Percentiles are by nearest rank over the
//! exact samples. The HTML, Markdown and JSON reports all show these same figures.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::load_test::merge::percentile;
use crate::load_test::samples::{CONTROL_NODE, Outcome, Sample, SampleSet};

/// Most time buckets a report draws; wider buckets keep long runs readable.
const MAX_BUCKETS: u64 = 60;

/// Latency over a set of samples, milliseconds (microsecond resolution).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyMs {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// Errors by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// Replies that broke a rule.
    pub protocol: u64,
    /// Unexpected HTTP statuses.
    pub http: u64,
    /// No reply.
    pub transport: u64,
}

impl ErrorCounts {
    /// All errors.
    pub fn total(&self) -> u64 {
        self.protocol + self.http + self.transport
    }

    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => {}
            Outcome::Protocol => self.protocol += 1,
            Outcome::Http => self.http += 1,
            Outcome::Transport => self.transport += 1,
        }
    }
}

/// One transaction's or node's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// Request name or node label.
    pub name: String,
    /// Requests.
    pub requests: u64,
    /// Errors by kind.
    pub errors: ErrorCounts,
    /// Requests per second over the run.
    pub rps: f64,
    /// Response times.
    pub latency: LatencyMs,
}

/// One transaction's or node's figures over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedSeries {
    /// Request name or node label.
    pub name: String,
    /// Requests per second in each bucket.
    pub requests_per_s: Vec<f64>,
    /// 99th percentile in each bucket, ms (`null` without requests).
    pub p99_ms: Vec<Option<f64>>,
}

/// Figures over time, one value per bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Bucket width, ms.
    pub bucket_ms: u64,
    /// Each bucket's start, ms since the load test started.
    pub start_ms: Vec<u64>,
    /// Requests per second.
    pub requests_per_s: Vec<f64>,
    /// Median latency, ms (`null` without requests).
    pub p50_ms: Vec<Option<f64>>,
    /// 95th percentile, ms.
    pub p95_ms: Vec<Option<f64>>,
    /// 99th percentile, ms.
    pub p99_ms: Vec<Option<f64>>,
    /// Protocol errors per second.
    pub protocol_errors_per_s: Vec<f64>,
    /// HTTP errors per second.
    pub http_errors_per_s: Vec<f64>,
    /// Transport errors per second.
    pub transport_errors_per_s: Vec<f64>,
    /// Per transaction.
    pub transactions: Vec<NamedSeries>,
    /// Per node (the control API included).
    pub nodes: Vec<NamedSeries>,
}

/// Everything a load report shows about the requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    /// From the start to the last reply, ms.
    pub duration_ms: u64,
    /// Requests.
    pub requests: u64,
    /// Errors by kind.
    pub errors: ErrorCounts,
    /// Requests per second over the run.
    pub rps: f64,
    /// Response times of all requests.
    pub latency: LatencyMs,
    /// Per transaction (request name), by name.
    pub transactions: Vec<GroupRow>,
    /// Per node (`node 1`, …, then `control`).
    pub nodes: Vec<GroupRow>,
    /// Over time.
    pub series: Series,
}

/// Latency figures of unsorted microsecond samples.
pub fn latency_of(us: &mut [u64]) -> LatencyMs {
    us.sort_unstable();
    if us.is_empty() {
        return LatencyMs::default();
    }
    let ms = |v: u64| v as f64 / 1000.0;
    LatencyMs {
        mean: ms(us.iter().sum::<u64>()) / us.len() as f64,
        p50: ms(percentile(us, 50.0)),
        p95: ms(percentile(us, 95.0)),
        p99: ms(percentile(us, 99.0)),
        max: ms(us[us.len() - 1]),
    }
}

fn group(name: &str, samples: &[&Sample], seconds: f64) -> GroupRow {
    let mut errors = ErrorCounts::default();
    let mut us: Vec<u64> = Vec::with_capacity(samples.len());
    for s in samples {
        errors.add(s.outcome);
        us.push(u64::from(s.latency_us));
    }
    GroupRow {
        name: name.to_string(),
        requests: samples.len() as u64,
        errors,
        rps: samples.len() as f64 / seconds,
        latency: latency_of(&mut us),
    }
}

/// Node labels in report order: `node N` by number, others by name, `control` last.
fn node_order(label: &str) -> (u8, u64, String) {
    match label
        .strip_prefix("node ")
        .and_then(|n| n.parse::<u64>().ok())
    {
        Some(n) => (0, n, String::new()),
        None if label == CONTROL_NODE => (2, 0, String::new()),
        None => (1, 0, label.to_string()),
    }
}

/// Per-bucket figures of some samples.
struct Buckets {
    count: Vec<u64>,
    us: Vec<Vec<u64>>,
}

impl Buckets {
    fn new(n: usize) -> Buckets {
        Buckets {
            count: vec![0; n],
            us: vec![Vec::new(); n],
        }
    }

    fn p(&mut self, p: f64) -> Vec<Option<f64>> {
        self.us
            .iter_mut()
            .map(|v| {
                v.sort_unstable();
                (!v.is_empty()).then(|| percentile(v, p) as f64 / 1000.0)
            })
            .collect()
    }
}

impl LoadFigures {
    /// The figures of a run's samples.
    pub fn of(set: &SampleSet) -> LoadFigures {
        let duration_ms = set.duration_ms();
        let seconds = duration_ms as f64 / 1000.0;
        let all: Vec<&Sample> = set.samples.iter().collect();
        let total = group("all", &all, seconds);
        let mut by_name: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
        let mut by_node: BTreeMap<(u8, u64, String), (&str, Vec<&Sample>)> = BTreeMap::new();
        for s in &set.samples {
            by_name.entry(set.name_of(s)).or_default().push(s);
            let node = set.node_of(s);
            by_node
                .entry(node_order(node))
                .or_insert_with(|| (node, Vec::new()))
                .1
                .push(s);
        }
        let bucket_ms = (duration_ms.div_ceil(MAX_BUCKETS).div_ceil(1000) * 1000).max(1000);
        let n = usize::try_from(duration_ms.div_ceil(bucket_ms))
            .unwrap_or(1)
            .max(1);
        let bucket_of = |s: &Sample| {
            usize::try_from(u64::from(s.t_ms) / bucket_ms)
                .unwrap_or(usize::MAX)
                .min(n - 1)
        };
        let start_ms: Vec<u64> = (0..n as u64).map(|i| i * bucket_ms).collect();
        let span_s: Vec<f64> = start_ms
            .iter()
            .map(|start| (duration_ms.saturating_sub(*start)).clamp(1, bucket_ms) as f64 / 1000.0)
            .collect();
        let per_s = |counts: &[u64]| -> Vec<f64> {
            counts
                .iter()
                .zip(&span_s)
                .map(|(c, s)| *c as f64 / s)
                .collect()
        };
        let named = |name: &str, samples: &[&Sample]| {
            let mut b = Buckets::new(n);
            for s in samples {
                let i = bucket_of(s);
                b.count[i] += 1;
                b.us[i].push(u64::from(s.latency_us));
            }
            NamedSeries {
                name: name.to_string(),
                requests_per_s: per_s(&b.count),
                p99_ms: b.p(99.0),
            }
        };
        let mut b = Buckets::new(n);
        let mut errors = vec![ErrorCounts::default(); n];
        for s in &set.samples {
            let i = bucket_of(s);
            b.count[i] += 1;
            b.us[i].push(u64::from(s.latency_us));
            errors[i].add(s.outcome);
        }
        let kind = |f: fn(&ErrorCounts) -> u64| per_s(&errors.iter().map(f).collect::<Vec<_>>());
        let series = Series {
            bucket_ms,
            requests_per_s: per_s(&b.count),
            p50_ms: b.p(50.0),
            p95_ms: b.p(95.0),
            p99_ms: b.p(99.0),
            start_ms,
            protocol_errors_per_s: kind(|e| e.protocol),
            http_errors_per_s: kind(|e| e.http),
            transport_errors_per_s: kind(|e| e.transport),
            transactions: by_name.iter().map(|(k, v)| named(k, v)).collect(),
            nodes: by_node.values().map(|(k, v)| named(k, v)).collect(),
        };
        LoadFigures {
            duration_ms,
            requests: total.requests,
            errors: total.errors,
            rps: total.rps,
            latency: total.latency,
            transactions: by_name.iter().map(|(k, v)| group(k, v, seconds)).collect(),
            nodes: by_node
                .values()
                .map(|(k, v)| group(k, v, seconds))
                .collect(),
            series,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_test::samples::Record;

    #[test]
    fn figures_per_transaction_node_and_bucket() {
        let mut set = SampleSet::default();
        for i in 0..100u64 {
            let (name, node) = if i % 2 == 0 {
                ("strings", "node 2")
            } else {
                ("provision", "node 1")
            };
            set.push(Record {
                t_ms: i * 30,
                name,
                node,
                latency_us: (i + 1) * 1000,
                status: 200,
                outcome: if i == 7 {
                    Outcome::Protocol
                } else {
                    Outcome::Ok
                },
            })
            .unwrap();
        }
        set.push(Record {
            t_ms: 10,
            name: "control: outbox",
            node: CONTROL_NODE,
            latency_us: 500,
            status: 0,
            outcome: Outcome::Transport,
        })
        .unwrap();
        let f = LoadFigures::of(&set);
        // The last request starts at 2970 ms and takes 100 ms.
        assert_eq!(f.duration_ms, 3070);
        assert_eq!(f.requests, 101);
        assert_eq!(f.errors.protocol, 1);
        assert_eq!(f.errors.transport, 1);
        let names: Vec<&str> = f.transactions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["control: outbox", "provision", "strings"]);
        let nodes: Vec<&str> = f.nodes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(nodes, ["node 1", "node 2", "control"]);
        let strings = &f.transactions[2];
        assert_eq!(strings.requests, 50);
        // 1, 3, …, 99 ms: nearest-rank p99 is the 50th of 50.
        assert_eq!(strings.latency.p99, 99.0);
        assert_eq!(strings.latency.p50, 49.0);
        assert_eq!(f.series.bucket_ms, 1000);
        assert_eq!(f.series.start_ms, [0, 1000, 2000, 3000]);
        // 35 requests start in the first second (34 + the control request).
        assert_eq!(f.series.requests_per_s[0], 35.0);
        assert_eq!(f.series.p99_ms[3], None);
        assert_eq!(f.series.transport_errors_per_s[0], 1.0);
    }
}
