//! A small, hostile-input-safe XML reader for replies: turns a body (already capped at
//! `max_body_bytes` by the caller) into the root element with its children and
//! grandchildren, which is all any reply of a profile needs. It runs in one linear pass
//! with quick-xml's pull `Reader` (never serde), refuses DOCTYPEs (so no entity is ever
//! declared or expanded), keeps no more than the input's size in memory, and never
//! panics: every problem becomes a [`MalformedReply`] naming it.

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

/// Why a reply body could not be read as a reply. The text goes into reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedReply(pub String);

impl MalformedReply {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Self(what.into())
    }
}

/// How deep the tree is kept: root (1), its children (2), their children (3), e.g.
/// `SASResponse/Policy/Id`. Deeper elements are still checked for well-formedness but
/// dropped, so nesting cannot make us allocate more than the input.
const KEPT_DEPTH: usize = 3;
/// Parser messages can quote the input; keep them short.
const MAX_MESSAGE_CHARS: usize = 200;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// One element: its name, its attributes (unescaped), its own text (unescaped,
/// untrimmed) and kept children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Direct children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the only direct child named `name`; `Ok(None)` when absent,
    /// an error when it appears twice (two `<Result>`s would make the reply ambiguous).
    pub fn single_text(&self, name: &str) -> Result<Option<String>, MalformedReply> {
        let mut found = self.all(name);
        let first = found.next();
        if found.next().is_some() {
            return Err(MalformedReply(format!(
                "<{}> holds more than one <{}>",
                clip(&self.name),
                clip(name)
            )));
        }
        Ok(first.map(|e| e.text.trim().to_string()))
    }

    /// The only direct child named `name`, with the same repeat rule.
    pub fn single(&self, name: &str) -> Result<Option<&Element>, MalformedReply> {
        let mut found = self.children.iter().filter(|c| c.name == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(MalformedReply(format!(
                "<{}> holds more than one <{}>",
                clip(&self.name),
                clip(name)
            )));
        }
        Ok(first)
    }
}

/// Reads `body` as one XML document and returns its root element.
pub(crate) fn parse_document(body: &[u8]) -> Result<Element, MalformedReply> {
    let body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(MalformedReply::new("reply body is empty")),
        Some(b'<') => {}
        Some(_) => {
            return Err(MalformedReply::new(
                "reply is not XML (it does not start with '<')",
            ));
        }
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        MalformedReply(format!(
            "reply is not valid UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = true;
    config.trim_text(false);

    // Open elements that are kept; `depth` also counts the dropped deeper ones.
    let mut open: Vec<Element> = Vec::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            MalformedReply(format!(
                "reply is not well-formed XML: {}",
                clip(&e.to_string())
            ))
        })?;
        match event {
            Event::DocType(_) => {
                return Err(MalformedReply::new(
                    "reply has a DOCTYPE; DOCTYPEs are refused (no entity is ever expanded)",
                ));
            }
            Event::Start(start) => {
                depth += 1;
                if depth <= KEPT_DEPTH {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    let attributes = read_attributes(&start)?;
                    open.push(Element {
                        name,
                        attributes,
                        ..Element::default()
                    });
                }
            }
            Event::End(_) => {
                if depth <= KEPT_DEPTH {
                    let Some(done) = open.pop() else {
                        return Err(MalformedReply::new("reply has an unmatched end tag"));
                    };
                    match open.last_mut() {
                        Some(parent) => parent.children.push(done),
                        // The root is closed: whatever follows is not ours to judge.
                        None => return Ok(done),
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let content = t.decode().map_err(|e| {
                    MalformedReply(format!(
                        "reply text cannot be decoded: {}",
                        clip(&e.to_string())
                    ))
                })?;
                push_text(&mut open, depth, &content)?;
            }
            Event::CData(c) => {
                let content = c.decode().map_err(|e| {
                    MalformedReply(format!(
                        "reply CDATA cannot be decoded: {}",
                        clip(&e.to_string())
                    ))
                })?;
                push_text(&mut open, depth, &content)?;
            }
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r)?;
                push_text(&mut open, depth, resolved.encode_utf8(&mut [0; 4]))?;
            }
            Event::Eof => {
                return Err(MalformedReply::new(if depth == 0 {
                    "reply has no root element"
                } else {
                    "reply ends before its root element is closed (truncated?)"
                }));
            }
            // Declarations, comments and processing instructions carry no reply data.
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::Empty(_) => {}
        }
    }
}

/// The attributes of a kept element, unescaped; a malformed attribute or an undefined
/// entity in a value is a [`MalformedReply`].
fn read_attributes(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, MalformedReply> {
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            MalformedReply(format!(
                "reply has a malformed attribute: {}",
                clip(&e.to_string())
            ))
        })?;
        let name = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute.unescape_value().map_err(|e| {
            MalformedReply(format!(
                "reply attribute {} cannot be read: {}",
                clip(&name),
                clip(&e.to_string())
            ))
        })?;
        attributes.push((name, value.into_owned()));
    }
    Ok(attributes)
}

/// Appends text to the innermost kept element, if the text is directly inside it.
fn push_text(open: &mut [Element], depth: usize, content: &str) -> Result<(), MalformedReply> {
    if depth == 0 {
        if content.trim().is_empty() {
            return Ok(());
        }
        return Err(MalformedReply::new(
            "reply has text outside its root element",
        ));
    }
    if depth == open.len()
        && let Some(current) = open.last_mut()
    {
        current.text.push_str(content);
    }
    Ok(())
}

/// `&lt;`-style predefined entities and `&#NN;` character references; anything else
/// would need a DOCTYPE, which is refused.
fn resolve_reference(r: &BytesRef<'_>) -> Result<char, MalformedReply> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(MalformedReply::new(
                "reply has a character reference to no valid character",
            )),
        };
    }
    let name = r
        .decode()
        .map_err(|e| MalformedReply(format!("reply has an undecodable reference: {e}")))?;
    quick_xml::escape::resolve_predefined_entity(&name)
        .and_then(|s| s.chars().next())
        .ok_or_else(|| MalformedReply(format!("reply uses undefined entity &{};", clip(&name))))
}

/// Text quoted from a peer, cut to a readable length.
pub(crate) fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    out.push('…');
    out
}
