//! A certification run as a run report (the one serde model `run` uses, so the same four
//! writers render it): the app under test as the target (name, version, platform, its
//! claimed features as capabilities, the app defects of a self-test as defect switches),
//! the certify server's ports as listeners with what they saw, one row per client rule.

use std::collections::BTreeMap;

use super::observe::Seen;
use super::session::Session;
use crate::report::{
    ListenerReport, ProfileInfo, RuleRow, RunReport, RunStatus, Selection, Summary, TargetInfo,
    ToolInfo, rule_verdict,
};
use crate::rules::{self, Subject};
use crate::verdict::{Verdict, exit_code};

/// The run report of `session` so far.
pub fn run_report(session: &Session, started_at: &str, app_defects: &[String]) -> RunReport {
    let state = session.lock();
    let cases = state.cases.clone();
    let f = &session.facts;
    let c = &session.conformance;
    let mut app_port = BTreeMap::new();
    let mut untrusted = BTreeMap::new();
    for o in &state.observed {
        match &o.seen {
            Seen::App(h) => {
                *app_port
                    .entry(format!("requests over {}", h.scheme))
                    .or_insert(0) += 1;
            }
            Seen::Untrusted(u) => {
                *untrusted.entry("connections".to_string()).or_insert(0) += 1;
                if u.handshake_error.is_some() {
                    *untrusted
                        .entry("handshakes refused".to_string())
                        .or_insert(0) += 1;
                }
                if u.request_bytes > 0 {
                    *untrusted
                        .entry("requests received".to_string())
                        .or_insert(0) += 1;
                }
            }
        }
    }
    let finished = state.finished;
    drop(state);
    let mut capabilities: Vec<String> = c.features.iter().map(|f| format!("claims {f}")).collect();
    capabilities.push(if f.scheme == "https" {
        "https (the run's CA)".into()
    } else {
        "plain HTTP (--http): the app's traffic was not protected".into()
    });
    let mut summary = Summary {
        total: cases.len(),
        ..Summary::default()
    };
    for case in &cases {
        match case.verdict {
            Verdict::Pass => summary.pass += 1,
            Verdict::NonStrict => summary.non_strict += 1,
            Verdict::Fail => summary.fail += 1,
            Verdict::Info => summary.info += 1,
            Verdict::Inconclusive => summary.inconclusive += 1,
            Verdict::Skipped => summary.skipped += 1,
            Verdict::NotRun => summary.not_run += 1,
        }
    }
    summary.exit_code = exit_code(cases.iter().map(|c| c.verdict));
    summary.duration_ms = u64::try_from(session.elapsed().as_millis()).unwrap_or(u64::MAX);
    let rules = rules::all()
        .iter()
        .filter(|r| r.subject == Subject::Client)
        .map(|r| {
            let citing: Vec<_> = cases
                .iter()
                .filter(|c| c.rules.iter().any(|x| r.id == x.as_str()))
                .collect();
            let judged: Vec<_> = citing.iter().map(|c| (c.level, c.verdict)).collect();
            let (verdict, skipped) = rule_verdict(r.level, &judged);
            RuleRow {
                id: r.id,
                level: r.level,
                text: r.text.to_string(),
                evidence: r.evidence.to_string(),
                cases: citing.iter().map(|c| c.id.clone()).collect(),
                verdict,
                skipped,
            }
        })
        .collect();
    let profile = &f.profile;
    RunReport {
        schema_version: crate::report::SCHEMA_VERSION,
        run_id: f.run_id.clone(),
        tool: ToolInfo {
            name: "swivel-harness certify".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: started_at.to_string(),
        finished_at: finished
            .then(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        status: if finished {
            RunStatus::Complete
        } else {
            RunStatus::Running
        },
        target: TargetInfo {
            kind: format!("app {} {} on {}", c.name, c.version, c.platform),
            nodes: vec![f.base_url(), f.untrusted_url()],
            capabilities,
            defects: app_defects.to_vec(),
            policies: Default::default(),
            users_left: Vec::new(),
            listeners: vec![
                ListenerReport {
                    name: "app port".into(),
                    address: format!("{}:{}", f.host, f.port),
                    counts: app_port,
                },
                ListenerReport {
                    name: "untrusted port (CLI-8)".into(),
                    address: format!("{}:{}", f.host, f.untrusted_port),
                    counts: untrusted,
                },
            ],
        },
        profile: ProfileInfo {
            name: profile.name.clone(),
            source: profile.source().to_string(),
            hint_parts: profile.parts_with(crate::profile::Evidence::Hint),
            assumed_parts: profile.parts_with(crate::profile::Evidence::Assumed),
        },
        selection: Selection {
            suites: vec![session.plan.name.clone()],
            ..Selection::default()
        },
        summary,
        rules,
        cases,
        waiver_problems: Vec::new(),
        configurations: Vec::new(),
    }
}
