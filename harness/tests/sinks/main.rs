//! The harness's sinks for a real server (issue 9), over real sockets on loopback only:
//! the syslog sink reads back every LOG-n text of protocol.md §7 sent as a SYS-1 line
//! (RFC 3164 and 5424, UDP and both TCP framings) and survives floods, garbage, oversized
//! lines and stalled clients; the mail sink receives real SMTP, extracts the code, the
//! Provision URL and the QR payload from the reference server's message texts, and
//! survives a mail without a code, a 20 MB mail, garbage commands and stalled clients.
//! The reference server's own outlets (`serve --syslog`, `--smtp-relay`) feed both
//! sinks: every LOG ID caused over HTTP arrives as its SYS-1 line, mailed codes equal
//! the outbox's, and a dead relay slows nothing.
//! Every loop here is bounded in count and time.

// Test code: a failed unwrap is a failed test (helpers outside #[test] functions too).
#![allow(clippy::unwrap_used)]

mod mail;
mod serve_cli;
mod server;
mod server_mail;
mod server_syslog;
mod smtp_client;
mod syslog;

use std::time::Duration;

/// Upper bound for anything that must not hang.
pub const BOUND: Duration = Duration::from_secs(10);

/// Polls `done` every 20 ms until it holds or `BOUND` passes; returns whether it held.
pub async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + BOUND;
    while tokio::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}
