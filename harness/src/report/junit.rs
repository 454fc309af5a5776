//! The JUnit XML report (`junit.xml`) for CI systems (Jenkins, GitLab, GitHub annotations):
//! the Jenkins/Surefire layout, one `<testsuite>` per suite and one `<testcase>` per case.
//! FAIL is a `<failure>`, INCONCLUSIVE an `<error>`, SKIPPED and NOT-RUN `<skipped>`;
//! NON-STRICT and INFO pass with a `<system-out>` note. The rule matrix rides along as
//! `rule:<ID>` properties of `<testsuites>`. Every string goes through
//! quick-xml's escaping, after characters XML 1.0 cannot carry are replaced.

use std::io;

use quick_xml::Writer;
use quick_xml::escape::escape;
use quick_xml::events::{BytesDecl, Event};

use super::model::{CaseReport, RunReport};
use super::text;
use super::xml::{W, element, empty, properties, text_element, text_event, xml_safe};
use crate::verdict::Verdict;

/// `report` as JUnit XML.
pub fn render_junit(report: &RunReport) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    match write_report(&mut w, report) {
        Ok(()) => {
            let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
            s.push('\n');
            s
        }
        // Writing into a Vec cannot fail; keep the file well-formed regardless.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"swivel-harness\"><!-- {} --></testsuites>\n",
            escape(xml_safe(&e.to_string())).replace("--", "- -")
        ),
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    ms: u64,
}

impl Counts {
    fn of<'a>(cases: impl IntoIterator<Item = &'a CaseReport>) -> Counts {
        let mut c = Counts::default();
        for case in cases {
            c.tests += 1;
            c.ms += case.duration_ms;
            match case.verdict {
                Verdict::Fail => c.failures += 1,
                Verdict::Inconclusive => c.errors += 1,
                Verdict::Skipped | Verdict::NotRun => c.skipped += 1,
                Verdict::Pass | Verdict::NonStrict | Verdict::Info => {}
            }
        }
        c
    }

    fn attrs(&self, name: &str, ms: u64) -> Vec<(&'static str, String)> {
        vec![
            ("name", name.to_string()),
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
            ("time", text::secs(ms)),
        ]
    }
}

/// `started_at` as JUnit's `timestamp` (`YYYY-MM-DDTHH:MM:SS`, UTC, no zone suffix).
fn timestamp(started_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(started_at)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| started_at.to_string())
}

fn write_report(w: &mut W, report: &RunReport) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    // The first three are repeated in every <testsuite> (where the schema has properties).
    let run_props = vec![
        ("run_id", report.run_id.clone()),
        ("profile", report.profile.name.clone()),
        ("target", report.target.kind.clone()),
        ("status", text::status_str(report.status).to_string()),
        ("exit_code", report.summary.exit_code.to_string()),
        (
            "tool",
            format!("{} {}", report.tool.name, report.tool.version),
        ),
    ];
    let all = Counts::of(&report.cases);
    let mut suites: Vec<&str> = Vec::new();
    for c in &report.cases {
        if !suites.contains(&c.suite.as_str()) {
            suites.push(&c.suite);
        }
    }
    let stamp = timestamp(&report.started_at);
    element(
        w,
        "testsuites",
        &all.attrs("swivel-harness", report.summary.duration_ms),
        |w| {
            // The rule matrix: one `rule:<ID>` property per rule, valued as the other
            // formats print the verdict (`PASS (1 skipped)`, `not covered`).
            let rule_names: Vec<String> = report
                .rules
                .iter()
                .map(|r| format!("rule:{}", r.id))
                .collect();
            let mut props = run_props.clone();
            // A combined report: which runs (configurations) it was made from.
            props.extend(report.configurations.iter().map(|c| {
                (
                    "configuration",
                    format!(
                        "{}: run {}, judged {} of {}",
                        c.label, c.run_id, c.judged, c.total
                    ),
                )
            }));
            props.extend(
                report
                    .rules
                    .iter()
                    .zip(&rule_names)
                    .map(|(row, name)| (name.as_str(), text::rule_verdict(row))),
            );
            properties(w, &props)?;
            for suite in suites {
                let cases: Vec<&CaseReport> =
                    report.cases.iter().filter(|c| c.suite == suite).collect();
                let counts = Counts::of(cases.iter().copied());
                let mut attrs = counts.attrs(suite, counts.ms);
                attrs.push(("timestamp", stamp.clone()));
                element(w, "testsuite", &attrs, |w| {
                    properties(w, &run_props[..3])?;
                    cases.iter().try_for_each(|c| write_case(w, c))
                })?;
            }
            Ok(())
        },
    )
}

fn write_case(w: &mut W, case: &CaseReport) -> io::Result<()> {
    let attrs = [
        ("name", format!("{}: {}", case.id, case.title)),
        ("classname", format!("swivel.{}", case.suite)),
        ("time", text::secs(case.duration_ms)),
    ];
    element(w, "testcase", &attrs, |w| {
        let mut props = vec![
            ("rules", case.rules.join(",")),
            ("level", case.level.to_string()),
            ("verdict", case.verdict.to_string()),
            ("tags", case.tags.join(",")),
            ("attempts", case.attempts.to_string()),
        ];
        if let Some(config) = &case.configuration {
            props.push(("configuration", config.clone()));
        }
        properties(w, &props)?;
        let reason = case.reason.clone();
        let message = |v: Verdict| {
            reason
                .clone()
                .unwrap_or_else(|| text::meaning(v).to_string())
        };
        match case.verdict {
            Verdict::Fail => text_element(
                w,
                "failure",
                &[("message", message(Verdict::Fail)), ("type", "FAIL".into())],
                &text::rea(case),
            )?,
            Verdict::Inconclusive => text_element(
                w,
                "error",
                &[
                    ("message", message(Verdict::Inconclusive)),
                    ("type", "INCONCLUSIVE".into()),
                ],
                &text::rea(case),
            )?,
            Verdict::Skipped | Verdict::NotRun => {
                empty(w, "skipped", &[("message", message(case.verdict))])?;
            }
            Verdict::Pass | Verdict::NonStrict | Verdict::Info => {}
        }
        let mut out = String::new();
        if matches!(case.verdict, Verdict::NonStrict | Verdict::Info) {
            out.push_str(&format!(
                "Verdict: {} ({}); counted as passed.\n",
                case.verdict,
                text::meaning(case.verdict)
            ));
            if let Some(r) = &case.reason {
                out.push_str(&format!("Reason: {r}\n"));
            }
            out.push_str(&text::rea(case));
            out.push('\n');
        }
        if !case.transcript.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str("Transcript:\n");
            out.push_str(&text::transcript(&case.transcript));
        }
        if !out.is_empty() {
            w.create_element("system-out")
                .write_inner_content(|w| w.write_event(text_event(&out)))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::sample_report;
    use quick_xml::Reader;
    use quick_xml::events::BytesStart;
    use std::collections::HashMap;

    fn attrs(e: &BytesStart) -> HashMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                let k = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                (k, a.unescape_value().unwrap().into_owned())
            })
            .collect()
    }

    /// Every element with its attributes and the text directly inside it, in order.
    fn parse(xml: &str) -> Vec<(String, HashMap<String, String>, String)> {
        let mut reader = Reader::from_str(xml);
        let mut out: Vec<(String, HashMap<String, String>, String)> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => {
                    open.push(out.len());
                    out.push((
                        String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                        attrs(&e),
                        String::new(),
                    ));
                }
                Event::Empty(e) => out.push((
                    String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    attrs(&e),
                    String::new(),
                )),
                Event::Text(t) => {
                    if let Some(&i) = open.last() {
                        out[i].2.push_str(&t.xml_content().unwrap());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(&i) = open.last() {
                        let name = r.decode().unwrap();
                        let ch = match name.as_ref() {
                            _ if r.is_char_ref() => {
                                r.resolve_char_ref().unwrap().unwrap().to_string()
                            }
                            "lt" => "<".to_string(),
                            "gt" => ">".to_string(),
                            "amp" => "&".to_string(),
                            "quot" => "\"".to_string(),
                            "apos" => "'".to_string(),
                            other => panic!("unexpected entity {other}"),
                        };
                        out[i].2.push_str(&ch);
                    }
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!("sample_junit", render_junit(&sample_report()));
    }

    #[test]
    fn junit_parses_with_counts_cases_and_properties() {
        let report = sample_report();
        let xml = render_junit(&report);
        let els = parse(&xml);
        let root = &els[0];
        assert_eq!(root.0, "testsuites");
        assert_eq!(root.1["name"], "swivel-harness");
        assert_eq!(root.1["tests"], "7");
        assert_eq!(root.1["failures"], "1");
        assert_eq!(root.1["errors"], "1");
        assert_eq!(root.1["skipped"], "2");
        assert_eq!(root.1["time"], "5.279");
        let suites: Vec<_> = els.iter().filter(|e| e.0 == "testsuite").collect();
        assert_eq!(suites.len(), 6);
        assert_eq!(suites[1].1["name"], "codes");
        assert_eq!(suites[1].1["tests"], "2");
        assert_eq!(suites[1].1["failures"], "1");
        assert_eq!(suites[1].1["time"], "0.125");
        assert_eq!(suites[0].1["timestamp"], "2026-11-29T19:30:12");
        let cases: Vec<_> = els.iter().filter(|e| e.0 == "testcase").collect();
        assert_eq!(cases.len(), report.cases.len());
        assert_eq!(
            cases[1].1["name"],
            "reuse-sequential: A used code is refused"
        );
        assert_eq!(cases[1].1["classname"], "swivel.codes");
        let props: Vec<_> = els.iter().filter(|e| e.0 == "property").collect();
        let has = |n: &str, v: &str| props.iter().any(|p| p.1["name"] == n && p.1["value"] == v);
        assert!(has("rules", "PC-5,LOG-6"));
        assert!(has("level", "MUST"));
        assert!(has("level", "SHOULD"));
        assert!(has("verdict", "NOT-RUN"));
        assert!(has("run_id", "20261129T193012Z-a1b2"));
        assert!(has("target", "external"));
        let failure = els.iter().find(|e| e.0 == "failure").unwrap();
        assert_eq!(failure.1["type"], "FAIL");
        assert_eq!(failure.1["message"], "code accepted twice");
        assert!(failure.2.contains("Requirement: PC-5"));
        assert!(failure.2.contains(
            "Actual: second attempt accepted: PASS | device id [device-id-2]\nno LOG-6 line"
        ));
        let error = els.iter().find(|e| e.0 == "error").unwrap();
        assert_eq!(error.1["type"], "INCONCLUSIVE");
        let skipped: Vec<_> = els.iter().filter(|e| e.0 == "skipped").collect();
        assert_eq!(skipped.len(), 2);
        assert_eq!(
            skipped[0].1["message"],
            "waived: WAIVER-12 until 2027-01-31 (ticket OPS-7 | cluster lab down)"
        );
        let outs: Vec<_> = els.iter().filter(|e| e.0 == "system-out").collect();
        assert!(outs.iter().any(|o| o.2.starts_with("Verdict: NON-STRICT")));
        assert!(outs.iter().any(|o| o.2.starts_with("Verdict: INFO")));
        // Bodies survive escaping and parsing unchanged.
        assert!(outs.iter().any(|o| {
            o.2.contains("<DeviceOS>iOS \"17\" & 'up' | beta</DeviceOS>")
        }));
        assert!(outs.iter().any(|o| {
            o.2.contains("<html><script>alert('x')</script></pre></html>")
        }));
    }

    #[test]
    fn junit_attribute_newlines_and_control_characters() {
        let mut report = sample_report();
        report.cases[1].reason = Some("two\nlines \u{1} & \"quoted\" <x>".into());
        report.cases[0]
            .transcript
            .push(crate::report::TranscriptEntry::Note {
                text: "bell \u{7} here".into(),
            });
        let xml = render_junit(&report);
        assert!(!xml.contains('\u{1}') && !xml.contains('\u{7}'));
        let els = parse(&xml);
        let failure = els.iter().find(|e| e.0 == "failure").unwrap();
        assert_eq!(failure.1["message"], "two\nlines \u{fffd} & \"quoted\" <x>");
    }
}
