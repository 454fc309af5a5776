//! `advance`: moves the target's clock forward, so a 600-second expiry is tested in
//! milliseconds.

use serde::Deserialize;

use super::StepAction;
use super::common::{control_failed, judge};
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// `{ do = "advance", seconds }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// Seconds.
    pub seconds: u64,
}

impl StepAction for Advance {
    const NEEDS: &'static [Capability] = &[Capability::ClockControl];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        run.control(step)?
            .advance(self.seconds)
            .await
            .map_err(control_failed)?;
        run.transcript.push(TranscriptEntry::Clock {
            step: run.step,
            advanced_secs: self.seconds,
        });
        Ok(judge(true, "clock moved", "clock moved"))
    }
}
