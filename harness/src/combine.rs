//! `report combine RUN...`: one conformance report from runs against differently
//! configured servers. A real server has one set of console policies at a time, so one
//! run judges only the cases its configuration can serve (README "What one
//! configuration can judge"); a server team runs the suite against each configuration of
//! its lab server and combines the runs into one statement.
//!
//! A case's entry comes from the runs that judged it (neither SKIPPED nor NOT-RUN): the
//! worst of their verdicts (FAIL, then NON-STRICT, PASS, INFO, INCONCLUSIVE), so a rule
//! broken under any configuration stays broken; its transcript opens with a note giving
//! every configuration's verdict. A case no run judged stays SKIPPED (or NOT-RUN) with
//! every configuration's reason. Runs are combined only when they can speak for one
//! server and one catalogue: complete, same tool, profile, target kind and defect
//! switches, and every case the same (rules, level) wherever it appears.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::compare::{self, CompareError, SavedRun};
use crate::report::{
    CaseReport, ConfigurationReport, RunReport, RunStatus, SCHEMA_VERSION, Selection, TargetInfo,
    TranscriptEntry, new_run_id,
};
use crate::runner::refresh;
use crate::verdict::Verdict;

/// Why runs cannot be combined.
#[derive(Debug, thiserror::Error)]
pub enum CombineError {
    /// A run could not be read.
    #[error(transparent)]
    Open(#[from] CompareError),
    /// A load run was given.
    #[error("{0} is a load run; combine takes conformance runs")]
    NotConformance(String),
    /// Fewer than two runs.
    #[error("give at least two runs to combine (got {0})")]
    TooFew(usize),
    /// One run given twice.
    #[error("run {run_id} is given twice (as {first_label} and as {label})")]
    SameRun {
        /// The run.
        run_id: String,
        /// Its first label.
        first_label: String,
        /// Its second label.
        label: String,
    },
    /// A label was used twice.
    #[error("two runs are labelled {0:?}; labels must differ")]
    DuplicateLabel(String),
    /// An interrupted or unfinished run.
    #[error("{path} is {status}: combine complete runs only")]
    Incomplete {
        /// The run.
        path: String,
        /// Its status.
        status: &'static str,
    },
    /// The runs disagree on something one statement needs to share.
    #[error("{what} differs: {first_label} has {first}, {label} has {other}")]
    Differs {
        /// What differs.
        what: &'static str,
        /// The first run's label and value.
        first_label: String,
        /// The first run's value.
        first: String,
        /// The other run's label.
        label: String,
        /// The other run's value.
        other: String,
    },
    /// The same case differs between runs (the catalogue changed between them).
    #[error(
        "case {case} differs between {first_label} and {label} ({what}): was the catalogue changed between the runs?"
    )]
    CaseDiffers {
        /// Case ID.
        case: String,
        /// What differs.
        what: &'static str,
        /// The first run holding it.
        first_label: String,
        /// The other run.
        label: String,
    },
}

/// One run to combine: its label and report.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// What the combined report calls it.
    pub label: String,
    /// Where it was read from.
    pub source: String,
    /// Its report.
    pub report: RunReport,
}

/// Reads `LABEL=PATH` or `PATH` (labelled with the run id): a run directory or its
/// `report.json`.
pub fn open(arg: &str) -> Result<Configuration, CombineError> {
    // A label is a plain word before the first `=`; a path may hold `=` of its own.
    let (label, path) = match arg.split_once('=') {
        Some((label, path))
            if !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !Path::new(arg).exists() =>
        {
            (Some(label.to_string()), PathBuf::from(path))
        }
        _ => (None, PathBuf::from(arg)),
    };
    let report = match compare::open(&path)? {
        SavedRun::Conformance(report) => *report,
        SavedRun::Load(..) => return Err(CombineError::NotConformance(path.display().to_string())),
    };
    Ok(Configuration {
        label: label.unwrap_or_else(|| report.run_id.clone()),
        source: path.display().to_string(),
        report,
    })
}

fn judged(v: Verdict) -> bool {
    !matches!(v, Verdict::Skipped | Verdict::NotRun)
}

/// Which judged verdict a combined case takes: the worst.
fn severity(v: Verdict) -> u8 {
    match v {
        Verdict::Fail => 0,
        Verdict::NonStrict => 1,
        Verdict::Pass => 2,
        Verdict::Info => 3,
        Verdict::Inconclusive => 4,
        Verdict::Skipped => 5,
        Verdict::NotRun => 6,
    }
}

fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "still running",
        RunStatus::Complete => "complete",
        RunStatus::Interrupted => "interrupted",
    }
}

fn check_same(
    what: &'static str,
    first: &Configuration,
    other: &Configuration,
    value: impl Fn(&RunReport) -> String,
) -> Result<(), CombineError> {
    let (a, b) = (value(&first.report), value(&other.report));
    if a == b {
        Ok(())
    } else {
        Err(CombineError::Differs {
            what,
            first_label: first.label.clone(),
            first: a,
            label: other.label.clone(),
            other: b,
        })
    }
}

fn check(configs: &[Configuration]) -> Result<(), CombineError> {
    if configs.len() < 2 {
        return Err(CombineError::TooFew(configs.len()));
    }
    let mut labels = BTreeSet::new();
    for c in configs {
        if !labels.insert(c.label.as_str()) {
            return Err(CombineError::DuplicateLabel(c.label.clone()));
        }
        if c.report.status != RunStatus::Complete {
            return Err(CombineError::Incomplete {
                path: c.source.clone(),
                status: status_name(c.report.status),
            });
        }
    }
    for (i, a) in configs.iter().enumerate() {
        if let Some(b) = configs[i + 1..]
            .iter()
            .find(|b| b.report.run_id == a.report.run_id)
        {
            return Err(CombineError::SameRun {
                run_id: a.report.run_id.clone(),
                first_label: a.label.clone(),
                label: b.label.clone(),
            });
        }
    }
    let first = &configs[0];
    for other in &configs[1..] {
        check_same("the tool", first, other, |r| {
            format!("{} {}", r.tool.name, r.tool.version)
        })?;
        check_same("the wire profile", first, other, |r| r.profile.name.clone())?;
        check_same("the target kind", first, other, |r| r.target.kind.clone())?;
        check_same("the defect switches", first, other, |r| {
            format!("[{}]", r.target.defects.join(", "))
        })?;
        if !other.report.configurations.is_empty() || !first.report.configurations.is_empty() {
            return Err(CombineError::Differs {
                what: "what a run is",
                first_label: first.label.clone(),
                first: "a run".into(),
                label: other.label.clone(),
                other: "already a combined report; combine the runs themselves".into(),
            });
        }
    }
    // The same case must mean the same thing in every run.
    for (i, a) in configs.iter().enumerate() {
        for b in &configs[i + 1..] {
            for ca in &a.report.cases {
                let Some(cb) = b.report.cases.iter().find(|c| c.id == ca.id) else {
                    continue;
                };
                let what = if ca.rules != cb.rules {
                    Some("rules")
                } else if ca.level != cb.level {
                    Some("level")
                } else {
                    None
                };
                if let Some(what) = what {
                    return Err(CombineError::CaseDiffers {
                        case: ca.id.clone(),
                        what,
                        first_label: a.label.clone(),
                        label: b.label.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Every configuration's verdict of a case, as one line.
fn verdicts_line(entries: &[(&Configuration, &CaseReport)]) -> String {
    entries
        .iter()
        .map(
            |(config, case)| match (&case.reason, judged(case.verdict)) {
                (Some(reason), false) => format!("{}: {} ({reason})", config.label, case.verdict),
                _ => format!("{}: {}", config.label, case.verdict),
            },
        )
        .collect::<Vec<_>>()
        .join("; ")
}

/// The combined entry of one case from its entries in the runs holding it.
/// `None` only when `entries` is empty.
fn combine_case(entries: &[(&Configuration, &CaseReport)]) -> Option<CaseReport> {
    let (config, case) = entries
        .iter()
        .min_by_key(|(_, case)| severity(case.verdict))
        .copied()?;
    let mut out = case.clone();
    let all = verdicts_line(entries);
    if judged(case.verdict) {
        out.configuration = Some(config.label.clone());
        out.transcript.insert(
            0,
            TranscriptEntry::Note {
                text: format!(
                    "combined: {} in configuration {} (run {}); every configuration: {all}",
                    case.verdict, config.label, config.report.run_id
                ),
            },
        );
    } else {
        // Judged nowhere: the reasons of every configuration say what each lacked.
        out.reason = Some(format!("judged in no configuration: {all}"));
        out.transcript = vec![TranscriptEntry::Note {
            text: format!("combined: judged in no configuration; {all}"),
        }];
    }
    Some(out)
}

fn union(lists: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in lists.flatten() {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// One report from `configs` (at least two complete runs of the same tool, profile,
/// target kind and defects). Cases keep the order of their first appearance.
pub fn combine(configs: &[Configuration]) -> Result<RunReport, CombineError> {
    check(configs)?;
    let first = &configs[0].report;
    let mut ids: Vec<&str> = Vec::new();
    for c in configs {
        for case in &c.report.cases {
            if !ids.contains(&case.id.as_str()) {
                ids.push(&case.id);
            }
        }
    }
    let cases: Vec<CaseReport> = ids
        .iter()
        .filter_map(|id| {
            let entries: Vec<(&Configuration, &CaseReport)> = configs
                .iter()
                .filter_map(|c| c.report.cases.iter().find(|x| x.id == *id).map(|x| (c, x)))
                .collect();
            combine_case(&entries)
        })
        .collect();
    let configurations = configs
        .iter()
        .map(|c| ConfigurationReport {
            label: c.label.clone(),
            run_id: c.report.run_id.clone(),
            source: c.source.clone(),
            target: c.report.target.clone(),
            judged: c.report.cases.iter().filter(|x| judged(x.verdict)).count(),
            total: c.report.cases.len(),
            chosen: cases
                .iter()
                .filter(|x| x.configuration.as_deref() == Some(c.label.as_str()))
                .count(),
        })
        .collect();
    let reports = || configs.iter().map(|c| &c.report);
    let mut report = RunReport {
        schema_version: SCHEMA_VERSION,
        run_id: new_run_id(),
        tool: first.tool.clone(),
        started_at: reports()
            .map(|r| r.started_at.clone())
            .min()
            .unwrap_or_default(),
        finished_at: reports().filter_map(|r| r.finished_at.clone()).max(),
        status: RunStatus::Complete,
        target: TargetInfo {
            kind: first.target.kind.clone(),
            nodes: union(reports().map(|r| r.target.nodes.clone())),
            capabilities: vec![format!("configurations:{}", configs.len())],
            defects: first.target.defects.clone(),
            listeners: Vec::new(),
            policies: Default::default(),
            users_left: Vec::new(),
        },
        profile: first.profile.clone(),
        selection: Selection {
            suites: union(reports().map(|r| r.selection.suites.clone())),
            cases: union(reports().map(|r| r.selection.cases.clone())),
            tags: union(reports().map(|r| r.selection.tags.clone())),
            rules: union(reports().map(|r| r.selection.rules.clone())),
            waivers: reports().find_map(|r| r.selection.waivers.clone()),
        },
        summary: Default::default(),
        rules: Vec::new(),
        cases,
        waiver_problems: union(reports().map(|r| r.waiver_problems.clone())),
        configurations,
    };
    let duration = reports().map(|r| r.summary.duration_ms).sum();
    refresh(&mut report, duration);
    Ok(report)
}

#[cfg(test)]
mod tests;
