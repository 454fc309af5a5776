//! Where cases run. The embedded target starts a fresh reference server per case (its
//! own nodes, session sharing and clock), so cases run in parallel and each moves its own
//! clock. An external target is a running server reached by URL, with its control API;
//! cases it cannot serve (too few nodes, other session sharing, no control) are SKIPPED
//! with the reason.

pub mod embedded;
pub mod external;

use std::sync::Arc;
use std::time::Duration;

use swivel_reference_server::cluster::RunningCluster;
use swivel_reference_server::defects::DefectSet;

use crate::control::ControlClient;
use crate::emulator::Endpoint;
use crate::profile::WireProfile;
use crate::report::TargetInfo;
use crate::scenario::Case;
pub use external::{ExternalSpec, TargetFileError};

/// Timeout of control API calls.
pub const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// What to test.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// A fresh in-process reference server per case, with these defects.
    Embedded {
        /// Defect switches.
        defects: DefectSet,
        /// The wire the embedded servers speak: the run's profile, unless told
        /// otherwise to show what a mismatch looks like.
        wire_profile: Arc<WireProfile>,
    },
    /// A running server.
    External(ExternalSpec),
}

/// Why a case cannot run on this target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// The target lacks something the case needs: SKIPPED with this reason.
    #[error("{0}")]
    Unsupported(String),
    /// The target could not be set up or reached: INCONCLUSIVE with this reason.
    #[error("{0}")]
    Environment(String),
}

/// Everything a running case uses.
pub struct CaseEnv {
    /// Node endpoints, index 0 = node 1.
    pub nodes: Vec<Endpoint>,
    /// The control API.
    pub control: ControlClient,
    /// The agent secret for login.
    pub agent_secret: String,
    /// The Site ID.
    pub site_id: String,
    /// Appended to user aliases to make real usernames unique on a shared server.
    pub user_suffix: String,
    /// Policies to put back when the case ends (external targets).
    pub restore_policies: Option<serde_json::Value>,
    /// The embedded server, stopped when the case ends.
    pub server: Option<RunningCluster>,
}

impl CaseEnv {
    /// Stops what the case started and puts back what it changed.
    pub async fn finish(self) {
        if let Some(policies) = self.restore_policies
            && let Err(e) = self.control.set_policies(policies).await
        {
            tracing::warn!("could not restore the target's policies: {e}");
        }
        if let Some(server) = self.server {
            server.shutdown().await;
        }
    }
}

impl TargetSpec {
    /// Prepares the target for attempt `attempt` at one case.
    pub async fn prepare(
        &self,
        case: &Case,
        case_index: usize,
        attempt: u32,
    ) -> Result<CaseEnv, PrepareError> {
        match self {
            TargetSpec::Embedded {
                defects,
                wire_profile,
            } => embedded::prepare(defects, wire_profile, case).await,
            TargetSpec::External(spec) => spec.prepare(case, case_index, attempt).await,
        }
    }

    /// Whether cases may run at the same time (each has its own server).
    pub fn parallel(&self) -> bool {
        matches!(self, TargetSpec::Embedded { .. })
    }

    /// What the report says about the target.
    pub fn info(&self) -> TargetInfo {
        match self {
            TargetSpec::Embedded { defects, .. } => TargetInfo {
                kind: "embedded".into(),
                nodes: vec!["a fresh reference server per case, on loopback".into()],
                capabilities: vec![
                    "control".into(),
                    "clock".into(),
                    "nodes:any".into(),
                    "session-sharing:any".into(),
                ],
                defects: defects.iter().map(|d| d.name().to_string()).collect(),
            },
            TargetSpec::External(spec) => spec.info(),
        }
    }
}
