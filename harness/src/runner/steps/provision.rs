//! `provision`: the app's Provision request with a code, spelled as the wire profile
//! says; `device_os` and `action` probe other spellings (WIRE-2), `save_device` keeps the
//! device id a PASS must carry.

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::codec::ProvisionExtras;
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "provision", user, code, node?, device_os?, action?, save_device?, save_reply?,
/// expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// Alias (an undeclared alias is a user the server does not hold).
    pub user: String,
    /// The code presented.
    pub code: String,
    /// `<DeviceOS>` sent; by default only where the profile's clients send one.
    #[serde(default)]
    pub device_os: Option<String>,
    /// Another spelling of the action (WIRE-2); the profile's by default.
    #[serde(default)]
    pub action: Option<String>,
    /// Variable for the device id of a successful reply.
    #[serde(default)]
    pub save_device: Option<String>,
}

impl StepAction for Provision {
    const SHARED: &'static [Shared] = &[
        Shared::Node,
        Shared::Expect,
        Shared::NonStrict,
        Shared::SaveReply,
    ];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, node) = (&self.user, step.node());
        let (name, code) = (run.username(user), run.vars.expand(&self.code)?);
        let ep = run.node(node)?.clone();
        let extras = ProvisionExtras {
            action: self.action.clone(),
            device_os: self.device_os.clone(),
            push_id: None,
        };
        let x = run.client.provision_with(&ep, &name, &code, &extras).await;
        let device = x.reply.as_ref().and_then(|r| r.device_id.clone());
        if let Some(id) = &device {
            run.redactor.learn(id, SecretKind::DeviceId);
        }
        let result = run.take_exchange(step, &x, &format!("provision {user} on node {node}"));
        let (StepResult::Pass { .. }, Some(var)) = (&result, &self.save_device) else {
            return Ok(result);
        };
        let Some(id) = device.filter(|i| !i.is_empty()) else {
            return Ok(judge(
                false,
                "PASS with a device id",
                "PASS without a device id",
            ));
        };
        run.vars.set(var, id);
        Ok(result)
    }
}
