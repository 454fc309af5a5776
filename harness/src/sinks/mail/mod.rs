//! The mail sink: where a real server's SMTP transport points (protocol.md §12), so the
//! provision codes it sends to users' alert transports reach the harness. An SMTP
//! receiver ([`smtp`], our own: a small strict state machine is simpler and tighter to
//! bound than the SMTP server crates on offer, which are thread-based, unmaintained, or
//! full mail servers) hands each accepted message to [`extract`], which reads the code,
//! the Provision URL and the QR payload with the wire profile's `[mail]` patterns.
//! Messages are kept in a bounded buffer and matched to users by recipient address.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use swivel_harness::profile::WireProfile;
//! use swivel_harness::sinks::mail::{MailConfig, MailSink};
//! let profile = WireProfile::default_profile();
//! let sink = MailSink::bind(MailConfig::loopback(), &profile.mail_patterns()).await?;
//! sink.register_user("alice", "alice@example.test");
//! let from = sink.newest_seq();
//! // … point the server's SMTP transport at sink.local_addr() and ask for a code …
//! let mail = sink.wait_for_user(from, Duration::from_secs(30), "alice").await?;
//! let code = mail.extracted.code.clone(); // None is a mail without a code, counted
//! # Ok(()) }
//! ```

pub mod extract;
mod smtp;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

pub use extract::{Extracted, MailPatterns};

use super::buffer::{Bounded, BufferStats};
use super::{SinkError, WaitError};
use crate::profile::MailSection;

/// Where and how much the sink receives.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// Address to listen on (`127.0.0.1:2525`).
    pub bind: SocketAddr,
    /// The name in the greeting and EHLO reply.
    pub hostname: String,
    /// Largest message accepted; larger ones are refused with 552 and counted.
    pub max_message_bytes: usize,
    /// Recipients per message; more are refused with 452 and counted.
    pub max_recipients: usize,
    /// Connections served at once; more get 421 and are counted.
    pub max_connections: usize,
    /// A connection silent (or not reading) this long is closed and counted.
    pub read_timeout: Duration,
    /// Protocol errors per session before it is closed.
    pub max_errors: u32,
    /// Messages kept; the oldest are dropped beyond it.
    pub max_messages: usize,
    /// Bytes of kept messages (their searched text), about.
    pub max_kept_bytes: usize,
}

impl MailConfig {
    /// Default caps: 10 MiB messages, 100 recipients, 32 connections, 30 s read timeout,
    /// 20 errors per session, 10,000 messages and 64 MiB kept.
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            hostname: "swivel-harness.invalid".to_string(),
            max_message_bytes: 10 << 20,
            max_recipients: 100,
            max_connections: 32,
            read_timeout: Duration::from_secs(30),
            max_errors: 20,
            max_messages: 10_000,
            max_kept_bytes: 64 << 20,
        }
    }

    /// `127.0.0.1`, a port chosen by the system (for tests).
    pub fn loopback() -> Self {
        Self::new(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// One accepted message.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Position among all accepted messages, from 1.
    pub seq: u64,
    /// The sending client.
    pub peer: SocketAddr,
    /// The envelope sender (`MAIL FROM`), empty for `<>`.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), lowercased.
    pub recipients: Vec<String>,
    /// The message's size in bytes, after dot-unstuffing.
    pub size: usize,
    /// Subject, searched text, code, Provision URL, QR payload.
    pub extracted: Extracted,
}

impl ReceivedMail {
    /// Whether `address` (any case) is among the recipients.
    pub fn is_for(&self, address: &str) -> bool {
        self.recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(address))
    }
}

impl std::fmt::Debug for ReceivedMail {
    /// The extracted values are secrets: [`Extracted`]'s Debug shows only what was found.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedMail")
            .field("seq", &self.seq)
            .field("peer", &self.peer)
            .field("from", &self.from)
            .field("recipients", &self.recipients)
            .field("size", &self.size)
            .field("extracted", &self.extracted)
            .finish()
    }
}

/// The sink's counters, each named in [`MailStats`].
#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    refused_connections: AtomicU64,
    timeouts: AtomicU64,
    bad_commands: AtomicU64,
    lines_too_long: AtomicU64,
    sessions_ended_for_errors: AtomicU64,
    too_many_recipients: AtomicU64,
    too_large: AtomicU64,
    accepted: AtomicU64,
    without_code: AtomicU64,
    unparsable: AtomicU64,
}

/// What the sink received, kept and refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailStats {
    /// Connections served.
    pub connections: u64,
    /// Connections turned away with 421 (too many at once).
    pub refused_connections: u64,
    /// Connections closed for silence.
    pub timeouts: u64,
    /// Unknown commands.
    pub bad_commands: u64,
    /// Command lines over 1,000 bytes.
    pub lines_too_long: u64,
    /// Sessions closed after too many protocol errors.
    pub sessions_ended_for_errors: u64,
    /// Recipients refused over the per-message cap.
    pub too_many_recipients: u64,
    /// Messages refused with 552 (declared or found too large).
    pub too_large: u64,
    /// Messages accepted (and kept until the buffer drops them).
    pub accepted: u64,
    /// Accepted messages in which no code was found (kept, not an error).
    pub without_code: u64,
    /// Accepted messages the MIME parser could not read (searched as raw text).
    pub unparsable: u64,
    /// The message buffer: held, bytes, evicted.
    pub buffer: BufferStats,
}

#[derive(Debug)]
struct Shared {
    mails: Bounded<ReceivedMail>,
    counters: Counters,
    patterns: Arc<MailPatterns>,
}

/// A running mail sink; dropping it stops the listener and every session.
#[derive(Debug)]
pub struct MailSink {
    shared: Arc<Shared>,
    addr: SocketAddr,
    users: Mutex<HashMap<String, String>>,
    task: JoinHandle<()>,
}

impl MailSink {
    /// Compiles the `[mail]` patterns, binds and starts receiving.
    pub async fn bind(config: MailConfig, patterns: &MailSection) -> Result<MailSink, SinkError> {
        let patterns = Arc::new(MailPatterns::new(patterns)?);
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| SinkError::Bind {
                what: "SMTP listener",
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SinkError::Bind {
            what: "SMTP listener",
            addr: config.bind,
            source,
        })?;
        let shared = Arc::new(Shared {
            mails: Bounded::new(config.max_messages, config.max_kept_bytes),
            counters: Counters::default(),
            patterns,
        });
        let task = tokio::spawn(accept(listener, shared.clone(), config));
        Ok(MailSink {
            shared,
            addr,
            users: Mutex::new(HashMap::new()),
            task,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The newest message's sequence number (0 before any).
    pub fn newest_seq(&self) -> u64 {
        self.shared.mails.newest_seq()
    }

    /// Messages after `after`, oldest first, at most `limit`.
    pub fn since(&self, after: u64, limit: usize) -> Vec<Arc<ReceivedMail>> {
        self.shared.mails.since(after, limit)
    }

    /// The first message after `after` for which `matches` holds, waiting up to `timeout`.
    pub async fn wait_for(
        &self,
        after: u64,
        timeout: Duration,
        matches: impl Fn(&ReceivedMail) -> bool,
    ) -> Result<Arc<ReceivedMail>, WaitError> {
        self.shared.mails.wait_for(after, timeout, matches).await
    }

    /// The next message after `after` to `address` (any case).
    pub async fn wait_for_recipient(
        &self,
        after: u64,
        timeout: Duration,
        address: &str,
    ) -> Result<Arc<ReceivedMail>, WaitError> {
        self.wait_for(after, timeout, |m| m.is_for(address)).await
    }

    /// Records which address a user's messages go to (their alert transport).
    pub fn register_user(&self, username: &str, address: &str) {
        self.users_lock()
            .insert(username.to_string(), address.to_ascii_lowercase());
    }

    /// The address registered for `username`.
    pub fn address_of(&self, username: &str) -> Option<String> {
        self.users_lock().get(username).cloned()
    }

    /// The next message after `after` to the address registered for `username`.
    pub async fn wait_for_user(
        &self,
        after: u64,
        timeout: Duration,
        username: &str,
    ) -> Result<Arc<ReceivedMail>, WaitError> {
        let address = self
            .address_of(username)
            .ok_or_else(|| WaitError::NotRegistered(username.to_string()))?;
        self.wait_for_recipient(after, timeout, &address).await
    }

    fn users_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A plain map, consistent after every statement: a poisoned lock is still usable.
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the sink received, kept and refused.
    pub fn stats(&self) -> MailStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MailStats {
            connections: get(&c.connections),
            refused_connections: get(&c.refused_connections),
            timeouts: get(&c.timeouts),
            bad_commands: get(&c.bad_commands),
            lines_too_long: get(&c.lines_too_long),
            sessions_ended_for_errors: get(&c.sessions_ended_for_errors),
            too_many_recipients: get(&c.too_many_recipients),
            too_large: get(&c.too_large),
            accepted: get(&c.accepted),
            without_code: get(&c.without_code),
            unparsable: get(&c.unparsable),
            buffer: self.shared.mails.stats(),
        }
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        // The accept task owns the sessions' JoinSet: aborting it ends them too.
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, config: MailConfig) {
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut sessions = JoinSet::new();
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        while sessions.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            shared
                .counters
                .refused_connections
                .fetch_add(1, Ordering::Relaxed);
            // Best effort, never waiting on a peer that does not read.
            sessions.spawn(async move {
                let busy = b"421 4.7.0 Too many connections, try again later\r\n";
                let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(busy)).await;
            });
            continue;
        };
        shared.counters.connections.fetch_add(1, Ordering::Relaxed);
        let (shared, config) = (shared.clone(), config.clone());
        sessions.spawn(async move {
            let _slot = slot;
            smtp::serve(stream, peer, &shared, &config).await;
        });
    }
}
