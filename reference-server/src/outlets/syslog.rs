//! The syslog outlet: one UDP socket connected to the syslog host and one task that
//! writes each queued [`LogRecord`] as a SYS-1 line ([`super::sys1`]). The `<server-ip>`
//! field is the socket's own address towards that host, which is what a real server
//! would name. A send that fails (nobody listening: ICMP port unreachable) is counted
//! and the next one tried; nothing waits on the host.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use super::HostPort;
use super::sys1;
use crate::domain::taps::{LogRecord, TapCounters, worth_warning};

/// A UDP socket connected to `host` (resolved now, the first address).
pub async fn connect(host: &HostPort) -> std::io::Result<UdpSocket> {
    let target = tokio::net::lookup_host((host.host.as_str(), host.port))
        .await?
        .next()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"))?;
    let any: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(any).await?;
    socket.connect(target).await?;
    Ok(socket)
}

/// Writes queued records to the socket.
pub struct Sender {
    socket: UdpSocket,
    server_ip: IpAddr,
    node_ports: Vec<u16>,
    counters: Arc<TapCounters>,
    /// The syslog-not-sys1 defect: lines without the `PINsafe[<thread>]` tag.
    without_tag: bool,
}

impl Sender {
    /// A sender on `socket`; `node_ports[k]` is node k + 1's port.
    pub fn new(
        socket: UdpSocket,
        node_ports: Vec<u16>,
        counters: Arc<TapCounters>,
        without_tag: bool,
    ) -> Self {
        let server_ip = socket
            .local_addr()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.ip());
        Self {
            socket,
            server_ip,
            node_ports,
            counters,
            without_tag,
        }
    }

    /// Sends until shutdown; what is queued then is still sent (UDP does not wait).
    pub async fn run(self, mut rx: mpsc::Receiver<LogRecord>, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                record = rx.recv() => match record {
                    Some(record) => self.send(&record).await,
                    None => return,
                },
                () = super::stopped(&mut stop) => break,
            }
        }
        while let Ok(record) = rx.try_recv() {
            self.send(&record).await;
        }
    }

    async fn send(&self, record: &LogRecord) {
        let port = self
            .node_ports
            .get(usize::from(record.node.saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        let thread = sys1::thread(record, port);
        let line = if self.without_tag {
            sys1::line_without_tag(record, self.server_ip)
        } else {
            sys1::line(record, self.server_ip, &thread)
        };
        let sent = self.socket.send(line.as_bytes()).await;
        let count = self.counters.log_done(sent.is_ok());
        if let Err(error) = sent
            && worth_warning(count)
        {
            tracing::warn!(%error, failed = count, "syslog line not sent");
        }
    }
}
