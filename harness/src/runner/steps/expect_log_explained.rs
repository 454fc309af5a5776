//! `expect_log_explained`: the server's log as a second oracle. Every log line written
//! since the case's steps began that names one of the case's users (LOG-7 names nobody
//! and is left out) must be one an `expect_log` step expected (each expected line claims one entry); a line nobody
//! expected is a violation, attributed to the LOG-n whose text it has (`[LOG-5] …`), so
//! a server that logs a success it did not grant, or a line twice, is seen.
//! `explore` ends each history that reads the log with it.

use serde::Deserialize;
use swivel_reference_server::domain::log::texts;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// Lines listed in a violation at most.
const LISTED: usize = 5;

/// `{ do = "expect_log_explained" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectLogExplained {}

/// The LOG-n whose text `line` has for `user`, when it has one.
pub fn log_id_of(line: &str, user: &str) -> Option<&'static str> {
    let exact: [(&str, String); 6] = [
        ("LOG-1", texts::code_created(user)),
        ("LOG-2", texts::can_reprovision(user)),
        ("LOG-5", texts::provisioned(user)),
        ("LOG-6", texts::provision_failed(user)),
        ("LOG-8", texts::agent_unknown_user(user)),
        ("LOG-9", texts::strings_fetched(user)),
    ];
    if let Some((id, _)) = exact.iter().find(|(_, text)| text == line) {
        return Some(id);
    }
    if line == texts::MOBILE_UNKNOWN_USER {
        return Some("LOG-7");
    }
    // LOG-3 and LOG-4 name a destination: compare around it.
    let around = |text: String| {
        let (head, tail) = text
            .split_once('\u{0}')
            .map(|(h, t)| (h.to_string(), t.to_string()))
            .unwrap_or_default();
        line.starts_with(&head) && line.ends_with(&tail) && line.len() > head.len() + tail.len()
    };
    if around(texts::message_queued(user, "\u{0}")) {
        return Some("LOG-3");
    }
    if around(texts::message_sent(user, "\u{0}")) {
        return Some("LOG-4");
    }
    None
}

/// Whether `line` is one of `names`' lines, and if so its LOG-n (none for a line that
/// names the user the way the log does, `"u"` or `user: u,`, in no known text). A user's
/// name may be short (`u` on a fresh embedded server), so a line is matched against each
/// user's templates, never by a bare substring. LOG-7 names no user, so on a server other
/// cases share it cannot be told to be this case's: it is never counted.
fn owner(line: &str, names: &[&str]) -> Option<Option<&'static str>> {
    if line == texts::MOBILE_UNKNOWN_USER {
        return None;
    }
    if let Some(id) = names.iter().find_map(|n| log_id_of(line, n)) {
        return Some(Some(id));
    }
    names
        .iter()
        .any(|n| line.contains(&format!("\"{n}\"")) || line.contains(&format!("user: {n},")))
        .then_some(None)
}

impl StepAction for ExpectLogExplained {
    const NEEDS: &'static [Capability] = &[Capability::Log];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        // Nothing more is due: listen until a stray line would have arrived.
        let entries = run
            .backstage(step)?
            .log_since(run.steps_log_start, None)
            .await
            .map_err(backstage_failed)?;
        let mut names: Vec<&str> = run.users.values().map(|u| u.username.as_str()).collect();
        // A fixed order, so the same run attributes a line the same way.
        names.sort_unstable();
        let mut mine = 0;
        let mut unexplained = Vec::new();
        for e in &entries {
            let Some(id) = owner(&e.text, &names) else {
                continue;
            };
            mine += 1;
            if !run.log_explained.contains(&e.seq) {
                unexplained.push((id, e));
            }
        }
        let Some((first_id, _)) = unexplained.first() else {
            return Ok(judge(
                true,
                "every log line naming the case's users was expected",
                format!("{mine} line(s), each expected"),
            ));
        };
        let listed: Vec<String> = unexplained
            .iter()
            .take(LISTED)
            .map(|(id, e)| format!("{} on node {}: {:?}", id.unwrap_or("no LOG-n text"), e.node, e.text))
            .collect();
        Ok(judge(
            false,
            "no log line naming the case's users beyond the expected ones",
            format!(
                "[{}] {} line(s) nobody expected: {}",
                first_id.unwrap_or("LOG-?"),
                unexplained.len(),
                listed.join("; ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_template_is_recognised_and_others_are_not() {
        let u = "alice-x";
        assert_eq!(log_id_of(&texts::code_created(u), u), Some("LOG-1"));
        assert_eq!(log_id_of(&texts::provisioned(u), u), Some("LOG-5"));
        assert_eq!(
            log_id_of(&texts::message_sent(u, "alice-x@example.test"), u),
            Some("LOG-4")
        );
        assert_eq!(
            log_id_of(&texts::message_queued(u, "+447700900001"), u),
            Some("LOG-3")
        );
        assert_eq!(log_id_of(texts::MOBILE_UNKNOWN_USER, u), Some("LOG-7"));
        assert_eq!(log_id_of("User alice-x did something else", u), None);
        // Another user's line is not this user's template.
        assert_eq!(log_id_of(&texts::provisioned("bob"), u), None);
    }

    #[test]
    fn short_names_own_only_their_own_lines() {
        // `u` is inside "user", but only u's own lines are u's.
        let names = ["u", "w"];
        assert_eq!(owner(&texts::provisioned("w"), &names), Some(Some("LOG-5")));
        assert_eq!(owner(&texts::provisioned("bob"), &names), None);
        assert_eq!(owner("Message sent to user: bob, destination: x.", &names), None);
        assert_eq!(owner("User \"u\" did something new", &names), Some(None));
        assert_eq!(owner(texts::MOBILE_UNKNOWN_USER, &names), None);
    }
}
