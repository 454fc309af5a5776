//! The SMTP outlet: each queued [`MailRecord`] becomes a plain-text mail to the relay
//! (lettre over tokio, no TLS: the relay is the harness's loopback sink or a local
//! MTA), From the configured sender, To the transport's address, Subject
//! [`SUBJECT`], the body the outbox text. One task sends one mail at a time, each within
//! a timeout; a refused or failed mail is counted and logged, never retried, so a dead
//! relay costs the server nothing but the queue's drops.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use tokio::sync::{mpsc, watch};

use super::{HostPort, OutletError};
use crate::domain::taps::{MailRecord, TapCounters, worth_warning};

/// The subject of every mail [ASSUMED: the administrator sets the real template].
pub const SUBJECT: &str = "Swivel provision code";

/// Sends queued mails to one relay.
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
    counters: Arc<TapCounters>,
}

impl Sender {
    /// A sender to `relay`, from `from`, each mail within `timeout`.
    pub fn new(
        relay: &HostPort,
        from: &str,
        timeout: Duration,
        counters: Arc<TapCounters>,
    ) -> Result<Self, OutletError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| OutletError::MailFrom(from.to_string()))?;
        // Plain SMTP on purpose: no STARTTLS towards a loopback sink.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host)
            .port(relay.port)
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from,
            timeout,
            counters,
        })
    }

    /// Sends until shutdown; mails still queued then are dropped.
    pub async fn run(self, mut rx: mpsc::Receiver<MailRecord>, mut stop: watch::Receiver<bool>) {
        loop {
            let record = tokio::select! {
                record = rx.recv() => match record {
                    Some(record) => record,
                    None => return,
                },
                () = super::stopped(&mut stop) => return,
            };
            tokio::select! {
                () = self.send(record) => {}
                () = super::stopped(&mut stop) => return,
            }
        }
    }

    async fn send(&self, record: MailRecord) {
        let outcome = match self.message(&record) {
            Err(why) => Err(why),
            Ok(message) => {
                match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!("no answer within {:?}", self.timeout)),
                }
            }
        };
        let count = self.counters.mail_done(outcome.is_ok());
        if let Err(error) = outcome
            && worth_warning(count)
        {
            tracing::warn!(%error, failed = count, to = %record.to, "mail to the SMTP relay not sent");
        }
    }

    fn message(&self, record: &MailRecord) -> Result<Message, String> {
        let to: Mailbox = record
            .to
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", record.to))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(SUBJECT)
            .header(ContentType::TEXT_PLAIN)
            .body(record.body.clone())
            .map_err(|e| e.to_string())
    }
}
