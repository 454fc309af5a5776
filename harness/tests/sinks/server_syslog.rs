//! The reference server's syslog outlet into the harness's syslog sink: every LOG ID of
//! protocol.md §7 (and USR-2's text) caused over HTTP arrives as one SYS-1 line whose
//! text is exactly the protocol's, with its level and `<PRI>`, the node's worker thread,
//! the server's address and the requesting client's address and port (none for the
//! queue's LOG-4).

use std::collections::HashSet;

use swivel_harness::codec::admin::AdminCodec;
use swivel_harness::profile::WireProfile;
use swivel_harness::sinks::syslog::{Framing, Level, SyslogConfig, SyslogSink};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::outlets::OutletConfig;

use super::BOUND;
use super::server::{SECRET, host_port, http, post, sas, start, tag};

/// The expected lines, written out from protocol.md §7 and SYS-1, not from the server:
/// (rule, text, level, whether the line names the client).
fn expected() -> Vec<(&'static str, String, Level, bool)> {
    let (u, d, x) = ("alice", "alice@example.test", "mallory");
    vec![
        (
            "LOG-1",
            format!("Provision code created for user \"{u}\""),
            Level::Info,
            true,
        ),
        (
            "LOG-3",
            format!("Message added to message queue for user: {u}, destination: {d}."),
            Level::Info,
            true,
        ),
        (
            "LOG-4",
            format!("Message sent to user: {u}, destination: {d}."),
            Level::Info,
            false,
        ),
        (
            "LOG-2",
            format!("User \"{u}\" can now reprovision their mobile device."),
            Level::Info,
            true,
        ),
        (
            "LOG-5",
            format!("User \"{u}\" provisioned successfully"),
            Level::Info,
            true,
        ),
        (
            "LOG-9",
            format!("Security strings fetched for user {u}"),
            Level::Info,
            true,
        ),
        (
            "LOG-6",
            format!(
                "User \"{u}\" provision failed, A valid session could not be loaded or created for the user."
            ),
            Level::Warn,
            true,
        ),
        (
            "LOG-7",
            "Mobile request from unknown user; the user needs to reprovision".to_string(),
            Level::Warn,
            true,
        ),
        (
            "LOG-8 (USR-2)",
            format!(
                "AgentXML request failed, error: No suitable authentication method for the user \"{x}\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
            ),
            Level::Error,
            true,
        ),
    ]
}

#[tokio::test]
async fn every_log_id_caused_over_http_arrives_as_its_sys1_line() {
    let sink = SyslogSink::bind(SyslogConfig::loopback()).await.unwrap();
    let outlets = OutletConfig {
        syslog: Some(host_port(sink.udp_addr().unwrap())),
        ..OutletConfig::default()
    };
    let server = start(outlets, CoreConfig::default()).await;
    let node = server.node_urls[0].clone();
    let port: u16 = node.rsplit(':').next().unwrap().parse().unwrap();
    let agent = format!("{node}/pinsafe/AgentXML");
    let http = http();

    // LOG-1, LOG-3, LOG-4, LOG-2: the administrator's Reprovision over Admin XML.
    let admin = AdminCodec::new(&WireProfile::default_profile());
    let reply = post(
        &http,
        &admin.url(&format!("{node}/pinsafe")),
        admin.reprovision(SECRET, &["alice"]).unwrap(),
    )
    .await;
    assert!(
        admin.parse_reply(reply.as_bytes()).unwrap().passed("alice"),
        "{reply}"
    );
    let code = server.core.outbox(Some("alice"), 1)[0]
        .code
        .clone()
        .unwrap();
    // LOG-5, then LOG-9.
    let provision = sas(&[
        ("Action", "provision"),
        ("Username", "alice"),
        ("ProvisionCode", &code),
    ]);
    let reply = post(&http, &agent, provision.clone()).await;
    let device = tag(&reply, "Id").unwrap().to_string();
    let reply = post(
        &http,
        &agent,
        sas(&[("Action", "SecurityStrings"), ("Id", &device)]),
    )
    .await;
    assert_eq!(tag(&reply, "Result"), Some("PASS"));
    // LOG-6: the used code again; LOG-7: an unknown user; LOG-8: an agent login for one.
    post(&http, &agent, provision).await;
    post(
        &http,
        &agent,
        sas(&[
            ("Action", "provision"),
            ("Username", "mallory"),
            ("ProvisionCode", &code),
        ]),
    )
    .await;
    post(
        &http,
        &agent,
        sas(&[
            ("Secret", SECRET),
            ("Action", "login"),
            ("Username", "mallory"),
            ("Password", ""),
            ("OTC", "123401"),
        ]),
    )
    .await;

    let mut threads = HashSet::new();
    for (rule, text, level, names_client) in expected() {
        let entry = sink
            .wait_for_text(0, BOUND, &text)
            .await
            .unwrap_or_else(|e| panic!("{rule}: {e}; received {:?}", sink.since(0, 100)));
        assert_eq!(entry.text, text, "{rule}");
        assert_eq!(entry.level, level, "{rule}");
        let severity = match level {
            Level::Info => 6,
            Level::Warn => 4,
            Level::Error => 3,
        };
        assert_eq!(entry.pri, 16 * 8 + severity, "{rule}: facility local0");
        assert_eq!(entry.framing, Framing::Rfc3164, "{rule}");
        assert_eq!(entry.host, "127.0.0.1", "{rule}");
        // The manual clock stands at 2026-01-01T00:00:00Z.
        assert_eq!(entry.timestamp, "Jan  1 00:00:00", "{rule}");
        if names_client {
            assert_eq!(
                entry.client_ip,
                Some("127.0.0.1".parse().unwrap()),
                "{rule}"
            );
            let client_port = entry
                .client_port
                .unwrap_or_else(|| panic!("{rule}: no port"));
            assert_eq!(
                entry.thread,
                format!("http-nio-{port}-exec-{}", 1 + client_port % 10),
                "{rule}"
            );
            threads.insert(entry.thread.clone());
        } else {
            assert_eq!((entry.client_ip, entry.client_port), (None, None), "{rule}");
            assert_eq!(entry.thread, "MessageQueue-1", "{rule}");
        }
    }
    assert!(!threads.is_empty());
    assert_eq!(sink.since(0, 100).len(), 9, "{:?}", sink.since(0, 100));
    assert_eq!(sink.stats().rejected_total(), 0);
    let taps = server.core.tap_stats();
    assert_eq!(
        (taps.log_queued, taps.log_sent, taps.log_dropped),
        (9, 9, 0)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn control_api_entries_name_no_client() {
    let sink = SyslogSink::bind(SyslogConfig::loopback()).await.unwrap();
    let outlets = OutletConfig {
        syslog: Some(host_port(sink.udp_addr().unwrap())),
        ..OutletConfig::default()
    };
    let server = start(outlets, CoreConfig::default()).await;
    server.core.admin_reprovision(1, "bob").unwrap();
    let entry = sink
        .wait_for_text(0, BOUND, "Provision code created for user \"bob\"")
        .await
        .unwrap();
    assert_eq!((entry.client_ip, entry.client_port), (None, None));
    assert!(entry.thread.ends_with("-exec-1"), "{}", entry.thread);
    server.shutdown().await;
}

#[tokio::test]
async fn a_dead_syslog_host_is_counted_and_holds_nothing_up() {
    let dead = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let outlets = OutletConfig {
        syslog: Some(host_port(dead)),
        ..OutletConfig::default()
    };
    let server = start(outlets, CoreConfig::default()).await;
    let started = std::time::Instant::now();
    for _ in 0..50 {
        server.core.admin_reprovision(1, "alice").unwrap();
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // Loopback answers the first datagram with "port unreachable"; later sends fail.
    assert!(
        super::eventually(|| server.core.tap_stats().log_failed >= 1).await,
        "{:?}",
        server.core.tap_stats()
    );
    let taps = server.core.tap_stats();
    assert_eq!(taps.log_queued + taps.log_dropped, 200, "{taps:?}");
    server.shutdown().await;
}
