//! The message queue and outbox: what the server sent to each user's transports (PC-2).
//! Delivery is immediate (LOG-3 then LOG-4); the control API reads the outbox the way a
//! test would read a mailbox. Bounded per user so a load run cannot grow it without end.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use super::FastMap;
use super::users::TransportKind;
use crate::clock::Millis;

/// Messages kept per user; older ones are dropped.
pub const MESSAGES_PER_USER: usize = 8;
/// Messages kept in all; the oldest are dropped.
pub const MAX_MESSAGES: usize = 100_000;

/// Which of the user's transports a message went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportRole {
    /// The alert transport.
    Alert,
    /// The security-string transport ("send provision code as security string").
    String,
}

/// One delivered message, with what a reader would parse out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// Position among all messages, from 1.
    pub seq: u64,
    /// Node that sent it.
    pub node: u16,
    /// Clock time of delivery.
    pub at_ms: Millis,
    /// Recipient.
    pub username: String,
    /// Alert or string transport.
    pub transport: TransportRole,
    /// E-mail or SMS.
    pub kind: TransportKind,
    /// The address it went to.
    pub destination: String,
    /// The message text as delivered.
    pub body: String,
    /// The provision code it carries.
    pub code: Option<String>,
    /// The Provision URL or complete URL it carries (URL-1, URL-2).
    pub url: Option<String>,
}

/// Every user's recent messages: at most [`MESSAGES_PER_USER`] each and
/// [`MAX_MESSAGES`] in all, the oldest dropped first, so neither a long load run nor a
/// million users can grow the outbox without bound.
#[derive(Debug)]
pub struct Outbox {
    by_user: FastMap<Arc<str>, VecDeque<OutboxMessage>>,
    /// Delivery order, to find the oldest message when the outbox is full. Entries of
    /// messages already dropped (per-user limit, user deleted) are skipped then.
    order: VecDeque<(Arc<str>, u64)>,
    next_seq: u64,
    capacity: usize,
}

impl Default for Outbox {
    fn default() -> Self {
        Self::with_capacity(MAX_MESSAGES)
    }
}

impl Outbox {
    /// An outbox keeping at most `capacity` messages in all.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            by_user: FastMap::default(),
            order: VecDeque::new(),
            next_seq: 0,
            capacity: capacity.max(1),
        }
    }

    /// Stores a message, giving it the next sequence number.
    pub fn deliver(&mut self, mut message: OutboxMessage) -> u64 {
        self.next_seq += 1;
        let seq = self.next_seq;
        message.seq = seq;
        let key: Arc<str> = match self.by_user.get_key_value(message.username.as_str()) {
            Some((key, _)) => key.clone(),
            None => Arc::from(message.username.as_str()),
        };
        // Most users only ever get one message: room for one, not the default four.
        let queue = self
            .by_user
            .entry(key.clone())
            .or_insert_with(|| VecDeque::with_capacity(1));
        if queue.len() == MESSAGES_PER_USER {
            queue.pop_front();
        }
        queue.push_back(message);
        self.order.push_back((key, seq));
        while self.order.len() > self.capacity {
            let Some((user, oldest)) = self.order.pop_front() else {
                break;
            };
            if let Some(queue) = self.by_user.get_mut(&user) {
                if queue.front().is_some_and(|m| m.seq == oldest) {
                    queue.pop_front();
                }
                if queue.is_empty() {
                    self.by_user.remove(&user);
                }
            }
        }
        seq
    }

    /// One user's messages, oldest first.
    pub fn for_user(&self, username: &str) -> Vec<OutboxMessage> {
        self.by_user
            .get(username)
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every message, in delivery order, at most `limit` of the newest.
    pub fn all(&self, limit: usize) -> Vec<OutboxMessage> {
        let mut all: Vec<_> = self.by_user.values().flatten().cloned().collect();
        all.sort_by_key(|m| m.seq);
        let skip = all.len().saturating_sub(limit);
        all.split_off(skip)
    }

    /// Forgets a user's messages (user deleted).
    pub fn forget(&mut self, username: &str) {
        self.by_user.remove(username);
    }

    /// Forgets everything; sequence numbers keep counting.
    pub fn clear(&mut self) {
        self.by_user.clear();
        self.order.clear();
    }

    /// Messages held.
    pub fn len(&self) -> usize {
        self.by_user.values().map(VecDeque::len).sum()
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.by_user.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(user: &str) -> OutboxMessage {
        OutboxMessage {
            seq: 0,
            node: 1,
            at_ms: Millis(0),
            username: user.into(),
            transport: TransportRole::Alert,
            kind: TransportKind::Email,
            destination: "d".into(),
            body: "b".into(),
            code: None,
            url: None,
        }
    }

    #[test]
    fn per_user_and_total_limits_drop_the_oldest() {
        let mut o = Outbox::with_capacity(10);
        for _ in 0..MESSAGES_PER_USER + 2 {
            o.deliver(message("a"));
        }
        assert_eq!(o.for_user("a").len(), MESSAGES_PER_USER);
        assert_eq!(o.for_user("a")[0].seq, 3);
        for i in 0..20 {
            o.deliver(message(&format!("u{i}")));
        }
        assert!(o.len() <= 10, "{}", o.len());
        assert!(o.for_user("a").is_empty());
        assert_eq!(o.for_user("u19").len(), 1);
        assert!(o.for_user("u9").is_empty());
        o.forget("u19");
        assert!(o.for_user("u19").is_empty());
        o.clear();
        assert!(o.is_empty());
        assert_eq!(o.deliver(message("a")), 31);
    }
}
