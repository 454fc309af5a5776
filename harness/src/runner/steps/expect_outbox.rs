//! `expect_outbox`: checks the newest message sent to a user (transport, URL) and how
//! many were sent.

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

/// `{ do = "expect_outbox", user, transport?, url_prefix?, count? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectOutbox {
    /// Alias.
    pub user: String,
    /// `alert` or `string`.
    #[serde(default)]
    pub transport: Option<String>,
    /// The URL must start with this.
    #[serde(default)]
    pub url_prefix: Option<String>,
    /// Number of messages expected in total (0: none sent).
    #[serde(default)]
    pub count: Option<usize>,
}

impl StepAction for ExpectOutbox {
    const NEEDS: &'static [Capability] = &[Capability::Messages];

    /// Naming the transport needs a target that records it.
    fn needs(&self, _step: &Step) -> Vec<Capability> {
        let mut needs = Self::NEEDS.to_vec();
        if self.transport.is_some() {
            needs.push(Capability::MessageTransport);
        }
        needs
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let name = run.username(&self.user);
        // Wait for as many as are due (none: listen until a stray one would have come).
        let due = self.count.unwrap_or(1);
        let messages = run
            .backstage(step)?
            .messages(&name, due)
            .await
            .map_err(backstage_failed)?;
        if let Some(count) = self.count
            && messages.len() != count
        {
            return Ok(judge(
                false,
                format!("{count} message(s) sent"),
                format!("{} sent", messages.len()),
            ));
        }
        let Some(last) = messages.last() else {
            return Ok(judge(true, "no message", "no message"));
        };
        if let Some(t) = &self.transport
            && &last.transport != t
        {
            return Ok(judge(
                false,
                format!("sent via the {t} transport"),
                format!("sent via {}", last.transport),
            ));
        }
        if let Some(prefix) = &self.url_prefix {
            let prefix = run.vars.expand(prefix)?;
            let url = last.url.clone().unwrap_or_default();
            if !url.starts_with(&prefix) {
                return Ok(judge(
                    false,
                    format!("a URL starting {prefix}"),
                    format!("URL {url:?}"),
                ));
            }
        }
        Ok(judge(
            true,
            "message as required",
            format!("via {} to {}", last.transport, last.destination),
        ))
    }
}
