//! The untrusted port of CLI-8: TLS with a self-signed certificate no CA on the phone
//! vouches for. It serves nothing: it records each connection (did the client start a
//! handshake, did the handshake fail and why, did a request follow and how many bytes),
//! answers any request with 503 and closes. A request arriving here means the app
//! accepted a certificate that does not verify.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::observe::UntrustedSeen;

/// How long a client gets for each stage.
const STAGE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the port waits for request bytes after a handshake.
const REQUEST_WAIT: Duration = Duration::from_secs(3);
/// Most request bytes read.
const MAX_REQUEST: usize = 64 * 1024;
const REFUSAL: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Where each connection's record goes.
pub type Sink = Arc<dyn Fn(UntrustedSeen) + Send + Sync>;

/// Records connections on `listener` until `stop` turns true.
pub async fn observe(
    listener: TcpListener,
    tls: TlsAcceptor,
    sink: Sink,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => accepted,
        };
        while conns.try_join_next().is_some() {}
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (tls, sink) = (tls.clone(), Arc::clone(&sink));
        conns.spawn(async move { sink(connection(stream, peer, tls).await) });
    }
    conns.shutdown().await;
}

async fn connection(stream: TcpStream, peer: SocketAddr, tls: TlsAcceptor) -> UntrustedSeen {
    let mut seen = UntrustedSeen {
        peer: peer.to_string(),
        tls: false,
        handshake_error: None,
        request_line: None,
        request_bytes: 0,
    };
    let mut first = [0u8; 1];
    match tokio::time::timeout(STAGE_TIMEOUT, stream.peek(&mut first)).await {
        Ok(Ok(1)) => {}
        _ => {
            seen.handshake_error = Some("the client sent nothing".into());
            return seen;
        }
    }
    if first[0] != 0x16 {
        read_request(stream, &mut seen).await;
        return seen;
    }
    seen.tls = true;
    match tokio::time::timeout(STAGE_TIMEOUT, tls.accept(stream)).await {
        Ok(Ok(stream)) => read_request(stream, &mut seen).await,
        Ok(Err(e)) => seen.handshake_error = Some(e.to_string()),
        Err(_) => seen.handshake_error = Some("the handshake timed out".into()),
    }
    seen
}

async fn read_request<S>(mut stream: S, seen: &mut UntrustedSeen)
where
    S: AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + REQUEST_WAIT;
    while buf.len() < MAX_REQUEST {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            _ => break,
        }
        if has_whole_request(&buf) {
            break;
        }
    }
    seen.request_bytes = buf.len();
    if !buf.is_empty() {
        let text = String::from_utf8_lossy(&buf);
        seen.request_line = text.lines().next().map(|l| l.chars().take(200).collect());
        let _ = stream.write_all(REFUSAL).await;
    }
    let _ = stream.shutdown().await;
}

/// A head and as many body bytes as its Content-Length says.
fn has_whole_request(buf: &[u8]) -> bool {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    buf.len() >= end + 4 + length
}
