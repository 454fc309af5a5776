//! Taps: what the core hands to the outside as it happens, for a server that imitates
//! a real one's outside interfaces (protocol.md §12). Every log entry written can go to
//! a syslog outlet ([`LogRecord`]) and every message delivered to an e-mail transport to
//! an SMTP outlet ([`MailRecord`]). Each tap is the sending half of a bounded queue,
//! fed with `try_send` under the core's lock: a full queue drops the record and counts
//! it, so no outlet can block or fail a request. The outlets themselves (sockets, SMTP)
//! are in [`crate::outlets`]; without them the taps are off and cost one branch.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::sync::mpsc;

use super::log::LogLine;
use super::log_text::LogText;
use crate::clock::Millis;

/// One log entry on its way to syslog.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// The node (1-based) that wrote it.
    pub node: u16,
    /// Clock time when it was written (the server's injected clock).
    pub at_ms: Millis,
    /// Which LOG-n line it is (level, client rule).
    pub line: LogLine,
    /// The client of the request that caused it; `None` for queue deliveries (LOG-4) and
    /// requests that came from no client (the control API).
    pub client: Option<SocketAddr>,
    pub(crate) text: LogText,
}

impl LogRecord {
    /// The entry's text, exactly as the log shows it.
    pub fn text(&self) -> String {
        self.text.render()
    }
}

/// One message delivered to an e-mail transport, on its way to the SMTP relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    /// The node that sent it.
    pub node: u16,
    /// The recipient user.
    pub username: String,
    /// The e-mail address (the transport's destination).
    pub to: String,
    /// The message text, as the outbox holds it.
    pub body: String,
}

/// What went through the taps and the outlets behind them.
#[derive(Debug, Default)]
pub struct TapCounters {
    log_queued: AtomicU64,
    log_dropped: AtomicU64,
    log_sent: AtomicU64,
    log_failed: AtomicU64,
    mail_queued: AtomicU64,
    mail_dropped: AtomicU64,
    mail_sent: AtomicU64,
    mail_failed: AtomicU64,
}

/// A snapshot of [`TapCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TapStats {
    /// Log entries queued for syslog.
    pub log_queued: u64,
    /// Log entries dropped because the syslog queue was full.
    pub log_dropped: u64,
    /// SYS-1 lines sent.
    pub log_sent: u64,
    /// SYS-1 lines the socket refused.
    pub log_failed: u64,
    /// Messages queued for the SMTP relay.
    pub mail_queued: u64,
    /// Messages dropped because the SMTP queue was full.
    pub mail_dropped: u64,
    /// Mails the relay accepted.
    pub mail_sent: u64,
    /// Mails that could not be sent (relay down, refused, timed out).
    pub mail_failed: u64,
}

impl TapCounters {
    /// The counts now.
    pub fn stats(&self) -> TapStats {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        TapStats {
            log_queued: get(&self.log_queued),
            log_dropped: get(&self.log_dropped),
            log_sent: get(&self.log_sent),
            log_failed: get(&self.log_failed),
            mail_queued: get(&self.mail_queued),
            mail_dropped: get(&self.mail_dropped),
            mail_sent: get(&self.mail_sent),
            mail_failed: get(&self.mail_failed),
        }
    }

    /// A SYS-1 line went out (`ok`) or the socket refused it; returns that outcome's
    /// count so far.
    pub fn log_done(&self, ok: bool) -> u64 {
        bump(if ok { &self.log_sent } else { &self.log_failed })
    }

    /// A mail went out (`ok`) or could not be sent; returns that outcome's count so far.
    pub fn mail_done(&self, ok: bool) -> u64 {
        bump(if ok {
            &self.mail_sent
        } else {
            &self.mail_failed
        })
    }
}

/// Adds one and returns the new count.
fn bump(counter: &AtomicU64) -> u64 {
    counter.fetch_add(1, Ordering::Relaxed) + 1
}

/// Whether `n` deserves a warning: the 1st, 2nd, 4th, 8th, … of its kind, so a dead
/// outlet under load is reported without flooding the server's own output.
pub(crate) fn worth_warning(n: u64) -> bool {
    n.is_power_of_two()
}

/// The sending halves of the outlets' queues; both off by default.
#[derive(Debug, Clone, Default)]
pub struct Taps {
    log: Option<mpsc::Sender<LogRecord>>,
    mail: Option<mpsc::Sender<MailRecord>>,
    counters: Arc<TapCounters>,
}

impl Taps {
    /// Taps feeding `log` and `mail` (either may be off), counting into `counters`.
    pub fn new(
        log: Option<mpsc::Sender<LogRecord>>,
        mail: Option<mpsc::Sender<MailRecord>>,
        counters: Arc<TapCounters>,
    ) -> Self {
        Self {
            log,
            mail,
            counters,
        }
    }

    /// The counters.
    pub fn counters(&self) -> &Arc<TapCounters> {
        &self.counters
    }

    /// Whether log entries are tapped (so the caller need not build a record).
    pub(crate) fn logs(&self) -> bool {
        self.log.is_some()
    }

    /// Whether mails are tapped.
    pub(crate) fn mails(&self) -> bool {
        self.mail.is_some()
    }

    /// Queues a log entry, never waiting: a full or closed queue drops it (counted).
    pub(crate) fn log(&self, record: LogRecord) {
        let Some(tx) = &self.log else { return };
        let c = &self.counters;
        match tx.try_send(record) {
            Ok(()) => {
                bump(&c.log_queued);
            }
            Err(_) => {
                let n = bump(&c.log_dropped);
                if worth_warning(n) {
                    tracing::warn!(dropped = n, "syslog queue full; log entries dropped");
                }
            }
        }
    }

    /// Queues a mail, never waiting: a full or closed queue drops it (counted).
    pub(crate) fn mail(&self, record: MailRecord) {
        let Some(tx) = &self.mail else { return };
        let c = &self.counters;
        match tx.try_send(record) {
            Ok(()) => {
                bump(&c.mail_queued);
            }
            Err(_) => {
                let n = bump(&c.mail_dropped);
                if worth_warning(n) {
                    tracing::warn!(dropped = n, "SMTP queue full; mails dropped");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str) -> MailRecord {
        MailRecord {
            node: 1,
            username: "u".into(),
            to: to.into(),
            body: "b".into(),
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_waiting() {
        let (tx, mut rx) = mpsc::channel(1);
        let taps = Taps::new(None, Some(tx), Arc::default());
        taps.mail(mail("a@x"));
        taps.mail(mail("b@x"));
        let stats = taps.counters().stats();
        assert_eq!((stats.mail_queued, stats.mail_dropped), (1, 1));
        assert_eq!(rx.try_recv().map(|m| m.to), Ok("a@x".to_string()));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn off_taps_take_nothing() {
        let taps = Taps::default();
        assert!(!taps.logs() && !taps.mails());
        taps.mail(mail("a@x"));
        assert_eq!(taps.counters().stats(), TapStats::default());
    }

    #[test]
    fn warnings_thin_out() {
        let warned: Vec<u64> = (1..=20).filter(|n| worth_warning(*n)).collect();
        assert_eq!(warned, [1, 2, 4, 8, 16]);
    }
}
