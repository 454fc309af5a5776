//! `set_policy`: merges a partial policy document into the server's policies; graded
//! `accepted` or `refused` (a policy outside its bounds must be refused, PC-3).

use serde::Deserialize;

use super::StepAction;
use super::common::{acceptance, check_acceptance, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step};

/// `{ do = "set_policy", policy, expect = "accepted" | "refused" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPolicy {
    /// The partial document (as `PUT /control/policies` takes it).
    pub policy: toml::Table,
}

impl StepAction for SetPolicy {
    const SHARED: &'static [Shared] = &[Shared::Expect];
    const DEFAULT_EXPECT: &'static str = "accepted";
    const NEEDS: &'static [Capability] = &[Capability::Policies];

    /// A change the case expects refused can only be seen where any value can be set.
    fn needs(&self, step: &Step) -> Vec<Capability> {
        if step.expect.iter().any(|e| e == "refused") {
            vec![Capability::PolicyControl]
        } else {
            Self::NEEDS.to_vec()
        }
    }

    fn check(&self, step: &Step) -> Result<(), String> {
        check_acceptance(step)
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let patch = serde_json::to_value(&self.policy)
            .map_err(|e| StepResult::Inconclusive(format!("scenario error: policy: {e}")))?;
        let backstage = run.backstage(step)?;
        let (got, _, why) = acceptance(backstage.set_policies(patch.clone()).await)?;
        run.note_control(format!("set policy {patch}"), format!("{got} {why}"));
        let expect = step.expect.join(" or ");
        Ok(judge(
            got == expect,
            format!("policy change {expect}"),
            format!("policy change {got} {why}"),
        ))
    }
}
