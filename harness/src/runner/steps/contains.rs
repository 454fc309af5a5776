//! `contains`: whether one text contains another after substitution (e.g. a code in a
//! reply, PC-2).

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

/// `{ do = "contains", text, needle, present = false, what }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contains {
    /// Haystack.
    pub text: String,
    /// Needle.
    pub needle: String,
    /// Whether it must be there.
    #[serde(default)]
    pub present: bool,
    /// What this shows, for the report.
    pub what: String,
}

impl StepAction for Contains {
    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (text, needle) = (run.vars.expand(&self.text)?, run.vars.expand(&self.needle)?);
        let (present, what) = (self.present, &self.what);
        let found = !needle.is_empty() && text.contains(&needle);
        Ok(judge(
            found == present,
            format!("{what}: {}", if present { "present" } else { "absent" }),
            format!("{what}: {}", if found { "present" } else { "absent" }),
        ))
    }
}
