//! The mail and syslog sinks' counters as a load report shows them (a run against a real
//! server): for each sink, where it listened and what it received and refused, by name,
//! so that "codes that never arrived" can be read beside "the mail sink turned
//! connections away" or "syslog frames were not SYS-1 lines".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::markdown::cell;
use crate::report::escape_html as esc;
use crate::sinks::mail::MailStats;
use crate::sinks::syslog::SyslogStats;

/// One sink's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkCounters {
    /// `mail sink` or `syslog sink`.
    pub name: String,
    /// Where it listened (`smtp://127.0.0.1:2525`, `udp://… tcp://…`).
    pub address: String,
    /// What it received and kept, by name.
    pub received: BTreeMap<String, u64>,
    /// What it refused or dropped, by name.
    pub refused: BTreeMap<String, u64>,
}

fn table<const N: usize>(rows: [(&str, u64); N]) -> BTreeMap<String, u64> {
    rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

impl SinkCounters {
    /// The mail sink's counters.
    pub fn of_mail(address: String, s: &MailStats) -> Self {
        Self {
            name: "mail sink".into(),
            address,
            received: table([
                ("connections", s.connections),
                ("messages accepted", s.accepted),
                ("messages without a code", s.without_code),
                ("messages not MIME-readable", s.unparsable),
                ("messages held at the end", s.buffer.held as u64),
            ]),
            refused: table([
                ("connections refused (too many)", s.refused_connections),
                ("connections timed out", s.timeouts),
                ("bad commands", s.bad_commands),
                ("lines too long", s.lines_too_long),
                ("sessions ended for errors", s.sessions_ended_for_errors),
                ("recipients over the cap", s.too_many_recipients),
                ("messages too large", s.too_large),
                ("messages evicted (buffer full)", s.buffer.evicted),
            ]),
        }
    }

    /// The syslog sink's counters.
    pub fn of_syslog(address: String, s: &SyslogStats) -> Self {
        let mut refused: BTreeMap<String, u64> = s
            .rejected
            .iter()
            .map(|(k, v)| (format!("frames {k}"), *v))
            .collect();
        refused.extend(table([
            ("TCP connections refused (too many)", s.tcp_refused),
            ("TCP connections timed out", s.tcp_timeouts),
            ("entries evicted (buffer full)", s.buffer.evicted),
        ]));
        Self {
            name: "syslog sink".into(),
            address,
            received: table([
                ("frames", s.frames),
                ("SYS-1 entries", s.accepted),
                ("TCP connections", s.tcp_connections),
                ("entries held at the end", s.buffer.held as u64),
            ]),
            refused,
        }
    }

    /// Everything refused, all reasons together.
    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }
}

/// `name count` pairs, comma-separated; with `skip_zero`, only the non-zero ones
/// (`none` when every one is zero).
fn listing(counts: &BTreeMap<String, u64>, skip_zero: bool) -> String {
    let items: Vec<String> = counts
        .iter()
        .filter(|(_, v)| !skip_zero || **v > 0)
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The sinks as Markdown, one row each: every received counter, and the refused ones
/// that are not zero (nothing when there are no sinks; the JSON holds every counter).
pub fn markdown(sinks: &[SinkCounters]) -> String {
    let mut out = String::new();
    if sinks.is_empty() {
        return out;
    }
    out.push_str("| sink | received | refused or dropped |\n|---|---|---|\n");
    for s in sinks {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} |",
            cell(&s.name),
            cell(&s.address),
            cell(&listing(&s.received, false)),
            cell(&listing(&s.refused, true))
        );
    }
    out
}

/// The sinks as an HTML table, as [`markdown`] shows them, every text escaped (nothing
/// when there are no sinks).
pub fn html(sinks: &[SinkCounters]) -> String {
    let mut out = String::new();
    if sinks.is_empty() {
        return out;
    }
    out.push_str(
        "<h2>Sinks</h2><table><tr><th>sink</th><th>received</th><th>refused or dropped</th></tr>",
    );
    for s in sinks {
        let _ = write!(
            out,
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            esc(&s.address),
            esc(&listing(&s.received, false)),
            esc(&listing(&s.refused, true))
        );
    }
    out.push_str("</table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail_sink() -> SinkCounters {
        SinkCounters {
            name: "mail sink".into(),
            address: "smtp://127.0.0.1:2525".into(),
            received: table([("messages accepted", 12)]),
            refused: table([("messages too large", 1), ("bad commands", 2)]),
        }
    }

    #[test]
    fn each_sink_is_a_row_with_its_counters_by_name() {
        let mut sinks = vec![mail_sink()];
        assert_eq!(sinks[0].refused_total(), 3);
        let md = markdown(&sinks);
        assert!(
            md.contains("| mail sink (smtp://127.0.0.1:2525) | messages accepted 12 | bad commands 2, messages too large 1 |"),
            "{md}"
        );
        let page = html(&sinks);
        assert!(
            page.contains("<td>bad commands 2, messages too large 1</td>"),
            "{page}"
        );
        sinks[0].refused.values_mut().for_each(|v| *v = 0);
        assert!(markdown(&sinks).contains("| messages accepted 12 | none |"));
        assert!(markdown(&[]).is_empty());
    }
}
