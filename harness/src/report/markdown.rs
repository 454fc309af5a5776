//! The Markdown report (`report.md`) for people: a summary, the target and profile, the
//! failures first (Requirement / Expected / Actual), security observations, the rule
//! matrix, all cases, then every transcript in a collapsible `<details>` block. Meant for
//! GitHub/GitLab rendering (PR comments, CI job summaries); all report text is escaped.

use std::fmt::Write as _;

use super::md_case::{rea, transcript};
use super::md_escape::inline;
use super::model::RunReport;
use super::text;

/// `report` as GitHub-flavoured Markdown.
pub fn render_markdown(report: &RunReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_all(&mut out, report);
    out
}

fn write_all(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(o, "# Swivel conformance report {}\n", inline(&r.run_id))?;
    summary(o, r)?;
    target(o, r)?;
    configurations(o, r)?;
    if !r.waiver_problems.is_empty() {
        writeln!(
            o,
            "## Waiver problems\n\nEach of these fails the run (exit code 2).\n"
        )?;
        for p in &r.waiver_problems {
            writeln!(o, "- {}", inline(p))?;
        }
        writeln!(o)?;
    }
    problems(o, r)?;
    security(o, r)?;
    rule_matrix(o, r)?;
    case_table(o, r)?;
    skipped_needs(o, r)?;
    writeln!(o, "## Transcripts\n")?;
    for c in &r.cases {
        transcript(o, c)?;
    }
    Ok(())
}

fn exit_meaning(code: u8) -> &'static str {
    match code {
        0 => "all passed",
        1 => "at least one FAIL",
        2 => "usage or environment error, also an interrupted run or a waiver problem",
        3 => "no FAIL, but at least one INCONCLUSIVE",
        _ => "unknown",
    }
}

fn summary(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let s = &r.summary;
    writeln!(o, "## Summary\n\n| Item | Value |\n|---|---|")?;
    writeln!(o, "| Status | {} |", text::status_str(r.status))?;
    writeln!(
        o,
        "| Exit code | {}: {} |",
        s.exit_code,
        exit_meaning(s.exit_code)
    )?;
    writeln!(o, "| Duration | {} s |", text::secs(s.duration_ms))?;
    writeln!(o, "| Started | {} |", inline(&r.started_at))?;
    let finished = r.finished_at.as_deref().unwrap_or("not finished");
    writeln!(o, "| Finished | {} |", inline(finished))?;
    writeln!(
        o,
        "| Tool | {} {} |\n",
        inline(&r.tool.name),
        inline(&r.tool.version)
    )?;
    writeln!(o, "| Verdict | Cases | Meaning |\n|---|---:|---|")?;
    for v in text::VERDICTS {
        writeln!(o, "| {v} | {} | {} |", text::count(s, v), text::meaning(v))?;
    }
    writeln!(o, "| **Total** | **{}** | |\n", s.total)
}

fn list(o: &mut String, label: &str, items: &[String]) -> std::fmt::Result {
    if items.is_empty() {
        writeln!(o, "- {label}: none")
    } else {
        writeln!(o, "- {label}:")?;
        items
            .iter()
            .try_for_each(|i| writeln!(o, "  - {}", inline(i)))
    }
}

fn target(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let (t, p, sel) = (&r.target, &r.profile, &r.selection);
    writeln!(o, "## Target and profile\n")?;
    writeln!(o, "- Target kind: {}", inline(&t.kind))?;
    list(o, "Nodes", &t.nodes)?;
    writeln!(
        o,
        "- Capabilities: {}",
        inline(&text::joined(&t.capabilities))
    )?;
    for l in &t.listeners {
        writeln!(
            o,
            "- {} on {}: {}",
            l.name,
            inline(&l.address),
            inline(&l.summary())
        )?;
    }
    if !t.policies.is_empty() {
        list(
            o,
            "Policies, as the target file states them",
            &t.policy_items(),
        )?;
    }
    if !t.users_left.is_empty() {
        list(
            o,
            "**Users the run created and could not delete** (remove them by hand)",
            &t.users_left,
        )?;
    }
    if t.defects.is_empty() {
        writeln!(o, "- Defect switches: none")?;
    } else {
        writeln!(
            o,
            "- Defect switches: {}",
            inline(&text::joined(&t.defects))
        )?;
    }
    writeln!(
        o,
        "- Wire profile: {} (from {})",
        inline(&p.name),
        inline(&p.source)
    )?;
    list(
        o,
        "[HINT] parts (suggested by third-party material, not confirmed)",
        &p.hint_parts,
    )?;
    list(
        o,
        "[ASSUMED] parts (our choice; a real server may differ)",
        &p.assumed_parts,
    )?;
    let mut chosen = Vec::new();
    for (name, values) in [
        ("suites", &sel.suites),
        ("cases", &sel.cases),
        ("tags", &sel.tags),
        ("rules", &sel.rules),
    ] {
        if !values.is_empty() {
            chosen.push(format!("{name} {}", text::joined(values)));
        }
    }
    if let Some(w) = &sel.waivers {
        chosen.push(format!("waivers from {w}"));
    }
    let chosen = if chosen.is_empty() {
        "all cases".to_string()
    } else {
        chosen.join("; ")
    };
    writeln!(o, "- Selection: {}\n", inline(&chosen))
}

/// A combined report's runs, one row per configuration of the server.
fn configurations(o: &mut String, r: &RunReport) -> std::fmt::Result {
    if r.configurations.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "## Configurations\n\nCombined from {} runs against differently configured servers; each case comes from the runs that judged it (the worst verdict), and a case judged in none stays SKIPPED.\n",
        r.configurations.len()
    )?;
    writeln!(
        o,
        "| Configuration | Run | Nodes | Capabilities | Policies that differ | Judged | Cases taken from it |\n|---|---|---|---|---|---:|---:|"
    )?;
    for c in &r.configurations {
        writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} of {} | {} |",
            inline(&c.label),
            inline(&c.run_id),
            inline(&text::joined(&c.target.nodes)),
            inline(&text::joined(&c.target.capabilities)),
            inline(&text::joined(&text::differing_policies(r, c))),
            c.judged,
            c.total,
            c.chosen
        )?;
    }
    writeln!(o)
}

fn problems(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(o, "## Failures and non-strict results\n")?;
    let problems = text::problems(&r.cases);
    if problems.is_empty() {
        return writeln!(o, "None: no case is FAIL, INCONCLUSIVE or NON-STRICT.\n");
    }
    for c in problems {
        writeln!(
            o,
            "### {}: {} ({})\n",
            c.verdict,
            inline(&c.id),
            inline(&c.title)
        )?;
        writeln!(
            o,
            "**Rules:** {} ({})\n",
            inline(&text::joined(&c.rules)),
            c.level
        )?;
        if let Some(reason) = &c.reason {
            writeln!(o, "**Reason:** {}\n", inline(reason))?;
        }
        rea(o, c)?;
    }
    Ok(())
}

fn security(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(o, "## Security\n")?;
    let cases = text::security(&r.cases);
    if cases.is_empty() {
        return writeln!(o, "No case tagged `{}` was selected.\n", text::SECURITY_TAG);
    }
    writeln!(
        o,
        "Probes tagged `{}` record behaviour (mostly INFO); what was observed:\n",
        text::SECURITY_TAG
    )?;
    writeln!(
        o,
        "| Case | Rules | Verdict | Observed |\n|---|---|---|---|"
    )?;
    for c in cases {
        let observed = if c.actual.is_empty() {
            c.reason.as_deref().unwrap_or("")
        } else {
            &c.actual
        };
        writeln!(
            o,
            "| {} | {} | {} | {} |",
            inline(&c.id),
            inline(&text::joined(&c.rules)),
            c.verdict,
            inline(observed)
        )?;
    }
    writeln!(o)
}

fn rule_matrix(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let covered = r.rules.iter().filter(|row| row.verdict.is_some()).count();
    writeln!(
        o,
        "## Rule matrix\n\n{covered} of {} rules covered by the selected cases. {}\n",
        r.rules.len(),
        text::RULE_VERDICT_NOTE
    )?;
    writeln!(o, "| Rule | Level | Cases | Verdict |\n|---|---|---|---|")?;
    for row in &r.rules {
        let verdict = text::rule_verdict(row);
        let cases = if row.cases.is_empty() {
            "—".to_string()
        } else {
            inline(&text::joined(&row.cases))
        };
        writeln!(o, "| {} | {} | {cases} | {verdict} |", row.id, row.level)?;
    }
    writeln!(o)
}

fn case_table(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(
        o,
        "## Cases\n\n| ID | Suite | Level | Rules | Verdict | Reason |\n|---|---|---|---|---|---|"
    )?;
    for c in &r.cases {
        writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            inline(&c.id),
            inline(&c.suite),
            c.level,
            inline(&text::joined(&c.rules)),
            c.verdict,
            inline(c.reason.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(o)
}

/// The SKIPPED and NOT-RUN cases grouped by what they need.
fn skipped_needs(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let groups = text::skipped_by_need(&r.cases);
    if groups.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "## Not judged, by reason\n\n| Cases | Reason | IDs |\n|---:|---|---|"
    )?;
    for (need, ids) in &groups {
        writeln!(
            o,
            "| {} | {} | {} |",
            ids.len(),
            inline(need),
            inline(&ids.join(", "))
        )?;
    }
    writeln!(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::sample_report;

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!("sample_markdown", render_markdown(&sample_report()));
    }

    #[test]
    fn markdown_sections_and_escaping() {
        let md = render_markdown(&sample_report());
        let order = [
            "## Summary",
            "## Target and profile",
            "## Failures and non-strict",
            "## Security",
            "## Rule matrix",
            "## Cases",
            "## Transcripts",
        ];
        let positions: Vec<usize> = order.iter().map(|h| md.find(h).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert!(md.contains("**Requirement:** PC-5"));
        assert!(md.contains("**Actual:** second attempt accepted: PASS \\| device id \\[device-id-2\\]<br>no LOG-6 line"));
        assert!(md.contains("| PC-7 | SHOULD | — | not covered |"));
        // Every table row has exactly as many unescaped pipes as its header.
        for line in md.lines().filter(|l| l.starts_with("| ")) {
            let pipes = line.replace("\\|", "").matches('|').count();
            assert!([3, 4, 5, 7].contains(&pipes), "{line}");
        }
        // A body holding ``` gets a longer fence.
        assert!(md.contains("````text\n```\n<Result>PASS</Result>\n```\n````"));
        assert_eq!(md.matches("<details>").count(), 7);
        assert_eq!(md.matches("</details>").count(), 7);
    }
}
