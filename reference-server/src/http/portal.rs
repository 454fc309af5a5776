//! User-facing pages at the wire profile's paths: the self-service provision page
//! (`/reset/provision.jsp`, SP-1), the QR image (`/userportal/getQRCode`, QR-1), and the
//! complete-URL landing page (URL-2).
//! None of them ever shows a provision code (PC-2) unless the code-returned-in-reply
//! defect is on, and the self-service reply is the same for known and unknown users.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::body::read_body;
use super::client::Client;
use super::qr::qr_png;
use super::{NodeState, html_escape};
use crate::defects::Defect;
use crate::domain::SelfProvisionError;
use crate::domain::admin::SelfProvisionOutcome;

/// The reply to every allowed self-provision request, whether or not the user exists.
pub const SELF_PROVISION_SENT: &str = "If the username is registered, a provision code has been sent to the user's registered device.";
/// The reply when the policy forbids self-provisioning (SP-1).
pub const SELF_PROVISION_REFUSED: &str = "Self-provisioning of mobile clients is not allowed.";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = html_escape(title)
    )
}

/// `GET <base><paths.self_provision>`: the form, its field named by the profile.
pub async fn self_provision_form(State(node): State<NodeState>) -> Html<String> {
    let field = html_escape(&node.wire.paths().self_provision_username_field);
    Html(page(
        "Provision your mobile client",
        &format!(
            "<form method=\"post\"><label>Username <input name=\"{field}\"></label> <button type=\"submit\">Send provision code</button></form>"
        ),
    ))
}

/// `POST <base><paths.self_provision>` with `<username field>=<u>` (form-encoded).
pub async fn self_provision_submit(
    State(node): State<NodeState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(&headers, body, 4096, node.limits.body_timeout).await {
        Ok(b) => b,
        Err(e) => return (e.status(), format!("{e}\n")).into_response(),
    };
    let form: HashMap<String, String> = match serde_urlencoded::from_bytes(&bytes) {
        Ok(f) => f,
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "form body must be application/x-www-form-urlencoded UTF-8\n",
            )
                .into_response();
        }
    };
    let Some(username) = form
        .get(&node.wire.paths().self_provision_username_field)
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
    else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Missing username", "<p>Enter your username.</p>")),
        )
            .into_response();
    };
    match node.core.self_provision(client.at(&node), username) {
        Err(SelfProvisionError::NotAllowed) => (
            StatusCode::FORBIDDEN,
            Html(page(
                "Not allowed",
                &format!("<p>{SELF_PROVISION_REFUSED}</p>"),
            )),
        )
            .into_response(),
        Ok(SelfProvisionOutcome::Sent(issued))
            if node.core.has_defect(Defect::CodeReturnedInReply) =>
        {
            Html(page(
                "Provision code sent",
                &format!(
                    "<p>{SELF_PROVISION_SENT}</p><p>Code: {}</p>",
                    html_escape(&issued.code)
                ),
            ))
            .into_response()
        }
        // Known, unknown, or without a transport: one answer, so the page is no oracle.
        Ok(_) | Err(SelfProvisionError::NoTransport) => Html(page(
            "Provision code sent",
            &format!("<p>{SELF_PROVISION_SENT}</p>"),
        ))
        .into_response(),
    }
}

/// `GET <base><paths.qr_code>?<qr_text_param>=<payload>`: a PNG of the payload (QR-1).
pub async fn qr_code(
    State(node): State<NodeState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = &node.wire.paths().qr_text_param;
    let Some(text) = params.get(param) else {
        return (
            StatusCode::BAD_REQUEST,
            format!("the {param} parameter is required\n"),
        )
            .into_response();
    };
    if node.core.has_defect(Defect::QrNotPng) {
        // qr-not-png: a 200 that is no image, so only QR-1 breaks (the request is fine).
        return (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "QR").into_response();
    }
    // qr-wrong-payload: a valid QR image, but not of the complete URL asked for.
    let wrong;
    let text = if node.core.has_defect(Defect::QrWrongPayload) {
        wrong = format!("{text}#not-this-one");
        &wrong
    } else {
        text
    };
    match qr_png(text) {
        Ok(png) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

/// `GET /smc/complete/<site-id>/<username>/<code>`: where a complete URL opened in a
/// browser lands. It tells the user to open the link on the phone; it redeems nothing.
pub async fn complete_landing(
    State(node): State<NodeState>,
    Path((site, user, _code)): Path<(String, String, String)>,
) -> Response {
    if node.core.lookup_site(&site).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Html(page(
                "Unknown Server ID",
                "<p>Error Server, Unknown Server ID</p>",
            )),
        )
            .into_response();
    }
    Html(page(
        "Provision your Swivel mobile app",
        &format!(
            "<p>Open this link on the phone where the Swivel app is installed to provision it for user <b>{}</b> at site <b>{}</b>.</p>",
            html_escape(&user),
            html_escape(&site)
        ),
    ))
    .into_response()
}
