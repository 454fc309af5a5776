//! The syslog sink's UDP socket: bound with a large receive buffer (asked for 4 MiB; the
//! kernel grants up to `net.core.rmem_max`), so a burst of lines waits in the kernel
//! rather than being dropped there, and on Linux the count of datagrams the kernel
//! dropped anyway (its socket buffer full) is read back from `/proc/net/udp{,6}`, so a
//! flood's losses are counted too, not only what the sink saw.

use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

/// Receive buffer asked for.
const RECEIVE_BUFFER: usize = 4 << 20;

/// Binds `addr` for receiving, with the large buffer when the kernel allows it.
pub fn bind(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // A smaller buffer only loses more in a burst; not worth failing the bind for.
    let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// Datagrams the kernel dropped for the UDP socket bound to `addr` (Linux); `None` where
/// the kernel does not say.
pub fn kernel_drops(addr: SocketAddr) -> Option<u64> {
    let table = if addr.is_ipv4() {
        "/proc/net/udp"
    } else {
        "/proc/net/udp6"
    };
    let text = std::fs::read_to_string(table).ok()?;
    drops_in(&text, addr.port())
}

/// The `drops` column of the first socket in a `/proc/net/udp` table whose local port is
/// `port`.
fn drops_in(table: &str, port: u16) -> Option<u64> {
    let wanted = format!("{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local = fields.get(1)?;
        let (_, local_port) = local.rsplit_once(':')?;
        if local_port != wanted {
            return None;
        }
        fields.last()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drops_column_of_the_socket_on_the_port_is_read() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
          812: 0100007F:3AE2 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 123 2 0000000000000000 0\n\
          813: 0100007F:1586 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 124 2 0000000000000000 6789\n";
        assert_eq!(drops_in(table, 5510), Some(6789));
        assert_eq!(drops_in(table, 15074), Some(0));
        assert_eq!(drops_in(table, 1), None);
    }

    #[tokio::test]
    async fn a_bound_socket_is_found_in_the_kernel_table() {
        let socket = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        if std::path::Path::new("/proc/net/udp").exists() {
            assert_eq!(kernel_drops(addr), Some(0));
        }
    }
}
