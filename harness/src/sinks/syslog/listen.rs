//! The syslog sink's sockets. UDP: one datagram is one frame. TCP (RFC 6587): a frame
//! starting with a digit is octet-counted (`LEN SP MSG`), anything else is
//! newline-framed; a final unterminated line at EOF is read too. Each TCP connection is a
//! task of its own (a stalled one holds nobody up), bounded by a connection cap, an idle
//! timeout and the line cap; an oversized frame is skipped without being buffered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::line::{Origin, Reject, Via};
use super::{Shared, SyslogConfig};
use crate::sinks::io::{LineRead, read_line};

/// Largest UDP payload (65,535 minus the IP and UDP headers).
const MAX_DATAGRAM: usize = 65_507;
/// Digits of an octet count: enough for any length worth reading.
const MAX_COUNT_DIGITS: usize = 9;

/// Receives datagrams until the task is aborted.
pub(super) async fn udp(socket: UdpSocket, shared: Arc<Shared>) {
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, peer)) => shared.frame(
                &buf[..n],
                Origin {
                    via: Via::Udp,
                    peer,
                },
            ),
            // Transient (e.g. an ICMP error reported on the socket): keep receiving.
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

/// Accepts connections until the task is aborted; aborting it drops the JoinSet and so
/// ends every connection task too.
pub(super) async fn tcp(listener: TcpListener, shared: Arc<Shared>, config: SyslogConfig) {
    let slots = Arc::new(Semaphore::new(config.max_tcp_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of descriptors and the like: back off briefly instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            shared.tcp_refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        shared.tcp_connections.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        let (max_line, idle) = (config.max_line, config.tcp_idle_timeout);
        connections.spawn(async move {
            let _slot = slot;
            connection(stream, peer, &shared, max_line, idle).await;
        });
    }
}

/// How one read on a connection ended, when it did not yield a frame.
enum Stop {
    Closed,
    TimedOut,
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    max_line: usize,
    idle: Duration,
) {
    let origin = Origin {
        via: Via::Tcp,
        peer,
    };
    let mut reader = BufReader::with_capacity(16 << 10, stream);
    let mut frame = Vec::new();
    let stop = loop {
        let first = match tokio::time::timeout(idle, reader.fill_buf()).await {
            Err(_) => break Stop::TimedOut,
            Ok(Err(_)) => break Stop::Closed,
            Ok(Ok([])) => break Stop::Closed,
            Ok(Ok(buf)) => buf[0],
        };
        let step = if first.is_ascii_digit() {
            octet_counted(&mut reader, &mut frame, shared, origin, max_line, idle).await
        } else {
            newline_framed(&mut reader, &mut frame, shared, origin, max_line, idle).await
        };
        if let Err(stop) = step {
            break stop;
        }
    };
    if matches!(stop, Stop::TimedOut) {
        shared.tcp_timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

async fn newline_framed(
    reader: &mut BufReader<TcpStream>,
    frame: &mut Vec<u8>,
    shared: &Shared,
    origin: Origin,
    max_line: usize,
    idle: Duration,
) -> Result<(), Stop> {
    match read_line(reader, frame, max_line, idle).await {
        LineRead::Line => shared.frame(frame, origin),
        LineRead::TooLong => {
            shared.frames.fetch_add(1, Ordering::Relaxed);
            shared.reject(Reject::Oversized);
        }
        LineRead::Partial => {
            shared.frame(frame, origin);
            return Err(Stop::Closed);
        }
        LineRead::Eof | LineRead::Failed => return Err(Stop::Closed),
        LineRead::TimedOut => return Err(Stop::TimedOut),
    }
    Ok(())
}

/// `LEN SP MSG`: reads the count, then the frame (or skips it when over the cap). A bad
/// count loses the framing: the rest of that line is skipped and counted.
async fn octet_counted(
    reader: &mut BufReader<TcpStream>,
    frame: &mut Vec<u8>,
    shared: &Shared,
    origin: Origin,
    max_line: usize,
    idle: Duration,
) -> Result<(), Stop> {
    let mut len: usize = 0;
    let mut digits = 0;
    loop {
        let byte = read_byte(reader, idle).await?;
        match byte {
            b'0'..=b'9' if digits < MAX_COUNT_DIGITS => {
                len = len * 10 + usize::from(byte - b'0');
                digits += 1;
            }
            b' ' if digits > 0 => break,
            _ => {
                shared.frames.fetch_add(1, Ordering::Relaxed);
                shared.reject(Reject::BadOctetCount);
                if byte != b'\n' {
                    // Resynchronise on the next line end.
                    let _ = read_line(reader, frame, 0, idle).await;
                }
                return Ok(());
            }
        }
    }
    if len > max_line {
        shared.frames.fetch_add(1, Ordering::Relaxed);
        shared.reject(Reject::Oversized);
        return skip(reader, len, idle).await;
    }
    frame.clear();
    frame.resize(len, 0);
    match tokio::time::timeout(idle, reader.read_exact(frame)).await {
        Err(_) => Err(Stop::TimedOut),
        Ok(Err(_)) => Err(Stop::Closed),
        Ok(Ok(_)) => {
            shared.frame(frame, origin);
            Ok(())
        }
    }
}

async fn read_byte(reader: &mut BufReader<TcpStream>, idle: Duration) -> Result<u8, Stop> {
    match tokio::time::timeout(idle, reader.read_u8()).await {
        Err(_) => Err(Stop::TimedOut),
        Ok(Err(_)) => Err(Stop::Closed),
        Ok(Ok(byte)) => Ok(byte),
    }
}

/// Reads and drops `len` bytes.
async fn skip(
    reader: &mut BufReader<TcpStream>,
    mut len: usize,
    idle: Duration,
) -> Result<(), Stop> {
    while len > 0 {
        let buf = match tokio::time::timeout(idle, reader.fill_buf()).await {
            Err(_) => return Err(Stop::TimedOut),
            Ok(Err(_)) | Ok(Ok([])) => return Err(Stop::Closed),
            Ok(Ok(buf)) => buf,
        };
        let n = buf.len().min(len);
        reader.consume(n);
        len -= n;
    }
    Ok(())
}
