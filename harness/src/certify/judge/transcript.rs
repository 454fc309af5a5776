//! A judged case as the run reports show it (the same [`CaseReport`] as `run`): the rule
//! as Requirement, the judge's Expected and Actual, and a transcript of what the server
//! prepared, the requests that are the case's evidence and the tester's answers, with
//! every secret redacted as in `run` (codes, links, device ids, strings, OTCs, the PIN,
//! the agent secret).

use super::Judged;
use super::evidence::Evidence;
use crate::codec::Outcome;
use crate::emulator::app_message::app_message;
use crate::redact::{Redactor, SecretKind};
use crate::report::{CaseReport, TranscriptEntry};
use crate::rules;
use crate::verdict::{Level, Verdict};

/// Longest body shown in a transcript entry.
const SHOWN: usize = 2048;

/// A redactor that knows every secret of the run.
pub fn redactor(ev: &Evidence) -> Redactor {
    let mut r = Redactor::new();
    r.learn(&ev.facts.pin, SecretKind::Pin);
    r.learn(&ev.facts.agent_secret, SecretKind::Credential);
    for step in &ev.steps {
        if let Some(link) = &step.presentation.link {
            r.learn(link, SecretKind::Url);
        }
        if let Some(code) = &step.presentation.code {
            r.learn(code, SecretKind::Code);
        }
        for (_, otc) in step.otcs() {
            if let Some(otc) = otc {
                r.learn(&otc, SecretKind::Otc);
            }
        }
    }
    for (_, device) in ev.passes() {
        r.learn(&device, SecretKind::DeviceId);
    }
    for call in &ev.calls {
        if let super::super::observe::AppCall::Provision(p) = &call.call
            && let Some(code) = p.get(&ev.facts.profile.elements.provision_code)
        {
            r.learn(code, SecretKind::Code);
        }
        if let super::super::observe::AppCall::Strings {
            device_id: Some(id),
        } = &call.call
        {
            r.learn(id, SecretKind::DeviceId);
        }
    }
    for set in ev.sets() {
        for s in crate::codec::strings::strings_in_order(&set.text, &ev.facts.profile) {
            r.learn(s, SecretKind::String);
            if let Some(body) = s.get(..10) {
                r.learn(body, SecretKind::String);
            }
        }
    }
    r
}

fn clip(text: &str) -> String {
    if text.len() <= SHOWN {
        return text.to_string();
    }
    let mut end = SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more bytes not shown]",
        &text[..end],
        text.len() - end
    )
}

/// The report entry of `judged` for `rule` in `step` (None: the whole run).
pub fn case_report(ev: &Evidence, rule: &str, step: Option<usize>, judged: Judged) -> CaseReport {
    let r = redactor(ev);
    let spec = step.and_then(|i| ev.plan.steps.get(i));
    let step_id = spec.map_or("traffic", |s| s.id.as_str());
    let title = spec.map_or("All of the app's traffic", |s| s.title.as_str());
    let found = rules::get(rule);
    let level = found.map_or(Level::Must, |r| r.level);
    let requirement = found.map_or(String::new(), |r| format!("{rule} ({level}): {}", r.text));
    let mut transcript = Vec::new();
    let shown_step = step.map_or(0, |i| i + 1);
    if let Some(view) = step.and_then(|i| ev.steps.get(i)) {
        transcript.push(TranscriptEntry::Note {
            text: r.redact(&format!("instruction: {}", view.presentation.instruction)),
        });
        for note in &view.presentation.notes {
            transcript.push(TranscriptEntry::Control {
                step: shown_step,
                action: "server".into(),
                detail: r.redact(note),
            });
        }
    }
    for call in ev.calls.iter().filter(|c| judged.seqs.contains(&c.seq)) {
        let seen = &call.seen;
        transcript.push(TranscriptEntry::Http {
            step: call.step.map_or(0, |i| i + 1),
            action: format!("app: {} over {}", call.call.name(), seen.scheme),
            node: Some(1),
            method: seen.method.clone(),
            url: r.redact(&seen.url),
            request: r.redact(&clip(&seen.body)),
            status: Some(seen.status),
            response: r.redact(&clip(&seen.response)),
            outcome: call.outcome.key(),
            app_message: app_message(call.call.call(), &call.outcome).to_string(),
            elapsed_ms: 0,
        });
    }
    for u in ev.untrusted.iter().filter(|u| judged.seqs.contains(&u.seq)) {
        let s = &u.seen;
        let what = match (&s.handshake_error, &s.request_line) {
            (_, Some(line)) => format!("request {:?} ({} bytes)", line, s.request_bytes),
            (Some(e), None) => format!("TLS handshake failed: {e}"),
            (None, None) => "handshake done, no request".into(),
        };
        transcript.push(TranscriptEntry::Control {
            step: u.step.map_or(0, |i| i + 1),
            action: format!(
                "untrusted port: {} connection",
                if s.tls { "TLS" } else { "plain" }
            ),
            detail: r.redact(&what),
        });
    }
    if let Some(view) = step.and_then(|i| ev.steps.get(i)) {
        for a in &view.answers {
            let server = a
                .server
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            transcript.push(TranscriptEntry::Note {
                text: r.redact(&format!(
                    "tester ({}) at {} ms: {}{server}",
                    a.source,
                    a.at_ms,
                    describe_answer(&a.answer)
                )),
            });
        }
        for shot in &view.screenshots {
            transcript.push(TranscriptEntry::Note {
                text: format!("screenshot: screenshots/{shot}"),
            });
        }
    }
    transcript.push(TranscriptEntry::Check {
        step: shown_step,
        what: rule.to_string(),
        expected: r.redact(&judged.expected),
        actual: r.redact(&judged.actual),
        verdict: judged.verdict,
    });
    let reason = match judged.verdict {
        Verdict::Pass | Verdict::Info => None,
        _ => Some(r.redact(&first_line(&judged.actual))),
    };
    CaseReport {
        id: super::super::plan::case_id(rule, step_id),
        suite: ev.plan.name.clone(),
        title: format!("{rule}: {title}"),
        rules: vec![rule.to_string()],
        level,
        tags: vec![step_id.to_string()],
        verdict: judged.verdict,
        reason,
        requirement,
        expected: r.redact(&judged.expected),
        actual: r.redact(&judged.actual),
        duration_ms: step
            .and_then(|i| ev.steps.get(i))
            .and_then(|s| Some(s.ended_ms?.saturating_sub(s.started_ms?)))
            .unwrap_or(0),
        attempts: 1,
        transcript,
        configuration: None,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// An answer in words.
pub fn describe_answer(answer: &super::super::session::Answer) -> String {
    use super::super::session::{Answer, MessageSeen};
    match answer {
        Answer::Otc(otc) => format!("the app showed the OTC {otc}"),
        Answer::NoOtc => "the app showed no OTC".into(),
        Answer::Message(MessageSeen::Shown) => "the app showed the expected message".into(),
        Answer::Message(MessageSeen::Other(text)) => format!("the app showed {text:?}"),
        Answer::Message(MessageSeen::Nothing) => "the app showed no message".into(),
        Answer::Done => "done with the step".into(),
    }
}

/// Whether an outcome is a refusal by the server (a FAIL reply).
pub fn refused(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Fail(_))
}
