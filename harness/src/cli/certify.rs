//! `swivel-harness certify`: certifies a real mobile app (a person at the console, or an
//! automation with `--auto`), or the harness's own emulated app (`--self-test`, with
//! `--app-defect` switches that each break one client rule); `certify verify BUNDLE`
//! checks an evidence bundle. Exit codes as for `run`: 0 passed, 1 a FAIL, 2 usage or
//! environment, 3 inconclusive only (no FAIL).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use rand::Rng;
use swivel_harness::certify::bundle;
use swivel_harness::certify::driver::DriveOptions;
use swivel_harness::certify::selftest::Answers;
use swivel_harness::certify::server::CertSource;
use swivel_harness::certify::{
    CertifyConfig, Conformance, Plan, Ready, ServerSettings, Tester, certify,
};
use swivel_harness::emulator::{ALL_APP_DEFECTS, AppDefect, AppDefects};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::{RunReport, new_run_id};
use tokio::io::BufReader;

use super::{EXIT_ENVIRONMENT, EXIT_OK, say};

/// Who answers in a self-test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelfTestAnswers {
    /// The emulated phone answers for itself.
    Itself,
    /// The tester answers on the console (the phone's screen is shown there).
    Console,
}

/// `certify verify`.
#[derive(Debug, Subcommand)]
pub enum CertifyCommand {
    /// Check an evidence bundle's manifest and print its verdict table.
    Verify {
        /// The bundle (`certification-….zip`).
        bundle: PathBuf,
    },
}

/// Options of `certify`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CertifyArgs {
    #[command(subcommand)]
    command: Option<CertifyCommand>,
    /// The conformance statement (TOML: name, version, platform, features).
    #[arg(long, value_name = "FILE")]
    conformance: Option<PathBuf>,
    /// The test plan (TOML); default: the built-in plan.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// The harness's emulated app is the app under test.
    #[arg(long)]
    self_test: bool,
    /// Self-test: who answers (the phone itself, or a tester at the console).
    #[arg(long, value_enum, default_value = "itself", requires = "self_test")]
    self_test_answers: SelfTestAnswers,
    /// Self-test: break a client rule in the emulated app (repeatable; see
    /// --list-app-defects).
    #[arg(long = "app-defect", value_name = "NAME", requires = "self_test")]
    app_defects: Vec<String>,
    /// List the app-defect switches and exit.
    #[arg(long)]
    list_app_defects: bool,
    /// The tester's answers as JSON lines from FILE, or `-` for stdin (an automation
    /// driving the phone). Steps are printed to stdout as JSON lines.
    #[arg(long, value_name = "FILE|-")]
    auto: Option<String>,
    /// The app's port. 0.0.0.0 lets a phone on the network reach it.
    #[arg(long, default_value = "127.0.0.1:8443")]
    bind: SocketAddr,
    /// The untrusted port of CLI-8 (port 0: any free port).
    #[arg(long)]
    untrusted_bind: Option<SocketAddr>,
    /// Host name (or address) the SSD tells the app; default: the bind address.
    #[arg(long)]
    host: Option<String>,
    /// Write the run's CA certificate (PEM) here, to install on the phone.
    #[arg(long, value_name = "FILE")]
    write_ca: Option<PathBuf>,
    /// A lab certificate chain (PEM) instead of the run's CA.
    #[arg(long, requires = "key", value_name = "FILE")]
    cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[arg(long, requires = "cert", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Tell the app to use plain HTTP (allowed; the reports say so).
    #[arg(long)]
    http: bool,
    /// Wire profile: `mobile-3.6` (default), `agentxml-3.6` or a TOML file.
    #[arg(long, default_value = "mobile-3.6")]
    profile: String,
    /// The Site ID.
    #[arg(long, default_value = "CERTIFY01")]
    site_id: String,
    /// The context.
    #[arg(long, default_value = "pinsafe")]
    context: String,
    /// The user the app provisions.
    #[arg(long, default_value = "certify-user")]
    username: String,
    /// Their PIN (4 to 10 digits); default: random.
    #[arg(long)]
    pin: Option<String>,
    /// Where the console listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    console_bind: SocketAddr,
    /// No console.
    #[arg(long)]
    no_console: bool,
    /// A step not done after this many seconds is judged with what it has.
    #[arg(long)]
    step_timeout: Option<u64>,
    /// Silence a negative step waits for (seconds); default: the plan's.
    #[arg(long)]
    quiet_secs: Option<u64>,
    /// Where the run directory goes.
    #[arg(long, default_value = "reports")]
    reports: PathBuf,
}

/// Runs `certify`.
pub async fn run(args: CertifyArgs) -> anyhow::Result<u8> {
    if let Some(CertifyCommand::Verify { bundle }) = &args.command {
        return verify(bundle);
    }
    if args.list_app_defects {
        let mut out = String::from("app defect                 rule    what it breaks\n");
        for d in ALL_APP_DEFECTS {
            out.push_str(&format!(
                "{:<26} {:<7} {}\n",
                d.name(),
                d.rule(),
                d.description()
            ));
        }
        say(&out);
        return Ok(EXIT_OK);
    }
    let mut defects = Vec::new();
    for name in &args.app_defects {
        match AppDefect::from_name(name) {
            Some(d) => defects.push(d),
            None => bail!(
                "unknown app defect {name:?}; known: {}",
                ALL_APP_DEFECTS
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    if args.self_test && args.auto.is_some() {
        bail!("--self-test and --auto exclude each other");
    }
    let conformance = match (&args.conformance, args.self_test) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Conformance::from_toml(&text, &path.display().to_string())?
        }
        (None, true) => Conformance::emulator(),
        (None, false) => bail!("--conformance FILE is required (or --self-test)"),
    };
    let plan = match &args.plan {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Plan::from_toml(&text, &path.display().to_string())?
        }
        None => Plan::builtin()?,
    };
    let profile = WireProfile::resolve(&args.profile)?;
    let pin = match &args.pin {
        Some(pin) => pin.clone(),
        None => random_pin(),
    };
    let quiet = Duration::from_secs(args.quiet_secs.unwrap_or(plan.quiet_secs));
    let default_timeout = if args.self_test && args.self_test_answers == SelfTestAnswers::Itself {
        30
    } else {
        600
    };
    let tester = if args.self_test {
        Tester::SelfTest {
            defects: AppDefects::of(defects),
            answers: match args.self_test_answers {
                SelfTestAnswers::Itself => Answers::Itself,
                SelfTestAnswers::Console => Answers::Console,
            },
        }
    } else if let Some(source) = &args.auto {
        if source == "-" {
            Tester::Auto(Box::new(BufReader::new(stdin_pipe())))
        } else {
            let file = tokio::fs::File::open(source)
                .await
                .with_context(|| format!("cannot read --auto {source}"))?;
            Tester::Auto(Box::new(BufReader::new(file)))
        }
    } else {
        Tester::Console
    };
    if matches!(tester, Tester::Console) && args.no_console {
        bail!("without --auto or --self-test the tester needs the console: drop --no-console");
    }
    let cert = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => CertSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => CertSource::RunCa,
    };
    let auto = args.auto.is_some();
    let config = CertifyConfig {
        run_id: new_run_id(),
        reports_root: args.reports.clone(),
        plan,
        conformance,
        server: ServerSettings {
            bind: args.bind,
            untrusted_bind: args
                .untrusted_bind
                .unwrap_or_else(|| SocketAddr::new(args.bind.ip(), 0)),
            host: args.host.clone(),
            cert,
            http: args.http,
            profile,
            site_id: args.site_id.clone(),
            context: args.context.clone(),
            username: args.username.clone(),
            pin,
        },
        drive: DriveOptions {
            step_timeout: Duration::from_secs(args.step_timeout.unwrap_or(default_timeout)),
            quiet,
            settle: Duration::from_millis(if args.self_test { 300 } else { 2000 }),
        },
        tester,
        write_ca: args.write_ca.clone(),
        console: (!args.no_console).then_some(args.console_bind),
    };
    let ready = |r: &Ready| print_ready(r, auto);
    let events = |event: serde_json::Value| {
        if auto {
            say(&format!("{event}\n"));
        } else if let Some(cases) = event.get("cases").and_then(|c| c.as_array()) {
            for c in cases {
                eprintln!(
                    "{:<14} {}",
                    c.get("verdict").and_then(|v| v.as_str()).unwrap_or(""),
                    c.get("case").and_then(|v| v.as_str()).unwrap_or("")
                );
            }
        }
    };
    let warn = |w: String| eprintln!("warning: {w}");
    let finished = match certify(config, &ready, &events, &warn).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ENVIRONMENT);
        }
    };
    let table = verdict_table(&finished.report);
    if auto {
        eprint!("{table}");
    } else {
        say(&table);
    }
    let tail = format!(
        "reports: {}\nbundle: {}\n",
        finished.run_dir.display(),
        finished.bundle.display()
    );
    if auto {
        eprint!("{tail}");
    } else {
        say(&tail);
    }
    Ok(finished.report.summary.exit_code)
}

fn print_ready(r: &Ready, auto: bool) {
    let mut lines = vec![
        format!(
            "app server: {} (Site ID {}, SSD at {})",
            r.app_url, r.site_id, r.ssd_url
        ),
        format!("run directory: {}", r.run_dir.display()),
    ];
    if let Some(ca) = &r.ca_path {
        lines.push(format!("CA certificate for the phone: {}", ca.display()));
    }
    if let Some(url) = &r.console_url {
        lines.push(format!("console: {url}"));
    }
    let text = lines.join("\n") + "\n";
    if auto {
        let json = serde_json::json!({
            "event": "ready",
            "app_url": r.app_url,
            "ssd_url": r.ssd_url,
            "site_id": r.site_id,
            "console": r.console_url,
        });
        say(&format!("{json}\n"));
        eprint!("{text}");
    } else {
        say(&text);
    }
}

/// Stdin as an async reader: a thread copies its lines into a pipe (the workspace's
/// tokio has no `io-std`). The thread ends with stdin or when the run drops the reader.
fn stdin_pipe() -> tokio::io::DuplexStream {
    let (reader, mut writer) = tokio::io::duplex(64 * 1024);
    let handle = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        use tokio::io::AsyncWriteExt as _;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let sent = handle.block_on(async {
                writer.write_all(line.as_bytes()).await?;
                writer.write_all(b"\n").await
            });
            if sent.is_err() {
                break;
            }
        }
    });
    reader
}

fn random_pin() -> String {
    let mut rng = rand::rng();
    loop {
        let pin: String = (0..4)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        let distinct = pin.chars().collect::<std::collections::BTreeSet<_>>().len();
        if distinct >= 3 {
            return pin;
        }
    }
}

/// The verdict table of a report.
fn verdict_table(report: &RunReport) -> String {
    let s = &report.summary;
    let mut out = format!("\n{:<13} {}\n", "VERDICT", "CASE");
    for c in &report.cases {
        let why = c
            .reason
            .as_deref()
            .map(|r| format!("  ({r})"))
            .unwrap_or_default();
        out.push_str(&format!("{:<13} {}{why}\n", c.verdict.as_str(), c.id));
    }
    out.push_str(&format!(
        "\n{} cases: {} PASS, {} NON-STRICT, {} FAIL, {} INFO, {} INCONCLUSIVE, {} SKIPPED; exit code {}\n",
        s.total, s.pass, s.non_strict, s.fail, s.info, s.inconclusive, s.skipped, s.exit_code
    ));
    out
}

fn verify(path: &std::path::Path) -> anyhow::Result<u8> {
    match bundle::verify(path) {
        Ok(v) => {
            say(&format!(
                "{}: {} entries match SHA256SUMS; the archive is intact\n{}\n",
                path.display(),
                v.entries,
                v.report.target.kind
            ));
            say(&verdict_table(&v.report));
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            Ok(1)
        }
    }
}
