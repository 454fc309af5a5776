//! `token_index`: the app's TokenIndex request; `equals` is the index a PASS must carry.

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "token_index", user, device, node?, equals?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIndex {
    /// Alias.
    pub user: String,
    /// Device id presented.
    pub device: String,
    /// The index a PASS must carry.
    #[serde(default)]
    pub equals: Option<u32>,
}

impl StepAction for TokenIndex {
    const SHARED: &'static [Shared] = &[Shared::Node, Shared::Expect, Shared::NonStrict];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, node) = (&self.user, step.node());
        let (name, device) = (run.username(user), run.vars.expand(&self.device)?);
        let ep = run.node(node)?.clone();
        let x = run.client.token_index(&ep, &name, &device).await;
        let result = run.take_exchange(step, &x, &format!("token index for {user} on node {node}"));
        let (StepResult::Pass { .. }, Some(want)) = (&result, self.equals) else {
            return Ok(result);
        };
        let got = x.reply.as_ref().and_then(|r| r.token_index);
        Ok(judge(
            got == Some(want),
            format!("PASS with index {want}"),
            format!("index {got:?}"),
        ))
    }
}
