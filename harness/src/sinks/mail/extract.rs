//! What a provision message carries, read with the wire profile's `[mail]` patterns: the
//! message is parsed as MIME (`mail-parser`: plain and HTML parts, quoted-printable and
//! base64 decoded), its text parts and HTML parts (with `&amp;` unescaped, so links
//! read as sent) are searched in that order, and the first match of each pattern wins.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use regex::Regex;

use crate::profile::MailSection;
use crate::sinks::SinkError;

/// The `[mail]` patterns, compiled.
#[derive(Debug, Clone)]
pub struct MailPatterns {
    code: Regex,
    provision_url: Regex,
    code_in_url: Regex,
    qr_payload: Regex,
}

/// What one message yielded.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// `Subject:`, if any.
    pub subject: Option<String>,
    /// The searched text: text parts, then HTML parts, capped.
    pub text: String,
    /// The provision code: the bare code, else the code inside the URL.
    pub code: Option<String>,
    /// The Provision URL or complete URL.
    pub provision_url: Option<String>,
    /// The QR link's `text=` payload, percent-decoded.
    pub qr_payload: Option<String>,
    /// Whether `mail-parser` could read the message at all.
    pub parsed: bool,
}

/// Text kept per message: enough for any provision message, bounded for a hostile one.
pub const MAX_TEXT: usize = 64 << 10;

impl MailPatterns {
    /// Compiles a profile's `[mail]` section.
    pub fn new(section: &MailSection) -> Result<MailPatterns, SinkError> {
        let compile = |field: &'static str, pattern: &str| {
            Regex::new(pattern).map_err(|e| SinkError::Pattern {
                field,
                message: e.to_string(),
            })
        };
        Ok(MailPatterns {
            code: compile("code", &section.code)?,
            provision_url: compile("provision_url", &section.provision_url)?,
            code_in_url: compile("code_in_url", &section.code_in_url)?,
            qr_payload: compile("qr_payload", &section.qr_payload)?,
        })
    }

    /// Parses a received message (after dot-unstuffing) and extracts what it carries.
    pub fn extract(&self, raw: &[u8]) -> Extracted {
        let Some(message) = mail_parser::MessageParser::default().parse(raw) else {
            let text = cap(String::from_utf8_lossy(raw));
            return self.search(None, text, false);
        };
        let mut text = String::new();
        for i in 0..message.text_body_count() {
            if let Some(part) = message.body_text(i) {
                push_capped(&mut text, &part);
            }
        }
        for i in 0..message.html_body_count() {
            if let Some(part) = message.body_html(i) {
                push_capped(&mut text, &part.replace("&amp;", "&"));
            }
        }
        self.search(message.subject().map(str::to_string), text, true)
    }

    fn search(&self, subject: Option<String>, text: String, parsed: bool) -> Extracted {
        let provision_url = first(&self.provision_url, &text);
        let code = first(&self.code, &text).or_else(|| {
            provision_url
                .as_deref()
                .and_then(|url| first(&self.code_in_url, url))
        });
        let qr_payload = first(&self.qr_payload, &text)
            .map(|p| percent_decode_str(&p).decode_utf8_lossy().into_owned());
        Extracted {
            subject,
            text,
            code,
            provision_url,
            qr_payload,
            parsed,
        }
    }
}

/// The first capture group of the first match, or the whole match without groups.
fn first(pattern: &Regex, text: &str) -> Option<String> {
    let caps = pattern.captures(text)?;
    let value = caps.get(1).or_else(|| caps.get(0))?.as_str();
    (!value.is_empty()).then(|| value.to_string())
}

fn push_capped(text: &mut String, part: &str) {
    if text.len() >= MAX_TEXT {
        return;
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let room = MAX_TEXT.saturating_sub(text.len());
    text.push_str(truncate(part, room));
}

fn cap(text: Cow<'_, str>) -> String {
    truncate(&text, MAX_TEXT).to_string()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl std::fmt::Debug for Extracted {
    /// Codes and URLs are secrets: only whether each was found is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extracted")
            .field("subject", &self.subject)
            .field("text_bytes", &self.text.len())
            .field("code", &self.code.as_ref().map(|_| "[code]"))
            .field(
                "provision_url",
                &self.provision_url.as_ref().map(|_| "[provision-url]"),
            )
            .field(
                "qr_payload",
                &self.qr_payload.as_ref().map(|_| "[provision-url]"),
            )
            .field("parsed", &self.parsed)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> MailPatterns {
        MailPatterns::new(&MailSection::default()).unwrap()
    }

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("From: s@x\r\nTo: a@x\r\nSubject: Provision\r\n{headers}\r\n{body}").into_bytes()
    }

    #[test]
    fn bare_code_url_and_complete_url() {
        let p = patterns();
        let e = p.extract(&mail(
            "",
            "Your Swivel mobile provision code is: K7Q2M9X4PA\r\n",
        ));
        assert_eq!(e.code.as_deref(), Some("K7Q2M9X4PA"));
        assert_eq!(e.provision_url, None);
        assert_eq!(e.subject.as_deref(), Some("Provision"));
        let url = "swivelsecure://provision/?server=localhost&port=8080&context=pinsafe&ssl=0&username=alice&code=ABC123DEF4";
        let e = p.extract(&mail(
            "",
            &format!("Provision your Swivel mobile app by opening: {url}\r\n"),
        ));
        assert_eq!(e.provision_url.as_deref(), Some(url));
        assert_eq!(e.code.as_deref(), Some("ABC123DEF4"));
        let url = "http://smc.swivelsecure.com/smc/complete/SITE1/alice/9876543210";
        let e = p.extract(&mail(
            "",
            &format!("Provision your Swivel mobile app by opening: {url}\r\n"),
        ));
        assert_eq!(e.provision_url.as_deref(), Some(url));
        assert_eq!(e.code.as_deref(), Some("9876543210"));
    }

    #[test]
    fn quoted_printable_html_with_a_qr_link() {
        let html = "<p>Scan:</p><img src=3D\"https://h/pinsafe/userportal/getQRCode?size=3D4&amp;=\r\ntext=3Dhttp%3A%2F%2Fsmc%2Fcomplete%2FS%2Falice%2FC0DE123456\">";
        let raw = mail(
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            html,
        );
        let e = patterns().extract(&raw);
        assert_eq!(
            e.qr_payload.as_deref(),
            Some("http://smc/complete/S/alice/C0DE123456")
        );
        assert!(format!("{e:?}").contains("[provision-url]"));
        assert!(!format!("{e:?}").contains("C0DE123456"));
    }

    #[test]
    fn nothing_found_is_not_an_error() {
        let e = patterns().extract(&mail("", "Hello, no code here.\r\n"));
        assert_eq!((e.code, e.provision_url, e.qr_payload), (None, None, None));
        assert!(e.parsed);
        let e = patterns().extract(b"");
        assert_eq!(e.code, None);
    }
}
