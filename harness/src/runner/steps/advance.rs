//! `advance`: lets time pass on the target: its clock moves forward where the harness
//! controls it (a 600-second expiry tested in milliseconds), or the harness waits for
//! real on a real server (within `--max-wait`, checked before the case starts).

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
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
    const NEEDS: &'static [Capability] = &[Capability::Wait];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let how = run
            .backstage(step)?
            .advance(self.seconds)
            .await
            .map_err(backstage_failed)?;
        run.transcript.push(TranscriptEntry::Clock {
            step: run.step,
            advanced_secs: self.seconds,
        });
        Ok(judge(true, format!("{} s passed", self.seconds), how))
    }
}
