//! The declarative suite format (`scenarios/*.toml`, documented in `scenarios/README.md`):
//! a suite holds cases; a case names its rules, level, tags, timeout, the server and
//! capabilities it needs and its users, then lists steps (control actions, mobile actions
//! on a node, clock moves, captures into variables, and checks). A mobile step lists the
//! outcomes that PASS and those that are only NON-STRICT; any other outcome violates the
//! case's level, as Autobahn grades its cases.

pub mod expect;
pub mod needs;
pub mod read;
pub mod step;
pub mod vars;

use std::time::Duration;

use serde::Deserialize;

use crate::verdict::Level;
pub use expect::Expect;
pub use needs::{Capability, Needs};
pub use read::{ReadError, read_builtin, read_dir};
pub use step::{Action, Step};

/// Default per-case timeout.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

/// One suite file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Suite name (`--suite`).
    pub suite: String,
    /// One-line title.
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// The cases.
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
    /// Where it was loaded from (filled by the loader).
    #[serde(skip)]
    pub origin: String,
}

/// A case: one behaviour, one verdict.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique ID (`--case`).
    pub id: String,
    /// What it checks, in a line.
    pub title: String,
    /// protocol.md rule IDs.
    pub rules: Vec<String>,
    /// MUST, SHOULD or INFO.
    pub level: Level,
    /// Tags (`--tag`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// The policies the case runs under, as a partial policy document (the control API's
    /// shape): set before the first step where the harness sets policies; on a target
    /// whose policies are stated (a real server's target file) they must already be so,
    /// else the case is SKIPPED naming the policy. A case that relies on a default
    /// (validity 600 s, self-provisioning off) says so here.
    #[serde(default)]
    pub policies: Option<toml::Table>,
    /// Capabilities the target must have beyond those the case's users and steps need
    /// (see [`Case::needs`]).
    #[serde(default)]
    pub requires: Vec<Capability>,
    /// The server the case needs.
    #[serde(default)]
    pub server: ServerNeeds,
    /// Users created before the first step.
    #[serde(default)]
    pub users: Vec<UserDecl>,
    /// The steps.
    #[serde(deserialize_with = "step::numbered")]
    pub steps: Vec<Step>,
    /// The suite it belongs to (filled by the loader).
    #[serde(skip)]
    pub suite: String,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

impl Case {
    /// The timeout as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
}

/// Session sharing a case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// Either.
    #[default]
    Any,
    /// Sharing on.
    On,
    /// Sharing off.
    Off,
}

/// The server a case needs: the embedded target starts exactly this; an external target
/// must match it or the case is SKIPPED.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerNeeds {
    /// Nodes (at least).
    #[serde(default = "one")]
    pub nodes: u16,
    /// Session sharing.
    #[serde(default)]
    pub session_sharing: Sharing,
}

fn one() -> u16 {
    1
}

impl Default for ServerNeeds {
    fn default() -> Self {
        Self {
            nodes: 1,
            session_sharing: Sharing::Any,
        }
    }
}

/// A user the case creates, by alias; the runner picks the real username.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDecl {
    /// Alias used in steps and `${alias}` substitutions.
    pub name: String,
    /// PIN.
    #[serde(default = "default_pin")]
    pub pin: String,
    /// Whether the user has the Mobile Client right.
    #[serde(default = "yes")]
    pub mobile_client: bool,
    /// Alert transport kind (`email`, `sms`) or `none`.
    #[serde(default = "email")]
    pub alert: String,
    /// Security-string transport kind (`email`, `sms`) or `none`.
    #[serde(default = "sms")]
    pub strings: String,
    /// Whether to create the user; `false` names a user the server must not know
    /// (`${alias}` still gives the unique username).
    #[serde(default = "yes")]
    pub create: bool,
}

fn default_pin() -> String {
    "3759".into()
}
fn yes() -> bool {
    true
}
fn email() -> String {
    "email".into()
}
fn sms() -> String {
    "sms".into()
}
