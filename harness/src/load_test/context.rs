//! What every goose user of a load run shares: the nodes, the control API, the agent
//! secret, the wire profile, the user pool, the counters and the raw samples.

use std::sync::Arc;

use super::pool::PoolUser;
use super::samples::SampleLog;
use super::stats::LoadStats;
use crate::profile::WireProfile;

/// Shared, read-only but for the counters.
#[derive(Debug)]
pub struct LoadContext {
    /// Wire profile for request bodies and reply parsing.
    pub profile: Arc<WireProfile>,
    /// Node base URLs with context, e.g. `http://127.0.0.1:8080/pinsafe`; index 0 = node 1.
    pub nodes: Vec<String>,
    /// Control API base URL.
    pub control_url: String,
    /// Control API token.
    pub control_token: String,
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
