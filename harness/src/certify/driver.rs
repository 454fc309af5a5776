//! Runs the plan: for each step, skip it if the app does not claim what it needs,
//! otherwise prepare the server, show the tester the step, let the self-test phone act
//! (when there is one), wait until the step's traffic and answers are in (or the tester
//! is done, or the step times out), and judge its cases; then judge the whole run's
//! traffic. The waits follow the session's version, so a step ends as soon as it can.

use std::sync::Arc;
use std::time::Duration;

use super::judge::{self, Evidence};
use super::observe::AppCall;
use super::plan::StepKind;
use super::prepare::prepare;
use super::selftest::SelfTestPhone;
use super::session::{Answer, Session, StepStatus};
use crate::codec::Outcome;

/// How the driver waits.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// A step that is not done by then is judged with what it has.
    pub step_timeout: Duration,
    /// Silence a negative step waits for after its last request.
    pub quiet: Duration,
    /// Silence a provision step waits for after its strings download.
    pub settle: Duration,
}

/// Something the driver reports as it goes (`--auto` prints these as JSON lines).
pub type EventSink<'a> = &'a (dyn Fn(serde_json::Value) + Sync);

/// Runs every step of the session's plan and then the whole-run cases.
pub async fn drive(
    session: &Arc<Session>,
    mut phone: Option<&mut SelfTestPhone>,
    options: &DriveOptions,
    events: EventSink<'_>,
) {
    for index in 0..session.plan.steps.len() {
        let Some(step) = session.plan.steps.get(index) else {
            continue;
        };
        let missing: Vec<String> = step
            .needs
            .iter()
            .filter(|f| !session.conformance.claims(**f))
            .map(|f| f.name().to_string())
            .collect();
        if !missing.is_empty() {
            let reason = format!(
                "the app does not claim {} (conformance statement)",
                missing.join(", ")
            );
            let cases = judge::skipped_step(&Evidence::snapshot(session), index, &reason);
            session.complete(index, StepStatus::Skipped(reason.clone()), cases);
            events(serde_json::json!({"event": "step-skipped", "step": step.id, "reason": reason}));
            continue;
        }
        let presentation = prepare(session, index);
        events(serde_json::json!({
            "event": "step",
            "step": step.id,
            "kind": step.kind,
            "title": step.title,
            "instruction": presentation.instruction,
            "code": presentation.code,
            "link": presentation.link,
            "message": presentation.message,
            "otcs": presentation.otcs,
        }));
        session.activate(index, presentation.clone());
        if let Some(phone) = phone.as_deref_mut() {
            let acting = phone.act(session, index, &presentation);
            let _ = tokio::time::timeout(options.step_timeout, acting).await;
        }
        wait_until_ready(session, index, options).await;
        let cases = judge::judge_step(&Evidence::snapshot(session), index);
        let verdicts: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| serde_json::json!({"case": c.id, "verdict": c.verdict}))
            .collect();
        session.complete(index, StepStatus::Done, cases);
        events(serde_json::json!({"event": "verdicts", "step": step.id, "cases": verdicts}));
    }
    let cases = judge::judge_traffic(&Evidence::snapshot(session));
    let verdicts: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| serde_json::json!({"case": c.id, "verdict": c.verdict}))
        .collect();
    session.finish(cases);
    events(serde_json::json!({"event": "verdicts", "step": "traffic", "cases": verdicts}));
}

async fn wait_until_ready(session: &Session, index: usize, options: &DriveOptions) {
    let mut changes = session.subscribe();
    let deadline = tokio::time::Instant::now() + options.step_timeout;
    loop {
        if ready(session, index, options) {
            return;
        }
        let tick = tokio::time::Instant::now() + Duration::from_millis(100);
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        let _ = tokio::time::timeout_at(tick.min(deadline), changes.changed()).await;
    }
}

/// Whether step `index` has what it needs.
fn ready(session: &Session, index: usize, options: &DriveOptions) -> bool {
    let ev = Evidence::snapshot(session);
    let (Some(step), Some(view)) = (ev.plan.steps.get(index), ev.steps.get(index)) else {
        return true;
    };
    if view.answers.iter().any(|a| a.answer == Answer::Done) {
        return true;
    }
    let now = session.now_ms();
    let started = view.started_ms.unwrap_or(0);
    let last_seen = ev
        .calls
        .iter()
        .filter(|c| c.step == Some(index))
        .map(|c| c.at_ms)
        .chain(
            ev.untrusted
                .iter()
                .filter(|u| u.step == Some(index))
                .map(|u| u.at_ms),
        )
        .max()
        .unwrap_or(started);
    let quiet_for = |d: Duration| now.saturating_sub(last_seen.max(started)) >= millis(d);
    let otcs = view.otcs().len() as u32;
    let strings_after_pass = || {
        let calls: Vec<_> = ev.in_step(index).collect();
        calls.iter().any(|p| {
            matches!(p.call, AppCall::Provision(_))
                && p.outcome == Outcome::Pass
                && calls.iter().any(|s| {
                    s.seq > p.seq
                        && matches!(s.call, AppCall::Strings { .. })
                        && s.outcome == Outcome::Pass
                })
        })
    };
    match step.kind {
        StepKind::Provision => strings_after_pass() && quiet_for(options.settle),
        StepKind::Otcs | StepKind::RunningOut => otcs >= step.otc_count(),
        StepKind::Refresh => otcs >= step.otc_count(),
        StepKind::UnboundDevice => otcs >= 1 && view.message().is_some(),
        StepKind::RefusedCode | StepKind::UntrustedCertificate => {
            view.message().is_some() && quiet_for(options.quiet)
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
