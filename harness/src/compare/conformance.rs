//! Comparing two conformance runs (`report.json`): the cases whose verdict changed (a
//! new FAIL, a fixed case, a newly SKIPPED case, any other change), the cases added or
//! removed, and the cases whose verdict held although what the server did changed: the
//! error code (an exchange's outcome key), the message the app would show, or the text
//! of a server log line (read without its timestamp, which differs from run to run on a
//! real clock). A new FAIL fails the comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::{CaseReport, RunReport, TranscriptEntry};
use crate::verdict::Verdict;

/// Most observation differences listed per case.
const MAX_DETAILS: usize = 5;

/// What changed in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// FAIL now, not before.
    NewFail,
    /// FAIL before, now run and not FAIL.
    Fixed,
    /// SKIPPED or NOT-RUN now, not before.
    NewlySkipped,
    /// Any other change of verdict.
    VerdictChanged,
    /// Same verdict, different error code, app message or log text.
    ObservationChanged,
    /// Only the new run has the case.
    Added,
    /// Only the baseline has the case.
    Removed,
}

impl ChangeKind {
    /// As reports head it.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::NewFail => "New FAIL",
            ChangeKind::Fixed => "Fixed",
            ChangeKind::NewlySkipped => "Newly skipped",
            ChangeKind::VerdictChanged => "Other verdict changes",
            ChangeKind::ObservationChanged => "Same verdict, different observations",
            ChangeKind::Added => "Only in the new run",
            ChangeKind::Removed => "Only in the baseline",
        }
    }
}

/// One changed case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseChange {
    /// Case ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// What changed.
    pub kind: ChangeKind,
    /// Verdict in the baseline.
    pub baseline: Option<Verdict>,
    /// Verdict in the new run.
    pub new: Option<Verdict>,
    /// The new run's reason (a one-line failure summary), if any.
    pub reason: Option<String>,
    /// What was observed differently, first differences first.
    pub details: Vec<String>,
}

/// What a side of the comparison was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConformanceSide {
    /// The path given.
    pub source: String,
    /// Its run id.
    pub run_id: String,
    /// Wire profile.
    pub profile: String,
    /// Target kind and defects.
    pub target: String,
    /// Cases.
    pub cases: usize,
    /// FAIL cases.
    pub fail: usize,
}

/// The comparison of two conformance runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConformanceComparison {
    /// The baseline.
    pub baseline: ConformanceSide,
    /// The new run.
    pub new: ConformanceSide,
    /// Changed cases, by kind then in the new run's order.
    pub changes: Vec<CaseChange>,
    /// Warnings (different profiles, incomplete runs, …).
    pub notes: Vec<String>,
    /// No case turned FAIL.
    pub passed: bool,
}

fn side(source: &str, r: &RunReport) -> ConformanceSide {
    ConformanceSide {
        source: source.to_string(),
        run_id: r.run_id.clone(),
        profile: r.profile.name.clone(),
        target: if r.target.defects.is_empty() {
            r.target.kind.clone()
        } else {
            format!(
                "{} with defects {}",
                r.target.kind,
                r.target.defects.join(", ")
            )
        },
        cases: r.cases.len(),
        fail: r.summary.fail,
    }
}

/// What a case observed at each step, as counts of (what, value): an exchange's outcome
/// key and app message, a log line's text. Counting within a step makes concurrent
/// requests, whose replies come in any order, compare equal when they are the same.
type Observed = BTreeMap<usize, (String, BTreeMap<(&'static str, String), usize>)>;

/// `node N @ time: text` without the time.
fn log_text(line: &str) -> String {
    line.split_once(" @ ")
        .and_then(|(node, rest)| {
            rest.split_once(": ")
                .map(|(_, text)| format!("{node}: {text}"))
        })
        .unwrap_or_else(|| line.to_string())
}

fn observations(case: &CaseReport) -> Observed {
    let mut out = Observed::new();
    let mut note = |step: usize, action: Option<&str>, what: &'static str, value: String| {
        let (label, counts) = out.entry(step).or_insert_with(|| {
            (
                action.map_or_else(|| format!("step {step}"), |a| format!("step {step} ({a})")),
                BTreeMap::new(),
            )
        });
        if let Some(a) = action
            && !label.ends_with(&format!("({a})"))
        {
            // Several actions in one step: name the step alone.
            *label = format!("step {step}");
        }
        *counts.entry((what, value)).or_default() += 1;
    };
    for entry in &case.transcript {
        match entry {
            TranscriptEntry::Http {
                step,
                action,
                outcome,
                app_message,
                ..
            } => {
                note(*step, Some(action), "outcome", outcome.clone());
                note(*step, Some(action), "app message", app_message.clone());
            }
            TranscriptEntry::Log { step, lines } => {
                for line in lines {
                    note(*step, None, "log line", log_text(line));
                }
            }
            _ => {}
        }
    }
    out
}

fn times(n: usize) -> String {
    if n == 1 {
        String::new()
    } else {
        format!(" ({n} times)")
    }
}

/// The differences of one step's counts, for people.
fn step_differences(
    label: &str,
    before: &BTreeMap<(&'static str, String), usize>,
    now: &BTreeMap<(&'static str, String), usize>,
    out: &mut Vec<String>,
) {
    for what in ["outcome", "app message", "log line"] {
        let count = |m: &BTreeMap<(&'static str, String), usize>, v: &String| {
            m.get(&(what, v.clone())).copied().unwrap_or(0)
        };
        let values: std::collections::BTreeSet<&String> = before
            .keys()
            .chain(now.keys())
            .filter(|(w, _)| *w == what)
            .map(|(_, v)| v)
            .collect();
        let mut gone = Vec::new();
        let mut came = Vec::new();
        for v in values {
            let (b, n) = (count(before, v), count(now, v));
            if b > n {
                gone.push((v, b - n));
            } else if n > b {
                came.push((v, n - b));
            }
        }
        if let ([(old, k1)], [(new, k2)]) = (&gone[..], &came[..])
            && k1 == k2
        {
            out.push(format!(
                "{label}: {what} \"{old}\" → \"{new}\"{}",
                times(*k1)
            ));
            continue;
        }
        for (v, k) in gone {
            out.push(format!(
                "{label}: {what} \"{v}\" no longer seen{}",
                times(k)
            ));
        }
        for (v, k) in came {
            out.push(format!("{label}: {what} \"{v}\" newly seen{}", times(k)));
        }
    }
}

fn differences(a: &CaseReport, b: &CaseReport) -> Vec<String> {
    let (oa, ob) = (observations(a), observations(b));
    let empty = (String::new(), BTreeMap::new());
    let steps: std::collections::BTreeSet<&usize> = oa.keys().chain(ob.keys()).collect();
    let mut out = Vec::new();
    for step in steps {
        let (la, ca) = oa.get(step).unwrap_or(&empty);
        let (lb, cb) = ob.get(step).unwrap_or(&empty);
        let label = if la == lb || lb.is_empty() {
            la.clone()
        } else if la.is_empty() {
            lb.clone()
        } else {
            format!("step {step}")
        };
        step_differences(&label, ca, cb, &mut out);
    }
    if out.len() > MAX_DETAILS {
        let more = out.len() - MAX_DETAILS;
        out.truncate(MAX_DETAILS);
        out.push(format!("… and {more} more difference(s)"));
    }
    out
}

fn is_skip(v: Verdict) -> bool {
    matches!(v, Verdict::Skipped | Verdict::NotRun)
}

fn kind_of(before: Verdict, now: Verdict) -> Option<ChangeKind> {
    Some(match (before, now) {
        (b, n) if b == n => return None,
        (_, Verdict::Fail) => ChangeKind::NewFail,
        (_, n) if is_skip(n) => ChangeKind::NewlySkipped,
        (Verdict::Fail, _) => ChangeKind::Fixed,
        _ => ChangeKind::VerdictChanged,
    })
}

/// Compares two conformance runs (`*_source`: the paths given, for the report).
pub fn compare(
    (baseline, base_source): (&RunReport, &str),
    (new, new_source): (&RunReport, &str),
) -> ConformanceComparison {
    let before: BTreeMap<&str, &CaseReport> =
        baseline.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut changes = Vec::new();
    for case in &new.cases {
        let change = |kind, baseline, details| CaseChange {
            id: case.id.clone(),
            title: case.title.clone(),
            kind,
            baseline,
            new: Some(case.verdict),
            reason: case.reason.clone(),
            details,
        };
        match before.get(case.id.as_str()) {
            None => changes.push(change(ChangeKind::Added, None, Vec::new())),
            Some(old) => {
                let details = differences(old, case);
                match kind_of(old.verdict, case.verdict) {
                    Some(kind) => changes.push(change(kind, Some(old.verdict), details)),
                    None if !details.is_empty() => changes.push(change(
                        ChangeKind::ObservationChanged,
                        Some(old.verdict),
                        details,
                    )),
                    None => {}
                }
            }
        }
    }
    let now: BTreeMap<&str, &CaseReport> = new.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    for case in baseline
        .cases
        .iter()
        .filter(|c| !now.contains_key(c.id.as_str()))
    {
        changes.push(CaseChange {
            id: case.id.clone(),
            title: case.title.clone(),
            kind: ChangeKind::Removed,
            baseline: Some(case.verdict),
            new: None,
            reason: None,
            details: Vec::new(),
        });
    }
    changes.sort_by_key(|c| c.kind);
    let mut notes = Vec::new();
    if baseline.profile.name != new.profile.name {
        notes.push(format!(
            "the runs used different wire profiles ({} and {})",
            baseline.profile.name, new.profile.name
        ));
    }
    if baseline.selection != new.selection {
        notes.push("the runs selected cases differently".to_string());
    }
    for (which, r) in [("baseline", baseline), ("new run", new)] {
        if r.status != crate::report::RunStatus::Complete {
            notes.push(format!(
                "the {which} did not complete (status {:?}): its NOT-RUN cases never ran",
                r.status
            ));
        }
    }
    ConformanceComparison {
        baseline: side(base_source, baseline),
        new: side(new_source, new),
        passed: !changes.iter().any(|c| c.kind == ChangeKind::NewFail),
        changes,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_lose_their_time_only() {
        assert_eq!(
            log_text("node 1 @ 1767225600000: Provision code created for user \"u\""),
            "node 1: Provision code created for user \"u\""
        );
        assert_eq!(log_text("no time here"), "no time here");
    }

    #[test]
    fn changes_are_listed_by_kind_and_the_same_run_gives_none() {
        let base = crate::report::samples::sample_report();
        let same = compare((&base, "a"), (&base, "b"));
        assert!(same.changes.is_empty() && same.passed, "{:?}", same.changes);

        let mut new = base.clone();
        // provision-basic turns FAIL; reuse-sequential keeps FAIL but replies otherwise;
        // enumeration-oracle keeps INFO but its log moved to another time only.
        for case in &mut new.cases {
            match case.id.as_str() {
                "provision-basic" => case.verdict = Verdict::Fail,
                "reuse-sequential" => {
                    for e in &mut case.transcript {
                        if let TranscriptEntry::Http { outcome, .. } = e {
                            *outcome = "FAIL:OTHER".into();
                        }
                    }
                }
                _ => {}
            }
            for e in &mut case.transcript {
                if let TranscriptEntry::Log { lines, .. } = e {
                    for l in lines {
                        *l = l.replace("2026-11-29T19:30:13Z", "2027-01-01T00:00:00Z");
                    }
                }
            }
        }
        new.cases.retain(|c| c.id != "qr-code");
        let c = compare((&base, "a"), (&new, "b"));
        let kinds: Vec<(&str, ChangeKind)> =
            c.changes.iter().map(|c| (c.id.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("provision-basic", ChangeKind::NewFail),
                ("reuse-sequential", ChangeKind::ObservationChanged),
                ("qr-code", ChangeKind::Removed),
            ]
        );
        assert!(!c.passed);
        assert!(
            c.changes[1].details[0].contains("outcome \"PASS\" → \"FAIL:OTHER\""),
            "{:?}",
            c.changes[1].details
        );
    }

    #[test]
    fn verdict_changes_are_classified() {
        use Verdict::*;
        assert_eq!(kind_of(Pass, Pass), None);
        assert_eq!(kind_of(Pass, Fail), Some(ChangeKind::NewFail));
        assert_eq!(kind_of(Inconclusive, Fail), Some(ChangeKind::NewFail));
        assert_eq!(kind_of(Fail, Pass), Some(ChangeKind::Fixed));
        assert_eq!(kind_of(Fail, Skipped), Some(ChangeKind::NewlySkipped));
        assert_eq!(kind_of(Pass, NotRun), Some(ChangeKind::NewlySkipped));
        assert_eq!(kind_of(Pass, NonStrict), Some(ChangeKind::VerdictChanged));
    }
}
