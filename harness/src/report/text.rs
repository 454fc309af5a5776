//! Wording and helpers shared by the renderers: verdict and status names, what each
//! verdict means, durations, which cases count as problems or security probes, and the
//! plain-text transcript that JUnit's `<system-out>` carries.

use std::fmt::Write as _;

use super::model::{
    CaseReport, ConfigurationReport, RuleRow, RunReport, RunStatus, Summary, TranscriptEntry,
};
use crate::verdict::Verdict;

/// Every verdict, in the order reports list them.
pub(crate) const VERDICTS: [Verdict; 7] = [
    Verdict::Pass,
    Verdict::NonStrict,
    Verdict::Fail,
    Verdict::Info,
    Verdict::Inconclusive,
    Verdict::Skipped,
    Verdict::NotRun,
];

/// The tag that marks a security probe.
pub(crate) const SECURITY_TAG: &str = "security";

/// `running`, `complete` or `interrupted` (the JSON spelling).
pub(crate) fn status_str(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "running",
        RunStatus::Complete => "complete",
        RunStatus::Interrupted => "interrupted",
    }
}

/// One line saying what a verdict means.
pub(crate) fn meaning(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "behaved as required",
        Verdict::NonStrict => "a SHOULD was not met; does not fail the run",
        Verdict::Fail => "a MUST was not met",
        Verdict::Info => "behaviour recorded, not judged",
        Verdict::Inconclusive => "transport error or timeout, confirmed by a rerun",
        Verdict::Skipped => "not run, with a reason: a waiver or a missing capability",
        Verdict::NotRun => "never started: the run stopped first",
    }
}

/// The count of `v` in `summary`.
pub(crate) fn count(summary: &Summary, v: Verdict) -> usize {
    match v {
        Verdict::Pass => summary.pass,
        Verdict::NonStrict => summary.non_strict,
        Verdict::Fail => summary.fail,
        Verdict::Info => summary.info,
        Verdict::Inconclusive => summary.inconclusive,
        Verdict::Skipped => summary.skipped,
        Verdict::NotRun => summary.not_run,
    }
}

/// How a rule's verdict is read, printed under each rule matrix.
pub(crate) const RULE_VERDICT_NOTE: &str = "A rule's verdict says what was judged: FAIL or \
     NON-STRICT if a case says so, otherwise PASS if a case passed (its skipped cases \
     counted beside it), SKIPPED only if every case was skipped. INFO cases do not decide \
     a MUST or SHOULD rule.";

/// What goes beside a rule's verdict: ` (2 skipped)` when some of the cases deciding it
/// were skipped and others judged it; empty otherwise.
pub(crate) fn skipped_note(row: &RuleRow) -> String {
    match row.verdict {
        Some(v) if v != Verdict::Skipped && row.skipped > 0 => {
            format!(" ({} skipped)", row.skipped)
        }
        _ => String::new(),
    }
}

/// A rule row's verdict in words: `PASS (1 skipped)`, `SKIPPED`, or `not covered`.
pub(crate) fn rule_verdict(row: &RuleRow) -> String {
    match row.verdict {
        Some(v) => format!("{v}{}", skipped_note(row)),
        None => "not covered".to_string(),
    }
}

/// Milliseconds as seconds with three decimals: `5279` → `5.279`.
pub(crate) fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The cases a reader must look at: FAIL, then INCONCLUSIVE, then NON-STRICT, each in
/// run order.
pub(crate) fn problems(cases: &[CaseReport]) -> Vec<&CaseReport> {
    [Verdict::Fail, Verdict::Inconclusive, Verdict::NonStrict]
        .iter()
        .flat_map(|v| cases.iter().filter(move |c| c.verdict == *v))
        .collect()
}

/// The cases tagged `security`.
pub(crate) fn security(cases: &[CaseReport]) -> Vec<&CaseReport> {
    cases
        .iter()
        .filter(|c| c.tags.iter().any(|t| t == SECURITY_TAG))
        .collect()
}

/// Items with commas: `a, b`.
pub(crate) fn joined(items: &[String]) -> String {
    items.join(", ")
}

/// HTTP status of an exchange, or `no reply` on a transport error.
pub(crate) fn status_line(status: Option<u16>) -> String {
    status.map_or_else(
        || "no reply (transport error)".to_string(),
        |s| s.to_string(),
    )
}

/// Requirement / Expected / Actual, one per line.
pub(crate) fn rea(case: &CaseReport) -> String {
    format!(
        "Requirement: {}\nExpected: {}\nActual: {}\nRules: {}",
        case.requirement,
        case.expected,
        case.actual,
        joined(&case.rules)
    )
}

/// A case's transcript as plain text (not escaped: callers escape for their format).
pub(crate) fn transcript(entries: &[TranscriptEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        // Writing into a String cannot fail.
        let _ = match e {
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
                let node = node.map(|n| format!(" (node {n})")).unwrap_or_default();
                let body = |b: &str| {
                    if b.is_empty() {
                        "(empty body)".to_string()
                    } else {
                        b.trim_end_matches(['\r', '\n']).to_string()
                    }
                };
                let (request, response) = (body(request), body(response));
                writeln!(
                    out,
                    "[{step}] {action}{node}\n→ {method} {url}\n{request}\n← {} in {elapsed_ms} ms\n{response}\noutcome: {outcome}; app shows: {app_message}",
                    status_line(*status)
                )
            }
            TranscriptEntry::Control {
                step,
                action,
                detail,
            } => {
                writeln!(out, "[{step}] control: {action}: {detail}")
            }
            TranscriptEntry::Clock {
                step,
                advanced_secs,
            } => {
                writeln!(out, "[{step}] clock moved forward {advanced_secs} s")
            }
            TranscriptEntry::Log { step, lines } => {
                let mut r = writeln!(out, "[{step}] log lines read: {}", lines.len());
                for l in lines {
                    r = r.and(writeln!(out, "  {l}"));
                }
                r
            }
            TranscriptEntry::Check {
                step,
                what,
                expected,
                actual,
                verdict,
            } => writeln!(
                out,
                "[{step}] check {what}: expected {expected}; actual {actual}; {verdict}"
            ),
            TranscriptEntry::Note { text } => writeln!(out, "note: {text}"),
        };
    }
    out
}

/// The longest run of `ch` in `s` (to pick a Markdown fence longer than it).
pub(crate) fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        cur = if c == ch { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

/// A combined report's configuration: its policies whose value is not the same in every
/// configuration (what sets it apart), as `name = value`.
pub(crate) fn differing_policies(r: &RunReport, c: &ConfigurationReport) -> Vec<String> {
    c.target
        .policies
        .iter()
        .filter(|(k, v)| {
            r.configurations
                .iter()
                .any(|other| other.target.policies.get(*k) != Some(*v))
        })
        .map(|(k, v)| format!("{k} = {v}"))
        .collect()
}

/// The SKIPPED and NOT-RUN cases grouped by what they need (their reason, less a closing
/// parenthesis that explains it), the largest group first: what another target, or
/// another configuration of a real server, would have to offer to judge them.
pub fn skipped_by_need(cases: &[CaseReport]) -> Vec<(String, Vec<&str>)> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for c in cases {
        if !matches!(c.verdict, Verdict::Skipped | Verdict::NotRun) {
            continue;
        }
        let reason = c.reason.as_deref().unwrap_or("no reason given");
        let need = match reason.rfind(" (") {
            Some(i) if reason.ends_with(')') && i > 0 => &reason[..i],
            _ => reason,
        };
        match groups.iter_mut().find(|(n, _)| n == need) {
            Some((_, ids)) => ids.push(&c.id),
            None => groups.push((need.to_string(), vec![&c.id])),
        }
    }
    // Stable: groups of one size keep the order of their first case.
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::sample_report;

    #[test]
    fn helpers() {
        assert_eq!(secs(5279), "5.279");
        assert_eq!(secs(7), "0.007");
        assert_eq!(longest_run("a```b``", '`'), 3);
        let r = sample_report();
        let p: Vec<_> = problems(&r.cases).iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            p,
            [
                "reuse-sequential",
                "strings-download",
                "failed-attempt-consumes"
            ]
        );
        assert_eq!(security(&r.cases).len(), 1);
        let total: usize = VERDICTS.iter().map(|v| count(&r.summary, *v)).sum();
        assert_eq!(total, r.summary.total);
    }

    #[test]
    fn skipped_cases_group_by_what_they_need() {
        let template = sample_report().cases[0].clone();
        let case = |id: &str, verdict: Verdict, reason: Option<&str>| CaseReport {
            id: id.into(),
            verdict,
            reason: reason.map(Into::into),
            ..template.clone()
        };
        let policy = "case needs policy self_reset.x = true; the target's is false";
        let cases = [
            case(
                "a",
                Verdict::Skipped,
                Some("case needs 2 nodes, the target has 1"),
            ),
            case("b", Verdict::Pass, None),
            case(
                "c",
                Verdict::Skipped,
                Some(&format!("{policy} (set in its console)")),
            ),
            case(
                "d",
                Verdict::NotRun,
                Some(&format!("{policy} (set in its console)")),
            ),
            case("e", Verdict::Skipped, None),
        ];
        let groups = skipped_by_need(&cases);
        let got: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|(need, ids)| (need.as_str(), ids.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (policy, vec!["c", "d"]),
                ("case needs 2 nodes, the target has 1", vec!["a"]),
                ("no reason given", vec!["e"]),
            ]
        );
    }
}
