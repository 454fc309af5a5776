//! What every goose user of a load run shares: the nodes, where codes come from (the
//! control API, or Admin XML and the mail sink of a real server), the agent secret, the
//! wire profile, the user pool, the counters and the raw samples.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::pool::PoolUser;
use super::samples::SampleLog;
use super::stats::{LoadStats, LoadSummary};
use crate::codec::admin::AdminCodec;
use crate::profile::WireProfile;
use crate::sinks::mail::MailSink;
use crate::sut::SwivelSpec;

/// Where a load run's provision codes come from.
#[derive(Clone)]
pub enum CodeSource {
    /// The reference server's control API: its reprovision issues a code, its outbox
    /// shows it.
    Control {
        /// Control API base URL.
        url: String,
        /// Control API token.
        token: String,
    },
    /// A real Swivel server: the administrator's Reprovision over Admin XML (or the
    /// self-service page) issues a code, which is read from the mail the server sends.
    Mail(Box<MailCodes>),
}

impl std::fmt::Debug for CodeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeSource::Control { url, .. } => f
                .debug_struct("Control")
                .field("url", url)
                .field("token", &"<redacted>")
                .finish(),
            CodeSource::Mail(m) => f.debug_tuple("Mail").field(m).finish(),
        }
    }
}

/// Codes from a real server's mail.
#[derive(Debug, Clone)]
pub struct MailCodes {
    /// The target: its nodes, Admin XML access, stated policies.
    pub target: Arc<SwivelSpec>,
    /// The mail sink the server's SMTP transport points at.
    pub mail: Arc<MailSink>,
    /// Admin XML as the wire profile spells it.
    pub codec: AdminCodec,
    /// How long a code's mail is waited for.
    pub wait: Duration,
}

impl MailCodes {
    /// Codes through `target`'s mail sink; `None` when it has none.
    pub fn new(target: Arc<SwivelSpec>) -> Option<Self> {
        let mail = target.mail.clone()?;
        Some(Self {
            codec: AdminCodec::new(&target.profile),
            wait: target.delivery.arrive,
            mail,
            target,
        })
    }

    /// Whether codes are issued by the administrator's Reprovision (else by the
    /// self-service page).
    pub fn by_admin(&self) -> bool {
        self.target.admin_reprovision()
    }
}

/// Shared, read-only but for the counters.
#[derive(Debug)]
pub struct LoadContext {
    /// Wire profile for request bodies and reply parsing.
    pub profile: Arc<WireProfile>,
    /// Node base URLs with context, e.g. `http://127.0.0.1:8080/pinsafe`; index 0 = node 1.
    pub nodes: Vec<String>,
    /// Where codes come from.
    pub codes: CodeSource,
    /// Agent secret for logins.
    pub agent_secret: String,
    /// Whether the target shares sessions between nodes.
    pub session_sharing: bool,
    /// This run's (shard's) users.
    pub pool: Vec<PoolUser>,
    /// Goose users the pool is divided between.
    pub goose_users: usize,
    /// A CA certificate (PEM) to trust for HTTPS targets, beside the system roots.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Counters.
    pub stats: LoadStats,
    /// Every request's timing and outcome.
    pub samples: SampleLog,
}

impl LoadContext {
    /// The counters now, with the code wait when codes come by mail.
    pub fn summary(&self) -> LoadSummary {
        let mut summary = self.stats.summary();
        if let CodeSource::Mail(m) = &self.codes {
            summary.code_wait_s = Some(m.wait.as_secs());
        }
        summary
    }
}

/// Per goose user: the pool positions it owns and where it is in them.
#[derive(Debug, Default, Clone)]
pub struct UserState {
    /// Owned pool positions.
    pub owned: Vec<usize>,
    /// Next position to use (index into `owned`, wrapping).
    pub next: usize,
    /// A provisioned device of this goose user: (pool position, device id).
    pub device: Option<(usize, String)>,
    /// Whether this goose user's HTTP client trusts `ca_cert_pem` yet.
    pub client_ready: bool,
    /// Index of this goose user's latest request in the run's samples.
    pub last_sample: Option<usize>,
    /// Per owned pool position, the mail sink's sequence number of the newest code mail
    /// read for that user: a code is read only from a newer mail.
    pub mail_seen: HashMap<usize, u64>,
}

impl UserState {
    /// The next owned pool position, round robin.
    pub fn take(&mut self) -> Option<usize> {
        if self.owned.is_empty() {
            return None;
        }
        let p = self.owned[self.next % self.owned.len()];
        self.next = self.next.wrapping_add(1);
        Some(p)
    }
}
