//! `login`: an agent's login with the OTC the user's PIN makes from a saved string, taken
//! as the app takes it: the string at the position the profile's layout gives for the
//! index, unchecked.

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::codec::otc::app_otc;
use crate::codec::strings::string_for_index;
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

fn agent_secret() -> String {
    "${agent_secret}".into()
}

/// `{ do = "login", user, strings, index, node?, secret?, save_reply?, expect?,
/// non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Alias.
    pub user: String,
    /// Variable holding the strings (from a `strings` step).
    pub strings: String,
    /// Index of the string to use (1-based).
    pub index: usize,
    /// Agent secret sent.
    #[serde(default = "agent_secret")]
    pub secret: String,
}

impl StepAction for Login {
    const SHARED: &'static [Shared] = &[
        Shared::Node,
        Shared::Expect,
        Shared::NonStrict,
        Shared::SaveReply,
    ];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, index, node) = (&self.user, self.index, step.node());
        let name = run.username(user);
        let all = run.vars.expand(&format!("${{{}}}", self.strings))?;
        // As the app does: the string at the position of this index, unchecked, and the
        // index it asked for. A reply that leaves the app nothing usable there is the
        // server's fault, judged like any other wrong reply.
        let profile = run.client.profile();
        let position = profile.strings.layout.position_of(index);
        let string = string_for_index(&all, index, profile).unwrap_or_default();
        let Some(otc) = app_otc(&run.pin(user), string, index) else {
            return Err(judge(
                false,
                format!(
                    "a string of at least 10 characters at position {position}, from which the app makes the OTC for index {index:02}"
                ),
                format!(
                    "position {position} holds {} characters",
                    string.chars().count()
                ),
            ));
        };
        run.redactor.learn(&otc, SecretKind::Otc);
        let secret = run.vars.expand(&self.secret)?;
        let ep = run.node(node)?.clone();
        let x = run.client.agent_login(&ep, &secret, &name, &otc).await;
        let what = format!("agent login for {user} with string {index} on node {node}");
        Ok(run.take_exchange(step, &x, &what))
    }
}
