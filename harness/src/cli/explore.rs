//! `swivel-harness explore`: random histories against the embedded reference server
//! (with `--defect` switches) or a running reference server (`--target` with its control
//! API, histories on its own nodes and sharing), checked against the model, shrunk and
//! written back as cases. Prints the seed first (the same seed reproduces the run), writes
//! `<reports>/explore-<seed>/explore.{json,md,html}` and `explore-junit.xml` after every finding and at the end (so
//! Ctrl-C leaves valid reports), and exits 0 (no finding), 1 (a kept finding), 2
//! (interrupted before its budget, nothing kept) or 3 (inconclusive findings only).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::explore::report::StopReason;
use swivel_harness::explore::written::WrittenCase;
use swivel_harness::explore::{ExploreOptions, FindingStatus, Topology, TopologyError, explore};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::new_run_id;
use swivel_harness::sut::TargetSpec;
use swivel_reference_server::defects::{Defect, DefectSet};
use tokio::sync::watch;

use super::RemoteArgs;
use super::target_kind::{ResolvedTarget, TargetKindArgs};

/// `explore` arguments.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The seed (printed; the same seed gives the same histories). Default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// Histories to try at most.
    #[arg(long, default_value_t = 300)]
    cases: u64,
    /// Operations per history, `MIN..MAX` (inclusive).
    #[arg(long, default_value = "1..30")]
    steps: String,
    /// Wall-time budget, e.g. `60s`, `5m`.
    #[arg(long, default_value = "60s")]
    time_budget: String,
    /// Mobile HTTP requests at most.
    #[arg(long, default_value_t = 100_000)]
    request_budget: u64,
    /// Shrink time per finding, e.g. `30s`.
    #[arg(long, default_value = "30s")]
    max_shrink_time: String,
    /// Stop after this many findings.
    #[arg(long, default_value_t = 10)]
    max_findings: usize,
    /// Where found cases are written.
    #[arg(long, default_value = "scenarios/found")]
    found_dir: PathBuf,
    /// Where the reports go.
    #[arg(long, default_value = "reports")]
    reports: PathBuf,
    /// Defect switches of the embedded server.
    #[arg(long = "defect", value_name = "NAME")]
    defects: Vec<Defect>,
    /// A running reference server instead of the embedded one: a node base URL with
    /// context (repeat for each node), or a target TOML file. It needs its control API
    /// (`--control-url`), which moves its clock and sets its policies.
    #[arg(long, value_name = "URL|FILE")]
    target: Vec<String>,
    /// The target's Site ID.
    #[arg(long, default_value = "HARNESS01")]
    site_id: String,
    #[command(flatten)]
    remote: RemoteArgs,
    /// The wire profile.
    #[arg(long, default_value = "mobile-3.6")]
    profile: String,
}

/// The embedded server, or the running reference server `--target` names (resolved as
/// `run` resolves it; it must have a control API).
async fn explore_target(
    args: &ExploreArgs,
    profile: WireProfile,
    client: &MobileClient,
) -> anyhow::Result<TargetSpec> {
    let kind = TargetKindArgs::reference_only();
    let Some(inputs) = kind.inputs(&args.target, &args.remote, &args.site_id)? else {
        if args.remote.control_url.is_some() {
            bail!("--control-url needs --target");
        }
        return Ok(TargetSpec::Embedded {
            defects: args.defects.iter().copied().collect::<DefectSet>(),
            wire_profile: Arc::new(profile),
        });
    };
    if !args.defects.is_empty() {
        bail!(
            "--defect applies to the embedded server only; start an external one with `serve --defect`"
        );
    }
    let tag = new_run_id()
        .rsplit('-')
        .next()
        .unwrap_or("explore")
        .to_string();
    let resolved = kind
        .resolve(inputs, &args.remote, None, (Arc::new(profile), client), tag)
        .await?;
    match resolved {
        ResolvedTarget::Swivel(_) => Err(TopologyError::RealServer.into()),
        ResolvedTarget::Reference { spec, .. } => {
            if spec.control.is_none() {
                bail!(
                    "explore needs the target's control API (--control-url and --control-token): it creates users, issues codes, moves the clock and sets policies"
                );
            }
            Ok(TargetSpec::External(spec))
        }
    }
}

/// `60s`, `5m`, `2h` or plain seconds.
fn duration(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .with_context(|| format!("{text:?} is not a duration like 60s"))?;
    Ok(Duration::from_secs(match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        other => bail!("unknown unit {other:?} in {text:?} (s, m or h)"),
    }))
}

/// `1..30` (or `1..=30`, or `30`).
fn steps(text: &str) -> anyhow::Result<(usize, usize)> {
    let parse = |s: &str| {
        s.trim()
            .parse::<usize>()
            .with_context(|| format!("--steps {text:?}: expected MIN..MAX"))
    };
    let (min, max) = match text.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
        None => (1, parse(text)?),
    };
    if min == 0 || max < min {
        bail!("--steps {text:?}: expected 1 <= MIN <= MAX");
    }
    Ok((min, max))
}

/// Runs `explore`.
pub async fn run(args: ExploreArgs) -> anyhow::Result<u8> {
    let seed = args.seed.unwrap_or_else(|| {
        u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or_default()
    });
    let (min_steps, max_steps) = steps(&args.steps)?;
    let profile = WireProfile::resolve(&args.profile)?;
    let client = MobileClient::new(
        Arc::new(profile.clone()),
        ClientOptions {
            timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        },
    )?;
    let target = explore_target(&args, profile, &client).await?;
    let topology = Topology::of(&target)?;
    let (tx, interrupt) = watch::channel(false);
    tokio::spawn(async move {
        super::wait_for_stop().await;
        let _ = tx.send(true);
        std::future::pending::<()>().await;
    });
    let options = ExploreOptions {
        seed,
        cases: args.cases,
        min_steps,
        max_steps,
        time_budget: duration(&args.time_budget)?,
        request_budget: args.request_budget,
        max_shrink_time: duration(&args.max_shrink_time)?,
        found_dir: args.found_dir.clone(),
        max_findings: args.max_findings.max(1),
        stop_at_rule: None,
        interrupt,
        topology,
    };
    super::say(&format!(
        "swivel-harness explore --seed {seed} (the same seed reproduces this run)\n"
    ));
    let dir = args.reports.join(format!("explore-{seed}"));
    let report = explore(&target, &client, &options, |partial| {
        let _ = partial.write(&dir);
    })
    .await;
    report
        .write(&dir)
        .with_context(|| format!("cannot write reports to {}", dir.display()))?;
    let n = &report.numbers;
    let mut out = format!(
        "  {} histories, {} operations, {} steps, {} requests, shrinking {:.1} s; stopped: {:?}\n",
        n.cases,
        n.operations,
        n.steps,
        n.requests,
        n.shrink_ms as f64 / 1000.0,
        report.stopped
    );
    for f in &report.findings {
        out.push_str(&format!(
            "  {:?} {} ({}): {} — {} ops shrunk to {}{}\n",
            f.status,
            f.rule,
            f.level,
            f.kind,
            f.original_ops,
            f.shrunk_ops.map_or("-".into(), |s| s.to_string()),
            f.case.as_ref().map_or(String::new(), WrittenCase::brief)
        ));
    }
    out.push_str(&format!(
        "  reports: {0}/explore.md, {0}/explore.html, {0}/explore-junit.xml, {0}/explore.json\n",
        dir.display()
    ));
    super::say(&out);
    let kept = report.kept().count();
    let inconclusive = report
        .findings
        .iter()
        .any(|f| f.status == FindingStatus::Inconclusive);
    // As for `run`: an interrupted exploration without a kept finding is exit 2, since
    // "no finding" would claim a budget that was not spent.
    Ok(if kept > 0 {
        1
    } else if report.stopped == StopReason::Interrupted {
        super::EXIT_ENVIRONMENT
    } else if inconclusive {
        3
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_step_ranges_parse() {
        assert_eq!(duration("60s").ok(), Some(Duration::from_secs(60)));
        assert_eq!(duration("2m").ok(), Some(Duration::from_secs(120)));
        assert!(duration("1d").is_err());
        assert_eq!(steps("1..30").ok(), Some((1, 30)));
        assert_eq!(steps("2..=8").ok(), Some((2, 8)));
        assert!(steps("0..3").is_err());
    }
}
