//! Driving a target with one history: the history is compiled into a case
//! ([`super::plan::compile`]) and run by the normal runner's [`run_once`], so it reaches
//! the target through `TargetSpec::prepare`, the emulator and the target's `Backstage`
//! exactly as `run` does (embedded, external, and a real server whose clock steps are
//! real waits). The step that decided a failing verdict is mapped back to the model's
//! plan: its rule, its operation, and the kind of mismatch (what was expected, what came).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::ops::History;
use super::plan::{Compiled, Head, compile};
use crate::emulator::MobileClient;
use crate::report::TranscriptEntry;
use crate::rules::RuleId;
use crate::runner::case::{CaseOutcome, run_once};
use crate::runner::steps::check_policies_shape::NO_POLICIES;
use crate::scenario::ReadError;
use crate::sut::TargetSpec;
use crate::verdict::{Level, Verdict};

/// Actions whose outcome key (`PASS`, `FAIL:<ERROR>`) is part of a mismatch's kind.
const GRADED: &[&str] = &[
    "provision",
    "strings",
    "login",
    "self_provision",
    "concurrent_provision",
    "set_policy",
];

/// Where a history departed from what the rules allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The rule the deciding step checks.
    pub rule: RuleId,
    /// Its level.
    pub level: Level,
    /// The operation (0-based) it belongs to.
    pub op: usize,
    /// The case step (1-based).
    pub step: usize,
    /// The step's action.
    pub action: String,
    /// What the model required (redacted).
    pub expected: String,
    /// What the target did (redacted).
    pub actual: String,
    /// The kind of mismatch: rule, action and the outcome key, stable across runs.
    pub kind: String,
}

/// What one run of a history showed.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The case's verdict.
    pub verdict: Verdict,
    /// The mismatch, when the verdict is FAIL or NON-STRICT.
    pub mismatch: Option<Mismatch>,
    /// Why, when not PASS.
    pub reason: Option<String>,
    /// HTTP exchanges made.
    pub requests: u64,
    /// Steps run (up to the deciding one).
    pub steps_run: usize,
    /// Rules of the steps that ran and passed.
    pub checked: Vec<RuleId>,
}

fn outcome_key(actual: &str) -> &str {
    actual
        .split([' ', ';', '('])
        .next()
        .unwrap_or_default()
        .trim()
}

/// The rule a failure breaks when it is not the one the step was planned for: a request
/// the app sends as the profile says, refused as unreadable, breaks a wire rule (WIRE-1
/// for provision, WIRE-3 for strings); a reply with no policies at all breaks POL-1
/// (they never reached the client), not their shape (WIRE-6).
fn overriding_rule(action: &str, actual: &str) -> Option<RuleId> {
    match (action, outcome_key(actual)) {
        ("provision" | "concurrent_provision", "FAIL:BAD_REQUEST") => {
            Some(crate::rules::rule_id!("WIRE-1"))
        }
        ("strings", "FAIL:BAD_REQUEST") => Some(crate::rules::rule_id!("WIRE-3")),
        ("check_policies_shape", _) if actual.starts_with(NO_POLICIES) => {
            Some(crate::rules::rule_id!("POL-1"))
        }
        // A log line nobody expected breaks the LOG-n whose text it has (`[LOG-5] …`).
        ("expect_log_explained", _) => actual
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(id, _)| id.parse().ok()),
        _ => None,
    }
}

/// Reads a case outcome against the plan it was compiled from.
pub fn observe(compiled: &Compiled, outcome: &CaseOutcome) -> Observation {
    let requests = outcome
        .transcript
        .iter()
        .filter(|e| matches!(e, TranscriptEntry::Http { .. }))
        .count() as u64;
    let decided = match outcome.verdict {
        Verdict::Fail | Verdict::NonStrict => outcome.deciding_step,
        _ => None,
    };
    let ran = decided.map_or(
        if outcome.verdict == Verdict::Pass {
            compiled.steps.len()
        } else {
            0
        },
        |s| s.saturating_sub(1),
    );
    let checked = compiled
        .steps
        .iter()
        .take(ran)
        .filter_map(|p| p.rule)
        .collect();
    let mismatch = decided.and_then(|n| {
        let planned = compiled.steps.get(n.checked_sub(1)?)?;
        let action = planned.fields.action().to_string();
        let rule = overriding_rule(&action, &outcome.actual).or(planned.rule)?;
        let kind = if GRADED.contains(&action.as_str()) {
            format!("{rule} {action} got {}", outcome_key(&outcome.actual))
        } else {
            format!("{rule} {action} violated")
        };
        Some(Mismatch {
            rule,
            level: rule.level(),
            op: planned.op,
            step: n,
            action,
            expected: outcome.expected.clone(),
            actual: outcome.actual.clone(),
            kind,
        })
    });
    Observation {
        verdict: outcome.verdict,
        mismatch,
        reason: outcome.reason.clone(),
        requests,
        steps_run: ran,
        checked,
    }
}

/// A number no other run of this process has: a running server keeps every user a
/// history created, and the runner names users after the case's index, so each run of
/// a history (first, confirmation, shrink candidates, replays) gets fresh users.
pub fn fresh_run_index() -> usize {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    RUNS.fetch_add(1, Ordering::Relaxed)
}

/// Runs `history` once from a fresh state of `target` (`index` offsets the fresh run
/// number that names its users).
pub async fn run_history(
    target: &TargetSpec,
    client: &MobileClient,
    history: &History,
    index: usize,
) -> Result<(Compiled, Observation), ReadError> {
    let compiled = compile(history, &Head::probe())?;
    let index = index.wrapping_add(fresh_run_index());
    let outcome = run_once(target, client, &compiled.case, index, 1).await;
    let observation = observe(&compiled, &outcome);
    Ok((compiled, observation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_key_is_the_first_word() {
        assert_eq!(outcome_key("PASS"), "PASS");
        assert_eq!(
            outcome_key("FAIL:PROVISION_FAILURE (x); the app shows"),
            "FAIL:PROVISION_FAILURE"
        );
        assert_eq!(outcome_key("PASS; the app shows \"x\""), "PASS");
    }

    #[test]
    fn a_reply_without_policies_breaks_pol_1_and_a_wrong_shape_wire_6() {
        assert_eq!(
            overriding_rule("check_policies_shape", NO_POLICIES),
            Some(crate::rules::rule_id!("POL-1"))
        );
        assert_eq!(
            overriding_rule("check_policies_shape", "policies in the elements shape"),
            None
        );
        assert_eq!(
            overriding_rule("strings", "FAIL:BAD_REQUEST (x)"),
            Some(crate::rules::rule_id!("WIRE-3"))
        );
    }
}
