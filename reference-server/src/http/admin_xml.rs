//! Admin XML (protocol.md §12) on every node and context, as the wire profile's `[admin]`
//! section spells it: an agent acting as a repository creates and deletes users, and
//! (where the profile has the element) reprovisions them, which issues a code exactly
//! as the control API's reprovision does (PC-1, LOG-1..LOG-4) on the node that received
//! the request. The agent's secret (`serve --agent-secret`) must be on the root; a
//! request without it, or malformed, or hostile, is refused as a whole and changes
//! nothing. Bodies are read with the Agent-XML endpoint's limits: 413 too large, 408
//! too slow, 415 not XML at all; every other answer is 200 with an `<AdminResponse>`.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use super::agentxml::REPLY_CONTENT_TYPE;
use super::body::read_body;
use super::client::Client;
use crate::domain::Origin;
use crate::domain::codes::codes_equal;
use crate::wire::XmlError;
use crate::wire::admin::{
    AdminOp, AdminRequestError, parse_admin_request, tree_limits, write_refusal, write_results,
};

/// What a request without the right secret is told.
pub const WRONG_SECRET: &str = "missing or wrong agent secret; nothing was changed";

fn reply(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, REPLY_CONTENT_TYPE)], body).into_response()
}

/// `POST <base><admin.path>`.
pub async fn admin_xml(State(node): State<NodeState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let origin = Client::of(&parts).at(&node);
    let limits = &node.limits;
    let bytes = match read_body(
        &parts.headers,
        body,
        limits.xml.max_body_bytes,
        limits.body_timeout,
    )
    .await
    {
        Ok(b) => b,
        Err(e) => return (e.status(), format!("{e}\n")).into_response(),
    };
    let admin = node.wire.admin();
    let request = match parse_admin_request(
        &bytes,
        &tree_limits(limits.xml.max_body_bytes),
        admin,
        &node.core.config().smtp_transports,
    ) {
        Ok(r) => r,
        Err(e) => {
            let status = match &e {
                AdminRequestError::Xml(x) if x.is_not_xml() => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                AdminRequestError::Xml(XmlError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::OK,
            };
            return reply(status, write_refusal(admin, &e.to_string()));
        }
    };
    let secret = request.secret.as_deref().unwrap_or("");
    if secret.is_empty() || !codes_equal(secret, &node.core.config().agent_secret) {
        return reply(StatusCode::OK, write_refusal(admin, WRONG_SECRET));
    }
    let results: Vec<(String, Result<(), String>)> = request
        .items
        .into_iter()
        .map(|item| {
            let outcome = item.op.and_then(|op| apply(&node, origin, &item.name, op));
            (item.name, outcome)
        })
        .collect();
    reply(StatusCode::OK, write_results(admin, &results))
}

/// One user's operation on the core; the error text goes into the reply.
fn apply(node: &NodeState, origin: Origin, name: &str, op: AdminOp) -> Result<(), String> {
    let core = &node.core;
    match op {
        AdminOp::Create(spec) => core.create_user(&spec),
        AdminOp::Delete => core.delete_user(name),
        AdminOp::Reprovision => core.admin_reprovision(origin, name).map(|_| ()),
    }
    .map_err(|e| e.to_string())
}
