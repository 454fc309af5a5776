//! One case's section of the HTML report: a `<details>` block (open for FAIL,
//! INCONCLUSIVE and NON-STRICT) with Requirement / Expected / Actual and the transcript,
//! request and response bodies in `<pre>`. All text goes through `escape_html`.

use std::fmt::Write as _;

use super::html::{badge, case_anchor, escape_html};
use super::model::{CaseReport, TranscriptEntry};
use super::text;
use crate::verdict::Verdict;

/// Writes `case`'s section.
pub(crate) fn case_section(o: &mut String, c: &CaseReport) -> std::fmt::Result {
    let open = if matches!(
        c.verdict,
        Verdict::Fail | Verdict::Inconclusive | Verdict::NonStrict
    ) {
        " open"
    } else {
        ""
    };
    writeln!(
        o,
        "<details class=\"case\" id=\"{}\"{open}>\n<summary>{} {}: {} <span class=\"meta\">({} ms, attempts {})</span></summary>",
        case_anchor(&c.id),
        badge(c.verdict),
        escape_html(&c.id),
        escape_html(&c.title),
        c.duration_ms,
        c.attempts
    )?;
    let tags = if c.tags.is_empty() {
        "none".to_string()
    } else {
        text::joined(&c.tags)
    };
    writeln!(o, "<dl class=\"rea\">")?;
    let rows = [
        ("Suite", c.suite.as_str()),
        ("Rules", &text::joined(&c.rules)),
        ("Level", &c.level.to_string()),
        ("Tags", &tags),
        ("Configuration", c.configuration.as_deref().unwrap_or("")),
        ("Reason", c.reason.as_deref().unwrap_or("")),
        ("Requirement", &c.requirement),
        ("Expected", &c.expected),
        ("Actual", &c.actual),
    ];
    for (k, v) in rows {
        if matches!(k, "Reason" | "Configuration") && v.is_empty() {
            continue;
        }
        writeln!(o, "<dt>{k}</dt><dd>{}</dd>", escape_html(v))?;
    }
    writeln!(o, "</dl>")?;
    if c.transcript.is_empty() {
        writeln!(o, "<p><em>No transcript: the case did not run.</em></p>")?;
    } else {
        writeln!(o, "<h4>Transcript</h4>\n<ol class=\"transcript\">")?;
        for e in &c.transcript {
            write!(o, "<li>")?;
            entry(o, e)?;
            writeln!(o, "</li>")?;
        }
        writeln!(o, "</ol>")?;
    }
    writeln!(o, "</details>")
}

fn pre(body: &str) -> String {
    if body.is_empty() {
        "<p><em>(empty)</em></p>".to_string()
    } else {
        // A newline right after <pre> is dropped by parsers; this one keeps the body's own.
        format!("<pre>\n{}</pre>", escape_html(body))
    }
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
                "<strong>Step {step}: {}</strong> <span class=\"meta\">({elapsed_ms} ms{node})</span>",
                escape_html(action)
            )?;
            writeln!(
                o,
                "<div>→ <code>{} {}</code></div>\n{}",
                escape_html(method),
                escape_html(url),
                pre(request)
            )?;
            writeln!(
                o,
                "<div>← <code>{}</code></div>\n{}",
                text::status_line(*status),
                pre(response)
            )?;
            write!(
                o,
                "<div>Outcome <code>{}</code> · app shows “{}”</div>",
                escape_html(outcome),
                escape_html(app_message)
            )
        }
        TranscriptEntry::Control {
            step,
            action,
            detail,
        } => write!(
            o,
            "<strong>Step {step}: control</strong> {}: {}",
            escape_html(action),
            escape_html(detail)
        ),
        TranscriptEntry::Clock {
            step,
            advanced_secs,
        } => {
            write!(
                o,
                "<strong>Step {step}: clock</strong> moved forward {advanced_secs} s"
            )
        }
        TranscriptEntry::Log { step, lines } => {
            write!(
                o,
                "<strong>Step {step}: log lines read</strong> ({})",
                lines.len()
            )?;
            if lines.is_empty() {
                Ok(())
            } else {
                write!(o, "\n{}", pre(&lines.join("\n")))
            }
        }
        TranscriptEntry::Check {
            step,
            what,
            expected,
            actual,
            verdict,
        } => write!(
            o,
            "<strong>Step {step}: check</strong> {} {}<br>expected: <code>{}</code><br>actual: <code>{}</code>",
            escape_html(what),
            badge(*verdict),
            escape_html(expected),
            escape_html(actual)
        ),
        TranscriptEntry::Note { text } => write!(o, "<em>Note:</em> {}", escape_html(text)),
    }
}
