//! What a real server's offer cannot say before a case starts: whether the policies the
//! case sets are the server's (they are set in its console, not by the harness), whether
//! the time the case lets pass fits in `--max-wait`, whether a user pool can stand in for
//! the case's users, and whether the case can run beside others.

use serde_json::Value;

use super::SwivelSpec;
use crate::runner::steps::Action;
use crate::scenario::{Case, UserDecl};
use crate::sut::PrepareError;
use crate::sut::backstage::policy_difference;

/// Why `case` cannot run on `spec`: SKIPPED naming the policy, the wait or the user.
pub fn check(spec: &SwivelSpec, case: &Case) -> Result<(), PrepareError> {
    let set_by_steps = case.steps.iter().filter_map(|step| match &step.action {
        Action::SetPolicy(set) => Some(&set.policy),
        _ => None,
    });
    for table in case.policies.iter().chain(set_by_steps) {
        let patch = serde_json::to_value(table).unwrap_or(Value::Null);
        if let Some((path, want, have)) = policy_difference(&patch, &spec.policies) {
            return Err(PrepareError::Unsupported(format!(
                "case needs policy {path} = {want}; the target's is {have} (policies of a real server are set in its console: the target file states them)"
            )));
        }
    }
    let wait: u64 = case
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Advance(a) => Some(a.seconds),
            _ => None,
        })
        .sum();
    if wait > spec.max_wait.as_secs() {
        return Err(PrepareError::Unsupported(format!(
            "case waits {wait} s in real time, more than --max-wait {} s",
            spec.max_wait.as_secs()
        )));
    }
    if spec.admin.is_none() && spec.pool.is_some() {
        let created: Vec<&UserDecl> = case.users.iter().filter(|u| u.create).collect();
        if let Some(u) = created.iter().find(|u| !u.mobile_client) {
            return Err(PrepareError::Unsupported(format!(
                "case needs user {} without the Mobile Client right; the user pool holds only users with it",
                u.name
            )));
        }
        if let Some(u) = created.iter().find(|u| u.alert != "email") {
            return Err(PrepareError::Unsupported(format!(
                "case needs user {} with alert transport {}; the user pool's users have e-mail",
                u.name, u.alert
            )));
        }
    }
    Ok(())
}

/// The real time a case may spend beyond its own timeout: its waits, and a delivery
/// wait for each message or log line it reads.
pub fn time_allowance(spec: &SwivelSpec, case: &Case) -> std::time::Duration {
    let mut total = std::time::Duration::ZERO;
    for step in &case.steps {
        total += match &step.action {
            Action::Advance(a) => std::time::Duration::from_secs(a.seconds),
            Action::ReadCode(_)
            | Action::ExpectOutbox(_)
            | Action::ExpectLog(_)
            | Action::CheckCodes(_) => spec.delivery.arrive,
            _ => std::time::Duration::ZERO,
        };
    }
    total
}

/// Whether a case must have the target to itself: its log checks include a line that
/// names none of its users (another case's line could satisfy or spoil it), or it
/// measures timing (another case's load would blur it).
pub fn must_run_alone(case: &Case) -> bool {
    let names_a_user = |text: &str| {
        case.users
            .iter()
            .any(|u| text.contains(&format!("${{{}}}", u.name)))
    };
    case.steps.iter().any(|s| match &s.action {
        Action::ExpectLog(e) => !names_a_user(&e.text),
        // The log oracle counts every line, LOG-7 (which names nobody) included, so
        // another case's lines must not be there.
        Action::Oracle(_) | Action::ConcurrentProvision(_) | Action::ExpectLogExplained(_) => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::read::parse_suite;

    fn case(users: &str, steps: &str) -> Case {
        let text = format!(
            "suite = \"s\"\ntitle = \"t\"\n[[case]]\nid = \"c\"\ntitle = \"t\"\nrules = [\"PC-1\"]\nlevel = \"MUST\"\nusers = [{users}]\nsteps = [{steps}]\n"
        );
        parse_suite(&text, "r.toml").unwrap().cases.remove(0)
    }

    #[test]
    fn a_log_line_naming_no_user_of_the_case_makes_it_run_alone() {
        let own = case(
            r#"{ name = "u" }"#,
            r#"{ do = "expect_log", text = 'User "${u}" provisioned successfully' }"#,
        );
        assert!(!must_run_alone(&own));
        let anyone = case(
            r#"{ name = "u" }"#,
            r#"{ do = "expect_log", text = "Mobile request from unknown user; the user needs to reprovision" }"#,
        );
        assert!(must_run_alone(&anyone));
    }
}
