//! What a reply says, read through a wire profile: the `<SASResponse>` of every
//! Agent-XML call and the `<SSDResponse>` of an SSD lookup. Any element order is
//! accepted and unknown elements are ignored (servers add their own); a missing
//! `<Result>`, a repeated singular element or an unreadable value is a
//! [`MalformedReply`]. Error codes are mapped to their canonical names.

use serde::Serialize;

use super::xml::{Element, MalformedReply, clip, parse_document};
use crate::profile::WireProfile;

/// The server settings an SSD lookup returns (SSD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsdSettings {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Context (`pinsafe`, `proxy`, `sentry`); empty when the reply has none.
    pub context: String,
    /// Whether to use TLS.
    pub ssl: bool,
    /// Push flag.
    pub push: bool,
    /// Local-mode flag.
    pub local: bool,
}

/// A parsed reply. Fields a call kind does not use stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// `<Result>` as the server spelled it (trimmed).
    pub result: String,
    /// `<Error>`, mapped to its canonical name.
    pub error: Option<String>,
    /// `<Message>`.
    pub message: Option<String>,
    /// The device id (`<Id>` directly under the root) of a provision reply.
    pub device_id: Option<String>,
    /// `<SecurityStrings>` split by the profile separator, pieces trimmed, empty pieces
    /// dropped.
    pub strings: Vec<String>,
    /// `(Id, Content)` of each `<Policy>`, in document order.
    pub policies: Vec<(String, String)>,
    /// `<RequestID>` echo.
    pub request_id: Option<String>,
    /// The plain-integer TokenIndex reply.
    pub token_index: Option<u32>,
    /// The server settings of an SSD reply.
    pub ssd: Option<SsdSettings>,
    /// What a QR image decodes to (QR-1).
    pub qr_text: Option<String>,
}

/// Which document a call expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `<SASResponse>` (Agent-XML).
    Sas,
    /// `<SSDResponse>` (SSD lookup).
    Ssd,
}

/// Reads `body` as a reply of `kind` under `profile`.
pub fn parse_reply(
    body: &[u8],
    kind: ReplyKind,
    profile: &WireProfile,
) -> Result<Reply, MalformedReply> {
    let root = parse_document(body)?;
    let el = &profile.elements;
    let expected_root = match kind {
        ReplyKind::Sas => &el.response_root,
        ReplyKind::Ssd => &el.ssd_root,
    };
    if root.name != *expected_root {
        return Err(MalformedReply(format!(
            "reply root is <{}>, expected <{expected_root}>",
            clip(&root.name)
        )));
    }
    let Some(result) = root.single_text(&el.result)? else {
        return Err(MalformedReply(format!("reply has no <{}>", el.result)));
    };
    let mut reply = Reply {
        result,
        error: root
            .single_text(&el.error)?
            .map(|wire| profile.errors.canonical(&wire)),
        message: root.single_text(&el.message)?,
        request_id: root.single_text(&el.request_id)?,
        ..Reply::default()
    };
    match kind {
        ReplyKind::Sas => read_sas(&root, profile, &mut reply)?,
        ReplyKind::Ssd => {
            reply.ssd = match root.single(&el.ssd_server)? {
                Some(server) => Some(read_server(server, profile)?),
                None => None,
            }
        }
    }
    Ok(reply)
}

fn read_sas(
    root: &Element,
    profile: &WireProfile,
    reply: &mut Reply,
) -> Result<(), MalformedReply> {
    let el = &profile.elements;
    reply.device_id = root.single_text(&el.device_id)?;
    if let Some(joined) = root.single_text(&el.security_strings)? {
        reply.strings = joined
            .split(profile.strings_separator.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    for policy in root.all(&el.policy) {
        let id = policy.single_text(&el.policy_id)?.unwrap_or_default();
        let content = policy.single_text(&el.policy_content)?.unwrap_or_default();
        reply.policies.push((id, content));
    }
    Ok(())
}

fn read_server(server: &Element, profile: &WireProfile) -> Result<SsdSettings, MalformedReply> {
    let el = &profile.elements;
    let required = |name: &str| -> Result<String, MalformedReply> {
        server
            .single_text(name)?
            .ok_or_else(|| MalformedReply(format!("SSD <{}> has no <{name}>", server.name)))
    };
    let port_text = required(&el.ssd_port)?;
    let port = port_text.parse::<u16>().map_err(|_| {
        MalformedReply(format!(
            "SSD <{}> '{}' is not a port number",
            el.ssd_port,
            clip(&port_text)
        ))
    })?;
    Ok(SsdSettings {
        host: required(&el.ssd_host)?,
        port,
        context: server.single_text(&el.ssd_context)?.unwrap_or_default(),
        ssl: flag(server, &el.ssd_ssl)?,
        push: flag(server, &el.ssd_push)?,
        local: flag(server, &el.ssd_local)?,
    })
}

/// A boolean setting; absent means off, as an app would default it.
fn flag(server: &Element, name: &str) -> Result<bool, MalformedReply> {
    let Some(text) = server.single_text(name)? else {
        return Ok(false);
    };
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(MalformedReply(format!(
            "SSD <{name}> '{}' is not a boolean",
            clip(&text)
        ))),
    }
}
