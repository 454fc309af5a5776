//! `swivel-harness run`: a conformance run. Without `--target` it tests a fresh embedded
//! reference server per case; with `--target` a running server. Prints a summary, writes
//! `reports/<run-id>/` and exits 0 (all passed), 1 (a FAIL), 2 (usage, environment,
//! interrupted run, waiver problems) or 3 (inconclusive only).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::profile::{Evidence, WireProfile};
use swivel_harness::report::{ProfileInfo, RunReport, Selection, new_run_id, skipped_by_need};
use swivel_harness::runner::{self, RunOptions, select, waivers};
use swivel_harness::sut::TargetSpec;
use swivel_harness::verdict::Verdict;
use swivel_reference_server::defects::{Defect, DefectSet};
use tokio::sync::watch;

use super::target_kind::{ResolvedTarget, TargetKind, TargetKindArgs};
use super::{RemoteArgs, SelectArgs, read_all_cases};

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A node base URL with context (repeat for each node), or a target TOML file.
    /// Default: a fresh embedded reference server per case.
    #[arg(long, value_name = "URL|FILE")]
    target: Vec<String>,
    /// The target's Site ID.
    #[arg(long, default_value = "HARNESS01")]
    site_id: String,
    /// Wire profile the harness speaks: a built-in name (`mobile-3.6`, `agentxml-3.6`)
    /// or a TOML file. The embedded servers speak it too.
    #[arg(long, default_value = "mobile-3.6")]
    profile: String,
    /// Wire profile of the embedded servers when it should differ from `--profile`: a
    /// mismatch shows as FAIL of the WIRE rules.
    #[arg(long, value_name = "NAME|FILE")]
    server_wire_profile: Option<String>,
    /// Break rules in the embedded server (to see checks fail); see `serve --list-defects`.
    #[arg(long = "defect", value_name = "NAME")]
    defects: Vec<Defect>,
    /// Waivers file (TOML).
    #[arg(long)]
    waivers: Option<PathBuf>,
    /// Where reports go.
    #[arg(long, default_value = "reports")]
    reports: PathBuf,
    /// Cases run at once on the embedded target.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Per-request timeout of the mobile emulator, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    request_timeout_ms: u64,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    remote: RemoteArgs,
    /// `swivel` kind: prepared users (`username,pin,email` per line) when the server
    /// has no repository agent for Admin XML.
    #[arg(long, value_name = "FILE")]
    user_pool: Option<PathBuf>,
    #[command(flatten)]
    kind: TargetKindArgs,
    #[command(flatten)]
    select: SelectArgs,
}

async fn resolve_target(
    args: &RunArgs,
    profile: &WireProfile,
    client: &MobileClient,
) -> anyhow::Result<TargetSpec> {
    let Some(inputs) = args
        .kind
        .inputs(&args.target, &args.remote, &args.site_id)?
    else {
        if args.remote.control_url.is_some() {
            bail!("--control-url needs --target");
        }
        let wire_profile = match &args.server_wire_profile {
            Some(name) => WireProfile::resolve(name)?,
            None => WireProfile::resolve(&args.profile)?,
        };
        return Ok(TargetSpec::Embedded {
            defects: args.defects.iter().copied().collect::<DefectSet>(),
            wire_profile: Arc::new(wire_profile),
        });
    };
    if args.server_wire_profile.is_some() {
        bail!(
            "--server-wire-profile applies to the embedded server only; start an external one with `serve --wire-profile`"
        );
    }
    if !args.defects.is_empty() {
        bail!(
            "--defect applies to the embedded server only; start an external one with `serve --defect`"
        );
    }
    if inputs.kind != TargetKind::Swivel && args.user_pool.is_some() {
        bail!("--user-pool applies to --target-kind swivel only");
    }
    let tag = new_run_id().rsplit('-').next().unwrap_or("run").to_string();
    let resolved = args
        .kind
        .resolve(
            inputs,
            &args.remote,
            args.user_pool.clone(),
            (Arc::new(profile.clone()), client),
            tag,
        )
        .await?;
    Ok(match resolved {
        ResolvedTarget::Swivel(spec) => TargetSpec::Swivel(Arc::new(*spec)),
        ResolvedTarget::Reference { spec, .. } => TargetSpec::External(spec),
    })
}

fn profile_info(profile: &WireProfile) -> ProfileInfo {
    ProfileInfo {
        name: profile.name.clone(),
        source: profile.source().to_string(),
        hint_parts: profile.parts_with(Evidence::Hint),
        assumed_parts: profile.parts_with(Evidence::Assumed),
    }
}

/// Stops the run on Ctrl-C or SIGTERM.
fn interrupt_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        super::wait_for_stop().await;
        let _ = tx.send(true);
        // Keep the sender alive so the runner sees the change, not a closed channel.
        std::future::pending::<()>().await;
    });
    rx
}

/// Runs the conformance suites.
pub async fn run(args: RunArgs) -> anyhow::Result<u8> {
    let all = read_all_cases(&args.select)?;
    // Waivers are checked against every loaded case, not only the selected ones.
    let known: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    let (waivers, waiver_problems) = match &args.waivers {
        Some(path) => {
            let w = waivers::read(path)?;
            let problems = waivers::problems(&w, &known, chrono::Utc::now().date_naive());
            (w, problems)
        }
        None => (Vec::new(), Vec::new()),
    };
    let cases = select::select(&args.select.selection(), all.clone());
    if cases.is_empty() {
        bail!("no case matches the selection; `swivel-harness list` shows what there is");
    }
    let profile = WireProfile::resolve(&args.profile)?;
    let ca_cert_pem = args.remote.ca_cert_pem()?;
    let client = MobileClient::new(
        Arc::new(profile.clone()),
        ClientOptions {
            timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
            ca_cert_pem,
            insecure: args.remote.insecure,
            ..ClientOptions::default()
        },
    )?;
    let target = resolve_target(&args, &profile, &client).await?;
    let options = RunOptions {
        concurrency: args.jobs,
        selection: Selection {
            waivers: args.waivers.as_ref().map(|p| p.display().to_string()),
            ..args.select.selection()
        },
        waivers,
        waiver_problems,
        reports_root: args.reports.clone(),
        run_id: new_run_id(),
        profile: profile_info(&profile),
        quiet: args.quiet,
        interrupt: interrupt_signal(),
    };
    let result = runner::run(cases, target, client, options).await?;
    print_summary(&result.report, &result.dir);
    Ok(result.report.summary.exit_code)
}

fn print_summary(report: &RunReport, dir: &Path) {
    let s = &report.summary;
    let mut out = String::new();
    out.push_str(&format!(
        "swivel-harness run {} ({:?}): {} cases in {:.2} s\n",
        report.run_id,
        report.status,
        s.total,
        s.duration_ms as f64 / 1000.0
    ));
    out.push_str(&format!(
        "  PASS {}  NON-STRICT {}  FAIL {}  INFO {}  INCONCLUSIVE {}  SKIPPED {}  NOT-RUN {}\n",
        s.pass, s.non_strict, s.fail, s.info, s.inconclusive, s.skipped, s.not_run
    ));
    for c in report.cases.iter().filter(|c| {
        matches!(
            c.verdict,
            Verdict::Fail | Verdict::NonStrict | Verdict::Inconclusive
        )
    }) {
        out.push_str(&format!(
            "  {:<12} {} [{}]: {}\n",
            c.verdict.as_str(),
            c.id,
            c.rules.join(", "),
            c.reason.clone().unwrap_or_default()
        ));
    }
    for p in &report.waiver_problems {
        out.push_str(&format!("  WAIVER PROBLEM: {p}\n"));
    }
    // What another target, or another configuration of a real server, would judge.
    const SHOWN_GROUPS: usize = 5;
    let groups = skipped_by_need(&report.cases);
    for (need, ids) in groups.iter().take(SHOWN_GROUPS) {
        out.push_str(&format!("  not judged ({}): {need}\n", ids.len()));
    }
    if groups.len() > SHOWN_GROUPS {
        out.push_str(&format!(
            "  not judged: {} more reason(s) in the report\n",
            groups.len() - SHOWN_GROUPS
        ));
    }
    if !report.target.users_left.is_empty() {
        out.push_str(&format!(
            "  WARNING: {} user(s) the run created are still on the server (delete them by hand): {}\n",
            report.target.users_left.len(),
            report.target.users_left.join(", ")
        ));
    }
    out.push_str(&format!(
        "  reports: {0}/report.md, {0}/report.html, {0}/junit.xml, {0}/report.json\n  exit code {1}\n",
        dir.display(),
        s.exit_code
    ));
    super::say(&out);
}
