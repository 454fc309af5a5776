//! CLI-4: the PIN never leaves the phone: no request, header or URL holds it (as a whole
//! token: not inside a longer run of letters or digits), nor a whole security string (its
//! ten characters). Every request the app sent is searched, on both ports, in its path
//! and query, every header but the connection's own (`Host`, `Content-Length`), and its
//! body. Searched raw: the capture file is redacted, the tap is not.

use aho_corasick::AhoCorasick;

use super::evidence::Evidence;
use super::{Judged, listing};
use crate::verdict::Verdict;

const EXPECTED: &str =
    "no request, header or URL holding the PIN or the ten characters of a security string";
/// Headers that describe the connection, not the app's data.
const SKIPPED_HEADERS: &[&str] = &["host", "content-length"];

/// Whether `pin` occurs in `text` as a whole token.
pub fn holds_pin(text: &str, pin: &str) -> bool {
    if pin.is_empty() {
        return false;
    }
    let bytes = text.as_bytes();
    text.match_indices(pin).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at + pin.len());
        !before.is_some_and(u8::is_ascii_alphanumeric)
            && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Judges CLI-4 over the whole run.
pub fn cli4(ev: &Evidence) -> Judged {
    if ev.calls.is_empty() && ev.untrusted.iter().all(|u| u.seen.request_line.is_none()) {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app sent nothing: there is nothing to search",
            Vec::new(),
        );
    }
    let bodies: Vec<String> = ev
        .sets()
        .iter()
        .flat_map(|set| {
            crate::codec::strings::strings_in_order(&set.text, &ev.facts.profile)
                .into_iter()
                .filter_map(|s| s.get(..10).map(str::to_string))
                .collect::<Vec<_>>()
        })
        .filter(|s| s.len() == 10)
        .collect();
    let strings = AhoCorasick::new(&bodies).ok();
    let pin = &ev.facts.pin;
    let mut problems = Vec::new();
    let mut seqs = Vec::new();
    let mut searched = 0;
    for c in &ev.calls {
        searched += 1;
        let s = &c.seen;
        let path_query = s
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default();
        let mut parts = vec![
            ("the URL".to_string(), path_query),
            ("the body".to_string(), s.body.clone()),
        ];
        for (name, value) in &s.headers {
            if !SKIPPED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                parts.push((format!("the {name} header"), value.clone()));
            }
        }
        for (place, text) in parts {
            if holds_pin(&text, pin) {
                problems.push(format!(
                    "{} #{} holds the PIN in {place}",
                    c.call.name(),
                    c.seq
                ));
                seqs.push(c.seq);
            }
            if strings.as_ref().is_some_and(|a| a.is_match(&text)) {
                problems.push(format!(
                    "{} #{} holds a security string in {place}",
                    c.call.name(),
                    c.seq
                ));
                seqs.push(c.seq);
            }
        }
    }
    for u in &ev.untrusted {
        if let Some(line) = &u.seen.request_line {
            searched += 1;
            if holds_pin(line, pin) {
                problems.push(format!(
                    "the request to the untrusted port #{} holds the PIN",
                    u.seq
                ));
                seqs.push(u.seq);
            }
        }
    }
    seqs.dedup();
    if problems.is_empty() {
        Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!(
                "{searched} request(s) searched for the PIN and {} string(s): none found",
                bodies.len()
            ),
            seqs,
        )
    } else {
        Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs)
    }
}

#[cfg(test)]
mod tests {
    use super::holds_pin;

    #[test]
    fn the_pin_counts_as_a_whole_token_only() {
        assert!(holds_pin("<DeviceOS>x (pin 3759)</DeviceOS>", "3759"));
        assert!(holds_pin("3759", "3759"));
        assert!(holds_pin("a?pin=3759&b", "3759"));
        assert!(!holds_pin("port 37591", "3759"));
        assert!(!holds_pin("ab3759", "3759"));
        assert!(!holds_pin("anything", ""));
    }
}
