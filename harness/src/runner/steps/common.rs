//! What several actions share (not an action itself): grading a condition, grading an
//! exchange against the step's `expect`/`non_strict` while keeping its evidence and
//! learning its secrets, reading `save_reply` values, and the control API's errors and
//! accepted/refused replies.

use crate::codec::strings::positions;
use std::sync::Arc;

use crate::emulator::Exchange;
use crate::redact::SecretKind;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::expect::Grade;
use crate::scenario::step::Step;
use crate::sut::{Backstage, BackstageError};

/// Builds a PASS or a violation from a condition.
pub(crate) fn judge(
    ok: bool,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> StepResult {
    let (expected, actual) = (expected.into(), actual.into());
    if ok {
        StepResult::Pass { expected, actual }
    } else {
        StepResult::Violation { expected, actual }
    }
}

/// A backstage call that did not complete (or was refused where no refusal is graded):
/// INCONCLUSIVE.
pub(crate) fn backstage_failed(e: BackstageError) -> StepResult {
    StepResult::Inconclusive(e.to_string())
}

/// `accepted` or `refused` from a backstage reply; failures are inconclusive. Gives the
/// reply when accepted and the refusal's text.
pub(crate) fn acceptance<T>(
    result: Result<T, BackstageError>,
) -> Result<(&'static str, Option<T>, String), StepResult> {
    match result {
        Ok(v) => Ok(("accepted", Some(v), String::new())),
        Err(e) if e.is_refusal() => Ok(("refused", None, e.to_string())),
        Err(e) => Err(backstage_failed(e)),
    }
}

/// The load-time check of an action graded `accepted` or `refused`.
pub(crate) fn check_acceptance(step: &Step) -> Result<(), String> {
    match step.expect.as_slice() {
        [one] if one == "accepted" || one == "refused" => Ok(()),
        other => Err(format!(
            "`expect` is \"accepted\" or \"refused\", not {other:?}"
        )),
    }
}

/// A string's shape with its characters hidden: digits as 9, letters as A/a.
pub(crate) fn shape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => '9',
            'A'..='Z' => 'A',
            'a'..='z' => 'a',
            other => other,
        })
        .collect()
}

impl CaseRun<'_> {
    /// What the target offers behind the mobile wire; the runner only starts a case
    /// whose target offers what its steps declare, so a step reaching this without one
    /// has not declared it.
    pub(crate) fn backstage(&self, step: &Step) -> Result<Arc<dyn Backstage>, StepResult> {
        self.env.backstage.clone().ok_or_else(|| {
            StepResult::Inconclusive(format!(
                "harness error: step {} needs users, codes, messages, log, policies or time without declaring it",
                step.name()
            ))
        })
    }

    /// Keeps an exchange as evidence, learns the secrets in its reply, saves it under the
    /// step's `save_reply`, and grades its outcome against `expect` and `non_strict`. A
    /// PASS states the outcome as both expected and actual; the action's own checks on
    /// a PASS (a device id, an index, a QR image) may replace it.
    pub(crate) fn take_exchange(&mut self, step: &Step, x: &Exchange, what: &str) -> StepResult {
        if let Some(text) = x.reply.as_ref().and_then(|r| r.strings_text.as_ref()) {
            for s in positions(text, self.client.profile()) {
                self.redactor.learn(s, SecretKind::String);
            }
        }
        self.record_exchange(x, what);
        if let Some(prefix) = &step.save_reply {
            self.save_reply(prefix, x);
        }
        grade(x, step)
    }

    /// Adds an exchange to the transcript.
    pub(crate) fn record_exchange(&mut self, x: &Exchange, what: &str) {
        self.transcript.push(TranscriptEntry::Http {
            step: self.step,
            action: what.to_string(),
            node: None,
            method: x.method.clone(),
            url: x.url.clone(),
            request: x.request_body.clone(),
            status: x.status,
            response: x.response_body.clone(),
            outcome: x.outcome.key(),
            app_message: x.app_message().to_string(),
            elapsed_ms: u64::try_from(x.elapsed.as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// Adds a control action to the transcript.
    pub(crate) fn note_control(&mut self, action: String, detail: String) {
        self.transcript.push(TranscriptEntry::Control {
            step: self.step,
            action,
            detail,
        });
    }

    /// Sets `<prefix>.outcome`, `.status`, `.body`, `.app_message`, `.elapsed_ms` and, for
    /// a readable reply, `.error`, `.message`, `.policy.<Id>` and `.policies_shape`.
    fn save_reply(&mut self, prefix: &str, x: &Exchange) {
        let mut set = |k: &str, v: String| self.vars.set(&format!("{prefix}.{k}"), v);
        set("outcome", x.outcome.key());
        set(
            "status",
            x.status.map(|s| s.to_string()).unwrap_or_default(),
        );
        set("body", x.response_body.clone());
        set("app_message", x.app_message().to_string());
        set("elapsed_ms", x.elapsed.as_millis().to_string());
        if let Some(reply) = &x.reply {
            set("error", reply.error.clone().unwrap_or_default());
            set("message", reply.message.clone().unwrap_or_default());
            for (id, content) in &reply.policies {
                set(&format!("policy.{id}"), content.clone());
            }
            set(
                "policies_shape",
                reply.policies_shape.unwrap_or_default().to_string(),
            );
        }
    }
}

/// Grades an exchange's outcome against the step's acceptable outcomes; a transport
/// failure that is not expected is INCONCLUSIVE, never a verdict on the server.
fn grade(x: &Exchange, step: &Step) -> StepResult {
    let expect = step.grading();
    let key = x.outcome.key();
    let actual = match x.reply.as_ref().and_then(|r| r.message.as_ref()) {
        Some(m) if !m.is_empty() => format!("{key} ({m}); the app shows \"{}\"", x.app_message()),
        _ => format!("{key}; the app shows \"{}\"", x.app_message()),
    };
    match expect.grade(&key) {
        Grade::Pass => StepResult::Pass {
            expected: key.clone(),
            actual: key,
        },
        _ if x.outcome.is_transport() => {
            StepResult::Inconclusive(format!("{} {}: {key}", x.method, x.url))
        }
        Grade::NonStrict => StepResult::NonStrict {
            expected: expect.describe(),
            actual,
        },
        Grade::Violation => StepResult::Violation {
            expected: expect.describe(),
            actual,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_hide_characters() {
        assert_eq!(shape("Ab9-"), "Aa9-");
    }
}
