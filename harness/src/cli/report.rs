//! `swivel-harness report merge LOG... [--out DIR]`: one exact report from the request
//! logs of several load shards (see `load/merge.rs`).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use swivel_harness::load_test::merge::merge_logs;

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge shards' request logs (written with --request-log FILE --request-format json).
    Merge(MergeArgs),
}

/// Options of `report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The request logs.
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Where to write merged.md and merged.json (default: print Markdown only).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs a `report` subcommand.
pub fn run(command: &ReportCommand) -> anyhow::Result<u8> {
    match command {
        ReportCommand::Merge(args) => {
            let paths: Vec<&std::path::Path> = args.logs.iter().map(PathBuf::as_path).collect();
            let merged = merge_logs(&paths)?;
            let markdown = merged.to_markdown();
            if let Some(dir) = &args.out {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                std::fs::write(dir.join("merged.md"), &markdown)?;
                std::fs::write(
                    dir.join("merged.json"),
                    serde_json::to_string_pretty(&merged)? + "\n",
                )?;
            }
            super::say(&markdown);
            Ok(super::EXIT_OK)
        }
    }
}
