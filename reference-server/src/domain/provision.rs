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
use super::log_text::LogText;
use super::{Core, MobileError, Origin, State};
use crate::clock::Millis;
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
    origin: Origin,
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

/// What a commit is given.
struct Commit<'a> {
    origin: Origin,
    username: &'a str,
    /// The user's name as the repository holds it, when the check found it.
    name: Option<Arc<str>>,
    /// The code, when the check did not consume it.
    unconsumed: Option<&'a str>,
    device_info: Option<&'a str>,
    /// The fresh device, made before the lock was taken.
    device: Box<Device>,
}

/// What a commit decided under the lock; the reply is built from it after the lock.
struct Committed {
    device_id: DeviceId,
    policies: [(&'static str, bool, &'static str); 4],
}

impl Core {
    /// Provision in one step (check, then commit). The faithful server does both under
    /// one hold of the core's lock, with nothing formatted or copied while it holds it;
    /// under the non-atomic-redemption defect it is [`Core::provision_check`] then
    /// [`Core::provision_commit`], with the gap between them.
    pub fn provision(
        &self,
        origin: impl Into<Origin>,
        request: &ProvisionRequest,
    ) -> Result<Provisioned, MobileError> {
        let origin = origin.into();
        if self.provision_is_racy() {
            let ticket = self.provision_check(origin, request)?;
            return self.provision_commit(ticket);
        }
        let now = self.now();
        // Made before the lock is taken, to hold it for less time; a refused request
        // wastes one.
        let device = Box::new(Device::new(origin.node));
        let mut state = self.lock();
        self.touch(&state, origin.node, &request.username, device.id());
        let (name, consumed) =
            match self.check_locked(&mut state, origin, &request.username, &request.code, now) {
                Ok(checked) => checked,
                Err(e) => {
                    let evicted = state.log.take_evicted();
                    drop(state);
                    drop(evicted);
                    return Err(e);
                }
            };
        let committed = self.commit_locked(
            &mut state,
            Commit {
                origin,
                username: &request.username,
                name,
                unconsumed: (!consumed).then_some(request.code.as_str()),
                device_info: request.device_info.as_deref(),
                device,
            },
        );
        let evicted = state.log.take_evicted();
        drop(state);
        drop(evicted);
        committed.map(|c| self.provisioned(c))
    }

    /// Reads, one right after the other, the table entries a provision for `username`
    /// will use: with hundreds of thousands of users they are far out of cache, and
    /// asked together their cache misses overlap instead of following one another.
    fn touch(&self, state: &State, node: u16, username: &str, new_id: DeviceId) {
        let user = state.users.get(username).map(|r| r.device.is_some());
        let codes = state.sessions[self.store_of(node)].pending(username);
        let bound = state.devices.user_of(new_id).is_some();
        std::hint::black_box((user, codes, bound));
    }

    /// Whether a caller must leave a gap between check and commit (the defect's race).
    pub fn provision_is_racy(&self) -> bool {
        self.has_defect(Defect::NonAtomicRedemption)
    }

    /// First half of a provision: the user, SS-1 invalidation, and the code.
    pub fn provision_check(
        &self,
        origin: impl Into<Origin>,
        request: &ProvisionRequest,
    ) -> Result<ProvisionTicket, MobileError> {
        let origin = origin.into();
        let now = self.now();
        let mut state = self.lock();
        let (_, consumed) =
            self.check_locked(&mut state, origin, &request.username, &request.code, now)?;
        drop(state);
        Ok(ProvisionTicket {
            origin,
            username: request.username.clone(),
            code: request.code.clone(),
            device_info: request.device_info.clone(),
            consumed,
        })
    }

    /// Second half: consume (if the check did not), bind a fresh device (DEV-1), log LOG-5.
    pub fn provision_commit(&self, ticket: ProvisionTicket) -> Result<Provisioned, MobileError> {
        let device = Box::new(Device::new(ticket.origin.node));
        let mut state = self.lock();
        let committed = self.commit_locked(
            &mut state,
            Commit {
                origin: ticket.origin,
                username: &ticket.username,
                name: None,
                unconsumed: (!ticket.consumed).then_some(ticket.code.as_str()),
                device_info: ticket.device_info.as_deref(),
                device,
            },
        );
        drop(state);
        committed.map(|c| self.provisioned(c))
    }

    /// The check, under the lock: the user's name as the repository holds it (none under
    /// the unknown-user-accepted defect), and whether the code was consumed already.
    fn check_locked(
        &self,
        state: &mut State,
        origin: Origin,
        username: &str,
        code: &str,
        now: Millis,
    ) -> Result<(Option<Arc<str>>, bool), MobileError> {
        let validity = state.policies.self_reset.provision_code_validity_secs;
        let Some((name, _)) = state.users.get_key_value(username) else {
            if self.has_defect(Defect::UnknownUserAccepted) {
                return Ok((None, true));
            }
            self.log(state, origin, LogLine::Log7, LogText::MobileUnknownUser);
            return Err(MobileError::UnknownUser);
        };
        let name = Arc::clone(name);
        // SS-1: the request alone, whatever its outcome, ends the current strings.
        if !self.has_defect(Defect::StringsSurviveReprovision)
            && let Some(device) = state
                .users
                .get_mut(username)
                .and_then(|record| record.device.as_mut())
        {
            device.book = None;
            device.previous_book = None;
        }

        let store = self.store_of(origin.node);
        let found = state.sessions[store].find(
            username,
            code,
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
            self.log(state, origin, LogLine::Log6, LogText::ProvisionFailed(name));
            return Err(MobileError::ProvisionFailure);
        }
        if self.provision_is_racy() {
            return Ok((Some(name), false));
        }
        // PC-5, PC-9: consumed under the same lock that checked it.
        let keep = self.has_defect(Defect::CodesReusable);
        state.sessions[store].redeem(username, code, keep);
        Ok((Some(name), true))
    }

    /// The commit, under the lock: consume the code if the check did not, bind the fresh
    /// device (DEV-1) to the user, log LOG-5.
    fn commit_locked(
        &self,
        state: &mut State,
        commit: Commit<'_>,
    ) -> Result<Committed, MobileError> {
        let Commit {
            origin,
            username,
            name,
            unconsumed,
            device_info,
            mut device,
        } = commit;
        if let Some(code) = unconsumed {
            let store = self.store_of(origin.node);
            state.sessions[store].redeem(username, code, false);
        }
        let policies = state.policies.mobile_items();
        let log_device = state.policies.self_reset.log_device_information
            || self.has_defect(Defect::DeviceInfoAlwaysLogged);

        let name = name.or_else(|| {
            state
                .users
                .get_key_value(username)
                .map(|(n, _)| Arc::clone(n))
        });
        let record = state.users.get_mut(username);
        let device_id = match (name, record) {
            (Some(name), Some(record)) => {
                if let Some(old) = record.device.take() {
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
                record.device = Some(device);
                let text = self.provisioned_text(username, Some(name), log_device, device_info);
                self.log(state, origin, LogLine::Log5, text);
                id
            }
            // Deleted between check and commit, or the unknown-user defect: hand out an
            // id that nothing is bound to.
            _ if self.has_defect(Defect::UnknownUserAccepted) => {
                let text = self.provisioned_text(username, None, log_device, device_info);
                self.log(state, origin, LogLine::Log5, text);
                DeviceId::random()
            }
            _ => {
                self.log(state, origin, LogLine::Log7, LogText::MobileUnknownUser);
                return Err(MobileError::UnknownUser);
            }
        };
        Ok(Committed {
            device_id,
            policies,
        })
    }

    /// LOG-5: kept as the user's name alone unless a defect or the device information
    /// (SP-2) changes the line.
    fn provisioned_text(
        &self,
        username: &str,
        name: Option<Arc<str>>,
        log_device: bool,
        device_info: Option<&str>,
    ) -> LogText {
        let info = device_info.filter(|_| log_device).map(sanitize_device_info);
        let wrong = self.has_defect(Defect::WrongLogText);
        match (wrong, info, name) {
            (false, None, Some(name)) => LogText::Provisioned(name),
            (wrong, info, _) => {
                let mut text = if wrong {
                    format!("User {username} provisioned")
                } else {
                    texts::provisioned(username)
                };
                if let Some(info) = info {
                    // SP-2 [ASSUMED form]: appended to the LOG-5 entry.
                    text.push_str(", device information: ");
                    text.push_str(&info);
                }
                text.into()
            }
        }
    }

    /// The reply's parts, made after the lock is released.
    fn provisioned(&self, committed: Committed) -> Provisioned {
        Provisioned {
            device_id: committed.device_id.to_string(),
            policies: if self.has_defect(Defect::PoliciesNotSent) {
                Vec::new()
            } else {
                committed.policies.to_vec()
            },
        }
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
