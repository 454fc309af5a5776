//! Sinks for a real Swivel server (issue 9, protocol.md §12): a real server has no control
//! API, so the harness receives what it sends to the outside instead.
//!
//! - [`syslog`]: a syslog receiver (UDP and TCP, RFC 3164 and RFC 5424) that reads each
//!   SYS-1 line into a typed [`syslog::SyslogEntry`]; the LOG-n checks read these.
//! - [`mail`]: an SMTP receiver that reads each provision message's code, Provision URL
//!   and QR payload with the wire profile's `[mail]` patterns, matched to users by
//!   recipient.
//! - [`io`]: bounded line reading with a timeout, for both receivers.
//! - [`buffer`]: the bounded, sequence-numbered store both keep their findings in, with
//!   "read since" and "wait for a match" for readers.
//!
//! Both are hostile-peer safe: every buffer, line, message and connection count is
//! capped, what cannot be read is counted under a name and dropped, and nothing a peer
//! sends stops a sink.

pub mod buffer;
pub mod io;
pub mod mail;
pub mod syslog;

use std::time::Duration;

pub use buffer::Bounded;

/// Why a sink could not start.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// A socket could not be bound.
    #[error("cannot bind the {what} on {addr}: {source}")]
    Bind {
        /// `syslog UDP socket`, `syslog TCP listener`, `SMTP listener`.
        what: &'static str,
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `[mail]` pattern of the wire profile does not compile.
    #[error("invalid mail pattern `mail.{field}`: {message}")]
    Pattern {
        /// `code`, `provision_url`, `code_in_url` or `qr_payload`.
        field: &'static str,
        /// The regex error.
        message: String,
    },
    /// The configuration asks for nothing to listen on.
    #[error("the syslog sink needs a UDP or a TCP address (or both)")]
    NothingToBind,
}

/// Why a reader's wait ended without an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// Nothing matching arrived in time.
    #[error("nothing matching arrived within {0:?}")]
    Timeout(Duration),
    /// The mail sink knows no address for this user.
    #[error("no e-mail address registered for user \"{0}\"")]
    NotRegistered(String),
}
