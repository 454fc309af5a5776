//! Command-line definition (clap derive) and dispatch to each subcommand's module.

mod serve;

use clap::{Parser, Subcommand};

/// Exit code: usage or environment error (design.md).
pub const EXIT_ENVIRONMENT: u8 = 2;
/// Exit code: everything went as asked.
pub const EXIT_OK: u8 = 0;

/// Conformance and load-testing harness for the Swivel mobile-client provisioning protocol.
#[derive(Debug, Parser)]
#[command(name = "swivel-harness", version, about)]
pub struct Cli {
    /// More log output on stderr (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the reference server: N nodes over one in-memory repository, plus the control API.
    Serve(serve::ServeArgs),
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
        Command::Serve(args) => serve::run(args).await,
    }
}
