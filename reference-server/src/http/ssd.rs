//! The SSD lookup (SSD-1, WIRE-5): `GET <ssd.path>?<ssd.id_param>=<site-id>` at the
//! server root (mobile-3.6: `/ssdserver/getServerDetails?id=…`) answers the server
//! settings of a known Site ID in the profile's shape, and an unknown one with the
//! profile's status and fail value (the app shows "Error Server, Unknown Server ID").

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use super::agentxml::REPLY_CONTENT_TYPE;

/// `GET <ssd.path>?<ssd.id_param>=<site-id>`.
pub async fn lookup(
    State(node): State<NodeState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let wire = &*node.wire;
    let id = params
        .get(wire.ssd_id_param())
        .map(String::as_str)
        .unwrap_or("");
    let (status, body) = match node.core.lookup_site(id) {
        Some(site) => (StatusCode::OK, wire.ssd_found(&site)),
        None => (
            // Validated as 200..=599 when the profile was loaded.
            StatusCode::from_u16(wire.ssd_unknown_status()).unwrap_or(StatusCode::NOT_FOUND),
            wire.ssd_unknown(&format!(
                "unknown Site ID '{}'",
                id.chars().take(64).collect::<String>()
            )),
        ),
    };
    (status, [(header::CONTENT_TYPE, REPLY_CONTENT_TYPE)], body).into_response()
}
