//! Provision codes (PC-1..PC-9) and the per-node session stores that hold them (CL-1,
//! CL-2). A code lives in the store of the node that created it unless session sharing
//! puts every node on one store.

use rand::Rng;

use crate::clock::Millis;

pub use super::code_store::CodeStore;

/// Characters in a provision code (PC-8, length [ASSUMED]).
pub const CODE_LENGTH: usize = 10;
const ALPHANUMERIC: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const DIGITS: &[u8] = b"0123456789";

/// A fresh code from the thread's CSPRNG (ChaCha, seeded from the OS): digits only when
/// "Provision Number Is Numeric" is Yes, otherwise upper-case letters and digits without
/// the look-alikes I, O, 0 and 1 (PC-8).
pub fn random_code(numeric: bool) -> String {
    let alphabet = if numeric { DIGITS } else { ALPHANUMERIC };
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// The predictable-codes defect: a zero-padded counter.
pub fn counter_code(counter: u64) -> String {
    format!(
        "{:0width$}",
        counter % 10u64.pow(CODE_LENGTH as u32),
        width = CODE_LENGTH
    )
}

/// Compares a presented code with a stored one without an early exit, so response time
/// does not reveal how many leading characters matched.
pub fn codes_equal(presented: &str, stored: &str) -> bool {
    bytes_equal(presented.as_bytes(), stored.as_bytes())
}

/// [`codes_equal`] on bytes.
pub(crate) fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A code waiting to be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub(crate) code: CodeText,
    pub(crate) issued_at: Millis,
    /// Set when redeemed; only the codes-reusable defect keeps redeemed codes around.
    pub(crate) redeemed: bool,
}

/// A code's characters, inline up to [`CodeText::INLINE`] bytes (every code the server
/// issues is [`CODE_LENGTH`]), so that checking a presented code reads no allocation
/// of its own: with hundreds of thousands of users waiting, each one is a cache miss.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum CodeText {
    /// `bytes[..len]`.
    Inline {
        len: u8,
        bytes: [u8; CodeText::INLINE],
    },
    /// A longer code.
    Heap(Box<str>),
}

impl CodeText {
    /// Longest code kept inline.
    pub(crate) const INLINE: usize = 22;

    /// The code's bytes (UTF-8).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            CodeText::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            CodeText::Heap(text) => text.as_bytes(),
        }
    }
}

impl From<&str> for CodeText {
    fn from(code: &str) -> Self {
        let mut bytes = [0u8; CodeText::INLINE];
        match (bytes.get_mut(..code.len()), u8::try_from(code.len())) {
            (Some(inline), Ok(len)) => {
                inline.copy_from_slice(code.as_bytes());
                CodeText::Inline { len, bytes }
            }
            _ => CodeText::Heap(code.into()),
        }
    }
}

impl std::fmt::Debug for CodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl PendingCode {
    /// Whether the code is still within its validity period: `now < issued_at + validity`
    /// (PC-4; the boundary is [ASSUMED]).
    pub fn is_fresh(&self, now: Millis, validity_secs: u64) -> bool {
        now < self.issued_at.plus_secs(validity_secs)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn code(c: &str, at: u64) -> PendingCode {
        PendingCode {
            code: c.into(),
            issued_at: Millis(at),
            redeemed: false,
        }
    }

    #[test]
    fn pc8_codes_have_length_and_alphabet() {
        for _ in 0..100 {
            let c = random_code(true);
            assert_eq!(c.len(), CODE_LENGTH);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            let c = random_code(false);
            assert_eq!(c.len(), CODE_LENGTH);
            assert!(c.bytes().all(|b| ALPHANUMERIC.contains(&b)));
        }
        assert_ne!(random_code(false), random_code(false));
    }

    #[test]
    fn pc4_boundary_is_exclusive() {
        let c = code("A", 1_000);
        assert!(c.is_fresh(Millis(1_000 + 599_999), 600));
        assert!(!c.is_fresh(Millis(1_000 + 600_000), 600));
    }

    #[test]
    fn pc7_new_code_replaces_older() {
        let mut s = CodeStore::default();
        s.issue(&Arc::from("u"), code("OLD", 0), false);
        s.issue(&Arc::from("u"), code("NEW", 0), false);
        assert_eq!(s.find("u", "OLD", Millis(0), 600, false, false), None);
        assert!(s.find("u", "NEW", Millis(0), 600, false, false).is_some());
    }

    #[test]
    fn pc5_redeemed_code_is_gone() {
        let mut s = CodeStore::default();
        s.issue(&Arc::from("u"), code("C", 0), false);
        assert!(s.redeem("u", "C", false));
        assert_eq!(s.find("u", "C", Millis(0), 600, false, true), None);
        assert!(!s.redeem("u", "C", false));
    }

    #[test]
    fn comparison_needs_exact_match() {
        assert!(codes_equal("ABC", "ABC"));
        assert!(!codes_equal("ABC", "abc"));
        assert!(!codes_equal("AB", "ABC"));
    }

    #[test]
    fn purge_drops_only_expired() {
        let mut s = CodeStore::default();
        s.issue(&Arc::from("old"), code("A", 0), false);
        s.issue(&Arc::from("new"), code("B", 500_000), false);
        s.purge_expired(Millis(600_000), 600);
        assert_eq!(s.pending("old"), 0);
        assert_eq!(s.pending("new"), 1);
    }

    #[test]
    fn counter_codes_are_predictable() {
        assert_eq!(counter_code(1), "0000000001");
        assert_eq!(counter_code(2), "0000000002");
    }
}
