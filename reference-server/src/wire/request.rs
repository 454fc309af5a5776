//! The Agent-XML request parser (protocol.md §9): turns a request body into its ordered
//! (name, value) pairs and refuses hostile or malformed XML with a message the client
//! can act on. The root element's name comes from the wire profile (`SASRequest` in
//! both built-in profiles).
//!
//! The accepted shape is deliberately narrow: an optional `<?xml ...?>` declaration, one
//! root element of the expected name, and text-only children. DOCTYPEs (hence entity
//! declarations) and processing instructions are refused, and entities are never
//! expanded, so the parser runs in time linear in the input and allocates at most
//! O(input) memory whatever the body holds.

mod fast;
mod fields;

use std::collections::HashSet;
use std::fmt::Display;
use std::ops::Range;

use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use fields::Builder;
pub use fields::SasRequest;

/// The root element of both built-in profiles (names are case-sensitive).
pub const DEFAULT_ROOT: &str = "SASRequest";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Malformed-XML messages go back to clients; quick-xml may quote long tag names.
const MAX_MALFORMED_CHARS: usize = 200;
/// Names taken from the input are clipped before they go into an error message, so a
/// hostile 60 KiB tag name cannot be reflected back in full.
const MAX_NAME_CHARS: usize = 64;

/// Size limits applied while parsing a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest accepted body, in bytes (default 64 KiB).
    pub max_body_bytes: usize,
    /// Most child elements of the root (default 64).
    pub max_elements: usize,
    /// Longest value of one child, in bytes after unescaping and trimming (default 4096).
    pub max_value_bytes: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            max_elements: 64,
            max_value_bytes: 4096,
        }
    }
}

/// Why a request body was refused. The `Display` text is meant for the client.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum XmlError {
    #[error("request body is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("request body is not valid UTF-8 (invalid byte sequence at byte offset {offset})")]
    InvalidUtf8 { offset: usize },
    #[error("request body is not XML: {reason}")]
    NotXml { reason: &'static str },
    #[error("DOCTYPE declarations are not accepted; entities are never declared or expanded")]
    DoctypeRefused,
    #[error(
        "processing instruction <?{0} ...?> is not accepted; only the leading <?xml ...?> declaration is allowed"
    )]
    ProcessingInstructionRefused(String),
    #[error(
        "entity &{0}; is not defined; only &lt; &gt; &amp; &apos; &quot; and numeric character references are allowed"
    )]
    UndefinedEntity(String),
    #[error("character reference &{0}; does not denote a character allowed in XML")]
    InvalidCharRef(String),
    #[error("root element is <{found}>, expected <{expected}>")]
    WrongRoot { found: String, expected: String },
    #[error("element <{0}> contains a nested element; request values must be plain text")]
    NestedElement(String),
    #[error("element <{0}> appears more than once")]
    RepeatedElement(String),
    #[error("the root element has more than {limit} child elements")]
    TooManyElements { limit: usize },
    #[error("elements are nested more than {limit} deep")]
    TooDeep { limit: usize },
    #[error("value of element <{element}> is longer than {limit} bytes")]
    ValueTooLong { element: String, limit: usize },
    #[error(
        "text directly inside the root element is not allowed; every value must be inside its own element"
    )]
    StrayText,
    #[error(
        "unexpected content after the root element's end tag; only whitespace and comments may follow it"
    )]
    TrailingContent,
    #[error("the request ends before its root element is closed (truncated body?)")]
    Truncated,
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("required element <{0}> is missing")]
    MissingElement(String),
}

impl XmlError {
    /// True only for [`XmlError::NotXml`]: the body is not XML at all, which the HTTP
    /// layer answers with 415 instead of a `BAD_REQUEST` reply.
    pub fn is_not_xml(&self) -> bool {
        matches!(self, Self::NotXml { .. })
    }
}

/// Parses an Agent-XML request body with root `<SASRequest>` under `limits`.
pub fn parse_sas_request(body: &[u8], limits: &RequestLimits) -> Result<SasRequest, XmlError> {
    parse_request(body, limits, DEFAULT_ROOT)
}

/// Parses an Agent-XML request body whose root element must be `root`, under `limits`.
pub fn parse_request(
    body: &[u8],
    limits: &RequestLimits,
    root: &str,
) -> Result<SasRequest, XmlError> {
    // The HTTP layer enforces the limit too; checking here keeps the O(input) bound
    // true for any caller.
    if body.len() > limits.max_body_bytes {
        return Err(XmlError::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    if let Some(request) = fast::parse(body, limits, root) {
        return Ok(request);
    }
    parse_full(body, limits, root)
}

/// The full parser: every body the fast path passes over, and every refusal.
fn parse_full(body: &[u8], limits: &RequestLimits, root: &str) -> Result<SasRequest, XmlError> {
    let (bom_len, rest) = match body.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, body),
    };
    // Checked before UTF-8 so that binary junk is "not XML" (415), not a bad request.
    check_starts_like_xml(rest)?;
    let text = std::str::from_utf8(rest).map_err(|e| XmlError::InvalidUtf8 {
        offset: bom_len + e.valid_up_to(),
    })?;
    Parser::new(text, bom_len, limits, root).run()
}

fn check_starts_like_xml(bytes: &[u8]) -> Result<(), XmlError> {
    match bytes.iter().find(|b| !is_xml_whitespace(**b)) {
        Some(b'<') => Ok(()),
        Some(_) => Err(XmlError::NotXml {
            reason: "it does not start with '<'",
        }),
        None if bytes.is_empty() => Err(XmlError::NotXml {
            reason: "the body is empty",
        }),
        None => Err(XmlError::NotXml {
            reason: "the body holds only whitespace",
        }),
    }
}

/// Where the parser is in the document.
enum Place {
    /// Before the root element.
    Prolog,
    /// Inside the root element, between children.
    Root,
    /// Inside the child whose name is at `name` in the fields' text, collecting its
    /// value from `value_start` on.
    Child {
        name: Range<usize>,
        value_start: usize,
    },
    /// After the root's end tag.
    Epilog,
}

struct Parser<'a, 'l> {
    reader: Reader<&'a [u8]>,
    /// The expected root element's name.
    root: &'l str,
    /// Bytes removed before the reader's input (a BOM), added back to reported offsets.
    base_offset: usize,
    limits: &'l RequestLimits,
    place: Place,
    /// True until the first event other than leading whitespace: the only point where
    /// an XML declaration may appear.
    at_start: bool,
    fields: Builder,
}

impl<'a, 'l> Parser<'a, 'l> {
    fn new(text: &'a str, base_offset: usize, limits: &'l RequestLimits, root: &'l str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        // Values are trimmed as a whole after unescaping; quick-xml's per-event
        // trimming would also eat spaces next to references and CDATA.
        config.trim_text(false);
        config.expand_empty_elements = false;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        Self {
            reader,
            root,
            base_offset,
            limits,
            place: Place::Prolog,
            at_start: true,
            fields: Builder::with_capacity(text.len()),
        }
    }

    fn run(mut self) -> Result<SasRequest, XmlError> {
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(err) => return Err(self.reader_error(&err)),
            };
            let was_at_start = self.at_start;
            self.at_start = false;
            match event {
                Event::Eof => return self.finish(),
                Event::Comment(_) => {}
                // Refused wherever it appears; quick-xml never expands the entities it
                // declares, and we stop before reading any further.
                Event::DocType(_) => return Err(XmlError::DoctypeRefused),
                Event::Text(text) if matches!(self.place, Place::Epilog) => {
                    if !text.iter().all(|b| is_xml_whitespace(*b)) {
                        return Err(XmlError::TrailingContent);
                    }
                }
                _ if matches!(self.place, Place::Epilog) => return Err(XmlError::TrailingContent),
                Event::Decl(decl) => {
                    if !was_at_start {
                        return Err(self.malformed_here(
                            "the <?xml ...?> declaration may only appear at the start of the document",
                        ));
                    }
                    if let Err(err) = decl.version() {
                        return Err(self.malformed_here(err));
                    }
                }
                Event::PI(pi) => {
                    let target = String::from_utf8_lossy(pi.target());
                    return Err(XmlError::ProcessingInstructionRefused(clip(
                        &target,
                        MAX_NAME_CHARS,
                    )));
                }
                Event::Start(start) => self.start(&start, false)?,
                Event::Empty(start) => self.start(&start, true)?,
                Event::End(_) => self.end()?,
                Event::Text(text) => {
                    // Leading whitespace (before any markup) keeps the declaration legal.
                    let whitespace = text.iter().all(|b| is_xml_whitespace(*b));
                    self.at_start = was_at_start && whitespace;
                    let content = text.xml10_content().map_err(|e| self.malformed_here(e))?;
                    self.text(&content)?;
                }
                Event::CData(cdata) => match self.place {
                    Place::Child { .. } => {
                        let content = cdata.xml10_content().map_err(|e| self.malformed_here(e))?;
                        self.text(&content)?;
                    }
                    Place::Root => return Err(XmlError::StrayText),
                    Place::Prolog | Place::Epilog => {
                        return Err(self.malformed_here("CDATA section outside the root element"));
                    }
                },
                Event::GeneralRef(reference) => {
                    let name = String::from_utf8_lossy(&reference);
                    let ch = resolve_reference(&name).map_err(|e| match e {
                        XmlError::Malformed(what) => self.malformed_here(what),
                        other => other,
                    })?;
                    self.text(ch.encode_utf8(&mut [0; 4]))?;
                }
            }
        }
    }

    fn start(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), XmlError> {
        let name =
            std::str::from_utf8(start.name().into_inner()).map_err(|e| self.malformed_here(e))?;
        if name.is_empty() {
            return Err(self.malformed_here("element without a name"));
        }
        self.check_attributes(start, name)?;
        match &self.place {
            Place::Prolog => {
                if name != self.root {
                    return Err(XmlError::WrongRoot {
                        found: clip(name, MAX_NAME_CHARS),
                        expected: clip(self.root, MAX_NAME_CHARS),
                    });
                }
                self.place = if empty { Place::Epilog } else { Place::Root };
            }
            Place::Root => {
                if self.fields.has(name) {
                    return Err(XmlError::RepeatedElement(clip(name, MAX_NAME_CHARS)));
                }
                if self.fields.len() >= self.limits.max_elements {
                    return Err(XmlError::TooManyElements {
                        limit: self.limits.max_elements,
                    });
                }
                let name = self.fields.push_name(name);
                let value_start = self.fields.text_len();
                if empty {
                    self.fields.push_field(name, value_start..value_start);
                } else {
                    self.place = Place::Child { name, value_start };
                }
            }
            Place::Child { name: parent, .. } => {
                return Err(XmlError::NestedElement(clip(
                    self.fields.text(parent),
                    MAX_NAME_CHARS,
                )));
            }
            // `run` answers every event after the root with TrailingContent.
            Place::Epilog => return Err(XmlError::TrailingContent),
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), XmlError> {
        // check_end_names guarantees the end tag matches the innermost open element.
        match std::mem::replace(&mut self.place, Place::Epilog) {
            Place::Root => Ok(()),
            Place::Child { name, value_start } => {
                let raw = self.fields.text_since(value_start);
                let lead = raw.len() - raw.trim_start_matches(is_xml_whitespace_char).len();
                let len = raw.trim_matches(is_xml_whitespace_char).len();
                if len > self.limits.max_value_bytes {
                    return Err(XmlError::ValueTooLong {
                        element: clip(self.fields.text(&name), MAX_NAME_CHARS),
                        limit: self.limits.max_value_bytes,
                    });
                }
                let start = value_start + lead;
                self.fields.push_field(name, start..start + len);
                self.place = Place::Root;
                Ok(())
            }
            // quick-xml reports unmatched end tags itself; kept for completeness.
            Place::Prolog | Place::Epilog => {
                Err(self.malformed_here("end tag without a matching start tag"))
            }
        }
    }

    fn text(&mut self, content: &str) -> Result<(), XmlError> {
        match &mut self.place {
            Place::Child { .. } => {
                self.fields.push_text(content);
                Ok(())
            }
            _ if content.chars().all(is_xml_whitespace_char) => Ok(()),
            Place::Root => Err(XmlError::StrayText),
            Place::Prolog => Err(self.malformed_here("text before the root element")),
            Place::Epilog => Err(XmlError::TrailingContent),
        }
    }

    fn finish(self) -> Result<SasRequest, XmlError> {
        match self.place {
            Place::Epilog => Ok(self.fields.finish()),
            Place::Prolog | Place::Root | Place::Child { .. } => Err(XmlError::Truncated),
        }
    }

    /// Attributes are ignored, but a tag whose attributes are not well-formed is
    /// malformed XML. Every problem found here is reported as `Malformed`.
    fn check_attributes(&self, start: &BytesStart<'_>, element: &str) -> Result<(), XmlError> {
        // The usual tag has none: nothing to check, no set to make.
        if start.attributes_raw().is_empty() {
            return Ok(());
        }
        let mut names: HashSet<&[u8]> = HashSet::new();
        // quick-xml's own duplicate check compares each attribute with every earlier
        // one (quadratic); the hash set keeps this linear.
        for attr in start.attributes().with_checks(false) {
            let attr = attr.map_err(|e| {
                self.malformed_here(format!(
                    "bad attribute in <{}>: {e}",
                    clip(element, MAX_NAME_CHARS)
                ))
            })?;
            let key = attr.key.into_inner();
            if !names.insert(key) {
                return Err(self.malformed_here(format!(
                    "attribute {} appears twice in <{}>",
                    clip(&String::from_utf8_lossy(key), MAX_NAME_CHARS),
                    clip(element, MAX_NAME_CHARS)
                )));
            }
            check_attribute_value(&attr.value).map_err(|problem| {
                self.malformed_here(format!(
                    "in an attribute of <{}>: {problem}",
                    clip(element, MAX_NAME_CHARS)
                ))
            })?;
        }
        Ok(())
    }

    fn offset(&self, position: u64) -> usize {
        usize::try_from(position)
            .unwrap_or(usize::MAX)
            .saturating_add(self.base_offset)
    }

    /// A `Malformed` error located just after the event being handled.
    fn malformed_here(&self, what: impl Display) -> XmlError {
        malformed(self.offset(self.reader.buffer_position()), what)
    }

    fn reader_error(&self, err: &QxError) -> XmlError {
        if matches!(self.place, Place::Epilog) {
            return XmlError::TrailingContent;
        }
        match err {
            // quick-xml treats any `<!D` as the start of a DOCTYPE.
            QxError::Syntax(SyntaxError::UnclosedDoctype)
            | QxError::IllFormed(IllFormedError::MissingDoctypeName) => XmlError::DoctypeRefused,
            // These are only raised when the input ends inside the construct.
            QxError::Syntax(
                SyntaxError::UnclosedTag
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedPIOrXmlDecl,
            )
            | QxError::IllFormed(IllFormedError::MissingEndTag(_)) => XmlError::Truncated,
            // quick-xml's text for this one talks about "end of input" even when the
            // reference is cut short by markup, which misleads clients.
            QxError::IllFormed(IllFormedError::UnclosedReference) => malformed(
                self.offset(self.reader.error_position()),
                "'&' must start a reference ending with ';' (write &amp; for a literal ampersand)",
            ),
            other => malformed(self.offset(self.reader.error_position()), other),
        }
    }
}

fn malformed(offset: usize, what: impl Display) -> XmlError {
    XmlError::Malformed(clip(
        &format!("at byte {offset}: {what}"),
        MAX_MALFORMED_CHARS,
    ))
}

/// Resolves the text between `&` and `;`: one of the five predefined entities or a
/// character reference. Anything else is refused; nothing is ever looked up elsewhere.
fn resolve_reference(name: &str) -> Result<char, XmlError> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => {
            if let Some(number) = name.strip_prefix('#') {
                parse_char_ref(number)
                    .ok_or_else(|| XmlError::InvalidCharRef(clip(name, MAX_NAME_CHARS)))
            } else if is_xml_name(name) {
                Err(XmlError::UndefinedEntity(clip(name, MAX_NAME_CHARS)))
            } else {
                Err(XmlError::Malformed(format!(
                    "'&{};' is not an entity or character reference (write &amp; for a literal ampersand)",
                    clip(name, MAX_NAME_CHARS)
                )))
            }
        }
    }
}

/// `&#NNN;` or `&#xHHH;` (lowercase `x` only, as XML requires) naming a legal XML char.
fn parse_char_ref(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    // from_str_radix would also accept a leading '+'.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|c| is_xml_char(*c))
}

/// Checks references and markup characters in a raw attribute value in one pass.
fn check_attribute_value(value: &[u8]) -> Result<(), String> {
    let value = std::str::from_utf8(value).map_err(|e| e.to_string())?;
    if value.contains('<') {
        return Err("'<' is not allowed in an attribute value".to_owned());
    }
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        rest = &rest[amp + 1..];
        let Some(semicolon) = rest.find(';') else {
            return Err("'&' without a closing ';'".to_owned());
        };
        // A reference containing another '&' fails here, so each byte is scanned once.
        resolve_reference(&rest[..semicolon]).map_err(|e| e.to_string())?;
        rest = &rest[semicolon + 1..];
    }
    Ok(())
}

/// XML `Name` production, slightly simplified (any non-ASCII char is accepted).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start_ok = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii();
    start_ok(first) && chars.all(|c| start_ok(c) || c.is_ascii_digit() || c == '-' || c == '.')
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

fn is_xml_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_xml_whitespace_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// At most `max_chars` characters of `s`, ending in '…' when cut.
fn clip(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_owned(),
        Some(_) => {
            let keep: String = s.chars().take(max_chars.saturating_sub(1)).collect();
            keep + "…"
        }
    }
}

#[cfg(test)]
mod tests;
