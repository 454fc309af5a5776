//! One request and its reply, as the emulator records it: what was sent, what came
//! back (bodies cut to 8 KiB for transcripts), how long it took, and the judged
//! [`Outcome`] that scenarios compare against.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::app_message;
use super::reply::Reply;

/// The call an exchange made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Call {
    /// Agent-XML `ping`.
    Ping,
    /// Agent-XML `Provision`.
    Provision,
    /// Agent-XML `SecurityStrings`.
    SecurityStrings,
    /// `GET TokenIndex`.
    TokenIndex,
    /// Agent-XML `login` (as an agent, with the secret).
    Login,
    /// `GET /ssd/lookup`.
    SsdLookup,
    /// `POST /reset/provision.jsp`.
    SelfProvision,
    /// `GET /userportal/getQRCode`.
    QrCode,
    /// A raw Agent-XML body (probes).
    Raw,
    /// A plain GET (landing pages).
    Get,
}

impl Call {
    /// A short name for transcripts.
    pub fn name(self) -> &'static str {
        match self {
            Call::Ping => "ping",
            Call::Provision => "provision",
            Call::SecurityStrings => "security-strings",
            Call::TokenIndex => "token-index",
            Call::Login => "login",
            Call::SsdLookup => "ssd-lookup",
            Call::SelfProvision => "self-provision",
            Call::QrCode => "qr-code",
            Call::Raw => "raw",
            Call::Get => "get",
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an exchange ended, judged the way the app would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Outcome {
    /// The expected success reply.
    Pass,
    /// A refusal; the canonical error code, or "" when the reply named none.
    Fail(String),
    /// A non-2xx status without a FAIL reply, or a 2xx that is not the expected kind of
    /// content (e.g. a QR reply that is not `image/png`).
    Http(u16),
    /// A 2xx whose body could not be read as the expected reply (not XML, no `<Result>`,
    /// too large, not an integer, …).
    Malformed(String),
    /// No reply: connection refused or reset, TLS failure, timeout, invalid URL.
    Transport(String),
    /// The client refused to send, as the app would (e.g. no username configured).
    NotSent(String),
}

impl Outcome {
    /// The comparison key scenarios use: `PASS`, `FAIL:<code>` (`FAIL:` when the reply
    /// named no code), `HTTP:<status>`, `MALFORMED`, `TRANSPORT`, `NOT-SENT`.
    pub fn key(&self) -> String {
        match self {
            Outcome::Pass => "PASS".to_string(),
            Outcome::Fail(code) => format!("FAIL:{code}"),
            Outcome::Http(status) => format!("HTTP:{status}"),
            Outcome::Malformed(_) => "MALFORMED".to_string(),
            Outcome::Transport(_) => "TRANSPORT".to_string(),
            Outcome::NotSent(_) => "NOT-SENT".to_string(),
        }
    }

    /// Whether no reply arrived (the runner reruns such cases before calling them
    /// INCONCLUSIVE).
    pub fn is_transport(&self) -> bool {
        matches!(self, Outcome::Transport(_))
    }

    /// Whether this is [`Outcome::Pass`].
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Malformed(why) | Outcome::Transport(why) | Outcome::NotSent(why) => {
                write!(f, "{}: {why}", self.key())
            }
            _ => f.write_str(&self.key()),
        }
    }
}

/// Longest body text an exchange keeps (request and response each).
pub const BODY_KEEP_BYTES: usize = 8 * 1024;

/// One request and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Which call.
    pub call: Call,
    /// HTTP method.
    pub method: String,
    /// Full URL, query included.
    pub url: String,
    /// Request body, lossy UTF-8, cut to [`BODY_KEEP_BYTES`].
    pub request_body: String,
    /// HTTP status, when a reply head arrived.
    pub status: Option<u16>,
    /// Response body, lossy UTF-8, cut to [`BODY_KEEP_BYTES`].
    pub response_body: String,
    /// `Content-Type` of the reply.
    pub content_type: Option<String>,
    /// Bytes of response body read (reading stops past `max_body_bytes`).
    pub response_bytes: usize,
    /// From building the request to judging the reply.
    pub elapsed: Duration,
    /// The judgement.
    pub outcome: Outcome,
    /// The parsed reply, when the body was one.
    pub reply: Option<Reply>,
}

impl Exchange {
    /// What the Swivel app would show after this exchange (protocol.md §8); "" for calls
    /// the app does not make or results it does not show.
    pub fn app_message(&self) -> &'static str {
        app_message::app_message(self.call, &self.outcome)
    }

    /// The device id of a provision reply.
    pub fn device_id(&self) -> Option<&str> {
        self.reply.as_ref()?.device_id.as_deref()
    }

    /// The strings of a strings reply (empty otherwise).
    pub fn strings(&self) -> &[String] {
        self.reply.as_ref().map_or(&[], |r| r.strings.as_slice())
    }

    /// The token index of a TokenIndex reply.
    pub fn token_index(&self) -> Option<u32> {
        self.reply.as_ref()?.token_index
    }
}

/// `bytes` as lossy UTF-8, cut to [`BODY_KEEP_BYTES`] (a character split by the cut
/// shows as U+FFFD).
pub(crate) fn keep_text(bytes: &[u8]) -> String {
    // Binary bodies (a QR image, hostile junk) would put NULs and control bytes into the
    // reports; they are summarised instead of copied.
    let binary = bytes
        .iter()
        .take(BODY_KEEP_BYTES)
        .any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')));
    if binary {
        let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "PNG image"
        } else {
            "binary data"
        };
        return format!("[{kind}, {} bytes, not shown]", bytes.len());
    }
    let end = bytes.len().min(BODY_KEEP_BYTES);
    let mut text = String::from_utf8_lossy(bytes.get(..end).unwrap_or(bytes)).into_owned();
    if bytes.len() > end {
        text.push_str(&format!("\n[… {} more bytes not shown]", bytes.len() - end));
    }
    text
}

#[cfg(test)]
mod keep_text_tests {
    use super::*;

    #[test]
    fn binary_bodies_are_summarised() {
        assert_eq!(
            keep_text(b"\x89PNG\r\n\x1a\n\0\0"),
            "[PNG image, 10 bytes, not shown]"
        );
        assert_eq!(keep_text(b"a\x01b"), "[binary data, 3 bytes, not shown]");
        assert_eq!(keep_text(b"<ok/>\n"), "<ok/>\n");
        let long = vec![b'x'; BODY_KEEP_BYTES + 5];
        assert!(keep_text(&long).ends_with("[… 5 more bytes not shown]"));
    }
}
