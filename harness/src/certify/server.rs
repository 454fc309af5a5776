//! The server an app is certified against: one reference-server node for one user, on a
//! port the phone can reach (plain and TLS on the same port, [`super::listener`]), with
//! the SSD lookup of §9 for the run's Site ID, every exchange recorded (a redacted HAR
//! file for the evidence, and the raw entries handed to the [`Session`] for judging),
//! and the untrusted port of CLI-8 beside it. The clock is the wall clock plus an offset,
//! so an expired code is made by moving it on.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::ca::{CaError, RunTls, run_ca};
use super::listener::{Routers, serve_both};
use super::observe::{HttpSeen, Seen};
use super::session::{Facts, Session};
use super::untrusted;
use crate::profile::WireProfile;
use swivel_reference_server::clock::SystemClock;
use swivel_reference_server::defects::DefectSet;
use swivel_reference_server::domain::policy::Policies;
use swivel_reference_server::domain::site::SiteRecord;
use swivel_reference_server::domain::users::{Transport, TransportKind, UserSpec};
use swivel_reference_server::domain::{AdminError, Core, CoreConfig};
use swivel_reference_server::http::capture::{Capture, CaptureError, CaptureOptions, EntryTap};
use swivel_reference_server::http::{NodeLimits, RouteError, node_router};
use swivel_reference_server::transport::{TlsError, TlsSource, tls_acceptor};
use swivel_reference_server::wire::ServerWire;

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum CertSource {
    /// A CA generated for the run signs it.
    RunCa,
    /// A lab certificate and key (PEM files).
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
}

/// How to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The run id (names the CA).
    pub run_id: String,
    /// The app's port (`--bind`; 0.0.0.0 lets a phone reach it).
    pub bind: SocketAddr,
    /// The untrusted port (`--untrusted-bind`; port 0: any).
    pub untrusted_bind: SocketAddr,
    /// The host name the SSD tells the app (`--host`); default: the bind address, or
    /// `localhost` when that is unspecified.
    pub host: Option<String>,
    /// The certificate.
    pub cert: CertSource,
    /// Plain HTTP advertised (`--http`): allowed, and reported.
    pub http: bool,
    /// The wire profile.
    pub profile: WireProfile,
    /// The Site ID.
    pub site_id: String,
    /// The context.
    pub context: String,
    /// The user.
    pub username: String,
    /// Their PIN.
    pub pin: String,
    /// The redacted HAR capture of the run.
    pub capture_path: PathBuf,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Certificates.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// A lab certificate or the untrusted one.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The user could not be created.
    #[error("the run's user: {0}")]
    User(#[from] AdminError),
    /// The capture file.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The profile's paths.
    #[error("wire profile: {0}")]
    Routes(#[from] RouteError),
}

/// A running certify server.
pub struct CertifyServer {
    /// The node's core (the driver prepares steps through it).
    pub core: Core,
    /// The TLS material (the CA to install).
    pub tls: RunTls,
    /// The run's facts.
    pub facts: Facts,
    session: Arc<OnceLock<Arc<Session>>>,
    capture: Capture,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for CertifyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifyServer")
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    Ok((listener, local))
}

fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

impl CertifyServer {
    /// Binds both ports and starts serving; observations are dropped until
    /// [`CertifyServer::attach`] names the session.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let (listener, local) = bind(config.bind).await?;
        let (untrusted_listener, untrusted_local) = bind(config.untrusted_bind).await?;
        let host = config.host.clone().unwrap_or_else(|| {
            if local.ip().is_unspecified() {
                "localhost".to_string()
            } else {
                local.ip().to_string()
            }
        });
        let mut names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        for name in [host.clone(), local.ip().to_string()] {
            let usable = !name.is_empty()
                && name
                    .parse::<IpAddr>()
                    .map_or(true, |ip| !ip.is_unspecified());
            if usable && !names.contains(&name) {
                names.push(name);
            }
        }
        let tls = match &config.cert {
            CertSource::RunCa => run_ca(&config.run_id, &names)?,
            CertSource::Files { cert, key } => {
                let material = tls_acceptor(&TlsSource::Files {
                    cert: cert.clone(),
                    key: key.clone(),
                })?;
                RunTls {
                    ca_pem: None,
                    served_pem: material.cert_pem,
                    acceptor: material.acceptor,
                }
            }
        };
        let untrusted_tls = tls_acceptor(&TlsSource::SelfSigned { hosts: names })?;

        let email = format!("{}@example.test", config.username);
        let mut policies = Policies::default();
        policies.mobile_client.allow_pin_entry = true;
        let core_config = CoreConfig {
            site_id: config.site_id.clone(),
            policies,
            ..CoreConfig::default()
        };
        let user = UserSpec {
            username: config.username.clone(),
            pin: config.pin.clone(),
            mobile_client: true,
            groups: None,
            alert_transport: Some(Transport {
                kind: TransportKind::Email,
                destination: email.clone(),
            }),
            string_transport: None,
        };
        let agent_secret = core_config.agent_secret.clone();
        let core = Core::new(core_config, Arc::new(SystemClock::new()), vec![user])?;
        let scheme = if config.http { "http" } else { "https" };
        let site = SiteRecord {
            host: host.clone(),
            port: local.port(),
            context: config.context.clone(),
            ssl: !config.http,
            ..SiteRecord::default()
        };
        core.register_site(&config.site_id, site.clone());
        let untrusted_site_id = format!("{}-UNTRUSTED", config.site_id);
        core.register_site(
            &untrusted_site_id,
            SiteRecord {
                port: untrusted_local.port(),
                ssl: true,
                ..site
            },
        );

        let session: Arc<OnceLock<Arc<Session>>> = Arc::new(OnceLock::new());
        let tap_session = Arc::clone(&session);
        let mut options = CaptureOptions::new(&config.profile);
        options.secrets = vec![config.pin.clone(), agent_secret.clone()];
        options.tap = Some(EntryTap(Arc::new(move |entry| {
            if let Some(session) = tap_session.get() {
                session.observe(Seen::App(HttpSeen::from_entry(entry)));
            }
        })));
        let capture = Capture::start(&config.capture_path, options)?;
        let wire = Arc::new(ServerWire::new(&config.profile, &DefectSet::none()));
        let router = node_router(core.clone(), 1, NodeLimits::default(), wire)?;
        let authority = format!("{}:{}", url_host(&host), local.port());
        let routers = Routers {
            plain: capture.wrap(router.clone(), 1, &format!("http://{authority}")),
            tls: capture.wrap(router, 1, &format!("https://{authority}")),
        };

        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        tasks.spawn(serve_both(
            listener,
            routers,
            tls.acceptor.clone(),
            stop_rx.clone(),
        ));
        let sink_session = Arc::clone(&session);
        let sink: untrusted::Sink = Arc::new(move |seen| {
            if let Some(session) = sink_session.get() {
                session.observe(Seen::Untrusted(seen));
            }
        });
        tasks.spawn(untrusted::observe(
            untrusted_listener,
            untrusted_tls.acceptor,
            sink,
            stop_rx,
        ));
        let facts = Facts {
            run_id: config.run_id.clone(),
            username: config.username.clone(),
            pin: config.pin.clone(),
            email,
            agent_secret,
            site_id: config.site_id.clone(),
            untrusted_site_id,
            scheme: scheme.to_string(),
            host: host.clone(),
            port: local.port(),
            context: config.context.clone(),
            untrusted_port: untrusted_local.port(),
            ssd_root: format!("{scheme}://{authority}"),
            complete_url_base: core.policies().self_reset.complete_url_base,
            profile: Arc::new(config.profile.clone()),
        };
        Ok(Self {
            core,
            tls,
            facts,
            session,
            capture,
            stop,
            tasks,
        })
    }

    /// From now on, what the ports see goes to `session`.
    pub fn attach(&self, session: &Arc<Session>) {
        let _ = self.session.set(Arc::clone(session));
    }

    /// Stops both ports and closes the capture file.
    pub async fn shutdown(mut self) -> swivel_reference_server::http::capture::CaptureSummary {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        self.capture.finish().await
    }
}
