//! The embedded target: a fresh reference server per case on loopback ports, with the
//! nodes and session sharing the case declares, a manual clock, the run's defects, and
//! the run's wire profile (so `run --profile agentxml-3.6` meets servers speaking it).

use std::sync::Arc;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{ClusterConfig, start};
use swivel_reference_server::defects::DefectSet;
use swivel_reference_server::domain::CoreConfig;

use super::backstage::control::ControlBackstage;
use super::{CONTROL_TIMEOUT, CaseEnv, PrepareError};
use crate::control::ControlClient;
use crate::emulator::Endpoint;
use crate::profile::WireProfile;
use crate::scenario::{Capability, Case, Sharing};
use crate::sinks::syslog::{SyslogConfig, SyslogSink};
use swivel_reference_server::outlets::{HostPort, OutletConfig};

/// Any free loopback port.
const LOOPBACK_ANY: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// The token of every embedded control API (loopback only, lives for one case).
const EMBEDDED_TOKEN: &str = "embedded-control-token";

/// Starts the server a case needs.
pub async fn prepare(
    defects: &DefectSet,
    wire_profile: &WireProfile,
    case: &Case,
) -> Result<CaseEnv, PrepareError> {
    let core = CoreConfig {
        nodes: case.server.nodes.max(1),
        session_sharing: case.server.session_sharing == Sharing::On,
        defects: defects.clone(),
        ..CoreConfig::default()
    };
    let (agent_secret, site_id) = (core.agent_secret.clone(), core.site_id.clone());
    // A case that reads the syslog output (SYS-1) gets a sink on a loopback port, and
    // its server sends there.
    let syslog = if case.needs().capabilities.contains(&Capability::SyslogSink) {
        let sink = SyslogSink::bind(SyslogConfig::new(Some(LOOPBACK_ANY), None))
            .await
            .map_err(|e| PrepareError::Environment(format!("syslog sink: {e}")))?;
        Some(Arc::new(sink))
    } else {
        None
    };
    let outlets = OutletConfig {
        syslog: syslog
            .as_ref()
            .and_then(|s| s.udp_addr())
            .map(|a| HostPort {
                host: a.ip().to_string(),
                port: a.port(),
            }),
        ..OutletConfig::default()
    };
    // Cases create their own users; the embedded server starts empty.
    let config = ClusterConfig {
        wire_profile: wire_profile.clone(),
        outlets,
        ..ClusterConfig::loopback(core, Arc::new(ManualClock::fixed()), EMBEDDED_TOKEN)
    };
    let server = start(config)
        .await
        .map_err(|e| PrepareError::Environment(format!("embedded reference server: {e}")))?;
    let control = ControlClient::new(&server.control_url, EMBEDDED_TOKEN, CONTROL_TIMEOUT)
        .map_err(|e| PrepareError::Environment(e.to_string()))?;
    let nodes = server
        .node_urls
        .iter()
        .enumerate()
        .map(|(i, url)| Endpoint {
            base_url: format!("{url}/pinsafe"),
            node: u16::try_from(i + 1).ok(),
        })
        .collect();
    Ok(CaseEnv {
        nodes,
        backstage: Some(Arc::new(ControlBackstage::new(control, None))),
        agent_secret,
        site_id,
        user_suffix: String::new(),
        server: Some(server),
        syslog,
        isolation: None,
        log_alone: true,
    })
}
