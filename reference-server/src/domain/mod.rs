//! The domain core: the whole Swivel provisioning server without HTTP. One [`Core`]
//! holds the shared repository (users, devices, strings, policies, log, outbox) and one
//! session store per node (or one shared store), behind a std `Mutex` held only for
//! short, non-async sections. Operations live in sibling modules by concept:
//! [`admin`] (users, policies, reprovision), [`provision`] (PC-*, DEV-1, SS-1),
//! [`mobile`] (strings, token index, OTC login) and [`site`] (Site ID, URLs).

pub mod admin;
pub(crate) mod code_store;
pub mod codes;
pub(crate) mod device_index;
pub mod devices;
pub mod errors;
pub mod log;
pub(crate) mod log_text;
pub mod mobile;
pub mod origin;
pub mod outbox;
pub mod policy;
pub mod provision;
pub mod site;
pub(crate) mod string_chars;
pub mod strings;
pub mod taps;
pub mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::{Millis, SharedClock};
use crate::defects::{Defect, DefectSet};
use codes::CodeStore;
use device_index::DeviceIndex;
use devices::Device;
use log::{Log, LogLine};
use log_text::LogText;
pub use origin::Origin;
use outbox::Outbox;
use policy::Policies;
use site::SiteRecord;
use taps::{LogRecord, Taps};
use users::{User, UserSpec};

pub use errors::{AdminError, AgentError, MobileError, SelfProvisionError};

/// The maps of the repository keyed by username or device id, looked up on every mobile
/// request: foldhash instead of std's SipHash, several times cheaper on these short keys
/// and, like it, seeded at random (per process and per map), so keys cannot be chosen
/// ahead to collide.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How a server is set up; fixed for its lifetime.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Number of nodes (1-based indexes 1..=nodes).
    pub nodes: u16,
    /// Whether a code created on one node is valid on every node (CL-1, CL-2).
    pub session_sharing: bool,
    /// This server's Site ID for the SSD and complete URLs.
    pub site_id: String,
    /// The Agent-XML shared secret.
    pub agent_secret: String,
    /// Defect switches.
    pub defects: DefectSet,
    /// Log entries kept.
    pub log_capacity: usize,
    /// The policies at start and after a reset (`serve --policies`); checked like a
    /// control API change when the core is made.
    pub policies: Policies,
    /// SMTP transports beside the wire profile's own (`[admin].smtp_transport`, which
    /// delivers to the `[admin].email` attribute), each delivering to an attribute of
    /// its own, as Admin XML names them (`serve --policies` file, `[strings_transport]`).
    pub smtp_transports: Vec<NamedSmtpTransport>,
}

/// A further SMTP transport of the server: its name, and the user attribute holding the
/// address it delivers to [ASSUMED: a real server's transport has a destination
/// attribute; which attributes exist is the site's configuration].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSmtpTransport {
    /// The transport's name (`SMTP-STRINGS`).
    pub name: String,
    /// The attribute it delivers to (`email2`).
    pub attribute: String,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            nodes: 1,
            session_sharing: false,
            site_id: "HARNESS01".to_string(),
            agent_secret: "swivel-harness-secret".to_string(),
            defects: DefectSet::none(),
            log_capacity: 100_000,
            policies: Policies::default(),
            smtp_transports: Vec::new(),
        }
    }
}

/// A user and the device bound to them. The device is boxed so that the repository's
/// table slots stay small: a million users must fit (BENCHMARKS.md), and a hash table
/// keeps many slots empty, each as large as this record.
#[derive(Debug)]
pub(crate) struct UserRecord {
    pub(crate) user: User,
    pub(crate) device: Option<Box<Device>>,
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct State {
    /// Keyed by username; the key's allocation is shared with [`State::devices`].
    pub(crate) users: FastMap<Arc<str>, UserRecord>,
    /// Which user each bound device id belongs to (SS-2: `<Id>` alone names the user).
    pub(crate) devices: DeviceIndex,
    pub(crate) policies: Policies,
    /// Index 0 is the shared store; index k is node k's own store.
    pub(crate) sessions: Vec<CodeStore>,
    pub(crate) log: Log,
    pub(crate) outbox: Outbox,
    pub(crate) sites: HashMap<String, SiteRecord>,
    /// Only the predictable-codes defect reads it.
    pub(crate) code_counter: u64,
    /// The users a reset restores.
    pub(crate) initial_users: Vec<UserSpec>,
}

struct Shared {
    state: OwnLines<Mutex<State>>,
    clock: SharedClock,
    config: CoreConfig,
    taps: Taps,
}

/// Puts the lock and the state it guards on cache lines of their own (128 bytes: the
/// adjacent-line prefetcher pulls lines in pairs). Every request writes them, from
/// either server thread in turn; the clock and the configuration beside them are read
/// on every request too and must not be on a line the other thread just wrote.
#[repr(align(128))]
struct OwnLines<T>(T);

/// A handle on the server; cheap to clone, shared by every node and the control API.
#[derive(Clone)]
pub struct Core {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// A server with `initial_users`, the configured policies and an empty log.
    pub fn new(
        config: CoreConfig,
        clock: SharedClock,
        initial_users: Vec<UserSpec>,
    ) -> Result<Self, AdminError> {
        Self::with_taps(config, clock, initial_users, Taps::default())
    }

    /// [`Core::new`], with every log entry and e-mail also handed to `taps`.
    pub fn with_taps(
        config: CoreConfig,
        clock: SharedClock,
        initial_users: Vec<UserSpec>,
        taps: Taps,
    ) -> Result<Self, AdminError> {
        let nodes = config.nodes.max(1);
        let config = CoreConfig { nodes, ..config };
        config
            .policies
            .validate(!config.defects.has(Defect::ValidityRangeUnchecked))?;
        let state = State {
            users: FastMap::default(),
            devices: DeviceIndex::default(),
            policies: config.policies.clone(),
            sessions: (0..=nodes).map(|_| CodeStore::default()).collect(),
            log: Log::new(config.log_capacity),
            outbox: Outbox::default(),
            sites: HashMap::new(),
            code_counter: 0,
            initial_users: Vec::new(),
        };
        let core = Self {
            shared: Arc::new(Shared {
                state: OwnLines(Mutex::new(state)),
                clock,
                config,
                taps,
            }),
        };
        {
            let mut state = core.lock();
            for spec in &initial_users {
                admin::insert_user(&mut state, spec)?;
            }
            state.initial_users = initial_users;
        }
        Ok(core)
    }

    /// The fixed configuration.
    pub fn config(&self) -> &CoreConfig {
        &self.shared.config
    }

    /// Whether a defect switch is on.
    pub fn has_defect(&self, defect: Defect) -> bool {
        self.shared.config.defects.has(defect)
    }

    /// The clock's current time.
    pub fn now(&self) -> Millis {
        self.shared.clock.now()
    }

    /// Moves the clock forward by whole seconds.
    pub fn advance_clock(&self, secs: u64) -> Millis {
        self.shared.clock.advance(secs.saturating_mul(1000));
        self.now()
    }

    /// Locks the state. A panic while the lock was held cannot leave a half-applied
    /// change (every section computes first, then writes), so a poisoned lock is taken
    /// over rather than taking the whole server down.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether codes of different nodes live in one store, after the cluster defects.
    pub fn sessions_shared(&self) -> bool {
        let c = &self.shared.config;
        (c.session_sharing || c.defects.has(Defect::SessionsAlwaysShared))
            && !c.defects.has(Defect::SessionsNeverShared)
    }

    /// The store index that node `node` reads and writes codes in.
    pub(crate) fn store_of(&self, node: u16) -> usize {
        if self.sessions_shared() {
            0
        } else {
            usize::from(node)
        }
    }

    /// Checks a node index.
    pub fn check_node(&self, node: u16) -> Result<(), AdminError> {
        let nodes = self.shared.config.nodes;
        if (1..=nodes).contains(&node) {
            Ok(())
        } else {
            Err(AdminError::NoSuchNode(node, nodes))
        }
    }

    /// The taps' counters (syslog and SMTP outlets).
    pub fn tap_stats(&self) -> taps::TapStats {
        self.shared.taps.counters().stats()
    }

    /// The taps, for the parts of the core that deliver mail.
    pub(crate) fn taps(&self) -> &Taps {
        &self.shared.taps
    }

    /// Appends a log line of rule `line`, stamped with the origin's node and the clock,
    /// and hands it to the syslog tap with the origin's client where the line names one.
    /// The one place the `log-N-missing` defects act: with the line's defect on, nothing
    /// is written and everything else the caller does goes on unchanged.
    pub(crate) fn log(
        &self,
        state: &mut State,
        origin: Origin,
        line: LogLine,
        text: impl Into<LogText>,
    ) {
        if line.missing_defect().is_some_and(|d| self.has_defect(d)) {
            return;
        }
        let now = self.now();
        let text = text.into();
        let taps = &self.shared.taps;
        if taps.logs() {
            taps.log(LogRecord {
                node: origin.node,
                at_ms: now,
                line,
                client: origin.client.filter(|_| line.names_client()),
                text: text.clone(),
            });
        }
        state.log.keep(origin.node, now, text);
    }
}

#[cfg(test)]
mod tests;
