//! `read_code`: reads the newest message sent to a user from the outbox; its code goes
//! into `save` and its URL into `save_url`. No message, or none with a code, is a
//! violation.

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step};

/// `{ do = "read_code", user, save, save_url? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadCode {
    /// Alias.
    pub user: String,
    /// Variable for the URL the message carried, if any.
    #[serde(default)]
    pub save_url: Option<String>,
}

impl StepAction for ReadCode {
    const SHARED: &'static [Shared] = &[Shared::Save];
    const NEEDS: &'static [Capability] = &[Capability::Messages];

    fn check(&self, step: &Step) -> Result<(), String> {
        match step.save {
            Some(_) => Ok(()),
            None => Err("missing field `save` (the variable for the code)".into()),
        }
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let user = &self.user;
        let name = run.username(user);
        // The newest message is the one the last code request sent: wait for it where
        // delivery takes time (mail).
        let due = run.messages_read.get(&name).copied().unwrap_or(0) + 1;
        let messages = run
            .backstage(step)?
            .messages(&name, due)
            .await
            .map_err(backstage_failed)?;
        run.messages_read.insert(name.clone(), messages.len());
        let Some(last) = messages.last() else {
            return Ok(judge(
                false,
                "a message with a provision code in the user's outbox",
                "no message was sent",
            ));
        };
        run.note_control(
            format!("read outbox of {user}"),
            format!(
                "{} message(s); newest via {} {} : {}",
                messages.len(),
                last.transport,
                last.kind,
                last.body
            ),
        );
        let Some(code) = last.code.clone().filter(|c| !c.is_empty()) else {
            return Ok(judge(
                false,
                "the message carries a provision code",
                "the message carries no code",
            ));
        };
        run.redactor.learn(&code, SecretKind::Code);
        if let Some(var) = &step.save {
            run.vars.set(var, code);
        }
        if let Some(url) = &last.url {
            run.redactor.learn(url, SecretKind::Url);
        }
        if let Some(var) = &self.save_url {
            run.vars.set(var, last.url.clone().unwrap_or_default());
        }
        Ok(judge(
            true,
            "a provision code delivered to the user's transport",
            "code delivered",
        ))
    }
}
