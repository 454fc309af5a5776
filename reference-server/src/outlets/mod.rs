//! Outlets: the outside interfaces of a real Swivel server (protocol.md §12), imitated so
//! the harness's sinks can be tested against the reference server. Each is a bounded
//! queue fed by a [tap](crate::domain::taps) and drained by one sender task, so a slow
//! or dead peer never blocks or fails a request:
//!
//! - [`syslog`]: every log entry as a SYS-1 line over UDP ([`sys1`] writes the lines);
//! - [`smtp`]: every message to an e-mail transport as a mail to an SMTP relay (lettre).
//!
//! [`open`] resolves and binds what the configuration asks for and returns the taps for
//! the core and the sender tasks for the cluster to run until shutdown.

pub mod smtp;
pub mod sys1;
pub mod syslog;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::defects::{Defect, DefectSet};
use crate::domain::taps::{TapCounters, Taps};

/// Records each queue holds before it drops (and counts) new ones.
pub const DEFAULT_QUEUE: usize = 4096;
/// The longest one mail may take (connect, dialogue, data) before it counts as failed.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(5);
/// The sender address of every mail unless configured.
pub const DEFAULT_MAIL_FROM: &str = "pinsafe@reference.invalid";

/// A `HOST:PORT` pair (`127.0.0.1:2525`, `localhost:514`, `[::1]:514`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Host name or IP address (without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
}

/// Why a `HOST:PORT` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected HOST:PORT (e.g. 127.0.0.1:2525), got {0:?}")]
pub struct HostPortError(String);

impl FromStr for HostPort {
    type Err = HostPortError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || HostPortError(s.to_string());
        let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() || port == 0 || host.contains(|c: char| c.is_whitespace()) {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Which outlets a server opens; none by default.
#[derive(Debug, Clone)]
pub struct OutletConfig {
    /// Syslog host (UDP) for SYS-1 lines (`serve --syslog`).
    pub syslog: Option<HostPort>,
    /// SMTP relay for e-mail transports (`serve --smtp-relay`).
    pub smtp_relay: Option<HostPort>,
    /// The `From:` of every mail (`serve --mail-from`).
    pub mail_from: String,
    /// Capacity of each queue.
    pub queue: usize,
    /// Time allowed for one mail.
    pub smtp_timeout: Duration,
}

impl Default for OutletConfig {
    fn default() -> Self {
        Self {
            syslog: None,
            smtp_relay: None,
            mail_from: DEFAULT_MAIL_FROM.to_string(),
            queue: DEFAULT_QUEUE,
            smtp_timeout: DEFAULT_SMTP_TIMEOUT,
        }
    }
}

/// Why an outlet could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OutletError {
    /// The syslog host did not resolve, or no socket could be bound towards it.
    #[error("syslog host {host}: {source}")]
    Syslog {
        /// The host asked for.
        host: HostPort,
        /// What failed.
        source: std::io::Error,
    },
    /// The mail sender address is not an address.
    #[error("mail sender {0:?} is not an e-mail address")]
    MailFrom(String),
}

/// A sender task, run until the server stops.
pub type OutletTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The taps for the core and the tasks that drain them.
pub struct Opened {
    /// Hand these to [`crate::domain::Core::with_taps`].
    pub taps: Taps,
    /// Run each until shutdown.
    pub tasks: Vec<OutletTask>,
}

/// Opens the configured outlets. `node_ports[k]` is node k + 1's port (thread names);
/// `shutdown` ends the tasks.
pub async fn open(
    config: &OutletConfig,
    node_ports: Vec<u16>,
    shutdown: watch::Receiver<bool>,
    defects: &DefectSet,
) -> Result<Opened, OutletError> {
    let counters = Arc::new(TapCounters::default());
    let mut tasks: Vec<OutletTask> = Vec::new();
    let log = match &config.syslog {
        None => None,
        Some(host) => {
            let socket = syslog::connect(host)
                .await
                .map_err(|source| OutletError::Syslog {
                    host: host.clone(),
                    source,
                })?;
            let (tx, rx) = mpsc::channel(config.queue.max(1));
            let without_tag = defects.has(Defect::SyslogNotSys1);
            let sender = syslog::Sender::new(socket, node_ports, counters.clone(), without_tag);
            tasks.push(Box::pin(sender.run(rx, shutdown.clone())));
            Some(tx)
        }
    };
    let mail = match &config.smtp_relay {
        None => None,
        Some(relay) => {
            let sender = smtp::Sender::new(
                relay,
                &config.mail_from,
                config.smtp_timeout,
                counters.clone(),
            )?;
            let (tx, rx) = mpsc::channel(config.queue.max(1));
            tasks.push(Box::pin(sender.run(rx, shutdown)));
            Some(tx)
        }
    };
    Ok(Opened {
        taps: Taps::new(log, mail, counters),
        tasks,
    })
}

/// Resolves once shutdown is asked for (or its sender is gone); the guard `wait_for`
/// returns is dropped here, never held across a sender's awaits.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_reads_names_v4_and_bracketed_v6() {
        let hp: HostPort = "127.0.0.1:2525".parse().unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("127.0.0.1", 2525));
        let hp: HostPort = "[::1]:514".parse().unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("::1", 514));
        assert_eq!(hp.to_string(), "[::1]:514");
        assert_eq!(
            "localhost:25".parse::<HostPort>().unwrap().host,
            "localhost"
        );
        for bad in ["", "host", ":25", "h:0", "h:99999", "h:x", "a b:25"] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad}");
        }
    }
}
