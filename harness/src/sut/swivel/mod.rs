//! The `swivel` target: a real Swivel server reached only through what it offers
//! (protocol.md §12). Users come from Admin XML (an agent acting as a repository) or a
//! prepared pool; codes from the administrator's Reprovision over Admin XML, or from the
//! self-service page where the target file says the policy allows it; the messages the
//! server sends from the harness's mail sink; its log from the syslog sink; its policies
//! from the target file (a case needing another value is SKIPPED naming it); time passes
//! for real, within `--max-wait`.
//!
//! Cases run side by side (each has its own users, and no case moves a clock), so real
//! waits overlap; a case whose log checks cannot tell its own lines from another case's
//! (a line that names no user of the case) takes the target alone ([`Isolation`]).

pub mod admin;
mod backstage;
pub mod pool;
mod readiness;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use super::backstage::Delivery;
use super::offer::{Nodes, Offer, SessionSharing};
use super::{CaseEnv, PrepareError};
use crate::codec::admin::AdminCodec;
use crate::emulator::MobileClient;
use crate::profile::WireProfile;
use crate::report::ListenerReport;
use crate::scenario::{Capability, Case};
use crate::sinks::mail::MailSink;
use crate::sinks::syslog::SyslogSink;
pub use admin::AdminAccess;
use backstage::SwivelBackstage;
pub use pool::UserPool;
pub use readiness::time_allowance;
use swivel_reference_server::domain::NamedSmtpTransport;

/// Held while a case runs: shared, or exclusive for a case that must run alone.
#[derive(Debug)]
pub enum Isolation {
    /// Other cases may run beside this one.
    Shared(OwnedRwLockReadGuard<()>),
    /// No other case runs meanwhile.
    Alone(OwnedRwLockWriteGuard<()>),
}

/// What the `swivel` target is built from (the CLI fills it from flags and the target
/// file).
pub struct SwivelConfig {
    /// Node base URLs with context, index 0 = node 1.
    pub nodes: Vec<String>,
    /// Site ID.
    pub site_id: String,
    /// Agent secret (login).
    pub agent_secret: String,
    /// Session sharing, when the target file says.
    pub session_sharing: Option<bool>,
    /// The policies the server has (the target file's, over the defaults).
    pub policies: Value,
    /// Admin XML, when a repository agent exists.
    pub admin: Option<AdminAccess>,
    /// Prepared users, when no repository agent exists.
    pub pool: Option<UserPool>,
    /// A second SMTP transport for security strings (the target file's
    /// `[strings_transport]`): users created over Admin XML get their strings at an
    /// address of their own, so a message's transport is known.
    pub strings_transport: Option<NamedSmtpTransport>,
    /// The mail sink the server's SMTP transport points at.
    pub mail: Option<Arc<MailSink>>,
    /// The syslog sink the server's syslog output points at.
    pub syslog: Option<Arc<SyslogSink>>,
    /// Longest real wait a case may need.
    pub max_wait: Duration,
    /// How long mail and syslog may take.
    pub delivery: Delivery,
    /// The wire the harness speaks (self-service page, Admin XML shapes).
    pub profile: Arc<WireProfile>,
    /// The app, for the self-service page.
    pub client: MobileClient,
    /// A tag unique to this run, for usernames.
    pub run_tag: String,
}

/// A real Swivel server and the harness's listeners for it: its configuration, and what
/// the run shares between cases.
pub struct SwivelSpec {
    config: SwivelConfig,
    isolation: Arc<RwLock<()>>,
    /// Users created over Admin XML and not deleted yet: a case deletes its own when it
    /// ends; what an interrupted case or a failed delete leaves is deleted at the run's
    /// end ([`SwivelSpec::delete_remaining`]).
    live: Mutex<BTreeSet<String>>,
}

impl std::ops::Deref for SwivelSpec {
    type Target = SwivelConfig;

    fn deref(&self) -> &SwivelConfig {
        &self.config
    }
}

impl std::fmt::Debug for SwivelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwivelSpec")
            .field("nodes", &self.nodes)
            .field("site_id", &self.site_id)
            .field("admin", &self.admin.is_some())
            .field("pool", &self.pool.as_ref().map(UserPool::len))
            .field("mail", &self.mail.as_ref().map(|m| m.local_addr()))
            .field("syslog", &self.syslog.as_ref().map(|s| s.udp_addr()))
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl SwivelSpec {
    /// A target from its configuration.
    pub fn new(mut config: SwivelConfig) -> Self {
        for node in &mut config.nodes {
            *node = node.trim_end_matches('/').to_string();
        }
        Self {
            config,
            isolation: Arc::new(RwLock::new(())),
            live: Mutex::new(BTreeSet::new()),
        }
    }

    /// Whether a message's transport can be told from its recipient: the strings go by
    /// a second SMTP transport to an address of their own, which only users the harness
    /// creates over Admin XML can be given.
    pub fn knows_transports(&self) -> bool {
        self.strings_transport.is_some() && self.admin.is_some() && self.mail.is_some()
    }

    /// Whether the stated policies allow self-provisioning (SP-1).
    pub fn self_provision_allowed(&self) -> bool {
        self.policies
            .pointer("/self_reset/allow_self_provision")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether the administrator's Reprovision is reachable (Admin XML with a
    /// reprovision request in the profile).
    pub fn admin_reprovision(&self) -> bool {
        // The codec reads the profile as the server does: no `[admin]` section means
        // the default shape, Reprovision included.
        self.admin.is_some() && AdminCodec::new(&self.profile).can_reprovision()
    }

    /// What the target offers.
    pub fn offer(&self) -> Offer {
        let mut capabilities =
            std::collections::BTreeSet::from([Capability::Policies, Capability::Wait]);
        if self.admin.is_some() {
            capabilities.extend([
                Capability::AdminApi,
                Capability::Users,
                Capability::DeleteUsers,
            ]);
        } else if self.pool.is_some() {
            capabilities.insert(Capability::Users);
        }
        if self.admin_reprovision() {
            capabilities.extend([Capability::IssueCodes, Capability::AdminReprovision]);
        } else if self.self_provision_allowed() {
            capabilities.insert(Capability::IssueCodes);
        }
        if self.mail.is_some() {
            capabilities.extend([Capability::MailSink, Capability::Messages]);
        }
        if self.knows_transports() {
            capabilities.insert(Capability::MessageTransport);
        }
        if self.syslog.is_some() {
            capabilities.extend([Capability::SyslogSink, Capability::Log]);
        }
        Offer {
            capabilities,
            nodes: Nodes::Exactly(self.nodes.len()),
            session_sharing: SessionSharing::known(self.session_sharing),
        }
    }

    /// Prepares a case the offer covers: checks what the offer cannot say (policy
    /// values, real waiting, pooled users), then gives it its own backstage.
    pub(super) async fn prepare(
        self: &Arc<Self>,
        case: &Case,
        case_index: usize,
        attempt: u32,
    ) -> Result<CaseEnv, PrepareError> {
        readiness::check(self, case)?;
        let alone = readiness::must_run_alone(case);
        let isolation = if alone {
            Isolation::Alone(self.isolation.clone().write_owned().await)
        } else {
            Isolation::Shared(self.isolation.clone().read_owned().await)
        };
        let backstage = SwivelBackstage::new(self.clone());
        Ok(CaseEnv {
            nodes: super::endpoints(&self.nodes),
            backstage: Some(Arc::new(backstage)),
            agent_secret: self.agent_secret.clone(),
            site_id: self.site_id.clone(),
            // Unique per attempt too: a rerun must not meet the first attempt's users.
            user_suffix: format!("-{}-{case_index}-{attempt}", self.run_tag),
            server: None,
            syslog: self.syslog.clone(),
            isolation: Some(isolation),
            log_alone: alone,
        })
    }

    fn live(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        // A plain set, consistent after every statement: a poisoned lock is still usable.
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a user created on the server, to delete by the run's end.
    pub(crate) fn created_user(&self, username: &str) {
        self.live().insert(username.to_string());
    }

    /// Records a user deleted from the server.
    pub(crate) fn deleted_user(&self, username: &str) {
        self.live().remove(username);
    }

    /// Deletes every user the run created and has not deleted (an interrupted case's, or
    /// one whose delete failed), in batches, within `within`; returns the users still on
    /// the server, for the report, so that someone can remove them by hand.
    pub async fn delete_remaining(&self, within: Duration) -> Vec<String> {
        const BATCH: usize = 50;
        let names: Vec<String> = self.live().iter().cloned().collect();
        if names.is_empty() {
            return Vec::new();
        }
        let Some(admin) = &self.admin else {
            return names;
        };
        let deleting = async {
            for batch in names.chunks(BATCH) {
                let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                match admin.delete_many(self, &refs).await {
                    Ok(reply) => {
                        for name in refs.iter().filter(|n| reply.passed(n)) {
                            self.deleted_user(name);
                        }
                    }
                    Err(e) => tracing::warn!("could not delete {} user(s): {e}", refs.len()),
                }
            }
        };
        if tokio::time::timeout(within, deleting).await.is_err() {
            tracing::warn!("deleting the run's users took longer than {within:?}; stopped");
        }
        self.live().iter().cloned().collect()
    }

    /// The sinks' counters now, as the report lists them.
    pub fn listeners(&self) -> Vec<ListenerReport> {
        let mut out = Vec::new();
        if let Some(mail) = &self.mail {
            let s = mail.stats();
            let counts = [
                ("connections", s.connections),
                ("connections refused (too many)", s.refused_connections),
                ("sessions timed out", s.timeouts),
                ("bad commands", s.bad_commands),
                ("lines too long", s.lines_too_long),
                ("sessions ended for errors", s.sessions_ended_for_errors),
                ("recipients refused (too many)", s.too_many_recipients),
                ("messages refused (too large)", s.too_large),
                ("messages accepted", s.accepted),
                ("messages without a code", s.without_code),
                ("messages not MIME-readable", s.unparsable),
                ("messages dropped (buffer full)", s.buffer.evicted),
            ];
            out.push(ListenerReport {
                name: "mail sink".into(),
                address: mail.local_addr().to_string(),
                counts: counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            });
        }
        if let Some(syslog) = &self.syslog {
            let s = syslog.stats();
            let mut counts: std::collections::BTreeMap<String, u64> = [
                ("frames", s.frames),
                ("lines accepted", s.accepted),
                ("lines dropped (buffer full)", s.buffer.evicted),
                ("tcp connections", s.tcp_connections),
                ("tcp connections refused (too many)", s.tcp_refused),
                ("tcp connections timed out", s.tcp_timeouts),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
            if let Some(drops) = s.kernel_drops {
                counts.insert(
                    "datagrams dropped by the kernel (buffer full)".into(),
                    drops,
                );
            }
            for (why, n) in &s.rejected {
                counts.insert(format!("lines refused: {why}"), *n);
            }
            let address = syslog
                .udp_addr()
                .or(syslog.tcp_addr())
                .map(|a| a.to_string())
                .unwrap_or_default();
            out.push(ListenerReport {
                name: "syslog sink".into(),
                address,
                counts,
            });
        }
        out
    }

    /// The nodes and the listeners, as the report lists them.
    pub(super) fn report_nodes(&self) -> Vec<String> {
        let mut out = self.nodes.clone();
        if let Some(mail) = &self.mail {
            out.push(format!("mail sink: smtp://{}", mail.local_addr()));
        }
        if let Some(syslog) = &self.syslog {
            if let Some(udp) = syslog.udp_addr() {
                out.push(format!("syslog sink: udp://{udp}"));
            }
            if let Some(tcp) = syslog.tcp_addr() {
                out.push(format!("syslog sink: tcp://{tcp}"));
            }
        }
        match (&self.admin, &self.pool) {
            (Some(_), _) => out.push("users: Admin XML".into()),
            (None, Some(pool)) => out.push(format!("users: a pool of {}", pool.len())),
            (None, None) => {}
        }
        out.push(format!("max wait: {} s", self.max_wait.as_secs()));
        out
    }
}
