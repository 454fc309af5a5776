//! The reference server's SMTP outlet into the harness's mail sink: a reprovisioned
//! user's code arrives by mail and the sink extracts the very code the outbox holds;
//! Provision URL and complete URL messages arrive with their URL and code, and the code
//! from the mail provisions; SMS transports are not mailed; a dead or silent relay
//! neither slows nor fails a request (its mails are counted as failed or dropped).

use std::time::{Duration, Instant};

use swivel_harness::codec::admin::AdminCodec;
use swivel_harness::profile::WireProfile;
use swivel_harness::sinks::mail::{MailConfig, MailSink};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::domain::policy::ProvisionMessage;
use swivel_reference_server::outlets::OutletConfig;
use tokio::net::TcpListener;

use super::server::{SECRET, host_port, http, post, sas, start, tag};
use super::{BOUND, eventually};

async fn sink() -> MailSink {
    let sink = MailSink::bind(
        MailConfig::loopback(),
        &WireProfile::default_profile().mail_patterns(),
    )
    .await
    .unwrap();
    for user in ["alice", "bob", "carol"] {
        sink.register_user(user, &format!("{user}@example.test"));
    }
    sink
}

fn relay_to(sink: &MailSink) -> OutletConfig {
    OutletConfig {
        smtp_relay: Some(host_port(sink.local_addr())),
        ..OutletConfig::default()
    }
}

#[tokio::test]
async fn a_reprovisioned_users_code_arrives_by_mail_and_equals_the_outbox_code() {
    let sink = sink().await;
    let server = start(relay_to(&sink), CoreConfig::default()).await;
    // erin's alert transport is SMS: delivered to the outbox, never mailed.
    server.core.admin_reprovision(1, "erin").unwrap();
    let node = format!("{}/pinsafe", server.node_urls[0]);
    let admin = AdminCodec::new(&WireProfile::default_profile());
    let reply = post(
        &http(),
        &admin.url(&node),
        admin.reprovision(SECRET, &["alice"]).unwrap(),
    )
    .await;
    assert!(admin.parse_reply(reply.as_bytes()).unwrap().passed("alice"));

    let mail = sink.wait_for_user(0, BOUND, "alice").await.unwrap();
    let outbox = server.core.outbox(Some("alice"), 1).pop().unwrap();
    assert_eq!(mail.extracted.code, outbox.code);
    assert!(mail.extracted.code.is_some());
    assert_eq!(mail.from, "pinsafe@reference.invalid");
    assert_eq!(mail.recipients, ["alice@example.test"]);
    assert_eq!(
        mail.extracted.subject.as_deref(),
        Some("Swivel provision code")
    );
    assert!(
        mail.extracted.text.contains(&outbox.body),
        "{:?}",
        mail.extracted.text
    );
    // Only alice's mail came: the SMS message was not mailed.
    assert_eq!(sink.since(0, 10).len(), 1);
    // The sink has the mail a moment before the sender has the relay's last reply.
    assert!(eventually(|| server.core.tap_stats().mail_sent == 1).await);
    let taps = server.core.tap_stats();
    assert_eq!(
        (taps.mail_queued, taps.mail_sent, taps.mail_failed),
        (1, 1, 0)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn url1_url2_messages_arrive_with_their_url_and_the_mailed_code_provisions() {
    let sink = sink().await;
    let server = start(relay_to(&sink), CoreConfig::default()).await;
    let agent = format!("{}/pinsafe/AgentXML", server.node_urls[0]);
    for (form, user) in [
        (ProvisionMessage::ProvisionUrl, "alice"),
        (ProvisionMessage::CompleteUrl, "bob"),
    ] {
        let mut policies = server.core.policies();
        policies.self_reset.provision_message = form;
        server.core.set_policies(policies).unwrap();
        let from = sink.newest_seq();
        server.core.admin_reprovision(1, user).unwrap();
        let mail = sink.wait_for_user(from, BOUND, user).await.unwrap();
        let outbox = server.core.outbox(Some(user), 1).pop().unwrap();
        assert!(outbox.url.is_some(), "{form:?}");
        assert_eq!(mail.extracted.provision_url, outbox.url, "{form:?}");
        assert_eq!(mail.extracted.code, outbox.code, "{form:?}");
        let code = mail.extracted.code.clone().unwrap();
        let reply = post(
            &http(),
            &agent,
            sas(&[
                ("Action", "provision"),
                ("Username", user),
                ("ProvisionCode", &code),
            ]),
        )
        .await;
        assert_eq!(tag(&reply, "Result"), Some("PASS"), "{form:?}: {reply}");
    }
    server.shutdown().await;
}

/// Times `n` Admin XML reprovisions of alice; each must pass.
async fn reprovisions(node: &str, n: usize) -> Duration {
    let admin = AdminCodec::new(&WireProfile::default_profile());
    let http = http();
    let started = Instant::now();
    for _ in 0..n {
        let reply = post(
            &http,
            &admin.url(node),
            admin.reprovision(SECRET, &["alice"]).unwrap(),
        )
        .await;
        assert!(
            admin.parse_reply(reply.as_bytes()).unwrap().passed("alice"),
            "{reply}"
        );
    }
    started.elapsed()
}

#[tokio::test]
async fn a_dead_relay_neither_slows_nor_fails_requests() {
    // A port nobody listens on: every mail is refused at once.
    let dead = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let outlets = OutletConfig {
        smtp_relay: Some(host_port(dead)),
        smtp_timeout: Duration::from_millis(300),
        ..OutletConfig::default()
    };
    let server = start(outlets, CoreConfig::default()).await;
    let took = reprovisions(&format!("{}/pinsafe", server.node_urls[0]), 30).await;
    assert!(took < Duration::from_secs(3), "30 requests took {took:?}");
    assert!(
        eventually(|| server.core.tap_stats().mail_failed >= 1).await,
        "{:?}",
        server.core.tap_stats()
    );
    assert_eq!(server.core.tap_stats().mail_sent, 0);
    assert_eq!(
        server.core.outbox(Some("alice"), 100).len(),
        8,
        "the outbox works as before"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_silent_relay_fills_the_queue_and_mails_are_dropped_not_waited_for() {
    // Accepts connections and never says a word: each mail waits out its timeout.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let outlets = OutletConfig {
        smtp_relay: Some(host_port(addr)),
        smtp_timeout: Duration::from_secs(5),
        queue: 2,
        ..OutletConfig::default()
    };
    let server = start(outlets, CoreConfig::default()).await;
    let took = reprovisions(&format!("{}/pinsafe", server.node_urls[0]), 20).await;
    assert!(took < Duration::from_secs(3), "20 requests took {took:?}");
    let taps = server.core.tap_stats();
    assert!(taps.mail_dropped >= 10, "{taps:?}");
    assert_eq!(taps.mail_queued + taps.mail_dropped, 20, "{taps:?}");
    // Shutdown does not wait for the silent relay either.
    let stopping = Instant::now();
    server.shutdown().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(3),
        "{:?}",
        stopping.elapsed()
    );
    held.abort();
}
