//! [`SasRequest`], a parsed request's fields: every name and value is kept in one text
//! buffer, each field as the ranges of its name and value in it, so a request costs two
//! allocations however many fields it has (the parser runs on every Agent-XML call).

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use super::{MAX_NAME_CHARS, XmlError, clip};

/// Up to this many fields, a repeated name is found by scanning them; past it, by a set.
const SCAN_LIMIT: usize = 16;

/// A parsed request: the root's children as (name, value) pairs, in document
/// order. Names are unique; values are unescaped and trimmed.
#[derive(Clone, Default)]
pub struct SasRequest {
    /// Names and values (and the whitespace trimmed off values), back to back.
    text: String,
    fields: Vec<Field>,
}

#[derive(Debug, Clone)]
struct Field {
    name: Range<usize>,
    value: Range<usize>,
}

impl SasRequest {
    /// The value of child element `name` (exact, case-sensitive match).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| self.is_named(f, name))
            .map(|f| self.slice(&f.value))
    }

    /// Whether `field` is named `name`: lengths first, then bytes (no char-boundary
    /// checks; every handler asks for several names).
    fn is_named(&self, field: &Field, name: &str) -> bool {
        field.name.len() == name.len()
            && self.text.as_bytes().get(field.name.clone()) == Some(name.as_bytes())
    }

    /// The value of child element `name`, or [`XmlError::MissingElement`]. An empty
    /// element (`<Password/>`) is present and yields `Ok("")`.
    pub fn require(&self, name: &str) -> Result<&str, XmlError> {
        self.get(name)
            .ok_or_else(|| XmlError::MissingElement(clip(name, MAX_NAME_CHARS)))
    }

    /// All (name, value) pairs in document order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|f| (self.slice(&f.name), self.slice(&f.value)))
    }

    fn slice(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }
}

impl PartialEq for SasRequest {
    fn eq(&self, other: &Self) -> bool {
        self.fields().eq(other.fields())
    }
}

impl Eq for SasRequest {}

impl fmt::Debug for SasRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SasRequest")
            .field("fields", &self.fields().collect::<Vec<_>>())
            .finish()
    }
}

/// A [`SasRequest`] being parsed: names go into the text as their elements open, values
/// as their text arrives, and a field is recorded when its element closes.
#[derive(Default)]
pub(super) struct Builder {
    request: SasRequest,
    /// The names of the first `seen.len()` fields, once there are more than
    /// [`SCAN_LIMIT`]; extended as needed before each look-up.
    seen: HashSet<Box<str>>,
}

impl Builder {
    /// A builder whose text holds `capacity` bytes before it grows.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            request: SasRequest {
                text: String::with_capacity(capacity),
                fields: Vec::with_capacity(8),
            },
            seen: HashSet::new(),
        }
    }

    /// Number of fields recorded.
    pub(super) fn len(&self) -> usize {
        self.request.fields.len()
    }

    /// Whether a recorded field is named `name`.
    pub(super) fn has(&mut self, name: &str) -> bool {
        let request = &self.request;
        if request.fields.len() <= SCAN_LIMIT {
            return request.fields.iter().any(|f| request.is_named(f, name));
        }
        // Fields are unique, so the set holds exactly the first `seen.len()` names.
        for field in request.fields.iter().skip(self.seen.len()) {
            self.seen.insert(request.slice(&field.name).into());
        }
        self.seen.contains(name)
    }

    /// Appends `name` to the text; returns where it is.
    pub(super) fn push_name(&mut self, name: &str) -> Range<usize> {
        let start = self.request.text.len();
        self.request.text.push_str(name);
        start..self.request.text.len()
    }

    /// Appends value text.
    pub(super) fn push_text(&mut self, text: &str) {
        self.request.text.push_str(text);
    }

    /// Where the next text goes.
    pub(super) fn text_len(&self) -> usize {
        self.request.text.len()
    }

    /// The text at `range` (a name or a value pushed earlier).
    pub(super) fn text(&self, range: &Range<usize>) -> &str {
        self.request.slice(range)
    }

    /// Everything pushed since `start`.
    pub(super) fn text_since(&self, start: usize) -> &str {
        self.request.text.get(start..).unwrap_or_default()
    }

    /// Records a field.
    pub(super) fn push_field(&mut self, name: Range<usize>, value: Range<usize>) {
        self.request.fields.push(Field { name, value });
    }

    /// The finished request.
    pub(super) fn finish(self) -> SasRequest {
        self.request
    }
}
