//! `expect_log_explained`: the server's log as a second oracle. Every log line written
//! since the case's steps began that names one of the case's users must be one an
//! `expect_log` step expected (each expected line claims one entry); so must every LOG-7
//! line (which names nobody) when the log is the case's alone (its own embedded server,
//! or a real server it holds alone: the step makes a case run alone there). A line
//! nobody expected is a violation, attributed to the LOG-n whose text it has (`[LOG-5]
//! …`), so a server that logs a success it did not grant, or a line twice, is seen.
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
/// user's templates, never by a bare substring. LOG-7 names no user: it is the case's
/// only when the log is the case's alone (`log_alone`); on a log other cases share it
/// cannot be told to be this case's and is not counted.
fn owner(line: &str, names: &[&str], log_alone: bool) -> Option<Option<&'static str>> {
    if line == texts::MOBILE_UNKNOWN_USER {
        return log_alone.then_some(Some("LOG-7"));
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
            let Some(id) = owner(&e.text, &names, run.env.log_alone) else {
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
                if run.env.log_alone {
                    "every log line naming the case's users, and every LOG-7 line, was expected"
                } else {
                    "every log line naming the case's users was expected"
                },
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
        for alone in [false, true] {
            assert_eq!(
                owner(&texts::provisioned("w"), &names, alone),
                Some(Some("LOG-5"))
            );
            assert_eq!(owner(&texts::provisioned("bob"), &names, alone), None);
            assert_eq!(
                owner("Message sent to user: bob, destination: x.", &names, alone),
                None
            );
            assert_eq!(
                owner("User \"u\" did something new", &names, alone),
                Some(None)
            );
        }
        // LOG-7 names nobody: the case's own only when nobody else writes to the log.
        assert_eq!(owner(texts::MOBILE_UNKNOWN_USER, &names, false), None);
        assert_eq!(
            owner(texts::MOBILE_UNKNOWN_USER, &names, true),
            Some(Some("LOG-7"))
        );
    }

    /// On its own embedded server a case owns every line, so a LOG-7 nobody expected is
    /// a violation under LOG-7; expected, it is explained.
    #[tokio::test]
    async fn a_stray_log7_is_seen_where_the_log_is_the_cases_own() {
        use std::sync::Arc;

        use crate::emulator::{ClientOptions, MobileClient};
        use crate::profile::WireProfile;
        use crate::runner::case::run_once;
        use crate::scenario::read::parse_suite;
        use crate::sut::TargetSpec;
        use crate::verdict::Verdict;

        let log7 = texts::MOBILE_UNKNOWN_USER;
        let suite = |expect_log7: bool| {
            let claim = if expect_log7 {
                format!("{{ do = \"expect_log\", text = \"{log7}\" }},")
            } else {
                String::new()
            };
            format!(
                "suite = \"s\"\ntitle = \"t\"\n[[case]]\nid = \"c\"\ntitle = \"t\"\nrules = [\"LOG-7\"]\nlevel = \"MUST\"\nusers = [{{ name = \"u\" }}]\nsteps = [\n  {{ do = \"strings\", user = \"u\", device = \"0123456789abcdef0123456789abcdef\", expect = \"FAIL:DEVICE_NOT_PROVISIONED\" }},\n  {claim}\n  {{ do = \"expect_log_explained\" }},\n]\n"
            )
        };
        let profile = Arc::new(WireProfile::default_profile());
        let target = TargetSpec::Embedded {
            defects: Default::default(),
            wire_profile: profile.clone(),
        };
        let client = MobileClient::new(profile, ClientOptions::default()).unwrap();
        for (expect_log7, verdict) in [(true, Verdict::Pass), (false, Verdict::Fail)] {
            let case = parse_suite(&suite(expect_log7), "s.toml")
                .unwrap()
                .cases
                .remove(0);
            let outcome = run_once(&target, &client, &case, 0, 1).await;
            assert_eq!(outcome.verdict, verdict, "{:?}", outcome.reason);
            if verdict == Verdict::Fail {
                let reason = outcome.reason.unwrap_or_default();
                assert!(reason.contains("[LOG-7] 1 line(s) nobody expected"), "{reason}");
            }
        }
    }
}
