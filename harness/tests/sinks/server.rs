//! A reference server whose outlets point at the harness's sinks, in-process on loopback:
//! what the sinks tests drive over HTTP, as the harness will drive a real server.

use std::net::SocketAddr;
use std::sync::Arc;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, RunningCluster};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::outlets::{HostPort, OutletConfig};
use swivel_reference_server::users_file::default_users;

use super::BOUND;

/// The Agent-XML (and Admin XML) secret of the default configuration.
pub const SECRET: &str = "swivel-harness-secret";

/// `HOST:PORT` of a socket address.
pub fn host_port(addr: SocketAddr) -> HostPort {
    HostPort {
        host: addr.ip().to_string(),
        port: addr.port(),
    }
}

/// A one-node server with the default users, a manual clock and `outlets`.
pub async fn start(outlets: OutletConfig, core: CoreConfig) -> RunningCluster {
    cluster::start(ClusterConfig {
        users: default_users().unwrap(),
        outlets,
        ..ClusterConfig::loopback(core, Arc::new(ManualClock::fixed()), "t")
    })
    .await
    .unwrap()
}

/// A loopback HTTP client bounded in time.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .build()
        .unwrap()
}

/// POSTs `body` to `url`; returns the reply text.
pub async fn post(http: &reqwest::Client, url: &str, body: String) -> String {
    let reply = http.post(url).body(body).send().await.unwrap();
    assert!(reply.status().is_success(), "{url}: {}", reply.status());
    reply.text().await.unwrap()
}

/// `<SASRequest>` of the mobile wire with the given children.
pub fn sas(fields: &[(&str, &str)]) -> String {
    let children: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}>{v}</{k}>"))
        .collect();
    format!("<SASRequest><Version>3.6</Version>{children}</SASRequest>")
}

/// The text of the first `<tag>` in `xml`.
pub fn tag<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    Some(&xml[start..start + xml[start..].find(&format!("</{tag}>"))?])
}
