//! HTTP faces of the reference server. [`node_router`] is one Swivel node speaking its
//! wire ([`ServerWire`], from the wire profile): Agent-XML, Admin XML, TokenIndex,
//! self-service and QR under the contexts `pinsafe`, `proxy` and `sentry`, plus the SSD lookup and the
//! complete-URL landing page at the root ([`routes`] plans where).
//! [`control::control_router`] is the harness's JSON control API on its own listener.
//! [`capture::Capture`] records a node's exchanges as HAR (`serve --capture`).

pub mod admin_xml;
pub mod agentxml;
pub mod body;
pub mod capture;
pub mod client;
pub mod control;
mod node_state;
pub mod portal;
pub mod qr;
mod reply_buffer;
pub mod routes;
pub mod ssd;
pub mod token_index;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::MethodRouter;

use crate::domain::Core;
use crate::wire::{RequestLimits, ServerWire};
pub use node_state::{Node, NodeState};
use routes::Endpoint;
pub use routes::{CONTEXTS, RouteError};

/// Limits a node applies to request bodies.
#[derive(Debug, Clone)]
pub struct NodeLimits {
    /// XML parser limits; `max_body_bytes` is also the HTTP body limit (413 above it).
    pub xml: RequestLimits,
    /// How long a client may take to send its body (slow clients get 408).
    pub body_timeout: Duration,
}

impl Default for NodeLimits {
    fn default() -> Self {
        Self {
            xml: RequestLimits::default(),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// The router of node `node`, speaking `wire`. Fails only when the wire's paths cannot
/// be routed ([`routes::plan`]).
pub fn node_router(
    core: Core,
    node: u16,
    limits: NodeLimits,
    wire: Arc<ServerWire>,
) -> Result<Router, RouteError> {
    let plan = routes::plan(&wire)?;
    let state = NodeState::new(core, node, limits, wire);
    // Profile paths are literal: a segment may start with ':' or '*'.
    let mut router = Router::new().without_v07_checks();
    for (path, endpoints) in plan.routes() {
        let mut methods: MethodRouter<NodeState> = MethodRouter::new();
        // The plan holds at most one endpoint per method and path, so no merge panics.
        for endpoint in endpoints {
            methods = match endpoint {
                Endpoint::AgentXml => methods.post(agentxml::agent_xml),
                Endpoint::AdminXml => methods.post(admin_xml::admin_xml),
                Endpoint::TokenIndex => methods.get(token_index::token_index),
                Endpoint::SelfProvision => methods
                    .get(portal::self_provision_form)
                    .post(portal::self_provision_submit),
                Endpoint::QrCode => methods.get(portal::qr_code),
                Endpoint::SsdLookup => methods.get(ssd::lookup),
                Endpoint::CompleteLanding => methods.get(portal::complete_landing),
            };
        }
        router = router.route(path, methods);
    }
    Ok(router
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "no such resource on this Swivel node\n",
            )
        })
        .with_state(state))
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
