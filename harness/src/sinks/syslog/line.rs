//! One syslog frame → one [`SyslogEntry`], or the named reason it is not one
//! ([`Reject`]). First the syslog framing (RFC 5424, else RFC 3164, with `syslog_loose`
//! in its exact mode), then the PINsafe line of SYS-1 (protocol.md §7):
//!
//! ```text
//! <PRI>Mmm dd HH:MM:SS <server-ip> PINsafe[<thread>]: <LEVEL> <client-ip>[:<port>] - <text>
//! <PRI>1 <rfc3339-time> <server-ip> PINsafe <thread> - - <LEVEL> <client-ip>[:<port>] - <text>
//! ```
//!
//! Entries without a client leave out `<client-ip> ` and keep ` - `. Pure functions; the
//! sockets are in `listen.rs`.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;
use syslog_loose::{ProcId, Protocol, Variant};

/// The application name SYS-1 lines carry.
pub const APP_NAME: &str = "PINsafe";

/// An RFC 3164 timestamp has no year; any leap year lets `Feb 29` parse. The parsed
/// time is not used: [`SyslogEntry::timestamp`] keeps the text as given.
const ANY_LEAP_YEAR: i32 = 2024;

/// A PINsafe log level: the one the reference server writes with, so both sides of
/// SYS-1 spell it from one place.
pub use swivel_reference_server::domain::log::Level;

/// Which syslog format the frame used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framing {
    /// BSD syslog, `<PRI>Mmm dd HH:MM:SS host tag[pid]: msg`.
    Rfc3164,
    /// `<PRI>1 time host app procid msgid sd msg`.
    Rfc5424,
}

/// Which socket a frame came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// One datagram, one frame.
    Udp,
    /// Octet-counted or newline-framed (RFC 6587).
    Tcp,
}

/// One SYS-1 log line, read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyslogEntry {
    /// Position among all entries this sink accepted, from 1.
    pub seq: u64,
    /// The socket it came in on.
    pub via: Via,
    /// The sender's address.
    pub peer: SocketAddr,
    /// RFC 3164 or RFC 5424.
    pub framing: Framing,
    /// The `<PRI>` value (facility × 8 + severity).
    pub pri: u16,
    /// The timestamp exactly as the line gave it.
    pub timestamp: String,
    /// The server's host field (`<server-ip>`).
    pub host: String,
    /// The thread in `PINsafe[<thread>]` (RFC 5424: the PROCID).
    pub thread: String,
    /// `INFO`, `WARN` or `ERROR`.
    pub level: Level,
    /// The client's address, when the entry has one.
    pub client_ip: Option<IpAddr>,
    /// The client's port, when the line gave one.
    pub client_port: Option<u16>,
    /// The log text after ` - `: what protocol.md §7 lists (LOG-1 … LOG-9).
    pub text: String,
}

impl SyslogEntry {
    /// Bytes accounted for this entry in the sink's buffer.
    pub fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.timestamp.len()
            + self.host.len()
            + self.thread.len()
            + self.text.len()
    }
}

/// Why a frame was not read as an entry; each has a counter named [`Reject::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reject {
    /// Empty after removing line ends and NULs.
    Empty,
    /// Not valid UTF-8.
    NotUtf8,
    /// Longer than the line cap.
    Oversized,
    /// No `<PRI>`, or neither RFC 5424 nor RFC 3164 framing.
    NotSyslog,
    /// Syslog, but not `PINsafe[<thread>]` from a host.
    NotPinsafe,
    /// The message does not start with `INFO`, `WARN` or `ERROR` and a space.
    BadLevel,
    /// No ` - ` separator, or the client is not an IP address (with an optional port).
    BadClient,
    /// TCP octet counting with a bad length field.
    BadOctetCount,
}

impl Reject {
    /// Every reason, in counter order.
    pub const ALL: [Reject; 8] = [
        Reject::Empty,
        Reject::NotUtf8,
        Reject::Oversized,
        Reject::NotSyslog,
        Reject::NotPinsafe,
        Reject::BadLevel,
        Reject::BadClient,
        Reject::BadOctetCount,
    ];

    /// The counter's name, as reports show it.
    pub fn name(self) -> &'static str {
        match self {
            Reject::Empty => "empty",
            Reject::NotUtf8 => "not_utf8",
            Reject::Oversized => "oversized",
            Reject::NotSyslog => "not_syslog",
            Reject::NotPinsafe => "not_pinsafe",
            Reject::BadLevel => "bad_level",
            Reject::BadClient => "bad_client",
            Reject::BadOctetCount => "bad_octet_count",
        }
    }

    /// Position in [`Reject::ALL`].
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// Where one frame came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The socket.
    pub via: Via,
    /// The sender.
    pub peer: SocketAddr,
}

/// Reads one frame (line ends and trailing NULs allowed) as a SYS-1 entry; `seq` is 0
/// until the sink stores it.
pub fn parse_frame(frame: &[u8], origin: Origin) -> Result<SyslogEntry, Reject> {
    let frame = trim_line_end(frame);
    if frame.is_empty() {
        return Err(Reject::Empty);
    }
    let line = std::str::from_utf8(frame).map_err(|_| Reject::NotUtf8)?;
    let (pri, after_pri) = split_pri(line).ok_or(Reject::NotSyslog)?;
    let message = syslog_loose::parse_message_with_year_exact_tz(
        line,
        |_| ANY_LEAP_YEAR,
        Some(chrono::FixedOffset::east_opt(0).ok_or(Reject::NotSyslog)?),
        Variant::Either,
    )
    .map_err(|_| Reject::NotSyslog)?;
    let framing = match message.protocol {
        Protocol::RFC3164 => Framing::Rfc3164,
        Protocol::RFC5424(_) => Framing::Rfc5424,
    };
    let timestamp = timestamp_text(after_pri, framing).ok_or(Reject::NotSyslog)?;
    let host = message.hostname.filter(|h| !h.is_empty() && *h != "-");
    let thread = match message.procid {
        Some(ProcId::Name(name)) if name != "-" => name.to_string(),
        Some(ProcId::PID(pid)) => pid.to_string(),
        _ => return Err(Reject::NotPinsafe),
    };
    let (Some(host), Some(APP_NAME)) = (host, message.appname) else {
        return Err(Reject::NotPinsafe);
    };
    let body = message.msg.strip_prefix('\u{feff}').unwrap_or(message.msg);
    let (level, client, text) = split_body(body)?;
    let (client_ip, client_port) = match client {
        None => (None, None),
        Some(client) => {
            let (ip, port) = parse_client(client).ok_or(Reject::BadClient)?;
            (Some(ip), port)
        }
    };
    Ok(SyslogEntry {
        seq: 0,
        via: origin.via,
        peer: origin.peer,
        framing,
        pri,
        timestamp: timestamp.to_string(),
        host: host.to_string(),
        thread,
        level,
        client_ip,
        client_port,
        text: text.to_string(),
    })
}

fn trim_line_end(mut frame: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r' | 0] = frame {
        frame = rest;
    }
    frame
}

/// `<PRI>` (0..=191) and what follows it.
fn split_pri(line: &str) -> Option<(u16, &str)> {
    let rest = line.strip_prefix('<')?;
    let (digits, after) = rest.split_once('>')?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pri: u16 = digits.parse().ok()?;
    (pri <= 191).then_some((pri, after))
}

/// The timestamp text as given: RFC 5424, the field after the version; RFC 3164, the
/// 15 characters `Mmm dd HH:MM:SS`, or one word when the sender used RFC 3339 instead.
fn timestamp_text(after_pri: &str, framing: Framing) -> Option<&str> {
    match framing {
        Framing::Rfc5424 => after_pri.split(' ').nth(1).filter(|t| !t.is_empty()),
        Framing::Rfc3164 => {
            let rest = after_pri.trim_start();
            let bsd = rest.get(..15).filter(|t| {
                let b = t.as_bytes();
                b[..3].iter().all(u8::is_ascii_alphabetic) && b[3] == b' ' && b[9] == b':'
            });
            bsd.or_else(|| rest.split(' ').next().filter(|t| !t.is_empty()))
        }
    }
}

/// `<LEVEL> <client>[:<port>] - <text>` or `<LEVEL> - <text>`.
fn split_body(body: &str) -> Result<(Level, Option<&str>, &str), Reject> {
    let (level, rest) = body.split_once(' ').ok_or(Reject::BadLevel)?;
    let level = match level {
        "INFO" => Level::Info,
        "WARN" => Level::Warn,
        "ERROR" => Level::Error,
        _ => return Err(Reject::BadLevel),
    };
    if let Some(text) = rest.strip_prefix("- ") {
        return Ok((level, None, text));
    }
    if rest == "-" {
        return Ok((level, None, ""));
    }
    let (client, text) = rest.split_once(" - ").ok_or(Reject::BadClient)?;
    Ok((level, Some(client), text))
}

/// `10.0.0.9`, `10.0.0.9:51234`, `::1`, `[::1]:51234`.
fn parse_client(client: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = client.parse::<IpAddr>() {
        return Some((ip, None));
    }
    client
        .parse::<SocketAddr>()
        .ok()
        .map(|a| (a.ip(), Some(a.port())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            via: Via::Udp,
            peer: "127.0.0.1:9".parse().unwrap(),
        }
    }

    #[test]
    fn the_sys1_example_line() {
        let e = parse_frame(
            b"<134>Dec  1 19:59:06 10.0.0.5 PINsafe[http-nio-8080-exec-3]: INFO 10.0.0.9 - User \"alice\" provisioned successfully\n",
            origin(),
        )
        .unwrap();
        assert_eq!(e.framing, Framing::Rfc3164);
        assert_eq!(e.pri, 134);
        assert_eq!(e.timestamp, "Dec  1 19:59:06");
        assert_eq!(e.host, "10.0.0.5");
        assert_eq!(e.thread, "http-nio-8080-exec-3");
        assert_eq!(e.level, Level::Info);
        assert_eq!(e.client_ip, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(e.client_port, None);
        assert_eq!(e.text, "User \"alice\" provisioned successfully");
    }

    #[test]
    fn no_client_port_and_rfc5424() {
        let e = parse_frame(
            b"<131>Feb 29 00:00:01 srv PINsafe[12]: ERROR - Message sent to user: a, destination: a@x.",
            origin(),
        )
        .unwrap();
        assert_eq!(
            (e.thread.as_str(), e.level, e.client_ip),
            ("12", Level::Error, None)
        );
        assert_eq!(e.text, "Message sent to user: a, destination: a@x.");
        let e = parse_frame(
            "<132>1 2026-12-01T19:59:06.123Z 10.0.0.5 PINsafe pool-1-thread-2 - - \u{feff}WARN [::1]:4711 - x - y".as_bytes(),
            origin(),
        )
        .unwrap();
        assert_eq!(e.framing, Framing::Rfc5424);
        assert_eq!(e.timestamp, "2026-12-01T19:59:06.123Z");
        assert_eq!(e.thread, "pool-1-thread-2");
        assert_eq!(e.client_ip, Some("::1".parse().unwrap()));
        assert_eq!(e.client_port, Some(4711));
        assert_eq!(e.text, "x - y");
    }

    #[test]
    fn each_reject_is_named() {
        let cases: [(&[u8], Reject); 8] = [
            (b"\r\n", Reject::Empty),
            (
                b"<134>Dec  1 19:59:06 h PINsafe[t]: INFO - \xff",
                Reject::NotUtf8,
            ),
            (b"hello world", Reject::NotSyslog),
            (
                b"<999>Dec  1 19:59:06 h PINsafe[t]: INFO - x",
                Reject::NotSyslog,
            ),
            (
                b"<134>Dec  1 19:59:06 h sshd[12]: INFO - x",
                Reject::NotPinsafe,
            ),
            (
                b"<134>Dec  1 19:59:06 h PINsafe[t]: DEBUG - x",
                Reject::BadLevel,
            ),
            (
                b"<134>Dec  1 19:59:06 h PINsafe[t]: INFO nobody - x",
                Reject::BadClient,
            ),
            (
                b"<134>Dec  1 19:59:06 h PINsafe[t]: INFO 1.2.3.4 x",
                Reject::BadClient,
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(
                parse_frame(frame, origin()).map(|e| e.text),
                Err(want),
                "{}",
                String::from_utf8_lossy(frame)
            );
        }
        let names: std::collections::BTreeSet<_> = Reject::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Reject::ALL.len());
        assert!(Reject::ALL.iter().enumerate().all(|(i, r)| r.index() == i));
    }
}
