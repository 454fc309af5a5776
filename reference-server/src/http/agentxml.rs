//! The Agent-XML endpoint and TokenIndex of the `agentxml-3.6` profile (protocol.md §9):
//! one enum of actions dispatched to the domain core, every refusal answered as
//! `<Result>FAIL</Result><Error>CODE</Error>` with a human `<Message>`, and transport-level
//! refusals as HTTP statuses (413 too large, 415 not XML, 408 too slow).

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use super::body::read_body;
use crate::domain::provision::ProvisionRequest;
use crate::domain::{AgentError, MobileError};
use crate::wire::{PolicyItem, SasRequest, SasResponse, XmlError, parse_sas_request};

/// The race window the non-atomic-redemption defect opens between check and commit.
/// Real time on purpose: it stands for a slow database round trip, not a protocol timer.
const RACE_WINDOW: Duration = Duration::from_millis(25);

/// The actions this profile knows; names are case-sensitive (protocol.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Provision,
    SecurityStrings,
    Login,
    Ping,
}

impl Action {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "Provision" => Some(Action::Provision),
            "SecurityStrings" => Some(Action::SecurityStrings),
            "login" => Some(Action::Login),
            "ping" => Some(Action::Ping),
            _ => None,
        }
    }

    /// Mobile actions and ping come from apps, which hold no agent secret.
    fn needs_secret(self) -> bool {
        matches!(self, Action::Login)
    }
}

/// The wire error code of a mobile refusal.
pub fn mobile_error_code(e: &MobileError) -> &'static str {
    match e {
        MobileError::UnknownUser => "LOG_USER_NOT_FOUND",
        MobileError::ProvisionFailure => "PROVISION_FAILURE",
        MobileError::DeviceNotProvisioned => "DEVICE_NOT_PROVISIONED",
        MobileError::NoMobileRight => "NO_MOBILE_RIGHT",
        MobileError::NoStrings => "NO_STRINGS",
    }
}

fn agent_error_code(e: &AgentError) -> &'static str {
    match e {
        AgentError::UnknownUser => "LOG_USER_NOT_FOUND",
        AgentError::BadOtc => "AGENT_ERROR_BAD_OTC",
    }
}

fn xml_reply(status: StatusCode, reply: &SasResponse) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        reply.to_xml(),
    )
        .into_response()
}

fn policy_items(items: Vec<(&'static str, bool, &'static str)>) -> Vec<PolicyItem> {
    items
        .into_iter()
        .map(|(id, on, description)| {
            PolicyItem::new(id, if on { "ON" } else { "OFF" }, description)
        })
        .collect()
}

/// `POST <base>/AgentXML`.
pub async fn agent_xml(State(node): State<NodeState>, headers: HeaderMap, body: Body) -> Response {
    let limits = &node.limits;
    let bytes = match read_body(
        &headers,
        body,
        limits.xml.max_body_bytes,
        limits.body_timeout,
    )
    .await
    {
        Ok(b) => b,
        Err(e) => return (e.status(), format!("{e}\n")).into_response(),
    };
    let request = match parse_sas_request(&bytes, &limits.xml) {
        Ok(r) => r,
        Err(e) => return xml_error(&e),
    };
    let request_id = request.get("RequestID").map(str::to_string);
    let reply = match dispatch(&node, &request).await {
        Ok(reply) | Err(reply) => reply,
    };
    xml_reply(StatusCode::OK, &reply.with_request_id(request_id))
}

fn xml_error(e: &XmlError) -> Response {
    let status = if e.is_not_xml() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    } else if matches!(e, XmlError::TooLarge { .. }) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::OK
    };
    xml_reply(status, &SasResponse::fail("BAD_REQUEST", e.to_string()))
}

fn bad_request(e: XmlError) -> SasResponse {
    SasResponse::fail("BAD_REQUEST", e.to_string())
}

async fn dispatch(node: &NodeState, request: &SasRequest) -> Result<SasResponse, SasResponse> {
    let action_name = request.require("Action").map_err(bad_request)?;
    let action = Action::parse(action_name).ok_or_else(|| {
        SasResponse::fail(
            "BAD_REQUEST",
            format!(
                "unknown Action '{}'; this server knows Provision, SecurityStrings, login and ping",
                truncate(action_name, 64)
            ),
        )
    })?;
    if action.needs_secret() {
        let secret = request.get("Secret").unwrap_or("");
        if !crate::domain::codes::codes_equal(secret, &node.core.config().agent_secret) {
            return Err(SasResponse::fail(
                "AGENT_ERROR_NO_SECURITY_AGENT",
                "missing or wrong agent <Secret>",
            ));
        }
    }
    match action {
        Action::Ping => Ok(SasResponse::pass()),
        Action::Provision => provision(node, request).await,
        Action::SecurityStrings => {
            let username = request.require("Username").map_err(bad_request)?;
            let device = request.require("Id").map_err(bad_request)?;
            let download = node
                .core
                .security_strings(node.node, username, device)
                .map_err(|e| SasResponse::fail(mobile_error_code(&e), e.to_string()))?;
            let mut reply = SasResponse::pass();
            reply.security_strings = Some(download.joined(';'));
            reply.policies = policy_items(download.policies);
            Ok(reply)
        }
        Action::Login => {
            let username = request.require("Username").map_err(bad_request)?;
            let otc = request.require("OTC").map_err(bad_request)?;
            node.core
                .agent_login(node.node, username, otc)
                .map(|()| SasResponse::pass())
                .map_err(|e| SasResponse::fail(agent_error_code(&e), e.to_string()))
        }
    }
}

async fn provision(node: &NodeState, request: &SasRequest) -> Result<SasResponse, SasResponse> {
    let req = ProvisionRequest {
        username: request
            .require("Username")
            .map_err(bad_request)?
            .to_string(),
        code: request
            .require("ProvisionCode")
            .map_err(bad_request)?
            .to_string(),
        device_info: request.get("DeviceOS").map(str::to_string),
    };
    let fail = |e: MobileError| SasResponse::fail(mobile_error_code(&e), e.to_string());
    let ticket = node.core.provision_check(node.node, &req).map_err(fail)?;
    if node.core.provision_is_racy() {
        tokio::time::sleep(RACE_WINDOW).await;
    }
    let done = node.core.provision_commit(ticket).map_err(fail)?;
    let mut reply = SasResponse::pass();
    reply.id = Some(done.device_id);
    reply.policies = policy_items(done.policies);
    Ok(reply)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// `GET <base>/TokenIndex?username=u&id=device-id`: the index of the next unused string,
/// as a plain integer; refusals as plain-text error codes with 4xx statuses.
pub async fn token_index(
    State(node): State<NodeState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (Some(username), Some(id)) = (params.get("username"), params.get("id")) else {
        return (
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST: username and id are required\n",
        )
            .into_response();
    };
    match node.core.token_index(node.node, username, id) {
        Ok(index) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            index.to_string(),
        )
            .into_response(),
        Err(e) => {
            let status = match e {
                MobileError::NoStrings => StatusCode::CONFLICT,
                _ => StatusCode::FORBIDDEN,
            };
            (status, format!("{}: {e}\n", mobile_error_code(&e))).into_response()
        }
    }
}
