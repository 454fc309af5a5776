//! What `run` and `load` share to reach a running server: `--target-kind` (a reference
//! server driven by its control API, or a real Swivel server driven through what it
//! offers), `--target-file`, and the real server's listeners and sources: the mail and
//! syslog sinks, Admin XML's secret, a user pool, `--max-wait`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use swivel_harness::emulator::MobileClient;
use swivel_harness::profile::WireProfile;
use swivel_harness::sinks::mail::{MailConfig, MailSink};
use swivel_harness::sinks::syslog::{SyslogConfig, SyslogSink};
use swivel_harness::sut::backstage::Delivery;
use swivel_harness::sut::external::TargetFile;
use swivel_harness::sut::swivel::{AdminAccess, SwivelConfig, SwivelSpec, UserPool};

/// What `--target` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TargetKind {
    /// A reference server (`serve`), driven by its control API when one is given.
    #[default]
    Reference,
    /// A real Swivel server: no control API; users through Admin XML or a pool, codes
    /// and log through the mail and syslog sinks, real waiting.
    Swivel,
}

/// Options for reaching a running server beyond its URLs.
#[derive(Debug, Args)]
pub struct TargetKindArgs {
    /// What --target is: `reference` (a reference server) or `swivel` (a real Swivel
    /// server, reached only through its outside interfaces).
    #[arg(long, value_enum)]
    pub target_kind: Option<TargetKind>,
    /// A target TOML file: nodes, site_id, agent_secret, session_sharing, control_url
    /// and control_token, and for `swivel` kind, admin_secret, user_pool and the
    /// server's [policies]. Same as `--target FILE.toml`.
    #[arg(long, value_name = "FILE")]
    pub target_file: Option<PathBuf>,
    /// Receive the server's mail here (its SMTP transport points at it); `swivel` only.
    #[arg(long, value_name = "ADDR")]
    pub smtp_bind: Option<SocketAddr>,
    /// Receive the server's syslog here, UDP and TCP on the same port; `swivel` only.
    #[arg(long, value_name = "ADDR")]
    pub syslog_bind: Option<SocketAddr>,
    /// Secret of the repository agent that may create and delete users over Admin XML.
    #[arg(long, env = "SWIVEL_ADMIN_SECRET", hide_env_values = true)]
    pub admin_secret: Option<String>,
    /// Longest time a case may wait for real (an expiry); longer cases are SKIPPED.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub max_wait: Duration,
    /// Longest wait for a mail or a syslog line that is due.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub delivery_wait: Duration,
}

/// `30`, `30s`, `2m`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let (digits, scale) = match text.strip_suffix('m') {
        Some(d) => (d, 60),
        None => (text.strip_suffix('s').unwrap_or(text), 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .map(|n| Duration::from_secs(n * scale))
        .map_err(|_| format!("{text:?} is not a number of seconds (30, 30s or 2m)"))
}

/// A `swivel` target's resolved connection details (from flags and the target file).
pub struct SwivelInputs {
    /// Node base URLs.
    pub nodes: Vec<String>,
    /// Site ID.
    pub site_id: String,
    /// Agent secret.
    pub agent_secret: String,
    /// Session sharing, if known.
    pub session_sharing: Option<bool>,
    /// The target file, if any.
    pub file: Option<TargetFile>,
    /// `--user-pool`, if given.
    pub user_pool: Option<PathBuf>,
    /// `--ca-cert`'s PEM, for Admin XML over HTTPS.
    pub ca_pem: Option<Vec<u8>>,
    /// `--insecure`.
    pub insecure: bool,
}

impl TargetKindArgs {
    /// The kind asked for: `--target-kind`, else the target file's `kind`, else
    /// `reference`.
    pub fn kind(&self, file: Option<&TargetFile>) -> anyhow::Result<TargetKind> {
        if let Some(kind) = self.target_kind {
            return Ok(kind);
        }
        match file.and_then(|f| f.kind.as_deref()) {
            None | Some("reference") => Ok(TargetKind::Reference),
            Some("swivel") => Ok(TargetKind::Swivel),
            Some(other) => bail!("target file: kind must be reference or swivel, not {other:?}"),
        }
    }

    /// Refuses `swivel`-only options on another kind.
    pub fn check_reference_only(&self) -> anyhow::Result<()> {
        for (given, flag) in [
            (self.smtp_bind.is_some(), "--smtp-bind"),
            (self.syslog_bind.is_some(), "--syslog-bind"),
        ] {
            if given {
                bail!("{flag} applies to --target-kind swivel only");
            }
        }
        Ok(())
    }

    /// Starts the sinks and builds the `swivel` target.
    pub async fn swivel(
        &self,
        inputs: SwivelInputs,
        profile: Arc<WireProfile>,
        client: MobileClient,
        run_tag: String,
    ) -> anyhow::Result<SwivelSpec> {
        let SwivelInputs {
            nodes,
            site_id,
            agent_secret,
            session_sharing,
            file,
            user_pool,
            ca_pem,
            insecure,
        } = inputs;
        if nodes.is_empty() {
            bail!(
                "--target-kind swivel needs the server's node URLs (--target or the target file's nodes)"
            );
        }
        let file = file.unwrap_or_default();
        let admin = match self.admin_secret.clone().or(file.admin_secret.clone()) {
            Some(secret) => Some(AdminAccess::new(secret, ca_pem.as_deref(), insecure)?),
            None => None,
        };
        let pool = match user_pool.or(file.user_pool.clone()) {
            Some(path) => Some(UserPool::read(&path)?),
            None => None,
        };
        let mail = match self.smtp_bind {
            Some(addr) => {
                let patterns = profile.mail.clone().unwrap_or_default();
                let sink = MailSink::bind(MailConfig::new(addr), &patterns)
                    .await
                    .context("--smtp-bind")?;
                Some(Arc::new(sink))
            }
            None => None,
        };
        let syslog = match self.syslog_bind {
            Some(addr) => {
                let sink = SyslogSink::bind(SyslogConfig::new(Some(addr), Some(addr)))
                    .await
                    .context("--syslog-bind")?;
                Some(Arc::new(sink))
            }
            None => None,
        };
        let policies = serde_json::to_value(file.policies.clone().unwrap_or_default())
            .context("target file policies")?;
        Ok(SwivelSpec::new(SwivelConfig {
            nodes,
            site_id,
            agent_secret,
            session_sharing,
            policies,
            admin,
            pool,
            mail,
            syslog,
            max_wait: self.max_wait,
            delivery: Delivery {
                arrive: self.delivery_wait,
                settle: Duration::from_secs(1),
            },
            profile,
            client,
            run_tag,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_seconds_and_minutes() {
        assert_eq!(parse_seconds("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_seconds("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_seconds("soon").is_err());
    }
}
