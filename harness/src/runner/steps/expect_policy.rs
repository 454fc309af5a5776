//! `expect_policy`: checks one policy value, by dotted path.

use serde::Deserialize;
use serde_json::Value;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// `{ do = "expect_policy", path, equals }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectPolicy {
    /// Dotted path, e.g. `self_reset.provision_code_validity_secs`.
    pub path: String,
    /// Expected value.
    pub equals: toml::Value,
}

impl StepAction for ExpectPolicy {
    const NEEDS: &'static [Capability] = &[Capability::PolicyControl];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let policies = run
            .backstage(step)?
            .policies()
            .await
            .map_err(backstage_failed)?;
        let path = &self.path;
        let pointer = format!("/{}", path.replace('.', "/"));
        let actual = policies.pointer(&pointer).cloned().unwrap_or(Value::Null);
        let expected = serde_json::to_value(&self.equals).unwrap_or(Value::Null);
        Ok(judge(
            actual == expected,
            format!("policy {path} = {expected}"),
            format!("policy {path} = {actual}"),
        ))
    }
}
