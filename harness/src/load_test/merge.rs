//! `report merge`: combines the request logs (`--request-log FILE --request-format json`)
//! of several load shards into one exact report. Counts add up; percentiles are computed
//! from the merged raw samples (every request's response time), never by averaging the
//! shards' percentiles. The logs are read as raw samples ([`super::samples`]), which
//! `report merge --out` also writes, so a merged directory compares like one run. Goose
//! writes a second line with `update: true` when a transaction marks a request failed
//! after the fact: that line turns a success into a failure and is not a request of its
//! own.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::samples::{Outcome, RequestLogs, SampleSet, SamplesError, read_request_logs};

/// Why logs could not be merged.
pub type MergeError = SamplesError;

/// Latency figures over a set of samples, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Fastest.
    pub min: u64,
    /// Mean.
    pub mean: f64,
    /// Median (nearest rank).
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Slowest.
    pub max: u64,
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Latency {
    /// Figures of unsorted samples.
    pub fn of(samples: &mut [u64]) -> Latency {
        samples.sort_unstable();
        if samples.is_empty() {
            return Latency::default();
        }
        Latency {
            min: samples[0],
            mean: samples.iter().sum::<u64>() as f64 / samples.len() as f64,
            p50: percentile(samples, 50.0),
            p90: percentile(samples, 90.0),
            p95: percentile(samples, 95.0),
            p99: percentile(samples, 99.0),
            max: samples[samples.len() - 1],
        }
    }
}

/// One request name's merged figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    /// HTTP method.
    pub method: String,
    /// Request name.
    pub name: String,
    /// Requests.
    pub requests: u64,
    /// Failed requests.
    pub failures: u64,
    /// Response times.
    pub latency: Latency,
}

/// The merged report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedReport {
    /// The logs merged.
    pub inputs: Vec<String>,
    /// Requests per log, in input order.
    pub requests_per_input: Vec<u64>,
    /// All requests.
    pub requests: u64,
    /// All failures.
    pub failures: u64,
    /// Over all requests.
    pub latency: Latency,
    /// Per request name.
    pub rows: Vec<RequestRow>,
}

#[derive(Default)]
struct Acc {
    requests: u64,
    failures: u64,
    samples: Vec<u64>,
}

/// Merges request logs.
pub fn merge_logs(paths: &[&Path]) -> Result<MergedReport, MergeError> {
    Ok(merge_with_samples(paths)?.0)
}

/// Merges request logs; also returns the merged samples (for `swivel-load-samples.tsv`).
pub fn merge_with_samples(paths: &[&Path]) -> Result<(MergedReport, SampleSet), MergeError> {
    let RequestLogs {
        set,
        per_input,
        methods,
    } = read_request_logs(paths)?;
    let mut by_name: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for s in &set.samples {
        let name = set.name_of(s);
        let method = methods.get(name).map_or("?", String::as_str);
        let acc = by_name
            .entry((method.to_string(), name.to_string()))
            .or_default();
        acc.requests += 1;
        acc.samples.push(u64::from(s.latency_us) / 1000);
        if s.outcome != Outcome::Ok {
            acc.failures += 1;
        }
    }
    let requests: u64 = per_input.iter().sum();
    let mut all = Vec::new();
    let mut rows = Vec::new();
    let mut failures = 0;
    for ((method, name), mut acc) in by_name {
        all.extend_from_slice(&acc.samples);
        failures += acc.failures;
        rows.push(RequestRow {
            method,
            name,
            requests: acc.requests,
            failures: acc.failures,
            latency: Latency::of(&mut acc.samples),
        });
    }
    let report = MergedReport {
        inputs: paths.iter().map(|p| p.display().to_string()).collect(),
        requests_per_input: per_input,
        requests,
        failures,
        latency: Latency::of(&mut all),
        rows,
    };
    Ok((report, set))
}

impl MergedReport {
    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Merged load report\n\n");
        out.push_str(&format!(
            "{} request logs, {} requests, {} failed ({:.2}%).\n\n",
            self.inputs.len(),
            self.requests,
            self.failures,
            if self.requests == 0 {
                0.0
            } else {
                self.failures as f64 * 100.0 / self.requests as f64
            }
        ));
        out.push_str("| input | requests |\n|---|---:|\n");
        for (input, n) in self.inputs.iter().zip(&self.requests_per_input) {
            out.push_str(&format!("| {input} | {n} |\n"));
        }
        out.push_str(
            "\nResponse times in ms, percentiles by nearest rank over the merged samples.\n\n",
        );
        out.push_str(
            "| method | name | requests | failures | min | mean | p50 | p90 | p95 | p99 | max |\n",
        );
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        let row = |m: &str, n: &str, r: u64, f: u64, l: &Latency| {
            format!(
                "| {m} | {} | {r} | {f} | {} | {:.1} | {} | {} | {} | {} | {} |\n",
                n.replace('|', "\\|"),
                l.min,
                l.mean,
                l.p50,
                l.p90,
                l.p95,
                l.p99,
                l.max
            )
        };
        for r in &self.rows {
            out.push_str(&row(&r.method, &r.name, r.requests, r.failures, &r.latency));
        }
        out.push_str(&row(
            "",
            "**all**",
            self.requests,
            self.failures,
            &self.latency,
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, time: u64, success: bool, update: bool) -> String {
        format!(
            r#"{{"elapsed":1,"raw":{{"method":"Post","url":"u","headers":[],"body":""}},"name":"{name}","response_time":{time},"status_code":200,"success":{success},"update":{update},"user":0,"error":""}}"#
        )
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&s, 50.0), 50);
        assert_eq!(percentile(&s, 99.0), 99);
        assert_eq!(percentile(&s, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
    }

    #[test]
    fn merged_percentiles_come_from_all_samples() {
        let dir = std::env::temp_dir().join(format!("swivel-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.log");
        let b = dir.join("b.log");
        // Shard a: 98 fast requests; shard b: 2 slow ones, one marked failed by an update.
        let fast: Vec<String> = (0..98).map(|_| line("provision", 1, true, false)).collect();
        std::fs::write(&a, fast.join("\n")).unwrap();
        std::fs::write(
            &b,
            [
                line("provision", 500, true, false),
                line("provision", 500, false, true),
                line("provision", 900, true, false),
            ]
            .join("\n"),
        )
        .unwrap();
        let m = merge_logs(&[&a, &b]).unwrap();
        assert_eq!(m.requests, 100);
        assert_eq!(m.requests_per_input, vec![98, 2]);
        assert_eq!(m.failures, 1);
        // Averaging the shards' p99s would give (1 + 900) / 2; the samples say 500.
        assert_eq!(m.latency.p99, 500);
        assert_eq!(m.latency.max, 900);
        assert!(m.to_markdown().contains("| POST | provision | 100 | 1 |"));
        std::fs::write(&a, "not json\n").unwrap();
        assert!(
            merge_logs(&[&a])
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
