//! Sending one request and reading its reply within bounds: the whole exchange is
//! limited by the client timeout (connect, head and body), and the body is read chunk
//! by chunk only up to `max_body_bytes`, then the connection is dropped. A hostile peer
//! can therefore neither hang the emulator nor make it buffer an unbounded body.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use crate::codec::Received as Fetched;

/// Executes `request`, giving up after `timeout`.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    request: reqwest::Request,
    max_body_bytes: usize,
    timeout: Duration,
) -> Fetched {
    let mut fetched = Fetched::default();
    // reqwest's own timeout covers the same span; this one also bounds our body loop,
    // whatever the transport does. Dropping the future on expiry closes the connection
    // and leaves `fetched` holding whatever arrived.
    let result =
        tokio::time::timeout(timeout, read(client, request, max_body_bytes, &mut fetched)).await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => fetched.transport_error = Some(describe(&e, timeout)),
        Err(_) => {
            fetched.transport_error = Some(format!("timed out after {} ms", timeout.as_millis()));
        }
    }
    fetched
}

async fn read(
    client: &reqwest::Client,
    request: reqwest::Request,
    max_body_bytes: usize,
    fetched: &mut Fetched,
) -> Result<(), reqwest::Error> {
    let mut response = client.execute(request).await?;
    fetched.status = Some(response.status().as_u16());
    fetched.content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    while let Some(chunk) = response.chunk().await? {
        fetched.bytes_read = fetched.bytes_read.saturating_add(chunk.len());
        let room = max_body_bytes.saturating_sub(fetched.body.len());
        if chunk.len() > room {
            fetched
                .body
                .extend_from_slice(chunk.get(..room).unwrap_or_default());
            fetched.truncated = true;
            // Dropping the response here closes the connection: nothing more is read.
            break;
        }
        fetched.body.extend_from_slice(&chunk);
    }
    Ok(())
}

/// A one-line account of a reqwest failure: its kind, then its causes (reqwest's own
/// text only repeats the URL, which the exchange records anyway).
pub(crate) fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    let kind = if e.is_timeout() {
        format!("timed out after {} ms", timeout.as_millis())
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "reading the reply failed".to_string()
    } else if e.is_builder() {
        "invalid request".to_string()
    } else {
        "request failed".to_string()
    };
    let mut causes: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if causes.last() != Some(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        kind
    } else {
        format!("{kind}: {}", causes.join(": "))
    }
}
