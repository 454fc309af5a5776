//! One case's part of the Markdown report: Requirement / Expected / Actual as bold labels,
//! and the transcript in a collapsible `<details>` block (requests and responses in fenced
//! code blocks, control actions, clock moves, log lines, checks, notes).

use std::fmt::Write as _;

use super::md_escape::{fenced, html, inline};
use super::model::{CaseReport, TranscriptEntry};
use super::text;

/// `s` escaped, or `(none)` when empty.
pub(crate) fn or_none(s: &str) -> String {
    if s.is_empty() {
        "(none)".to_string()
    } else {
        inline(s)
    }
}

/// Requirement / Expected / Actual as bold labels, one per line.
pub(crate) fn rea(o: &mut String, c: &CaseReport) -> std::fmt::Result {
    writeln!(o, "**Requirement:** {}\n", or_none(&c.requirement))?;
    writeln!(o, "**Expected:** {}\n", or_none(&c.expected))?;
    writeln!(o, "**Actual:** {}\n", or_none(&c.actual))
}

pub(crate) fn transcript(o: &mut String, c: &CaseReport) -> std::fmt::Result {
    let attempts = if c.attempts == 1 {
        "1 attempt".to_string()
    } else {
        format!("{} attempts", c.attempts)
    };
    writeln!(
        o,
        "<details>\n<summary>{} · {}: {} ({} ms, {attempts})</summary>\n",
        c.verdict,
        html(&c.id),
        html(&c.title),
        c.duration_ms
    )?;
    writeln!(
        o,
        "**Rules:** {} ({})\n",
        inline(&text::joined(&c.rules)),
        c.level
    )?;
    if !c.tags.is_empty() {
        writeln!(o, "**Tags:** {}\n", inline(&text::joined(&c.tags)))?;
    }
    if let Some(config) = &c.configuration {
        writeln!(o, "**Configuration:** {}\n", inline(config))?;
    }
    if let Some(reason) = &c.reason {
        writeln!(o, "**Reason:** {}\n", inline(reason))?;
    }
    rea(o, c)?;
    if c.transcript.is_empty() {
        writeln!(o, "*No transcript: the case did not run.*\n")?;
    }
    for e in &c.transcript {
        entry(o, e)?;
    }
    writeln!(o, "</details>\n")
}

fn entry(o: &mut String, e: &TranscriptEntry) -> std::fmt::Result {
    match e {
        TranscriptEntry::Http {
            step,
            action,
            node,
            method,
            url,
            request,
            status,
            response,
            outcome,
            app_message,
            elapsed_ms,
        } => {
            let node = node.map(|n| format!(", node {n}")).unwrap_or_default();
            writeln!(
                o,
                "**Step {step} · {}** ({elapsed_ms} ms{node})\n",
                inline(action)
            )?;
            writeln!(o, "→ {} {}\n", inline(method), inline(url))?;
            writeln!(o, "{}", fenced(request))?;
            writeln!(o, "← {}\n", text::status_line(*status))?;
            writeln!(o, "{}", fenced(response))?;
            writeln!(o, "Outcome: {}\n", inline(outcome))?;
            writeln!(o, "App message: {}\n", inline(app_message))
        }
        TranscriptEntry::Control {
            step,
            action,
            detail,
        } => {
            writeln!(
                o,
                "**Step {step} · control:** {}: {}\n",
                inline(action),
                inline(detail)
            )
        }
        TranscriptEntry::Clock {
            step,
            advanced_secs,
        } => {
            writeln!(
                o,
                "**Step {step} · clock:** moved forward {advanced_secs} s\n"
            )
        }
        TranscriptEntry::Log { step, lines } => {
            writeln!(o, "**Step {step} · log lines read:** {}\n", lines.len())?;
            if lines.is_empty() {
                Ok(())
            } else {
                writeln!(o, "{}", fenced(&lines.join("\n")))
            }
        }
        TranscriptEntry::Check {
            step,
            what,
            expected,
            actual,
            verdict,
        } => writeln!(
            o,
            "**Step {step} · check:** {}: **{verdict}**\n\n- expected: {}\n- actual: {}\n",
            inline(what),
            or_none(expected),
            or_none(actual)
        ),
        TranscriptEntry::Note { text } => writeln!(o, "*Note:* {}\n", inline(text)),
    }
}
