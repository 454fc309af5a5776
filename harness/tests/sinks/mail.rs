//! The mail sink over real SMTP on loopback: the reference server's own provision
//! messages (bare code, Provision URL, complete URL; read from its outbox) sent as mail,
//! in plain, base64 and quoted-printable HTML forms, with a QR link; a mail without a
//! code; a 20 MB mail (declared and undeclared); garbage commands; stalled and surplus
//! clients; and the same through Python's smtplib, a client we did not write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use swivel_harness::profile::{MailSection, WireProfile};
use swivel_harness::sinks::WaitError;
use swivel_harness::sinks::mail::{MailConfig, MailSink};
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::domain::outbox::OutboxMessage;
use swivel_reference_server::domain::policy::ProvisionMessage;
use swivel_reference_server::domain::users::{Transport, TransportKind, UserSpec};
use swivel_reference_server::domain::{Core, CoreConfig};

use super::smtp_client::{Smtp, plain};
use super::{BOUND, eventually};

async fn sink_with(config: MailConfig) -> MailSink {
    MailSink::bind(config, &WireProfile::default_profile().mail_patterns())
        .await
        .expect("mail sink binds")
}

async fn sink() -> MailSink {
    sink_with(MailConfig::loopback()).await
}

/// A reference server whose users' alert transport is e-mail.
fn server() -> Core {
    let users = ["alice", "bob", "carol"]
        .iter()
        .map(|u| UserSpec {
            username: u.to_string(),
            pin: "1234".to_string(),
            mobile_client: true,
            groups: None,
            alert_transport: Some(Transport {
                kind: TransportKind::Email,
                destination: format!("{u}@Example.test"),
            }),
            string_transport: None,
        })
        .collect();
    Core::new(CoreConfig::default(), Arc::new(ManualClock::fixed()), users).unwrap()
}

/// The provision message the reference server sends `user` in the given form.
fn message_for(core: &Core, user: &str, form: ProvisionMessage) -> OutboxMessage {
    let mut policies = core.policies();
    policies.self_reset.provision_message = form;
    core.set_policies(policies).unwrap();
    core.admin_reprovision(1, user).unwrap();
    core.outbox(Some(user), 10).pop().unwrap()
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Quoted-printable: `=` escaped, soft line breaks every 60 characters.
fn quoted_printable(text: &str) -> String {
    let escaped = text.replace('=', "=3D");
    let chars: Vec<char> = escaped.chars().collect();
    let lines: Vec<String> = chars.chunks(60).map(|c| c.iter().collect()).collect();
    lines.join("=\r\n")
}

/// multipart/alternative: the body as base64 text, and as quoted-printable HTML with a
/// QR image linking `…/userportal/getQRCode?size=4&text=<payload>` (QR-1).
fn multipart(to: &str, body: &str, qr_payload: &str) -> String {
    let encoded: String =
        percent_encoding::utf8_percent_encode(qr_payload, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let html = format!(
        "<html><body><p>{body}</p><p><img src=\"http://127.0.0.1:8080/pinsafe/userportal/getQRCode?size=4&amp;text={encoded}\" alt=\"QR\"></p></body></html>"
    );
    format!(
        "From: pinsafe@example.test\r\nTo: {to}\r\nSubject: Mobile provisioning\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n--b1--\r\n",
        base64(body.as_bytes()),
        quoted_printable(&html)
    )
}

#[tokio::test]
async fn the_reference_servers_messages_yield_code_url_and_qr_payload() {
    let core = server();
    let sink = sink().await;
    for u in ["alice", "bob", "carol"] {
        sink.register_user(u, &format!("{u}@example.test"));
    }
    let (mut smtp, greeting) = Smtp::connect(sink.local_addr()).await;
    assert_eq!(greeting.0, 220);
    let ehlo = smtp.cmd("EHLO pinsafe.example.test").await;
    assert_eq!(ehlo.0, 250);
    assert!(
        ehlo.1.contains("8BITMIME") && ehlo.1.contains("SIZE 10485760"),
        "{ehlo:?}"
    );

    // The bare code, plain text.
    let m = message_for(&core, "alice", ProvisionMessage::Code);
    let from = sink.newest_seq();
    let r = smtp
        .send(
            "pinsafe@example.test",
            &[&m.destination],
            &plain(&m.destination, "Provision", &m.body),
        )
        .await;
    assert_eq!(r.0, 250, "{r:?}");
    let mail = sink.wait_for_user(from, BOUND, "alice").await.unwrap();
    assert_eq!(mail.extracted.code, m.code);
    assert_eq!(mail.extracted.provision_url, None);
    assert_eq!(mail.recipients, ["alice@example.test"]);
    assert_eq!(mail.extracted.subject.as_deref(), Some("Provision"));

    // The Provision URL (URL-1), plain text.
    let m = message_for(&core, "bob", ProvisionMessage::ProvisionUrl);
    let from = sink.newest_seq();
    smtp.send(
        "pinsafe@example.test",
        &[&m.destination],
        &plain(&m.destination, "Provision", &m.body),
    )
    .await;
    let mail = sink.wait_for_user(from, BOUND, "bob").await.unwrap();
    assert_eq!(mail.extracted.provision_url, m.url);
    assert_eq!(
        mail.extracted.code, m.code,
        "the code read from inside the URL"
    );

    // The complete URL (URL-2), base64 text + quoted-printable HTML with the QR link.
    let m = message_for(&core, "carol", ProvisionMessage::CompleteUrl);
    let url = m.url.clone().unwrap();
    let from = sink.newest_seq();
    let r = smtp
        .send(
            "pinsafe@example.test",
            &[&m.destination],
            &multipart(&m.destination, &m.body, &url),
        )
        .await;
    assert_eq!(r.0, 250, "{r:?}");
    let mail = sink.wait_for_user(from, BOUND, "carol").await.unwrap();
    assert_eq!(mail.extracted.provision_url.as_deref(), Some(url.as_str()));
    assert_eq!(mail.extracted.code, m.code);
    assert_eq!(mail.extracted.qr_payload.as_deref(), Some(url.as_str()));
    // Secrets stay out of Debug output.
    let shown = format!("{mail:?}");
    assert!(!shown.contains(m.code.as_deref().unwrap()), "{shown}");

    assert_eq!(smtp.cmd("QUIT").await.0, 221);
    let stats = sink.stats();
    assert_eq!((stats.accepted, stats.without_code), (3, 0), "{stats:?}");
    assert!(matches!(
        sink.wait_for_user(0, Duration::from_millis(10), "dave")
            .await,
        Err(WaitError::NotRegistered(_))
    ));
}

#[tokio::test]
async fn a_mail_without_a_code_is_kept_and_counted() {
    let sink = sink().await;
    let (mut smtp, _) = Smtp::connect(sink.local_addr()).await;
    smtp.cmd("HELO x").await;
    let r = smtp
        .send(
            "",
            &["dave@example.test"],
            &plain(
                "dave@example.test",
                "Hello",
                "Your password expires soon.\r\n.leading dot\r\n",
            ),
        )
        .await;
    assert_eq!(r.0, 250, "{r:?}");
    let mail = sink
        .wait_for_recipient(0, BOUND, "DAVE@example.test")
        .await
        .unwrap();
    assert_eq!(mail.extracted.code, None);
    assert_eq!(mail.from, "");
    assert!(
        mail.extracted.text.contains("\n.leading dot"),
        "dot-unstuffed: {:?}",
        mail.extracted.text
    );
    assert_eq!(sink.stats().without_code, 1);
    assert_eq!(sink.stats().accepted, 1);
}

#[tokio::test]
async fn a_20_mb_mail_is_refused_with_552_and_the_connection_goes_on() {
    let sink = sink().await;
    let (mut smtp, _) = Smtp::connect(sink.local_addr()).await;
    smtp.cmd("EHLO x").await;
    // Declared: refused at MAIL FROM.
    let r = smtp.cmd("MAIL FROM:<a@x> SIZE=20000000").await;
    assert_eq!(r.0, 552, "{r:?}");
    // Undeclared: read to its end without being kept, then refused.
    let line = "x".repeat(998);
    let body = std::iter::repeat_n(line.as_str(), 20_000_000 / 1000)
        .collect::<Vec<_>>()
        .join("\r\n");
    let started = Instant::now();
    let r = smtp
        .send(
            "a@x",
            &["big@example.test"],
            &plain("big@example.test", "Big", &body),
        )
        .await;
    assert_eq!(r.0, 552, "{r:?}");
    let elapsed = started.elapsed();
    // The same connection still delivers.
    let r = smtp
        .send(
            "a@x",
            &["small@example.test"],
            &plain(
                "small@example.test",
                "S",
                "Your Swivel mobile provision code is: 1234567890",
            ),
        )
        .await;
    assert_eq!(r.0, 250, "{r:?}");
    let mail = sink
        .wait_for_recipient(0, BOUND, "small@example.test")
        .await
        .unwrap();
    assert_eq!(mail.extracted.code.as_deref(), Some("1234567890"));
    let stats = sink.stats();
    assert_eq!((stats.too_large, stats.accepted), (2, 1), "{stats:?}");
    assert!(
        stats.buffer.bytes < 1 << 20,
        "nothing of the big mail kept: {stats:?}"
    );
    eprintln!("mail sink: 20 MB mail read and refused with 552 in {elapsed:?}");
}

#[tokio::test]
async fn garbage_commands_are_answered_counted_and_bounded() {
    let config = MailConfig {
        max_recipients: 3,
        ..MailConfig::loopback()
    };
    let sink = sink_with(config).await;
    let (mut smtp, _) = Smtp::connect(sink.local_addr()).await;
    assert_eq!(smtp.cmd("MAIL FROM:<a@x>").await.0, 503, "EHLO first");
    assert_eq!(smtp.cmd("EHLO").await.0, 501);
    assert_eq!(smtp.cmd("HELO x").await.0, 250);
    assert_eq!(smtp.cmd("RCPT TO:<b@x>").await.0, 503, "MAIL first");
    assert_eq!(smtp.cmd("DATA").await.0, 503, "RCPT first");
    assert_eq!(smtp.cmd("MAIL FROM:a@x").await.0, 501);
    assert_eq!(smtp.cmd("MAIL FROM:<a@x>").await.0, 250);
    assert_eq!(smtp.cmd("MAIL FROM:<a@x>").await.0, 503, "nested MAIL");
    for i in 0..3 {
        assert_eq!(smtp.cmd(&format!("RCPT TO:<r{i}@x>")).await.0, 250);
    }
    assert_eq!(smtp.cmd("RCPT TO:<r3@x>").await.0, 452);
    assert_eq!(smtp.cmd("RSET").await.0, 250);
    assert_eq!(smtp.cmd("NOOP").await.0, 250);
    assert_eq!(smtp.cmd("AUTH PLAIN AGFhAGI=").await.0, 502);
    assert_eq!(smtp.cmd("GET / HTTP/1.1").await.0, 500);
    assert_eq!(smtp.cmd(&"A".repeat(5000)).await.0, 500);
    smtp.raw(b"\xff\xfe\x00\x01 binary\r\n").await.unwrap();
    assert_eq!(smtp.reply().await.0, 500);
    // Errors so far: 9 (503, 501, 503, 503, 501, 503, 500, 500, 500); the 21st closes.
    let mut last = (0, String::new());
    for _ in 0..12 {
        last = smtp.cmd("XYZZY").await;
    }
    assert_eq!(last.0, 421, "{last:?}");
    assert_eq!(smtp.cmd("NOOP").await.0, 0, "closed");
    let stats = sink.stats();
    assert_eq!(stats.bad_commands, 14, "{stats:?}");
    assert_eq!(stats.lines_too_long, 1);
    assert_eq!(stats.too_many_recipients, 1);
    assert_eq!(stats.sessions_ended_for_errors, 1);
    // The sink still serves.
    let (mut smtp, greeting) = Smtp::connect(sink.local_addr()).await;
    assert_eq!(greeting.0, 220);
    assert_eq!(smtp.cmd("HELO x").await.0, 250);
}

#[tokio::test]
async fn stalled_and_surplus_clients_hold_nobody_up() {
    let config = MailConfig {
        max_connections: 2,
        read_timeout: Duration::from_secs(1),
        ..MailConfig::loopback()
    };
    let sink = sink_with(config).await;
    let started = Instant::now();
    let (mut stalled, _) = Smtp::connect(sink.local_addr()).await;
    stalled.raw(b"EHLO half-a-comm").await.unwrap();
    let (mut good, _) = Smtp::connect(sink.local_addr()).await;
    good.cmd("HELO x").await;
    let r = good
        .send(
            "a@x",
            &["e@example.test"],
            &plain(
                "e@example.test",
                "S",
                "Your Swivel mobile provision code is: ABCD123456",
            ),
        )
        .await;
    assert_eq!(r.0, 250);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served while another stalls"
    );
    let (_surplus, busy) = Smtp::connect(sink.local_addr()).await;
    assert_eq!(busy.0, 421, "{busy:?}");
    // The stalled client is told and closed after the read timeout.
    assert_eq!(stalled.reply().await.0, 421);
    assert!(eventually(|| sink.stats().timeouts >= 1).await);
    let stats = sink.stats();
    assert_eq!(stats.refused_connections, 1, "{stats:?}");
    assert_eq!(stats.accepted, 1);
}

#[tokio::test]
async fn python_smtplib_delivers_and_is_refused_a_20_mb_mail() {
    let Ok(probe) = std::process::Command::new("python3")
        .arg("--version")
        .output()
    else {
        eprintln!("python3 not found: smtplib cross-check skipped");
        return;
    };
    assert!(probe.status.success());
    let sink = sink().await;
    let port = sink.local_addr().port();
    let script = format!(
        r#"
import smtplib
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "pinsafe@example.test"
m["To"] = "frank@example.test"
m["Subject"] = "Provision"
m.set_content("Your Swivel mobile provision code is: PY7777CODE\n")
m.add_alternative('<p>Scan <img src="https://h/pinsafe/userportal/getQRCode?text=http%3A%2F%2Fsmc%2Fcomplete%2FS%2Ffrank%2FPY7777CODE"></p>', subtype="html")
with smtplib.SMTP("127.0.0.1", {port}, timeout=10) as s:
    s.send_message(m)
    try:
        s.sendmail("a@x", ["big@example.test"], "Subject: big\r\n\r\n" + ("y" * 998 + "\r\n") * 20000)
        print("big accepted")
    except smtplib.SMTPSenderRefused as e:
        print("big refused", e.smtp_code)
"#
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "big refused 552");
    let mail = sink
        .wait_for_recipient(0, BOUND, "frank@example.test")
        .await
        .unwrap();
    assert_eq!(mail.extracted.code.as_deref(), Some("PY7777CODE"));
    assert_eq!(
        mail.extracted.qr_payload.as_deref(),
        Some("http://smc/complete/S/frank/PY7777CODE")
    );
    assert_eq!(sink.stats().too_large, 1);
}

#[tokio::test]
async fn a_bad_pattern_is_refused_at_start() {
    let bad = MailSection {
        code: "(unclosed".to_string(),
        ..MailSection::default()
    };
    let err = MailSink::bind(MailConfig::loopback(), &bad)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mail.code"), "{err}");
}
