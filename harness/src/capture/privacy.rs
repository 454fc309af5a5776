//! Keeping the capture's values out of what `profile check` and `profile infer` write.
//! Those commands only ever write names and spellings (element names, action, result
//! and error spellings, flag words) and counts; as a second line of defence every value
//! a capture holds in a secret position (provision codes, device ids, strings, OTCs,
//! agent secrets, passwords, push ids, QR payloads, codes of complete URLs) is
//! collected, a spelling that holds one is never used, and the finished output is
//! scanned before it is written: a hit is an error, not a leak.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::classify::{Classified, Kind};
use crate::codec::xml::Element;
use crate::profile::{WireProfile, builtin};

/// Values shorter than this are not tracked (a PIN is 4 digits, the shortest secret).
const MIN_SECRET: usize = 4;

/// The secret values of one capture.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    values: BTreeSet<String>,
    element_names: BTreeSet<String>,
    /// Parameters whose whole value is a secret (a device id).
    param_names: BTreeSet<String>,
    /// Parameters whose value is a URL carrying a code (a QR payload).
    url_param_names: BTreeSet<String>,
    /// Every value at once, built on first use: a large capture holds many thousand
    /// strings, and an output is searched for all of them in one pass.
    matcher: OnceLock<Option<AhoCorasick>>,
}

/// An output held a value from the capture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to write {what}: it would hold a value from the capture (a code, device id, string or secret); please report this"
)]
pub struct Leak {
    /// Which output.
    pub what: String,
}

impl Secrets {
    /// Collects the secrets of `classified`, by the names of `profile` and of every
    /// built-in profile.
    pub(crate) fn collect(classified: &[Classified<'_>], profile: &WireProfile) -> Self {
        let mut s = Self::default();
        let mut profiles = vec![profile.clone()];
        profiles.extend(
            builtin::NAMES
                .iter()
                .filter_map(|n| WireProfile::builtin(n)),
        );
        for p in &profiles {
            let el = &p.elements;
            for name in [
                &el.provision_code,
                &el.device_id,
                &el.push_id,
                &el.security_strings,
                &el.otc,
                &el.secret,
                &el.password,
            ] {
                s.element_names.insert(name.to_ascii_lowercase());
            }
            s.param_names.insert(p.paths.token_index_id_param.clone());
            s.url_param_names.insert(p.paths.qr_text_param.clone());
        }
        for c in classified {
            for root in [&c.request, &c.reply].into_iter().flatten() {
                s.collect_element(root);
            }
            // A device id in a TokenIndex query, a code in a QR link's payload (the Site
            // ID lookup's `id` is no secret).
            for (name, value) in c.ex.query.iter().chain(&c.ex.form) {
                if c.kind == Kind::TokenIndex && s.param_names.contains(name) {
                    s.add(value);
                } else if c.kind == Kind::QrCode
                    && s.url_param_names.contains(name)
                    && let Some(code) = code_in_url(value)
                {
                    s.add(code);
                }
            }
        }
        s
    }

    fn collect_element(&mut self, root: &Element) {
        for child in &root.children {
            if self
                .element_names
                .contains(&child.name.to_ascii_lowercase())
            {
                let text = child.text.clone();
                self.add(&text);
            }
        }
    }

    /// Tracks `value` and each of its tokens (runs of letters, digits, `-` and `_`: a
    /// strings reply is many).
    pub fn add(&mut self, value: &str) {
        self.matcher = OnceLock::new();
        let value = value.trim();
        if value.chars().count() >= MIN_SECRET {
            self.values.insert(value.to_string());
        }
        for token in value.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')) {
            if token.chars().count() >= MIN_SECRET {
                self.values.insert(token.to_string());
            }
        }
    }

    /// Whether `text` holds a tracked value.
    pub fn leaks(&self, text: &str) -> bool {
        let matcher = self.matcher.get_or_init(|| {
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .build(&self.values)
                .ok()
        });
        match matcher {
            Some(m) => m.is_match(text),
            // Never expected (the values are plain strings); the slow way then.
            None => self.values.iter().any(|v| text.contains(v.as_str())),
        }
    }

    /// `Ok` when `text` (output `what`) holds no tracked value.
    pub fn guard(&self, what: &str, text: &str) -> Result<(), Leak> {
        if self.leaks(text) {
            Err(Leak {
                what: what.to_string(),
            })
        } else {
            Ok(())
        }
    }

    /// How many values are tracked.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The code a Provision URL (`code=`) or complete URL (`…/complete/<site>/<user>/<code>`)
/// carries; the rest of a URL (scheme, host, path words) is no secret.
fn code_in_url(url: &str) -> Option<&str> {
    if let Some(code) = url.split(['?', '&']).find_map(|p| p.strip_prefix("code=")) {
        return Some(code);
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| *s == "complete")?;
    segments.get(at + 3).copied().filter(|s| !s.is_empty())
}

/// `value` when it is fit to be written as a spelling: short, printable, no markup.
pub fn spelling(value: &str) -> Option<&str> {
    let ok = value.chars().count() <= 64
        && !value
            .chars()
            .any(|c| c.is_control() || "<>\"\\`|".contains(c));
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_strings_reply_are_tracked_and_short_ones_not() {
        let mut s = Secrets::default();
        s.add(";491827630501;123456789002");
        s.add("abc");
        assert!(s.leaks("xx 123456789002 yy"));
        assert!(!s.leaks("abc and 4918"));
        assert_eq!(
            s.guard("t", "491827630501").unwrap_err().to_string(),
            "refusing to write t: it would hold a value from the capture (a code, device id, string or secret); please report this"
        );
        assert_eq!(
            spelling("application/xml; charset=utf-8"),
            Some("application/xml; charset=utf-8")
        );
        assert_eq!(spelling("<x>"), None);
        assert_eq!(
            code_in_url("http://h/smc/complete/S/u/C0DE1234"),
            Some("C0DE1234")
        );
        assert_eq!(
            code_in_url("swivelsecure://provision/?server=h&code=C0DE1234"),
            Some("C0DE1234")
        );
        assert_eq!(code_in_url("http://h/other"), None);
        assert_eq!(spelling(&"a".repeat(65)), None);
    }
}
