//! `swivel-harness list`: the suites and cases without sending any traffic, or with
//! `--rules` the rule coverage matrix (every rule of protocol.md and the cases citing it).

use clap::Args;
use swivel_harness::rules;

use super::{EXIT_OK, SelectArgs, read_cases};
use crate::cli::EXIT_ENVIRONMENT;

/// Options of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the rule coverage matrix instead of the cases.
    #[arg(long)]
    rules: bool,
    #[command(flatten)]
    select: SelectArgs,
}

/// Lists cases or rules.
pub fn run(args: &ListArgs) -> anyhow::Result<u8> {
    let cases = read_cases(&args.select)?;
    let mut out = String::new();
    if args.rules {
        let mut uncovered = 0;
        out.push_str(&format!(
            "{:<7} {:<7} {:>5}  CASES\n",
            "RULE", "LEVEL", "COUNT"
        ));
        let (server, client): (Vec<_>, Vec<_>) =
            rules::all().iter().partition(|r| r.judged_by_run());
        for r in &server {
            let ids: Vec<&str> = cases
                .iter()
                .filter(|c| c.rules.contains(&r.id))
                .map(|c| c.id.as_str())
                .collect();
            if ids.is_empty() {
                uncovered += 1;
            }
            let listed = if ids.is_empty() {
                "NOT COVERED".to_string()
            } else {
                ids.join(", ")
            };
            out.push_str(&format!(
                "{:<7} {:<7} {:>5}  {listed}\n",
                r.id,
                r.level.to_string(),
                ids.len()
            ));
        }
        for r in &client {
            out.push_str(&format!(
                "{:<7} {:<7} {:>5}  client rule: judged by certification from an app's traffic, not by `run`\n",
                r.id,
                r.level.to_string(),
                "-"
            ));
        }
        out.push_str(&format!(
            "{} server rules, {} covered, {uncovered} not covered, by {} cases; {} client rules ({}) for certification\n",
            server.len(),
            server.len() - uncovered,
            cases.len(),
            client.len(),
            client.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
        super::say(&out);
        return Ok(if uncovered == 0 || has_filters(&args.select) {
            EXIT_OK
        } else {
            EXIT_ENVIRONMENT
        });
    }
    let mut suite = "";
    for c in &cases {
        if c.suite != suite {
            suite = &c.suite;
            out.push_str(&format!("{suite}\n"));
        }
        out.push_str(&format!(
            "  {:<40} {:<6} {:<22} {}\n",
            c.id,
            c.level.to_string(),
            c.rules.join(","),
            c.title
        ));
    }
    out.push_str(&format!("{} cases\n", cases.len()));
    super::say(&out);
    Ok(EXIT_OK)
}

fn has_filters(s: &SelectArgs) -> bool {
    !(s.suite.is_empty() && s.case.is_empty() && s.tag.is_empty() && s.rule.is_empty())
}
