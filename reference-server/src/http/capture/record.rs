//! The recording middleware of one node: the request and response bodies are copied (up
//! to a limit) as they stream between hyper and the handler, so the handler reads them
//! exactly as without a capture (its own size limits and timeouts still apply), and the
//! entry is handed to the writer when the response body is finished or dropped.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;

use super::Inner;
use super::writer::Message;
use crate::har::{self, Entry, NameValue};

/// What the middleware of node `node` needs.
#[derive(Clone)]
pub(super) struct NodeRecorder {
    pub inner: Arc<Inner>,
    pub node: u16,
    /// `<scheme>://<host>:<port>` of the node.
    pub base: Arc<str>,
}

/// A copy of the first `max` bytes of a body, and how many went by in all.
#[derive(Debug, Default)]
struct Tee {
    bytes: Vec<u8>,
    total: u64,
    max: usize,
}

impl Tee {
    fn new(max: usize) -> Self {
        Self {
            max,
            ..Self::default()
        }
    }

    fn push(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let room = self.max.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    fn truncated(&self) -> Option<String> {
        (self.total > self.bytes.len() as u64).then(|| {
            format!(
                "recorded the first {} of {} bytes (capture body limit)",
                self.bytes.len(),
                self.total
            )
        })
    }
}

fn lock(tee: &Mutex<Tee>) -> MutexGuard<'_, Tee> {
    tee.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The request as it arrived.
struct RequestHead {
    method: String,
    url: String,
    version: Version,
    headers: HeaderMap,
    query: Option<String>,
}

/// An exchange waiting for its response body to end.
struct Pending {
    recorder: NodeRecorder,
    started: SystemTime,
    clock: Instant,
    wait: Duration,
    request: RequestHead,
    request_body: Arc<Mutex<Tee>>,
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    response_body: Tee,
}

/// The middleware: records the exchange around `next`.
pub(super) async fn record(
    State(recorder): State<NodeRecorder>,
    request: Request,
    next: Next,
) -> Response {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (parts, body) = request.into_parts();
    let head = RequestHead {
        method: parts.method.as_str().to_string(),
        url: format!(
            "{}{}",
            recorder.base,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        ),
        version: parts.version,
        headers: parts.headers.clone(),
        query: parts.uri.query().map(str::to_string),
    };
    let max = recorder.inner.max_body_bytes;
    let request_body = Arc::new(Mutex::new(Tee::new(max)));
    let tee = Arc::clone(&request_body);
    let body = Body::new(body.map_frame(move |frame| {
        if let Some(data) = frame.data_ref() {
            lock(&tee).push(data);
        }
        frame
    }));
    let response = next.run(Request::from_parts(parts, body)).await;
    let (mut parts, body) = response.into_parts();
    keep_length(&mut parts, &body);
    let mut pending = Pending {
        recorder,
        started,
        clock,
        wait: clock.elapsed(),
        request: head,
        request_body,
        status: parts.status,
        version: parts.version,
        headers: parts.headers.clone(),
        response_body: Tee::new(max),
    };
    let body = Body::new(body.map_frame(move |frame| {
        if let Some(data) = frame.data_ref() {
            pending.response_body.push(data);
        }
        frame
    }));
    Response::from_parts(parts, body)
}

/// The copying body does not pass on the size hint, from which hyper writes
/// `Content-Length`; so the length goes into the head, and a recorded reply is framed
/// exactly as an unrecorded one.
fn keep_length(parts: &mut axum::http::response::Parts, body: &Body) {
    use axum::body::HttpBody as _;
    let no_body = parts.status.is_informational()
        || parts.status == StatusCode::NO_CONTENT
        || parts.status == StatusCode::NOT_MODIFIED;
    if let Some(length) = body.size_hint().exact()
        && !no_body
        && !parts.headers.contains_key(header::CONTENT_LENGTH)
    {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(length));
    }
}

impl Drop for Pending {
    /// The response body ended (or was dropped): the exchange is complete.
    fn drop(&mut self) {
        let entry = self.entry();
        let inner = &self.recorder.inner;
        if let Some(tap) = &inner.tap {
            (tap.0)(&entry);
        }
        if inner.tx.try_send(Message::Entry(Box::new(entry))).is_err() {
            inner
                .dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Milliseconds to the microsecond: more digits would only be noise (and long digit
/// runs in a shared file look like codes to anyone scanning it).
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn version(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

fn headers(map: &HeaderMap) -> Vec<NameValue> {
    map.iter()
        .map(|(name, value)| {
            NameValue::new(
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn header_text(map: &HeaderMap, name: header::HeaderName) -> String {
    map.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

fn pairs(text: &str) -> Vec<NameValue> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|(n, v)| NameValue::new(n, v))
        .collect()
}

fn size(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Pending {
    fn entry(&mut self) -> Entry {
        let total = self.clock.elapsed();
        let request_body = std::mem::take(&mut *lock(&self.request_body));
        let mime = header_text(&self.request.headers, header::CONTENT_TYPE);
        let declared = header_text(&self.request.headers, header::CONTENT_LENGTH);
        let post_data = if request_body.total > 0 {
            let (text, encoding) = har::encode_body(&request_body.bytes);
            let params = if mime.starts_with("application/x-www-form-urlencoded") {
                pairs(&text)
            } else {
                Vec::new()
            };
            Some(har::PostData {
                mime_type: mime,
                params,
                text,
                encoding,
                comment: request_body.truncated(),
            })
        } else if declared.parse::<u64>().is_ok_and(|n| n > 0) {
            Some(har::PostData {
                mime_type: mime,
                comment: Some(format!(
                    "body not read by the server ({declared} bytes declared)"
                )),
                ..har::PostData::default()
            })
        } else {
            None
        };
        let response_body = std::mem::take(&mut self.response_body);
        let (text, encoding) = har::encode_body(&response_body.bytes);
        Entry {
            started_date_time: chrono::DateTime::<chrono::Utc>::from(self.started)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            time: millis(total),
            request: har::Request {
                method: std::mem::take(&mut self.request.method),
                url: std::mem::take(&mut self.request.url),
                http_version: version(self.request.version).to_string(),
                cookies: Vec::new(),
                headers: headers(&self.request.headers),
                query_string: self.request.query.as_deref().map(pairs).unwrap_or_default(),
                post_data,
                headers_size: -1,
                body_size: size(request_body.total),
                comment: None,
            },
            response: har::Response {
                status: self.status.as_u16(),
                status_text: self.status.canonical_reason().unwrap_or("").to_string(),
                http_version: version(self.version).to_string(),
                cookies: Vec::new(),
                headers: headers(&self.headers),
                content: har::Content {
                    size: size(response_body.total),
                    mime_type: header_text(&self.headers, header::CONTENT_TYPE),
                    text: (response_body.total > 0).then_some(text),
                    encoding,
                    comment: response_body.truncated(),
                },
                redirect_url: header_text(&self.headers, header::LOCATION),
                headers_size: -1,
                body_size: size(response_body.total),
                comment: None,
            },
            cache: har::Cache {},
            timings: har::Timings {
                send: 0.0,
                wait: millis(self.wait),
                receive: millis(total.saturating_sub(self.wait)),
                ..har::Timings::default()
            },
            comment: None,
            node: Some(self.recorder.node),
        }
    }
}
