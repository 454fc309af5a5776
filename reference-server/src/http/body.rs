//! Reading request bodies safely: a declared length over the limit is refused before a
//! byte is read (413), a body that grows past it is cut off (413), and a client that
//! trickles its body is dropped after a timeout (408), so no peer can pin memory or a task.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, Limited};

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Over the limit (declared or actual).
    #[error("request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// Not complete within the timeout.
    #[error("request body was not received within {0:?}")]
    Timeout(Duration),
    /// The connection failed while reading.
    #[error("request body could not be read: {0}")]
    Broken(String),
}

impl BodyError {
    /// The HTTP status that answers this error.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            BodyError::Broken(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Reads the whole body, at most `limit` bytes, within `timeout`.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => Err(BodyError::Timeout(timeout)),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge(limit)),
        Ok(Err(e)) => Err(BodyError::Broken(e.to_string())),
    }
}
