//! `self_provision`: the self-service page `/reset/provision.jsp`; a 403 is
//! `FAIL:SELF_PROVISION_REFUSED`.

use serde::Deserialize;

use super::StepAction;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "self_provision", user, node?, save_reply?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfProvision {
    /// Alias.
    pub user: String,
}

impl StepAction for SelfProvision {
    const SHARED: &'static [Shared] = &[
        Shared::Node,
        Shared::Expect,
        Shared::NonStrict,
        Shared::SaveReply,
    ];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, node) = (&self.user, step.node());
        let name = run.username(user);
        let ep = run.node(node)?.clone();
        let x = run.client.self_provision(&ep, &name).await;
        let what = format!("self-provision request for {user} on node {node}");
        Ok(run.take_exchange(step, &x, &what))
    }
}
