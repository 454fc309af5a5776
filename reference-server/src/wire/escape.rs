//! Escaping for the reply writers: element text (`<`, `>`, `&`) and attribute values
//! (also `"`), with characters XML 1.0 cannot carry even escaped (control characters,
//! U+FFFE, U+FFFF) replaced by U+FFFD so a reply echoing client text stays well-formed.
//! Text that needs nothing (the security strings, codes, ids) is copied as is.

/// Appends `text` escaped for element content.
pub(crate) fn push_text(out: &mut String, text: &str) {
    push_escaped(out, text, false);
}

/// Appends `text` escaped for a double-quoted attribute value.
pub(crate) fn push_attribute(out: &mut String, text: &str) {
    push_escaped(out, text, true);
}

/// `text` escaped for a double-quoted attribute value.
pub(crate) fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_attribute(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str, attribute: bool) {
    if is_plain(text.as_bytes(), attribute) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attribute => out.push_str("&quot;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// Whether `text` needs no escaping: printable ASCII without markup characters. Checked
/// in chunks without an early exit inside one, which the compiler turns into vector
/// code: a 1.2 KB strings reply is checked in a few hundred instructions.
fn is_plain(text: &[u8], attribute: bool) -> bool {
    // '<' is refused anyway; as the "quote" of element text it adds nothing.
    let quote = if attribute { b'"' } else { b'<' };
    text.chunks(64).all(|chunk| {
        let bad = chunk.iter().fold(false, |bad, &b| {
            bad | !(0x20..0x7f).contains(&b)
                | (b == b'<')
                | (b == b'>')
                | (b == b'&')
                | (b == quote)
        });
        !bad
    })
}

/// The XML 1.0 `Char` production.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_but_not_quotes() {
        let mut out = String::new();
        push_text(&mut out, r#"a<b>&"c'"#);
        assert_eq!(out, r#"a&lt;b&gt;&amp;"c'"#);
    }

    #[test]
    fn attribute_escapes_double_quotes_too() {
        assert_eq!(attribute(r#"x"<&>'"#), "x&quot;&lt;&amp;&gt;'");
        assert_eq!(attribute("plain"), "plain");
    }

    #[test]
    fn plain_text_is_copied_and_every_special_byte_is_seen() {
        let long = "0123456789".repeat(30);
        let mut out = String::new();
        push_text(&mut out, &long);
        assert_eq!(out, long);
        for special in ["<", ">", "&", "\u{7f}", "\n", "é"] {
            // At every position of a chunk, including the last byte of the text.
            for at in [0, 63, 64, 150, long.len()] {
                let mut text = long.clone();
                text.insert_str(at, special);
                assert!(!is_plain(text.as_bytes(), false), "{special:?} at {at}");
            }
        }
        assert!(is_plain(b"a\"b", false));
        assert!(!is_plain(b"a\"b", true));
    }

    #[test]
    fn characters_illegal_in_xml_become_replacement_characters() {
        let mut out = String::new();
        push_text(&mut out, "a\u{0}b\u{1b}c\u{FFFE}\td");
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}c\u{FFFD}\td");
    }
}
