//! Command-line definition (clap derive) and dispatch to each subcommand's module, plus
//! what several subcommands share: case selection, signal handling, stdout writing.

mod capture_args;
mod certify;
mod explore;
mod list;
mod load_target;
mod load_test;
mod profile;
mod report;
mod run;
mod serve;
mod target_kind;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use swivel_harness::report::Selection;
use swivel_harness::runner::select;
use swivel_harness::scenario::{self, Case};

/// Exit code: usage or environment error (design.md).
pub const EXIT_ENVIRONMENT: u8 = 2;
/// Exit code: everything went as asked.
pub const EXIT_OK: u8 = 0;

/// Conformance and load-testing harness for the Swivel mobile-client provisioning protocol.
#[derive(Parser)]
#[command(name = "swivel-harness", version, about)]
pub struct Cli {
    /// More log output on stderr (-v: debug, -vv: trace), given before the command.
    /// RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance suites (default target: a fresh embedded reference server per case).
    Run(run::RunArgs),
    /// List suites and cases (or, with --rules, the rule coverage matrix) without traffic.
    List(list::ListArgs),
    /// Run the reference server: N nodes over one in-memory repository, plus the control API.
    Serve(serve::ServeArgs),
    /// Load-test provisioning with a goose profile; goose's options pass through.
    Load(Box<load_test::LoadArgs>),
    /// Random histories checked against a model, shrunk and written back as cases.
    Explore(explore::ExploreArgs),
    /// Work with saved reports: `report merge` combines load shards' request logs,
    /// `report compare` compares two runs.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Calibrate a wire profile from a capture (HAR): `profile check` compares a profile
    /// with it part by part, `profile infer` writes one that matches it, `profile redact`
    /// writes a copy safe to share.
    Profile {
        #[command(subcommand)]
        command: profile::ProfileCommand,
    },
    /// Certify a mobile app: a reference server for it, a console page that walks the
    /// tester through a plan, client rules judged from its traffic, an evidence bundle
    /// (`certify verify BUNDLE` checks one); `--self-test` certifies the emulated app.
    Certify(Box<certify::CertifyArgs>),
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// How `run` and `load` reach a running server (`--target`), and trust it over HTTPS.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Control API of the target (it issues codes and shows the outbox and log).
    #[arg(long)]
    pub control_url: Option<String>,
    /// Control API token.
    #[arg(long, env = "SWIVEL_CONTROL_TOKEN", hide_env_values = true)]
    pub control_token: Option<String>,
    /// The target's session sharing, when its control API cannot tell (for `load`
    /// without a target: that of the embedded server).
    #[arg(long, value_enum)]
    pub session_sharing: Option<OnOff>,
    /// Agent secret for login requests.
    #[arg(
        long,
        env = "SWIVEL_AGENT_SECRET",
        hide_env_values = true,
        default_value = "swivel-harness-secret"
    )]
    pub agent_secret: String,
    /// Trust this CA certificate (PEM) for HTTPS targets.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (self-signed test servers only).
    #[arg(long)]
    pub insecure: bool,
}

impl RemoteArgs {
    /// The `--ca-cert` file's contents, checked to hold a PEM certificate.
    pub fn ca_cert_pem(&self) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(path) = &self.ca_cert else {
            return Ok(None);
        };
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read --ca-cert {}", path.display()))?;
        reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("--ca-cert {} holds no PEM certificate", path.display()))?;
        Ok(Some(pem))
    }
}

/// Which cases to run or list.
#[derive(Debug, Args, Default)]
pub struct SelectArgs {
    /// Also load the suites (*.toml) in this directory (repeatable).
    #[arg(long = "scenarios", value_name = "DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Only these suites (repeatable; a trailing * matches by prefix).
    #[arg(long)]
    pub suite: Vec<String>,
    /// Only these cases.
    #[arg(long)]
    pub case: Vec<String>,
    /// Only cases with these tags.
    #[arg(long)]
    pub tag: Vec<String>,
    /// Only cases citing these rules.
    #[arg(long)]
    pub rule: Vec<String>,
}

impl SelectArgs {
    /// The filters, as the report records them (no waivers file yet).
    pub fn selection(&self) -> Selection {
        Selection {
            suites: self.suite.clone(),
            cases: self.case.clone(),
            tags: self.tag.clone(),
            rules: self.rule.clone(),
            waivers: None,
        }
    }
}

/// Loads the built-in suites and those of `--scenarios`, and validates them together.
pub fn read_all_cases(args: &SelectArgs) -> anyhow::Result<Vec<Case>> {
    let mut suites = scenario::read_builtin()?;
    for dir in &args.scenarios {
        suites.extend(scenario::read_dir(dir)?);
    }
    Ok(scenario::read::validate(&suites)?)
}

/// The loaded cases that the selection keeps.
pub fn read_cases(args: &SelectArgs) -> anyhow::Result<Vec<Case>> {
    Ok(select::select(&args.selection(), read_all_cases(args)?))
}

/// Writes to stdout, ignoring a closed pipe (`swivel-harness list | head` must not panic).
pub fn say(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Logs to stderr; quiet by default so stdout stays for results.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the chosen subcommand and returns the process exit code.
pub async fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::List(args) => list::run(&args),
        Command::Serve(args) => serve::run(args).await,
        Command::Load(args) => load_test::run(*args).await,
        Command::Explore(args) => explore::run(args).await,
        Command::Report { command } => report::run(&command),
        Command::Profile { command } => profile::run(&command),
        Command::Certify(args) => certify::run(*args).await,
    }
}
