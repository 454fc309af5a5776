//! Timing and raw-TCP helpers for hostile clients: a bounded timer, a status-line reader
//! that tells an answer from a closed connection, a raw connect, and a tiny deterministic
//! generator for the fuzz loop.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::NET_BOUND;

/// Runs `f`, asserting it finishes within `bound`; returns its output and the time taken.
pub async fn timed<F: std::future::Future>(bound: Duration, f: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let out = tokio::time::timeout(bound, f)
        .await
        .unwrap_or_else(|_| panic!("no answer within {bound:?}"));
    (out, started.elapsed())
}

/// What a raw-TCP client saw.
#[derive(Debug, PartialEq, Eq)]
pub enum RawOutcome {
    /// An HTTP response with this status.
    Status(u16),
    /// The server closed (or reset) the connection without a response.
    Closed,
}

/// Reads from `stream` until a full status line arrives or the peer closes; bounded by
/// `bound` (panics when the server neither answers nor closes in time).
pub async fn read_status<R: AsyncRead + Unpin>(stream: &mut R, bound: Duration) -> RawOutcome {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&buf[..end]).into_owned();
                let status = line
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("bad status line {line:?}"));
                return RawOutcome::Status(status);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return RawOutcome::Closed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read)
        .await
        .unwrap_or_else(|_| panic!("server neither answered nor closed within {bound:?}"))
}

/// Connects to `addr` and writes `head`.
pub async fn raw_connect(addr: SocketAddr, head: &[u8]) -> TcpStream {
    let mut stream = tokio::time::timeout(NET_BOUND, TcpStream::connect(addr))
        .await
        .expect("connected in time")
        .expect("connected");
    stream.write_all(head).await.expect("head written");
    stream
}

/// A tiny deterministic xorshift64* generator for the fuzz loop (no extra crate).
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// Seeded generator; a zero seed is replaced.
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
