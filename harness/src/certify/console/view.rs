//! What the console page reads (`GET /api/state`): the app and run, every step with its
//! status, what the tester is shown and asked, the answers so far and the verdicts, the
//! traffic as the server saw it (redacted as in the reports: the tester sees the codes
//! the plan gives them, never the strings, device ids or the PIN in the traffic), and,
//! in a self-test, the emulated phone's screen.

use base64::Engine as _;
use serde_json::{Value, json};

use super::super::judge::Evidence;
use super::super::judge::transcript_redactor;
use super::super::session::Session;
use crate::codec::Outcome;
use swivel_reference_server::http::qr::qr_png;

/// Traffic rows shown (the newest).
const TRAFFIC_ROWS: usize = 60;

/// The page's view of `session` at `version`.
pub fn view(session: &Session, version: u64) -> Value {
    let ev = Evidence::snapshot(session);
    let redactor = transcript_redactor(&ev);
    let (active, finished, phone, cases) = {
        let state = session.lock();
        (
            state.active,
            state.finished,
            state.phone.clone(),
            state.cases.clone(),
        )
    };
    let steps: Vec<Value> = ev
        .plan
        .steps
        .iter()
        .zip(&ev.steps)
        .enumerate()
        .map(|(i, (spec, st))| {
            let verdicts: Vec<Value> = cases
                .iter()
                .filter(|c| c.tags.first() == Some(&spec.id))
                .map(|c| json!({"case": c.id, "verdict": c.verdict, "reason": c.reason}))
                .collect();
            let p = &st.presentation;
            let qr = (active == Some(i))
                .then_some(p.link.as_deref())
                .flatten()
                .and_then(|link| qr_png(link).ok())
                .map(|png| {
                    format!(
                        "data:image/png;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(png)
                    )
                });
            let answers: Vec<String> = st
                .answers
                .iter()
                .map(|a| {
                    let server = a
                        .server
                        .as_deref()
                        .map(|s| format!(" — {s}"))
                        .unwrap_or_default();
                    format!(
                        "{}: {}{server}",
                        a.source,
                        super::super::judge::describe_answer(&a.answer)
                    )
                })
                .collect();
            json!({
                "id": spec.id,
                "title": spec.title,
                "kind": spec.kind,
                "status": st.status,
                "instruction": p.instruction,
                "code": p.code,
                "link": p.link,
                "qr": qr,
                "message": p.message,
                "otcs": p.otcs,
                "notes": p.notes,
                "answers": answers,
                "screenshots": st.screenshots,
                "verdicts": verdicts,
            })
        })
        .collect();
    let traffic: Vec<Value> = ev
        .calls
        .iter()
        .rev()
        .take(TRAFFIC_ROWS)
        .map(|c| {
            let outcome = match &c.outcome {
                Outcome::Pass => "PASS".to_string(),
                other => other.key(),
            };
            json!({
                "seq": c.seq,
                "step": c.step.and_then(|i| ev.plan.steps.get(i)).map(|s| s.id.clone()),
                "line": redactor.redact(&format!(
                    "{} {} {} → {} ({}, {})",
                    c.seen.scheme, c.seen.method, c.seen.path, c.seen.status, c.call.name(), outcome
                )),
            })
        })
        .chain(ev.untrusted.iter().rev().take(10).map(|u| {
            let what = match (&u.seen.request_line, &u.seen.handshake_error) {
                (Some(line), _) => format!("request {line:?}"),
                (None, Some(e)) => format!("handshake refused: {e}"),
                (None, None) => "no request".into(),
            };
            json!({
                "seq": u.seq,
                "step": u.step.and_then(|i| ev.plan.steps.get(i)).map(|s| s.id.clone()),
                "line": redactor.redact(&format!("untrusted port: {what}")),
            })
        }))
        .collect();
    let c = &session.conformance;
    json!({
        "version": version,
        "finished": finished,
        "run_id": ev.facts.run_id,
        "app": format!("{} {} on {}", c.name, c.version, c.platform),
        "server": ev.facts.base_url(),
        "site_id": ev.facts.site_id,
        "active": active.and_then(|i| ev.plan.steps.get(i)).map(|s| s.id.clone()),
        "steps": steps,
        "traffic": traffic,
        "phone": phone,
        "summary": summary(&cases),
    })
}

fn summary(cases: &[crate::report::CaseReport]) -> Value {
    let mut counts = std::collections::BTreeMap::new();
    for c in cases {
        *counts.entry(c.verdict.as_str()).or_insert(0) += 1;
    }
    json!(counts)
}
