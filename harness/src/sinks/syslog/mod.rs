//! The syslog sink: where a real server's "Output to Syslog" points (protocol.md §12,
//! SYS-1). Listens on UDP and/or TCP, reads each frame as a PINsafe line
//! ([`line::parse_frame`]), keeps the entries in a bounded buffer and lets readers ask
//! for entries since a sequence number or wait for one that matches.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use swivel_harness::sinks::syslog::{SyslogConfig, SyslogSink};
//! let sink = SyslogSink::bind(SyslogConfig::loopback()).await?;
//! let from = sink.newest_seq();
//! // … point the server's syslog host at sink.udp_addr() and act …
//! let entry = sink
//!     .wait_for_text(from, Duration::from_secs(5), "User \"alice\" provisioned successfully")
//!     .await?;
//! println!("{} {}", entry.level.as_str(), entry.text);
//! # Ok(()) }
//! ```
//!
//! - [`line`]: one frame → one [`SyslogEntry`] or a named [`Reject`].
//! - `listen`: the UDP loop, the TCP listener and its framing (RFC 6587).

pub mod line;
mod listen;
mod udp_socket;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use line::{Framing, Level, Reject, SyslogEntry, Via};

use super::buffer::{Bounded, BufferStats};
use super::{SinkError, WaitError};

/// Where and how much the sink receives.
#[derive(Debug, Clone)]
pub struct SyslogConfig {
    /// UDP address to bind (`127.0.0.1:5514`); `None` for no UDP.
    pub udp: Option<SocketAddr>,
    /// TCP address to bind; `None` for no TCP.
    pub tcp: Option<SocketAddr>,
    /// Entries kept; the oldest are dropped (and counted) beyond it.
    pub max_entries: usize,
    /// Bytes of entries kept, about; the oldest are dropped beyond it.
    pub max_bytes: usize,
    /// Longest frame read; longer ones are counted as `oversized` and skipped.
    pub max_line: usize,
    /// TCP connections served at once; more are closed at once and counted.
    pub max_tcp_connections: usize,
    /// A TCP connection that sends nothing for this long is closed (and counted).
    pub tcp_idle_timeout: Duration,
}

impl SyslogConfig {
    /// Default caps: 50,000 entries, 16 MiB, 8 KiB lines, 64 TCP connections, 60 s idle.
    pub fn new(udp: Option<SocketAddr>, tcp: Option<SocketAddr>) -> Self {
        Self {
            udp,
            tcp,
            max_entries: 50_000,
            max_bytes: 16 << 20,
            max_line: 8 << 10,
            max_tcp_connections: 64,
            tcp_idle_timeout: Duration::from_secs(60),
        }
    }

    /// UDP and TCP on `127.0.0.1`, ports chosen by the system (for tests).
    pub fn loopback() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::new(Some(any), Some(any))
    }
}

/// What the sink received, kept, dropped and refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyslogStats {
    /// Frames received (datagrams and TCP frames), read or not.
    pub frames: u64,
    /// Frames read as entries.
    pub accepted: u64,
    /// The entry buffer: held, bytes, evicted (oldest dropped to keep the caps).
    pub buffer: BufferStats,
    /// Frames not read, by [`Reject::name`] (every name present, zeros included).
    pub rejected: BTreeMap<&'static str, u64>,
    /// TCP connections accepted.
    pub tcp_connections: u64,
    /// TCP connections closed at once because `max_tcp_connections` were open.
    pub tcp_refused: u64,
    /// TCP connections closed for idling past `tcp_idle_timeout`.
    pub tcp_timeouts: u64,
    /// Datagrams the kernel dropped before the sink could read them (its socket buffer
    /// full under a flood); `None` where the kernel does not say (not Linux).
    pub kernel_drops: Option<u64>,
}

impl SyslogStats {
    /// Frames not read, all reasons together.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// State shared by the listeners and the readers.
#[derive(Debug)]
struct Shared {
    entries: Bounded<SyslogEntry>,
    frames: AtomicU64,
    rejected: [AtomicU64; Reject::ALL.len()],
    tcp_connections: AtomicU64,
    tcp_refused: AtomicU64,
    tcp_timeouts: AtomicU64,
    max_line: usize,
}

impl Shared {
    /// Reads one frame and stores or counts it.
    fn frame(&self, frame: &[u8], origin: line::Origin) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        if frame.len() > self.max_line {
            self.reject(Reject::Oversized);
            return;
        }
        match line::parse_frame(frame, origin) {
            Ok(entry) => {
                self.entries
                    .push(entry.weight(), |seq| SyslogEntry { seq, ..entry });
            }
            Err(why) => self.reject(why),
        }
    }

    fn reject(&self, why: Reject) {
        self.rejected[why.index()].fetch_add(1, Ordering::Relaxed);
    }
}

/// A running syslog sink; dropping it stops every listener and connection.
#[derive(Debug)]
pub struct SyslogSink {
    shared: Arc<Shared>,
    udp_addr: Option<SocketAddr>,
    tcp_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

impl SyslogSink {
    /// Binds the configured sockets and starts receiving.
    pub async fn bind(config: SyslogConfig) -> Result<SyslogSink, SinkError> {
        if config.udp.is_none() && config.tcp.is_none() {
            return Err(SinkError::NothingToBind);
        }
        let shared = Arc::new(Shared {
            entries: Bounded::new(config.max_entries, config.max_bytes),
            frames: AtomicU64::new(0),
            rejected: std::array::from_fn(|_| AtomicU64::new(0)),
            tcp_connections: AtomicU64::new(0),
            tcp_refused: AtomicU64::new(0),
            tcp_timeouts: AtomicU64::new(0),
            max_line: config.max_line,
        });
        let mut sink = SyslogSink {
            shared: shared.clone(),
            udp_addr: None,
            tcp_addr: None,
            tasks: Vec::new(),
        };
        if let Some(addr) = config.udp {
            let socket = udp_socket::bind(addr).map_err(|source| SinkError::Bind {
                what: "syslog UDP socket",
                addr,
                source,
            })?;
            sink.udp_addr = socket.local_addr().ok();
            sink.tasks
                .push(tokio::spawn(listen::udp(socket, shared.clone())));
        }
        if let Some(addr) = config.tcp {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| SinkError::Bind {
                    what: "syslog TCP listener",
                    addr,
                    source,
                })?;
            sink.tcp_addr = listener.local_addr().ok();
            sink.tasks
                .push(tokio::spawn(listen::tcp(listener, shared, config)));
        }
        Ok(sink)
    }

    /// The bound UDP address, if any.
    pub fn udp_addr(&self) -> Option<SocketAddr> {
        self.udp_addr
    }

    /// The bound TCP address, if any.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// The newest entry's sequence number (0 before any): read or wait "since" it to see
    /// only what comes next.
    pub fn newest_seq(&self) -> u64 {
        self.shared.entries.newest_seq()
    }

    /// Entries after `after`, oldest first, at most `limit` (like the control API's
    /// `log_since`). Entries already dropped by the caps are not returned; compare the
    /// first `seq` with `after + 1` to see a gap.
    pub fn since(&self, after: u64, limit: usize) -> Vec<Arc<SyslogEntry>> {
        self.shared.entries.since(after, limit)
    }

    /// The first entry after `after` for which `matches` holds, waiting up to `timeout`.
    pub async fn wait_for(
        &self,
        after: u64,
        timeout: Duration,
        matches: impl Fn(&SyslogEntry) -> bool,
    ) -> Result<Arc<SyslogEntry>, WaitError> {
        self.shared.entries.wait_for(after, timeout, matches).await
    }

    /// The first entry after `after` whose text is exactly `text` (a LOG-n check).
    pub async fn wait_for_text(
        &self,
        after: u64,
        timeout: Duration,
        text: &str,
    ) -> Result<Arc<SyslogEntry>, WaitError> {
        self.wait_for(after, timeout, |e| e.text == text).await
    }

    /// What the sink received, kept, dropped and refused.
    pub fn stats(&self) -> SyslogStats {
        let s = &self.shared;
        let buffer = s.entries.stats();
        SyslogStats {
            frames: s.frames.load(Ordering::Relaxed),
            accepted: buffer.stored,
            buffer,
            rejected: Reject::ALL
                .iter()
                .map(|r| (r.name(), s.rejected[r.index()].load(Ordering::Relaxed)))
                .collect(),
            tcp_connections: s.tcp_connections.load(Ordering::Relaxed),
            tcp_refused: s.tcp_refused.load(Ordering::Relaxed),
            tcp_timeouts: s.tcp_timeouts.load(Ordering::Relaxed),
            kernel_drops: self.udp_addr.and_then(udp_socket::kernel_drops),
        }
    }
}

impl Drop for SyslogSink {
    fn drop(&mut self) {
        // The TCP task owns its connections' JoinSet: aborting it ends them too.
        for task in &self.tasks {
            task.abort();
        }
    }
}
