//! [`CodeStore`], one session store (CL-1, CL-2): each user's pending provision codes.
//! Normally at most one per user (PC-7); the new-code-keeps-old defect lets several
//! pile up.
//!
//! A provision checks and consumes a code under the core's lock, for one of possibly
//! hundreds of thousands of users, so a look-up is kept to the table itself: the key is
//! the user's name shared with the user table (already in cache when the store is
//! searched), and a single code is held inline with its characters (no vector, no
//! string of its own to fetch or free).

use std::sync::Arc;

use super::FastMap;
use super::codes::{PendingCode, bytes_equal};
use crate::clock::Millis;

/// One user's pending codes.
#[derive(Debug)]
enum Pending {
    /// The usual case.
    One(PendingCode),
    /// Under the new-code-keeps-old defect; never empty.
    Many(Vec<PendingCode>),
}

impl Pending {
    fn as_slice(&self) -> &[PendingCode] {
        match self {
            Pending::One(code) => std::slice::from_ref(code),
            Pending::Many(codes) => codes,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [PendingCode] {
        match self {
            Pending::One(code) => std::slice::from_mut(code),
            Pending::Many(codes) => codes,
        }
    }

    fn push(&mut self, code: PendingCode) {
        match self {
            Pending::One(first) => *self = Pending::Many(vec![first.clone(), code]),
            Pending::Many(codes) => codes.push(code),
        }
    }

    /// Removes the code at `pos`; false when none is left.
    fn remove(&mut self, pos: usize) -> bool {
        match self {
            Pending::One(_) => false,
            Pending::Many(codes) => {
                if pos < codes.len() {
                    codes.remove(pos);
                }
                !codes.is_empty()
            }
        }
    }

    /// Keeps the codes `keep` accepts; false when none is left.
    fn retain(&mut self, keep: impl Fn(&PendingCode) -> bool) -> bool {
        match self {
            Pending::One(code) => keep(code),
            Pending::Many(codes) => {
                codes.retain(keep);
                !codes.is_empty()
            }
        }
    }
}

/// One session store; see the module documentation.
#[derive(Debug, Default)]
pub struct CodeStore {
    by_user: FastMap<Arc<str>, Pending>,
}

impl CodeStore {
    /// Adds a code for `user` (the name as the user table holds it); unless
    /// `keep_older`, it replaces older ones (PC-7).
    pub fn issue(&mut self, user: &Arc<str>, code: PendingCode, keep_older: bool) {
        match self.by_user.get_mut(&**user) {
            Some(pending) if keep_older => pending.push(code),
            Some(pending) => *pending = Pending::One(code),
            None => {
                self.by_user.insert(Arc::clone(user), Pending::One(code));
            }
        }
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
        self.by_user.get(user)?.as_slice().iter().position(|c| {
            bytes_equal(presented.as_bytes(), c.code.as_bytes())
                && (ignore_expiry || c.is_fresh(now, validity_secs))
                && (allow_redeemed || !c.redeemed)
        })
    }

    /// Consumes the code equal to `code` for `user`: removed, or only marked redeemed when
    /// `keep` (codes-reusable defect). Returns whether a code was there.
    pub fn redeem(&mut self, user: &str, code: &str, keep: bool) -> bool {
        let Some(pending) = self.by_user.get_mut(user) else {
            return false;
        };
        let codes = pending.as_mut_slice();
        let Some(pos) = codes
            .iter()
            .position(|c| bytes_equal(code.as_bytes(), c.code.as_bytes()))
        else {
            return false;
        };
        if keep {
            codes[pos].redeemed = true;
        } else if !pending.remove(pos) {
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
        self.by_user.get(user).map_or(0, |p| p.as_slice().len())
    }

    /// Drops codes that have expired at `now`, so stores do not grow with abandoned codes.
    pub fn purge_expired(&mut self, now: Millis, validity_secs: u64) {
        self.by_user
            .retain(|_, pending| pending.retain(|c| c.is_fresh(now, validity_secs)));
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.by_user.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> PendingCode {
        PendingCode {
            code: c.into(),
            issued_at: Millis(0),
            redeemed: false,
        }
    }

    #[test]
    fn several_codes_under_the_keep_old_defect_are_found_redeemed_and_purged() {
        let mut s = CodeStore::default();
        let u: Arc<str> = Arc::from("u");
        s.issue(&u, code("A"), true);
        s.issue(&u, code("B"), true);
        s.issue(&u, code("C"), true);
        assert_eq!(s.pending("u"), 3);
        assert_eq!(s.find("u", "B", Millis(0), 600, false, false), Some(1));
        assert!(s.redeem("u", "B", false));
        assert_eq!(s.find("u", "C", Millis(0), 600, false, false), Some(1));
        assert!(s.redeem("u", "A", true));
        assert_eq!(s.find("u", "A", Millis(0), 600, false, false), None);
        assert_eq!(s.find("u", "A", Millis(0), 600, false, true), Some(0));
        s.issue(&u, code("D"), false);
        assert_eq!(s.pending("u"), 1);
        s.purge_expired(Millis(600_000), 600);
        assert_eq!(s.pending("u"), 0);
    }

    #[test]
    fn long_codes_are_kept_too() {
        let mut s = CodeStore::default();
        let u: Arc<str> = Arc::from("u");
        let long = "X".repeat(40);
        s.issue(&u, code(&long), false);
        assert!(s.find("u", &long, Millis(0), 600, false, false).is_some());
        assert!(
            s.find("u", &long[..39], Millis(0), 600, false, false)
                .is_none()
        );
        assert!(s.redeem("u", &long, false));
        assert_eq!(s.pending("u"), 0);
    }
}
