//! Counters a load run keeps beside goose's own metrics: protocol errors (a reply came
//! back and broke a rule) by kind, HTTP errors (an unexpected status), transport errors
//! (no reply), the checks that passed, expected refusals, cross-node attempts, and on a
//! real server the codes that never arrived by e-mail (neither a protocol nor a
//! transport error: the server may have sent them late, or not at all).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Shared by every goose user of a run.
#[derive(Debug, Default)]
pub struct LoadStats {
    checks_passed: AtomicU64,
    expected_refusals: AtomicU64,
    transport_errors: AtomicU64,
    http_errors: AtomicU64,
    cross_node_attempts: AtomicU64,
    cross_node_refused: AtomicU64,
    codes_not_arrived: AtomicU64,
    protocol_errors: Mutex<BTreeMap<String, u64>>,
}

/// The counters at the end of a run (written as `swivel-load-summary.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// Replies that met their protocol check.
    pub checks_passed: u64,
    /// Of those, refusals the protocol requires (reused code, used OTC, …).
    pub expected_refusals: u64,
    /// Replies that broke a rule, by kind.
    pub protocol_errors: BTreeMap<String, u64>,
    /// Total of `protocol_errors`.
    pub protocol_error_total: u64,
    /// Unexpected HTTP statuses.
    pub http_errors: u64,
    /// Requests that got no reply (refused, reset, timed out).
    pub transport_errors: u64,
    /// Codes presented to another node than the one that issued them.
    pub cross_node_attempts: u64,
    /// Of those, refused (CL-1 without session sharing).
    pub cross_node_refused: u64,
    /// Codes asked for whose mail never reached the mail sink within the wait (a real
    /// server only); each ended its iteration.
    #[serde(default)]
    pub codes_not_arrived: u64,
    /// How long a code's mail was waited for, in seconds; `None` when codes come from a
    /// control API (nothing is waited for).
    #[serde(default)]
    pub code_wait_s: Option<u64>,
}

impl LoadStats {
    /// A check passed.
    pub fn pass(&self) {
        self.checks_passed.fetch_add(1, Ordering::Relaxed);
    }

    /// A required refusal came back.
    pub fn expected_refusal(&self) {
        self.expected_refusals.fetch_add(1, Ordering::Relaxed);
        self.pass();
    }

    /// A reply broke a rule.
    pub fn protocol_error(&self, kind: &str) {
        let mut errors = self
            .protocol_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *errors.entry(kind.to_string()).or_default() += 1;
    }

    /// An unexpected status.
    pub fn http_error(&self) {
        self.http_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// No reply.
    pub fn transport_error(&self) {
        self.transport_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// A cross-node attempt, refused or not.
    pub fn cross_node(&self, refused: bool) {
        self.cross_node_attempts.fetch_add(1, Ordering::Relaxed);
        if refused {
            self.cross_node_refused.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A code's mail did not arrive within the wait.
    pub fn code_not_arrived(&self) {
        self.codes_not_arrived.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn summary(&self) -> LoadSummary {
        let protocol_errors = self
            .protocol_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        LoadSummary {
            checks_passed: self.checks_passed.load(Ordering::Relaxed),
            expected_refusals: self.expected_refusals.load(Ordering::Relaxed),
            protocol_error_total: protocol_errors.values().sum(),
            protocol_errors,
            http_errors: self.http_errors.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
            cross_node_attempts: self.cross_node_attempts.load(Ordering::Relaxed),
            cross_node_refused: self.cross_node_refused.load(Ordering::Relaxed),
            codes_not_arrived: self.codes_not_arrived.load(Ordering::Relaxed),
            code_wait_s: None,
        }
    }
}

impl LoadSummary {
    /// A short table for the terminal and the Markdown summary.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("| counter | value |\n|---|---:|\n");
        let mut row = |k: &str, v: u64| out.push_str(&format!("| {k} | {v} |\n"));
        row("protocol checks passed", self.checks_passed);
        row("  of which expected refusals", self.expected_refusals);
        row("protocol errors", self.protocol_error_total);
        row("HTTP errors", self.http_errors);
        row("transport errors", self.transport_errors);
        row("cross-node attempts", self.cross_node_attempts);
        row("  of which refused", self.cross_node_refused);
        if let Some(wait) = self.code_wait_s {
            row(
                &format!("codes that never arrived (waited {wait} s)"),
                self.codes_not_arrived,
            );
        }
        if !self.protocol_errors.is_empty() {
            out.push_str("\n| protocol error | count |\n|---|---:|\n");
            for (kind, n) in &self.protocol_errors {
                out.push_str(&format!("| {} | {n} |\n", kind.replace('|', "\\|")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_up() {
        let s = LoadStats::default();
        s.pass();
        s.expected_refusal();
        s.protocol_error("provision: reused code accepted (PC-5)");
        s.protocol_error("provision: reused code accepted (PC-5)");
        s.transport_error();
        s.cross_node(true);
        let sum = s.summary();
        assert_eq!(sum.checks_passed, 2);
        assert_eq!(sum.expected_refusals, 1);
        assert_eq!(sum.protocol_error_total, 2);
        assert_eq!(sum.transport_errors, 1);
        assert_eq!(sum.cross_node_refused, 1);
        assert!(sum.to_markdown().contains("| protocol errors | 2 |"));
        assert!(!sum.to_markdown().contains("never arrived"));
    }

    #[test]
    fn codes_that_never_arrived_are_their_own_kind() {
        let s = LoadStats::default();
        s.code_not_arrived();
        let mut sum = s.summary();
        assert_eq!(sum.codes_not_arrived, 1);
        assert_eq!(sum.protocol_error_total, 0);
        assert_eq!(sum.transport_errors, 0);
        sum.code_wait_s = Some(10);
        assert!(
            sum.to_markdown()
                .contains("| codes that never arrived (waited 10 s) | 1 |")
        );
    }
}
