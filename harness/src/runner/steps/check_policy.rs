//! `check_policy`: a policy item of a saved reply, read in either policies shape (POL-1).

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

/// `{ do = "check_policy", reply, policy, content }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPolicy {
    /// Reply prefix (from `save_reply`).
    pub reply: String,
    /// Policy `<Id>`.
    pub policy: String,
    /// Expected `<Content>`.
    pub content: String,
}

impl StepAction for CheckPolicy {
    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (policy, content) = (&self.policy, &self.content);
        let got = run
            .vars
            .get(&format!("{}.policy.{policy}", self.reply))
            .map(str::to_string);
        Ok(judge(
            got.as_deref() == Some(content.as_str()),
            format!("policy {policy} = {content} in the reply"),
            match got {
                Some(g) => format!("policy {policy} = {g}"),
                None => format!("policy {policy} absent from the reply"),
            },
        ))
    }
}
