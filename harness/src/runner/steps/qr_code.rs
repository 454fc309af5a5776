//! `qr_code`: the QR image of a payload; a PASS must be a PNG whose QR code decodes back
//! to the payload (QR-1).

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "qr_code", text, node?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrCode {
    /// Payload.
    pub text: String,
}

impl StepAction for QrCode {
    const SHARED: &'static [Shared] = &[Shared::Node, Shared::Expect, Shared::NonStrict];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let node = step.node();
        let want = run.vars.expand(&self.text)?;
        let ep = run.node(node)?.clone();
        let x = run.client.qr_code(&ep, &want).await;
        let result = run.take_exchange(step, &x, &format!("QR code on node {node}"));
        let StepResult::Pass { .. } = result else {
            return Ok(result);
        };
        let got = x.reply.as_ref().and_then(|r| r.qr_text.clone());
        Ok(judge(
            got.as_deref() == Some(want.as_str()),
            "a QR image that decodes to the requested text",
            match got {
                Some(g) if g == want => "the image decodes to the requested text".to_string(),
                Some(g) => format!("the image decodes to {g:?}"),
                None => "the image does not decode".to_string(),
            },
        ))
    }
}
