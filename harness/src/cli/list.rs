//! `swivel-harness list`: the suites and cases without sending any traffic, or with
//! `--rules` the rule coverage matrix (every rule of protocol.md and the cases citing it,
//! from [`coverage`], the function that builds every report's matrix).

use clap::Args;
use swivel_harness::report::{CaseRef, Coverage, coverage};
use swivel_harness::rules::Judge;

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
        let matrix = coverage(cases.iter().map(CaseRef::from));
        out.push_str(&rules_table(&matrix, cases.len()));
        super::say(&out);
        return Ok(if matrix.uncovered() == 0 || has_filters(&args.select) {
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

/// The `--rules` table: one line per rule `run` judges, one per client rule, the rules
/// awaiting a judge, and the counts.
fn rules_table(matrix: &Coverage, cases: usize) -> String {
    let mut out = format!("{:<7} {:<7} {:>5}  CASES\n", "RULE", "LEVEL", "COUNT");
    for row in &matrix.rows {
        let listed = if row.cases.is_empty() {
            "NOT COVERED".to_string()
        } else {
            row.cases.join(", ")
        };
        out.push_str(&format!(
            "{:<7} {:<7} {:>5}  {listed}\n",
            row.id,
            row.level,
            row.cases.len()
        ));
    }
    for r in &matrix.certification {
        out.push_str(&format!(
            "{:<7} {:<7} {:>5}  client rule: judged by certification from an app's traffic, not by `run`\n",
            r.id, r.level, "-"
        ));
    }
    let awaiting: Vec<String> = matrix
        .awaiting
        .iter()
        .map(|r| match r.judge() {
            Judge::Awaiting(why) => format!("{} ({why})", r.id),
            Judge::Run | Judge::Certification => r.id.to_string(),
        })
        .collect();
    if !awaiting.is_empty() {
        out.push_str(&format!(
            "rules awaiting a judge: {}\n",
            awaiting.join(", ")
        ));
    }
    let ids = |rules: &[&swivel_harness::rules::Rule]| {
        rules
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = matrix.rows.len();
    let uncovered = matrix.uncovered();
    let awaiting = if matrix.awaiting.is_empty() {
        String::new()
    } else {
        format!(
            "; {} awaiting a judge ({})",
            matrix.awaiting.len(),
            ids(&matrix.awaiting)
        )
    };
    out.push_str(&format!(
        "{rows} server rules judged by `run`, {} covered, {uncovered} not covered, by {cases} cases{awaiting}; {} client rules ({}) for certification\n",
        rows - uncovered,
        matrix.certification.len(),
        ids(&matrix.certification),
    ));
    out
}
