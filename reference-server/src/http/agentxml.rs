//! The Agent-XML endpoint (protocol.md §9), spoken in the node's wire: one enum of
//! actions dispatched to the domain core, every refusal answered as a FAIL reply with the
//! profile's error spelling and a human message, and transport-level refusals as HTTP
//! statuses (413 too large, 415 not XML at all, 408 too slow). The request's
//! `Content-Type` is not judged: any body that is XML is read as XML (WIRE-1 sends
//! `application/xml; charset=utf-8`, older clients `text/xml`).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use super::body::read_body;
use super::client::Client;
use super::reply_buffer;
use crate::defects::{Defect, SLOW_STRINGS_DELAY};
use crate::domain::provision::ProvisionRequest;
use crate::domain::{MobileError, Origin};
use crate::wire::{Action, ErrorCode, PolicyItem, SasRequest, SasResponse, XmlError};

/// The race window the non-atomic-redemption defect opens between check and commit.
/// Real time on purpose: it stands for a slow database round trip, not a protocol timer.
const RACE_WINDOW: Duration = Duration::from_millis(25);
/// The content type of every Agent-XML reply.
pub const REPLY_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

fn xml_reply(node: &NodeState, status: StatusCode, reply: &SasResponse) -> Response {
    let mut text = reply_buffer::take();
    reply.write_xml(&node.wire, &mut text);
    (
        status,
        [(header::CONTENT_TYPE, REPLY_CONTENT_TYPE)],
        reply_buffer::body(text),
    )
        .into_response()
}

/// `POST <base><paths.agent_xml>`.
///
/// The request is taken whole, not as a `HeaderMap` and a body: that extractor would
/// copy every header of every call.
pub async fn agent_xml(State(node): State<NodeState>, request: Request) -> Response {
    let limits = &node.limits;
    let (parts, body) = request.into_parts();
    let origin = Client::of(&parts).at(&node);
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
    let request = match node.wire.parse_request(&bytes, &limits.xml) {
        Ok(r) => r,
        Err(e) => return xml_error(&node, &e),
    };
    let request_id = request
        .get(&node.wire.names().request_id)
        .map(str::to_string);
    let reply = match dispatch(&node, origin, &request).await {
        Ok(reply) | Err(reply) => reply,
    };
    xml_reply(&node, StatusCode::OK, &reply.with_request_id(request_id))
}

fn xml_error(node: &NodeState, e: &XmlError) -> Response {
    let status = if e.is_not_xml() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    } else if matches!(e, XmlError::TooLarge { .. }) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::OK
    };
    xml_reply(node, status, &bad_request(e.clone()))
}

fn bad_request(e: XmlError) -> SasResponse {
    SasResponse::fail(ErrorCode::BadRequest, e.to_string())
}

fn mobile_fail(e: MobileError) -> SasResponse {
    SasResponse::fail(ErrorCode::of_mobile(&e), e.to_string())
}

async fn dispatch(
    node: &NodeState,
    origin: Origin,
    request: &SasRequest,
) -> Result<SasResponse, SasResponse> {
    let wire = &*node.wire;
    let names = wire.names();
    let action_name = request.require(&names.action).map_err(bad_request)?;
    let action = wire.action(action_name).ok_or_else(|| {
        SasResponse::fail(
            ErrorCode::BadRequest,
            format!(
                "unknown {} '{}'; this server knows {}",
                names.action,
                truncate(action_name, 64),
                wire.known_actions()
            ),
        )
    })?;
    if action.needs_secret() {
        let secret = request.get(&names.secret).unwrap_or("");
        if !crate::domain::codes::codes_equal(secret, &node.core.config().agent_secret) {
            return Err(SasResponse::fail(
                ErrorCode::AgentErrorNoSecurityAgent,
                format!("missing or wrong agent <{}>", names.secret),
            ));
        }
    }
    match action {
        Action::Ping => Ok(SasResponse::pass()),
        Action::Provision => provision(node, origin, request).await,
        Action::SecurityStrings => {
            let reply = security_strings(node, origin, request);
            // The reply is computed and every lock released; only then the wait.
            if node.core.config().defects.has(Defect::SlowStrings) {
                tokio::time::sleep(SLOW_STRINGS_DELAY).await;
            }
            Ok(reply)
        }
        Action::Login => {
            let username = request.require(&names.username).map_err(bad_request)?;
            let otc = request.require(&names.otc).map_err(bad_request)?;
            node.core
                .agent_login(origin, username, otc)
                .map(|()| SasResponse::pass())
                .map_err(|e| SasResponse::fail(ErrorCode::of_agent(&e), e.to_string()))
        }
    }
}

/// SS-2, WIRE-3: `<Id>` alone names the user where the wire allows it; a `<Username>`
/// beside it must be the user the device is bound to. Answers PASS or FAIL alike.
fn security_strings(node: &NodeState, origin: Origin, request: &SasRequest) -> SasResponse {
    let wire = &*node.wire;
    let names = wire.names();
    let username = if wire.strings_username() {
        match request.require(&names.username) {
            Ok(username) => Some(username),
            Err(e) => return bad_request(e),
        }
    } else {
        request.get(&names.username)
    };
    let device = match request.require(&names.device_id) {
        Ok(device) => device,
        Err(e) => return bad_request(e),
    };
    let download = match username {
        Some(username) => node.core.security_strings(origin, username, device),
        None => node.core.device_security_strings(origin, device),
    };
    match download {
        Ok(download) => {
            let mut reply = SasResponse::pass();
            reply.security_strings = Some(wire.join_strings(&download));
            reply.policies = PolicyItem::from_flags(download.policies);
            reply
        }
        Err(e) => mobile_fail(e),
    }
}

async fn provision(
    node: &NodeState,
    origin: Origin,
    request: &SasRequest,
) -> Result<SasResponse, SasResponse> {
    let names = node.wire.names();
    let req = ProvisionRequest {
        username: request
            .require(&names.username)
            .map_err(bad_request)?
            .to_string(),
        code: request
            .require(&names.provision_code)
            .map_err(bad_request)?
            .to_string(),
        device_info: request.get(&names.device_os).map(str::to_string),
    };
    let done = if node.core.provision_is_racy() {
        let ticket = node
            .core
            .provision_check(origin, &req)
            .map_err(mobile_fail)?;
        tokio::time::sleep(RACE_WINDOW).await;
        node.core.provision_commit(ticket)
    } else {
        node.core.provision(origin, &req)
    }
    .map_err(mobile_fail)?;
    let mut reply = SasResponse::pass();
    reply.id = Some(done.device_id);
    reply.policies = PolicyItem::from_flags(done.policies);
    Ok(reply)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
