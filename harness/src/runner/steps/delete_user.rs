//! `delete_user`: removes a user (control API or Admin XML).

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// `{ do = "delete_user", user }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteUser {
    /// Alias.
    pub user: String,
}

impl StepAction for DeleteUser {
    const NEEDS: &'static [Capability] = &[Capability::DeleteUsers];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let name = run.username(&self.user);
        run.backstage(step)?
            .delete_user(&name)
            .await
            .map_err(backstage_failed)?;
        run.note_control(format!("delete user {}", self.user), String::new());
        Ok(judge(true, "user deleted", "user deleted"))
    }
}
