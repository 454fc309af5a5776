//! The syslog sink: a round trip over every LOG ID, RFC 5424, and hostile peers (a UDP
//! flood, garbage and invalid UTF-8 on both sockets, oversized TCP frames, stalled and
//! surplus TCP clients).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use swivel_harness::sinks::syslog::{Framing, Level, SyslogConfig, SyslogSink, Via};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

use super::{BOUND, eventually};

const USER: &str = "alice";
const DEST: &str = "alice@example.test";

/// LOG-1 … LOG-9 of protocol.md §7, written out from the spec (not from the server's
/// code), with `<u>` and `<d>` substituted.
fn log_texts() -> Vec<(&'static str, String)> {
    let (u, d) = (USER, DEST);
    vec![
        ("LOG-1", format!("Provision code created for user \"{u}\"")),
        (
            "LOG-2",
            format!("User \"{u}\" can now reprovision their mobile device."),
        ),
        (
            "LOG-3",
            format!("Message added to message queue for user: {u}, destination: {d}."),
        ),
        (
            "LOG-4",
            format!("Message sent to user: {u}, destination: {d}."),
        ),
        ("LOG-5", format!("User \"{u}\" provisioned successfully")),
        (
            "LOG-6",
            format!(
                "User \"{u}\" provision failed, A valid session could not be loaded or created for the user."
            ),
        ),
        (
            "LOG-7",
            "Mobile request from unknown user; the user needs to reprovision".to_string(),
        ),
        (
            "LOG-8",
            format!(
                "AgentXML request failed, error: No suitable authentication method for the user \"{u}\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
            ),
        ),
        ("LOG-9", format!("Security strings fetched for user {u}")),
    ]
}

/// A SYS-1 line as a server writes it: RFC 3164 (`rfc5424 == false`) or RFC 5424.
fn sys1(rfc5424: bool, thread: &str, level: &str, client: Option<&str>, text: &str) -> String {
    let client = client.map(|c| format!("{c} ")).unwrap_or_default();
    if rfc5424 {
        format!(
            "<134>1 2026-12-01T19:59:06.042Z 127.0.0.1 PINsafe {thread} - - {level} {client}- {text}"
        )
    } else {
        format!("<134>Dec  1 19:59:06 127.0.0.1 PINsafe[{thread}]: {level} {client}- {text}")
    }
}

async fn udp_sender() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// How a line travels to the sink.
#[derive(Debug, Clone, Copy)]
enum Transport {
    Udp,
    TcpNewline,
    TcpOctets,
}

async fn send(
    sink: &SyslogSink,
    transport: Transport,
    line: &str,
    udp: &UdpSocket,
    tcp: &mut TcpStream,
) {
    match transport {
        Transport::Udp => {
            udp.send_to(line.as_bytes(), sink.udp_addr().unwrap())
                .await
                .unwrap();
        }
        Transport::TcpNewline => tcp.write_all(format!("{line}\n").as_bytes()).await.unwrap(),
        Transport::TcpOctets => tcp
            .write_all(format!("{} {line}", line.len()).as_bytes())
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn every_log_id_round_trips_through_sys1_lines() {
    let sink = SyslogSink::bind(SyslogConfig::loopback()).await.unwrap();
    let udp = udp_sender().await;
    let mut tcp = TcpStream::connect(sink.tcp_addr().unwrap()).await.unwrap();
    let clients = [
        None,
        Some("127.0.0.9"),
        Some("127.0.0.9:51234"),
        Some("[::1]:4711"),
    ];
    let transports = [Transport::Udp, Transport::TcpNewline, Transport::TcpOctets];
    let mut round_trips = 0;
    for (id, text) in log_texts() {
        for rfc5424 in [false, true] {
            for client in clients {
                for transport in transports {
                    let from = sink.newest_seq();
                    let thread = "http-nio-8080-exec-3";
                    let line = sys1(rfc5424, thread, "INFO", client, &text);
                    send(&sink, transport, &line, &udp, &mut tcp).await;
                    let e = sink
                        .wait_for(from, BOUND, |_| true)
                        .await
                        .unwrap_or_else(|e| {
                            panic!("{id} {transport:?} {line}: {e}; {:?}", sink.stats())
                        });
                    assert_eq!(e.text, text, "{id} via {transport:?}: {line}");
                    assert_eq!(e.level, Level::Info);
                    assert_eq!(e.thread, thread);
                    assert_eq!(e.host, "127.0.0.1");
                    assert_eq!(e.pri, 134);
                    let want_framing = if rfc5424 {
                        Framing::Rfc5424
                    } else {
                        Framing::Rfc3164
                    };
                    assert_eq!(e.framing, want_framing);
                    let want_ts = if rfc5424 {
                        "2026-12-01T19:59:06.042Z"
                    } else {
                        "Dec  1 19:59:06"
                    };
                    assert_eq!(e.timestamp, want_ts);
                    let want_via = if matches!(transport, Transport::Udp) {
                        Via::Udp
                    } else {
                        Via::Tcp
                    };
                    assert_eq!(e.via, want_via);
                    let want_client = client.map(|c| match c.parse::<SocketAddr>() {
                        Ok(a) => (a.ip(), Some(a.port())),
                        Err(_) => (c.parse().unwrap(), None),
                    });
                    assert_eq!(
                        e.client_ip.map(|ip| (ip, e.client_port)),
                        want_client,
                        "{line}"
                    );
                    round_trips += 1;
                }
            }
        }
    }
    let stats = sink.stats();
    assert_eq!(round_trips, 9 * 2 * 4 * 3);
    assert_eq!(stats.accepted, round_trips);
    assert_eq!(stats.rejected_total(), 0, "{stats:?}");
    eprintln!(
        "syslog round trip: {round_trips} lines (9 LOG IDs x 2 framings x 4 client forms x 3 transports), all exact"
    );
}

#[tokio::test]
async fn levels_and_thread_names_are_read() {
    let sink = SyslogSink::bind(SyslogConfig::loopback()).await.unwrap();
    let udp = udp_sender().await;
    for (level, want) in [
        ("INFO", Level::Info),
        ("WARN", Level::Warn),
        ("ERROR", Level::Error),
    ] {
        for thread in ["main", "pool-2-thread-1", "12"] {
            let from = sink.newest_seq();
            let line = sys1(false, thread, level, None, "x");
            udp.send_to(line.as_bytes(), sink.udp_addr().unwrap())
                .await
                .unwrap();
            let e = sink.wait_for(from, BOUND, |_| true).await.unwrap();
            assert_eq!((e.level, e.thread.as_str()), (want, thread));
        }
    }
    let found = sink
        .wait_for_text(0, Duration::from_millis(50), "nothing like this")
        .await;
    assert!(found.is_err());
    assert_eq!(sink.since(0, 100).len(), 9);
    assert_eq!(sink.since(7, 100).len(), 2);
}

#[tokio::test]
async fn a_udp_flood_of_100000_lines_keeps_memory_bounded() {
    let config = SyslogConfig {
        max_entries: 10_000,
        max_bytes: 4 << 20,
        ..SyslogConfig::loopback()
    };
    let sink = Arc::new(SyslogSink::bind(config).await.unwrap());
    let to = sink.udp_addr().unwrap();
    let sender = udp_sender().await;
    let start = Instant::now();
    let mut sent = 0u32;
    // 100 batches of 1,000 lines, one batch every 10 ms: 100,000 lines in about a second.
    for batch in 0..100u32 {
        for i in 0..1_000u32 {
            let n = batch * 1_000 + i;
            let line = if n % 10 == 9 {
                format!("garbage {n} \u{1}\u{2}")
            } else {
                sys1(
                    false,
                    "http-nio-8080-exec-1",
                    "INFO",
                    Some("127.0.0.9"),
                    &format!("Security strings fetched for user u{n}"),
                )
            };
            // A full socket buffer is the kernel dropping datagrams, as on a real network.
            let _ = sender.send_to(line.as_bytes(), to).await;
            sent += 1;
        }
        let next = Duration::from_millis(10 * u64::from(batch + 1));
        tokio::time::sleep(next.saturating_sub(start.elapsed())).await;
    }
    let send_time = start.elapsed();
    // Wait until the sink has drained its socket (the count stops moving).
    let mut last = u64::MAX;
    let settled = eventually(|| {
        let now = sink.stats().frames;
        let still = now == last;
        last = now;
        still
    })
    .await;
    assert!(settled);
    let stats = sink.stats();
    let vm = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = vm
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: ?")
        .to_string();
    eprintln!(
        "syslog flood: sent {sent} in {send_time:?}; received {} frames, {} entries stored, {} held ({} bytes), {} evicted, rejected {:?}; {rss}",
        stats.frames,
        stats.accepted,
        stats.buffer.held,
        stats.buffer.bytes,
        stats.buffer.evicted,
        stats.rejected
    );
    assert!(send_time < Duration::from_secs(5), "{send_time:?}");
    assert!(stats.buffer.held <= 10_000);
    assert!(stats.buffer.bytes <= 4 << 20);
    assert_eq!(stats.frames, stats.accepted + stats.rejected_total());
    assert_eq!(
        stats.buffer.evicted,
        stats.accepted - stats.buffer.held as u64
    );
    assert!(stats.frames <= u64::from(sent));
    // Loopback may drop datagrams when the receiver falls behind; most must arrive.
    assert!(stats.frames >= 10_000, "{stats:?}");
    assert_eq!(stats.rejected["not_syslog"], stats.frames - stats.accepted);
    // The sink still answers promptly after the flood.
    let from = sink.newest_seq();
    sender
        .send_to(
            sys1(false, "t", "WARN", None, "after the flood").as_bytes(),
            to,
        )
        .await
        .unwrap();
    let e = sink
        .wait_for_text(from, BOUND, "after the flood")
        .await
        .unwrap();
    assert_eq!(e.level, Level::Warn);
}

#[tokio::test]
async fn garbage_and_invalid_utf8_on_both_sockets_are_counted_and_survived() {
    let sink = SyslogSink::bind(SyslogConfig::loopback()).await.unwrap();
    let udp = udp_sender().await;
    let to = sink.udp_addr().unwrap();
    let garbage: [&[u8]; 5] = [
        b"\x00\x01\x02\xff\xfe",
        b"<134>Dec  1 19:59:06 127.0.0.1 PINsafe[t]: INFO - caf\xe9",
        b"GET / HTTP/1.1",
        b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        b"<134>Dec  1 19:59:06 127.0.0.1 PINsafe[t]: TRACE - x",
    ];
    for g in garbage {
        udp.send_to(g, to).await.unwrap();
    }
    let mut tcp = TcpStream::connect(sink.tcp_addr().unwrap()).await.unwrap();
    for g in garbage {
        tcp.write_all(g).await.unwrap();
        tcp.write_all(b"\n").await.unwrap();
    }
    let good = sys1(false, "t", "INFO", None, "still served");
    tcp.write_all(format!("{good}\n").as_bytes()).await.unwrap();
    udp.send_to(good.as_bytes(), to).await.unwrap();
    assert!(
        eventually(|| sink.stats().accepted == 2).await,
        "{:?}",
        sink.stats()
    );
    let stats = sink.stats();
    assert_eq!(stats.rejected["not_utf8"], 4);
    assert_eq!(stats.rejected["not_syslog"], 2);
    assert_eq!(stats.rejected["not_pinsafe"], 2);
    assert_eq!(stats.rejected["bad_level"], 2);
    assert_eq!(stats.frames, 12);
}

#[tokio::test]
async fn oversized_tcp_frames_are_skipped_and_the_connection_goes_on() {
    let config = SyslogConfig {
        max_line: 1024,
        ..SyslogConfig::loopback()
    };
    let sink = SyslogSink::bind(config).await.unwrap();
    let mut tcp = TcpStream::connect(sink.tcp_addr().unwrap()).await.unwrap();
    let huge = sys1(false, "t", "INFO", None, &"x".repeat(200_000));
    tcp.write_all(format!("{huge}\n").as_bytes()).await.unwrap();
    tcp.write_all(format!("{} {huge}", huge.len()).as_bytes())
        .await
        .unwrap();
    tcp.write_all(b"12x not a count\n").await.unwrap();
    let good = sys1(false, "t", "INFO", None, "after the big ones");
    tcp.write_all(format!("{} {good}", good.len()).as_bytes())
        .await
        .unwrap();
    let e = sink
        .wait_for_text(0, BOUND, "after the big ones")
        .await
        .unwrap();
    assert_eq!(e.via, Via::Tcp);
    let udp = udp_sender().await;
    let big_datagram = sys1(false, "t", "INFO", None, &"x".repeat(60_000));
    udp.send_to(big_datagram.as_bytes(), sink.udp_addr().unwrap())
        .await
        .unwrap();
    assert!(
        eventually(|| sink.stats().rejected["oversized"] == 3).await,
        "{:?}",
        sink.stats()
    );
    assert_eq!(sink.stats().rejected["bad_octet_count"], 1);
}

#[tokio::test]
async fn stalled_and_surplus_tcp_clients_hold_nobody_up() {
    let config = SyslogConfig {
        max_tcp_connections: 3,
        tcp_idle_timeout: Duration::from_secs(1),
        ..SyslogConfig::loopback()
    };
    let sink = SyslogSink::bind(config).await.unwrap();
    let addr = sink.tcp_addr().unwrap();
    let started = Instant::now();
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"<134>Dec  1 19:59:06 127.0.0.1 PINs")
        .await
        .unwrap();
    let _silent = TcpStream::connect(addr).await.unwrap();
    let mut good = TcpStream::connect(addr).await.unwrap();
    good.write_all(format!("{}\n", sys1(false, "t", "INFO", None, "served")).as_bytes())
        .await
        .unwrap();
    sink.wait_for_text(0, BOUND, "served").await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served before any timeout"
    );
    // Three open: a fourth is closed at once and counted.
    let _surplus = TcpStream::connect(addr).await.unwrap();
    assert!(
        eventually(|| sink.stats().tcp_refused == 1).await,
        "{:?}",
        sink.stats()
    );
    // The idle ones are closed after the timeout; the partial line is dropped.
    assert!(
        eventually(|| sink.stats().tcp_timeouts >= 2).await,
        "{:?}",
        sink.stats()
    );
    let stats = sink.stats();
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.tcp_connections, 3);
    // And new clients are served again.
    let mut again = TcpStream::connect(addr).await.unwrap();
    again
        .write_all(format!("{}\n", sys1(true, "t", "ERROR", None, "again")).as_bytes())
        .await
        .unwrap();
    sink.wait_for_text(0, BOUND, "again").await.unwrap();
}
