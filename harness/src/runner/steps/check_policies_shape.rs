//! `check_policies_shape`: a saved reply carried its policies in the wire profile's shape
//! (attributes or elements, WIRE-6).

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

/// What the step says of a reply that held no policies at all (which `explore` reads as
/// a POL-1 failure rather than a WIRE-6 one).
pub const NO_POLICIES: &str = "no policies in the reply";

/// `{ do = "check_policies_shape", reply }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPoliciesShape {
    /// Reply prefix (from `save_reply`).
    pub reply: String,
}

impl StepAction for CheckPoliciesShape {
    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let want = run.client.profile().policies.shape();
        let got = run
            .vars
            .get(&format!("{}.policies_shape", self.reply))
            .unwrap_or_default()
            .to_string();
        Ok(judge(
            got == want,
            format!("policies in the {want} shape"),
            if got.is_empty() {
                NO_POLICIES.to_string()
            } else {
                format!("policies in the {got} shape")
            },
        ))
    }
}
