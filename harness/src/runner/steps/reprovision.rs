//! `reprovision`: the administrator's Reprovision action on a node, which sends the user
//! a new provision code; graded `accepted` or `refused`. Its reply is saved as
//! `${last_reprovision_reply}`.

use serde::Deserialize;

use super::StepAction;
use super::common::{acceptance, check_acceptance, judge};
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step};

/// `{ do = "reprovision", user, node?, expect = "accepted" | "refused" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reprovision {
    /// Alias.
    pub user: String,
}

impl StepAction for Reprovision {
    const SHARED: &'static [Shared] = &[Shared::Node, Shared::Expect];
    const DEFAULT_EXPECT: &'static str = "accepted";
    const NEEDS: &'static [Capability] = &[Capability::IssueCodes];

    fn check(&self, step: &Step) -> Result<(), String> {
        check_acceptance(step)
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, node) = (&self.user, step.node());
        let name = run.username(user);
        let backstage = run.backstage(step)?;
        let (got, reply, why) = acceptance(backstage.reprovision(&name, node).await)?;
        // A server that (wrongly) returns the code to the requester must not get it into
        // the report either.
        if let Some(code) = reply.as_ref().and_then(|r| r["code"].as_str()) {
            run.redactor.learn(code, SecretKind::Code);
        }
        let body = reply.map(|r| r.to_string()).unwrap_or_default();
        run.vars.set("last_reprovision_reply", body.clone());
        run.note_control(
            format!("reprovision {user} on node {node}"),
            format!("{got} {body}{why}"),
        );
        let expect = step.expect.join(" or ");
        Ok(judge(
            got == expect,
            format!("reprovision {expect}"),
            format!("reprovision {got} {why}"),
        ))
    }
}
