//! The mobile Provision request: code checks (PC-4..PC-7, PC-9, CL-1, CL-2), strings
//! invalidated by any request (SS-1), a fresh device binding (DEV-1) recorded in the
//! device index (SS-2), and the log lines LOG-5, LOG-6, LOG-7 with device information
//! per policy (SP-2).
//!
//! Redemption is split into [`Core::provision_check`] and [`Core::provision_commit`] so
//! that the non-atomic-redemption defect can open a real race window between them; the
//! faithful server consumes the code inside the check, under the lock.

use std::sync::Arc;

use super::devices::{Device, DeviceId};
use super::log::{LogLine, texts};
use super::{Core, MobileError};
use crate::defects::Defect;

/// Longest device information kept in a log line.
const MAX_DEVICE_INFO: usize = 128;

/// What the app sends to provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionRequest {
    /// Username.
    pub username: String,
    /// The provision code the user typed or the URL carried.
    pub code: String,
    /// Device information (e.g. `<DeviceOS>`), logged only when the policy says so.
    pub device_info: Option<String>,
}

/// A code that passed the check, waiting for its commit.
#[derive(Debug)]
pub struct ProvisionTicket {
    node: u16,
    username: String,
    code: String,
    device_info: Option<String>,
    /// Whether the check consumed the code already (the faithful path).
    consumed: bool,
}

/// A successful provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The new device id.
    pub device_id: String,
    /// The Mobile Client policies to send with the reply (POL-1).
    pub policies: Vec<(&'static str, bool, &'static str)>,
}

impl Core {
    /// Provision in one step (check, then commit).
    pub fn provision(
        &self,
        node: u16,
        request: &ProvisionRequest,
    ) -> Result<Provisioned, MobileError> {
        let ticket = self.provision_check(node, request)?;
        self.provision_commit(ticket)
    }

    /// Whether a caller must leave a gap between check and commit (the defect's race).
    pub fn provision_is_racy(&self) -> bool {
        self.has_defect(Defect::NonAtomicRedemption)
    }

    /// First half of a provision: the user, SS-1 invalidation, and the code.
    pub fn provision_check(
        &self,
        node: u16,
        request: &ProvisionRequest,
    ) -> Result<ProvisionTicket, MobileError> {
        let username = request.username.as_str();
        let now = self.now();
        let mut state = self.lock();
        let validity = state.policies.self_reset.provision_code_validity_secs;
        let ticket = |consumed| ProvisionTicket {
            node,
            username: request.username.clone(),
            code: request.code.clone(),
            device_info: request.device_info.clone(),
            consumed,
        };

        let Some(record) = state.users.get_mut(username) else {
            if self.has_defect(Defect::UnknownUserAccepted) {
                return Ok(ticket(true));
            }
            self.log(
                &mut state,
                node,
                LogLine::Log7,
                texts::MOBILE_UNKNOWN_USER.to_string(),
            );
            return Err(MobileError::UnknownUser);
        };
        // SS-1: the request alone, whatever its outcome, ends the current strings.
        if !self.has_defect(Defect::StringsSurviveReprovision)
            && let Some(device) = record.device.as_mut()
        {
            device.book = None;
            device.previous_book = None;
        }

        let store = self.store_of(node);
        let found = state.sessions[store].find(
            username,
            &request.code,
            now,
            validity,
            self.has_defect(Defect::CodesNeverExpire),
            self.has_defect(Defect::CodesReusable),
        );
        if found.is_none() {
            // PC-6: a failed attempt also consumes the user's pending code.
            if !self.has_defect(Defect::FailedAttemptKeepsCode) {
                state.sessions[store].discard(username);
            }
            self.log(
                &mut state,
                node,
                LogLine::Log6,
                texts::provision_failed(username),
            );
            return Err(MobileError::ProvisionFailure);
        }
        if self.provision_is_racy() {
            return Ok(ticket(false));
        }
        // PC-5, PC-9: consumed under the same lock that checked it.
        let keep = self.has_defect(Defect::CodesReusable);
        state.sessions[store].redeem(username, &request.code, keep);
        Ok(ticket(true))
    }

    /// Second half: consume (if the check did not), bind a fresh device (DEV-1), log LOG-5.
    pub fn provision_commit(&self, ticket: ProvisionTicket) -> Result<Provisioned, MobileError> {
        let mut state = self.lock();
        let node = ticket.node;
        let username = ticket.username.as_str();
        if !ticket.consumed {
            let store = self.store_of(node);
            state.sessions[store].redeem(username, &ticket.code, false);
        }
        let policies = &state.policies;
        let policy_items = if self.has_defect(Defect::PoliciesNotSent) {
            Vec::new()
        } else {
            policies.mobile_items().to_vec()
        };
        let log_device = policies.self_reset.log_device_information
            || self.has_defect(Defect::DeviceInfoAlwaysLogged);

        let state = &mut *state;
        let device_id = match state.users.get_key_value(username) {
            Some((name, _)) => {
                let name = Arc::clone(name);
                let mut device = Device::new(node);
                let old = state
                    .users
                    .get_mut(username)
                    .and_then(|record| record.device.take());
                if let Some(old) = old {
                    state.devices.unbind(&old);
                    if self.has_defect(Defect::OldDeviceKeepsWorking) {
                        device.previous_id = Some(old.id);
                    }
                    if self.has_defect(Defect::StringsSurviveReprovision) {
                        device.book = old.book;
                    }
                }
                let id = device.id();
                state.devices.bind(&name, &device);
                if let Some(record) = state.users.get_mut(username) {
                    record.device = Some(Box::new(device));
                }
                id
            }
            // Deleted between check and commit, or the unknown-user defect: hand out an
            // id that nothing is bound to.
            None if self.has_defect(Defect::UnknownUserAccepted) => DeviceId::random(),
            None => {
                self.log(
                    state,
                    node,
                    LogLine::Log7,
                    texts::MOBILE_UNKNOWN_USER.to_string(),
                );
                return Err(MobileError::UnknownUser);
            }
        };

        let mut text = if self.has_defect(Defect::WrongLogText) {
            format!("User {username} provisioned")
        } else {
            texts::provisioned(username)
        };
        if log_device && let Some(info) = ticket.device_info.as_deref().map(sanitize_device_info) {
            // SP-2 [ASSUMED form]: appended to the LOG-5 entry.
            text.push_str(", device information: ");
            text.push_str(&info);
        }
        self.log(state, node, LogLine::Log5, text);
        Ok(Provisioned {
            device_id: device_id.to_string(),
            policies: policy_items,
        })
    }
}

/// Device information goes into a log line: no control characters (no forged lines),
/// bounded length.
fn sanitize_device_info(info: &str) -> String {
    info.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DEVICE_INFO)
        .collect()
}
