//! HTTP faces of the reference server. [`node_router`] is one Swivel node: the
//! `agentxml-3.6` profile of protocol.md §9 under the contexts `pinsafe`, `proxy` and
//! `sentry`, plus the SSD lookup and the complete-URL landing page at the root.
//! [`control::control_router`] is the harness's JSON control API on its own listener.

pub mod agentxml;
pub mod body;
pub mod control;
pub mod portal;
pub mod qr;
pub mod ssd;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::domain::Core;
use crate::wire::RequestLimits;

/// The contexts a node answers under (appliance, software install, version 4).
pub const CONTEXTS: [&str; 3] = ["pinsafe", "proxy", "sentry"];

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

/// What every handler of one node sees.
#[derive(Debug, Clone)]
pub struct NodeState {
    /// The shared server.
    pub core: Core,
    /// This node's index (1-based).
    pub node: u16,
    /// Body limits.
    pub limits: NodeLimits,
}

/// The router of node `node`.
pub fn node_router(core: Core, node: u16, limits: NodeLimits) -> Router {
    let state = NodeState { core, node, limits };
    let context_routes = Router::new()
        .route("/AgentXML", post(agentxml::agent_xml))
        .route("/TokenIndex", get(agentxml::token_index))
        .route(
            "/reset/provision.jsp",
            get(portal::self_provision_form).post(portal::self_provision_submit),
        )
        .route("/userportal/getQRCode", get(portal::qr_code));
    let mut router = Router::new().route("/ssd/lookup", get(ssd::lookup)).route(
        "/smc/complete/{site}/{user}/{code}",
        get(portal::complete_landing),
    );
    for context in CONTEXTS {
        router = router.nest(&format!("/{context}"), context_routes.clone());
    }
    router
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "no such resource on this Swivel node\n",
            )
        })
        .with_state(state)
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
