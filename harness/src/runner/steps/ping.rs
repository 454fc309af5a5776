//! `ping`: the app's ping of a node.

use serde::Deserialize;

use super::StepAction;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "ping", node?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ping {}

impl StepAction for Ping {
    const SHARED: &'static [Shared] = &[Shared::Node, Shared::Expect, Shared::NonStrict];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let node = step.node();
        let ep = run.node(node)?.clone();
        let x = run.client.ping(&ep).await;
        Ok(run.take_exchange(step, &x, &format!("ping node {node}")))
    }
}
