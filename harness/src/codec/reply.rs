//! What a reply says, read through a wire profile: the `<SASResponse>` of every
//! Agent-XML call and the reply of a Site ID lookup. Any element order is accepted and
//! unknown elements are ignored (servers add their own); a missing result element, a
//! repeated singular element or an unreadable value is a [`MalformedReply`]. Error codes
//! are mapped to their canonical names. Policies are read in either shape, and the shape
//! seen is recorded, so POL-1 (did the value arrive) and WIRE-6 (in the profile's shape)
//! are judged apart.

use serde::Serialize;

use super::xml::{Element, MalformedReply, clip, parse_document};
use crate::profile::{Policies, WireProfile};

/// The server settings a Site ID lookup returns (SSD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsdSettings {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Context (`pinsafe`, `proxy`, `sentry`); empty when the reply has none.
    pub context: String,
    /// Whether to use https.
    pub ssl: bool,
    /// Push flag.
    pub push: bool,
    /// Local-mode flag.
    pub local: bool,
    /// PIN flag, where the shape has one.
    pub pin: Option<bool>,
    /// OATH flag, where the shape has one.
    pub oath: Option<bool>,
}

impl SsdSettings {
    /// The node base URL an app builds from these settings (CLI-1):
    /// `http[s]://<host>:<port>/<context>`.
    pub fn base_url(&self) -> String {
        let scheme = if self.ssl { "https" } else { "http" };
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let context = self.context.trim_matches('/');
        if context.is_empty() {
            format!("{scheme}://{host}:{}", self.port)
        } else {
            format!("{scheme}://{host}:{}/{context}", self.port)
        }
    }
}

/// A parsed reply. Fields a call kind does not use stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The result element as the server spelled it (trimmed).
    pub result: String,
    /// `<Error>`, mapped to its canonical name.
    pub error: Option<String>,
    /// `<Message>` (or the SSD reply's description).
    pub message: Option<String>,
    /// The device id (`<Id>` directly under the root) of a provision reply.
    pub device_id: Option<String>,
    /// The text of `<SecurityStrings>`, trimmed, as the server wrote it.
    pub strings_text: Option<String>,
    /// `(id, value)` of each policy, in document order, in whichever shape it came.
    pub policies: Vec<(String, String)>,
    /// The shape the policies came in (`attributes` or `elements`), if any came.
    pub policies_shape: Option<&'static str>,
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
    /// The Site ID lookup's reply.
    Ssd,
}

/// Reads `body` as a reply of `kind` under `profile`.
pub fn parse_reply(
    body: &[u8],
    kind: ReplyKind,
    profile: &WireProfile,
) -> Result<Reply, MalformedReply> {
    let root = parse_document(body)?;
    match kind {
        ReplyKind::Sas => read_sas(&root, profile),
        ReplyKind::Ssd => read_ssd(&root, profile),
    }
}

fn expect_root(root: &Element, expected: &str) -> Result<(), MalformedReply> {
    if root.name == expected {
        Ok(())
    } else {
        Err(MalformedReply(format!(
            "reply root is <{}>, expected <{expected}>",
            clip(&root.name)
        )))
    }
}

fn read_sas(root: &Element, profile: &WireProfile) -> Result<Reply, MalformedReply> {
    let el = &profile.elements;
    expect_root(root, &el.response_root)?;
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
        device_id: root.single_text(&el.device_id)?,
        strings_text: root.single_text(&el.security_strings)?,
        ..Reply::default()
    };
    read_policies(root, &profile.policies, &mut reply)?;
    Ok(reply)
}

/// Policies in the profile's shape first; failing that, in the other shape, so that a
/// value that arrived is never reported as missing only because of its shape.
fn read_policies(
    root: &Element,
    shape: &Policies,
    reply: &mut Reply,
) -> Result<(), MalformedReply> {
    let wanted = policies_in(root, shape)?;
    if !wanted.is_empty() {
        reply.policies = wanted;
        reply.policies_shape = Some(shape.shape());
        return Ok(());
    }
    let other = other_shape(shape);
    let found = policies_in(root, &other)?;
    if !found.is_empty() {
        reply.policies = found;
        reply.policies_shape = Some(other.shape());
    }
    Ok(())
}

fn policies_in(root: &Element, shape: &Policies) -> Result<Vec<(String, String)>, MalformedReply> {
    let mut out = Vec::new();
    match shape {
        Policies::Attributes {
            container,
            item,
            id_attribute,
            ..
        } => {
            if let Some(container) = root.single(container)? {
                for policy in container.all(item) {
                    let id = policy.attribute(id_attribute).unwrap_or_default();
                    out.push((id.to_string(), policy.text.trim().to_string()));
                }
            }
        }
        Policies::Elements {
            item, id, content, ..
        } => {
            for policy in root.all(item) {
                let id = policy.single_text(id)?.unwrap_or_default();
                let value = policy.single_text(content)?.unwrap_or_default();
                out.push((id, value));
            }
        }
    }
    Ok(out)
}

/// The other built-in shape, with the names §9 gives it.
fn other_shape(shape: &Policies) -> Policies {
    match shape {
        Policies::Attributes { item, .. } => Policies::Elements {
            item: item.clone(),
            id: "Id".into(),
            content: "Content".into(),
            description: "Description".into(),
        },
        Policies::Elements { item, .. } => Policies::Attributes {
            container: "Policies".into(),
            item: item.clone(),
            id_attribute: "id".into(),
            section_attribute: "section".into(),
            show_attribute: "show".into(),
            section_value: String::new(),
            show_value: String::new(),
        },
    }
}

fn read_ssd(root: &Element, profile: &WireProfile) -> Result<Reply, MalformedReply> {
    let ssd = &profile.ssd;
    expect_root(root, &ssd.root)?;
    let Some(result) = root.single_text(&ssd.result)? else {
        return Err(MalformedReply(format!("reply has no <{}>", ssd.result)));
    };
    let error = match &ssd.error {
        Some(name) => root
            .single_text(name)?
            .map(|wire| profile.errors.canonical(&wire)),
        None => None,
    };
    let settings = match root.single(&ssd.server)? {
        Some(server) => Some(read_server(server, profile)?),
        None => None,
    };
    Ok(Reply {
        result,
        error,
        message: root.single_text(&ssd.message)?,
        ssd: settings,
        ..Reply::default()
    })
}

fn read_server(server: &Element, profile: &WireProfile) -> Result<SsdSettings, MalformedReply> {
    let ssd = &profile.ssd;
    let required = |name: &str| -> Result<String, MalformedReply> {
        server
            .single_text(name)?
            .ok_or_else(|| MalformedReply(format!("SSD <{}> has no <{name}>", server.name)))
    };
    let port_text = required(&ssd.port)?;
    let port = port_text.parse::<u16>().map_err(|_| {
        MalformedReply(format!(
            "SSD <{}> '{}' is not a port number",
            ssd.port,
            clip(&port_text)
        ))
    })?;
    let optional_flag = |name: &Option<String>| -> Result<Option<bool>, MalformedReply> {
        match name {
            Some(name) if server.single(name)?.is_some() => flag(server, name, profile).map(Some),
            _ => Ok(None),
        }
    };
    Ok(SsdSettings {
        host: required(&ssd.host)?,
        port,
        context: server.single_text(&ssd.context)?.unwrap_or_default(),
        ssl: flag(server, &ssd.ssl, profile)?,
        push: flag(server, &ssd.push, profile)?,
        local: flag(server, &ssd.local, profile)?,
        pin: optional_flag(&ssd.pin)?,
        oath: optional_flag(&ssd.oath)?,
    })
}

/// A flag in the profile's spelling (any letter case); absent means no, as an app would
/// default it.
fn flag(server: &Element, name: &str, profile: &WireProfile) -> Result<bool, MalformedReply> {
    let Some(text) = server.single_text(name)? else {
        return Ok(false);
    };
    if text.eq_ignore_ascii_case(&profile.ssd.yes) {
        Ok(true)
    } else if text.eq_ignore_ascii_case(&profile.ssd.no) || text.is_empty() {
        Ok(false)
    } else {
        Err(MalformedReply(format!(
            "SSD <{name}> '{}' is neither '{}' nor '{}'",
            clip(&text),
            profile.ssd.yes,
            profile.ssd.no
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mobile() -> WireProfile {
        WireProfile::default_profile()
    }

    #[test]
    fn mobile_ssd_reply_of_protocol_section_9() {
        let body = concat!(
            "<getServerDetailsResponse><responseCode>0</responseCode><SSDetails>",
            "<hostname>h</hostname><usingSSL>YES</usingSSL><pushSupport>NO</pushSupport>",
            "<local>NO</local><pin>YES</pin><oath>NO</oath><port>8443</port>",
            "<connectionType>proxy</connectionType></SSDetails></getServerDetailsResponse>"
        );
        let reply = parse_reply(body.as_bytes(), ReplyKind::Ssd, &mobile()).unwrap();
        assert_eq!(reply.result, "0");
        let ssd = reply.ssd.unwrap();
        assert_eq!(ssd.base_url(), "https://h:8443/proxy");
        assert_eq!((ssd.pin, ssd.oath), (Some(true), Some(false)));
        let bad = body.replace("<usingSSL>YES", "<usingSSL>MAYBE");
        assert!(parse_reply(bad.as_bytes(), ReplyKind::Ssd, &mobile()).is_err());
    }

    #[test]
    fn policies_in_either_shape_with_the_shape_recorded() {
        let attributes = concat!(
            "<SASResponse><Result>PASS</Result><Policies>",
            r#"<Policy id="AllowPinEntry" section="MobileClient" show="true">OFF</Policy>"#,
            "</Policies></SASResponse>"
        );
        let reply = parse_reply(attributes.as_bytes(), ReplyKind::Sas, &mobile()).unwrap();
        assert_eq!(
            reply.policies,
            [("AllowPinEntry".to_string(), "OFF".to_string())]
        );
        assert_eq!(reply.policies_shape, Some("attributes"));
        let elements = concat!(
            "<SASResponse><Result>PASS</Result><Policy><Id>AllowPinEntry</Id>",
            "<Content>ON</Content></Policy></SASResponse>"
        );
        let reply = parse_reply(elements.as_bytes(), ReplyKind::Sas, &mobile()).unwrap();
        assert_eq!(
            reply.policies,
            [("AllowPinEntry".to_string(), "ON".to_string())]
        );
        assert_eq!(reply.policies_shape, Some("elements"));
    }

    #[test]
    fn strings_text_is_kept_as_written() {
        let body = "<SASResponse><Result>PASS</Result><SecurityStrings>\n;a01;b02\n</SecurityStrings></SASResponse>";
        let reply = parse_reply(body.as_bytes(), ReplyKind::Sas, &mobile()).unwrap();
        assert_eq!(reply.strings_text.as_deref(), Some(";a01;b02"));
    }
}
