//! The rule matrix, built one way for `list --rules` (which cases cite each rule) and for
//! every report of `run` (the same rows with each rule's verdict): [`coverage`]. Client
//! rules (protocol.md §11) are judged by certification and server rules awaiting a judge
//! (e.g. SYS-1) by nothing yet; both are listed apart and stay out of the rows.
//!
//! A rule's verdict says what was judged ([`rule_verdict`]): FAIL or NON-STRICT if a case
//! says so; otherwise PASS when at least one case passed, with the count of its skipped
//! cases beside it; SKIPPED only when every case of the rule was skipped. INFO cases do
//! not decide a MUST or SHOULD rule (a security probe citing PC-1 records, it does not
//! judge); an INFO rule reads INFO.

use super::model::{CaseReport, RuleRow};
use crate::rules::{self, Judge, Level, Rule};
use crate::scenario::Case;
use crate::verdict::Verdict;

/// A case as the matrix sees it.
#[derive(Debug, Clone, Copy)]
pub struct CaseRef<'a> {
    /// Case ID.
    pub id: &'a str,
    /// The rule IDs it cites.
    pub rules: &'a [String],
    /// Its level.
    pub level: Level,
    /// Its verdict, once it has one (`list --rules` runs nothing).
    pub verdict: Option<Verdict>,
}

impl<'a> From<&'a CaseReport> for CaseRef<'a> {
    fn from(c: &'a CaseReport) -> Self {
        CaseRef {
            id: &c.id,
            rules: &c.rules,
            level: c.level,
            verdict: Some(c.verdict),
        }
    }
}

impl<'a> From<&'a Case> for CaseRef<'a> {
    fn from(c: &'a Case) -> Self {
        CaseRef {
            id: &c.id,
            rules: &c.rules,
            level: c.level,
            verdict: None,
        }
    }
}

/// The catalogue against a set of cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// One row per rule `run` judges, in protocol.md order.
    pub rows: Vec<RuleRow>,
    /// Server rules no check judges yet, with what each waits for.
    pub awaiting: Vec<&'static Rule>,
    /// Client rules, judged by certification.
    pub certification: Vec<&'static Rule>,
}

impl Coverage {
    /// Rows no case cites.
    pub fn uncovered(&self) -> usize {
        self.rows.iter().filter(|r| r.cases.is_empty()).count()
    }
}

/// The rule matrix of `cases`.
pub fn coverage<'a>(cases: impl IntoIterator<Item = CaseRef<'a>>) -> Coverage {
    let cases: Vec<CaseRef<'a>> = cases.into_iter().collect();
    let mut out = Coverage {
        rows: Vec::new(),
        awaiting: Vec::new(),
        certification: Vec::new(),
    };
    for rule in rules::all() {
        match rule.judge() {
            Judge::Certification => out.certification.push(rule),
            Judge::Awaiting(_) => out.awaiting.push(rule),
            Judge::Run => {
                let citing: Vec<&CaseRef<'a>> = cases
                    .iter()
                    .filter(|c| c.rules.iter().any(|r| rule.id == r.as_str()))
                    .collect();
                let judged: Vec<(Level, Verdict)> = citing
                    .iter()
                    .filter_map(|c| c.verdict.map(|v| (c.level, v)))
                    .collect();
                let (verdict, skipped) = rule_verdict(rule.level, &judged);
                out.rows.push(RuleRow {
                    id: rule.id,
                    level: rule.level,
                    text: rule.text.to_string(),
                    evidence: rule.evidence.to_string(),
                    cases: citing.iter().map(|c| c.id.to_string()).collect(),
                    verdict,
                    skipped,
                });
            }
        }
    }
    out
}

/// The verdict of a rule at `level` from the (level, verdict) of each case citing it, and
/// the count of those deciding cases that were skipped; `None` when no case has a verdict.
pub fn rule_verdict(level: Level, cases: &[(Level, Verdict)]) -> (Option<Verdict>, usize) {
    if cases.is_empty() {
        return (None, 0);
    }
    // INFO cases record; they decide a MUST or SHOULD rule only when nothing else cites it.
    let judged: Vec<Verdict> = cases
        .iter()
        .filter(|(l, _)| level == Level::Info || *l != Level::Info)
        .map(|(_, v)| *v)
        .collect();
    let deciding: Vec<Verdict> = if judged.is_empty() {
        cases.iter().map(|(_, v)| *v).collect()
    } else {
        judged
    };
    let has = |v: Verdict| deciding.contains(&v);
    let skipped = deciding.iter().filter(|v| **v == Verdict::Skipped).count();
    let ran = [
        Verdict::Pass,
        Verdict::NonStrict,
        Verdict::Fail,
        Verdict::Info,
    ];
    let verdict = if level == Level::Info && ran.iter().any(|v| has(*v)) {
        Verdict::Info
    } else if let Some(v) = [
        Verdict::Fail,
        Verdict::NonStrict,
        Verdict::Pass,
        Verdict::Info,
        Verdict::Inconclusive,
        Verdict::NotRun,
    ]
    .into_iter()
    .find(|v| has(*v))
    {
        v
    } else {
        Verdict::Skipped
    };
    (Some(verdict), skipped)
}

#[cfg(test)]
mod tests;
