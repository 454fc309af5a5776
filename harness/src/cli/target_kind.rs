//! What `run` and `load` share to reach a running server: `--target-kind` (a reference
//! server driven by its control API, or a real Swivel server driven through what it
//! offers), `--target-file`, and the real server's listeners and sources: the mail and
//! syslog sinks, Admin XML's secret, a user pool, `--max-wait`. Both commands read
//! `--target` and the target file with [`TargetKindArgs::inputs`] and build the target
//! with [`TargetKindArgs::resolve`], so they resolve a target the same way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use swivel_harness::emulator::MobileClient;
use swivel_harness::profile::WireProfile;
use swivel_harness::sinks::mail::{MailConfig, MailSink};
use swivel_harness::sinks::syslog::{SyslogConfig, SyslogSink};
use swivel_harness::sut::ExternalSpec;
use swivel_harness::sut::backstage::Delivery;
use swivel_harness::sut::external::TargetFile;
use swivel_harness::sut::swivel::{AdminAccess, SwivelConfig, SwivelSpec, UserPool};

use super::{OnOff, RemoteArgs};

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
    /// `run` on a `swivel` target: the longest a case may wait for real (an expiry);
    /// longer cases are SKIPPED. [default: 30] (`load` has no waits: refused there.)
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_wait: Option<Duration>,
    /// Longest wait for a mail or a syslog line that is due.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub delivery_wait: Duration,
}

impl TargetKindArgs {
    /// The options of a command that reaches reference servers only (`explore`): no
    /// kind given, no sinks, the default waits. A target file saying `kind = "swivel"`
    /// still resolves to a `swivel` target, which that command then refuses by name.
    pub fn reference_only() -> Self {
        Self {
            target_kind: None,
            target_file: None,
            smtp_bind: None,
            syslog_bind: None,
            admin_secret: None,
            max_wait: None,
            delivery_wait: Duration::from_secs(10),
        }
    }
}

/// How long a case may wait for real unless `--max-wait` says otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30);

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

/// A running server as `--target` (URLs or target files), `--target-file` and the remote
/// options describe it, before anything is contacted.
pub struct TargetInputs {
    /// `reference` or `swivel`.
    pub kind: TargetKind,
    /// Node base URLs with context.
    pub nodes: Vec<String>,
    /// Control API URL.
    pub control_url: Option<String>,
    /// Control API token.
    pub control_token: Option<String>,
    /// Session sharing, when given.
    pub session_sharing: Option<bool>,
    /// Agent secret.
    pub agent_secret: String,
    /// Site ID.
    pub site_id: String,
    /// The (last) target file.
    pub file: Option<TargetFile>,
}

/// A resolved running server.
pub enum ResolvedTarget {
    /// A reference server (with its control API, when given).
    Reference {
        /// The target.
        spec: ExternalSpec,
        /// Its control API token.
        control_token: Option<String>,
    },
    /// A real Swivel server and the harness's sinks for it.
    Swivel(Box<SwivelSpec>),
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

    /// Reads `--target` (node URLs and target files), `--target-file` and the remote
    /// options; `None` when no target is given (the embedded server), after refusing the
    /// options that need one.
    pub fn inputs(
        &self,
        targets: &[String],
        remote: &RemoteArgs,
        site_id: &str,
    ) -> anyhow::Result<Option<TargetInputs>> {
        let mut targets = targets.to_vec();
        if let Some(file) = &self.target_file {
            targets.push(file.display().to_string());
        }
        if targets.is_empty() {
            if self.target_kind == Some(TargetKind::Swivel) {
                bail!("--target-kind swivel needs --target URL or --target-file FILE");
            }
            self.check_reference_only()?;
            return Ok(None);
        }
        let mut inputs = TargetInputs {
            kind: TargetKind::Reference,
            nodes: Vec::new(),
            control_url: remote.control_url.clone(),
            control_token: remote.control_token.clone(),
            session_sharing: remote.session_sharing.map(|s| s == OnOff::On),
            agent_secret: remote.agent_secret.clone(),
            site_id: site_id.to_string(),
            file: None,
        };
        for t in &targets {
            if t.ends_with(".toml") {
                let file = TargetFile::read(Path::new(t))?;
                inputs.nodes.extend(file.nodes.clone());
                inputs.control_url = inputs.control_url.or(file.control_url.clone());
                inputs.control_token = inputs.control_token.or(file.control_token.clone());
                inputs.session_sharing =
                    inputs
                        .session_sharing
                        .or(match file.session_sharing.as_deref() {
                            Some("on") => Some(true),
                            Some("off") => Some(false),
                            None => None,
                            Some(other) => {
                                bail!("{t}: session_sharing must be on or off, not {other:?}")
                            }
                        });
                if let Some(secret) = &file.agent_secret {
                    inputs.agent_secret = secret.clone();
                }
                if let Some(site) = &file.site_id {
                    inputs.site_id = site.clone();
                }
                inputs.file = Some(file);
            } else if t.starts_with("http://") || t.starts_with("https://") {
                inputs.nodes.push(t.clone());
            } else {
                bail!("--target {t:?} is neither an http(s) URL nor a .toml target file");
            }
        }
        inputs.kind = self.kind(inputs.file.as_ref())?;
        Ok(Some(inputs))
    }

    /// The target file's `user_pool` when the target is of the `swivel` kind (read
    /// before the target is built: `load` makes its pool first).
    pub fn file_user_pool(&self, targets: &[String]) -> anyhow::Result<Option<PathBuf>> {
        let files = targets
            .iter()
            .filter(|t| t.ends_with(".toml"))
            .map(PathBuf::from)
            .chain(self.target_file.clone());
        let (mut last, mut pool) = (None, None);
        for path in files {
            let file = TargetFile::read(&path)?;
            if file.user_pool.is_some() {
                pool = file.user_pool.clone();
            }
            last = Some(file);
        }
        if last.is_none() || self.kind(last.as_ref())? != TargetKind::Swivel {
            return Ok(None);
        }
        Ok(pool)
    }

    /// Builds the target `inputs` describe: a `swivel` target with its sinks started
    /// (`user_pool`: `--user-pool`, else the target file's), or a reference server whose
    /// control API, when given, is checked and asked for its nodes and session sharing.
    pub async fn resolve(
        &self,
        inputs: TargetInputs,
        remote: &RemoteArgs,
        user_pool: Option<PathBuf>,
        (profile, client): (Arc<WireProfile>, &MobileClient),
        run_tag: String,
    ) -> anyhow::Result<ResolvedTarget> {
        if inputs.kind == TargetKind::Swivel {
            if inputs.control_url.is_some() {
                bail!("a swivel target has no control API; leave out --control-url");
            }
            let swivel = SwivelInputs {
                nodes: inputs.nodes,
                site_id: inputs.site_id,
                agent_secret: inputs.agent_secret,
                session_sharing: inputs.session_sharing,
                file: inputs.file,
                user_pool,
                ca_pem: remote.ca_cert_pem()?,
                insecure: remote.insecure,
            };
            let spec = self
                .swivel(swivel, profile, client.clone(), run_tag)
                .await?;
            return Ok(ResolvedTarget::Swivel(Box::new(spec)));
        }
        self.check_reference_only()?;
        if inputs.nodes.is_empty() {
            bail!("the target lists no nodes: give --target URL or nodes in the target file");
        }
        let control_token = inputs.control_token.clone();
        let spec = ExternalSpec::resolve(
            inputs.nodes,
            inputs.control_url,
            inputs.control_token,
            inputs.session_sharing,
            inputs.agent_secret,
            inputs.site_id,
            run_tag,
        )
        .await
        .map_err(|e| anyhow::anyhow!("target: {e}"))?;
        Ok(ResolvedTarget::Reference {
            spec,
            control_token,
        })
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
            strings_transport: file.strings_transport.clone(),
            mail,
            syslog,
            max_wait: self.max_wait.unwrap_or(DEFAULT_MAX_WAIT),
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
