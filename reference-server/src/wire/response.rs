//! The `agentxml-3.6` reply writer (protocol.md §9): the `<SASResponse>` document
//! answering every Agent-XML call and the `<SSDResponse>` document of the server details
//! service (SSD-1). The SSD reply is written with quick-xml's serde serializer; the
//! Agent-XML reply, every call's hot path, by a direct writer with the same output.
//!
//! Element order is the field order below; absent optional fields produce no element;
//! all text is escaped (`<`, `>`, `&`). Writing never panics: if serialization ever
//! failed, a fixed, valid FAIL document is returned instead.

use std::borrow::Cow;

use quick_xml::se::{QuoteLevel, Serializer};
use serde::Serialize;

/// Protocol version sent in `<Version>`.
pub const AGENT_XML_VERSION: &str = "3.6";
/// `<Result>` of a successful call.
pub const RESULT_PASS: &str = "PASS";
/// `<Result>` of a failed call.
pub const RESULT_FAIL: &str = "FAIL";
/// `<Error>` of an SSD lookup for a Site ID that is not registered (SSD-1).
pub const ERROR_UNKNOWN_SERVER_ID: &str = "UNKNOWN_SERVER_ID";

const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
/// Returned only if serializing an `SsdResponse` fails.
const SSD_FALLBACK: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    "<SSDResponse><Result>FAIL</Result><Error>INTERNAL_ERROR</Error>",
    "<Message>the reply could not be written</Message></SSDResponse>"
);

/// One Mobile Client policy as sent to the app (POL-1):
/// `<Policy><Id/><Content/><Description/></Policy>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyItem {
    #[serde(rename = "Id")]
    pub id: Cow<'static, str>,
    /// `ON`/`OFF`, or the policy's value.
    #[serde(rename = "Content")]
    pub content: Cow<'static, str>,
    #[serde(rename = "Description")]
    pub description: Cow<'static, str>,
}

impl PolicyItem {
    pub fn new(
        id: impl Into<Cow<'static, str>>,
        content: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            id: id.into(),
            content: content.into(),
            description: description.into(),
        }
    }
}

/// An Agent-XML reply: `<SASResponse>` with children Version, RequestID, Result, Error,
/// Message, Id, SecurityStrings, then zero or more Policy, in that order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename = "SASResponse")]
pub struct SasResponse {
    #[serde(rename = "Version")]
    pub version: Cow<'static, str>,
    /// Echo of the request's `<RequestID>`.
    #[serde(rename = "RequestID", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `PASS` or `FAIL`.
    #[serde(rename = "Result")]
    pub result: Cow<'static, str>,
    /// Error code of a FAIL reply (e.g. `PROVISION_FAILURE`).
    #[serde(rename = "Error", skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'static, str>>,
    /// Human-readable explanation.
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Device id of a successful provision.
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The security strings, already joined with `;`.
    #[serde(rename = "SecurityStrings", skip_serializing_if = "Option::is_none")]
    pub security_strings: Option<String>,
    /// Serialized as sibling `<Policy>` elements; none when empty.
    #[serde(rename = "Policy")]
    pub policies: Vec<PolicyItem>,
}

impl SasResponse {
    /// A bare PASS reply.
    pub fn pass() -> Self {
        Self::with_result(RESULT_PASS)
    }

    /// A FAIL reply with error code `error` and a human-readable `message`.
    pub fn fail(error: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            message: Some(message.into()),
            ..Self::with_result(RESULT_FAIL)
        }
    }

    /// Sets the `<RequestID>` echo (the request's value, if it sent one).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The complete document, XML declaration included. Written directly rather than
    /// through the serde serializer: this is every reply's hot path (a strings reply is
    /// 1.2 KB of text that needs no escaping), and the tests pin the exact output, which
    /// the serializer wrote before.
    pub fn to_xml(&self) -> String {
        let strings_len = self.security_strings.as_ref().map_or(0, String::len);
        let mut out = String::with_capacity(256 + strings_len + 160 * self.policies.len());
        out.push_str(XML_DECLARATION);
        out.push_str("<SASResponse>");
        element(&mut out, "Version", &self.version);
        optional(&mut out, "RequestID", &self.request_id);
        element(&mut out, "Result", &self.result);
        if let Some(error) = &self.error {
            element(&mut out, "Error", error);
        }
        optional(&mut out, "Message", &self.message);
        optional(&mut out, "Id", &self.id);
        optional(&mut out, "SecurityStrings", &self.security_strings);
        for p in &self.policies {
            out.push_str("<Policy>");
            element(&mut out, "Id", &p.id);
            element(&mut out, "Content", &p.content);
            element(&mut out, "Description", &p.description);
            out.push_str("</Policy>");
        }
        out.push_str("</SASResponse>");
        out
    }

    fn with_result(result: &'static str) -> Self {
        Self {
            version: Cow::Borrowed(AGENT_XML_VERSION),
            request_id: None,
            result: Cow::Borrowed(result),
            error: None,
            message: None,
            id: None,
            security_strings: None,
            policies: Vec::new(),
        }
    }
}

/// Server settings an SSD lookup returns for a Site ID (SSD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsdServer {
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Port")]
    pub port: u16,
    #[serde(rename = "Context")]
    pub context: String,
    #[serde(rename = "SSL")]
    pub ssl: bool,
    #[serde(rename = "Push")]
    pub push: bool,
    #[serde(rename = "Local")]
    pub local: bool,
}

/// An SSD reply: `<SSDResponse>` with children Result, Error, Message, Server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename = "SSDResponse")]
pub struct SsdResponse {
    #[serde(rename = "Result")]
    pub result: String,
    #[serde(rename = "Error", skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Human-readable explanation of a FAIL reply.
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "Server", skip_serializing_if = "Option::is_none")]
    pub server: Option<SsdServer>,
}

impl SsdResponse {
    /// A PASS reply carrying the server settings.
    pub fn found(server: SsdServer) -> Self {
        Self {
            result: RESULT_PASS.to_owned(),
            error: None,
            message: None,
            server: Some(server),
        }
    }

    /// A FAIL reply for a Site ID the SSD does not know (`UNKNOWN_SERVER_ID`).
    pub fn unknown(message: impl Into<String>) -> Self {
        Self {
            result: RESULT_FAIL.to_owned(),
            error: Some(ERROR_UNKNOWN_SERVER_ID.to_owned()),
            message: Some(message.into()),
            server: None,
        }
    }

    /// The complete document, XML declaration included.
    pub fn to_xml(&self) -> String {
        write_document(self, SSD_FALLBACK)
    }
}

/// `<name>text</name>`, the text escaped as the serializer does (`<`, `>`, `&`) and
/// characters XML 1.0 cannot carry replaced by U+FFFD.
fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    let plain = text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'<' | b'>' | b'&'));
    if plain {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                c if is_xml_char(c) => out.push(c),
                _ => out.push('\u{FFFD}'),
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn optional(out: &mut String, name: &str, text: &Option<String>) {
    if let Some(text) = text {
        element(out, name, text);
    }
}

/// Serializes `value` after the XML declaration, or returns `fallback` on failure.
fn write_document<T: Serialize>(value: &T, fallback: &str) -> String {
    let mut out = String::from(XML_DECLARATION);
    let mut serializer = Serializer::new(&mut out);
    // `<X></X>` rather than `<X/>` for empty values: simple clients look for the pair.
    serializer.expand_empty_elements(true);
    // Escapes `<`, `>` and `&` in text; quotes need no escaping outside attributes.
    serializer.set_quote_level(QuoteLevel::Partial);
    match value.serialize(serializer) {
        Ok(_) => replace_non_xml_chars(out),
        Err(_) => fallback.to_owned(),
    }
}

/// Control characters (and U+FFFE/U+FFFF) cannot appear in XML 1.0 even escaped, and
/// values such as echoed usernames come from clients; they become U+FFFD so the reply
/// stays well-formed. Markup itself never contains such characters.
fn replace_non_xml_chars(document: String) -> String {
    if document.chars().all(is_xml_char) {
        return document;
    }
    document
        .chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> SsdServer {
        SsdServer {
            host: "pinsafe.example.com".into(),
            port: 8443,
            context: "proxy".into(),
            ssl: true,
            push: false,
            local: false,
        }
    }

    #[test]
    fn pass_provision_reply_with_two_policies() {
        let reply = SasResponse {
            id: Some("dev-42".into()),
            policies: vec![
                PolicyItem::new("AllowPinEntry", "OFF", "Allow user to enter PIN"),
                PolicyItem::new("ProvisionNumeric", "ON", "Provision Number Is Numeric"),
            ],
            ..SasResponse::pass()
        }
        .with_request_id(Some("r-1".into()));
        assert_eq!(
            reply.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASResponse><Version>3.6</Version><RequestID>r-1</RequestID>",
                "<Result>PASS</Result><Id>dev-42</Id>",
                "<Policy><Id>AllowPinEntry</Id><Content>OFF</Content>",
                "<Description>Allow user to enter PIN</Description></Policy>",
                "<Policy><Id>ProvisionNumeric</Id><Content>ON</Content>",
                "<Description>Provision Number Is Numeric</Description></Policy>",
                "</SASResponse>"
            )
        );
    }

    #[test]
    fn bare_pass_reply_has_no_optional_elements() {
        assert_eq!(
            SasResponse::pass().to_xml(),
            r#"<?xml version="1.0" encoding="UTF-8"?><SASResponse><Version>3.6</Version><Result>PASS</Result></SASResponse>"#
        );
    }

    #[test]
    fn security_strings_reply_keeps_element_order() {
        let reply = SasResponse {
            security_strings: Some("123456789001;987654321002".into()),
            policies: vec![PolicyItem::new("BrowseStrings", "OFF", "")],
            ..SasResponse::pass()
        };
        assert_eq!(
            reply.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASResponse><Version>3.6</Version><Result>PASS</Result>",
                "<SecurityStrings>123456789001;987654321002</SecurityStrings>",
                "<Policy><Id>BrowseStrings</Id><Content>OFF</Content>",
                "<Description></Description></Policy></SASResponse>"
            )
        );
    }

    #[test]
    fn fail_reply() {
        let reply =
            SasResponse::fail("PROVISION_FAILURE", "Invalid Provision Code").with_request_id(None);
        assert_eq!(
            reply.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASResponse><Version>3.6</Version><Result>FAIL</Result>",
                "<Error>PROVISION_FAILURE</Error><Message>Invalid Provision Code</Message>",
                "</SASResponse>"
            )
        );
    }

    #[test]
    fn special_characters_are_escaped() {
        let reply = SasResponse::fail("BAD_REQUEST", r#"user <&>"' unknown"#)
            .with_request_id(Some("]]></RequestID><Result>PASS</Result>".into()));
        assert_eq!(
            reply.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASResponse><Version>3.6</Version>",
                "<RequestID>]]&gt;&lt;/RequestID&gt;&lt;Result&gt;PASS&lt;/Result&gt;</RequestID>",
                "<Result>FAIL</Result><Error>BAD_REQUEST</Error>",
                r#"<Message>user &lt;&amp;&gt;"' unknown</Message></SASResponse>"#
            )
        );
    }

    #[test]
    fn escaped_reply_round_trips_through_a_reader() -> Result<(), quick_xml::Error> {
        let text = "a<b>&c\"d'e ]]> &amp;";
        let xml = SasResponse::fail("X", text).to_xml();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut in_message = false;
        let mut message = String::new();
        loop {
            match reader.read_event()? {
                quick_xml::events::Event::Start(e) => in_message = e.name().as_ref() == b"Message",
                quick_xml::events::Event::End(_) => in_message = false,
                quick_xml::events::Event::Text(t) if in_message => {
                    message.push_str(&t.decode().map_err(quick_xml::Error::from)?);
                }
                quick_xml::events::Event::GeneralRef(r) if in_message => {
                    let name = r.decode().map_err(quick_xml::Error::from)?;
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name);
                    message.push_str(resolved.unwrap_or("?"));
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(message, text);
        Ok(())
    }

    #[test]
    fn characters_illegal_in_xml_are_replaced() {
        let xml = SasResponse::fail("X", "a\u{0}b\u{1b}c\u{FFFE}\td").to_xml();
        assert!(
            xml.contains("<Message>a\u{FFFD}b\u{FFFD}c\u{FFFD}\td</Message>"),
            "{xml}"
        );
    }

    #[test]
    fn ssd_found_reply() {
        assert_eq!(
            SsdResponse::found(server()).to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SSDResponse><Result>PASS</Result><Server>",
                "<Host>pinsafe.example.com</Host><Port>8443</Port><Context>proxy</Context>",
                "<SSL>true</SSL><Push>false</Push><Local>false</Local>",
                "</Server></SSDResponse>"
            )
        );
    }

    #[test]
    fn ssd_unknown_reply() {
        assert_eq!(
            SsdResponse::unknown("Unknown Server ID <x&y>").to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SSDResponse><Result>FAIL</Result><Error>UNKNOWN_SERVER_ID</Error>",
                "<Message>Unknown Server ID &lt;x&amp;y&gt;</Message></SSDResponse>"
            )
        );
    }

    /// A type whose serialization always fails, to exercise the fallback path.
    struct Unserializable;

    impl Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("refused"))
        }
    }

    #[test]
    fn failed_serialization_falls_back_to_a_fixed_fail_document() {
        assert_eq!(write_document(&Unserializable, SSD_FALLBACK), SSD_FALLBACK);
        for fallback in [SSD_FALLBACK] {
            assert!(fallback.contains("<Result>FAIL</Result>"));
            let mut reader = quick_xml::Reader::from_str(fallback);
            let mut depth = 0usize;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                    Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(err) => panic!("fallback is not well-formed: {err}"),
                }
            }
            assert_eq!(depth, 0);
        }
    }
}
