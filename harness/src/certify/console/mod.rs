//! The console: one page on loopback that walks the tester through the plan (the step's
//! instruction, the code as text, link and QR image, the traffic as the server sees it,
//! redacted, the verdicts as they come, an input for the OTC the app shows, buttons for
//! "the app showed this message", a screenshot upload), updated live by long polling.
//!
//! The page is self-contained (inline CSS and JS under a per-response nonce, the QR image
//! as a data URL) with a strict Content-Security-Policy: it can reach nothing but this
//! server. The API wants the run's token in an `X-Certify-Token` header (a page of
//! another origin cannot send one without a CORS preflight, which is never granted), and
//! every request must name a loopback host (no DNS rebinding).
//!
//! - [`view`]: the JSON the page reads; `page.html`: the page.

pub mod view;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::answers::parse_line;
use super::session::{MAX_SCREENSHOT_BYTES, Session};

/// The page, with `{{NONCE}}` where each response's nonce goes.
const PAGE: &str = include_str!("page.html");
/// Longest a state request waits for a change.
const LONG_POLL: Duration = Duration::from_secs(10);
/// How long a stopping console waits for the tester's page to be given the ended run.
const END_GRACE: Duration = Duration::from_secs(5);

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Not loopback.
    #[error("the console must listen on a loopback address (127.0.0.1 or ::1), not {0}")]
    NotLoopback(SocketAddr),
    /// Bind failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running console.
#[derive(Debug)]
pub struct Console {
    /// Its URL, with the token.
    pub url: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    page: Arc<PageSeen>,
}

/// What the tester's page has been served: whether it ever asked for the state, and
/// whether it has been given the ended run (its verdicts). The console stays up for the
/// latter when it stops, so the page does not freeze on the last step.
#[derive(Debug, Default)]
struct PageSeen {
    polled: AtomicBool,
    given_end: AtomicBool,
    end_given: Notify,
}

#[derive(Clone)]
struct ConsoleState {
    session: Arc<Session>,
    token: Arc<str>,
    port: u16,
    page: Arc<PageSeen>,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// Starts the console on `addr` (loopback only).
pub async fn start(session: Arc<Session>, addr: SocketAddr) -> Result<Console, ConsoleError> {
    if !addr.ip().is_loopback() {
        return Err(ConsoleError::NotLoopback(addr));
    }
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ConsoleError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ConsoleError::Bind { addr, source })?;
    let token: Arc<str> = random_hex(16).into();
    let page = Arc::new(PageSeen::default());
    let state = ConsoleState {
        session,
        token: Arc::clone(&token),
        port: local.port(),
        page: Arc::clone(&page),
    };
    let api = Router::new()
        .route("/api/state", get(state_route))
        .route("/api/answer", post(answer_route))
        .route("/api/screenshot", post(screenshot_route))
        .layer(DefaultBodyLimit::max(MAX_SCREENSHOT_BYTES + 1024))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let router = Router::new()
        .route("/", get(page_route))
        .merge(api)
        .layer(middleware::from_fn_with_state(state.clone(), loopback_host))
        .with_state(state);
    let (stop, mut stop_rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!("console stopped: {e}");
        }
    });
    let host = match local {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    Ok(Console {
        url: format!("http://{host}:{}/?t={token}", local.port()),
        stop,
        task,
        page,
    })
}

impl Console {
    /// Stops serving (the long polls end at once).
    pub async fn stop(self) {
        // A page that follows the run is given its end (the verdicts) first, for up to
        // END_GRACE: its long poll may not have been answered yet when the run ends.
        if self.page.polled.load(Ordering::Acquire) {
            let given = self.page.end_given.notified();
            if !self.page.given_end.load(Ordering::Acquire) {
                let _ = tokio::time::timeout(END_GRACE, given).await;
            }
        }
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// Refuses a request whose Host is not this loopback listener.
async fn loopback_host(
    State(state): State<ConsoleState>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let allowed = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| host == format!("{h}:{}", state.port));
    if !allowed {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this console answers on loopback only\n",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Refuses an API request without the run's token.
async fn require_token(
    State(state): State<ConsoleState>,
    request: Request,
    next: Next,
) -> Response {
    let given = request
        .headers()
        .get("x-certify-token")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let expected: &str = &state.token;
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return (StatusCode::FORBIDDEN, "missing or wrong X-Certify-Token\n").into_response();
    }
    next.run(request).await
}

async fn page_route() -> Response {
    let nonce = random_hex(16);
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let mut response = PAGE.replace("{{NONCE}}", &nonce).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[derive(Deserialize)]
struct Since {
    #[serde(default)]
    since: u64,
}

async fn state_route(State(state): State<ConsoleState>, Query(q): Query<Since>) -> Response {
    let mut changes = state.session.subscribe();
    let deadline = tokio::time::Instant::now() + LONG_POLL;
    while *changes.borrow_and_update() <= q.since && !state.session.lock().finished {
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            break;
        }
    }
    let version = *changes.borrow();
    state.page.polled.store(true, Ordering::Release);
    let ended = state.session.lock().finished;
    let response = axum::Json(view::view(&state.session, version)).into_response();
    if ended {
        state.page.given_end.store(true, Ordering::Release);
        state.page.end_given.notify_waiters();
    }
    response
}

async fn answer_route(State(state): State<ConsoleState>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    match parse_line(&text) {
        Ok(Some((step, answers))) => {
            for answer in answers {
                if let Err(e) = state.session.answer(&step, answer, "console") {
                    return (StatusCode::CONFLICT, format!("{e}\n")).into_response();
                }
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(None) => (StatusCode::BAD_REQUEST, "empty answer\n").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

#[derive(Deserialize)]
struct StepQuery {
    step: String,
}

async fn screenshot_route(
    State(state): State<ConsoleState>,
    Query(q): Query<StepQuery>,
    body: Bytes,
) -> Response {
    match state.session.screenshot(&q.step, body.to_vec()) {
        Ok(name) => (StatusCode::CREATED, format!("{name}\n")).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests;
