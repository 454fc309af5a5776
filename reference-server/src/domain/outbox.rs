//! The message queue and outbox: what the server sent to each user's transports (PC-2).
//! Delivery is immediate (LOG-3 then LOG-4); the control API reads the outbox the way a
//! test would read a mailbox. Bounded per user so a load run cannot grow it without end.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::users::TransportKind;
use crate::clock::Millis;

/// Messages kept per user; older ones are dropped.
pub const MESSAGES_PER_USER: usize = 8;

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

/// Every user's recent messages.
#[derive(Debug, Default)]
pub struct Outbox {
    by_user: HashMap<Box<str>, VecDeque<OutboxMessage>>,
    next_seq: u64,
}

impl Outbox {
    /// Stores a message, giving it the next sequence number.
    pub fn deliver(&mut self, mut message: OutboxMessage) -> u64 {
        self.next_seq += 1;
        message.seq = self.next_seq;
        // Most users only ever get one message: start with room for one, not the default
        // first growth to four (a whole 4 × 144-byte buffer per user at a million users).
        let queue = self
            .by_user
            .entry(message.username.as_str().into())
            .or_insert_with(|| VecDeque::with_capacity(1));
        if queue.len() == MESSAGES_PER_USER {
            queue.pop_front();
        }
        queue.push_back(message);
        self.next_seq
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
    }
}
