//! A bounded XML element tree for requests with nested elements and attributes (Admin
//! XML), refusing hostile input like the flat Agent-XML parser does: no DOCTYPE (so no
//! entity is ever declared or expanded), no processing instruction, only the five
//! predefined entities and character references, bounded depth, element count,
//! attributes per element and attribute length, one root, nothing but whitespace and
//! comments after it. Text between elements is checked and dropped: the shapes read
//! here carry their values in attributes. Runs in one linear pass over at most
//! `max_body_bytes` of input.

use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::XmlError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Names and quoted input in error messages are clipped to this many characters.
const MAX_QUOTED: usize = 64;

/// Limits of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeLimits {
    /// Largest body, in bytes.
    pub max_body_bytes: usize,
    /// Deepest nesting, the root at depth 1.
    pub max_depth: usize,
    /// Most elements in all.
    pub max_elements: usize,
    /// Most attributes of one element.
    pub max_attributes: usize,
    /// Longest attribute value, in bytes after unescaping.
    pub max_value_bytes: usize,
}

impl Default for TreeLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            max_depth: 8,
            max_elements: 4096,
            max_attributes: 16,
            max_value_bytes: 1024,
        }
    }
}

/// One element: name, attributes (unescaped, in order) and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The element's name.
    pub name: String,
    /// `(name, value)` of each attribute.
    pub attributes: Vec<(String, String)>,
    /// Child elements, in order.
    pub children: Vec<Node>,
}

impl Node {
    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child named `name`.
    pub fn first(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Reads `body` as one document whose root must be `root`.
pub fn parse_tree(body: &[u8], limits: &TreeLimits, root: &str) -> Result<Node, XmlError> {
    if body.len() > limits.max_body_bytes {
        return Err(XmlError::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => {}
        Some(_) => {
            return Err(XmlError::NotXml {
                reason: "it does not start with '<'",
            });
        }
        None => {
            return Err(XmlError::NotXml {
                reason: "the body is empty",
            });
        }
    }
    let text = std::str::from_utf8(body).map_err(|e| XmlError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.allow_unmatched_ends = false;

    let mut open: Vec<Node> = Vec::new();
    let mut elements = 0usize;
    let mut done: Option<Node> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| reader_error(&e, done.is_some()))?;
        if done.is_some() {
            match event {
                Event::Eof => break,
                Event::Comment(_) => continue,
                Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => continue,
                _ => return Err(XmlError::TrailingContent),
            }
        }
        match event {
            Event::Eof => return Err(XmlError::Truncated),
            Event::DocType(_) => return Err(XmlError::DoctypeRefused),
            Event::PI(pi) => {
                return Err(XmlError::ProcessingInstructionRefused(clip(
                    &String::from_utf8_lossy(pi.target()),
                )));
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Start(start) | Event::Empty(start) if open.len() >= limits.max_depth => {
                let _ = start;
                return Err(XmlError::TooDeep {
                    limit: limits.max_depth,
                });
            }
            Event::Start(start) => {
                elements += 1;
                open.push(element(&start, limits, elements, root, open.is_empty())?);
            }
            Event::Empty(start) => {
                elements += 1;
                let node = element(&start, limits, elements, root, open.is_empty())?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => done = Some(node),
                }
            }
            Event::End(_) => {
                let Some(node) = open.pop() else {
                    return Err(XmlError::Malformed("end tag without a start tag".into()));
                };
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => done = Some(node),
                }
            }
            Event::Text(t) => {
                let whitespace = t.iter().all(u8::is_ascii_whitespace);
                if open.is_empty() && !whitespace {
                    return Err(XmlError::Malformed("text before the root element".into()));
                }
                t.xml10_content()
                    .map_err(|e| XmlError::Malformed(clip(&e.to_string())))?;
            }
            Event::CData(_) => {
                if open.is_empty() {
                    return Err(XmlError::Malformed("CDATA outside the root element".into()));
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r);
                if !is_known_reference(&name) {
                    return Err(XmlError::UndefinedEntity(clip(&name)));
                }
            }
        }
    }
    done.ok_or(XmlError::Truncated)
}

fn element(
    start: &BytesStart<'_>,
    limits: &TreeLimits,
    count: usize,
    root: &str,
    is_root: bool,
) -> Result<Node, XmlError> {
    if count > limits.max_elements {
        return Err(XmlError::TooManyElements {
            limit: limits.max_elements,
        });
    }
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    if is_root && name != root {
        return Err(XmlError::WrongRoot {
            found: clip(&name),
            expected: clip(root),
        });
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            XmlError::Malformed(clip(&format!("bad attribute in <{}>: {e}", clip(&name))))
        })?;
        if attributes.len() >= limits.max_attributes {
            return Err(XmlError::Malformed(format!(
                "<{}> has more than {} attributes",
                clip(&name),
                limits.max_attributes
            )));
        }
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute.unescape_value().map_err(|e| match e {
            QxError::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, entity)) => {
                XmlError::UndefinedEntity(clip(&entity))
            }
            other => XmlError::Malformed(clip(&format!(
                "attribute {} of <{}>: {other}",
                clip(&key),
                clip(&name)
            ))),
        })?;
        if value.len() > limits.max_value_bytes {
            return Err(XmlError::ValueTooLong {
                element: format!("{}/@{}", clip(&name), clip(&key)),
                limit: limits.max_value_bytes,
            });
        }
        attributes.push((key, value.into_owned()));
    }
    Ok(Node {
        name,
        attributes,
        children: Vec::new(),
    })
}

fn is_known_reference(name: &str) -> bool {
    matches!(name, "lt" | "gt" | "amp" | "apos" | "quot")
        || name.strip_prefix("#x").map_or_else(
            || {
                name.strip_prefix('#')
                    .and_then(|d| d.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    .is_some()
            },
            |h| {
                u32::from_str_radix(h, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .is_some()
            },
        )
}

fn reader_error(e: &QxError, after_root: bool) -> XmlError {
    if after_root {
        return XmlError::TrailingContent;
    }
    match e {
        QxError::Syntax(SyntaxError::UnclosedDoctype)
        | QxError::IllFormed(IllFormedError::MissingDoctypeName) => XmlError::DoctypeRefused,
        QxError::Syntax(
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedPIOrXmlDecl,
        )
        | QxError::IllFormed(IllFormedError::MissingEndTag(_)) => XmlError::Truncated,
        other => XmlError::Malformed(clip(&other.to_string())),
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTED {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_QUOTED - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Node, XmlError> {
        parse_tree(body.as_bytes(), &TreeLimits::default(), "R")
    }

    #[test]
    fn nested_elements_and_attributes_are_kept() {
        let tree = parse(
            "<?xml version=\"1.0\"?>\n<R a=\"1 &amp; 2\"><C><U n=\"x&#65;\"/><U n=\"y\">t</U></C><!-- c --></R>\n",
        )
        .unwrap();
        assert_eq!(tree.attribute("a"), Some("1 & 2"));
        let c = tree.first("C").unwrap();
        let names: Vec<_> = c.all("U").filter_map(|u| u.attribute("n")).collect();
        assert_eq!(names, ["xA", "y"]);
        assert_eq!(parse("<R/>").unwrap().children.len(), 0);
    }

    #[test]
    fn hostile_input_is_refused_by_name() {
        type Check = fn(&XmlError) -> bool;
        let cases: [(&str, Check); 11] = [
            ("<!DOCTYPE R [<!ENTITY x \"y\">]><R/>", |e| {
                matches!(e, XmlError::DoctypeRefused)
            }),
            ("<R a=\"&x;\"/>", |e| {
                matches!(e, XmlError::UndefinedEntity(_))
            }),
            ("<R>&x;</R>", |e| matches!(e, XmlError::UndefinedEntity(_))),
            ("<Q/>", |e| matches!(e, XmlError::WrongRoot { .. })),
            ("<R><C>", |e| matches!(e, XmlError::Truncated)),
            ("<R/><R/>", |e| matches!(e, XmlError::TrailingContent)),
            ("<?php x?><R/>", |e| {
                matches!(e, XmlError::ProcessingInstructionRefused(_))
            }),
            ("hello", |e| e.is_not_xml()),
            ("", |e| e.is_not_xml()),
            ("<R a=\"1\" a=\"2\"/>", |e| {
                matches!(e, XmlError::Malformed(_))
            }),
            ("<R><a></b></R>", |e| matches!(e, XmlError::Malformed(_))),
        ];
        for (body, ok) in cases {
            let e = parse(body).unwrap_err();
            assert!(ok(&e), "{body}: {e:?}");
        }
    }

    #[test]
    fn limits_hold() {
        let deep = format!("<R>{}{}</R>", "<a>".repeat(20), "</a>".repeat(20));
        assert!(matches!(parse(&deep), Err(XmlError::TooDeep { limit: 8 })));
        let many = format!("<R>{}</R>", "<a/>".repeat(5000));
        assert!(matches!(
            parse(&many),
            Err(XmlError::TooManyElements { .. })
        ));
        let long = format!("<R a=\"{}\"/>", "x".repeat(2000));
        assert!(matches!(parse(&long), Err(XmlError::ValueTooLong { .. })));
        let attrs: String = (0..20).map(|i| format!(" a{i}=\"1\"")).collect();
        assert!(matches!(
            parse(&format!("<R{attrs}/>")),
            Err(XmlError::Malformed(_))
        ));
        let huge = vec![b' '; 70 * 1024];
        assert!(matches!(
            parse_tree(&huge, &TreeLimits::default(), "R"),
            Err(XmlError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_tree(b"<R a=\"\xff\"/>", &TreeLimits::default(), "R"),
            Err(XmlError::InvalidUtf8 { .. })
        ));
    }
}
