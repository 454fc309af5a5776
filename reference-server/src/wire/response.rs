//! The Agent-XML reply writer (protocol.md §9): the document answering every Agent-XML
//! call, in the element names, result and error spellings, strings layout and policies
//! shape of the server's wire ([`ServerWire`]). Written directly into one buffer: this is
//! every call's hot path (a strings reply is about 1.2 KB of text that needs no
//! escaping), and the names are ready-made tags.
//!
//! Element order: Version, RequestID, Result, Error, Message, Id, SecurityStrings, then
//! the policies; absent optional fields produce no element; all text is escaped (`<`,
//! `>`, `&`, and `"` in attributes). Writing cannot fail.

use std::borrow::Cow;

use super::codes::ErrorCode;
use super::escape;
use super::server_wire::{PolicyFormat, ServerWire};

/// One Mobile Client policy as sent to the app (POL-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyItem {
    /// The policy's id, e.g. `AllowUserToEnterPIN`.
    pub id: Cow<'static, str>,
    /// `ON`/`OFF`, or the policy's value.
    pub content: Cow<'static, str>,
    /// What it means (sent only in the `elements` shape).
    pub description: Cow<'static, str>,
}

impl PolicyItem {
    /// A policy item.
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

    /// The items of the domain's `(id, on, description)` policies, `ON`/`OFF` valued.
    pub fn from_flags(items: Vec<(&'static str, bool, &'static str)>) -> Vec<PolicyItem> {
        items
            .into_iter()
            .map(|(id, on, description)| Self::new(id, if on { "ON" } else { "OFF" }, description))
            .collect()
    }
}

/// An Agent-XML reply, before it is spelled in a wire's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SasResponse {
    /// Echo of the request's request id.
    pub request_id: Option<String>,
    /// PASS (true) or FAIL (false).
    pub passed: bool,
    /// Error code of a FAIL reply.
    pub error: Option<ErrorCode>,
    /// Human-readable explanation.
    pub message: Option<String>,
    /// Device id of a successful provision.
    pub id: Option<String>,
    /// The security strings, already joined in the wire's layout.
    pub security_strings: Option<String>,
    /// The policies; none written when empty.
    pub policies: Vec<PolicyItem>,
}

impl SasResponse {
    /// A bare PASS reply.
    pub fn pass() -> Self {
        Self {
            request_id: None,
            passed: true,
            error: None,
            message: None,
            id: None,
            security_strings: None,
            policies: Vec::new(),
        }
    }

    /// A FAIL reply with error `code` and a human-readable `message`.
    pub fn fail(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            passed: false,
            error: Some(code),
            message: Some(message.into()),
            ..Self::pass()
        }
    }

    /// Sets the request id echo (the request's value, if it sent one).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The complete document in `wire`'s spelling, XML declaration included.
    pub fn to_xml(&self, wire: &ServerWire) -> String {
        let mut out = String::new();
        self.write_xml(wire, &mut out);
        out
    }

    /// [`SasResponse::to_xml`], appended to `out` (a buffer kept for reuse).
    pub fn write_xml(&self, wire: &ServerWire, out: &mut String) {
        let f = &wire.reply;
        let strings_len = self.security_strings.as_ref().map_or(0, String::len);
        out.reserve(256 + strings_len + 160 * self.policies.len());
        out.push_str(&f.head);
        if let Some(id) = &self.request_id {
            f.request_id.write(out, id);
        }
        out.push_str(if self.passed {
            &f.result_pass
        } else {
            &f.result_fail
        });
        if let Some(code) = self.error {
            f.error.write(out, wire.error(code));
        }
        if let Some(message) = &self.message {
            f.message.write(out, message);
        }
        if let Some(id) = &self.id {
            f.device_id.write(out, id);
        }
        if let Some(strings) = &self.security_strings {
            f.security_strings.write(out, strings);
        }
        write_policies(out, &wire.policies, &self.policies);
        out.push_str(&f.tail);
    }
}

fn write_policies(out: &mut String, format: &PolicyFormat, items: &[PolicyItem]) {
    if items.is_empty() {
        return;
    }
    match format {
        PolicyFormat::Attributes {
            container,
            item_start,
            item_rest,
            item_end,
        } => {
            out.push_str(container.open());
            for p in items {
                out.push_str(item_start);
                escape::push_attribute(out, &p.id);
                out.push_str(item_rest);
                escape::push_text(out, &p.content);
                out.push_str(item_end);
            }
            out.push_str(container.close());
        }
        PolicyFormat::Elements {
            item,
            id,
            content,
            description,
        } => {
            for p in items {
                out.push_str(item.open());
                id.write(out, &p.id);
                content.write(out, &p.content);
                description.write(out, &p.description);
                out.push_str(item.close());
            }
        }
    }
}

#[cfg(test)]
mod tests;
