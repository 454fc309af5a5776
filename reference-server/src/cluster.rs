//! Starting a whole reference server: N node listeners over one [`Core`] (node k on the
//! `--bind` port + k − 1, or any free port with port 0), all speaking one wire (the
//! [`ServerWire`] of `ClusterConfig::wire_profile`), the control listener on loopback
//! (unless `control_api` is off, as on a real server), optional TLS, the outlets (syslog,
//! SMTP relay) and the purge task; and stopping all of it cleanly.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::SharedClock;
use crate::domain::site::SiteRecord;
use crate::domain::users::UserSpec;
use crate::domain::{AdminError, Core, CoreConfig};
use crate::http::capture::Capture;
use crate::http::control::{NodeInfo, control_router};
use crate::http::{NodeLimits, RouteError, node_router, routes};
use crate::outlets::{OutletConfig, OutletError};
use crate::profile::WireProfile;
use crate::transport::{ServeLimits, TlsError, TlsSource, serve, tls_acceptor};
use crate::wire::ServerWire;

/// How often expired codes are dropped from the session stores.
const PURGE_INTERVAL: Duration = Duration::from_secs(30);

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Address of node 1; node k listens on port + k − 1 (all ephemeral when port 0).
    pub bind: SocketAddr,
    /// Control API address; must be loopback.
    pub control_bind: SocketAddr,
    /// Bearer token of the control API.
    pub control_token: String,
    /// Whether the control API listens at all (`serve --no-control` turns it off: a real
    /// server has none).
    pub control_api: bool,
    /// Core settings (nodes, sharing, site, secret, defects).
    pub core: CoreConfig,
    /// Users present at start and after reset.
    pub users: Vec<UserSpec>,
    /// TLS for the node listeners, if any.
    pub tls: Option<TlsSource>,
    /// The clock.
    pub clock: SharedClock,
    /// Body limits of each node.
    pub node_limits: NodeLimits,
    /// Connection limits.
    pub serve_limits: ServeLimits,
    /// Host name the SSD and Provision URLs tell apps to use; default: the bind address
    /// (`localhost` when it is unspecified).
    pub advertised_host: Option<String>,
    /// The wire every node speaks (`serve --wire-profile`); default `mobile-3.6`.
    pub wire_profile: WireProfile,
    /// Syslog host and SMTP relay, if any (`serve --syslog`, `--smtp-relay`).
    pub outlets: OutletConfig,
    /// Records every node's exchanges as HAR (`serve --capture`); default none.
    pub capture: Option<Capture>,
}

impl ClusterConfig {
    /// A server on ephemeral loopback ports (nodes and control API), with no users, no
    /// TLS and default limits: what tests, benches and the embedded targets start. Change
    /// any field with struct update syntax.
    pub fn loopback(
        core: CoreConfig,
        clock: SharedClock,
        control_token: impl Into<String>,
    ) -> Self {
        let any_port = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0));
        Self {
            bind: any_port,
            control_bind: any_port,
            control_token: control_token.into(),
            control_api: true,
            core,
            users: Vec::new(),
            tls: None,
            clock,
            node_limits: NodeLimits::default(),
            serve_limits: ServeLimits::default(),
            advertised_host: None,
            wire_profile: WireProfile::default_profile(),
            outlets: OutletConfig::default(),
            capture: None,
        }
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The control address is not loopback.
    #[error("the control API must listen on a loopback address (127.0.0.1 or ::1), not {0}")]
    ControlNotLoopback(SocketAddr),
    /// An empty control token.
    #[error("the control token must not be empty")]
    EmptyToken,
    /// Node k's port would exceed 65535.
    #[error("{nodes} nodes from port {port} run past port 65535")]
    PortRange {
        /// First port.
        port: u16,
        /// Node count.
        nodes: u16,
    },
    /// TLS set-up failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A user of the users file was refused.
    #[error("initial users: {0}")]
    Users(#[from] AdminError),
    /// A syslog host or SMTP relay could not be set up.
    #[error(transparent)]
    Outlet(#[from] OutletError),
    /// The wire profile's paths cannot be served.
    #[error("wire profile {profile}: {source}")]
    Routes {
        /// The profile's name.
        profile: String,
        /// What is wrong.
        source: RouteError,
    },
}

/// A running server.
pub struct RunningCluster {
    /// The shared core (tests and the embedded target drive it directly too).
    pub core: Core,
    /// Base URL of each node, index 0 = node 1.
    pub node_urls: Vec<String>,
    /// Base URL of the control API; empty when `ClusterConfig::control_api` was off
    /// (see [`RunningCluster::control_api_url`]).
    pub control_url: String,
    /// The control token.
    pub control_token: String,
    /// The certificate the nodes serve, as PEM, when TLS is on.
    pub cert_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for RunningCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningCluster")
            .field("node_urls", &self.node_urls)
            .field("control_url", &self.control_url)
            .finish_non_exhaustive()
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ClusterError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ClusterError::Bind { addr, source })
}

fn url(scheme: &str, addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{scheme}://{ip}:{}", addr.port()),
    }
}

/// Binds every listener and starts serving.
pub async fn start(config: ClusterConfig) -> Result<RunningCluster, ClusterError> {
    if config.control_api && !config.control_bind.ip().is_loopback() {
        return Err(ClusterError::ControlNotLoopback(config.control_bind));
    }
    if config.control_api && config.control_token.is_empty() {
        return Err(ClusterError::EmptyToken);
    }
    let nodes = config.core.nodes.max(1);
    let base_port = config.bind.port();
    if base_port != 0 && u32::from(base_port) + u32::from(nodes) - 1 > 65535 {
        return Err(ClusterError::PortRange {
            port: base_port,
            nodes,
        });
    }
    // One view of the wire for every node, checked before anything listens.
    let wire = Arc::new(ServerWire::new(&config.wire_profile, &config.core.defects));
    let route_error = |source| ClusterError::Routes {
        profile: config.wire_profile.name.clone(),
        source,
    };
    routes::plan(&wire).map_err(route_error)?;
    let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };

    let mut listeners = Vec::new();
    for k in 0..nodes {
        let port = if base_port == 0 { 0 } else { base_port + k };
        let addr = SocketAddr::new(config.bind.ip(), port);
        let listener = bind(addr).await?;
        let local = listener
            .local_addr()
            .map_err(|source| ClusterError::Bind { addr, source })?;
        listeners.push((k + 1, listener, local));
    }
    let control_listener = if config.control_api {
        let listener = bind(config.control_bind).await?;
        let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
            addr: config.control_bind,
            source,
        })?;
        Some((listener, addr))
    } else {
        None
    };

    let (shutdown, shutdown_rx) = watch::channel(false);
    let node_ports = listeners.iter().map(|(_, _, local)| local.port()).collect();
    let outlets = crate::outlets::open(
        &config.outlets,
        node_ports,
        shutdown_rx.clone(),
        &config.core.defects,
    )
    .await?;
    let core = Core::with_taps(
        config.core.clone(),
        config.clock.clone(),
        config.users.clone(),
        outlets.taps,
    )?;
    if let Some((_, _, first)) = listeners.first() {
        core.register_site(
            &config.core.site_id,
            SiteRecord {
                host: config.advertised_host.clone().unwrap_or_else(|| {
                    // An unspecified bind address (0.0.0.0, ::) is no place to connect to.
                    if first.ip().is_unspecified() {
                        "localhost".into()
                    } else {
                        first.ip().to_string()
                    }
                }),
                port: first.port(),
                ssl: tls.is_some(),
                ..SiteRecord::default()
            },
        );
    }

    let mut tasks = JoinSet::new();
    for outlet in outlets.tasks {
        tasks.spawn(outlet);
    }
    let mut node_infos = Vec::new();
    for (index, listener, local) in listeners {
        node_infos.push(NodeInfo {
            index,
            url: url(scheme, local),
        });
        let router = node_router(
            core.clone(),
            index,
            config.node_limits.clone(),
            Arc::clone(&wire),
        )
        .map_err(route_error)?;
        let router = match &config.capture {
            Some(capture) => capture.wrap(router, index, &url(scheme, local)),
            None => router,
        };
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        let (limits, rx) = (config.serve_limits.clone(), shutdown_rx.clone());
        tasks.spawn(async move {
            if let Err(e) = serve(listener, router, acceptor, limits, rx).await {
                tracing::error!(node = index, "node stopped: {e}");
            }
        });
    }
    let node_urls = node_infos.iter().map(|n| n.url.clone()).collect();
    let control_url = match control_listener {
        None => String::new(),
        Some((listener, addr)) => {
            let control =
                control_router(core.clone(), &config.control_token, node_infos, wire.name());
            let (limits, rx) = (config.serve_limits.clone(), shutdown_rx.clone());
            tasks.spawn(async move {
                if let Err(e) = serve(listener, control, None, limits, rx).await {
                    tracing::error!("control API stopped: {e}");
                }
            });
            url("http", addr)
        }
    };
    let purge_core = core.clone();
    let mut purge_rx = shutdown_rx;
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tokio::select! {
                _ = tick.tick() => purge_core.purge_expired_codes(),
                _ = purge_rx.changed() => break,
            }
        }
    });

    Ok(RunningCluster {
        core,
        node_urls,
        control_url,
        control_token: config.control_token,
        cert_pem: tls.map(|t| t.cert_pem),
        shutdown,
        tasks,
    })
}

impl RunningCluster {
    /// The control API's base URL, or `None` when it was not started.
    pub fn control_api_url(&self) -> Option<&str> {
        Some(self.control_url.as_str()).filter(|u| !u.is_empty())
    }

    /// Stops accepting, lets open requests finish, and waits for every task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}
