//! The backstage of a reference server: its control API, where everything is immediate
//! (delivery, log, clock), so no call waits.

use std::sync::Mutex;

use serde_json::{Value, json};

use super::{
    Backstage, BackstageError, BoxFuture, CreatedUser, LogEntry, LogWanted, NewTransport, NewUser,
    OutboxMessage,
};
use crate::control::{ControlClient, ControlError};

/// The control API as a backstage; remembers the policies it found, to put them back.
#[derive(Debug)]
pub struct ControlBackstage {
    client: ControlClient,
    restore: Mutex<Option<Value>>,
}

impl ControlBackstage {
    /// A backstage over `client`; `restore` is put back when the case ends.
    pub fn new(client: ControlClient, restore: Option<Value>) -> Self {
        Self {
            client,
            restore: Mutex::new(restore),
        }
    }
}

fn failed(e: ControlError) -> BackstageError {
    match e.status() {
        Some(status) if (400..500).contains(&status) => BackstageError::Refused {
            what: "control API".into(),
            message: e.to_string(),
        },
        _ => BackstageError::Failed {
            what: "control API".into(),
            message: e.to_string(),
        },
    }
}

fn transport(t: &Option<NewTransport>) -> Value {
    match t {
        Some(t) => json!({ "kind": t.kind(), "destination": t.destination() }),
        None => Value::Null,
    }
}

impl Backstage for ControlBackstage {
    fn create_user<'a>(
        &'a self,
        user: &'a NewUser,
    ) -> BoxFuture<'a, Result<CreatedUser, BackstageError>> {
        Box::pin(async move {
            let spec = json!({
                "username": user.username,
                "pin": user.pin,
                "mobile_client": user.mobile_client,
                "alert_transport": transport(&user.alert),
                "string_transport": transport(&user.strings),
            });
            self.client.create_user(spec).await.map_err(failed)?;
            Ok(CreatedUser {
                username: user.username.clone(),
                pin: user.pin.clone(),
                via: "control API".into(),
            })
        })
    }

    fn delete_user<'a>(&'a self, username: &'a str) -> BoxFuture<'a, Result<(), BackstageError>> {
        Box::pin(async move { self.client.delete_user(username).await.map_err(failed) })
    }

    fn reprovision<'a>(
        &'a self,
        username: &'a str,
        node: u16,
    ) -> BoxFuture<'a, Result<Value, BackstageError>> {
        Box::pin(async move {
            self.client
                .reprovision(username, node)
                .await
                .map_err(failed)
        })
    }

    fn messages<'a>(
        &'a self,
        username: &'a str,
        _at_least: usize,
    ) -> BoxFuture<'a, Result<Vec<OutboxMessage>, BackstageError>> {
        // Delivery to the outbox is immediate: nothing to wait for.
        Box::pin(async move { self.client.outbox(username).await.map_err(failed) })
    }

    fn log_position(&self) -> BoxFuture<'_, Result<u64, BackstageError>> {
        Box::pin(async move { self.client.log_position().await.map_err(failed) })
    }

    fn log_since<'a>(
        &'a self,
        since: u64,
        _wanted: Option<LogWanted<'a>>,
    ) -> BoxFuture<'a, Result<Vec<LogEntry>, BackstageError>> {
        Box::pin(async move {
            self.client
                .log_since(since)
                .await
                .map(|(entries, _)| entries)
                .map_err(failed)
        })
    }

    fn policies(&self) -> BoxFuture<'_, Result<Value, BackstageError>> {
        Box::pin(async move { self.client.policies().await.map_err(failed) })
    }

    fn set_policies(&self, patch: Value) -> BoxFuture<'_, Result<Value, BackstageError>> {
        Box::pin(async move { self.client.set_policies(patch).await.map_err(failed) })
    }

    fn advance(&self, seconds: u64) -> BoxFuture<'_, Result<String, BackstageError>> {
        Box::pin(async move {
            self.client.advance(seconds).await.map_err(failed)?;
            Ok(format!("clock moved {seconds} s"))
        })
    }

    fn restore(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let policies = self.restore.lock().ok().and_then(|mut r| r.take());
            if let Some(policies) = policies
                && let Err(e) = self.client.set_policies(policies).await
            {
                tracing::warn!("could not restore the target's policies: {e}");
            }
        })
    }
}
