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
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// `body` parsed, if it has the simple shape described above; `None` otherwise.
pub(super) fn parse(body: &[u8], limits: &RequestLimits, root: &str) -> Option<SasRequest> {
    if !is_name(root.as_bytes()) {
        return None;
    }
    // One check of the whole body; every slice taken below starts and ends at ASCII.
    let body = std::str::from_utf8(body).ok()?;
    let rest = body.strip_prefix(DECLARATION).unwrap_or(body);
    let mut rest = rest
        .strip_prefix('<')?
        .strip_prefix(root)?
        .strip_prefix('>')?;
    let mut fields = Builder::with_capacity(body.len());
    loop {
        rest = skip(rest, WHITESPACE);
        if let Some(end) = rest.strip_prefix("</") {
            let after = end.strip_prefix(root)?.strip_prefix('>')?;
            return skip(after, WHITESPACE).is_empty().then(|| fields.finish());
        }
        rest = rest.strip_prefix('<')?;
        let name_len = span(rest, NAME);
        let (name, after) = rest.split_at_checked(name_len)?;
        if !is_name(name.as_bytes()) || fields.has(name) || fields.len() >= limits.max_elements {
            return None;
        }
        if let Some(after) = after.strip_prefix("/>") {
            let name = fields.push_name(name);
            let at = fields.text_len();
            fields.push_field(name, at..at);
            rest = after;
            continue;
        }
        let after = after.strip_prefix('>')?;
        let text_len = span(after, TEXT);
        let (text, after) = after.split_at_checked(text_len)?;
        rest = after
            .strip_prefix("</")?
            .strip_prefix(name)?
            .strip_prefix('>')?;
        let value = text.trim_matches(super::is_xml_whitespace_char);
        if value.len() > limits.max_value_bytes {
            return None;
        }
        let name = fields.push_name(name);
        let start = fields.text_len();
        fields.push_text(value);
        fields.push_field(name, start..fields.text_len());
    }
}

/// Byte classes: ASCII letters, digits, `_`, `.` and `-` make names.
const NAME: u8 = 1;
/// Printable ASCII other than markup (`<`, `>`, `&`), and tab and newline: text the full
/// parser passes through unchanged (no reference, no line-end normalisation).
const TEXT: u8 = 2;
/// XML whitespace.
const WHITESPACE: u8 = 4;

static CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-') {
            classes[b] |= NAME;
        }
        if matches!(byte, b'\t' | b'\n' | 0x20..=0x7e) && !matches!(byte, b'<' | b'>' | b'&') {
            classes[b] |= TEXT;
        }
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            classes[b] |= WHITESPACE;
        }
        b += 1;
    }
    classes
}

/// How many leading bytes of `text` are of `class`.
fn span(text: &str, class: u8) -> usize {
    text.bytes()
        .take_while(|&b| CLASSES[usize::from(b)] & class != 0)
        .count()
}

/// `text` without its leading bytes of `class` (ASCII, so a char boundary).
fn skip(text: &str, class: u8) -> &str {
    text.get(span(text, class)..).unwrap_or_default()
}

/// A name the fast path takes: name bytes, not starting with a digit, `.` or `-`.
fn is_name(name: &[u8]) -> bool {
    match name.first() {
        Some(&first) => {
            (first.is_ascii_alphabetic() || first == b'_')
                && name.iter().all(|&b| CLASSES[usize::from(b)] & NAME != 0)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
