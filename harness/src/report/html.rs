//! The HTML report (`report.html`): one self-contained HTML5 page for people without a
//! Markdown viewer. Inline CSS only, no scripts, no external resources; a
//! Content-Security-Policy meta tag (`default-src 'none'`) makes the browser refuse any
//! request the page might otherwise make. Every piece of report text goes through
//! [`escape_html`]. Per-case sections live in `html_case.rs`.

use std::fmt::Write as _;

use super::html_case::case_section;
use super::model::RunReport;
use super::text;
use crate::verdict::Verdict;

/// The page's Content-Security-Policy: nothing may load except inline styles.
pub(crate) const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// The page's style sheet (no `url(`, no `@import`: nothing to fetch).
pub(crate) const CSS: &str = include_str!("report.css");

/// `s` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe as HTML text and as a
/// quoted attribute value.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSS class of a verdict: `v-pass`, `v-non-strict`, …
pub(crate) fn verdict_class(v: Verdict) -> String {
    format!("v-{}", v.as_str().to_ascii_lowercase())
}

/// A coloured verdict badge.
pub(crate) fn badge(v: Verdict) -> String {
    format!(
        "<span class=\"badge {}\" title=\"{}\">{v}</span>",
        verdict_class(v),
        escape_html(text::meaning(v))
    )
}

/// The anchor of a case's section (ASCII letters, digits, `-` and `_` only).
pub(crate) fn case_anchor(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("case-{slug}")
}

/// `report` as one self-contained HTML5 page.
pub fn render_html(report: &RunReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = page(&mut out, report);
    out
}

fn page(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let id = escape_html(&r.run_id);
    writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
    )?;
    writeln!(o, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        o,
        "<title>Swivel conformance report {id}</title>\n<style>{CSS}</style>\n</head>\n<body>"
    )?;
    header(o, r)?;
    target(o, r)?;
    if !r.waiver_problems.is_empty() {
        writeln!(
            o,
            "<section>\n<h2>Waiver problems</h2>\n<p>Each of these fails the run (exit code 2).</p>\n<ul>"
        )?;
        for p in &r.waiver_problems {
            writeln!(o, "<li>{}</li>", escape_html(p))?;
        }
        writeln!(o, "</ul>\n</section>")?;
    }
    problems(o, r)?;
    security(o, r)?;
    rules(o, r)?;
    cases(o, r)?;
    skipped_needs(o, r)?;
    writeln!(o, "<section>\n<h2>Case details</h2>")?;
    for c in &r.cases {
        case_section(o, c)?;
    }
    writeln!(o, "</section>\n</body>\n</html>")
}

fn header(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let s = &r.summary;
    writeln!(o, "<header>\n<h1>Swivel conformance report</h1>")?;
    writeln!(
        o,
        "<p class=\"meta\">Run <code>{}</code> · status <strong>{}</strong> · exit code <strong>{}</strong> · {} s · target {} · profile {}</p>",
        escape_html(&r.run_id),
        text::status_str(r.status),
        s.exit_code,
        text::secs(s.duration_ms),
        escape_html(&r.target.kind),
        escape_html(&r.profile.name)
    )?;
    let finished = r.finished_at.as_deref().unwrap_or("not finished");
    writeln!(
        o,
        "<p class=\"meta\">Started {} · finished {} · {} {}</p>\n</header>",
        escape_html(&r.started_at),
        escape_html(finished),
        escape_html(&r.tool.name),
        escape_html(&r.tool.version)
    )?;
    writeln!(o, "<section class=\"boxes\">")?;
    writeln!(
        o,
        "<div class=\"box total\"><span class=\"n\">{}</span>total</div>",
        s.total
    )?;
    for v in text::VERDICTS {
        let n = text::count(s, v);
        let zero = if n == 0 { " zero" } else { "" };
        writeln!(
            o,
            "<div class=\"box {}{zero}\" title=\"{}\"><span class=\"n\">{n}</span>{v}</div>",
            verdict_class(v),
            escape_html(text::meaning(v))
        )?;
    }
    writeln!(o, "</section>")
}

/// `items` joined and escaped, or `empty` when there are none.
fn joined_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        escape_html(&text::joined(items))
    }
}

fn list_html(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let lis: String = items
        .iter()
        .map(|i| format!("<li>{}</li>", escape_html(i)))
        .collect();
    format!("<ul>{lis}</ul>")
}

fn target(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let (t, p, sel) = (&r.target, &r.profile, &r.selection);
    writeln!(o, "<section>\n<h2>Target and profile</h2>\n<table>")?;
    let rows = [
        ("Target kind", escape_html(&t.kind)),
        ("Nodes", list_html(&t.nodes)),
        ("Capabilities", escape_html(&text::joined(&t.capabilities))),
        (
            "Defect switches",
            if t.defects.is_empty() {
                "none".into()
            } else {
                escape_html(&text::joined(&t.defects))
            },
        ),
        (
            "Wire profile",
            format!("{} (from {})", escape_html(&p.name), escape_html(&p.source)),
        ),
        ("[HINT] parts", list_html(&p.hint_parts)),
        ("[ASSUMED] parts", list_html(&p.assumed_parts)),
        ("Selected suites", joined_or(&sel.suites, "all")),
        ("Selected cases", joined_or(&sel.cases, "all")),
        ("Selected tags", joined_or(&sel.tags, "all")),
        ("Selected rules", joined_or(&sel.rules, "all")),
        (
            "Waivers",
            escape_html(sel.waivers.as_deref().unwrap_or("none")),
        ),
    ];
    for (k, v) in rows {
        writeln!(o, "<tr><th>{}</th><td>{v}</td></tr>", escape_html(k))?;
    }
    if !t.policies.is_empty() {
        writeln!(
            o,
            "<tr><th>Policies, as the target file states them</th><td>{}</td></tr>",
            list_html(&t.policy_items())
        )?;
    }
    if !t.users_left.is_empty() {
        writeln!(
            o,
            "<tr><th>Users the run created and could not delete (remove them by hand)</th><td>{}</td></tr>",
            list_html(&t.users_left)
        )?;
    }
    for l in &t.listeners {
        writeln!(
            o,
            "<tr><th>{} on {}</th><td>{}</td></tr>",
            escape_html(&l.name),
            escape_html(&l.address),
            escape_html(&l.summary())
        )?;
    }
    writeln!(o, "</table>\n</section>")?;
    configurations(o, r)
}

/// A combined report's runs, one row per configuration of the server.
fn configurations(o: &mut String, r: &RunReport) -> std::fmt::Result {
    if r.configurations.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<section>\n<h2>Configurations</h2>\n<p>Combined from {} runs against differently configured servers; each case comes from the runs that judged it (the worst verdict), and a case judged in none stays SKIPPED.</p>\n<table>\n<tr><th>Configuration</th><th>Run</th><th>Nodes</th><th>Capabilities</th><th>Policies that differ</th><th>Judged</th><th>Cases taken from it</th></tr>",
        r.configurations.len()
    )?;
    for c in &r.configurations {
        writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>",
            escape_html(&c.label),
            escape_html(&c.run_id),
            list_html(&c.target.nodes),
            escape_html(&text::joined(&c.target.capabilities)),
            list_html(&text::differing_policies(r, c)),
            c.judged,
            c.total,
            c.chosen
        )?;
    }
    writeln!(o, "</table>\n</section>")
}

fn problems(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(
        o,
        "<section class=\"problems\">\n<h2>Failures and non-strict results</h2>"
    )?;
    let list = text::problems(&r.cases);
    if list.is_empty() {
        return writeln!(
            o,
            "<p>None: no case is FAIL, INCONCLUSIVE or NON-STRICT.</p>\n</section>"
        );
    }
    writeln!(o, "<ul>")?;
    for c in list {
        writeln!(
            o,
            "<li>{} <a href=\"#{}\">{}</a>: {} ({})<br>{}</li>",
            badge(c.verdict),
            case_anchor(&c.id),
            escape_html(&c.id),
            escape_html(&c.title),
            escape_html(&text::joined(&c.rules)),
            escape_html(c.reason.as_deref().unwrap_or(&c.actual))
        )?;
    }
    writeln!(o, "</ul>\n</section>")
}

fn security(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(o, "<section>\n<h2>Security</h2>")?;
    let list = text::security(&r.cases);
    if list.is_empty() {
        return writeln!(
            o,
            "<p>No case tagged <code>security</code> was selected.</p>\n</section>"
        );
    }
    writeln!(
        o,
        "<table>\n<tr><th>Case</th><th>Rules</th><th>Verdict</th><th>Observed</th></tr>"
    )?;
    for c in list {
        let observed = if c.actual.is_empty() {
            c.reason.as_deref().unwrap_or("")
        } else {
            &c.actual
        };
        writeln!(
            o,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            case_anchor(&c.id),
            escape_html(&c.id),
            escape_html(&text::joined(&c.rules)),
            badge(c.verdict),
            escape_html(observed)
        )?;
    }
    writeln!(o, "</table>\n</section>")
}

fn rules(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let covered = r.rules.iter().filter(|row| row.verdict.is_some()).count();
    writeln!(
        o,
        "<section>\n<h2>Rule matrix</h2>\n<p>{covered} of {} rules covered by the selected cases. {}</p>",
        r.rules.len(),
        escape_html(text::RULE_VERDICT_NOTE)
    )?;
    writeln!(
        o,
        "<table>\n<tr><th>Rule</th><th>Level</th><th>Text</th><th>Evidence</th><th>Cases</th><th>Verdict</th></tr>"
    )?;
    for row in &r.rules {
        let verdict = row.verdict.map_or_else(
            || "<span class=\"uncovered\">not covered</span>".to_string(),
            |v| format!("{}{}", badge(v), text::skipped_note(row)),
        );
        let cases: Vec<String> = row
            .cases
            .iter()
            .map(|c| format!("<a href=\"#{}\">{}</a>", case_anchor(c), escape_html(c)))
            .collect();
        writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{verdict}</td></tr>",
            row.id,
            row.level,
            escape_html(&row.text),
            escape_html(&row.evidence),
            cases.join(", ")
        )?;
    }
    writeln!(o, "</table>\n</section>")
}

fn cases(o: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(o, "<section>\n<h2>Cases</h2>\n<table>")?;
    writeln!(
        o,
        "<tr><th>ID</th><th>Suite</th><th>Level</th><th>Rules</th><th>Verdict</th><th>Reason</th></tr>"
    )?;
    for c in &r.cases {
        writeln!(
            o,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            case_anchor(&c.id),
            escape_html(&c.id),
            escape_html(&c.suite),
            c.level,
            escape_html(&text::joined(&c.rules)),
            badge(c.verdict),
            escape_html(c.reason.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(o, "</table>\n</section>")
}

/// The SKIPPED and NOT-RUN cases grouped by what they need.
fn skipped_needs(o: &mut String, r: &RunReport) -> std::fmt::Result {
    let groups = text::skipped_by_need(&r.cases);
    if groups.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<section>\n<h2>Not judged, by reason</h2>\n<table>\n<tr><th>Cases</th><th>Reason</th><th>IDs</th></tr>"
    )?;
    for (need, ids) in &groups {
        let links: Vec<String> = ids
            .iter()
            .map(|id| format!("<a href=\"#{}\">{}</a>", case_anchor(id), escape_html(id)))
            .collect();
        writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ids.len(),
            escape_html(need),
            links.join(", ")
        )?;
    }
    writeln!(o, "</table>\n</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TranscriptEntry;
    use crate::report::samples::sample_report;

    #[test]
    fn escape_html_escapes_everything() {
        assert_eq!(
            escape_html("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn html_is_self_contained() {
        let html = render_html(&sample_report());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        )));
        assert!(CSP.starts_with("default-src 'none'; style-src 'unsafe-inline'"));
        for bad in [
            "<link", "<script", "<img", "<iframe", "<object", "<embed", "url(", "@import", "src=",
            "srcset",
        ] {
            assert!(!html.contains(bad), "found {bad}");
        }
        // Every http(s) URL is report content (the sample's loopback nodes), shown as text.
        for (i, _) in html.match_indices("http") {
            let rest = &html[i..];
            if rest.starts_with("http://") || rest.starts_with("https://") {
                assert!(
                    rest.starts_with("http://127.0.0.1:"),
                    "external URL at {i}: {}",
                    &rest[..40.min(rest.len())]
                );
                assert!(!html[..i].ends_with("href=\""), "link to {}", &rest[..30]);
            }
        }
        assert!(!html.contains("href=\"http"));
        // Only in-page anchors.
        for (i, _) in html.match_indices("href=\"") {
            assert!(html[i + 6..].starts_with("#case-"));
        }
    }

    #[test]
    fn html_escapes_all_report_text() {
        let report = sample_report();
        let html = render_html(&report);
        for c in &report.cases {
            for e in &c.transcript {
                if let TranscriptEntry::Http {
                    request, response, ..
                } = e
                {
                    assert!(html.contains(&escape_html(request)), "{request}");
                    assert!(html.contains(&escape_html(response)), "{response}");
                }
            }
            assert!(html.contains(&escape_html(&c.actual)));
        }
        assert!(html.contains(
            "&lt;html&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;/pre&gt;&lt;/html&gt;"
        ));
        assert!(html.contains("iOS &quot;17&quot; &amp; &#39;up&#39; | beta"));
        assert!(html.contains("&lt;Result&gt;FAIL&lt;/Result&gt;"));
        assert_eq!(
            html.matches("<pre>").count(),
            html.matches("</pre>").count()
        );
        assert_eq!(html.matches("<details").count(), report.cases.len());
        assert!(
            html.contains("Requirement") && html.contains("Expected") && html.contains("Actual")
        );
    }
}
