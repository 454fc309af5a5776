//! `swivel-harness load --persona NAME [goose options]`: a goose 0.19 load test of one
//! persona, in-process. Goose's own options (users, increase rate, run time, test plan,
//! iterations, report files, thresholds, request log, …) pass straight through. Default
//! target: an embedded reference server with a pre-created user pool; otherwise the same
//! target flags as `run`, plus a user pool file where users cannot be created. Beside
//! goose's reports (its HTML rewritten to make no network request) it writes the
//! self-contained load report (`load_test::report`). Where the load goes is resolved as
//! `run` resolves its target (`load_target`): the embedded server, a reference server and
//! its control API, or a real Swivel server (`--target-kind swivel`). Exits 0 when every
//! protocol check held and every threshold passed, 1 otherwise, 2 on a usage or
//! environment error.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use goose::config::GooseConfiguration;
use goose::prelude::*;
use swivel_harness::load_test::personas::{self, PERSONAS};
use swivel_harness::load_test::pool::{self, Shard};
use swivel_harness::load_test::report::assemble::{RunEnd, finish};
use swivel_harness::load_test::report::{Setting, sinks};
use swivel_harness::load_test::samples::SampleLog;
use swivel_harness::load_test::{LoadContext, LoadStats};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::new_run_id;
use swivel_reference_server::defects::Defect;

use super::RemoteArgs;
use super::load_target::{LoadTarget, LoadWants};
use super::target_kind::TargetKindArgs;

/// The threshold applied when none is given.
pub const DEFAULT_THRESHOLD: &str = "error-rate<1%";

/// Options of `load`: ours, then goose's.
#[derive(Args)]
pub struct LoadArgs {
    /// The load persona; `--list-personas` shows them.
    #[arg(long, value_name = "NAME")]
    persona: Option<String>,
    /// List the load personas and exit.
    #[arg(long)]
    list_personas: bool,
    /// Renamed to `--list-personas` (a clear error says so).
    #[arg(long, hide = true)]
    list_profiles: bool,
    /// A node base URL with context (repeatable), or a target TOML file. Default: an
    /// embedded reference server.
    #[arg(long, value_name = "URL|FILE")]
    target: Vec<String>,
    /// Nodes of the embedded server (default 1; 2 for cluster-spread).
    #[arg(long)]
    nodes: Option<u16>,
    /// Defect switches of the embedded server.
    #[arg(long = "defect", value_name = "NAME")]
    defects: Vec<Defect>,
    /// Existing users, one `username,pin[,email]` per line, where users cannot be
    /// created (a `swivel` target needs the e-mail).
    #[arg(long, value_name = "FILE")]
    user_pool: Option<PathBuf>,
    /// Users to create (default: 4 per goose user, at least 100).
    #[arg(long)]
    pool_size: Option<usize>,
    /// This process's slice of the users, I/N (shards never share a user).
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Wire profile: a built-in name (`mobile-3.6`, `agentxml-3.6`) or a TOML file; the
    /// embedded server speaks it too.
    #[arg(long, value_name = "NAME|FILE", default_value = "mobile-3.6")]
    profile: String,
    /// Renamed to `--profile` (a clear error says so).
    #[arg(long, hide = true, value_name = "NAME|FILE")]
    wire_profile: Option<String>,
    /// Protocol errors tolerated before the run fails.
    #[arg(long, default_value_t = 0)]
    max_protocol_errors: u64,
    /// `swivel` targets: codes that never arrived by mail (within --delivery-wait)
    /// tolerated before the run fails. Without it they are counted and warned about,
    /// apart from protocol errors, and do not fail the run.
    #[arg(long, value_name = "N")]
    max_codes_not_arrived: Option<u64>,
    #[command(flatten)]
    remote: RemoteArgs,
    #[command(flatten)]
    kind: TargetKindArgs,
    #[command(flatten)]
    goose: GooseConfiguration,
}

impl std::fmt::Debug for LoadArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadArgs")
            .field("persona", &self.persona)
            .finish_non_exhaustive()
    }
}

/// Goose's error with its detail (its Display leaves the detail out).
fn goose_error(e: &GooseError) -> String {
    match e {
        GooseError::InvalidOption {
            option,
            value,
            detail,
        } => format!("invalid {option} {value:?}: {detail}"),
        other => format!("{other}: {other:?}"),
    }
}

/// The `--test-plan` given on the command line (goose keeps the parsed plan private, so
/// it is read from the arguments).
fn test_plan_arg() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().enumerate().find_map(|(i, a)| {
        if a == "--test-plan" || a == "-T" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--test-plan=").map(str::to_string)
        }
    })
}

/// The most users a `--test-plan` given on the command line starts.
fn test_plan_users() -> Option<usize> {
    let plan: goose::test_plan::TestPlan = test_plan_arg()?.parse().ok()?;
    plan.steps.iter().map(|s| s.0).max()
}

/// The run's settings as the load report shows them.
fn settings(
    args: &LoadArgs,
    persona: &str,
    target: &LoadTarget,
    goose_users: usize,
) -> Vec<Setting> {
    let g = &args.goose;
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "(not set)".into());
    [
        ("persona", persona.to_string()),
        ("wire profile", args.profile.clone()),
        ("target", target.describe(&args.defects)),
        ("goose users", goose_users.to_string()),
        ("increase rate", or_none(g.increase_rate.clone())),
        ("run time", or_none(g.run_time.clone())),
        ("iterations", or_none(g.iterations.map(|i| i.to_string()))),
        ("test plan", or_none(test_plan_arg())),
        (
            "throttle (requests/s)",
            or_none(g.throttle_requests.map(|t| t.to_string())),
        ),
        ("user pool", target.users_via().to_string()),
        (
            "shard",
            args.shard
                .map_or("1/1".into(), |s| format!("{}/{}", s.index, s.count)),
        ),
        ("thresholds", g.threshold.join(", ")),
        ("max protocol errors", args.max_protocol_errors.to_string()),
    ]
    .into_iter()
    .map(|(name, value)| Setting {
        name: name.into(),
        value,
    })
    .collect()
}

fn root_of(node: &str) -> String {
    let after = node.split_once("://").map_or(0, |(s, _)| s.len() + 3);
    match node[after..].find('/') {
        Some(i) => node[..after + i].to_string(),
        None => node.to_string(),
    }
}

/// Runs the load test.
pub async fn run(mut args: LoadArgs) -> anyhow::Result<u8> {
    if args.list_profiles {
        bail!(
            "`load --list-profiles` is now `load --list-personas` (`--profile` names the wire profile)"
        );
    }
    if let Some(wire) = &args.wire_profile {
        bail!(
            "`load --wire-profile` is now `load --profile {wire}`; the load persona is `--persona`"
        );
    }
    if PERSONAS.iter().any(|p| p.0 == args.profile) {
        bail!(
            "`load --profile` names the wire profile now; for the load persona use `load --persona {}`",
            args.profile
        );
    }
    if args.list_personas {
        let mut out = String::new();
        for (name, what) in PERSONAS {
            out.push_str(&format!("{name:<16} {what}\n"));
        }
        super::say(&out);
        return Ok(super::EXIT_OK);
    }
    if args.kind.max_wait.is_some() {
        bail!(
            "--max-wait caps a conformance case's real waits (`run`); `load` waits for nothing but mail, which --delivery-wait caps"
        );
    }
    let Some(persona) = args.persona.clone() else {
        bail!("`load` needs `--persona NAME`; `load --list-personas` shows them");
    };
    if !PERSONAS.iter().any(|p| p.0 == persona) {
        bail!("no load persona {persona:?}; `load --list-personas` shows them");
    }
    let profile = Arc::new(WireProfile::resolve(&args.profile)?);
    let ca_cert_pem = args.remote.ca_cert_pem()?;
    if args.remote.insecure {
        args.goose.accept_invalid_certs = true;
    }
    let shard = args.shard.unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let goose_users = args
        .goose
        .users
        .or_else(test_plan_users)
        .unwrap_or(cpus)
        .max(1);

    let pool_size = args.pool_size.unwrap_or((goose_users * 4).max(100));
    let pool_file = match &args.user_pool {
        Some(path) => Some(path.clone()),
        None => args.kind.file_user_pool(&args.target)?,
    };
    let (mut users, pool_text) = match &pool_file {
        Some(path) => (
            pool::from_file(path, shard).map_err(anyhow::Error::msg)?,
            path.display().to_string(),
        ),
        None => (
            pool::generated(pool_size, shard),
            format!("{pool_size} generated"),
        ),
    };
    if users.len() < goose_users {
        bail!(
            "{} pool users for {goose_users} goose users: every goose user needs its own (--pool-size)",
            users.len()
        );
    }
    let mut target = LoadTarget::resolve(
        &args.kind,
        &args.target,
        &args.remote,
        LoadWants {
            persona: &persona,
            generated: pool_file.is_none(),
            users: &mut users,
            shard,
            pool_text,
            embedded_nodes: args.nodes,
            defects: &args.defects,
            user_pool: pool_file.clone(),
            profile: profile.clone(),
        },
    )
    .await?;
    if persona == personas::cluster_spread::NAME && target.nodes.len() < 2 {
        bail!("cluster-spread needs at least 2 nodes (--nodes 2, or several --target URLs)");
    }

    let ctx = Arc::new(LoadContext {
        profile,
        nodes: target.nodes.clone(),
        codes: target.code_source(),
        agent_secret: args.remote.agent_secret.clone(),
        session_sharing: target.sharing,
        pool: users,
        goose_users,
        ca_cert_pem,
        stats: LoadStats::default(),
        samples: SampleLog::default(),
    });
    let settings = settings(&args, &persona, &target, goose_users);

    // Goose's options, with our defaults where the user gave none.
    let goose = &mut args.goose;
    if goose.host.is_none() {
        goose.host = Some(root_of(&target.nodes[0]));
    }
    if goose.users.is_none() && test_plan_users().is_none() {
        goose.users = Some(goose_users);
    }
    if !goose.websocket {
        goose.no_websocket = true;
    }
    goose.no_telnet = true;
    if goose.threshold.is_empty() {
        goose.threshold.push(DEFAULT_THRESHOLD.to_string());
    }
    let run_id = new_run_id();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let report_dir = if goose.report_file.is_empty() {
        let dir = PathBuf::from("reports").join(format!("load-{persona}-{run_id}"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for name in ["report.html", "report.json", "report.md"] {
            goose.report_file.push(dir.join(name).display().to_string());
        }
        dir
    } else {
        PathBuf::from(&goose.report_file[0])
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default()
    };

    let mut attack = GooseAttack::initialize_with_config(args.goose.clone())
        .map_err(|e| anyhow::anyhow!(goose_error(&e)))?;
    for scenario in personas::build(&persona, &ctx).map_err(|e| anyhow::anyhow!(goose_error(&e)))? {
        attack = attack.register_scenario(scenario);
    }
    if let Err(e) = target.set_up(&persona, &ctx.pool).await {
        target.tear_down().await;
        return Err(e);
    }
    let outcome = attack.execute().await;
    let target_kind = target.kind();
    let sinks = target.sinks();
    target.tear_down().await;

    let summary = ctx.summary();
    let samples = ctx.samples.snapshot();
    let (_, written) = finish(
        &report_dir,
        RunEnd {
            run_id,
            started_at,
            persona: &persona,
            target_kind,
            wire_profile: &ctx.profile.name,
            shard: format!("{}/{}", shard.index, shard.count),
            settings,
            protocol: summary.clone(),
            max_protocol_errors: args.max_protocol_errors,
            sinks: sinks.clone(),
            metrics: match &outcome {
                Ok(metrics) => Some(metrics),
                Err(GooseError::ThresholdsFailed { metrics, .. }) => Some(&*metrics.0),
                Err(_) => None,
            },
            thresholds_failed: matches!(outcome, Err(GooseError::ThresholdsFailed { .. })),
            goose_ok: outcome.is_ok(),
            report_files: &args.goose.report_file,
            samples: &samples,
        },
    )
    .context("writing the load report")?;
    let mut out = format!(
        "\nswivel-harness load --persona {persona} (target: {target_kind}): protocol checks\n\n{}",
        summary.to_markdown()
    );
    out.push('\n');
    if !sinks.is_empty() {
        out.push_str(&sinks::markdown(&sinks));
        out.push('\n');
    }
    for path in &written {
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    for file in &args.goose.report_file {
        out.push_str(&format!("goose report: {file}\n"));
    }
    let mut failed = false;
    if summary.protocol_error_total > args.max_protocol_errors {
        out.push_str(&format!(
            "FAIL: {} protocol error(s), more than the {} allowed (--max-protocol-errors)\n",
            summary.protocol_error_total, args.max_protocol_errors
        ));
        failed = true;
    }
    let lost = summary.codes_not_arrived;
    match args.max_codes_not_arrived {
        Some(limit) if lost > limit => {
            out.push_str(&format!(
                "FAIL: {lost} code(s) never arrived, more than the {limit} allowed (--max-codes-not-arrived)\n"
            ));
            failed = true;
        }
        None if lost > 0 => out.push_str(&format!(
            "WARN: {lost} code(s) never arrived (the server's delivery or the mail path); --max-codes-not-arrived N makes this fail the run\n"
        )),
        _ => {}
    }
    match outcome {
        Ok(_) => {}
        Err(GooseError::ThresholdsFailed { .. }) => {
            out.push_str("FAIL: a threshold failed (see goose's report)\n");
            failed = true;
        }
        Err(e) => {
            super::say(&out);
            bail!("goose: {}", goose_error(&e));
        }
    }
    super::say(&out);
    Ok(if failed { 1 } else { super::EXIT_OK })
}
