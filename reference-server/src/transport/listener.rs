//! The accept loop: serves an axum `Router` over HTTP/1.1 on a `TcpListener`, optionally
//! behind TLS, with a header-read timeout (against slowloris clients), a TLS handshake
//! timeout, a cap on concurrent connections and graceful shutdown. Request bodies are not
//! timed here; handlers read them with their own deadline. Every request carries its
//! connection's peer address as axum's `ConnectInfo<SocketAddr>` extension, which is how
//! log entries learn their client (SYS-1).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long live connections get to finish after shutdown before they are aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// First and largest pause after a failed `accept`. Errors such as EMFILE usually clear
/// once other connections close, so retry soon but do not spin.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Per-connection limits for [`serve`].
#[derive(Clone, Debug)]
pub struct ServeLimits {
    /// A client must send a complete request head within this time, or it is dropped.
    pub header_read_timeout: Duration,
    /// A TLS client must finish its handshake within this time, or it is dropped.
    pub tls_handshake_timeout: Duration,
    /// Most connections served at once; further clients wait in the kernel backlog.
    pub max_connections: usize,
    /// Whether connections may carry more than one request.
    pub keep_alive: bool,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            tls_handshake_timeout: Duration::from_secs(5),
            max_connections: 1024,
            keep_alive: true,
        }
    }
}

/// Everything a connection task needs, shared by all of them.
struct ConnContext {
    router: Router,
    http: http1::Builder,
    tls: Option<TlsAcceptor>,
    tls_handshake_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` becomes `true` or its sender is dropped.
///
/// On shutdown the listener is closed, every live connection is asked to finish its
/// current request and close, and connections still open after 5 s are aborted. Accept
/// errors are logged and retried, so this only returns once shutdown is complete.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: ServeLimits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(limits.keep_alive);
    let ctx = Arc::new(ConnContext {
        router,
        http,
        tls,
        tls_handshake_timeout: limits.tls_handshake_timeout,
    });

    // A cap of zero would never admit anyone; treat it as one.
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Connections watch this instead of the caller's receiver so they are told to stop
    // only after the listener is closed, and always told (even if the caller's sender
    // was dropped rather than set).
    let (stop_conns, conn_stop) = watch::channel(false);
    let mut conns = JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF_MIN;

    loop {
        // Wait for capacity before accepting, so excess clients queue in the backlog
        // instead of being accepted and left unserved.
        let permit = tokio::select! {
            biased;
            () = shutdown_requested(&mut shutdown) => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed; stop rather than spin if it ever is.
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            biased;
            () = shutdown_requested(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        reap_finished(&mut conns);
        match accepted {
            Ok((stream, peer)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                conns.spawn(serve_connection(
                    stream,
                    peer,
                    Arc::clone(&ctx),
                    conn_stop.clone(),
                    permit,
                ));
            }
            Err(error) => {
                tracing::warn!(%error, retry_in = ?backoff, "accept failed; retrying");
                drop(permit);
                let stop = tokio::select! {
                    biased;
                    () = shutdown_requested(&mut shutdown) => true,
                    () = tokio::time::sleep(backoff) => false,
                };
                if stop {
                    break;
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }

    // Close the socket first so no new client connects while we drain.
    drop(listener);
    // Only fails without receivers, and `conn_stop` is still alive here.
    let _ = stop_conns.send(true);
    let live = conns.len();
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while let Some(result) = conns.join_next().await {
            log_join_error(result);
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            remaining = conns.len(),
            of = live,
            "connections still open after the shutdown grace period; aborting them"
        );
        conns.shutdown().await;
    }
    Ok(())
}

/// Resolves once shutdown is requested: the value is `true` or the sender is gone.
/// Cancel-safe, so it can be re-created in every `select!`.
async fn shutdown_requested(shutdown: &mut watch::Receiver<bool>) {
    // `wait_for` checks the current value first; its error means the sender was dropped,
    // which we treat as a request to stop. The returned guard is dropped at once.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Collects results of finished connection tasks so the set does not grow without bound.
fn reap_finished(conns: &mut JoinSet<()>) {
    while let Some(result) = conns.try_join_next() {
        log_join_error(result);
    }
}

fn log_join_error(result: Result<(), tokio::task::JoinError>) {
    // Cancellation only happens when we abort stragglers at shutdown; that is logged there.
    if let Err(error) = result
        && error.is_panic()
    {
        tracing::warn!(%error, "connection task panicked");
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<ConnContext>,
    mut stop: watch::Receiver<bool>,
    // Held for the life of the connection; dropping it frees a slot for the accept loop.
    _permit: OwnedSemaphorePermit,
) {
    // Responses are written in one go; Nagle would only delay them.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%peer, %error, "could not set TCP_NODELAY");
    }
    match &ctx.tls {
        None => drive(&ctx, TokioIo::new(stream), peer, stop).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(ctx.tls_handshake_timeout, acceptor.accept(stream));
            let outcome = tokio::select! {
                () = shutdown_requested(&mut stop) => return,
                outcome = handshake => outcome,
            };
            match outcome {
                Ok(Ok(tls_stream)) => drive(&ctx, TokioIo::new(tls_stream), peer, stop).await,
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

/// Runs HTTP/1.1 on an established (plain or TLS) stream until the client is done or
/// shutdown is requested, in which case the in-flight request is allowed to finish.
async fn drive<I>(ctx: &ConnContext, io: I, peer: SocketAddr, mut stop: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let router = ctx.router.clone().map_request(
        move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    );
    let service = TowerToHyperService::new(router);
    let conn = ctx.http.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = shutdown_requested(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    // Client resets and header timeouts are routine on a public listener; keep them
    // out of the warning log.
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::transport::tls::{TlsSource, tls_acceptor};
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const TEST_BOUND: Duration = Duration::from_secs(10);

    fn hello_router() -> Router {
        Router::new().route("/hello", get(|| async { "hi" }))
    }

    struct Running {
        addr: SocketAddr,
        stop: watch::Sender<bool>,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    impl Running {
        async fn shut_down(self) {
            self.stop.send(true).unwrap();
            tokio::time::timeout(TEST_BOUND, self.task)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }

    async fn start(tls: Option<TlsAcceptor>, limits: ServeLimits) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, hello_router(), tls, limits, rx));
        Running { addr, stop, task }
    }

    fn client() -> reqwest::ClientBuilder {
        // No proxy: the test must talk to the loopback server directly.
        reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
    }

    #[tokio::test]
    async fn serves_plain_http() {
        let server = start(None, ServeLimits::default()).await;
        let body = client()
            .build()
            .unwrap()
            .get(format!("http://{}/hello", server.addr))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hi");
        server.shut_down().await;
    }

    #[tokio::test]
    async fn serves_https_with_self_signed_certificate() {
        let material = tls_acceptor(&TlsSource::self_signed_localhost()).unwrap();
        let server = start(Some(material.acceptor), ServeLimits::default()).await;
        let cert = reqwest::Certificate::from_pem(material.cert_pem.as_bytes()).unwrap();
        // Trust only our certificate, so the test does not depend on system roots.
        let body = client()
            .tls_certs_only([cert])
            .build()
            .unwrap()
            .get(format!("https://localhost:{}/hello", server.addr.port()))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hi");
        server.shut_down().await;
    }

    #[tokio::test]
    async fn slowloris_is_dropped_after_header_timeout() {
        let limits = ServeLimits {
            header_read_timeout: Duration::from_millis(300),
            ..ServeLimits::default()
        };
        let server = start(None, limits).await;
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(b"GET /hello HT").await.unwrap();
        let started = tokio::time::Instant::now();
        let mut buf = [0u8; 1024];
        // hyper may answer 408 before closing; either way the stream must reach EOF.
        let closed = tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "server kept a slowloris connection open");
        assert!(started.elapsed() >= Duration::from_millis(250));
        server.shut_down().await;
    }

    #[tokio::test]
    async fn stalled_tls_handshake_is_dropped() {
        let material = tls_acceptor(&TlsSource::self_signed_localhost()).unwrap();
        let limits = ServeLimits {
            tls_handshake_timeout: Duration::from_millis(300),
            ..ServeLimits::default()
        };
        let server = start(Some(material.acceptor), limits).await;
        // Connect but never send a ClientHello.
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let mut buf = [0u8; 64];
        let closed = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
        assert!(
            matches!(closed, Ok(Ok(0) | Err(_))),
            "server kept a stalled TLS handshake open: {closed:?}"
        );
        server.shut_down().await;
    }

    #[tokio::test]
    async fn shutdown_makes_serve_return() {
        let server = start(None, ServeLimits::default()).await;
        // An idle keep-alive connection must not hold shutdown up.
        let mut idle = TcpStream::connect(server.addr).await.unwrap();
        idle.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(
            std::str::from_utf8(&buf[..n])
                .unwrap()
                .starts_with("HTTP/1.1 200")
        );

        let started = std::time::Instant::now();
        server.shut_down().await;
        assert!(
            started.elapsed() < SHUTDOWN_GRACE,
            "shutdown waited for the grace period"
        );
    }

    #[tokio::test]
    async fn dropping_the_shutdown_sender_stops_serving() {
        let server = start(None, ServeLimits::default()).await;
        drop(server.stop);
        tokio::time::timeout(TEST_BOUND, server.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn connection_cap_queues_extra_clients() {
        let limits = ServeLimits {
            max_connections: 1,
            ..ServeLimits::default()
        };
        let server = start(None, limits).await;
        // The first connection takes the only slot and stays open.
        let mut first = TcpStream::connect(server.addr).await.unwrap();
        first
            .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        assert!(first.read(&mut buf).await.unwrap() > 0);

        // The second request can only be served once the first connection closes.
        let second = tokio::spawn(
            client()
                .build()
                .unwrap()
                .get(format!("http://{}/hello", server.addr))
                .send(),
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "second client served beyond the cap");
        drop(first);
        let response = tokio::time::timeout(TEST_BOUND, second)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "hi");
        server.shut_down().await;
    }
}
