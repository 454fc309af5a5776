//! The server log: the exact texts LOG-1..LOG-9 of protocol.md §7, which rule each
//! written line answers to ([`LogLine`]) with its level and whether it names a client
//! (SYS-1), and a bounded ring of entries, each stamped with a sequence number, the node
//! and the clock time.

use std::collections::VecDeque;

use serde::Serialize;

use super::log_text::LogText;
use crate::clock::Millis;
use crate::defects::Defect;
use crate::rule_id;
use crate::rules::RuleId;

/// The rule of protocol.md §7 a log line answers to. Every write names one, so the
/// `log-N-missing` defects act in a single place ([`crate::domain::Core`]'s `log`)
/// instead of beside each of the writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogLine {
    /// LOG-1: a provision code was created.
    Log1,
    /// LOG-2: an administrator's reprovision was accepted.
    Log2,
    /// LOG-3: a message was queued.
    Log3,
    /// LOG-4: a message was delivered.
    Log4,
    /// LOG-5: a provision succeeded.
    Log5,
    /// LOG-6: a provision failed.
    Log6,
    /// LOG-7: a mobile request for an unknown user or an unbound device.
    Log7,
    /// LOG-8: an Agent-XML request for an unknown user.
    Log8,
    /// LOG-9: strings were downloaded.
    Log9,
}

impl LogLine {
    /// Every line, in rule order.
    pub const ALL: [LogLine; 9] = [
        LogLine::Log1,
        LogLine::Log2,
        LogLine::Log3,
        LogLine::Log4,
        LogLine::Log5,
        LogLine::Log6,
        LogLine::Log7,
        LogLine::Log8,
        LogLine::Log9,
    ];

    /// The protocol.md rule.
    pub fn rule(self) -> RuleId {
        match self {
            LogLine::Log1 => rule_id!("LOG-1"),
            LogLine::Log2 => rule_id!("LOG-2"),
            LogLine::Log3 => rule_id!("LOG-3"),
            LogLine::Log4 => rule_id!("LOG-4"),
            LogLine::Log5 => rule_id!("LOG-5"),
            LogLine::Log6 => rule_id!("LOG-6"),
            LogLine::Log7 => rule_id!("LOG-7"),
            LogLine::Log8 => rule_id!("LOG-8"),
            LogLine::Log9 => rule_id!("LOG-9"),
        }
    }

    /// The level this line is written at (SYS-1's `<LEVEL>`): INFO for what went as
    /// asked, WARN for a refusal of a client's request (wrong or spent code, unknown user
    /// or device), ERROR for a failed Agent-XML request, which the text itself calls one.
    /// [ASSUMED]: protocol.md names the levels, not which line uses which.
    pub fn level(self) -> Level {
        match self {
            LogLine::Log1
            | LogLine::Log2
            | LogLine::Log3
            | LogLine::Log4
            | LogLine::Log5
            | LogLine::Log9 => Level::Info,
            LogLine::Log6 | LogLine::Log7 => Level::Warn,
            LogLine::Log8 => Level::Error,
        }
    }

    /// Whether the entry is written by the thread serving the request that caused it,
    /// and so names that request's client (SYS-1). LOG-4 is written when the message
    /// queue delivers, on its own thread, with no client.
    pub fn names_client(self) -> bool {
        !matches!(self, LogLine::Log4)
    }

    /// The defect that drops this line. LOG-5 has none: its defect, wrong-log-text,
    /// writes a wrong text instead of no text.
    pub fn missing_defect(self) -> Option<Defect> {
        match self {
            LogLine::Log1 => Some(Defect::Log1Missing),
            LogLine::Log2 => Some(Defect::Log2Missing),
            LogLine::Log3 => Some(Defect::Log3Missing),
            LogLine::Log4 => Some(Defect::Log4Missing),
            LogLine::Log5 => None,
            LogLine::Log6 => Some(Defect::Log6Missing),
            LogLine::Log7 => Some(Defect::Log7Missing),
            LogLine::Log8 => Some(Defect::Log8Missing),
            LogLine::Log9 => Some(Defect::Log9Missing),
        }
    }
}

/// A PINsafe log level (SYS-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// `INFO`, syslog severity 6 (informational).
    Info,
    /// `WARN`, syslog severity 4 (warning).
    Warn,
    /// `ERROR`, syslog severity 3 (error).
    Error,
}

impl Level {
    /// `INFO`, `WARN` or `ERROR`, as a SYS-1 line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// The syslog severity (RFC 5424 table 2).
    pub fn severity(self) -> u8 {
        match self {
            Level::Info => 6,
            Level::Warn => 4,
            Level::Error => 3,
        }
    }
}

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

/// An entry as the log keeps it: its text unformatted ([`LogText`]).
#[derive(Debug)]
struct Kept {
    seq: u64,
    node: u16,
    at_ms: Millis,
    text: LogText,
}

impl Kept {
    fn entry(&self) -> LogEntry {
        LogEntry {
            seq: self.seq,
            node: self.node,
            at_ms: self.at_ms,
            text: self.text.render(),
        }
    }
}

/// The entry last pushed out of the full ring, taken by a caller that drops it after
/// releasing the core's lock: freeing an old entry's text touches memory long out of
/// cache, which need not lengthen the lock.
#[derive(Debug, Default)]
pub(crate) struct Evicted {
    /// Held only to be dropped.
    _entry: Option<Kept>,
}

/// The log: newest entries kept up to a capacity, so a long load run cannot grow it
/// without bound; sequence numbers keep counting so a reader can tell what it missed.
#[derive(Debug)]
pub struct Log {
    entries: VecDeque<Kept>,
    /// See [`Evicted`]; replaced (dropped) by the next eviction if nobody took it.
    evicted: Option<Kept>,
    next_seq: u64,
    capacity: usize,
}

impl Log {
    /// An empty log holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            evicted: None,
            next_seq: 1,
            capacity: capacity.max(1),
        }
    }

    /// Appends an entry and returns its sequence number.
    pub fn write(&mut self, node: u16, at_ms: Millis, text: String) -> u64 {
        self.keep(node, at_ms, text.into())
    }

    /// Appends an entry whose text is formatted only when read.
    pub(crate) fn keep(&mut self, node: u16, at_ms: Millis, text: LogText) -> u64 {
        tracing::debug!(node, "{text}");
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() == self.capacity {
            self.evicted = self.entries.pop_front();
        }
        self.entries.push_back(Kept {
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
            .map(Kept::entry)
            .collect()
    }

    /// The sequence number the next entry will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The entry the last write pushed out, for the caller to drop later.
    pub(crate) fn take_evicted(&mut self) -> Evicted {
        Evicted {
            _entry: self.evicted.take(),
        }
    }

    /// Drops every entry; sequence numbers keep counting.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.evicted = None;
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
    fn each_missing_defect_drops_the_line_of_its_own_rule() {
        for line in LogLine::ALL {
            match line.missing_defect() {
                Some(defect) => assert_eq!(defect.rule(), Some(line.rule()), "{line:?}"),
                None => assert_eq!(line, LogLine::Log5),
            }
        }
        let dropping: Vec<Defect> = LogLine::ALL
            .iter()
            .filter_map(|l| l.missing_defect())
            .collect();
        let named: Vec<Defect> = crate::defects::ALL_DEFECTS
            .iter()
            .copied()
            .filter(|d| d.name().ends_with("-missing") && d.breaks_label().starts_with("LOG-"))
            .collect();
        assert_eq!(dropping, named);
    }

    #[test]
    fn levels_and_clients_per_line() {
        let levels: Vec<&str> = LogLine::ALL.iter().map(|l| l.level().as_str()).collect();
        assert_eq!(
            levels,
            [
                "INFO", "INFO", "INFO", "INFO", "INFO", "WARN", "WARN", "ERROR", "INFO"
            ]
        );
        let severities: Vec<u8> = [Level::Info, Level::Warn, Level::Error]
            .iter()
            .map(|l| l.severity())
            .collect();
        assert_eq!(severities, [6, 4, 3]);
        let without_client: Vec<LogLine> = LogLine::ALL
            .into_iter()
            .filter(|l| !l.names_client())
            .collect();
        assert_eq!(without_client, [LogLine::Log4]);
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
