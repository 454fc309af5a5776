//! One case's backstage on a real Swivel server: users through Admin XML or the pool,
//! codes through the administrator's Reprovision or the self-service page, messages from
//! the mail sink, the log from the syslog sink, policies as the target file states them,
//! and time by waiting. Mail and syslog arrive when they arrive, so reads wait for what is
//! due (up to the delivery wait) or listen for the settle time before saying "none".

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use super::SwivelSpec;
use crate::sinks::WaitError;
use crate::sinks::mail::ReceivedMail;
use crate::sinks::syslog::SyslogEntry;
use crate::sut::backstage::{
    Backstage, BackstageError, BoxFuture, CreatedUser, LogEntry, LogWanted, NewTransport, NewUser,
    OutboxMessage, policy_difference,
};

/// Entries read from a sink at once: all it holds (the sinks cap what they keep), so a
/// flood from elsewhere cannot push a case's own lines out of a read.
const READ_LIMIT: usize = usize::MAX;

/// A case's view of the target; deletes the users it created when the case ends.
pub struct SwivelBackstage {
    spec: Arc<SwivelSpec>,
    created: Mutex<Vec<String>>,
    /// Where each user's security strings go, when by a second SMTP transport.
    strings_to: Mutex<HashMap<String, String>>,
}

impl SwivelBackstage {
    pub(super) fn new(spec: Arc<SwivelSpec>) -> Self {
        Self {
            spec,
            created: Mutex::new(Vec::new()),
            strings_to: Mutex::new(HashMap::new()),
        }
    }

    fn strings_address(&self, username: &str) -> Option<String> {
        self.strings_to
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(username)
            .cloned()
    }

    fn created(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn missing(what: &str, needs: &str) -> BackstageError {
        BackstageError::Failed {
            what: what.into(),
            message: format!("harness error: the target has no {needs}"),
        }
    }

    /// The node a syslog thread name points at (`http-nio-8080-exec-3` → the node on
    /// port 8080); 0 when none does.
    fn node_of(&self, thread: &str) -> u16 {
        let port: String = thread
            .split(|c: char| !c.is_ascii_digit())
            .find(|part| part.len() >= 2)
            .unwrap_or_default()
            .to_string();
        if port.is_empty() {
            return 0;
        }
        self.spec
            .nodes
            .iter()
            .position(|url| {
                let authority = url.split("://").nth(1).unwrap_or(url);
                let host_port = authority.split('/').next().unwrap_or_default();
                host_port.rsplit(':').next() == Some(port.as_str())
            })
            .and_then(|i| u16::try_from(i + 1).ok())
            .unwrap_or(0)
    }

    fn log_entry(&self, e: &SyslogEntry) -> LogEntry {
        LogEntry {
            seq: e.seq,
            node: self.node_of(&e.thread),
            at_ms: 0,
            text: e.text.clone(),
        }
    }

    /// `strings_to`: the user's strings address when the strings go by a second SMTP
    /// transport; a message to it took the string transport, any other the alert one.
    fn outbox_message(username: &str, m: &ReceivedMail, strings_to: Option<&str>) -> OutboxMessage {
        let transport = match strings_to {
            Some(address) if m.is_for(address) => "string",
            Some(_) => "alert",
            // Otherwise both transports reach the same address and look alike, so the
            // transport is not known (the target lacks `message-transport`).
            None => "unknown",
        };
        OutboxMessage {
            seq: m.seq,
            node: 0,
            username: username.to_string(),
            transport: transport.into(),
            kind: "email".into(),
            destination: m.recipients.first().cloned().unwrap_or_default(),
            body: m.extracted.text.clone(),
            code: m.extracted.code.clone(),
            url: m.extracted.provision_url.clone(),
        }
    }
}

impl Backstage for SwivelBackstage {
    fn create_user<'a>(
        &'a self,
        user: &'a NewUser,
    ) -> BoxFuture<'a, Result<CreatedUser, BackstageError>> {
        Box::pin(async move {
            let spec = &self.spec;
            let (created, email) = if let Some(admin) = &spec.admin {
                admin.create(spec, user).await?;
                spec.created_user(&user.username);
                self.created().push(user.username.clone());
                let email = match &user.alert {
                    Some(NewTransport::Email(address)) => Some(address.clone()),
                    _ => None,
                };
                let created = CreatedUser {
                    username: user.username.clone(),
                    pin: user.pin.clone(),
                    via: "Admin XML".into(),
                };
                (created, email)
            } else if let Some(pool) = &spec.pool {
                let pooled = pool.take().ok_or_else(|| BackstageError::Failed {
                    what: "user pool".into(),
                    message: format!(
                        "all {} users have been handed out; add users to the pool file",
                        pool.len()
                    ),
                })?;
                let created = CreatedUser {
                    username: pooled.username,
                    pin: pooled.pin,
                    via: "user pool".into(),
                };
                (created, pooled.email)
            } else {
                return Err(Self::missing("create user", "Admin XML and no user pool"));
            };
            if let (Some(mail), Some(email)) = (&spec.mail, email) {
                mail.register_user(&created.username, &email);
            }
            if spec.knows_transports()
                && let Some(NewTransport::Email(address)) = &user.strings
            {
                self.strings_to
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(created.username.clone(), address.to_ascii_lowercase());
            }
            Ok(created)
        })
    }

    fn delete_user<'a>(&'a self, username: &'a str) -> BoxFuture<'a, Result<(), BackstageError>> {
        Box::pin(async move {
            let Some(admin) = &self.spec.admin else {
                return Err(Self::missing("delete user", "Admin XML"));
            };
            admin.delete(&self.spec, username).await?;
            self.spec.deleted_user(username);
            self.created().retain(|u| u != username);
            Ok(())
        })
    }

    fn reprovision<'a>(
        &'a self,
        username: &'a str,
        node: u16,
    ) -> BoxFuture<'a, Result<Value, BackstageError>> {
        Box::pin(async move {
            let spec = &self.spec;
            if spec.admin_reprovision()
                && let Some(admin) = &spec.admin
            {
                admin.reprovision(spec, username, node).await?;
                return Ok(json!({ "via": "Admin XML", "node": node }));
            }
            if !spec.self_provision_allowed() {
                return Err(Self::missing(
                    "issue code",
                    "Admin XML reprovision and self-provisioning is not allowed",
                ));
            }
            let ep = spec
                .nodes
                .get(usize::from(node).wrapping_sub(1))
                .map(|url| crate::emulator::Endpoint {
                    base_url: url.clone(),
                    node: Some(node),
                })
                .ok_or_else(|| Self::missing("issue code", &format!("node {node}")))?;
            let x = spec.client.self_provision(&ep, username).await;
            match x.status {
                Some(status) if (200..300).contains(&status) => {
                    Ok(json!({ "via": "self-service", "node": node, "status": status }))
                }
                Some(status) => Err(BackstageError::Refused {
                    what: "self-service provision request".into(),
                    message: format!("{} answered {status}", x.url),
                }),
                None => Err(BackstageError::Failed {
                    what: "self-service provision request".into(),
                    message: format!("{}: {}", x.url, x.outcome.key()),
                }),
            }
        })
    }

    fn messages<'a>(
        &'a self,
        username: &'a str,
        at_least: usize,
    ) -> BoxFuture<'a, Result<Vec<OutboxMessage>, BackstageError>> {
        Box::pin(async move {
            let Some(mail) = &self.spec.mail else {
                return Err(Self::missing("read messages", "mail sink"));
            };
            let strings_to = self.strings_address(username);
            let addresses: Vec<String> = mail
                .address_of(username)
                .into_iter()
                .chain(strings_to.clone())
                .collect();
            if addresses.is_empty() {
                // No e-mail transport: nothing can reach the sink for this user.
                return Ok(Vec::new());
            }
            let mine_to = |m: &ReceivedMail| addresses.iter().any(|a| m.is_for(a));
            let delivery = self.spec.delivery;
            let deadline = Instant::now()
                + if at_least == 0 {
                    delivery.settle
                } else {
                    delivery.arrive
                };
            loop {
                // Read the position first: a message landing in between is then either
                // collected or waited for, never missed.
                let newest = mail.newest_seq();
                let mine: Vec<OutboxMessage> = mail
                    .since(0, READ_LIMIT)
                    .iter()
                    .filter(|m| mine_to(m))
                    .map(|m| Self::outbox_message(username, m, strings_to.as_deref()))
                    .collect();
                let remaining = deadline.saturating_duration_since(Instant::now());
                if (at_least > 0 && mine.len() >= at_least) || remaining.is_zero() {
                    return Ok(mine);
                }
                match mail.wait_for(newest, remaining, mine_to).await {
                    Ok(_) | Err(WaitError::Timeout(_)) => {}
                    Err(e @ WaitError::NotRegistered(_)) => {
                        return Err(BackstageError::Failed {
                            what: "mail sink".into(),
                            message: e.to_string(),
                        });
                    }
                }
            }
        })
    }

    fn log_position(&self) -> BoxFuture<'_, Result<u64, BackstageError>> {
        Box::pin(async move {
            match &self.spec.syslog {
                Some(syslog) => Ok(syslog.newest_seq()),
                None => Err(Self::missing("read log", "syslog sink")),
            }
        })
    }

    fn log_since<'a>(
        &'a self,
        since: u64,
        wanted: Option<LogWanted<'a>>,
    ) -> BoxFuture<'a, Result<Vec<LogEntry>, BackstageError>> {
        Box::pin(async move {
            let Some(syslog) = &self.spec.syslog else {
                return Err(Self::missing("read log", "syslog sink"));
            };
            let delivery = self.spec.delivery;
            match wanted {
                Some(wanted) => {
                    // `wait_for` asks about each entry once, in order, so counting the
                    // matches it has seen ends the wait at the `count`-th (lines of one
                    // request may arrive apart). Either way the entries are read below.
                    let seen = AtomicUsize::new(0);
                    let _ = syslog
                        .wait_for(since, delivery.arrive, |e| {
                            (wanted.matches)(&self.log_entry(e))
                                && seen.fetch_add(1, Ordering::Relaxed) + 1 >= wanted.count
                        })
                        .await;
                }
                None => tokio::time::sleep(delivery.settle).await,
            }
            Ok(syslog
                .since(since, READ_LIMIT)
                .iter()
                .map(|e| self.log_entry(e))
                .collect())
        })
    }

    fn policies(&self) -> BoxFuture<'_, Result<Value, BackstageError>> {
        Box::pin(async move { Ok(self.spec.policies.clone()) })
    }

    fn set_policies(&self, patch: Value) -> BoxFuture<'_, Result<Value, BackstageError>> {
        Box::pin(async move {
            // The readiness check SKIPPED every case asking for another value; this
            // only confirms the value is already the target's.
            match policy_difference(&patch, &self.spec.policies) {
                None => Ok(self.spec.policies.clone()),
                Some((path, want, have)) => Err(BackstageError::Failed {
                    what: "set policy".into(),
                    message: format!(
                        "the target's {path} is {have}, not {want}; a real server's policies are set in its console"
                    ),
                }),
            }
        })
    }

    fn advance(&self, seconds: u64) -> BoxFuture<'_, Result<String, BackstageError>> {
        Box::pin(async move {
            // The readiness check bounded the case's total wait by --max-wait.
            tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
            Ok(format!("waited {seconds} s in real time"))
        })
    }

    fn restore(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let users: Vec<String> = std::mem::take(&mut *self.created());
            let Some(admin) = &self.spec.admin else {
                return;
            };
            for user in users {
                match admin.delete(&self.spec, &user).await {
                    Ok(()) => self.spec.deleted_user(&user),
                    // Tried again when the run ends, then reported if still there.
                    Err(e) => tracing::warn!("could not delete user {user} after the case: {e}"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::emulator::{ClientOptions, MobileClient};
    use crate::profile::WireProfile;
    use crate::sinks::syslog::{SyslogConfig, SyslogSink};
    use crate::sut::backstage::Delivery;
    use crate::sut::swivel::SwivelConfig;

    fn sys1(text: &str) -> String {
        format!("<134>Dec  1 19:59:06 127.0.0.1 PINsafe[main]: INFO - {text}")
    }

    /// A `count = 2` check on the syslog waits for the second line even when it comes
    /// later than the first, instead of reading the log at the first.
    #[tokio::test]
    async fn a_wait_for_two_lines_ends_at_the_second() {
        let sink = Arc::new(SyslogSink::bind(SyslogConfig::loopback()).await.unwrap());
        let profile = Arc::new(WireProfile::default_profile());
        let client = MobileClient::new(profile.clone(), ClientOptions::default()).unwrap();
        let spec = Arc::new(SwivelSpec::new(SwivelConfig {
            nodes: vec!["http://127.0.0.1:9/pinsafe".into()],
            site_id: "S".into(),
            agent_secret: "s".into(),
            session_sharing: None,
            policies: json!({}),
            admin: None,
            pool: None,
            strings_transport: None,
            mail: None,
            syslog: Some(sink.clone()),
            max_wait: Duration::from_secs(30),
            delivery: Delivery {
                arrive: Duration::from_secs(10),
                settle: Duration::from_millis(10),
            },
            profile,
            client,
            run_tag: "t".into(),
        }));
        let backstage = SwivelBackstage::new(spec);
        let since = backstage.log_position().await.unwrap();
        let to = sink.udp_addr().unwrap();
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        udp.send_to(sys1("line").as_bytes(), to).await.unwrap();
        udp.send_to(sys1("other").as_bytes(), to).await.unwrap();
        let later = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            udp.send_to(sys1("line").as_bytes(), to).await.unwrap();
        });
        let matches = |e: &LogEntry| e.text == "line";
        let started = Instant::now();
        let entries = backstage
            .log_since(
                since,
                Some(LogWanted {
                    matches: &matches,
                    count: 2,
                }),
            )
            .await
            .unwrap();
        later.await.unwrap();
        let found = entries.iter().filter(|e| e.text == "line").count();
        assert_eq!(found, 2, "{entries:?}");
        // It ended at the second line, not at the delivery wait.
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
