//! `strings`: the app's SecurityStrings download, as the profile's clients send it;
//! `send_username` names the user anyway (or not) to probe SS-2, and `save` keeps the
//! `<SecurityStrings>` text as the server wrote it.

use serde::Deserialize;

use super::StepAction;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "strings", user, device, node?, send_username?, save?, save_reply?, expect?,
/// non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
    /// Alias.
    pub user: String,
    /// Device id presented.
    pub device: String,
    /// Whether the request names the user (`<Username>`); the profile decides by default
    /// (SS-2 probes a request naming someone else).
    #[serde(default)]
    pub send_username: Option<bool>,
}

impl StepAction for Strings {
    const SHARED: &'static [Shared] = &[
        Shared::Node,
        Shared::Expect,
        Shared::NonStrict,
        Shared::Save,
        Shared::SaveReply,
    ];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, node) = (&self.user, step.node());
        let (name, device) = (run.username(user), run.vars.expand(&self.device)?);
        let ep = run.node(node)?.clone();
        let client = run.client;
        let x = match self.send_username {
            None => client.security_strings(&ep, &name, &device).await,
            Some(named) => {
                let username = named.then_some(name.as_str());
                client.security_strings_naming(&ep, username, &device).await
            }
        };
        let what = format!("download strings for {user} on node {node}");
        let result = run.take_exchange(step, &x, &what);
        if let (StepResult::Pass { .. }, Some(var)) = (&result, &step.save) {
            let strings = x.reply.as_ref().and_then(|r| r.strings_text.clone());
            run.vars.set(var, strings.unwrap_or_default());
        }
        Ok(result)
    }
}
