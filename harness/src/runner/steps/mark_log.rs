//! `mark_log`: later `expect_log` steps only see lines written after this point.

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// `{ do = "mark_log" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkLog {}

impl StepAction for MarkLog {
    const NEEDS: &'static [Capability] = &[Capability::Log];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        run.log_mark = run
            .backstage(step)?
            .log_position()
            .await
            .map_err(backstage_failed)?;
        Ok(judge(true, "log marked", "log marked"))
    }
}
