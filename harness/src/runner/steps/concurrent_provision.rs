//! `concurrent_provision`: `count` Provision requests with one code at once, spread over
//! `nodes` round robin; PASS when exactly `passes` of them succeed (PC-9, CL-2).

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Barrier;

use super::StepAction;
use super::common::judge;
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

fn one() -> usize {
    1
}

/// `{ do = "concurrent_provision", user, code, count, nodes = [1], passes = 1 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcurrentProvision {
    /// Alias.
    pub user: String,
    /// The code.
    pub code: String,
    /// Requests.
    pub count: usize,
    /// Nodes to spread over, round robin (node 1 when empty).
    #[serde(default)]
    pub nodes: Vec<u16>,
    /// Successes required.
    #[serde(default = "one")]
    pub passes: usize,
}

impl StepAction for ConcurrentProvision {
    fn nodes(&self, _step: &Step) -> Vec<u16> {
        self.nodes.clone()
    }

    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (count, passes) = (self.count, self.passes);
        let name = run.username(&self.user);
        let code = run.vars.expand(&self.code)?;
        let nodes = if self.nodes.is_empty() {
            vec![1]
        } else {
            self.nodes.clone()
        };
        let mut endpoints = Vec::new();
        for k in &nodes {
            endpoints.push(run.node(*k)?.clone());
        }
        let barrier = Arc::new(Barrier::new(count.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for ep in endpoints.iter().cycle().take(count) {
            let (client, ep) = (run.client.clone(), ep.clone());
            let (name, code, barrier) = (name.clone(), code.clone(), barrier.clone());
            tasks.spawn(async move {
                barrier.wait().await;
                client.provision(&ep, &name, &code).await
            });
        }
        let mut outcomes = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(x) => outcomes.push(x),
                Err(e) => {
                    return Err(StepResult::Inconclusive(format!(
                        "concurrent request task failed: {e}"
                    )));
                }
            }
        }
        for x in &outcomes {
            if let Some(id) = x.reply.as_ref().and_then(|r| r.device_id.as_ref()) {
                run.redactor.learn(id, SecretKind::DeviceId);
            }
        }
        if let Some(x) = outcomes.iter().find(|x| x.outcome.is_transport()) {
            return Err(StepResult::Inconclusive(format!(
                "transport error among concurrent requests: {}",
                x.outcome.key()
            )));
        }
        let passed = outcomes
            .iter()
            .filter(|x| x.outcome.key() == "PASS")
            .count();
        let mut keys: Vec<String> = outcomes.iter().map(|x| x.outcome.key()).collect();
        keys.sort();
        keys.dedup();
        // Keep one success and one refusal as evidence rather than 50 exchanges.
        for key in &keys {
            if let Some(x) = outcomes.iter().find(|x| &x.outcome.key() == key) {
                run.record_exchange(
                    x,
                    &format!("one of {count} concurrent provision requests ({key})"),
                );
            }
        }
        Ok(judge(
            passed == passes,
            format!("exactly {passes} of {count} concurrent requests with one code succeed"),
            format!(
                "{passed} of {count} succeeded (outcomes: {})",
                keys.join(", ")
            ),
        ))
    }
}
