//! `get`: a plain GET of a path from a node's root (e.g. the complete-URL landing page).

use serde::Deserialize;

use super::StepAction;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "get", path, node?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    /// Path from the server root, e.g. `/smc/complete/...`.
    pub path: String,
}

impl StepAction for Get {
    const SHARED: &'static [Shared] = &[Shared::Node, Shared::Expect, Shared::NonStrict];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let node = step.node();
        let path = run.vars.expand(&self.path)?;
        let url = format!("{}{path}", run.node(node)?.root_url());
        let x = run.client.get(&url).await;
        Ok(run.take_exchange(step, &x, &format!("GET {path} on node {node}")))
    }
}
