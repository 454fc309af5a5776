//! Comparing two load runs from their raw samples: per transaction (goose request name)
//! the change in throughput and in p50/p95/p99 latency, each with its sample counts and
//! a 95% confidence interval (latency: bootstrap, [`super::bootstrap`]; throughput: the
//! Poisson interval of a rate ratio), error counts, and three gates:
//!
//! - p99 latency may not grow by more than `max_p99_regression`;
//! - throughput may not drop by more than `max_throughput_drop`;
//! - errors (protocol, HTTP, transport) may not grow by more than `max_new_errors`.
//!
//! A latency or throughput gate FAILs only when the whole interval lies beyond its limit
//! (and, for latency, beyond `min_latency_change` too): the change is larger than the
//! limit and larger than the noise. A change beyond the limit whose interval reaches back
//! inside it is reported as WITHIN-NOISE, not as a failure. Errors are counted, not
//! sampled: any growth beyond the limit fails.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::bootstrap::{self, CONFIDENCE, RESAMPLES};
use crate::load_test::report::figures::ErrorCounts;
use crate::load_test::samples::{Outcome, SampleSet};

/// z for the [`CONFIDENCE`] of the throughput interval.
const Z: f64 = 1.959_964;

/// The limits a new run is held to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gates {
    /// Largest p99 growth, percent.
    pub max_p99_regression_pct: f64,
    /// Largest throughput drop, percent.
    pub max_throughput_drop_pct: f64,
    /// Most additional errors per transaction.
    pub max_new_errors: u64,
    /// A p99 growth smaller than this, in ms, never fails (below the timer's noise).
    pub min_latency_change_ms: f64,
}

impl Default for Gates {
    fn default() -> Gates {
        Gates {
            max_p99_regression_pct: 10.0,
            max_throughput_drop_pct: 10.0,
            max_new_errors: 0,
            min_latency_change_ms: 1.0,
        }
    }
}

/// A gate's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum GateStatus {
    /// Within the limit.
    Pass,
    /// Beyond the limit, but the interval reaches back inside it: noise, not a failure.
    WithinNoise,
    /// Beyond the limit and beyond the noise.
    Fail,
}

impl GateStatus {
    /// As reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Pass => "PASS",
            GateStatus::WithinNoise => "WITHIN-NOISE",
            GateStatus::Fail => "FAIL",
        }
    }
}

/// One gate applied to one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// `p99`, `throughput` or `errors`.
    pub gate: String,
    /// Its outcome.
    pub status: GateStatus,
    /// What was measured against what limit.
    pub detail: String,
}

/// A latency percentile in both runs, ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyDelta {
    /// 50, 95 or 99.
    pub percentile: u8,
    /// Baseline.
    pub baseline_ms: f64,
    /// New run.
    pub new_ms: f64,
    /// New − baseline.
    pub change_ms: f64,
    /// The change relative to the baseline, percent (`null` for a zero baseline).
    pub change_pct: Option<f64>,
    /// The interval of the change, ms.
    pub ci_ms: [f64; 2],
    /// The interval relative to the baseline, percent.
    pub ci_pct: Option<[f64; 2]>,
}

/// Throughput in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThroughputDelta {
    /// Baseline requests per second.
    pub baseline_rps: f64,
    /// New run's requests per second.
    pub new_rps: f64,
    /// The change, percent (negative: a drop).
    pub change_pct: f64,
    /// Its interval, percent.
    pub ci_pct: [f64; 2],
}

/// One transaction (or all requests) in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionDelta {
    /// Request name, or `all`.
    pub name: String,
    /// Baseline samples.
    pub baseline_requests: u64,
    /// New run's samples.
    pub new_requests: u64,
    /// Baseline errors.
    pub baseline_errors: ErrorCounts,
    /// New run's errors.
    pub new_errors: ErrorCounts,
    /// Throughput.
    pub throughput: ThroughputDelta,
    /// p50, p95, p99.
    pub latency: Vec<LatencyDelta>,
    /// The gates (none for `all`).
    pub gates: Vec<GateResult>,
}

/// What a side of the comparison was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSide {
    /// The path given.
    pub source: String,
    /// The persona, when the run's summary names it.
    pub persona: Option<String>,
    /// Requests.
    pub requests: u64,
    /// From the start to the last reply, ms.
    pub duration_ms: u64,
}

/// A transaction seen in one run only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneSided {
    /// Request name.
    pub name: String,
    /// Requests.
    pub requests: u64,
    /// Errors.
    pub errors: ErrorCounts,
}

/// The comparison of two load runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadComparison {
    /// The baseline.
    pub baseline: LoadSide,
    /// The new run.
    pub new: LoadSide,
    /// The limits applied.
    pub gates: Gates,
    /// How the intervals were computed.
    pub method: String,
    /// Every request together (no gate).
    pub overall: TransactionDelta,
    /// Transactions in both runs, by name.
    pub transactions: Vec<TransactionDelta>,
    /// Transactions only the baseline has.
    pub only_in_baseline: Vec<OneSided>,
    /// Transactions only the new run has.
    pub only_in_new: Vec<OneSided>,
    /// Warnings (different personas, …).
    pub notes: Vec<String>,
    /// One line per failed gate, naming the transaction.
    pub failures: Vec<String>,
    /// One line per change beyond a limit but within the noise.
    pub within_noise: Vec<String>,
    /// No gate failed.
    pub passed: bool,
}

/// One run's samples of one transaction.
#[derive(Default)]
struct Group {
    us: Vec<u64>,
    errors: ErrorCounts,
}

fn groups(set: &SampleSet) -> (BTreeMap<String, Group>, Group) {
    let mut by: BTreeMap<String, Group> = BTreeMap::new();
    let mut all = Group::default();
    for s in &set.samples {
        let g = by.entry(set.name_of(s).to_string()).or_default();
        for g in [g, &mut all] {
            g.us.push(u64::from(s.latency_us));
            match s.outcome {
                Outcome::Ok => {}
                Outcome::Protocol => g.errors.protocol += 1,
                Outcome::Http => g.errors.http += 1,
                Outcome::Transport => g.errors.transport += 1,
            }
        }
    }
    for g in by.values_mut().chain(std::iter::once(&mut all)) {
        g.us.sort_unstable();
    }
    (by, all)
}

fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

/// Compares one transaction; `gates` is `None` for the overall row.
fn delta(
    name: &str,
    (b, bs): (&Group, f64),
    (n, ns): (&Group, f64),
    gates: Option<&Gates>,
    rng: &mut rand::rngs::StdRng,
) -> TransactionDelta {
    let latency: Vec<LatencyDelta> = [50u8, 95, 99]
        .iter()
        .map(|&p| {
            let c = bootstrap::percentile_change(&b.us, &n.us, f64::from(p), rng);
            let (base, new) = (c.baseline as f64 / 1000.0, c.new as f64 / 1000.0);
            let ci = [c.low / 1000.0, c.high / 1000.0];
            LatencyDelta {
                percentile: p,
                baseline_ms: base,
                new_ms: new,
                change_ms: new - base,
                change_pct: pct(new - base, base),
                ci_ms: ci,
                ci_pct: pct(ci[0], base).zip(pct(ci[1], base)).map(|(l, h)| [l, h]),
            }
        })
        .collect();
    let (nb, nn) = (b.us.len() as f64, n.us.len() as f64);
    let (base_rps, new_rps) = (nb / bs, nn / ns);
    let ratio = new_rps / base_rps;
    let spread = Z * (1.0 / nb + 1.0 / nn).sqrt();
    let throughput = ThroughputDelta {
        baseline_rps: base_rps,
        new_rps,
        change_pct: (ratio - 1.0) * 100.0,
        ci_pct: [
            (ratio * (-spread).exp() - 1.0) * 100.0,
            (ratio * spread.exp() - 1.0) * 100.0,
        ],
    };
    let mut results = Vec::new();
    if let Some(g) = gates {
        results.push(p99_gate(&latency[2], g));
        results.push(throughput_gate(&throughput, g));
        results.push(errors_gate(b.errors, n.errors, g));
    }
    TransactionDelta {
        name: name.to_string(),
        baseline_requests: b.us.len() as u64,
        new_requests: n.us.len() as u64,
        baseline_errors: b.errors,
        new_errors: n.errors,
        throughput,
        latency,
        gates: results,
    }
}

fn p99_gate(d: &LatencyDelta, g: &Gates) -> GateResult {
    let limit = g.max_p99_regression_pct;
    let beyond =
        |ms: f64, pct: Option<f64>| ms >= g.min_latency_change_ms && pct.is_none_or(|p| p > limit);
    let status = if !beyond(d.change_ms, d.change_pct) {
        GateStatus::Pass
    } else if beyond(d.ci_ms[0], d.ci_pct.map(|c| c[0])) {
        GateStatus::Fail
    } else {
        GateStatus::WithinNoise
    };
    let rel = |p: Option<f64>| p.map_or_else(|| "n/a".to_string(), |p| format!("{p:+.1}%"));
    GateResult {
        gate: "p99".into(),
        status,
        detail: format!(
            "p99 {:.2} ms → {:.2} ms ({}, 95% CI {} .. {}; {:+.2} .. {:+.2} ms); limit +{limit}% and at least {} ms",
            d.baseline_ms,
            d.new_ms,
            rel(d.change_pct),
            rel(d.ci_pct.map(|c| c[0])),
            rel(d.ci_pct.map(|c| c[1])),
            d.ci_ms[0],
            d.ci_ms[1],
            g.min_latency_change_ms
        ),
    }
}

fn throughput_gate(t: &ThroughputDelta, g: &Gates) -> GateResult {
    let limit = g.max_throughput_drop_pct;
    let status = if -t.change_pct <= limit {
        GateStatus::Pass
    } else if -t.ci_pct[1] > limit {
        GateStatus::Fail
    } else {
        GateStatus::WithinNoise
    };
    GateResult {
        gate: "throughput".into(),
        status,
        detail: format!(
            "{:.1} → {:.1} req/s ({:+.1}%, 95% CI {:+.1}% .. {:+.1}%); limit -{limit}%",
            t.baseline_rps, t.new_rps, t.change_pct, t.ci_pct[0], t.ci_pct[1]
        ),
    }
}

fn errors_gate(b: ErrorCounts, n: ErrorCounts, g: &Gates) -> GateResult {
    let added = n.total().saturating_sub(b.total());
    GateResult {
        gate: "errors".into(),
        status: if added > g.max_new_errors {
            GateStatus::Fail
        } else {
            GateStatus::Pass
        },
        detail: format!(
            "{} → {} errors (protocol {}, HTTP {}, transport {}); at most {} more allowed",
            b.total(),
            n.total(),
            n.protocol,
            n.http,
            n.transport,
            g.max_new_errors
        ),
    }
}

/// Compares two runs' samples under `gates`.
pub fn compare(
    (baseline, base_side): (&SampleSet, LoadSide),
    (new, new_side): (&SampleSet, LoadSide),
    gates: Gates,
) -> LoadComparison {
    let mut rng = bootstrap::generator();
    let (bs, ns) = (
        baseline.duration_ms() as f64 / 1000.0,
        new.duration_ms() as f64 / 1000.0,
    );
    let (b_by, b_all) = groups(baseline);
    let (n_by, n_all) = groups(new);
    let overall = delta("all", (&b_all, bs), (&n_all, ns), None, &mut rng);
    let mut transactions = Vec::new();
    let mut only_in_baseline = Vec::new();
    let mut failures = Vec::new();
    let mut within_noise = Vec::new();
    for (name, b) in &b_by {
        match n_by.get(name) {
            Some(n) => {
                let d = delta(name, (b, bs), (n, ns), Some(&gates), &mut rng);
                for r in &d.gates {
                    let line = format!("{}: {} gate: {}", d.name, r.gate, r.detail);
                    match r.status {
                        GateStatus::Pass => {}
                        GateStatus::WithinNoise => within_noise.push(line),
                        GateStatus::Fail => failures.push(line),
                    }
                }
                transactions.push(d);
            }
            None => {
                failures.push(format!(
                    "{name}: throughput gate: {} requests in the baseline, none in the new run",
                    b.us.len()
                ));
                only_in_baseline.push(OneSided {
                    name: name.clone(),
                    requests: b.us.len() as u64,
                    errors: b.errors,
                });
            }
        }
    }
    let mut only_in_new = Vec::new();
    for (name, n) in n_by.iter().filter(|(k, _)| !b_by.contains_key(*k)) {
        if n.errors.total() > gates.max_new_errors {
            failures.push(format!(
                "{name}: errors gate: {} errors in a transaction the baseline did not have; at most {} allowed",
                n.errors.total(),
                gates.max_new_errors
            ));
        }
        only_in_new.push(OneSided {
            name: name.clone(),
            requests: n.us.len() as u64,
            errors: n.errors,
        });
    }
    let mut notes = Vec::new();
    if let (Some(a), Some(b)) = (&base_side.persona, &new_side.persona)
        && a != b
    {
        notes.push(format!(
            "the runs used different personas ({a} and {b}): their transactions differ in kind"
        ));
    }
    LoadComparison {
        baseline: base_side,
        new: new_side,
        gates,
        method: format!(
            "percentiles by nearest rank over every request; {:.0}% intervals: latency by bootstrap ({RESAMPLES} resamples of each run), throughput as a Poisson rate ratio",
            CONFIDENCE * 100.0
        ),
        overall,
        transactions,
        only_in_baseline,
        only_in_new,
        notes,
        passed: failures.is_empty(),
        failures,
        within_noise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_test::samples::Record;

    fn run(strings_extra_us: u64, count: u64, strings_errors: u64) -> SampleSet {
        let mut set = SampleSet::default();
        for i in 0..count {
            for (name, extra) in [("provision", 0), ("strings", strings_extra_us)] {
                set.push(Record {
                    t_ms: i * 5,
                    name,
                    node: "node 1",
                    latency_us: 1000 + (i * 7919) % 2000 + extra,
                    status: 200,
                    outcome: if name == "strings" && i < strings_errors {
                        Outcome::Protocol
                    } else {
                        Outcome::Ok
                    },
                })
                .unwrap();
            }
        }
        set
    }

    fn side(set: &SampleSet) -> LoadSide {
        LoadSide {
            source: "x".into(),
            persona: None,
            requests: set.samples.len() as u64,
            duration_ms: set.duration_ms(),
        }
    }

    #[test]
    fn the_same_samples_pass_every_gate() {
        let a = run(0, 2000, 0);
        let c = compare((&a, side(&a)), (&a, side(&a)), Gates::default());
        assert!(c.passed, "{:?}", c.failures);
        assert!(c.within_noise.is_empty());
        assert_eq!(c.transactions.len(), 2);
    }

    #[test]
    fn slower_strings_fail_the_p99_gate_naming_the_transaction() {
        let a = run(0, 2000, 0);
        let b = run(20_000, 2000, 0);
        let c = compare((&a, side(&a)), (&b, side(&b)), Gates::default());
        assert!(!c.passed);
        assert_eq!(c.failures.len(), 1, "{:?}", c.failures);
        assert!(
            c.failures[0].starts_with("strings: p99 gate:"),
            "{}",
            c.failures[0]
        );
        let provision = &c.transactions[0];
        assert!(provision.gates.iter().all(|g| g.status == GateStatus::Pass));
    }

    #[test]
    fn a_small_sample_regression_is_noise_and_errors_always_count() {
        // Few samples: p99 is the slowest request or so, and its interval is wide.
        let a = run(0, 40, 0);
        let mut b = run(0, 40, 2);
        for s in b.samples.iter_mut().filter(|s| s.name == 1).take(1) {
            s.latency_us += 5_000;
        }
        let c = compare((&a, side(&a)), (&b, side(&b)), Gates::default());
        let strings = &c.transactions[1];
        assert_eq!(
            strings.gates[0].status,
            GateStatus::WithinNoise,
            "{:?}",
            strings.gates[0]
        );
        assert_eq!(strings.gates[2].status, GateStatus::Fail);
        assert_eq!(c.failures.len(), 1);
        assert!(c.failures[0].starts_with("strings: errors gate: 0 → 2 errors"));
    }
}
