//! Masks the secrets of HAR entries while keeping their shape, so a redacted capture is
//! safe to share and `profile check` still classifies every exchange in it.
//!
//! What is masked:
//! - the text of secret elements directly under an Agent-XML root (provision code,
//!   device id, security strings, OTC, agent secret, password, push id), by the element
//!   names of the wire profiles given (a body that is not well-formed XML is searched for
//!   `<Name>…</Name>` at any depth instead);
//! - query values that carry a device id or a QR payload, and the code segment of a
//!   complete URL (`…/complete/<site>/<user>/<code>`);
//! - `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` values and cookies;
//! - binary bodies (a QR image encodes a code), which are left out with a comment;
//! - everywhere else in the entry (URL, query, bodies, headers), every value learned
//!   above or given with [`HarRedactor::learn`] (PINs, the agent secret).
//!
//! A masked value keeps its length and punctuation: letters and digits become `x`, except
//! the two-digit index that ends each security string and each OTC, which is public (it
//! is sent in the clear with every OTC) and tells the strings layout apart.

use std::collections::{HashMap, VecDeque};

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{Entry, Har, NameValue};
use crate::profile::WireProfile;

/// What a masked value was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A provision code.
    Code,
    /// A device id or push id.
    DeviceId,
    /// Security strings (their index suffixes are kept).
    Strings,
    /// A one-time code (its index suffix is kept).
    Otc,
    /// The agent secret, a password, a PIN, a cookie or an authorization header.
    Credential,
    /// A URL that carries a code.
    Url,
}

impl SecretKind {
    fn keeps_index(self) -> bool {
        matches!(self, SecretKind::Strings | SecretKind::Otc)
    }
}

/// Headers whose whole value is a credential.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];
/// Values shorter than this are not replaced by value (a PIN-sized value still is).
const MIN_LEARNED: usize = 4;
/// Longest value remembered for replacement.
const MAX_LEARNED: usize = 4096;
/// Most values remembered; the oldest are forgotten first.
const MAX_REMEMBERED: usize = 65_536;
/// Where a complete URL (URL-2) carries site, user and code.
const COMPLETE_SEGMENT: &str = "complete";

/// The element and parameter names that carry secrets.
#[derive(Debug, Clone, Default)]
pub struct SecretNames {
    elements: Vec<(String, SecretKind)>,
    /// `(parameter, path it is a secret at (the end of the URL path), kind)`: the
    /// TokenIndex `id` is a device id, the Site ID lookup's `id` is not.
    params: Vec<(String, String, SecretKind)>,
}

impl SecretNames {
    /// The names of every profile given (a capture may hold requests of several).
    pub fn of_profiles<'p>(profiles: impl IntoIterator<Item = &'p WireProfile>) -> Self {
        let mut names = Self::default();
        for p in profiles {
            let el = &p.elements;
            for (name, kind) in [
                (&el.provision_code, SecretKind::Code),
                (&el.device_id, SecretKind::DeviceId),
                (&el.push_id, SecretKind::DeviceId),
                (&el.security_strings, SecretKind::Strings),
                (&el.otc, SecretKind::Otc),
                (&el.secret, SecretKind::Credential),
                (&el.password, SecretKind::Credential),
            ] {
                push_unique(&mut names.elements, name, kind);
            }
            for (param, path, kind) in [
                (
                    &p.paths.token_index_id_param,
                    &p.paths.token_index,
                    SecretKind::DeviceId,
                ),
                (&p.paths.qr_text_param, &p.paths.qr_code, SecretKind::Url),
            ] {
                let entry = (param.clone(), path.clone(), kind);
                if !names.params.contains(&entry) {
                    names.params.push(entry);
                }
            }
        }
        names
    }

    /// The names of both built-in profiles.
    pub fn builtin() -> Self {
        let profiles: Vec<WireProfile> = crate::profile::builtin::NAMES
            .iter()
            .filter_map(|n| WireProfile::builtin(n))
            .collect();
        Self::of_profiles(&profiles)
    }

    fn element(&self, name: &[u8]) -> Option<SecretKind> {
        self.elements
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, k)| *k)
    }

    /// The kind of secret parameter `name` carries in a request to `path`.
    fn param(&self, path: &str, name: &str) -> Option<SecretKind> {
        self.params
            .iter()
            .find(|(n, at, _)| n == name && path.ends_with(at.as_str()))
            .map(|(_, _, k)| *k)
    }
}

fn push_unique(list: &mut Vec<(String, SecretKind)>, name: &str, kind: SecretKind) {
    if !list.iter().any(|(n, _)| n == name) {
        list.push((name.to_string(), kind));
    }
}

/// `value` with letters and digits turned into `x`; with `keep_index`, every run of
/// three or more letters and digits keeps its last two characters when they are digits.
pub fn mask(value: &str, kind: SecretKind) -> String {
    let mut out = String::with_capacity(value.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let len = run.chars().count();
        let keep =
            kind.keeps_index() && len >= 3 && run.chars().rev().take(2).all(|c| c.is_ascii_digit());
        for (i, c) in run.chars().enumerate() {
            out.push(if keep && i >= len - 2 { c } else { 'x' });
        }
        run.clear();
    };
    for c in value.chars() {
        if c.is_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Masks the secrets of entries, remembering each value it masked so that the same
/// value is masked wherever else it shows up (in this entry or a later one).
#[derive(Debug, Clone, Default)]
pub struct HarRedactor {
    names: SecretNames,
    learned: HashMap<String, String>,
    order: VecDeque<String>,
}

impl HarRedactor {
    /// A redactor for the given names.
    pub fn new(names: SecretNames) -> Self {
        Self {
            names,
            ..Self::default()
        }
    }

    /// Remembers a secret to mask wherever it appears (e.g. a PIN, the agent secret). Of a
    /// URL only the code it carries is remembered, not its scheme, host or path.
    pub fn learn(&mut self, value: &str, kind: SecretKind) {
        if kind == SecretKind::Url {
            let decoded = decode_component(value);
            let query_code = decoded
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix("code="))
                .map(str::to_string);
            for code in complete_code(&decoded)
                .map(str::to_string)
                .into_iter()
                .chain(query_code)
            {
                self.learn(&code, SecretKind::Code);
            }
            return;
        }
        for token in value.split(|c: char| !is_token_char(c)) {
            if token.len() < MIN_LEARNED || token.len() > MAX_LEARNED {
                continue;
            }
            if self.learned.contains_key(token) {
                continue;
            }
            if self.order.len() >= MAX_REMEMBERED
                && let Some(old) = self.order.pop_front()
            {
                self.learned.remove(&old);
            }
            self.learned.insert(token.to_string(), mask(token, kind));
            self.order.push_back(token.to_string());
        }
    }

    /// Redacts every entry of `har` and notes it in the log comment.
    pub fn redact_har(&mut self, har: &mut Har) {
        for entry in &mut har.log.entries {
            self.redact_entry(entry);
        }
        let note = "secrets masked by swivel-harness (shape kept)";
        har.log.comment = Some(match har.log.comment.take() {
            Some(c) if !c.contains(note) => format!("{c}; {note}"),
            Some(c) => c,
            None => note.to_string(),
        });
    }

    /// Redacts one entry in place.
    pub fn redact_entry(&mut self, entry: &mut Entry) {
        // Structural positions first: they teach the values masked everywhere else.
        if let Some(post) = &mut entry.request.post_data {
            if let Ok(bytes) = post.bytes() {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        post.text = self.mask_xml(&text);
                        post.encoding = None;
                    }
                    Err(e) => {
                        withhold_binary(&mut post.text, &mut post.comment, e.as_bytes().len());
                        post.encoding = None;
                    }
                }
            }
            let path = url_path(&entry.request.url).to_string();
            for p in &mut post.params {
                if let Some(kind) = self.names.param(&path, &p.name) {
                    self.learn(&p.value, kind);
                }
            }
        }
        let content = &mut entry.response.content;
        match content.bytes() {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => content.text = Some(self.mask_xml(&text)),
                Err(e) => {
                    let mut text = String::new();
                    withhold_binary(&mut text, &mut content.comment, e.as_bytes().len());
                    content.text = None;
                }
            },
            // Undecodable base64: nothing in it can be checked, so nothing of it is kept.
            Err(_) => {
                content.text = None;
                content.comment = Some("body withheld by redaction (not valid base64)".into());
            }
        }
        content.encoding = None;
        self.learn_from_url(&entry.request.url);
        let path = url_path(&entry.request.url).to_string();
        for q in &entry.request.query_string {
            if let Some(kind) = self.names.param(&path, &q.name) {
                self.learn(&q.value, kind);
            }
        }

        // Then every text of the entry, by value.
        entry.request.url = self.replace_in_url(&entry.request.url);
        for q in &mut entry.request.query_string {
            q.value = self.replace(&q.value);
        }
        if let Some(post) = &mut entry.request.post_data {
            post.text = self.replace(&post.text);
            for p in &mut post.params {
                p.value = self.replace(&p.value);
            }
        }
        if let Some(text) = &entry.response.content.text {
            entry.response.content.text = Some(self.replace(text));
        }
        self.redact_headers(&mut entry.request.headers);
        self.redact_headers(&mut entry.response.headers);
        for cookie in entry
            .request
            .cookies
            .iter_mut()
            .chain(&mut entry.response.cookies)
        {
            cookie.value = mask(&cookie.value, SecretKind::Credential);
        }
        entry.response.redirect_url = self.replace_in_url(&entry.response.redirect_url);
    }

    fn redact_headers(&self, headers: &mut [NameValue]) {
        for h in headers {
            let name = h.name.to_ascii_lowercase();
            if CREDENTIAL_HEADERS.contains(&name.as_str()) {
                h.value = mask(&h.value, SecretKind::Credential);
            } else if name != "content-length" {
                h.value = self.replace(&h.value);
            }
        }
    }

    /// Masks the secret elements of an XML body and learns their values; text that is
    /// not XML is returned as it is (the by-value pass still runs over it).
    fn mask_xml(&mut self, text: &str) -> String {
        let ranges = match secret_ranges(text, &self.names) {
            Some(ranges) => ranges,
            None => loose_secret_ranges(text, &self.names),
        };
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, kind) in ranges {
            let (Some(before), Some(secret)) = (text.get(at..start), text.get(start..end)) else {
                continue;
            };
            out.push_str(before);
            self.learn(secret, kind);
            out.push_str(&mask(secret, kind));
            at = end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }

    /// Learns the code of a complete URL (`…/complete/<site>/<user>/<code>`).
    fn learn_from_url(&mut self, url: &str) {
        if let Some(code) = complete_code(url) {
            self.learn(code, SecretKind::Code);
        }
    }

    /// The URL with secret query values masked and learned values replaced.
    fn replace_in_url(&mut self, url: &str) -> String {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let path = url_path(url).to_string();
        let mut out = self.replace(base);
        if let Some(query) = query {
            out.push('?');
            let mut pairs = Vec::new();
            for pair in query.split('&') {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = decode_component(key);
                let value = match self.names.param(&path, &name) {
                    Some(kind) => {
                        let plain = decode_component(value);
                        self.learn(&plain, kind);
                        encode_component(&mask(&plain, kind))
                    }
                    None => self.replace(value),
                };
                pairs.push(if pair.contains('=') {
                    format!("{key}={value}")
                } else {
                    key.to_string()
                });
            }
            out.push_str(&pairs.join("&"));
        }
        out
    }

    /// `text` with every learned value (a whole token) replaced by its mask.
    fn replace(&self, text: &str) -> String {
        if self.learned.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut token_start = None;
        for (i, c) in text.char_indices() {
            match (is_token_char(c), token_start) {
                (true, None) => token_start = Some(i),
                (false, Some(start)) => {
                    self.push_token(&mut out, &text[start..i]);
                    token_start = None;
                    out.push(c);
                }
                (false, None) => out.push(c),
                (true, Some(_)) => {}
            }
        }
        if let Some(start) = token_start {
            self.push_token(&mut out, &text[start..]);
        }
        out
    }

    fn push_token(&self, out: &mut String, token: &str) {
        out.push_str(self.learned.get(token).map_or(token, String::as_str));
    }
}

fn withhold_binary(text: &mut String, comment: &mut Option<String>, len: usize) {
    text.clear();
    *comment = Some(format!(
        "binary body of {len} bytes withheld by redaction (an image may encode a code)"
    ));
}

/// The path of an absolute URL (or of a path with a query).
fn url_path(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => without_query,
    }
}

/// The code segment of a complete URL, if `url` is one.
fn complete_code(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| *s == COMPLETE_SEGMENT)?;
    segments.get(at + 3).copied().filter(|s| !s.is_empty())
}

fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Byte ranges of the text of secret elements directly under the root, or `None` when
/// `text` is not well-formed XML.
fn secret_ranges(text: &str, names: &SecretNames) -> Option<Vec<(usize, usize, SecretKind)>> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut depth = 0usize;
    let mut current = None;
    let mut ranges = Vec::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        let after = usize::try_from(reader.buffer_position()).ok()?;
        match event {
            Event::Eof => break,
            Event::Start(start) => {
                depth += 1;
                current = (depth == 2)
                    .then(|| names.element(start.name().as_ref()))
                    .flatten();
            }
            Event::End(_) => {
                if depth == 2 {
                    current = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(_) if depth == 2 => {
                if let Some(kind) = current {
                    ranges.push((before, after, kind));
                }
            }
            Event::CData(_) if depth == 2 => {
                if let Some(kind) = current {
                    let inner = (
                        before + "<![CDATA[".len(),
                        after.saturating_sub("]]>".len()),
                    );
                    if inner.0 <= inner.1 {
                        ranges.push((inner.0, inner.1, kind));
                    }
                }
            }
            _ => {}
        }
    }
    (depth == 0).then_some(ranges)
}

/// For text that is not well-formed XML: the contents of `<Name>…</Name>` at any depth.
fn loose_secret_ranges(text: &str, names: &SecretNames) -> Vec<(usize, usize, SecretKind)> {
    let mut ranges = Vec::new();
    for (name, kind) in &names.elements {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| rest.find(&open)) {
            let start = from + found + open.len();
            let Some(len) = text.get(start..).and_then(|rest| rest.find(&close)) else {
                break;
            };
            ranges.push((start, start + len, *kind));
            from = start + len + close.len();
        }
    }
    ranges.sort_by_key(|r| r.0);
    // Overlaps cannot happen between well-separated elements; drop any that would.
    let mut kept: Vec<(usize, usize, SecretKind)> = Vec::new();
    for r in ranges {
        if kept.last().is_none_or(|last| r.0 >= last.1) {
            kept.push(r);
        }
    }
    kept
}

#[cfg(test)]
mod tests;
