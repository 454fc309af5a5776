//! A client of the reference server's control API (README "Control API"): create users,
//! issue codes, read the outbox and the log, set policies, move the clock. Every call is
//! bounded by a timeout and every failure is a typed [`ControlError`].

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The request did not complete (refused, reset, timed out).
    #[error("control API {url} unreachable: {message}")]
    Transport {
        /// URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The control API answered with an error status.
    #[error("control API {method} {path} answered {status}: {message}")]
    Status {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// HTTP status.
        status: u16,
        /// The `error` field of the reply, or its body.
        message: String,
    },
    /// The reply was not the JSON expected.
    #[error("control API {path} replied with unexpected JSON: {message}")]
    Decode {
        /// Path.
        path: String,
        /// Decoder message.
        message: String,
    },
    /// The client could not be built.
    #[error("cannot build the control API client: {0}")]
    Client(String),
}

impl ControlError {
    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ControlError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the failure is the network's rather than the server's answer.
    pub fn is_transport(&self) -> bool {
        matches!(self, ControlError::Transport { .. })
    }
}

/// One outbox message as the control API shows it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Sequence number.
    pub seq: u64,
    /// Node that sent it.
    pub node: u16,
    /// Recipient.
    pub username: String,
    /// `alert` or `string`.
    pub transport: String,
    /// `email` or `sms`.
    pub kind: String,
    /// Address.
    pub destination: String,
    /// Text.
    pub body: String,
    /// The code it carries.
    pub code: Option<String>,
    /// The URL it carries.
    pub url: Option<String>,
}

/// One log entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LogEntry {
    /// Sequence number.
    pub seq: u64,
    /// Node.
    pub node: u16,
    /// Clock time, ms.
    pub at_ms: u64,
    /// Text.
    pub text: String,
}

#[derive(Deserialize)]
struct LogPage {
    entries: Vec<LogEntry>,
    next_seq: u64,
}

/// A page of `GET /control/outbox`.
#[derive(Debug, Deserialize)]
pub struct OutboxPage {
    /// The messages, oldest first.
    pub messages: Vec<OutboxMessage>,
}

impl OutboxPage {
    /// The code of the newest message, if it carried one.
    pub fn newest_code(&self) -> Option<&str> {
        self.messages.last()?.code.as_deref()
    }
}

/// The control API's paths, spelled once for the control client and the load personas.
pub mod route {
    use super::encode;

    /// `/control/users/{u}`.
    pub fn user(username: &str) -> String {
        format!("/control/users/{}", encode(username))
    }

    /// `/control/users/{u}/reprovision`.
    pub fn reprovision(username: &str) -> String {
        format!("{}/reprovision", user(username))
    }

    /// `/control/outbox?user={u}`.
    pub fn outbox(username: &str) -> String {
        format!("/control/outbox?user={}", encode(username))
    }
}

/// A control API client.
#[derive(Debug, Clone)]
pub struct ControlClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ControlClient {
    /// A client for `base` (e.g. `http://127.0.0.1:8090`) with `token`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, ControlError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(timeout)
            .build()
            .map_err(|e| ControlError::Client(e.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ControlError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let transport = |e: reqwest::Error| ControlError::Transport {
            url: url.clone(),
            message: e.to_string(),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let text = response.text().await.map_err(transport)?;
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or(text);
            return Err(ControlError::Status {
                method: method.to_string(),
                path: path.to_string(),
                status: status.as_u16(),
                message,
            });
        }
        if status == StatusCode::NO_CONTENT || text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| ControlError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    fn decode<T: for<'de> Deserialize<'de>>(path: &str, value: Value) -> Result<T, ControlError> {
        serde_json::from_value(value).map_err(|e| ControlError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// `GET /control/health`.
    pub async fn health(&self) -> Result<Value, ControlError> {
        self.call(Method::GET, "/control/health", None).await
    }

    /// `GET /control/nodes`: each node's base URL (without context).
    pub async fn nodes(&self) -> Result<Vec<String>, ControlError> {
        let v = self.call(Method::GET, "/control/nodes", None).await?;
        Ok(v["nodes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|n| n["url"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `POST /control/users` with a user spec (JSON as the README documents).
    pub async fn create_user(&self, spec: Value) -> Result<Value, ControlError> {
        self.call(Method::POST, "/control/users", Some(spec)).await
    }

    /// `DELETE /control/users/{u}`.
    pub async fn delete_user(&self, username: &str) -> Result<(), ControlError> {
        let path = route::user(username);
        self.call(Method::DELETE, &path, None).await.map(|_| ())
    }

    /// `GET /control/users/{u}`.
    pub async fn user(&self, username: &str) -> Result<Value, ControlError> {
        let path = route::user(username);
        self.call(Method::GET, &path, None).await
    }

    /// `POST /control/users/{u}/reprovision` on `node`; returns the reply (no code).
    pub async fn reprovision(&self, username: &str, node: u16) -> Result<Value, ControlError> {
        let path = route::reprovision(username);
        self.call(Method::POST, &path, Some(json!({ "node": node })))
            .await
    }

    /// `GET /control/outbox?user=U`, oldest first.
    pub async fn outbox(&self, username: &str) -> Result<Vec<OutboxMessage>, ControlError> {
        let path = route::outbox(username);
        let v = self.call(Method::GET, &path, None).await?;
        Self::decode::<OutboxPage>(&path, v).map(|p| p.messages)
    }

    /// `GET /control/log?since=N`: entries after `since` and the next sequence number.
    pub async fn log_since(&self, since: u64) -> Result<(Vec<LogEntry>, u64), ControlError> {
        let path = format!("/control/log?since={since}");
        let v = self.call(Method::GET, &path, None).await?;
        Self::decode::<LogPage>(&path, v).map(|p| (p.entries, p.next_seq))
    }

    /// The sequence number of the newest log entry (0 when the log is empty): a case
    /// reads only what comes after it.
    pub async fn log_position(&self) -> Result<u64, ControlError> {
        let path = "/control/log?since=0&limit=0";
        let v = self.call(Method::GET, path, None).await?;
        Self::decode::<LogPage>(path, v).map(|p| p.next_seq.saturating_sub(1))
    }

    /// `GET /control/policies`.
    pub async fn policies(&self) -> Result<Value, ControlError> {
        self.call(Method::GET, "/control/policies", None).await
    }

    /// `PUT /control/policies` with a partial policy document.
    pub async fn set_policies(&self, patch: Value) -> Result<Value, ControlError> {
        self.call(Method::PUT, "/control/policies", Some(patch))
            .await
    }

    /// `GET /control/clock`: now, in ms.
    pub async fn now_ms(&self) -> Result<u64, ControlError> {
        let v = self.call(Method::GET, "/control/clock", None).await?;
        v["now_ms"].as_u64().ok_or_else(|| ControlError::Decode {
            path: "/control/clock".into(),
            message: "no now_ms".into(),
        })
    }

    /// `POST /control/clock/advance`.
    pub async fn advance(&self, seconds: u64) -> Result<u64, ControlError> {
        let v = self
            .call(
                Method::POST,
                "/control/clock/advance",
                Some(json!({ "seconds": seconds })),
            )
            .await?;
        v["now_ms"].as_u64().ok_or_else(|| ControlError::Decode {
            path: "/control/clock/advance".into(),
            message: "no now_ms".into(),
        })
    }

    /// `POST /control/reset`.
    pub async fn reset(&self) -> Result<(), ControlError> {
        self.call(Method::POST, "/control/reset", None)
            .await
            .map(|_| ())
    }
}

/// Characters left as they are in a path segment or query value (RFC 3986 unreserved).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}
