//! Where cases run. The embedded target starts a fresh reference server per case (its
//! own nodes, session sharing and clock), so cases run in parallel and each moves its own
//! clock. An external target is a running server reached by URL, with or without its
//! control API. Each target declares what it offers ([`Offer`]); a case needing what the
//! target lacks (a capability, nodes, session sharing) is SKIPPED, naming it.

pub mod backstage;
pub mod embedded;
pub mod external;
pub mod offer;
pub mod swivel;

use std::sync::Arc;
use std::time::Duration;

use swivel_reference_server::cluster::RunningCluster;
use swivel_reference_server::defects::DefectSet;

use crate::emulator::Endpoint;
use crate::profile::WireProfile;
use crate::report::TargetInfo;
use crate::scenario::{Capability, Case};
pub use backstage::{Backstage, BackstageError};
pub use external::{ExternalSpec, TargetFileError};
pub use offer::Offer;
pub use swivel::SwivelSpec;

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
    /// A running reference server (or another server with its control API).
    External(ExternalSpec),
    /// A real Swivel server, reached only through its outside interfaces.
    Swivel(Arc<SwivelSpec>),
}

/// Endpoints of node base URLs, index 0 = node 1.
pub(crate) fn endpoints(nodes: &[String]) -> Vec<Endpoint> {
    nodes
        .iter()
        .enumerate()
        .map(|(i, url)| Endpoint {
            base_url: url.clone(),
            node: u16::try_from(i + 1).ok(),
        })
        .collect()
}

/// How long a run's end may spend deleting what it left on a real server.
const FINISH_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

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
    /// Users, codes, messages, log, policies and time, when the target offers them.
    pub backstage: Option<Arc<dyn Backstage>>,
    /// The agent secret for login.
    pub agent_secret: String,
    /// The Site ID.
    pub site_id: String,
    /// Appended to user aliases to make real usernames unique on a shared server.
    pub user_suffix: String,
    /// The embedded server, stopped when the case ends.
    pub server: Option<RunningCluster>,
    /// The syslog sink the target's log lines reach (SYS-1), when it has one.
    pub syslog: Option<Arc<crate::sinks::syslog::SyslogSink>>,
    /// Held while the case runs on a shared target: shared by cases that can run side
    /// by side, exclusive for a case that must run alone.
    pub isolation: Option<swivel::Isolation>,
    /// Whether every log line written while the case runs is the case's own: its own
    /// embedded server, or a real server it holds alone. Only then can a line that names
    /// no user (LOG-7) be counted as the case's (`expect_log_explained`).
    pub log_alone: bool,
}

impl CaseEnv {
    /// Stops what the case started and puts back what it changed.
    pub async fn finish(self) {
        if let Some(backstage) = &self.backstage {
            backstage.restore().await;
        }
        if let Some(server) = self.server {
            server.shutdown().await;
        }
    }
}

impl TargetSpec {
    /// Prepares the target for attempt `attempt` at one case; a case needing what the
    /// target does not offer is [`PrepareError::Unsupported`], naming it.
    pub async fn prepare(
        &self,
        case: &Case,
        case_index: usize,
        attempt: u32,
    ) -> Result<CaseEnv, PrepareError> {
        if let Some(why) = self.offer().lacks(&case.needs()) {
            return Err(PrepareError::Unsupported(why));
        }
        match self {
            TargetSpec::Embedded {
                defects,
                wire_profile,
            } => embedded::prepare(defects, wire_profile, case).await,
            TargetSpec::External(spec) => spec.prepare(case_index, attempt).await,
            TargetSpec::Swivel(spec) => spec.prepare(case, case_index, attempt).await,
        }
    }

    /// Puts back what the run left on the target once its cases are over (finished or
    /// interrupted): on a real server, deletes the users no case deleted. Returns the
    /// users still there.
    pub async fn finish_run(&self) -> Vec<String> {
        match self {
            TargetSpec::Swivel(spec) => spec.delete_remaining(FINISH_WITHIN).await,
            TargetSpec::Embedded { .. } | TargetSpec::External(_) => Vec::new(),
        }
    }

    /// Whether cases may run at the same time: each has its own server (embedded), or
    /// its own users on a server whose clock no case moves (a real Swivel server, where
    /// a case that must run alone takes the target exclusively).
    pub fn parallel(&self) -> bool {
        matches!(self, TargetSpec::Embedded { .. } | TargetSpec::Swivel(_))
    }

    /// Time a case may take beyond its own timeout on this target (real waits).
    pub fn time_allowance(&self, case: &Case) -> Duration {
        match self {
            TargetSpec::Swivel(spec) => swivel::time_allowance(spec, case),
            _ => Duration::ZERO,
        }
    }

    /// What the target offers.
    pub fn offer(&self) -> Offer {
        match self {
            TargetSpec::Embedded { .. } => Offer {
                // A case that reads syslog gets a sink of its own beside its server.
                capabilities: Capability::CONTROL
                    .into_iter()
                    .chain([Capability::SyslogSink])
                    .collect(),
                nodes: offer::Nodes::AsDeclared,
                session_sharing: offer::SessionSharing::AsDeclared,
            },
            TargetSpec::External(spec) => spec.offer(),
            TargetSpec::Swivel(spec) => spec.offer(),
        }
    }

    /// What the report says about the target.
    pub fn info(&self) -> TargetInfo {
        let capabilities = self.offer().labels();
        match self {
            TargetSpec::Embedded { defects, .. } => TargetInfo {
                kind: "embedded".into(),
                nodes: vec!["a fresh reference server per case, on loopback".into()],
                capabilities,
                defects: defects.iter().map(|d| d.name().to_string()).collect(),
                listeners: Vec::new(),
                policies: Default::default(),
                users_left: Vec::new(),
            },
            TargetSpec::External(spec) => TargetInfo {
                kind: "external".into(),
                nodes: spec.report_nodes(),
                capabilities,
                defects: Vec::new(),
                listeners: Vec::new(),
                policies: Default::default(),
                users_left: Vec::new(),
            },
            TargetSpec::Swivel(spec) => TargetInfo {
                kind: "swivel".into(),
                nodes: spec.report_nodes(),
                capabilities,
                defects: Vec::new(),
                listeners: spec.listeners(),
                policies: flat_policies(&spec.policies),
                users_left: Vec::new(),
            },
        }
    }
}

/// A policy document (`{"self_reset": {"allow_self_provision": true}}`) as
/// `self_reset.allow_self_provision` → `true`, each value in its JSON spelling.
fn flat_policies(doc: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    fn walk(
        prefix: &str,
        v: &serde_json::Value,
        out: &mut std::collections::BTreeMap<String, String>,
    ) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk("", doc, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::read::parse_suite;

    #[test]
    fn policies_flatten_to_dotted_names_with_json_values() {
        let doc = serde_json::json!({
            "self_reset": {"provision_code_validity_secs": 10, "provision_message": "complete-url"},
            "general": {"security_string_type": "upper"}
        });
        let flat = flat_policies(&doc);
        let items: Vec<String> = flat.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        assert_eq!(
            items,
            [
                "general.security_string_type = \"upper\"",
                "self_reset.provision_code_validity_secs = 10",
                "self_reset.provision_message = \"complete-url\"",
            ]
        );
    }

    #[tokio::test]
    async fn a_case_needing_what_the_embedded_target_lacks_is_unsupported_naming_it() {
        let text = "suite = \"s\"\ntitle = \"t\"\n[[case]]\nid = \"c\"\ntitle = \"t\"\nrules = [\"PC-2\"]\nlevel = \"MUST\"\nrequires = [\"mail-sink\"]\nsteps = [{ do = \"ping\" }]\n";
        let case = parse_suite(text, "s.toml").unwrap().cases.remove(0);
        let target = TargetSpec::Embedded {
            defects: DefectSet::default(),
            wire_profile: Arc::new(WireProfile::resolve("mobile-3.6").unwrap()),
        };
        let Err(PrepareError::Unsupported(why)) = target.prepare(&case, 0, 1).await else {
            panic!("prepared a case needing a mail sink");
        };
        assert_eq!(
            why,
            "case needs capability mail-sink (an SMTP sink that catches sent messages), which this target lacks"
        );
    }
}
