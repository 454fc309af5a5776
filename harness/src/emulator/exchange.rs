//! One request and its reply, as the emulator records it: what was sent, what came
//! back (bodies cut to 8 KiB for transcripts), how long it took, and the judged
//! [`Outcome`] that scenarios compare against.

use std::time::Duration;

use super::app_message;
use crate::codec::Reply;
pub use crate::codec::{Call, Outcome};

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

    /// The `<SecurityStrings>` text of a strings reply.
    pub fn strings_text(&self) -> Option<&str> {
        self.reply.as_ref()?.strings_text.as_deref()
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
