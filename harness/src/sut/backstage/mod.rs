//! What a case reaches behind the mobile wire, as one trait over every kind of target:
//! create and delete users, issue a code, read what the server sent a user and what it
//! logged, set policies, let time pass. The reference server's control API implements it
//! directly ([`control`]); a real Swivel server implements it through Admin XML, the
//! self-service page, a mail sink, a syslog sink, its stated policies and real waiting
//! (`sut::swivel`). Steps call only this trait, so a case reads the same whichever target
//! runs it, and a step a target cannot serve is SKIPPED before it starts (the target's
//! [`super::Offer`]).

pub mod control;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;

pub use crate::control::{LogEntry, OutboxMessage};

/// The log lines a reader waits for where the log arrives late (syslog): `count` lines
/// for which `matches` holds.
#[derive(Clone, Copy)]
pub struct LogWanted<'a> {
    /// Which lines count.
    pub matches: &'a (dyn Fn(&LogEntry) -> bool + Send + Sync),
    /// How many of them are due (at least 1).
    pub count: usize,
}

/// A boxed future, so [`Backstage`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a backstage call failed.
#[derive(Debug, thiserror::Error)]
pub enum BackstageError {
    /// The target refused the request (a 4xx of the control API, a FAIL of Admin XML, a
    /// policy the target does not have): a step may expect this.
    #[error("{what} refused: {message}")]
    Refused {
        /// The call.
        what: String,
        /// Why, as the target said it.
        message: String,
    },
    /// The call did not complete or its answer could not be read: INCONCLUSIVE.
    #[error("{what}: {message}")]
    Failed {
        /// The interface and call (`control API`, `Admin XML create`, …).
        what: String,
        /// What went wrong.
        message: String,
    },
}

impl BackstageError {
    /// Whether the target refused (rather than the call failing).
    pub fn is_refusal(&self) -> bool {
        matches!(self, BackstageError::Refused { .. })
    }
}

/// One of a new user's transports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewTransport {
    /// E-mail to this address.
    Email(String),
    /// SMS to this number.
    Sms(String),
}

impl NewTransport {
    /// `email` or `sms`.
    pub fn kind(&self) -> &'static str {
        match self {
            NewTransport::Email(_) => "email",
            NewTransport::Sms(_) => "sms",
        }
    }

    /// The address or number.
    pub fn destination(&self) -> &str {
        match self {
            NewTransport::Email(d) | NewTransport::Sms(d) => d,
        }
    }
}

/// A user a case creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Username on the server.
    pub username: String,
    /// PIN.
    pub pin: String,
    /// Whether the user has the Mobile Client right.
    pub mobile_client: bool,
    /// Alert transport.
    pub alert: Option<NewTransport>,
    /// Security-string transport.
    pub strings: Option<NewTransport>,
}

/// What the backstage reports of a created user: the username the server holds (a
/// prepared pool hands out its own) and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedUser {
    /// The username to use in requests.
    pub username: String,
    /// The PIN to use.
    pub pin: String,
    /// For the transcript: `control API`, `Admin XML`, `user pool`.
    pub via: String,
}

/// How long a target that delivers asynchronously (mail, syslog) may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Longest wait for an item that should arrive.
    pub arrive: Duration,
    /// How long to listen before concluding that an item did not arrive.
    pub settle: Duration,
}

/// The operations a case uses behind the mobile wire.
pub trait Backstage: Send + Sync {
    /// Creates a user.
    fn create_user<'a>(
        &'a self,
        user: &'a NewUser,
    ) -> BoxFuture<'a, Result<CreatedUser, BackstageError>>;

    /// Deletes a user.
    fn delete_user<'a>(&'a self, username: &'a str) -> BoxFuture<'a, Result<(), BackstageError>>;

    /// Issues a provision code for a user through node `node`; the reply, for the
    /// transcript (never a code, unless the server wrongly sends one).
    fn reprovision<'a>(
        &'a self,
        username: &'a str,
        node: u16,
    ) -> BoxFuture<'a, Result<Value, BackstageError>>;

    /// The messages sent to a user, oldest first, once at least `at_least` have arrived
    /// or the delivery wait has passed (`at_least = 0`: after the settle time, so a
    /// message that should not come has had its chance).
    fn messages<'a>(
        &'a self,
        username: &'a str,
        at_least: usize,
    ) -> BoxFuture<'a, Result<Vec<OutboxMessage>, BackstageError>>;

    /// The position of the newest log entry: later reads see only what follows it.
    fn log_position(&self) -> BoxFuture<'_, Result<u64, BackstageError>>;

    /// Log entries after `since`, once `wanted.count` of them satisfy `wanted.matches`
    /// or the delivery wait has passed (`None`: after the settle time).
    fn log_since<'a>(
        &'a self,
        since: u64,
        wanted: Option<LogWanted<'a>>,
    ) -> BoxFuture<'a, Result<Vec<LogEntry>, BackstageError>>;

    /// The server's policies (the control API's JSON shape).
    fn policies(&self) -> BoxFuture<'_, Result<Value, BackstageError>>;

    /// Merges a partial policy document into the server's policies.
    fn set_policies(&self, patch: Value) -> BoxFuture<'_, Result<Value, BackstageError>>;

    /// Lets `seconds` pass on the server's clock; returns how it passed, for the
    /// transcript (`clock moved`, `waited 11 s`).
    fn advance(&self, seconds: u64) -> BoxFuture<'_, Result<String, BackstageError>>;

    /// Puts back what the case changed (policies), when the case ends.
    fn restore(&self) -> BoxFuture<'_, ()>;
}

/// Whether `patch` (a partial policy document) holds only values `have` already has.
/// The first differing leaf as `(dotted path, wanted, have)` otherwise.
pub fn policy_difference(patch: &Value, have: &Value) -> Option<(String, Value, Value)> {
    fn walk(path: &str, patch: &Value, have: &Value) -> Option<(String, Value, Value)> {
        match patch {
            Value::Object(fields) => fields.iter().find_map(|(k, v)| {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&child, v, have.get(k).unwrap_or(&Value::Null))
            }),
            leaf if leaf == have => None,
            // 10 and 10.0 are the same value.
            Value::Number(n) if have.as_f64() == n.as_f64() && have.is_number() => None,
            leaf => Some((path.to_string(), leaf.clone(), have.clone())),
        }
    }
    walk("", patch, have)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_inside_the_policies_differs_in_nothing() {
        let have = json!({"self_reset": {"provision_code_validity_secs": 10, "allow_self_provision": true}});
        assert_eq!(
            policy_difference(
                &json!({"self_reset": {"provision_code_validity_secs": 10}}),
                &have
            ),
            None
        );
        assert_eq!(
            policy_difference(
                &json!({"self_reset": {"provision_code_validity_secs": 600}}),
                &have
            ),
            Some((
                "self_reset.provision_code_validity_secs".into(),
                json!(600),
                json!(10)
            ))
        );
        assert_eq!(
            policy_difference(&json!({"general": {"string_type": "upper"}}), &have),
            Some(("general.string_type".into(), json!("upper"), Value::Null))
        );
    }
}
