//! A conformance comparison as Markdown (also the terminal output) and as one
//! self-contained HTML page: the verdict, both runs, then one section per kind of change
//! (new FAIL first), each case with its verdicts, the new run's reason and the first
//! observations that differ.

use std::fmt::Write as _;

use super::conformance::{CaseChange, ChangeKind, ConformanceComparison, ConformanceSide};
use super::page::{esc, md, page, status};
use crate::verdict::Verdict;

fn verdict(c: &ConformanceComparison) -> &'static str {
    if c.passed { "PASS" } else { "FAIL" }
}

fn side(s: &ConformanceSide) -> String {
    format!(
        "{} (run {}, profile {}, {}; {} cases, {} FAIL)",
        s.source, s.run_id, s.profile, s.target, s.cases, s.fail
    )
}

fn v(x: Option<Verdict>) -> &'static str {
    x.map_or("–", Verdict::as_str)
}

/// The changes grouped by kind, in kind order.
fn sections(c: &ConformanceComparison) -> Vec<(ChangeKind, Vec<&CaseChange>)> {
    let mut out: Vec<(ChangeKind, Vec<&CaseChange>)> = Vec::new();
    for change in &c.changes {
        match out.last_mut() {
            Some((kind, list)) if *kind == change.kind => list.push(change),
            _ => out.push((change.kind, vec![change])),
        }
    }
    out
}

fn counts(c: &ConformanceComparison) -> String {
    let s = sections(c);
    if s.is_empty() {
        return "No case changed verdict or observations.".into();
    }
    s.iter()
        .map(|(k, l)| format!("{}: {}", k.title(), l.len()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Markdown.
pub fn markdown(c: &ConformanceComparison) -> String {
    let mut out = format!(
        "# Conformance comparison: {}\n\n- baseline: {}\n- new: {}\n\n{}\n",
        verdict(c),
        md(&side(&c.baseline)),
        md(&side(&c.new)),
        counts(c)
    );
    for n in &c.notes {
        let _ = writeln!(out, "\nNote: {}", md(n));
    }
    for (kind, list) in sections(c) {
        let _ = writeln!(
            out,
            "\n## {} ({})\n\n| case | title | baseline | new | reason |\n|---|---|---|---|---|",
            kind.title(),
            list.len()
        );
        for ch in &list {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&ch.id),
                md(&ch.title),
                v(ch.baseline),
                v(ch.new),
                md(ch.reason.as_deref().unwrap_or(""))
            );
        }
        let detailed: Vec<_> = list.iter().filter(|c| !c.details.is_empty()).collect();
        if !detailed.is_empty() {
            out.push_str("\nWhat was observed differently:\n\n");
            for ch in detailed {
                let _ = writeln!(out, "- `{}`", ch.id.replace('`', "'"));
                for d in &ch.details {
                    let _ = writeln!(out, "  - {}", md(d));
                }
            }
        }
    }
    out
}

/// The HTML page.
pub fn html(c: &ConformanceComparison) -> String {
    let mut body = format!(
        "<p>Result: {}</p><ul><li>baseline: {}</li><li>new: {}</li></ul><p>{}</p>",
        status(verdict(c)),
        esc(&side(&c.baseline)),
        esc(&side(&c.new)),
        esc(&counts(c))
    );
    for n in &c.notes {
        let _ = write!(body, "<p>Note: {}</p>", esc(n));
    }
    for (kind, list) in sections(c) {
        let _ = write!(
            body,
            "<h2>{} ({})</h2><table><tr><th>case</th><th>title</th><th>baseline</th><th>new</th><th>reason and differences</th></tr>",
            esc(kind.title()),
            list.len()
        );
        for ch in list {
            let mut details = esc(ch.reason.as_deref().unwrap_or(""));
            if !ch.details.is_empty() {
                details.push_str("<ul class=d>");
                for d in &ch.details {
                    let _ = write!(details, "<li>{}</li>", esc(d));
                }
                details.push_str("</ul>");
            }
            let _ = write!(
                body,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{details}</td></tr>",
                esc(&ch.id),
                esc(&ch.title),
                v(ch.baseline),
                v(ch.new)
            );
        }
        body.push_str("</table>");
    }
    page(&format!("Conformance comparison: {}", verdict(c)), &body)
}
