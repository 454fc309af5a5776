//! Bootstrap confidence intervals for a change in a latency percentile between two runs.
//!
//! A bootstrap resample of n sorted samples draws n indices uniformly with replacement;
//! its nearest-rank p-th percentile is the sample at the r-th smallest index drawn
//! (r = ⌈p·n⌉). The r-th smallest of n uniform draws is, exactly, ⌊n·U⌋ with
//! U ~ Beta(r, n − r + 1) (the r-th order statistic of n uniforms). So each resample's
//! percentile is drawn directly from that distribution, in constant time, instead of by
//! materialising n draws: the same bootstrap distribution, affordable for runs with
//! millions of requests. The interval of the change is the central part of the
//! resampled differences (new − baseline), the two runs resampled independently. The
//! generator is seeded, so a comparison gives the same interval every time.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::load_test::merge::percentile;

/// Resamples per interval.
pub const RESAMPLES: usize = 2000;
/// Coverage of the intervals.
pub const CONFIDENCE: f64 = 0.95;
/// The generator's seed.
pub const SEED: u64 = 0x5157_1BE1;

/// The seeded generator of a comparison.
pub fn generator() -> StdRng {
    StdRng::seed_from_u64(SEED)
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Gamma(shape, 1) draw for shape ≥ 1 (Marsaglia and Tsang, 2000).
fn gamma(rng: &mut StdRng, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = 1.0 - rng.random::<f64>();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A Beta(a, b) draw for a, b ≥ 1.
fn beta(rng: &mut StdRng, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    x / (x + y)
}

/// The nearest-rank rank of percentile `p` among `n` samples (1-based).
fn rank(n: usize, p: f64) -> usize {
    (((p / 100.0) * n as f64).ceil() as usize).clamp(1, n)
}

/// The `p`-th percentile of one bootstrap resample of `sorted` (0 when it is empty).
pub fn resampled_percentile(sorted: &[u64], p: f64, rng: &mut StdRng) -> u64 {
    let n = sorted.len();
    if n == 0 {
        return 0;
    }
    let r = rank(n, p);
    let u = beta(rng, r as f64, (n - r + 1) as f64);
    let index = ((u * n as f64) as usize).min(n - 1);
    sorted[index]
}

/// A percentile of each run and the interval of its change, in the samples' unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentileChange {
    /// The baseline's percentile.
    pub baseline: u64,
    /// The new run's percentile.
    pub new: u64,
    /// Lower end of the interval of `new − baseline`.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// The `p`-th percentile of two sorted sample sets and the bootstrap interval
/// ([`CONFIDENCE`]) of its change (an empty set counts as 0).
pub fn percentile_change(
    baseline: &[u64],
    new: &[u64],
    p: f64,
    rng: &mut StdRng,
) -> PercentileChange {
    let mut diffs: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            resampled_percentile(new, p, rng) as f64 - resampled_percentile(baseline, p, rng) as f64
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let at = |q: f64| diffs[((q * RESAMPLES as f64) as usize).min(RESAMPLES - 1)];
    PercentileChange {
        baseline: percentile(baseline, p),
        new: percentile(new, p),
        low: at(tail),
        high: at(1.0 - tail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_var(v: &[f64]) -> (f64, f64) {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (
            m,
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64,
        )
    }

    #[test]
    fn beta_draws_have_the_right_mean() {
        let mut rng = generator();
        for (a, b) in [(1.0, 1.0), (3.0, 40.0), (990.0, 11.0)] {
            let draws: Vec<f64> = (0..20_000).map(|_| beta(&mut rng, a, b)).collect();
            let (m, _) = mean_var(&draws);
            assert!((m - a / (a + b)).abs() < 0.01, "Beta({a},{b}) mean {m}");
        }
    }

    #[test]
    fn the_shortcut_matches_a_brute_force_bootstrap() {
        // Skewed samples, like latencies.
        let mut sorted: Vec<u64> = (1..=60u64).map(|i| i * i).collect();
        sorted.sort_unstable();
        let mut rng = generator();
        for p in [50.0, 95.0] {
            let quick: Vec<f64> = (0..20_000)
                .map(|_| resampled_percentile(&sorted, p, &mut rng) as f64)
                .collect();
            let brute: Vec<f64> = (0..20_000)
                .map(|_| {
                    let mut resample: Vec<u64> = (0..sorted.len())
                        .map(|_| sorted[rng.random_range(0..sorted.len())])
                        .collect();
                    resample.sort_unstable();
                    percentile(&resample, p) as f64
                })
                .collect();
            let (mq, vq) = mean_var(&quick);
            let (mb, vb) = mean_var(&brute);
            assert!((mq - mb).abs() / mb < 0.02, "p{p}: mean {mq} vs {mb}");
            assert!((vq - vb).abs() / vb < 0.1, "p{p}: variance {vq} vs {vb}");
        }
    }

    #[test]
    fn intervals_cover_zero_for_the_same_samples_and_not_for_a_shift() {
        let base: Vec<u64> = (0..2000u64).map(|i| 1000 + (i * 7919) % 500).collect();
        let mut base_sorted = base.clone();
        base_sorted.sort_unstable();
        let mut rng = generator();
        let same = percentile_change(&base_sorted, &base_sorted, 99.0, &mut rng);
        assert!(same.low <= 0.0 && same.high >= 0.0, "{same:?}");
        let slower: Vec<u64> = base_sorted.iter().map(|v| v + 300).collect();
        let shift = percentile_change(&base_sorted, &slower, 99.0, &mut rng);
        assert_eq!(shift.new - shift.baseline, 300);
        assert!(shift.low > 200.0 && shift.high < 400.0, "{shift:?}");
        let none = percentile_change(&[], &base_sorted, 99.0, &mut rng);
        assert_eq!(none.baseline, 0);
    }
}
