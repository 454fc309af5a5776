//! XML writing helpers for the JUnit report: elements, attributes and text written with
//! quick-xml's `Writer` and escaping functions, after characters XML 1.0 cannot carry at
//! all are replaced. Nothing here concatenates unescaped text.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::escape::{escape, partial_escape};
use quick_xml::events::{BytesText, Event};

/// The writer the JUnit renderer uses.
pub(crate) type W = Writer<Vec<u8>>;

/// `s` with every character XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF) replaced
/// by U+FFFD.
pub(crate) fn xml_safe(s: &str) -> Cow<'_, str> {
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if s.chars().any(bad) {
        Cow::Owned(
            s.chars()
                .map(|c| if bad(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// An attribute value, escaped, with line breaks and tabs as character references so
/// parsers do not normalize them to spaces.
pub(crate) fn attr_value(s: &str) -> String {
    escape(xml_safe(s))
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

/// Escaped text content (`&`, `<`, `>`; quotes need no escaping in text).
pub(crate) fn text_event(s: &str) -> Event<'static> {
    Event::Text(BytesText::from_escaped(
        partial_escape(xml_safe(s)).into_owned(),
    ))
}

/// Opens `name` with `attrs` (values escaped here), runs `inner`, closes it.
pub(crate) fn element(
    w: &mut W,
    name: &str,
    attrs: &[(&str, String)],
    inner: impl FnOnce(&mut W) -> io::Result<()>,
) -> io::Result<()> {
    let values: Vec<(&str, String)> = attrs.iter().map(|(k, v)| (*k, attr_value(v))).collect();
    w.create_element(name)
        .with_attributes(values.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
        .write_inner_content(inner)?;
    Ok(())
}

/// An empty element.
pub(crate) fn empty(w: &mut W, name: &str, attrs: &[(&str, String)]) -> io::Result<()> {
    let values: Vec<(&str, String)> = attrs.iter().map(|(k, v)| (*k, attr_value(v))).collect();
    w.create_element(name)
        .with_attributes(values.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
        .write_empty()?;
    Ok(())
}

/// An element holding only text.
pub(crate) fn text_element(
    w: &mut W,
    name: &str,
    attrs: &[(&str, String)],
    body: &str,
) -> io::Result<()> {
    let values: Vec<(&str, String)> = attrs.iter().map(|(k, v)| (*k, attr_value(v))).collect();
    let escaped = partial_escape(xml_safe(body)).into_owned();
    w.create_element(name)
        .with_attributes(values.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
        .write_text_content(BytesText::from_escaped(escaped))?;
    Ok(())
}

pub(crate) fn properties(w: &mut W, props: &[(&str, String)]) -> io::Result<()> {
    element(w, "properties", &[], |w| {
        for (name, value) in props {
            empty(
                w,
                "property",
                &[("name", (*name).to_string()), ("value", value.clone())],
            )?;
        }
        Ok(())
    })
}
