//! The optional `[mail]` section of a wire profile: how a harness reading a real server's
//! e-mail (protocol.md §12) finds the provision code, the Provision URL (URL-1 or the
//! complete URL of URL-2) and the QR link's `text=` payload (QR-1) in a message body.
//! Each part is a regular expression (Rust `regex` syntax); the first capture group is
//! the value, or the whole match when the pattern has no group. A server's message
//! template is set by its administrator, so every default here is ASSUMED: it matches
//! what the reference server sends. A profile without `[mail]` uses [`MailSection::default`].

use serde::{Deserialize, Serialize};

/// Extraction patterns for provision messages received by e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSection {
    /// The bare provision code in the body (`Your Swivel mobile provision code is: C`).
    pub code: String,
    /// A Provision URL (`swivelsecure://provision/?…`) or complete URL (`…/complete/…`).
    pub provision_url: String,
    /// Where the code sits inside a Provision URL or complete URL, for a message that
    /// carries a URL and no bare code.
    pub code_in_url: String,
    /// The `text=` payload of a QR link (`…/userportal/getQRCode?text=…`), percent-decoded
    /// after matching.
    pub qr_payload: String,
}

impl Default for MailSection {
    /// What the reference server sends (its outbox texts and `domain/site.rs` URLs).
    fn default() -> Self {
        Self {
            code: r"(?i)provision code is:?\s*([A-Za-z0-9]{4,64})".to_string(),
            provision_url:
                r#"(swivelsecure://provision/\?[^\s"'<>]+|https?://[^\s"'<>]*/complete/[^\s"'<>]+)"#
                    .to_string(),
            code_in_url: r"(?:[?&]code=|/complete/[^/\s]+/[^/\s]+/)([A-Za-z0-9]{4,64})".to_string(),
            qr_payload: r#"/userportal/getQRCode\?(?:[^\s"'<>]*?&)?text=([^&\s"'<>]+)"#.to_string(),
        }
    }
}

impl MailSection {
    /// `(field, pattern)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("code", self.code.clone()),
            ("provision_url", self.provision_url.clone()),
            ("code_in_url", self.code_in_url.clone()),
            ("qr_payload", self.qr_payload.clone()),
        ]
    }

    /// The first part whose pattern does not compile, as `(field, problem)`.
    pub fn check(&self) -> Result<(), (String, String)> {
        for (field, pattern) in self.entries() {
            if let Err(e) = regex::Regex::new(&pattern) {
                let first_line = e.to_string().lines().last().unwrap_or_default().to_string();
                return Err((
                    format!("mail.{field}"),
                    format!("is not a valid regular expression: {first_line}"),
                ));
            }
        }
        Ok(())
    }
}
