//! TokenIndex (evidence HINT): `GET <base><paths.token_index>?<username param>=u`, with
//! `&<id param>=d` where the wire sends it, answers the index of the next unused string
//! as a plain integer. Where the wire sends the username alone
//! (`requests.token_index_id = false`, mobile-3.6) it answers for the user's currently
//! bound device, and an id given as well must be that device's; where it sends both
//! (agentxml-3.6) both are required. Refusals are plain text `CODE: reason` with a 4xx
//! status, the code in the profile's spelling.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::NodeState;
use super::client::Client;
use crate::domain::MobileError;
use crate::wire::ErrorCode;

/// `GET <base><paths.token_index>`.
pub async fn token_index(
    State(node): State<NodeState>,
    client: Client,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let wire = &*node.wire;
    let paths = wire.paths();
    let username = params.get(&paths.token_index_username_param);
    let id = params.get(&paths.token_index_id_param);
    let origin = client.at(&node);
    let answer = match (username, id) {
        (Some(username), Some(id)) => node.core.token_index(origin, username, id),
        (Some(username), None) if !wire.token_index_id() => {
            node.core.user_token_index(origin, username)
        }
        _ => {
            let required = if wire.token_index_id() {
                format!(
                    "{} and {} are required",
                    paths.token_index_username_param, paths.token_index_id_param
                )
            } else {
                format!("{} is required", paths.token_index_username_param)
            };
            return (
                StatusCode::BAD_REQUEST,
                format!("{}: {required}\n", wire.error(ErrorCode::BadRequest)),
            )
                .into_response();
        }
    };
    match answer {
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
            let code = wire.error(ErrorCode::of_mobile(&e));
            (status, format!("{code}: {e}\n")).into_response()
        }
    }
}
