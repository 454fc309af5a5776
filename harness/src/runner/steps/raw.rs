//! `raw`: any Agent-XML body, sent as is (probes of hostile or malformed requests).

use serde::Deserialize;

use super::StepAction;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "raw", body, node?, save_reply?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    /// The body.
    pub body: String,
}

impl StepAction for Raw {
    const SHARED: &'static [Shared] = &[
        Shared::Node,
        Shared::Expect,
        Shared::NonStrict,
        Shared::SaveReply,
    ];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let node = step.node();
        let body = run.vars.expand(&self.body)?;
        let ep = run.node(node)?.clone();
        let x = run.client.raw_agent_xml(&ep, body.into_bytes()).await;
        Ok(run.take_exchange(step, &x, &format!("raw Agent-XML request on node {node}")))
    }
}
