//! Where `load` sends its traffic. Without `--target`: an embedded reference server with
//! the pool created in it. Otherwise the target is read and built as `run` builds it
//! ([`TargetKindArgs::inputs`], [`TargetKindArgs::resolve`]): a reference server whose
//! control API issues and shows the codes and creates the pool, or a real Swivel server
//! (`--target-kind swivel`) whose Admin XML creates the pool (or whose pool file lists
//! existing users) and reprovisions, and whose mail reaches the harness's mail sink.
//! [`LoadTarget`] also sets up what the persona needs before the run (users, the
//! self-provision policy) and puts it back after.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use swivel_harness::control::ControlClient;
use swivel_harness::emulator::{ClientOptions, MobileClient};
use swivel_harness::load_test::pool::{self, PoolUser, Shard};
use swivel_harness::load_test::report::SinkCounters;
use swivel_harness::load_test::{CodeSource, MailCodes, personas, real_pool};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::new_run_id;
use swivel_harness::sut::{CONTROL_TIMEOUT, ExternalSpec, SwivelSpec};
use swivel_reference_server::clock::SystemClock;
use swivel_reference_server::cluster::{ClusterConfig, RunningCluster, start};
use swivel_reference_server::defects::{Defect, DefectSet};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::domain::users::{Transport, TransportKind, UserSpec};
use swivel_reference_server::transport::ServeLimits;

use super::target_kind::{ResolvedTarget, TargetInputs, TargetKind, TargetKindArgs};
use super::{OnOff, RemoteArgs};

/// What the load goes to.
enum Server {
    /// The embedded reference server, stopped after the run.
    Embedded(RunningCluster),
    /// A running reference server, through its control API.
    Reference,
    /// A real Swivel server through its outside interfaces.
    Swivel(Arc<SwivelSpec>),
}

/// A resolved load target and what the run changed on it.
pub struct LoadTarget {
    /// Node base URLs with context, index 0 = node 1.
    pub nodes: Vec<String>,
    /// Whether codes are valid across nodes.
    pub sharing: bool,
    server: Server,
    /// Where codes come from.
    codes: CodeSource,
    /// Control API (embedded and reference kinds).
    control: Option<ControlClient>,
    /// Policies to put back after the run (a reference server).
    restore: Option<Value>,
    /// Whether the generated pool is to be created on a real server (Admin XML).
    create: bool,
    /// Users created on a real server, deleted after the run.
    created: Vec<PoolUser>,
    /// Where the pool came from, for the settings.
    users_via: String,
}

/// What a load target is built from, beside the target options.
pub struct LoadWants<'a> {
    /// The persona.
    pub persona: &'a str,
    /// The pool (generated users get e-mail addresses on a real server).
    pub users: &'a mut [PoolUser],
    /// Whether the pool is generated (to be created) rather than read from a file.
    pub generated: bool,
    /// This process's shard (generated usernames carry it).
    pub shard: Shard,
    /// The pool file or the generated count, for the settings.
    pub pool_text: String,
    /// `--nodes` of the embedded server.
    pub embedded_nodes: Option<u16>,
    /// `--defect` of the embedded server.
    pub defects: &'a [Defect],
    /// `--user-pool`.
    pub user_pool: Option<PathBuf>,
    /// The wire profile.
    pub profile: Arc<WireProfile>,
}

impl LoadTarget {
    /// Resolves the target of a load run.
    pub async fn resolve(
        kind_args: &TargetKindArgs,
        targets: &[String],
        remote: &RemoteArgs,
        wants: LoadWants<'_>,
    ) -> anyhow::Result<LoadTarget> {
        let Some(inputs) = kind_args.inputs(targets, remote, "HARNESS01")? else {
            return embedded(remote, wants).await;
        };
        if !wants.defects.is_empty() {
            bail!("--defect applies to the embedded server only");
        }
        match resolve_running(kind_args, inputs, remote, &wants).await? {
            ResolvedTarget::Reference {
                spec,
                control_token,
            } => reference(spec, control_token, wants).await,
            ResolvedTarget::Swivel(spec) => swivel(*spec, wants),
        }
    }

    /// `embedded`, `reference` or `swivel`.
    pub fn kind(&self) -> &'static str {
        match self.server {
            Server::Embedded(_) => "embedded",
            Server::Reference => "reference",
            Server::Swivel(_) => "swivel",
        }
    }

    /// Where the run's codes come from.
    pub fn code_source(&self) -> CodeSource {
        self.codes.clone()
    }

    /// Prepares the run: on a real server, creates the generated pool (Admin XML); on a
    /// reference server, allows self-provisioning for a persona that needs it.
    pub async fn set_up(&mut self, persona: &str, users: &[PoolUser]) -> anyhow::Result<()> {
        match &self.server {
            Server::Swivel(spec) => {
                if self.create {
                    let mut users = users.to_vec();
                    real_pool::create(spec, &mut users).await?;
                    self.created = users;
                }
            }
            Server::Embedded(_) | Server::Reference => {
                if personas::needs_self_provision(persona)
                    && let Some(control) = &self.control
                {
                    let before = control.policies().await?;
                    control
                        .set_policies(json!({ "self_reset": { "allow_self_provision": true } }))
                        .await?;
                    if matches!(self.server, Server::Reference) {
                        self.restore = Some(before);
                    }
                }
            }
        }
        Ok(())
    }

    /// Puts back what the run changed (policies, users; best effort, warning on
    /// failure) and stops the embedded server.
    pub async fn tear_down(self) {
        if let (Some(before), Some(control)) = (self.restore, &self.control)
            && let Err(e) = control.set_policies(before).await
        {
            eprintln!("warning: could not restore the target's policies: {e}");
        }
        match self.server {
            Server::Embedded(server) => server.shutdown().await,
            Server::Swivel(spec) if !self.created.is_empty() => {
                for problem in real_pool::delete(&spec, &self.created).await {
                    eprintln!("warning: deleting the load's users through Admin XML: {problem}");
                }
            }
            _ => {}
        }
    }

    /// The mail and syslog sinks' counters (a real server).
    pub fn sinks(&self) -> Vec<SinkCounters> {
        let Server::Swivel(spec) = &self.server else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(mail) = &spec.mail {
            let address = format!("smtp://{}", mail.local_addr());
            out.push(SinkCounters::of_mail(address, &mail.stats()));
        }
        if let Some(syslog) = &spec.syslog {
            let address = [
                syslog.udp_addr().map(|a| format!("udp://{a}")),
                syslog.tcp_addr().map(|a| format!("tcp://{a}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            out.push(SinkCounters::of_syslog(address, &syslog.stats()));
        }
        out
    }

    /// The target as the settings show it; `defects` of the embedded server.
    pub fn describe(&self, defects: &[Defect]) -> String {
        let sharing = if self.sharing { "on" } else { "off" };
        match &self.server {
            Server::Embedded(_) => {
                let defects: Vec<String> = defects.iter().map(ToString::to_string).collect();
                format!(
                    "embedded reference server, {} node(s), session sharing {sharing}, defects: {}",
                    self.nodes.len(),
                    if defects.is_empty() {
                        "none".to_string()
                    } else {
                        defects.join(", ")
                    }
                )
            }
            Server::Reference => format!(
                "reference: {} (session sharing {sharing})",
                self.nodes.join(", ")
            ),
            Server::Swivel(spec) => {
                let sharing = match spec.session_sharing {
                    Some(true) => "on",
                    Some(false) => "off",
                    None => "unknown",
                };
                let codes = if spec.admin_reprovision() {
                    "Admin XML Reprovision"
                } else {
                    "the self-service page"
                };
                let mut parts = vec![
                    format!(
                        "swivel: {} (session sharing {sharing})",
                        self.nodes.join(", ")
                    ),
                    format!(
                        "codes by {codes}, read from the mail sink (waited for up to {} s)",
                        spec.delivery.arrive.as_secs()
                    ),
                ];
                parts.extend(
                    self.sinks()
                        .iter()
                        .map(|s| format!("{}: {}", s.name, s.address)),
                );
                parts.join("; ")
            }
        }
    }

    /// Where the pool came from, for the settings.
    pub fn users_via(&self) -> &str {
        &self.users_via
    }
}

fn via(pool_text: &str, generated: bool, how: &str) -> String {
    if generated {
        format!("{pool_text}, created through {how}")
    } else {
        format!("{pool_text} (existing users)")
    }
}

/// A running reference server: its control API issues and shows the codes and
/// creates the generated pool (users that exist already are kept).
async fn reference(
    spec: ExternalSpec,
    control_token: Option<String>,
    wants: LoadWants<'_>,
) -> anyhow::Result<LoadTarget> {
    let (Some(control), Some(url), Some(token)) = (spec.control, spec.control_url, control_token)
    else {
        bail!(
            "a load against --target needs its control API (--control-url and --control-token) to issue and read codes, or --target-kind swivel for a real server"
        );
    };
    if wants.generated {
        for u in wants.users.iter() {
            let spec = serde_json::to_value(user_spec(u))?;
            if let Err(e) = control.create_user(spec).await
                && e.status() != Some(409)
            {
                return Err(e).context("creating the user pool");
            }
        }
    }
    Ok(LoadTarget {
        nodes: spec.nodes,
        sharing: spec.session_sharing.unwrap_or(false),
        server: Server::Reference,
        codes: CodeSource::Control {
            url: url.trim_end_matches('/').to_string(),
            token,
        },
        control: Some(control),
        restore: None,
        create: false,
        created: Vec::new(),
        users_via: via(&wants.pool_text, wants.generated, "the control API"),
    })
}

/// A real Swivel server: checks it offers what the persona needs (codes by Admin XML or
/// the self-service page, read from the mail sink; users by Admin XML or a pool file
/// with e-mails; the stated self-provision policy and session sharing), names the
/// generated pool for this run and registers the pool's e-mail addresses.
fn swivel(spec: SwivelSpec, wants: LoadWants<'_>) -> anyhow::Result<LoadTarget> {
    let spec = Arc::new(spec);
    let Some(codes) = MailCodes::new(spec.clone()) else {
        bail!(real_pool::RealPoolError::NoMailSink);
    };
    if personas::needs_self_provision(wants.persona) && !spec.self_provision_allowed() {
        bail!(
            "persona {} requests codes through the self-service page, which a real server refuses unless its policy allows self-provisioning (SP-1); set \"Allow user self-provision of mobile client\" to Yes in the server's console and state it in the target file: [policies.self_reset] allow_self_provision = true",
            wants.persona
        );
    }
    if !spec.admin_reprovision() && !spec.self_provision_allowed() {
        bail!(
            "a load against a real server needs a way to issue codes: --admin-secret (the administrator's Reprovision over Admin XML) or self-provisioning allowed (the target file's [policies.self_reset] allow_self_provision = true)"
        );
    }
    if wants.generated && spec.admin.is_none() {
        bail!(real_pool::RealPoolError::NoAdmin);
    }
    if wants.persona == personas::cluster_spread::NAME && spec.session_sharing.is_none() {
        bail!(
            "cluster-spread judges codes across nodes by the server's session sharing: give --session-sharing on|off or the target file's session_sharing"
        );
    }
    if wants.generated {
        // Names of this run only (a real server keeps users until deleted,
        // and an interrupted run may leave some behind), with e-mail
        // addresses the mail sink knows.
        let prefix = format!("load-{}", spec.run_tag);
        let named = pool::generated_as(&prefix, wants.users.len(), wants.shard);
        for (u, mut new) in wants.users.iter_mut().zip(named) {
            new.email = Some(real_pool::email_of(&new.username));
            *u = new;
        }
    } else {
        real_pool::register(&spec, wants.users)?;
    }
    let via = if wants.generated {
        let first = wants.users.first().map_or("", |u| u.username.as_str());
        format!(
            "{} ({first}, …), created through Admin XML, deleted after the run",
            wants.pool_text
        )
    } else {
        format!("{} (existing users)", wants.pool_text)
    };
    Ok(LoadTarget {
        nodes: spec.nodes.clone(),
        sharing: spec.session_sharing.unwrap_or(false),
        codes: CodeSource::Mail(Box::new(codes)),
        server: Server::Swivel(spec),
        control: None,
        restore: None,
        create: wants.generated,
        created: Vec::new(),
        users_via: via,
    })
}

/// A running server's target, built as `run` builds it.
async fn resolve_running(
    kind_args: &TargetKindArgs,
    inputs: TargetInputs,
    remote: &RemoteArgs,
    wants: &LoadWants<'_>,
) -> anyhow::Result<ResolvedTarget> {
    let client = MobileClient::new(
        wants.profile.clone(),
        ClientOptions {
            ca_cert_pem: remote.ca_cert_pem()?,
            insecure: remote.insecure,
            ..ClientOptions::default()
        },
    )?;
    let tag = new_run_id().rsplit('-').next().unwrap_or("run").to_string();
    // A real server's pool file is the load's own `--user-pool` (or the target file's):
    // the target checks every user has an e-mail address.
    let user_pool = if inputs.kind == TargetKind::Swivel {
        wants.user_pool.clone()
    } else {
        None
    };
    kind_args
        .resolve(
            inputs,
            remote,
            user_pool,
            (wants.profile.clone(), &client),
            tag,
        )
        .await
}

async fn embedded(remote: &RemoteArgs, wants: LoadWants<'_>) -> anyhow::Result<LoadTarget> {
    let nodes =
        wants
            .embedded_nodes
            .unwrap_or(if wants.persona == personas::cluster_spread::NAME {
                2
            } else {
                1
            });
    let sharing = remote.session_sharing == Some(OnOff::On);
    let token = format!("load-{}", new_run_id());
    let core = CoreConfig {
        nodes,
        session_sharing: sharing,
        defects: wants.defects.iter().copied().collect::<DefectSet>(),
        ..CoreConfig::default()
    };
    let server = start(ClusterConfig {
        serve_limits: ServeLimits {
            max_connections: 4096,
            ..ServeLimits::default()
        },
        wire_profile: (*wants.profile).clone(),
        ..ClusterConfig::loopback(core, Arc::new(SystemClock::new()), token.clone())
    })
    .await
    .context("cannot start the embedded reference server")?;
    for u in wants.users.iter() {
        server
            .core
            .create_user(&user_spec(u))
            .context("creating the user pool")?;
    }
    let control = ControlClient::new(&server.control_url, &token, CONTROL_TIMEOUT)?;
    Ok(LoadTarget {
        nodes: server
            .node_urls
            .iter()
            .map(|u| format!("{u}/pinsafe"))
            .collect(),
        sharing,
        codes: CodeSource::Control {
            url: server.control_url.clone(),
            token,
        },
        control: Some(control),
        server: Server::Embedded(server),
        restore: None,
        create: false,
        created: Vec::new(),
        users_via: via(&wants.pool_text, wants.generated, "the embedded server"),
    })
}

fn user_spec(u: &PoolUser) -> UserSpec {
    UserSpec {
        username: u.username.clone(),
        pin: u.pin.clone(),
        mobile_client: true,
        groups: None,
        alert_transport: Some(Transport {
            kind: TransportKind::Email,
            destination: format!("{}@example.test", u.username),
        }),
        string_transport: None,
    }
}
