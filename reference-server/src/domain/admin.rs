//! Administrator operations: the user repository, policies (with the console's
//! validation, PC-3), the Reprovision action (PC-1, PC-2, LOG-1..LOG-4), self-provision
//! requests (SP-1), reading the log and the outbox, and reset.

use std::sync::Arc;

use serde::Serialize;

use super::codes::{PendingCode, counter_code, random_code};
use super::log::{LogEntry, LogLine};
use super::log_text::LogText;
use super::outbox::{OutboxMessage, TransportRole};
use super::policy::{Policies, PolicyError, ProvisionMessage};
use super::site::{complete_url, provision_url};
use super::taps::MailRecord;
use super::users::{Transport, TransportKind, User, UserError, UserSpec};
use super::{AdminError, Core, Origin, SelfProvisionError, State, UserRecord};
use crate::defects::Defect;

/// What the control API shows of a user: no PIN, no device id, no strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    /// Username.
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Whether the groups grant the Mobile Client right.
    pub mobile_client: bool,
    /// Alert transport.
    pub alert_transport: Option<Transport>,
    /// Security-string transport.
    pub string_transport: Option<Transport>,
    /// Whether a device is bound.
    pub provisioned: bool,
    /// Unused strings of the current download (0 when none or invalidated).
    pub strings_remaining: u8,
    /// Codes waiting on each node's store (index 0: shared store).
    pub pending_codes: Vec<usize>,
}

/// Proof that a code was issued, without the code (PC-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    /// Sequence number of the outbox message carrying it.
    pub message_seq: u64,
    /// The code itself: only the code-returned-in-reply defect lets a caller show it.
    pub code: String,
}

/// Outcome of a self-provision request that the policy allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelfProvisionOutcome {
    /// A code went to the user's transport.
    Sent(IssuedCode),
    /// No such user; the reply must not say so (USR-3), so the caller answers alike.
    UnknownUser,
}

pub(crate) fn insert_user(state: &mut State, spec: &UserSpec) -> Result<(), AdminError> {
    let user = User::from_spec(spec)?;
    if state.users.contains_key(spec.username.as_str()) {
        return Err(UserError::Exists(spec.username.clone()).into());
    }
    state.users.insert(
        spec.username.as_str().into(),
        UserRecord { user, device: None },
    );
    let users = state.users.len();
    state.devices.reserve_for(users);
    Ok(())
}

impl Core {
    /// Adds a user to the repository.
    pub fn create_user(&self, spec: &UserSpec) -> Result<(), AdminError> {
        insert_user(&mut self.lock(), spec)
    }

    /// Removes a user, their device, pending codes and messages.
    pub fn delete_user(&self, username: &str) -> Result<(), AdminError> {
        let mut state = self.lock();
        let Some(record) = state.users.remove(username) else {
            return Err(UserError::NotFound(username.to_string()).into());
        };
        if let Some(device) = &record.device {
            state.devices.unbind(device);
        }
        for store in &mut state.sessions {
            store.discard(username);
        }
        state.outbox.forget(username);
        Ok(())
    }

    /// A user as the control API shows them.
    pub fn user_view(&self, username: &str) -> Result<UserView, AdminError> {
        let state = self.lock();
        let record = state
            .users
            .get(username)
            .ok_or_else(|| UserError::NotFound(username.to_string()))?;
        let u = &record.user;
        let strings_remaining = record
            .device
            .as_ref()
            .and_then(|d| d.book.as_ref())
            .map_or(0, |b| {
                (1..=b.count).filter(|&i| !b.is_used(i)).count() as u8
            });
        Ok(UserView {
            username: username.to_string(),
            groups: u.groups().map(str::to_string).collect(),
            mobile_client: u.has_mobile_right(),
            alert_transport: u.alert_transport().cloned(),
            string_transport: u.string_transport().cloned(),
            provisioned: record.device.is_some(),
            strings_remaining,
            pending_codes: state.sessions.iter().map(|s| s.pending(username)).collect(),
        })
    }

    /// Number of users in the repository.
    pub fn user_count(&self) -> usize {
        self.lock().users.len()
    }

    /// The current policies.
    pub fn policies(&self) -> Policies {
        self.lock().policies.clone()
    }

    /// Replaces the policies after the console's checks (PC-3); on error nothing changes.
    pub fn set_policies(&self, policies: Policies) -> Result<Policies, PolicyError> {
        policies.validate(!self.has_defect(Defect::ValidityRangeUnchecked))?;
        self.lock().policies = policies.clone();
        Ok(policies)
    }

    /// PC-1, PC-2: the administrator's Reprovision action on node `origin`. The code goes
    /// to the user's transport only; the caller gets proof of delivery, not the code.
    pub fn admin_reprovision(
        &self,
        origin: impl Into<Origin>,
        username: &str,
    ) -> Result<IssuedCode, AdminError> {
        let origin = origin.into();
        self.check_node(origin.node)?;
        let mut state = self.lock();
        let Some(name) = state
            .users
            .get_key_value(username)
            .map(|(k, _)| Arc::clone(k))
        else {
            return Err(UserError::NotFound(username.to_string()).into());
        };
        let issued = self
            .issue_code(&mut state, origin, username)
            .map_err(|which| AdminError::NoTransport(username.to_string(), which))?;
        // LOG-2 follows LOG-1: the code exists before the console says the user can use it.
        self.log(
            &mut state,
            origin,
            LogLine::Log2,
            LogText::CanReprovision(name),
        );
        Ok(issued)
    }

    /// SP-1: a self-provision request from `/reset/provision.jsp` on node `origin`.
    pub fn self_provision(
        &self,
        origin: impl Into<Origin>,
        username: &str,
    ) -> Result<SelfProvisionOutcome, SelfProvisionError> {
        let origin = origin.into();
        let mut state = self.lock();
        let allowed = state.policies.self_reset.allow_self_provision
            || self.has_defect(Defect::SelfProvisionIgnoresPolicy);
        if !allowed {
            return Err(SelfProvisionError::NotAllowed);
        }
        if !state.users.contains_key(username) {
            return Ok(SelfProvisionOutcome::UnknownUser);
        }
        self.issue_code(&mut state, origin, username)
            .map(SelfProvisionOutcome::Sent)
            .map_err(|_| SelfProvisionError::NoTransport)
    }

    /// Creates a code in node `node`'s store and delivers it (LOG-1, LOG-3, LOG-4).
    /// Fails, changing nothing, when the user lacks the transport the policy picks.
    fn issue_code(
        &self,
        state: &mut State,
        origin: Origin,
        username: &str,
    ) -> Result<IssuedCode, &'static str> {
        let node = origin.node;
        let policy = state.policies.self_reset.clone();
        let numeric = state.policies.mobile_client.provision_number_numeric;
        let (name, record) = state.users.get_key_value(username).ok_or("alert")?;
        let user = &record.user;
        // code-to-wrong-transport: the policy is read but not obeyed (PC-2).
        let (role, transport) = if policy.send_code_as_security_string
            && !self.has_defect(Defect::CodeToWrongTransport)
        {
            (
                TransportRole::String,
                user.string_transport().cloned().ok_or("security-string")?,
            )
        } else {
            (
                TransportRole::Alert,
                user.alert_transport().cloned().ok_or("alert")?,
            )
        };
        // The log lines keep the user's shared name, and LOG-3 and LOG-4 one shared copy
        // of the destination, spelled only when the log is read.
        let name = Arc::clone(name);
        let destination: Arc<str> = Arc::from(transport.destination.as_str());
        let code = if self.has_defect(Defect::PredictableCodes) {
            state.code_counter += 1;
            counter_code(state.code_counter)
        } else {
            random_code(numeric)
        };
        let now = self.now();
        // no-code-created: everything else happens (LOG-1, the message), but the session
        // store never holds the code, so the code the user receives is refused (PC-1).
        if !self.has_defect(Defect::NoCodeCreated) {
            let store = self.store_of(node);
            state.sessions[store].issue(
                &name,
                PendingCode {
                    code: code.as_str().into(),
                    issued_at: now,
                    redeemed: false,
                },
                self.has_defect(Defect::NewCodeKeepsOld),
            );
        }
        self.log(
            state,
            origin,
            LogLine::Log1,
            LogText::CodeCreated(Arc::clone(&name)),
        );

        let site = self.own_site(&state.sites);
        let url = match policy.provision_message {
            ProvisionMessage::Code => None,
            ProvisionMessage::ProvisionUrl => {
                // provision-url-without-code: only the link loses the code (URL-1); the
                // outbox's parsed `code` below still carries it for the control API.
                let url_code = if self.has_defect(Defect::ProvisionUrlWithoutCode) {
                    ""
                } else {
                    code.as_str()
                };
                Some(provision_url(&site, username, url_code))
            }
            ProvisionMessage::CompleteUrl => {
                let base = &policy.complete_url_base;
                let site_id = &self.config().site_id;
                // complete-url-wrong-layout: username and Site ID trade places (URL-2).
                Some(if self.has_defect(Defect::CompleteUrlWrongLayout) {
                    complete_url(base, username, site_id, &code)
                } else {
                    complete_url(base, site_id, username, &code)
                })
            }
        };
        let body = match &url {
            None => format!("Your Swivel mobile provision code is: {code}"),
            Some(url) => format!("Provision your Swivel mobile app by opening: {url}"),
        };
        self.log(
            state,
            origin,
            LogLine::Log3,
            LogText::MessageQueued(Arc::clone(&name), Arc::clone(&destination)),
        );
        if transport.kind == TransportKind::Email && self.taps().mails() {
            self.taps().mail(MailRecord {
                node,
                username: username.to_string(),
                to: transport.destination.clone(),
                body: body.clone(),
            });
        }
        let message_seq = state.outbox.deliver(OutboxMessage {
            seq: 0,
            node,
            at_ms: now,
            username: username.to_string(),
            transport: role,
            kind: transport.kind,
            destination: transport.destination.clone(),
            body,
            code: Some(code.clone()),
            url,
        });
        self.log(
            state,
            origin,
            LogLine::Log4,
            LogText::MessageSent(Arc::clone(&name), Arc::clone(&destination)),
        );
        // log-4-doubled: one message, two message-sent lines (LOG-4).
        if self.has_defect(Defect::Log4Doubled) {
            self.log(
                state,
                origin,
                LogLine::Log4,
                LogText::MessageSent(name, destination),
            );
        }
        Ok(IssuedCode { message_seq, code })
    }

    /// Log entries after sequence number `since`, at most `limit`.
    pub fn log_since(&self, since: u64, limit: usize) -> Vec<LogEntry> {
        self.lock().log.since(since, limit)
    }

    /// The sequence number the next log entry will get.
    pub fn log_next_seq(&self) -> u64 {
        self.lock().log.next_seq()
    }

    /// Messages sent to one user, or the newest `limit` of everyone's.
    pub fn outbox(&self, username: Option<&str>, limit: usize) -> Vec<OutboxMessage> {
        let state = self.lock();
        match username {
            Some(u) => state.outbox.for_user(u),
            None => state.outbox.all(limit),
        }
    }

    /// Back to the start: the initial users (no devices), the configured policies, no codes,
    /// empty log and outbox. The clock and sequence numbers keep going.
    pub fn reset(&self) -> Result<(), AdminError> {
        let mut state = self.lock();
        state.users.clear();
        state.devices.clear();
        let initial = std::mem::take(&mut state.initial_users);
        let mut result = Ok(());
        for spec in &initial {
            if let Err(e) = insert_user(&mut state, spec) {
                result = Err(e);
            }
        }
        state.initial_users = initial;
        state.policies = self.config().policies.clone();
        for store in &mut state.sessions {
            store.clear();
        }
        state.log.clear();
        state.outbox.clear();
        state.code_counter = 0;
        result
    }

    /// Drops expired codes from every store (called periodically, like mini-redis's
    /// purge task), so abandoned codes do not accumulate.
    pub fn purge_expired_codes(&self) {
        let now = self.now();
        let mut state = self.lock();
        if self.has_defect(Defect::CodesNeverExpire) {
            return;
        }
        let validity = state.policies.self_reset.provision_code_validity_secs;
        for store in &mut state.sessions {
            store.purge_expired(now, validity);
        }
    }
}
