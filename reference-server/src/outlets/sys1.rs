//! SYS-1 lines (protocol.md §7), written from a [`LogRecord`]:
//!
//! ```text
//! <PRI>Mmm dd HH:MM:SS <server-ip> PINsafe[<thread>]: <LEVEL> <client-ip>[:<port>] - <text>
//! ```
//!
//! `<PRI>` is facility local0 (16) × 8 + the level's severity (INFO `<134>`, WARN
//! `<132>`, ERROR `<131>`), the time is the server's injected clock in UTC, the thread
//! is the node's HTTP worker (`http-nio-<port>-exec-<n>`, Tomcat's naming) or, for a
//! message queue delivery, the queue's thread, which names no client. Pure functions.

use std::net::{IpAddr, SocketAddr};

use crate::clock::Millis;
use crate::domain::taps::LogRecord;

/// Syslog facility local0 [ASSUMED].
pub const FACILITY_LOCAL0: u8 = 16;
/// The application name every line carries.
pub const APP_NAME: &str = "PINsafe";
/// HTTP worker threads a node names, like Tomcat's ten spare threads.
const WORKERS: u16 = 10;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The `<PRI>` value of a record: local0 and its level's severity.
pub fn pri(record: &LogRecord) -> u8 {
    FACILITY_LOCAL0 * 8 + record.line.level().severity()
}

/// The thread a record was written on: a request's entry on the worker of node port
/// `port` that its client's connection maps to (so one request's entries share one
/// thread), a queue delivery (no client) on the node's message queue thread.
pub fn thread(record: &LogRecord, port: u16) -> String {
    if !record.line.names_client() {
        return format!("MessageQueue-{}", record.node);
    }
    let worker = record.client.map_or(1, |c| 1 + c.port() % WORKERS);
    format!("http-nio-{port}-exec-{worker}")
}

/// `Mmm dd HH:MM:SS` (RFC 3164: the day padded with a space), UTC.
pub fn bsd_timestamp(at: Millis) -> String {
    let secs = at.0 / 1000;
    let (days, in_day) = (secs / 86_400, secs % 86_400);
    let (_, month, day) = civil_from_days(days);
    format!(
        "{} {day:>2} {:02}:{:02}:{:02}",
        MONTHS[usize::from(month - 1)],
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// The client field: `ip` or `ip:port` (`[v6]:port`).
fn client_field(client: SocketAddr) -> String {
    client.to_string()
}

/// The whole SYS-1 line of `record`, sent by the server at `server_ip` from thread
/// `thread`. Line breaks in the text would forge lines; they become spaces.
pub fn line(record: &LogRecord, server_ip: IpAddr, thread: &str) -> String {
    let client = match record.client {
        Some(c) => format!("{} ", client_field(c)),
        None => String::new(),
    };
    let text: String = record
        .text()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!(
        "<{}>{} {server_ip} {APP_NAME}[{thread}]: {} {client}- {text}",
        pri(record),
        bsd_timestamp(record.at_ms),
        record.line.level().as_str(),
    )
}

/// The line the syslog-not-sys1 defect sends: the same without `PINsafe[<thread>]:`, so
/// nothing tells a reader whose line it is.
pub fn line_without_tag(record: &LogRecord, server_ip: IpAddr) -> String {
    let full = line(record, server_ip, "");
    let tag = format!(" {APP_NAME}[]:");
    full.replacen(&tag, "", 1)
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u8, u8) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::log::LogLine;
    use crate::domain::log_text::LogText;

    fn record(line: LogLine, client: Option<&str>, text: &str) -> LogRecord {
        LogRecord {
            node: 1,
            // 2026-12-01T19:59:06.5Z
            at_ms: Millis(1_796_155_146_500),
            line,
            client: client.map(|c| c.parse().unwrap()),
            text: LogText::from(text.to_string()),
        }
    }

    #[test]
    fn the_sys1_example() {
        let r = record(
            LogLine::Log5,
            Some("10.0.0.9:51233"),
            "User \"alice\" provisioned successfully",
        );
        assert_eq!(thread(&r, 8080), "http-nio-8080-exec-4");
        assert_eq!(
            line(&r, "10.0.0.5".parse().unwrap(), "http-nio-8080-exec-3"),
            "<134>Dec  1 19:59:06 10.0.0.5 PINsafe[http-nio-8080-exec-3]: INFO 10.0.0.9:51233 - User \"alice\" provisioned successfully"
        );
    }

    #[test]
    fn levels_pick_the_pri_and_queue_entries_name_no_client() {
        let warn = record(LogLine::Log6, Some("[::1]:4711"), "x");
        assert_eq!(pri(&warn), 132);
        assert!(line(&warn, "::1".parse().unwrap(), "t").contains(": WARN [::1]:4711 - x"));
        assert_eq!(pri(&record(LogLine::Log8, None, "x")), 131);
        let sent = record(LogLine::Log4, None, "Message sent");
        assert_eq!(thread(&sent, 8080), "MessageQueue-1");
        assert_eq!(
            line(&sent, "127.0.0.1".parse().unwrap(), "MessageQueue-1"),
            "<134>Dec  1 19:59:06 127.0.0.1 PINsafe[MessageQueue-1]: INFO - Message sent"
        );
    }

    #[test]
    fn timestamps_are_utc_with_a_space_padded_day() {
        assert_eq!(bsd_timestamp(Millis(0)), "Jan  1 00:00:00");
        // 2026-01-01T00:00:00Z, the manual clock's start.
        assert_eq!(bsd_timestamp(Millis(1_767_225_600_000)), "Jan  1 00:00:00");
        // 2024-02-29T23:59:59Z.
        assert_eq!(bsd_timestamp(Millis(1_709_251_199_000)), "Feb 29 23:59:59");
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn line_breaks_cannot_forge_lines() {
        let r = record(LogLine::Log5, None, "a\nb\rc");
        assert!(line(&r, "127.0.0.1".parse().unwrap(), "t").ends_with("- a b c"));
    }
}
