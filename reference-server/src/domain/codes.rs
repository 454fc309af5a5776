//! Provision codes (PC-1..PC-9) and the per-node session stores that hold them (CL-1,
//! CL-2). A code lives in the store of the node that created it unless session sharing
//! puts every node on one store.

use rand::Rng;

use super::FastMap;
use crate::clock::Millis;

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
    let (a, b) = (presented.as_bytes(), stored.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A code waiting to be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub(crate) code: Box<str>,
    pub(crate) issued_at: Millis,
    /// Set when redeemed; only the codes-reusable defect keeps redeemed codes around.
    pub(crate) redeemed: bool,
}

impl PendingCode {
    /// Whether the code is still within its validity period: `now < issued_at + validity`
    /// (PC-4; the boundary is [ASSUMED]).
    pub fn is_fresh(&self, now: Millis, validity_secs: u64) -> bool {
        now < self.issued_at.plus_secs(validity_secs)
    }
}

/// One session store: each user's pending codes. Normally at most one per user (PC-7);
/// the new-code-keeps-old defect lets several pile up.
#[derive(Debug, Default)]
pub struct CodeStore {
    by_user: FastMap<Box<str>, Vec<PendingCode>>,
}

impl CodeStore {
    /// Adds a code for `user`; unless `keep_older`, it replaces older ones (PC-7).
    pub fn issue(&mut self, user: &str, code: PendingCode, keep_older: bool) {
        let codes = self.by_user.entry(user.into()).or_default();
        if !keep_older {
            codes.clear();
        }
        codes.push(code);
    }

    /// The position of a code of `user` equal to `presented`, fresh at `now` (unless
    /// `ignore_expiry`), and unredeemed (unless `allow_redeemed`).
    pub fn find(
        &self,
        user: &str,
        presented: &str,
        now: Millis,
        validity_secs: u64,
        ignore_expiry: bool,
        allow_redeemed: bool,
    ) -> Option<usize> {
        self.by_user.get(user)?.iter().position(|c| {
            codes_equal(presented, &c.code)
                && (ignore_expiry || c.is_fresh(now, validity_secs))
                && (allow_redeemed || !c.redeemed)
        })
    }

    /// Consumes the code equal to `code` for `user`: removed, or only marked redeemed when
    /// `keep` (codes-reusable defect). Returns whether a code was there.
    pub fn redeem(&mut self, user: &str, code: &str, keep: bool) -> bool {
        let Some(codes) = self.by_user.get_mut(user) else {
            return false;
        };
        let Some(pos) = codes.iter().position(|c| codes_equal(code, &c.code)) else {
            return false;
        };
        if keep {
            codes[pos].redeemed = true;
        } else {
            codes.remove(pos);
        }
        if codes.is_empty() {
            self.by_user.remove(user);
        }
        true
    }

    /// Drops every pending code of `user` (PC-6: a failed attempt consumes them).
    pub fn discard(&mut self, user: &str) {
        self.by_user.remove(user);
    }

    /// How many codes `user` has waiting.
    pub fn pending(&self, user: &str) -> usize {
        self.by_user.get(user).map_or(0, Vec::len)
    }

    /// Drops codes that have expired at `now`, so stores do not grow with abandoned codes.
    pub fn purge_expired(&mut self, now: Millis, validity_secs: u64) {
        self.by_user.retain(|_, codes| {
            codes.retain(|c| c.is_fresh(now, validity_secs));
            !codes.is_empty()
        });
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.by_user.clear();
    }
}

#[cfg(test)]
mod tests {
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
        s.issue("u", code("OLD", 0), false);
        s.issue("u", code("NEW", 0), false);
        assert_eq!(s.find("u", "OLD", Millis(0), 600, false, false), None);
        assert!(s.find("u", "NEW", Millis(0), 600, false, false).is_some());
    }

    #[test]
    fn pc5_redeemed_code_is_gone() {
        let mut s = CodeStore::default();
        s.issue("u", code("C", 0), false);
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
        s.issue("old", code("A", 0), false);
        s.issue("new", code("B", 500_000), false);
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
