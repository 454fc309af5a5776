//! The app's port: plain HTTP and TLS on one listener. The first byte of a connection
//! says which (a TLS handshake starts with 0x16), so an app that speaks the wrong scheme
//! for what the SSD said still reaches the node and its request is recorded with the
//! scheme it used (CLI-1), instead of failing unseen in a handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// A client must show its first byte, finish a handshake and send a head within this.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first byte of a TLS record carrying a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

/// The routers for each scheme (the same node, recorded with its scheme).
#[derive(Clone)]
pub struct Routers {
    /// For plain HTTP.
    pub plain: Router,
    /// For TLS.
    pub tls: Router,
}

/// Serves `routers` on `listener` until `stop` turns true.
pub async fn serve_both(
    listener: TcpListener,
    routers: Routers,
    tls: TlsAcceptor,
    mut stop: watch::Receiver<bool>,
) {
    let routers = Arc::new(routers);
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
        conns.spawn(connection(stream, peer, Arc::clone(&routers), tls.clone()));
    }
    conns.shutdown().await;
}

async fn connection(stream: TcpStream, peer: SocketAddr, routers: Arc<Routers>, tls: TlsAcceptor) {
    let _ = stream.set_nodelay(true);
    let mut first = [0u8; 1];
    let Ok(Ok(n)) = tokio::time::timeout(CLIENT_TIMEOUT, stream.peek(&mut first)).await else {
        return;
    };
    if n == 1 && first[0] == TLS_HANDSHAKE {
        match tokio::time::timeout(CLIENT_TIMEOUT, tls.accept(stream)).await {
            Ok(Ok(stream)) => drive(TokioIo::new(stream), peer, routers.tls.clone()).await,
            Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        }
    } else if n == 1 {
        drive(TokioIo::new(stream), peer, routers.plain.clone()).await;
    }
}

async fn drive<I>(io: I, peer: SocketAddr, router: Router)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let router = router.map_request(
        move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    );
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(CLIENT_TIMEOUT)
        .keep_alive(true);
    if let Err(e) = http
        .serve_connection(io, TowerToHyperService::new(router))
        .await
    {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}
