//! HTTP Archive (HAR 1.2, <http://www.softwareishard.com/blog/har-12-spec/>) as serde
//! types: what `serve --capture` writes and what `swivel-harness profile` reads from
//! browsers, mitmproxy, Charles or Proxyman. Reading is lenient: every field but `log`,
//! `request` and `response` may be missing, and fields other tools add (`_initiator`,
//! `_resourceType`, …) are ignored, so they are dropped when a file is written back
//! (`profile redact`), which suits a copy meant for sharing. Bodies are text, or base64
//! when `encoding` says so ([`Content::bytes`], [`PostData::bytes`]).
//!
//! - [`redact`]: masks secrets in entries, keeping their shape.

pub mod redact;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A whole HAR file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Har {
    /// The one top-level object.
    pub log: Log,
}

/// The `log` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// Format version, `1.2`.
    #[serde(default = "har_version", deserialize_with = "lenient")]
    pub version: String,
    /// The program that wrote the file.
    #[serde(default, deserialize_with = "lenient")]
    pub creator: Creator,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The exchanges, in the order written.
    #[serde(default, deserialize_with = "lenient")]
    pub entries: Vec<Entry>,
}

fn har_version() -> String {
    "1.2".to_string()
}

/// `null` reads as the default: tools write `null` for what they do not know
/// (mitmproxy's `connect` and `ssl` timings, a missing body text).
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A size, `null` read as unknown (-1).
fn lenient_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.unwrap_or(-1))
}

/// A timing, `null` read as not applicable (-1).
fn lenient_timing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(-1.0))
}

/// The program that wrote a HAR file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: String,
    /// Its version.
    #[serde(default, deserialize_with = "lenient")]
    pub version: String,
}

/// One request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// When the request started (ISO 8601).
    #[serde(default, deserialize_with = "lenient")]
    pub started_date_time: String,
    /// Total time in milliseconds.
    #[serde(default, deserialize_with = "lenient")]
    pub time: f64,
    /// The request.
    #[serde(default, deserialize_with = "lenient")]
    pub request: Request,
    /// The response.
    #[serde(default, deserialize_with = "lenient")]
    pub response: Response,
    /// Cache information (always empty here).
    #[serde(default, deserialize_with = "lenient")]
    pub cache: Cache,
    /// Timings in milliseconds.
    #[serde(default, deserialize_with = "lenient")]
    pub timings: Timings,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The reference server's node that answered (written by `serve --capture` only).
    #[serde(default, rename = "_node", skip_serializing_if = "Option::is_none")]
    pub node: Option<u16>,
}

/// The request of an entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// `GET`, `POST`, …
    #[serde(default, deserialize_with = "lenient")]
    pub method: String,
    /// The absolute URL, query included.
    #[serde(default, deserialize_with = "lenient")]
    pub url: String,
    /// `HTTP/1.1`, …
    #[serde(default, deserialize_with = "lenient")]
    pub http_version: String,
    /// Cookies.
    #[serde(default, deserialize_with = "lenient")]
    pub cookies: Vec<Cookie>,
    /// Headers, in order.
    #[serde(default, deserialize_with = "lenient")]
    pub headers: Vec<NameValue>,
    /// The query, decoded.
    #[serde(default, deserialize_with = "lenient")]
    pub query_string: Vec<NameValue>,
    /// The body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
    /// Bytes of the head, -1 when unknown.
    #[serde(default = "unknown_size", deserialize_with = "lenient_size")]
    pub headers_size: i64,
    /// Bytes of the body, -1 when unknown.
    #[serde(default = "unknown_size", deserialize_with = "lenient_size")]
    pub body_size: i64,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn unknown_size() -> i64 {
    -1
}

/// The response of an entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// HTTP status (0 when the request got no response).
    #[serde(default, deserialize_with = "lenient")]
    pub status: u16,
    /// Reason phrase.
    #[serde(default, deserialize_with = "lenient")]
    pub status_text: String,
    /// `HTTP/1.1`, …
    #[serde(default, deserialize_with = "lenient")]
    pub http_version: String,
    /// Cookies set.
    #[serde(default, deserialize_with = "lenient")]
    pub cookies: Vec<Cookie>,
    /// Headers, in order.
    #[serde(default, deserialize_with = "lenient")]
    pub headers: Vec<NameValue>,
    /// The body.
    #[serde(default, deserialize_with = "lenient")]
    pub content: Content,
    /// The `Location` of a redirect, else empty.
    #[serde(default, rename = "redirectURL", deserialize_with = "lenient")]
    pub redirect_url: String,
    /// Bytes of the head, -1 when unknown.
    #[serde(default = "unknown_size", deserialize_with = "lenient_size")]
    pub headers_size: i64,
    /// Bytes of the body, -1 when unknown.
    #[serde(default = "unknown_size", deserialize_with = "lenient_size")]
    pub body_size: i64,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A header or query parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameValue {
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: String,
    /// Its value.
    #[serde(default, deserialize_with = "lenient")]
    pub value: String,
}

impl NameValue {
    /// A pair.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A cookie (only name and value are kept).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: String,
    /// Its value.
    #[serde(default, deserialize_with = "lenient")]
    pub value: String,
}

/// A request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    /// Its `Content-Type`.
    #[serde(default, deserialize_with = "lenient")]
    pub mime_type: String,
    /// Form fields, for urlencoded bodies.
    #[serde(default, deserialize_with = "lenient")]
    pub params: Vec<NameValue>,
    /// The body as text (base64 when `encoding` is `base64`, which HAR 1.2 defines only
    /// for responses; some tools write it for requests too).
    #[serde(default, deserialize_with = "lenient")]
    pub text: String,
    /// `base64`, or absent for plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Free text (e.g. that the body was cut at the recording limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// Bytes of the body as sent.
    #[serde(default, deserialize_with = "lenient")]
    pub size: i64,
    /// Its `Content-Type`.
    #[serde(default, deserialize_with = "lenient")]
    pub mime_type: String,
    /// The body as text (base64 when `encoding` is `base64`); absent when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `base64`, or absent for plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Free text (e.g. that the body was cut at the recording limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The `cache` object (empty: nothing is cached).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {}

/// Timings in milliseconds; -1 when not applicable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Waiting for a connection.
    #[serde(default = "not_applicable", deserialize_with = "lenient_timing")]
    pub blocked: f64,
    /// DNS resolution.
    #[serde(default = "not_applicable", deserialize_with = "lenient_timing")]
    pub dns: f64,
    /// Connecting.
    #[serde(default = "not_applicable", deserialize_with = "lenient_timing")]
    pub connect: f64,
    /// Sending the request.
    #[serde(default, deserialize_with = "lenient")]
    pub send: f64,
    /// Waiting for the response head.
    #[serde(default, deserialize_with = "lenient")]
    pub wait: f64,
    /// Receiving the response body.
    #[serde(default, deserialize_with = "lenient")]
    pub receive: f64,
    /// TLS handshake.
    #[serde(default = "not_applicable", deserialize_with = "lenient_timing")]
    pub ssl: f64,
}

fn not_applicable() -> f64 {
    -1.0
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            blocked: -1.0,
            dns: -1.0,
            connect: -1.0,
            send: 0.0,
            wait: 0.0,
            receive: 0.0,
            ssl: -1.0,
        }
    }
}

/// A body whose `encoding` says base64 but whose text is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a body marked base64 is not valid base64")]
pub struct BadBase64;

fn decode(text: &str, encoding: Option<&str>) -> Result<Vec<u8>, BadBase64> {
    match encoding {
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| BadBase64)
        }
        _ => Ok(text.as_bytes().to_vec()),
    }
}

/// `(text, encoding)` for a body: UTF-8 as it is, anything else as base64.
pub fn encode_body(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            Some("base64".to_string()),
        ),
    }
}

impl Content {
    /// The body's bytes (empty when not recorded).
    pub fn bytes(&self) -> Result<Vec<u8>, BadBase64> {
        match &self.text {
            Some(text) => decode(text, self.encoding.as_deref()),
            None => Ok(Vec::new()),
        }
    }
}

impl PostData {
    /// The body's bytes: the text, or the form fields urlencoded when only those were
    /// recorded.
    pub fn bytes(&self) -> Result<Vec<u8>, BadBase64> {
        if self.text.is_empty() && !self.params.is_empty() {
            let pairs: Vec<(&str, &str)> = self
                .params
                .iter()
                .map(|p| (p.name.as_str(), p.value.as_str()))
                .collect();
            return Ok(serde_urlencoded::to_string(pairs)
                .unwrap_or_default()
                .into_bytes());
        }
        decode(&self.text, self.encoding.as_deref())
    }
}

/// The value of header `name` (any letter case), the first if repeated.
pub fn header<'h>(headers: &'h [NameValue], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_of_another_tool_reads_with_defaults() {
        let text = r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://h/x","_extra":1},
            "response":{"status":200,"content":{"mimeType":"text/plain","text":"aGk=","encoding":"base64"}}}]}}"#;
        let har: Har = serde_json::from_str(text).unwrap();
        assert_eq!(har.log.version, "1.2");
        let entry = &har.log.entries[0];
        assert_eq!(entry.request.headers_size, -1);
        assert_eq!(entry.response.content.bytes().unwrap(), b"hi");
        assert_eq!(entry.timings, Timings::default());
    }

    #[test]
    fn nulls_where_tools_write_them_read_as_unknown() {
        // As mitmproxy's hardump writes an entry: null timings, a null body text.
        let text = r#"{"log":{"entries":[{"startedDateTime":"2026-01-01T00:00:00+00:00","time":1.5,
            "request":{"method":"POST","url":"http://h/x","headers":null,"cookies":[],
              "queryString":[],"headersSize":10,"bodySize":0,
              "postData":{"mimeType":"","text":null,"params":[]}},
            "response":{"status":0,"statusText":"","httpVersion":"","headers":[],"cookies":[],
              "content":{},"redirectURL":null,"headersSize":-1,"bodySize":null,"_error":null},
            "cache":{},"timings":{"connect":null,"ssl":null,"send":0,"receive":0,"wait":0}}]}}"#;
        let har: Har = serde_json::from_str(text).unwrap();
        let entry = &har.log.entries[0];
        assert_eq!(entry.timings.connect, -1.0);
        assert_eq!(entry.response.body_size, -1);
        assert_eq!(entry.request.post_data.as_ref().unwrap().text, "");
        assert!(entry.request.headers.is_empty());
    }

    #[test]
    fn bodies_round_trip_as_text_or_base64() {
        let (text, encoding) = encode_body(b"<x/>");
        assert_eq!((text.as_str(), encoding), ("<x/>", None));
        let png = [0x89, b'P', b'N', b'G', 0xff];
        let (text, encoding) = encode_body(&png);
        let content = Content {
            text: Some(text),
            encoding,
            ..Content::default()
        };
        assert_eq!(content.bytes().unwrap(), png);
        let bad = Content {
            text: Some("@@@".into()),
            encoding: Some("base64".into()),
            ..Content::default()
        };
        assert_eq!(bad.bytes(), Err(BadBase64));
    }

    #[test]
    fn form_params_stand_in_for_a_missing_text() {
        let post = PostData {
            params: vec![NameValue::new("username", "a b")],
            ..PostData::default()
        };
        assert_eq!(post.bytes().unwrap(), b"username=a+b");
    }
}
