//! The plain HTTP endpoints below a node's context: TokenIndex (its path, which query
//! parameter carries the username and which the device id, whether the device id is
//! sent at all, and the error spelling of a refusal), the self-service page (its path
//! and the form field carrying the username) and the QR image (its path and parameter).
//! A parameter is recognised by the profile's name, by carrying a username or device
//! id the Agent-XML traffic carried, or by keyword.

use super::Builder;
use super::agent::error_spelling;
use crate::capture::classify::{Classified, below_context};
use crate::capture::roles::{Role, assign};

/// The parameter among `params` playing the role: the profile's name, then the one whose
/// value is among `values`, then a keyword.
fn param<'p>(
    params: &'p [(String, String)],
    hint: &str,
    values: &std::collections::BTreeSet<String>,
    keywords: &[&str],
) -> Option<&'p str> {
    if let Some((name, _)) = params.iter().find(|(n, _)| n == hint) {
        return Some(name);
    }
    if let Some((name, _)) = params.iter().find(|(_, v)| values.contains(v.trim())) {
        return Some(name);
    }
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    assign(&names, &[Role::new(hint, keywords)])[0].map(|i| names[i])
}

/// One TokenIndex exchange.
pub(super) fn token_index(b: &mut Builder<'_>, c: &Classified<'_>) {
    const WHAT: &str = "token index requests";
    let paths = &b.hint.paths;
    if c.ex.answered() {
        let path = below_context(&c.ex.path, &paths.token_index);
        b.count(
            "paths.token_index",
            "answered token index requests",
            Some(&path),
        );
    }
    let user = param(
        &c.ex.query,
        &paths.token_index_username_param,
        &b.usernames,
        &["user", "username"],
    );
    if let Some(user) = user {
        b.count("paths.token_index_username_param", WHAT, Some(user));
    }
    let rest: Vec<(String, String)> =
        c.ex.query
            .iter()
            .filter(|(n, _)| Some(n.as_str()) != user)
            .cloned()
            .collect();
    let id = param(
        &rest,
        &paths.token_index_id_param,
        &b.device_ids,
        &["id", "device"],
    );
    if let Some(id) = id {
        b.count("paths.token_index_id_param", WHAT, Some(id));
    }
    b.count(
        "requests.token_index_id",
        WHAT,
        Some(if id.is_some() { "true" } else { "false" }),
    );
    // A refusal is `CODE: reason` in plain text.
    if (400..500).contains(&c.ex.status)
        && let Some(code) = c.ex.reply_text().and_then(|t| t.split(':').next())
    {
        let code = code.trim();
        if !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            error_spelling(b, code);
        }
    }
}

/// One exchange with the self-service page.
pub(super) fn self_service(b: &mut Builder<'_>, c: &Classified<'_>) {
    let paths = &b.hint.paths;
    if c.ex.answered() {
        let path = below_context(&c.ex.path, &paths.self_provision);
        b.count(
            "paths.self_provision",
            "answered self-service requests",
            Some(&path),
        );
    }
    if c.ex.method == "POST"
        && let Some(field) = param(
            &c.ex.form,
            &paths.self_provision_username_field,
            &b.usernames,
            &["user", "username"],
        )
    {
        b.count(
            "paths.self_provision_username_field",
            "self-service form posts",
            Some(field),
        );
    }
}

/// One QR image request.
pub(super) fn qr_code(b: &mut Builder<'_>, c: &Classified<'_>) {
    let paths = &b.hint.paths;
    if c.ex.answered() {
        let path = below_context(&c.ex.path, &paths.qr_code);
        b.count("paths.qr_code", "answered QR requests", Some(&path));
    }
    let names: Vec<&str> = c.ex.query.iter().map(|(n, _)| n.as_str()).collect();
    let found = assign(
        &names,
        &[Role::new(
            &paths.qr_text_param,
            &["text", "data", "payload"],
        )],
    )[0]
    .or((names.len() == 1).then_some(0));
    if let Some(i) = found {
        b.count("paths.qr_text_param", "QR requests", Some(names[i]));
    }
}
