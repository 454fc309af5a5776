//! `swivel-harness report merge LOG... [--out DIR]`: one exact report from the request
//! logs of several load shards (see `load_test/merge.rs`); and `report compare BASELINE
//! NEW`: what changed between two saved runs, load runs held to gates (see `compare/`).
//! Compare exits 0 when the gates held (load) or no case turned FAIL (conformance), 1
//! otherwise, 2 when a run cannot be read. `report combine RUN...`: one conformance
//! report from runs against differently configured servers (see `combine.rs`), with the
//! exit code of a run.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use swivel_harness::combine;
use swivel_harness::compare::{self, Gates};
use swivel_harness::load_test::merge::merge_with_samples;
use swivel_harness::load_test::report::write_atomic;
use swivel_harness::load_test::samples::SAMPLES_FILE;
use swivel_harness::report::ReportWriter;
use swivel_harness::verdict::Verdict;

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge shards' request logs (written with --request-log FILE --request-format json).
    Merge(MergeArgs),
    /// Compare two saved runs of the same kind: load runs (gated) or conformance runs.
    Compare(CompareArgs),
    /// One conformance report from runs against differently configured servers: each
    /// case from the runs that judged it.
    Combine(CombineArgs),
}

/// Options of `report combine`.
#[derive(Debug, Args)]
pub struct CombineArgs {
    /// Conformance runs (a run directory or its report.json), each optionally labelled
    /// `LABEL=PATH`, e.g. `cluster=reports/20261202T050000Z-1a2b`.
    #[arg(required = true, num_args = 2..)]
    runs: Vec<String>,
    /// Where to write report.json, report.md, report.html and junit.xml (default:
    /// `reports/combined-<run id>`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Options of `report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The request logs.
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Where to write merged.md, merged.json and swivel-load-samples.tsv (default: print
    /// Markdown only).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Options of `report compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline: a run directory, a report.json, a samples file or a request log.
    baseline: PathBuf,
    /// The new run, of the same kind.
    new: PathBuf,
    /// Where to write compare.md, compare.json and compare.html.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Load: largest p99 growth per transaction, e.g. `10%`.
    #[arg(long, default_value = "10%", value_parser = percent)]
    max_p99_regression: f64,
    /// Load: largest throughput drop per transaction, e.g. `10%`.
    #[arg(long, default_value = "10%", value_parser = percent)]
    max_throughput_drop: f64,
    /// Load: most additional errors per transaction.
    #[arg(long, default_value_t = 0)]
    max_new_errors: u64,
    /// Load: a p99 growth smaller than this never fails, e.g. `1ms`.
    #[arg(long, default_value = "1ms", value_parser = millis)]
    min_latency_change: f64,
    /// Print JSON instead of Markdown.
    #[arg(long)]
    json: bool,
}

/// `10%` or `10` → 10.0.
fn percent(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a percentage such as 10%"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{s:?}: a percentage is 0 or more"))
    }
}

/// `1ms`, `0.5ms`, `2s` or `3` (ms) → milliseconds.
fn millis(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 1ms"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v * scale)
    } else {
        Err(format!("{s:?}: a duration is 0 or more"))
    }
}

/// Runs a `report` subcommand.
pub fn run(command: &ReportCommand) -> anyhow::Result<u8> {
    match command {
        ReportCommand::Merge(args) => {
            let paths: Vec<&std::path::Path> = args.logs.iter().map(PathBuf::as_path).collect();
            let (merged, samples) = merge_with_samples(&paths)?;
            let markdown = merged.to_markdown();
            if let Some(dir) = &args.out {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                write_atomic(&dir.join(SAMPLES_FILE), samples.to_tsv().as_bytes())?;
                write_atomic(&dir.join("merged.md"), markdown.as_bytes())?;
                write_atomic(
                    &dir.join("merged.json"),
                    (serde_json::to_string_pretty(&merged)? + "\n").as_bytes(),
                )?;
            }
            super::say(&markdown);
            Ok(super::EXIT_OK)
        }
        ReportCommand::Combine(args) => combine_runs(args),
        ReportCommand::Compare(args) => {
            let gates = Gates {
                max_p99_regression_pct: args.max_p99_regression,
                max_throughput_drop_pct: args.max_throughput_drop,
                max_new_errors: args.max_new_errors,
                min_latency_change_ms: args.min_latency_change,
            };
            let comparison = compare::compare(&args.baseline, &args.new, gates)?;
            let mut out = if args.json {
                comparison.to_json()
            } else {
                comparison.to_markdown()
            };
            if let Some(dir) = &args.out {
                for path in comparison.write(dir)? {
                    if !args.json {
                        out.push_str(&format!("\nwrote {}", path.display()));
                    }
                }
                if !args.json {
                    out.push('\n');
                }
            }
            super::say(&out);
            Ok(if comparison.passed() {
                super::EXIT_OK
            } else {
                1
            })
        }
    }
}

/// `report combine`: reads the runs, writes the combined report, prints what each
/// configuration judged; exits as a run with the combined verdicts would.
fn combine_runs(args: &CombineArgs) -> anyhow::Result<u8> {
    let configs = args
        .runs
        .iter()
        .map(|arg| combine::open(arg))
        .collect::<Result<Vec<_>, _>>()?;
    let report = combine::combine(&configs)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("combined-{}", report.run_id)));
    ReportWriter::in_dir(&dir)?.write_files(&report)?;
    let s = &report.summary;
    let judged = s.total - s.skipped - s.not_run;
    let mut out = String::new();
    for c in &report.configurations {
        out.push_str(&format!(
            "{}: run {}, judged {} of {}, {} taken from it\n",
            c.label, c.run_id, c.judged, c.total, c.chosen
        ));
    }
    out.push_str(&format!(
        "combined: judged {judged} of {} cases ({:.0}%): PASS {}, NON-STRICT {}, FAIL {}, INFO {}, INCONCLUSIVE {}, SKIPPED {}, NOT-RUN {}\n",
        s.total,
        if s.total == 0 { 0.0 } else { 100.0 * judged as f64 / s.total as f64 },
        s.pass,
        s.non_strict,
        s.fail,
        s.info,
        s.inconclusive,
        s.skipped,
        s.not_run
    ));
    for c in report.cases.iter().filter(|c| c.verdict == Verdict::Fail) {
        out.push_str(&format!(
            "FAIL {} [{}] in configuration {}: {}\n",
            c.id,
            c.rules.join(", "),
            c.configuration.as_deref().unwrap_or("?"),
            c.reason.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&format!("reports: {}\n", dir.display()));
    super::say(&out);
    Ok(s.exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        assert_eq!(percent("10%"), Ok(10.0));
        assert_eq!(percent("2.5"), Ok(2.5));
        assert!(percent("ten").is_err());
        assert!(percent("-1%").is_err());
        assert_eq!(millis("1ms"), Ok(1.0));
        assert_eq!(millis("0.5"), Ok(0.5));
        assert_eq!(millis("2s"), Ok(2000.0));
        assert!(millis("soon").is_err());
    }
}
