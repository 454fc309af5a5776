//! A snapshot of a run as the judges read it: every request on the app's port classified
//! ([`CallView`]), every connection to the untrusted port, every step with its answers,
//! and what follows from them: the strings sets the app received ([`StringSet`]) and
//! which set an OTC came from ([`otc_match`]).

use super::super::observe::{AppCall, HttpSeen, Seen, UntrustedSeen, classify, reply_of};
use super::super::plan::Plan;
use super::super::session::{Answer, AnswerRecord, Facts, Presentation, Session, StepStatus};
use crate::codec::otc::app_otc;
use crate::codec::strings::string_for_index;
use crate::codec::{Outcome, Reply};

/// One request on the app's port, read.
#[derive(Debug, Clone)]
pub struct CallView {
    /// Observation number.
    pub seq: u64,
    /// When (ms since start).
    pub at_ms: u64,
    /// The step active then.
    pub step: Option<usize>,
    /// What arrived.
    pub seen: HttpSeen,
    /// What it was.
    pub call: AppCall,
    /// The reply as the app reads it.
    pub outcome: Outcome,
    /// The parsed reply.
    pub reply: Option<Reply>,
}

/// A connection to the untrusted port.
#[derive(Debug, Clone)]
pub struct UntrustedView {
    /// Observation number.
    pub seq: u64,
    /// When.
    pub at_ms: u64,
    /// The step active then.
    pub step: Option<usize>,
    /// What happened.
    pub seen: UntrustedSeen,
}

/// One step as recorded.
#[derive(Debug, Clone)]
pub struct StepView {
    /// Where it stands.
    pub status: StepStatus,
    /// Start, ms.
    pub started_ms: Option<u64>,
    /// End, ms.
    pub ended_ms: Option<u64>,
    /// What the tester was shown.
    pub presentation: Presentation,
    /// The answers.
    pub answers: Vec<AnswerRecord>,
    /// Screenshot file names.
    pub screenshots: Vec<String>,
}

impl StepView {
    /// The OTC answers (`Some(otc)`, or `None` for "no OTC shown"), in order, each with
    /// the number of observations before it.
    pub fn otcs(&self) -> Vec<(u64, Option<String>)> {
        self.answers
            .iter()
            .filter_map(|a| match &a.answer {
                Answer::Otc(otc) => Some((
                    a.after_seq,
                    Some(otc.chars().filter(|c| !c.is_whitespace()).collect()),
                )),
                Answer::NoOtc => Some((a.after_seq, None)),
                _ => None,
            })
            .collect()
    }

    /// The last message answer.
    pub fn message(&self) -> Option<&super::super::session::MessageSeen> {
        self.answers.iter().rev().find_map(|a| match &a.answer {
            Answer::Message(m) => Some(m),
            _ => None,
        })
    }
}

/// A download the app received.
#[derive(Debug, Clone)]
pub struct StringSet {
    /// The observation that brought it.
    pub seq: u64,
    /// When.
    pub at_ms: u64,
    /// The step it came in.
    pub step: Option<usize>,
    /// The device id the request carried.
    pub device_id: Option<String>,
    /// The `<SecurityStrings>` text.
    pub text: String,
}

/// The whole run, frozen.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The plan.
    pub plan: Plan,
    /// The run's facts.
    pub facts: Facts,
    /// Every step.
    pub steps: Vec<StepView>,
    /// Requests on the app's port.
    pub calls: Vec<CallView>,
    /// Connections to the untrusted port.
    pub untrusted: Vec<UntrustedView>,
}

impl Evidence {
    /// Reads the session.
    pub fn snapshot(session: &Session) -> Self {
        let (observed, steps) = {
            let state = session.lock();
            let steps: Vec<StepView> = state
                .steps
                .iter()
                .map(|s| StepView {
                    status: s.status.clone(),
                    started_ms: s.started_ms,
                    ended_ms: s.ended_ms,
                    presentation: s.presentation.clone(),
                    answers: s.answers.clone(),
                    screenshots: s.screenshots.iter().map(|x| x.name.clone()).collect(),
                })
                .collect();
            (state.observed.clone(), steps)
        };
        let profile = &session.facts.profile;
        let mut calls = Vec::new();
        let mut untrusted = Vec::new();
        for o in observed {
            match o.seen {
                Seen::App(seen) => {
                    let call = classify(&seen, profile);
                    let (outcome, reply) = reply_of(&seen, call.call(), profile);
                    calls.push(CallView {
                        seq: o.seq,
                        at_ms: o.at_ms,
                        step: o.step,
                        seen,
                        call,
                        outcome,
                        reply,
                    });
                }
                Seen::Untrusted(seen) => untrusted.push(UntrustedView {
                    seq: o.seq,
                    at_ms: o.at_ms,
                    step: o.step,
                    seen,
                }),
            }
        }
        Self {
            plan: session.plan.clone(),
            facts: session.facts.clone(),
            steps,
            calls,
            untrusted,
        }
    }

    /// The requests made while step `index` was active.
    pub fn in_step(&self, index: usize) -> impl Iterator<Item = &CallView> {
        self.calls.iter().filter(move |c| c.step == Some(index))
    }

    /// Every download the app received, in order.
    pub fn sets(&self) -> Vec<StringSet> {
        self.calls
            .iter()
            .filter_map(|c| match (&c.call, &c.outcome, &c.reply) {
                (AppCall::Strings { device_id }, Outcome::Pass, Some(reply)) => Some(StringSet {
                    seq: c.seq,
                    at_ms: c.at_ms,
                    step: c.step,
                    device_id: device_id.clone(),
                    text: reply.strings_text.clone()?,
                }),
                _ => None,
            })
            .collect()
    }

    /// The device id of each provision that passed, in order, with its observation.
    pub fn passes(&self) -> Vec<(u64, String)> {
        self.calls
            .iter()
            .filter_map(|c| match (&c.call, &c.outcome) {
                (AppCall::Provision(_), Outcome::Pass) => {
                    Some((c.seq, c.reply.as_ref()?.device_id.clone()?))
                }
                _ => None,
            })
            .collect()
    }
}

/// The set the app holds now: the last download for the device of the last provision
/// that passed.
pub fn latest_strings(ev: &Evidence) -> Option<StringSet> {
    let (_, device) = ev.passes().pop()?;
    ev.sets()
        .into_iter()
        .rev()
        .find(|s| s.device_id.as_deref() == Some(device.as_str()))
}

/// `(characters, index)` of an OTC: the last two characters are the index.
pub fn split_otc(otc: &str) -> Option<(&str, usize)> {
    if otc.len() < 3 || !otc.is_char_boundary(otc.len() - 2) {
        return None;
    }
    let (chars, index) = otc.split_at(otc.len() - 2);
    if !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: usize = index.parse().ok()?;
    (1..=99).contains(&index).then_some((chars, index))
}

/// The positions (in `sets`) of every set whose string at the OTC's index gives exactly
/// this OTC under `pin` (CLI-5).
pub fn otc_match(otc: &str, pin: &str, sets: &[StringSet], ev: &Evidence) -> Vec<usize> {
    let Some((_, index)) = split_otc(otc) else {
        return Vec::new();
    };
    sets.iter()
        .enumerate()
        .filter(|(_, set)| {
            string_for_index(&set.text, index, &ev.facts.profile)
                .and_then(|s| app_otc(pin, s, index))
                .is_some_and(|expected| expected == otc)
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_otc;

    #[test]
    fn otc_splits_into_characters_and_index() {
        assert_eq!(split_otc("162007"), Some(("1620", 7)));
        assert_eq!(split_otc("162000"), None);
        assert_eq!(split_otc("07"), None);
        assert_eq!(split_otc("16x0a7"), None);
    }
}
