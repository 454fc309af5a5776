//! The server log: the exact texts LOG-1..LOG-9 of protocol.md §7, and a bounded ring
//! of entries, each stamped with a sequence number, the node and the clock time.

use std::collections::VecDeque;

use serde::Serialize;

use crate::clock::Millis;

/// The exact log texts of protocol.md §7. Tests pin each one byte for byte.
pub mod texts {
    /// LOG-1: a provision code was created.
    pub fn code_created(user: &str) -> String {
        format!("Provision code created for user \"{user}\"")
    }

    /// LOG-2: an administrator's reprovision was accepted.
    pub fn can_reprovision(user: &str) -> String {
        format!("User \"{user}\" can now reprovision their mobile device.")
    }

    /// LOG-3: a message was queued.
    pub fn message_queued(user: &str, destination: &str) -> String {
        format!("Message added to message queue for user: {user}, destination: {destination}.")
    }

    /// LOG-4: a message was delivered.
    pub fn message_sent(user: &str, destination: &str) -> String {
        format!("Message sent to user: {user}, destination: {destination}.")
    }

    /// LOG-5: a provision succeeded.
    pub fn provisioned(user: &str) -> String {
        format!("User \"{user}\" provisioned successfully")
    }

    /// LOG-6: a provision failed (wrong, used, expired or other-node code).
    pub fn provision_failed(user: &str) -> String {
        format!(
            "User \"{user}\" provision failed, A valid session could not be loaded or created for the user."
        )
    }

    /// LOG-7: a mobile request for an unknown user or an unbound device.
    pub const MOBILE_UNKNOWN_USER: &str =
        "Mobile request from unknown user; the user needs to reprovision";

    /// LOG-8 (USR-2): an Agent-XML request for an unknown user.
    pub fn agent_unknown_user(user: &str) -> String {
        format!(
            "AgentXML request failed, error: No suitable authentication method for the user \"{user}\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
        )
    }

    /// LOG-9: strings were downloaded [HINT].
    pub fn strings_fetched(user: &str) -> String {
        format!("Security strings fetched for user {user}")
    }
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Position in the log, from 1, never reused.
    pub seq: u64,
    /// The node (1-based) that wrote it.
    pub node: u16,
    /// Clock time when it was written.
    pub at_ms: Millis,
    /// The text.
    pub text: String,
}

/// The log: newest entries kept up to a capacity, so a long load run cannot grow it
/// without bound; sequence numbers keep counting so a reader can tell what it missed.
#[derive(Debug)]
pub struct Log {
    entries: VecDeque<LogEntry>,
    next_seq: u64,
    capacity: usize,
}

impl Log {
    /// An empty log holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            next_seq: 1,
            capacity: capacity.max(1),
        }
    }

    /// Appends an entry and returns its sequence number.
    pub fn write(&mut self, node: u16, at_ms: Millis, text: String) -> u64 {
        tracing::debug!(node, "{text}");
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(LogEntry {
            seq,
            node,
            at_ms,
            text,
        });
        seq
    }

    /// Up to `limit` entries with a sequence number greater than `since`.
    pub fn since(&self, since: u64, limit: usize) -> Vec<LogEntry> {
        let start = self.entries.partition_point(|e| e.seq <= since);
        self.entries
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The sequence number the next entry will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Drops every entry; sequence numbers keep counting.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_texts_are_byte_exact() {
        assert_eq!(
            texts::code_created("alice"),
            "Provision code created for user \"alice\""
        );
        assert_eq!(
            texts::can_reprovision("alice"),
            "User \"alice\" can now reprovision their mobile device."
        );
        assert_eq!(
            texts::message_queued("alice", "alice@example.test"),
            "Message added to message queue for user: alice, destination: alice@example.test."
        );
        assert_eq!(
            texts::message_sent("alice", "alice@example.test"),
            "Message sent to user: alice, destination: alice@example.test."
        );
        assert_eq!(
            texts::provisioned("alice"),
            "User \"alice\" provisioned successfully"
        );
        assert_eq!(
            texts::provision_failed("alice"),
            "User \"alice\" provision failed, A valid session could not be loaded or created for the user."
        );
        assert_eq!(
            texts::MOBILE_UNKNOWN_USER,
            "Mobile request from unknown user; the user needs to reprovision"
        );
        assert_eq!(
            texts::agent_unknown_user("bob"),
            "AgentXML request failed, error: No suitable authentication method for the user \"bob\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
        );
        assert_eq!(
            texts::strings_fetched("alice"),
            "Security strings fetched for user alice"
        );
    }

    #[test]
    fn ring_keeps_newest_and_counts_on() {
        let mut log = Log::new(2);
        for i in 0..3 {
            log.write(1, Millis(i), format!("e{i}"));
        }
        let all = log.since(0, 10);
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(log.since(2, 10).len(), 1);
        assert_eq!(log.next_seq(), 4);
    }
}
