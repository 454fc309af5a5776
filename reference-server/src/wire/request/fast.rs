//! The request parser's fast path, for the shape every app and the harness send: the
//! expected root holding simple children, `<Name>text</Name>` or `<Name/>`, with plain
//! ASCII names and text and nothing else (no attributes, references, comments, CDATA,
//! DOCTYPE or processing instruction; at most the one usual XML declaration in front).
//!
//! It reads such a body in one pass with no event machinery, and answers `None` for
//! anything else, however harmless: then the full parser ([`super::parse_request`])
//! reads the body and gives the answer, including every refusal. So the fast path only
//! ever accepts what the full parser accepts, with the same fields (the tests check this
//! on generated bodies), and all the hostile-input guarantees stay with the full parser.

use super::RequestLimits;
use super::fields::{Builder, SasRequest};

/// The one declaration the fast path accepts in front of the root (what the
/// `agentxml-3.6` wire sends); any other goes to the full parser.
const DECLARATION: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// `body` parsed, if it has the simple shape described above; `None` otherwise.
pub(super) fn parse(body: &[u8], limits: &RequestLimits, root: &str) -> Option<SasRequest> {
    let root = root.as_bytes();
    if !is_name(root) {
        return None;
    }
    let rest = body.strip_prefix(DECLARATION).unwrap_or(body);
    let mut rest = rest
        .strip_prefix(b"<")?
        .strip_prefix(root)?
        .strip_prefix(b">")?;
    let mut fields = Builder::with_capacity(body.len());
    loop {
        rest = skip_whitespace(rest);
        if let Some(end) = rest.strip_prefix(b"</") {
            let after = end.strip_prefix(root)?.strip_prefix(b">")?;
            return skip_whitespace(after).is_empty().then(|| fields.finish());
        }
        rest = rest.strip_prefix(b"<")?;
        let name_len = rest.iter().take_while(|&&b| is_name_byte(b)).count();
        let (name, after) = rest.split_at(name_len);
        if !is_name(name) {
            return None;
        }
        let name_text = std::str::from_utf8(name).ok()?;
        if fields.has(name_text) || fields.len() >= limits.max_elements {
            return None;
        }
        if let Some(after) = after.strip_prefix(b"/>") {
            let name = fields.push_name(name_text);
            let at = fields.text_len();
            fields.push_field(name, at..at);
            rest = after;
            continue;
        }
        let after = after.strip_prefix(b">")?;
        let text_len = after.iter().position(|&b| b == b'<')?;
        let (text, after) = after.split_at(text_len);
        if !text.iter().all(|&b| is_text_byte(b)) {
            return None;
        }
        rest = after
            .strip_prefix(b"</")?
            .strip_prefix(name)?
            .strip_prefix(b">")?;
        let value = std::str::from_utf8(text)
            .ok()?
            .trim_matches(super::is_xml_whitespace_char);
        if value.len() > limits.max_value_bytes {
            return None;
        }
        let name = fields.push_name(name_text);
        let start = fields.text_len();
        fields.push_text(value);
        fields.push_field(name, start..fields.text_len());
    }
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .take_while(|&&b| super::is_xml_whitespace(b))
        .count();
    bytes.get(n..).unwrap_or_default()
}

/// ASCII letters, digits, `_`, `.` and `-`.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// A name the fast path takes: name bytes, not starting with a digit, `.` or `-`.
fn is_name(name: &[u8]) -> bool {
    match name.first() {
        Some(&first) => {
            (first.is_ascii_alphabetic() || first == b'_') && name.iter().all(|&b| is_name_byte(b))
        }
        None => false,
    }
}

/// Printable ASCII other than markup (`<`, `>`, `&`), and tab and newline: text the full
/// parser passes through unchanged (no reference, no line-end normalisation).
fn is_text_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x20..=0x7e) && !matches!(b, b'<' | b'>' | b'&')
}

#[cfg(test)]
mod tests;
