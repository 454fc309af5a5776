//! The exploration report as HTML (`explore.html`, one self-contained page under the
//! conformance report's style sheet and Content-Security-Policy) and as JUnit XML
//! (`explore-junit.xml`): one `<testcase>` per rule the exploration checked or found
//! failing, so a CI system shows a verdict per requirement. A rule with a confirmed
//! finding is a `<failure>`, one with only INCONCLUSIVE findings an `<error>`, and one
//! that was only ever checked and held passes with its step count. Every text comes
//! from the report, which holds no secret, and is escaped here.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use super::report::{ExploreReport, Finding, FindingStatus};
use super::written::WrittenCase;
use crate::report::html::{CSP, CSS, escape_html};
use crate::report::xml::{W, element, properties, text_element};

/// What the exploration says of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOutcome {
    /// Checked and held.
    Held,
    /// A confirmed finding.
    Failed,
    /// Only INCONCLUSIVE findings.
    Inconclusive,
}

/// Every rule the exploration checked or found failing, with its outcome, its passing
/// steps and its findings.
pub fn rule_outcomes(r: &ExploreReport) -> BTreeMap<String, (RuleOutcome, u64, Vec<&Finding>)> {
    let mut out: BTreeMap<String, (RuleOutcome, u64, Vec<&Finding>)> = r
        .coverage
        .iter()
        .map(|(rule, c)| (rule.clone(), (RuleOutcome::Held, c.checked, Vec::new())))
        .collect();
    for f in &r.findings {
        let entry = out
            .entry(f.rule.clone())
            .or_insert((RuleOutcome::Held, 0, Vec::new()));
        entry.2.push(f);
        entry.0 = match (entry.0, f.status) {
            (_, FindingStatus::Confirmed) | (RuleOutcome::Failed, _) => RuleOutcome::Failed,
            _ => RuleOutcome::Inconclusive,
        };
    }
    out
}

/// One finding in a line: status, kind, where it failed, expected and actual.
fn finding_line(f: &Finding) -> String {
    let m = f.shrunk_mismatch.as_ref().unwrap_or(&f.first);
    format!(
        "{:?} {} ({}): {}; step {} ({}): expected {}; actual {}; {} operations shrunk to {}{}",
        f.status,
        f.rule,
        f.level,
        f.kind,
        m.step,
        m.action,
        m.expected,
        m.actual,
        f.original_ops,
        f.shrunk_ops.map_or("-".into(), |s| s.to_string()),
        f.case.as_ref().map_or(String::new(), WrittenCase::brief)
    )
}

/// `r` as JUnit XML.
pub fn junit(r: &ExploreReport) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    match write_junit(&mut w, r) {
        Ok(()) => {
            let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
            s.push('\n');
            s
        }
        // Writing into a Vec cannot fail; keep the file well-formed regardless.
        Err(_) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"swivel-harness explore\"/>\n".into(),
    }
}

fn write_junit(w: &mut W, r: &ExploreReport) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let rules = rule_outcomes(r);
    let count = |o: RuleOutcome| rules.values().filter(|(x, ..)| *x == o).count();
    let (failures, errors) = (count(RuleOutcome::Failed), count(RuleOutcome::Inconclusive));
    let secs = format!("{:.3}", r.numbers.elapsed_ms as f64 / 1000.0);
    let totals = [
        ("tests", rules.len().to_string()),
        ("failures", failures.to_string()),
        ("errors", errors.to_string()),
        ("skipped", "0".to_string()),
        ("time", secs.clone()),
    ];
    let mut root = vec![("name", "swivel-harness explore".to_string())];
    root.extend(totals.iter().cloned());
    element(w, "testsuites", &root, |w| {
        let mut suite = vec![("name", format!("explore (seed {})", r.seed))];
        suite.extend(totals.iter().cloned());
        element(w, "testsuite", &suite, |w| {
            let n = &r.numbers;
            properties(
                w,
                &[
                    ("seed", r.seed.to_string()),
                    ("target", r.target.kind.clone()),
                    ("stopped", format!("{:?}", r.stopped)),
                    ("histories", n.cases.to_string()),
                    ("operations", n.operations.to_string()),
                    ("steps", n.steps.to_string()),
                    ("requests", n.requests.to_string()),
                    ("shrink_ms", n.shrink_ms.to_string()),
                ],
            )?;
            for (rule, (outcome, checked, findings)) in &rules {
                let attrs = [
                    ("name", rule.clone()),
                    ("classname", "explore.rules".to_string()),
                    ("time", "0".to_string()),
                ];
                element(w, "testcase", &attrs, |w| {
                    let details: Vec<String> = findings.iter().map(|f| finding_line(f)).collect();
                    match outcome {
                        RuleOutcome::Failed => text_element(
                            w,
                            "failure",
                            &[("message", format!("{rule}: a confirmed finding"))],
                            &details.join("\n"),
                        )?,
                        RuleOutcome::Inconclusive => text_element(
                            w,
                            "error",
                            &[("message", format!("{rule}: inconclusive findings only"))],
                            &details.join("\n"),
                        )?,
                        RuleOutcome::Held => {}
                    }
                    text_element(
                        w,
                        "system-out",
                        &[],
                        &format!("{checked} step(s) checked {rule} and held"),
                    )
                })?;
            }
            Ok(())
        })
    })
}

/// `r` as one self-contained HTML5 page.
pub fn html(r: &ExploreReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = page(&mut out, r);
    out
}

fn page(o: &mut String, r: &ExploreReport) -> std::fmt::Result {
    let n = &r.numbers;
    writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>swivel-harness explore, seed {}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        r.seed
    )?;
    writeln!(
        o,
        "<header>\n<h1>swivel-harness explore, seed {}</h1>\n<p class=\"meta\">Target {} · stopped: {} · the same seed reproduces this run</p>\n</header>",
        r.seed,
        escape_html(&r.target.kind),
        escape_html(&format!("{:?}", r.stopped))
    )?;
    writeln!(
        o,
        "<section>\n<h2>Numbers</h2>\n<table><tr><th>histories</th><th>operations</th><th>steps</th><th>requests</th><th>shrink runs</th><th>shrink time</th><th>elapsed</th></tr>\n<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1} s</td><td>{:.1} s</td></tr></table>\n</section>",
        n.cases,
        n.operations,
        n.steps,
        n.requests,
        n.shrink_runs,
        n.shrink_ms as f64 / 1000.0,
        n.elapsed_ms as f64 / 1000.0
    )?;
    writeln!(o, "<section>\n<h2>Findings</h2>")?;
    if r.findings.is_empty() {
        writeln!(o, "<p>None.</p>")?;
    }
    for f in &r.findings {
        finding(o, f)?;
    }
    writeln!(o, "</section>")?;
    writeln!(
        o,
        "<section>\n<h2>Verdict per rule</h2>\n<table><tr><th>rule</th><th>verdict</th><th>steps that checked it and held</th><th>findings</th></tr>"
    )?;
    for (rule, (outcome, checked, findings)) in rule_outcomes(r) {
        let (class, label) = match outcome {
            RuleOutcome::Held => ("v-pass", "held"),
            RuleOutcome::Failed => ("v-fail", "FAIL"),
            RuleOutcome::Inconclusive => ("v-inconclusive", "INCONCLUSIVE"),
        };
        writeln!(
            o,
            "<tr><td><code>{}</code></td><td><span class=\"badge {class}\">{label}</span></td><td>{checked}</td><td>{}</td></tr>",
            escape_html(&rule),
            findings.len()
        )?;
    }
    writeln!(o, "</table>\n</section>\n</body>\n</html>")
}

fn finding(o: &mut String, f: &Finding) -> std::fmt::Result {
    let (class, label) = match f.status {
        FindingStatus::Confirmed => ("v-fail", "CONFIRMED"),
        FindingStatus::Inconclusive => ("v-inconclusive", "INCONCLUSIVE"),
    };
    let m = f.shrunk_mismatch.as_ref().unwrap_or(&f.first);
    writeln!(
        o,
        "<details class=\"case\" open>\n<summary><span class=\"badge {class}\">{label}</span> {} ({}): <code>{}</code></summary>\n<dl class=\"rea\">",
        escape_html(&f.rule),
        f.level,
        escape_html(&f.kind)
    )?;
    let mut row = |k: &str, v: String| writeln!(o, "<dt>{k}</dt><dd>{v}</dd>");
    row(
        "history",
        format!(
            "number {} of the seed, {} operations, shrunk to {} in {:.1} s",
            f.history_index,
            f.original_ops,
            f.shrunk_ops.map_or("-".into(), |s| s.to_string()),
            f.shrink_ms as f64 / 1000.0
        ),
    )?;
    row(
        "deciding step",
        escape_html(&format!("step {} ({})", m.step, m.action)),
    )?;
    row("expected", escape_html(&m.expected))?;
    row("actual", escape_html(&m.actual))?;
    if let Some(h) = &f.shrunk {
        let ops: Vec<String> = h
            .ops
            .iter()
            .map(|op| format!("<li><code>{}</code></li>", escape_html(&format!("{op:?}"))))
            .collect();
        row(
            "shrunk history",
            format!(
                "{} node(s), session sharing {}<ol>{}</ol>",
                h.nodes,
                if h.sharing { "on" } else { "off" },
                ops.join("")
            ),
        )?;
    }
    if let Some(rerun) = &f.rerun {
        row("fresh re-run", escape_html(rerun))?;
    }
    if let Some(c) = &f.case {
        row("written case", escape_html(&c.summary(&c.id, &c.path)))?;
    }
    if let Some(e) = &f.write_error {
        row("case not written", escape_html(e))?;
    }
    writeln!(o, "</dl>\n</details>")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::explore::drive::Mismatch;
    use crate::explore::ops::{History, Op, User};
    use crate::profile::WireProfile;
    use crate::sut::TargetSpec;
    use crate::verdict::Level;

    /// A report with one confirmed PC-5 finding whose texts are hostile, one
    /// inconclusive LOG-5 finding and PC-1 checked and held.
    fn sample() -> ExploreReport {
        let target = TargetSpec::Embedded {
            defects: Default::default(),
            wire_profile: Arc::new(WireProfile::default_profile()),
        };
        let mut r = ExploreReport::new(7, &target);
        let history = History {
            nodes: 1,
            sharing: false,
            ops: vec![Op::Reprovision {
                user: User::U,
                node: 0,
            }],
        };
        let mismatch = |rule: &str, kind: &str| Mismatch {
            rule: rule.parse().unwrap(),
            level: Level::Must,
            op: 0,
            step: 3,
            action: "provision".into(),
            expected: "FAIL <script>alert(1)</script> & \"q\" ]]> \u{1}".into(),
            actual: "PASS".into(),
            kind: kind.into(),
        };
        r.findings.push(Finding::new(
            3,
            &history,
            &mismatch("PC-5", "PC-5 <b>kind</b>"),
        ));
        let mut inconclusive = Finding::new(4, &history, &mismatch("LOG-5", "LOG-5 text"));
        inconclusive.status = FindingStatus::Inconclusive;
        r.findings.push(inconclusive);
        r.coverage.insert(
            "PC-1".into(),
            super::super::report::RuleCoverage {
                level: Level::Must,
                checked: 5,
            },
        );
        r
    }

    #[test]
    fn every_rule_gets_a_verdict_from_its_findings() {
        let r = sample();
        let outcomes = rule_outcomes(&r);
        let of = |rule: &str| outcomes.get(rule).map(|(o, n, f)| (*o, *n, f.len()));
        assert_eq!(of("PC-1"), Some((RuleOutcome::Held, 5, 0)));
        assert_eq!(of("PC-5"), Some((RuleOutcome::Failed, 0, 1)));
        assert_eq!(of("LOG-5"), Some((RuleOutcome::Inconclusive, 0, 1)));
    }

    #[test]
    fn junit_counts_rules_and_escapes_every_text() {
        let xml = junit(&sample());
        assert!(
            xml.contains(r#"tests="3" failures="1" errors="1""#),
            "{xml}"
        );
        assert!(!xml.contains("<script>") && !xml.contains("<b>"), "{xml}");
        assert!(
            !xml.contains('\u{1}'),
            "a control character reached the XML"
        );
        // Well-formed: quick-xml reads it to the end.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut testcases = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) if e.name().as_ref() == b"testcase" => testcases += 1,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{xml}"),
            }
        }
        assert_eq!(testcases, 3);
    }

    #[test]
    fn html_escapes_every_text_and_loads_nothing() {
        let page = html(&sample());
        assert!(
            !page.contains("<script>") && !page.contains("<b>kind"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("src=") && !page.contains("href="));
        assert!(page.contains("INCONCLUSIVE") && page.contains("CONFIRMED"));
    }
}
