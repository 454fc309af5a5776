//! The injected time source. Every rule that depends on time (code expiry PC-4, log
//! stamps) reads [`Clock::now`]; nothing in the domain reads the wall clock directly, so
//! tests and the control API move time forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Millis(pub u64);

impl Millis {
    /// This instant moved forward by whole seconds (saturating).
    pub fn plus_secs(self, secs: u64) -> Millis {
        Millis(self.0.saturating_add(secs.saturating_mul(1000)))
    }
}

/// A source of "now" that the control API can move forward.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> Millis;
    /// Moves the clock forward; time never goes back.
    fn advance(&self, millis: u64);
}

/// A clock that only moves when told to: the default for tests and for embedded
/// conformance runs, where a 600-second expiry must take milliseconds.
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A manual clock standing at `start`.
    pub fn new(start: Millis) -> Self {
        Self {
            now: AtomicU64::new(start.0),
        }
    }

    /// A manual clock at a fixed, recognisable instant (2026-01-01T00:00:00Z), so that
    /// transcripts of two runs compare equal.
    pub fn fixed() -> Self {
        Self::new(Millis(1_767_225_600_000))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        Millis(self.now.load(Ordering::SeqCst))
    }

    fn advance(&self, millis: u64) {
        self.now.fetch_add(millis, Ordering::SeqCst);
    }
}

/// Wall-clock time plus an offset the control API can grow: what `serve` uses, so codes
/// expire in real time for a person with a phone, and a script can still jump ahead.
#[derive(Debug, Default)]
pub struct SystemClock {
    offset: AtomicU64,
}

impl SystemClock {
    /// A wall clock with no offset.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        // A clock before 1970 is a broken host; reading it as the epoch keeps serving.
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Millis(wall.saturating_add(self.offset.load(Ordering::SeqCst)))
    }

    fn advance(&self, millis: u64) {
        self.offset.fetch_add(millis, Ordering::SeqCst);
    }
}

/// The shared handle every part of the server holds.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::fixed();
        let before = clock.now();
        assert_eq!(clock.now(), before);
        clock.advance(1500);
        assert_eq!(clock.now(), Millis(before.0 + 1500));
    }

    #[test]
    fn system_clock_offset_adds_to_wall_time() {
        let clock = SystemClock::new();
        let before = clock.now();
        clock.advance(3_600_000);
        assert!(clock.now().0 >= before.0 + 3_600_000);
    }
}
