//! The SSD lookup (SSD-1) [wire ASSUMED]: `GET /ssd/lookup?id=<site-id>` answers the
//! server settings for a known Site ID, and 404 with `UNKNOWN_SERVER_ID` otherwise (the
//! app shows "Error Server, Unknown Server ID").

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use crate::wire::{SsdResponse, SsdServer};

/// `GET /ssd/lookup?id=<site-id>`.
pub async fn lookup(
    State(node): State<NodeState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let id = params.get("id").map(String::as_str).unwrap_or("");
    let (status, reply) = match node.core.lookup_site(id) {
        Some(site) => (
            StatusCode::OK,
            SsdResponse::found(SsdServer {
                host: site.host,
                port: site.port,
                context: site.context,
                ssl: site.ssl,
                push: site.push,
                local: site.local,
            }),
        ),
        None => (
            StatusCode::NOT_FOUND,
            SsdResponse::unknown(format!(
                "unknown Site ID '{}'",
                id.chars().take(64).collect::<String>()
            )),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        reply.to_xml(),
    )
        .into_response()
}
