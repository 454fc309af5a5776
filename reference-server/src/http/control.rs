//! The control API: the harness's JSON interface to the reference server (not part of the
//! Swivel protocol). It listens on loopback only, and every call needs
//! `Authorization: Bearer <token>`; a wrong or missing token gets 401 and changes nothing.
//! Routes are documented in the README and kept stable for external scripts.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::body::read_body;
use crate::defects::Defect;
use crate::domain::codes::codes_equal;
use crate::domain::policy::Policies;
use crate::domain::users::{UserError, UserSpec};
use crate::domain::{AdminError, Core};

/// Largest control request body.
const MAX_CONTROL_BODY: usize = 1024 * 1024;
/// Most log entries one call returns; page with `since`.
const MAX_LOG_PAGE: usize = 10_000;
/// The furthest one call may move the clock: ten years.
const MAX_ADVANCE_SECS: u64 = 10 * 365 * 24 * 3600;

/// One node as `/control/nodes` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeInfo {
    /// 1-based index.
    pub index: u16,
    /// Base URL, e.g. `http://127.0.0.1:8080`; contexts hang below it.
    pub url: String,
}

/// What control handlers see.
#[derive(Debug, Clone)]
pub struct ControlState {
    core: Core,
    token: Arc<str>,
    nodes: Arc<[NodeInfo]>,
    /// The name of the wire profile the nodes speak, shown by `/control/health`.
    wire_profile: Arc<str>,
}

/// The control router, guarded by the bearer token; `wire_profile` names the profile the
/// nodes speak.
pub fn control_router(core: Core, token: &str, nodes: Vec<NodeInfo>, wire_profile: &str) -> Router {
    let state = ControlState {
        core,
        token: token.into(),
        nodes: nodes.into(),
        wire_profile: wire_profile.into(),
    };
    Router::new()
        .route("/control/health", get(health))
        .route("/control/nodes", get(list_nodes))
        .route("/control/users", post(create_user))
        .route(
            "/control/users/{username}",
            get(get_user).delete(delete_user),
        )
        .route("/control/users/{username}/reprovision", post(reprovision))
        .route("/control/outbox", get(outbox))
        .route("/control/log", get(log))
        .route("/control/policies", get(get_policies).put(put_policies))
        .route("/control/clock", get(clock))
        .route("/control/clock/advance", post(advance_clock))
        .route("/control/reset", post(reset))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such control route") })
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state)
}

/// A JSON error body: `{"error": "..."}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn require_token(
    State(state): State<ControlState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            // The auth scheme name is case-insensitive (RFC 9110 §11.1).
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or("");
    if presented.is_empty() || !codes_equal(presented, &state.token) {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong control token: send Authorization: Bearer <token>",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    next.run(request).await
}

fn admin_error(e: AdminError) -> Response {
    let status = match &e {
        AdminError::User(UserError::NotFound(_)) => StatusCode::NOT_FOUND,
        AdminError::User(UserError::Exists(_)) | AdminError::NoTransport(..) => {
            StatusCode::CONFLICT
        }
        AdminError::User(_) | AdminError::NoSuchNode(..) | AdminError::Policy(_) => {
            StatusCode::BAD_REQUEST
        }
    };
    error(status, e.to_string())
}

/// Reads a JSON body with the control limits; errors are JSON 4xx replies.
async fn json_body<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, Response> {
    let bytes: Bytes = read_body(
        headers,
        body,
        MAX_CONTROL_BODY,
        std::time::Duration::from_secs(10),
    )
    .await
    .map_err(|e| error(e.status(), e.to_string()))?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        bytes
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

async fn health(State(s): State<ControlState>) -> Response {
    let config = s.core.config();
    Json(json!({
        "status": "ok",
        "nodes": config.nodes,
        "session_sharing": config.session_sharing,
        "site_id": config.site_id,
        "wire_profile": &*s.wire_profile,
        "defects": config.defects.iter().map(|d: Defect| json!({"name": d.name(), "rule": d.rule(), "breaks": d.breaks_label()})).collect::<Vec<_>>(),
        "clock_ms": s.core.now(),
        "users": s.core.user_count(),
    }))
    .into_response()
}

async fn list_nodes(State(s): State<ControlState>) -> Response {
    Json(json!({ "nodes": &*s.nodes })).into_response()
}

async fn create_user(State(s): State<ControlState>, headers: HeaderMap, body: Body) -> Response {
    let spec: UserSpec = match json_body(&headers, body).await {
        Ok(spec) => spec,
        Err(r) => return r,
    };
    match s
        .core
        .create_user(&spec)
        .and_then(|()| s.core.user_view(&spec.username))
    {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn get_user(State(s): State<ControlState>, Path(username): Path<String>) -> Response {
    match s.core.user_view(&username) {
        Ok(view) => Json(view).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn delete_user(State(s): State<ControlState>, Path(username): Path<String>) -> Response {
    match s.core.delete_user(&username) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => admin_error(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReprovisionBody {
    #[serde(default)]
    node: Option<u16>,
}

/// Issues a code on a node (default 1; `?node=K` or `{"node": K}`); the code goes to the
/// outbox and is never in this reply (PC-2), unless the code-returned-in-reply defect.
async fn reprovision(
    State(s): State<ControlState>,
    Path(username): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let from_body: ReprovisionBody = match json_body(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let node = match query.get("node").map(|n| n.parse::<u16>()) {
        Some(Ok(n)) => n,
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "node must be a node index (1..=N)"),
        None => from_body.node.unwrap_or(1),
    };
    match s.core.admin_reprovision(node, &username) {
        Ok(issued) => {
            let mut reply = json!({
                "delivered": true,
                "node": node,
                "message_seq": issued.message_seq,
            });
            if s.core.has_defect(Defect::CodeReturnedInReply) {
                reply["code"] = Value::String(issued.code);
            }
            (StatusCode::ACCEPTED, Json(reply)).into_response()
        }
        Err(e) => admin_error(e),
    }
}

async fn outbox(
    State(s): State<ControlState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
    Json(json!({ "messages": s.core.outbox(q.get("user").map(String::as_str), limit) }))
        .into_response()
}

async fn log(State(s): State<ControlState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let parse = |key: &str| q.get(key).map(|v| v.parse::<u64>());
    let since = match parse("since") {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "since must be a log sequence number",
            );
        }
    };
    let limit = match parse("limit") {
        None => MAX_LOG_PAGE,
        Some(Ok(n)) => usize::try_from(n).unwrap_or(MAX_LOG_PAGE).min(MAX_LOG_PAGE),
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "limit must be a number"),
    };
    Json(json!({
        "entries": s.core.log_since(since, limit),
        "next_seq": s.core.log_next_seq(),
    }))
    .into_response()
}

async fn get_policies(State(s): State<ControlState>) -> Response {
    Json(s.core.policies()).into_response()
}

/// Merges the given fields into the current policies, then validates the result as the
/// console does (PC-3): on error nothing changes and the reply says why.
async fn put_policies(State(s): State<ControlState>, headers: HeaderMap, body: Body) -> Response {
    let patch: Value = match json_body(&headers, body).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut merged = match serde_json::to_value(s.core.policies()) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    merge_json(&mut merged, patch);
    let policies: Policies = match serde_json::from_value(merged) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid policies: {e}")),
    };
    match s.core.set_policies(policies) {
        Ok(p) => Json(p).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// JSON merge patch (RFC 7396 without deletion): objects merge, anything else replaces.
fn merge_json(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge_json(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

async fn clock(State(s): State<ControlState>) -> Response {
    Json(json!({ "now_ms": s.core.now() })).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: u64,
}

async fn advance_clock(State(s): State<ControlState>, headers: HeaderMap, body: Body) -> Response {
    let advance: AdvanceBody = match json_body(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if advance.seconds > MAX_ADVANCE_SECS {
        return error(
            StatusCode::BAD_REQUEST,
            format!("seconds must be at most {MAX_ADVANCE_SECS} (ten years) per call"),
        );
    }
    Json(json!({ "now_ms": s.core.advance_clock(advance.seconds) })).into_response()
}

async fn reset(State(s): State<ControlState>) -> Response {
    match s.core.reset() {
        Ok(()) => Json(json!({ "reset": true })).into_response(),
        Err(e) => admin_error(e),
    }
}
