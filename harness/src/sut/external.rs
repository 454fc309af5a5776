//! An external target: a running reference server (or another server with the same
//! control API) reached by URL. Nodes come from `--target` (repeatable) or a target TOML;
//! with one node URL and a control API, the other nodes are discovered from
//! `/control/nodes`. With a control API it offers control, clock and policies; without
//! one, only what needs nothing but the nodes runs. Cases run one after another; each
//! gets unique usernames and has its policy changes put back when it ends.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use swivel_reference_server::domain::NamedSmtpTransport;
use swivel_reference_server::domain::policy::Policies;

use std::sync::Arc;

use super::backstage::Backstage;
use super::backstage::control::ControlBackstage;
use super::offer::{Nodes, Offer, SessionSharing};
use super::{CONTROL_TIMEOUT, CaseEnv, PrepareError};
use crate::control::ControlClient;
use crate::scenario::Capability;

/// A target TOML file (`--target FILE.toml` or `--target-file FILE`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// `reference` (default) or `swivel` (a real server; `--target-kind` overrides).
    #[serde(default)]
    pub kind: Option<String>,
    /// Node base URLs with context, e.g. `http://127.0.0.1:8080/pinsafe` (or
    /// `--target URL`).
    #[serde(default)]
    pub nodes: Vec<String>,
    /// Control API base URL.
    #[serde(default)]
    pub control_url: Option<String>,
    /// Control API token (or `--control-token` / SWIVEL_CONTROL_TOKEN).
    #[serde(default)]
    pub control_token: Option<String>,
    /// `on` or `off`, when the control API cannot tell.
    #[serde(default)]
    pub session_sharing: Option<String>,
    /// Agent secret.
    #[serde(default)]
    pub agent_secret: Option<String>,
    /// Site ID.
    #[serde(default)]
    pub site_id: Option<String>,
    /// `swivel`: the repository agent's secret for Admin XML (or `--admin-secret`).
    #[serde(default)]
    pub admin_secret: Option<String>,
    /// `swivel`: a prepared user pool file (or `--user-pool`).
    #[serde(default)]
    pub user_pool: Option<std::path::PathBuf>,
    /// `swivel`: the policies the server has, in the control API's shape; what is not
    /// given is the server's default. A case needing another value is SKIPPED.
    #[serde(default)]
    pub policies: Option<Policies>,
    /// `swivel`: a second SMTP transport the server has for security strings (its name
    /// and the user attribute it delivers to). Users then get their strings at an address
    /// of their own, so the harness can tell which transport a message took.
    #[serde(default)]
    pub strings_transport: Option<NamedSmtpTransport>,
}

/// Why a target file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("target file {path}: {message}")]
pub struct TargetFileError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl TargetFile {
    /// Reads a target TOML.
    pub fn read(path: &Path) -> Result<Self, TargetFileError> {
        let err = |message: String| TargetFileError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| err(e.to_string()))
    }
}

/// A resolved external target.
#[derive(Debug, Clone)]
pub struct ExternalSpec {
    /// Node base URLs with context, index 0 = node 1.
    pub nodes: Vec<String>,
    /// The control API, if any.
    pub control: Option<ControlClient>,
    /// Control API URL (for the report).
    pub control_url: Option<String>,
    /// Session sharing, if known.
    pub session_sharing: Option<bool>,
    /// Agent secret.
    pub agent_secret: String,
    /// Site ID.
    pub site_id: String,
    /// A tag unique to this run, for usernames.
    pub run_tag: String,
}

impl ExternalSpec {
    /// Resolves a target: checks the control API answers and learns nodes and sharing.
    pub async fn resolve(
        mut nodes: Vec<String>,
        control_url: Option<String>,
        control_token: Option<String>,
        session_sharing: Option<bool>,
        agent_secret: String,
        site_id: String,
        run_tag: String,
    ) -> Result<Self, String> {
        for n in &mut nodes {
            *n = n.trim_end_matches('/').to_string();
        }
        let mut sharing = session_sharing;
        let control = match (&control_url, &control_token) {
            (Some(url), Some(token)) => {
                let client =
                    ControlClient::new(url, token, CONTROL_TIMEOUT).map_err(|e| e.to_string())?;
                let health = client
                    .health()
                    .await
                    .map_err(|e| format!("control API: {e}"))?;
                if sharing.is_none() {
                    sharing = health["session_sharing"].as_bool();
                }
                if nodes.len() == 1
                    && let Ok(all) = client.nodes().await
                    && all.len() > 1
                {
                    let context = context_of(&nodes[0]);
                    nodes = all
                        .iter()
                        .map(|u| format!("{}{context}", u.trim_end_matches('/')))
                        .collect();
                }
                Some(client)
            }
            (Some(_), None) => {
                return Err("--control-url needs --control-token (or SWIVEL_CONTROL_TOKEN)".into());
            }
            _ => None,
        };
        Ok(Self {
            nodes,
            control,
            control_url,
            session_sharing: sharing,
            agent_secret,
            site_id,
            run_tag,
        })
    }

    /// What the target offers: the reference server's control API brings control of
    /// users, codes and log, of the clock and of policies.
    pub fn offer(&self) -> Offer {
        let capabilities = match self.control {
            Some(_) => Capability::CONTROL.into(),
            None => BTreeSet::new(),
        };
        Offer {
            capabilities,
            nodes: Nodes::Exactly(self.nodes.len()),
            session_sharing: SessionSharing::known(self.session_sharing),
        }
    }

    /// Prepares a case the offer covers (checked by the caller).
    pub(super) async fn prepare(
        &self,
        case_index: usize,
        attempt: u32,
    ) -> Result<CaseEnv, PrepareError> {
        let restore_policies = match &self.control {
            Some(control) => Some(
                control
                    .policies()
                    .await
                    .map_err(|e| PrepareError::Environment(format!("control API: {e}")))?,
            ),
            None => None,
        };
        let backstage = self.control.clone().map(|control| {
            Arc::new(ControlBackstage::new(control, restore_policies)) as Arc<dyn Backstage>
        });
        Ok(CaseEnv {
            nodes: super::endpoints(&self.nodes),
            backstage,
            agent_secret: self.agent_secret.clone(),
            site_id: self.site_id.clone(),
            // Unique per attempt too: a rerun must not meet the first attempt's users.
            user_suffix: format!("-{}-{case_index}-{attempt}", self.run_tag),
            server: None,
            syslog: None,
            // A running server may serve others meanwhile (a tester, another tool).
            isolation: None,
            log_alone: false,
        })
    }

    /// The node URLs and the control URL, as the report lists them.
    pub(super) fn report_nodes(&self) -> Vec<String> {
        let mut nodes = self.nodes.clone();
        if let Some(url) = &self.control_url {
            nodes.push(format!("control: {url}"));
        }
        nodes
    }
}

/// The context path of a node URL (`/pinsafe` of `http://h:1/pinsafe`), or "".
fn context_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or(String::new(), |i| after_scheme[i..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_the_path() {
        assert_eq!(context_of("http://127.0.0.1:8080/pinsafe"), "/pinsafe");
        assert_eq!(context_of("https://h:1"), "");
    }
}
