//! What the certify server saw, as the judges read it: every HTTP exchange on the app's
//! port (from the capture's tap, before redaction: CLI-4 must search the raw bytes) and
//! every connection to the untrusted port (CLI-8), each numbered and stamped. The
//! classification reads a request as the wire profile spells it ([`AppCall`]); a reply is
//! judged by the same codec the emulator uses.

use serde::Serialize;

use crate::codec::xml::{Element, parse_document};
use crate::codec::{Call, Outcome, Received, Reply, judge};
use crate::profile::WireProfile;
use swivel_reference_server::har;

/// Longest body kept of one request or reply (the capture keeps 256 KiB).
const KEEP_BYTES: usize = 64 * 1024;

/// One HTTP exchange on the app's port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpSeen {
    /// `http` or `https`: what the app spoke on the port.
    pub scheme: String,
    /// Method.
    pub method: String,
    /// Full URL as recorded.
    pub url: String,
    /// Path (no query).
    pub path: String,
    /// Query pairs.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Request body (lossy UTF-8).
    pub body: String,
    /// Reply status.
    pub status: u16,
    /// Reply body (lossy UTF-8).
    pub response: String,
    /// Reply content type.
    pub response_type: String,
}

fn keep(bytes: &[u8]) -> String {
    let end = bytes.len().min(KEEP_BYTES);
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
}

impl HttpSeen {
    /// From a capture entry.
    pub fn from_entry(entry: &har::Entry) -> Self {
        let url = entry.request.url.clone();
        let scheme = url.split("://").next().unwrap_or("").to_string();
        let after = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let path_query = after.find('/').map_or("/", |i| &after[i..]);
        let path = path_query.split('?').next().unwrap_or("/").to_string();
        let body = entry
            .request
            .post_data
            .as_ref()
            .and_then(|p| p.bytes().ok())
            .unwrap_or_default();
        let response = entry.response.content.bytes().unwrap_or_default();
        Self {
            scheme,
            method: entry.request.method.clone(),
            url: entry.request.url.clone(),
            path,
            query: entry
                .request
                .query_string
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
            headers: entry
                .request
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            body: keep(&body),
            status: entry.response.status,
            response: keep(&response),
            response_type: entry.response.content.mime_type.clone(),
        }
    }

    /// The first header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query value of `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One connection to the untrusted port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UntrustedSeen {
    /// The peer address.
    pub peer: String,
    /// Whether the client began a TLS handshake (else it spoke plain text).
    pub tls: bool,
    /// Why the handshake failed (the client's alert, a timeout), if it did.
    pub handshake_error: Option<String>,
    /// The first line of a request the client sent, if it sent one.
    pub request_line: Option<String>,
    /// Request bytes received.
    pub request_bytes: usize,
}

/// What was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "port", rename_all = "kebab-case")]
pub enum Seen {
    /// An exchange on the app's port.
    App(HttpSeen),
    /// A connection to the untrusted port.
    Untrusted(UntrustedSeen),
}

/// One observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// Order of arrival, from 0.
    pub seq: u64,
    /// Milliseconds since the run started.
    pub at_ms: u64,
    /// The step active when it arrived (index into the plan), if any.
    pub step: Option<usize>,
    /// What.
    pub seen: Seen,
}

/// A request to the app's port as the profile reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppCall {
    /// The Site ID lookup.
    SsdLookup {
        /// The Site ID asked for.
        site_id: Option<String>,
    },
    /// A provision request.
    Provision(ProvisionSeen),
    /// A strings request.
    Strings {
        /// `<Id>`.
        device_id: Option<String>,
    },
    /// TokenIndex.
    TokenIndex,
    /// Any other Agent-XML action, or XML that did not parse.
    OtherAgentXml(String),
    /// Anything else.
    Other,
}

impl AppCall {
    /// The codec's call, for judging the reply.
    pub fn call(&self) -> Call {
        match self {
            AppCall::SsdLookup { .. } => Call::SsdLookup,
            AppCall::Provision(_) => Call::Provision,
            AppCall::Strings { .. } => Call::SecurityStrings,
            AppCall::TokenIndex => Call::TokenIndex,
            AppCall::OtherAgentXml(_) => Call::Raw,
            AppCall::Other => Call::Get,
        }
    }

    /// A short name.
    pub fn name(&self) -> String {
        match self {
            AppCall::SsdLookup { .. } => "ssd-lookup".into(),
            AppCall::Provision(_) => "provision".into(),
            AppCall::Strings { .. } => "security-strings".into(),
            AppCall::TokenIndex => "token-index".into(),
            AppCall::OtherAgentXml(action) => format!("agent-xml {action}"),
            AppCall::Other => "other".into(),
        }
    }
}

/// A provision request's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionSeen {
    /// The root element's name.
    pub root: String,
    /// Every child element `(name, text)`, in order.
    pub elements: Vec<(String, String)>,
    /// Whether the body began with an XML prolog.
    pub prolog: bool,
}

impl ProvisionSeen {
    /// The text of the first child `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn children(root: &Element) -> Vec<(String, String)> {
    root.children
        .iter()
        .map(|c| (c.name.clone(), c.text.trim().to_string()))
        .collect()
}

/// Reads a request on the app's port.
pub fn classify(seen: &HttpSeen, profile: &WireProfile) -> AppCall {
    let paths = &profile.paths;
    if seen.method == "GET" && seen.path == profile.ssd.path {
        return AppCall::SsdLookup {
            site_id: seen.query_value(&profile.ssd.id_param).map(str::to_string),
        };
    }
    if seen.method == "GET" && seen.path.ends_with(&paths.token_index) {
        return AppCall::TokenIndex;
    }
    if seen.method != "POST" || !seen.path.ends_with(&paths.agent_xml) {
        return AppCall::Other;
    }
    let Ok(root) = parse_document(seen.body.as_bytes()) else {
        return AppCall::OtherAgentXml("(not XML)".into());
    };
    let el = &profile.elements;
    let action = root
        .single_text(&el.action)
        .ok()
        .flatten()
        .unwrap_or_default();
    let action = action.trim();
    if profile
        .provision_spellings()
        .any(|s| s.eq_ignore_ascii_case(action))
    {
        return AppCall::Provision(ProvisionSeen {
            root: root.name.clone(),
            elements: children(&root),
            prolog: seen.body.trim_start().starts_with("<?xml"),
        });
    }
    if action.eq_ignore_ascii_case(&profile.actions.security_strings) {
        return AppCall::Strings {
            device_id: root
                .single_text(&el.device_id)
                .ok()
                .flatten()
                .map(|s| s.trim().to_string()),
        };
    }
    AppCall::OtherAgentXml(action.to_string())
}

/// The reply as the app reads it.
pub fn reply_of(seen: &HttpSeen, call: Call, profile: &WireProfile) -> (Outcome, Option<Reply>) {
    let received = Received {
        status: Some(seen.status),
        content_type: Some(seen.response_type.clone()).filter(|t| !t.is_empty()),
        body: seen.response.as_bytes().to_vec(),
        bytes_read: seen.response.len(),
        truncated: false,
        transport_error: None,
    };
    judge(call, &received, profile, KEEP_BYTES)
}
