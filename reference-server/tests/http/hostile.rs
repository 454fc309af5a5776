//! Hostile clients against one node: oversized bodies (declared and chunked), an entity
//! bomb, truncated and non-UTF-8 XML, unknown actions, wrong media types and methods,
//! repeated and missing elements, a slow body, a slowloris head, and a deterministic fuzz
//! loop. Each gets its answer quickly and the node keeps answering pings afterwards.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::support::{
    RawOutcome, Reply, Server, XorShift, provision_xml, raw_connect, read_status, sas,
    start_default, timed,
};

/// The answer to a hostile request must come within this time.
const FAST: Duration = Duration::from_secs(1);
/// The body limit of a node (RequestLimits::default().max_body_bytes).
const BODY_LIMIT: usize = 64 * 1024;
const TEN_MB: usize = 10 * 1024 * 1024;

/// Runs one hostile exchange, asserts it was answered in under a second, then asserts
/// that a normal ping on the same node still passes.
async fn fast<T>(s: &Server, what: &str, exchange: impl Future<Output = T>) -> T {
    let (out, took) = timed(crate::support::NET_BOUND, exchange).await;
    assert!(took < FAST, "{what}: answered after {took:?}");
    s.assert_alive(1).await;
    out
}

#[track_caller]
fn assert_bad_request(reply: &Reply, mentions: &str) {
    reply.assert_fail("BAD_REQUEST");
    let message = reply.message().unwrap_or_default();
    assert!(
        message.contains(mentions),
        "message {message:?} does not mention {mentions:?}"
    );
}

fn head(extra: &str) -> Vec<u8> {
    format!(
        "POST /pinsafe/AgentXML HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n{extra}\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn ten_megabyte_body_with_content_length_gets_413() {
    let s = start_default().await;
    let stream = raw_connect(
        s.node_addr(1),
        &head(&format!("Content-Length: {TEN_MB}\r\n")),
    )
    .await;
    let (mut reader, mut writer) = stream.into_split();
    // Keep sending the body while waiting for the answer, as a real client would.
    let sender = tokio::spawn(async move {
        let chunk = vec![b'A'; 64 * 1024];
        for _ in 0..TEN_MB / chunk.len() {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let outcome = fast(&s, "10 MB declared", read_status(&mut reader, FAST * 2)).await;
    assert_eq!(outcome, RawOutcome::Status(413));
    sender.abort();
    s.shutdown().await;
}

#[tokio::test]
async fn ten_megabyte_body_through_reqwest_gets_413() {
    let s = start_default().await;
    let reply = fast(&s, "10 MB via reqwest", s.post_bytes(1, vec![b'<'; TEN_MB])).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{reply:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn body_limit_is_exact() {
    let s = start_default().await;
    let at_limit = fast(&s, "64 KiB", s.post_bytes(1, vec![b' '; BODY_LIMIT])).await;
    assert_ne!(
        at_limit.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{at_limit:?}"
    );
    let over = fast(
        &s,
        "64 KiB + 1",
        s.post_bytes(1, vec![b' '; BODY_LIMIT + 1]),
    )
    .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{over:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn chunked_body_without_content_length_over_the_limit_gets_413() {
    let s = start_default().await;
    let stream = raw_connect(s.node_addr(1), &head("Transfer-Encoding: chunked\r\n")).await;
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let mut chunk = format!("{:x}\r\n", 8192).into_bytes();
        chunk.extend(std::iter::repeat_n(b'<', 8192));
        chunk.extend_from_slice(b"\r\n");
        for _ in 0..TEN_MB / 8192 {
            if writer.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
    });
    let outcome = fast(&s, "10 MB chunked", read_status(&mut reader, FAST * 2)).await;
    assert_eq!(outcome, RawOutcome::Status(413));
    sender.abort();
    s.shutdown().await;
}

#[tokio::test]
async fn entity_bomb_is_refused_as_doctype() {
    let s = start_default().await;
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let previous = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        let refs = format!("&{previous};").repeat(10);
        bomb.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
    }
    bomb.push_str("]>\n<SASRequest><Version>3.6</Version><Action>ping</Action><Username>&lol9;</Username></SASRequest>");
    let reply = fast(&s, "entity bomb", s.post_xml(1, &bomb)).await;
    assert_bad_request(&reply, "DOCTYPE");
    s.shutdown().await;
}

#[tokio::test]
async fn truncated_xml_is_a_bad_request() {
    let s = start_default().await;
    let full = provision_xml("alice", "ABCDEFGHJK");
    for cut in [
        full.len() / 2,
        full.len() - 1,
        full.find("<SASRequest>").unwrap() + 20,
    ] {
        let reply = fast(&s, "truncated", s.post_xml(1, &full[..cut])).await;
        reply.assert_fail("BAD_REQUEST");
    }
    let reply = fast(
        &s,
        "unclosed root",
        s.post_xml(1, "<SASRequest><Action>ping</Action>"),
    )
    .await;
    assert_bad_request(&reply, "truncated");
    s.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_inside_an_element_is_a_bad_request() {
    let s = start_default().await;
    let body = b"<SASRequest><Version>3.6</Version><Action>ping</Action><Username>al\xff\xfeice</Username></SASRequest>".to_vec();
    let reply = fast(&s, "invalid UTF-8", s.post_bytes(1, body)).await;
    assert_bad_request(&reply, "UTF-8");
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_action_is_a_bad_request_naming_the_action() {
    let s = start_default().await;
    let reply = fast(
        &s,
        "unknown action",
        s.post_xml(1, &sas(&[("Action", "Frobnicate"), ("Username", "alice")])),
    )
    .await;
    assert_bad_request(&reply, "Frobnicate");
    // Names are case-sensitive: `Ping` is not `ping`.
    let reply = fast(&s, "Ping", s.post_xml(1, &sas(&[("Action", "Ping")]))).await;
    assert_bad_request(&reply, "Ping");
    let reply = fast(&s, "no action", s.post_xml(1, &sas(&[]))).await;
    assert_bad_request(&reply, "<Action>");
    s.shutdown().await;
}

#[tokio::test]
async fn json_body_gets_415() {
    let s = start_default().await;
    let response = fast(
        &s,
        "JSON",
        s.http
            .post(s.agent_url(1, "pinsafe"))
            .header("content-type", "application/json")
            .body(r#"{"Action": "ping"}"#)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let reply = fast(&s, "empty body", s.post_bytes(1, Vec::new())).await;
    assert_eq!(
        reply.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{reply:?}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn get_on_agent_xml_gets_405() {
    let s = start_default().await;
    let reply = fast(&s, "GET", s.get(1, "/pinsafe/AgentXML")).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{reply:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn repeated_username_is_a_bad_request() {
    let s = start_default().await;
    let reply = fast(
        &s,
        "repeated",
        s.post_xml(
            1,
            &sas(&[
                ("Action", "Provision"),
                ("Username", "alice"),
                ("Username", "bob"),
                ("ProvisionCode", "ABCDEFGHJK"),
            ]),
        ),
    )
    .await;
    assert_bad_request(&reply, "<Username> appears more than once");
    s.shutdown().await;
}

#[tokio::test]
async fn missing_username_in_provision_is_a_bad_request() {
    let s = start_default().await;
    let reply = fast(
        &s,
        "missing",
        s.post_xml(
            1,
            &sas(&[("Action", "Provision"), ("ProvisionCode", "ABCDEFGHJK")]),
        ),
    )
    .await;
    assert_bad_request(&reply, "<Username>");
    // Nothing was logged for a request that named no user.
    assert!(s.log_texts().await.is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn nested_elements_and_wrong_root_are_bad_requests() {
    let s = start_default().await;
    for (body, mentions) in [
        (
            "<SASRequest><Action>ping<X/></Action></SASRequest>",
            "nested",
        ),
        ("<SASResponse><Action>ping</Action></SASResponse>", "root"),
        (
            "<?xml-stylesheet href=\"x\"?><SASRequest><Action>ping</Action></SASRequest>",
            "processing instruction",
        ),
        (
            "<SASRequest><Action>ping</Action><Username>&foo;</Username></SASRequest>",
            "&foo;",
        ),
    ] {
        let reply = fast(&s, body, s.post_xml(1, body)).await;
        assert_bad_request(&reply, mentions);
    }
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_gets_408_or_is_closed_after_the_body_timeout() {
    let s = start_default().await;
    let started = Instant::now();
    let mut stream = raw_connect(s.node_addr(1), &head("Content-Length: 100\r\n")).await;
    stream.write_all(b"<SASReques").await.unwrap();
    let outcome = read_status(&mut stream, Duration::from_secs(3)).await;
    let took = started.elapsed();
    // The handler's body deadline (1 s in these tests) answers 408.
    assert_eq!(outcome, RawOutcome::Status(408));
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(2500)).contains(&took),
        "took {took:?}"
    );
    drop(stream);
    s.assert_alive(1).await;
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_head_is_closed_after_the_header_timeout() {
    let s = start_default().await;
    let started = Instant::now();
    let stream = raw_connect(
        s.node_addr(1),
        b"POST /pinsafe/AgentXML HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    )
    .await;
    let (mut reader, mut writer) = stream.into_split();
    // Trickle header bytes, never finishing the head.
    let trickle = tokio::spawn(async move {
        for i in 0..100u32 {
            let line = format!("X-Slow-{i}: y\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let outcome = read_status(&mut reader, Duration::from_secs(3)).await;
    let took = started.elapsed();
    // hyper's header read timeout (1 s in these tests) closes the connection.
    assert!(
        matches!(outcome, RawOutcome::Closed | RawOutcome::Status(408)),
        "{outcome:?}"
    );
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(2500)).contains(&took),
        "took {took:?}"
    );
    trickle.abort();
    s.assert_alive(1).await;
    s.shutdown().await;
}

/// Valid-looking request bodies the fuzz loop mutates.
fn templates() -> Vec<Vec<u8>> {
    vec![
        provision_xml("alice", "ABCDEFGHJK").into_bytes(),
        sas(&[
            ("Action", "SecurityStrings"),
            ("Username", "bob"),
            ("Id", &"0".repeat(32)),
        ])
        .into_bytes(),
        sas(&[
            ("Secret", crate::support::SECRET),
            ("Action", "login"),
            ("Username", "alice"),
            ("Password", ""),
            ("OTC", "123401"),
        ])
        .into_bytes(),
        sas(&[("RequestID", "fz"), ("Action", "ping")]).into_bytes(),
        b"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"c\">]><SASRequest/>".to_vec(),
        b"<SASRequest><![CDATA[x]]><!-- c --><Action>ping</Action></SASRequest>".to_vec(),
    ]
}

/// One pseudo-random mutation of a template.
fn mutate(rng: &mut XorShift, templates: &[Vec<u8>]) -> Vec<u8> {
    const SPECIAL: &[u8] = b"<>&/;\"'=?![]\0\xff\xc3 \n";
    let mut body = templates[rng.below(templates.len())].clone();
    for _ in 0..=rng.below(4) {
        let len = body.len().max(1);
        match rng.below(7) {
            0 => {
                let i = rng.below(len).min(body.len().saturating_sub(1));
                if let Some(b) = body.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                let i = rng.below(len + 1).min(body.len());
                body.insert(i, SPECIAL[rng.below(SPECIAL.len())]);
            }
            2 => {
                let i = rng.below(len).min(body.len());
                let j = (i + rng.below(16)).min(body.len());
                body.drain(i..j);
            }
            3 => body.truncate(rng.below(len)),
            4 => {
                let i = rng.below(len).min(body.len());
                let j = (i + rng.below(32)).min(body.len());
                let slice = body[i..j].to_vec();
                let at = rng.below(body.len() + 1);
                body.splice(at..at, slice);
            }
            5 => {
                let other = &templates[rng.below(templates.len())];
                let cut = rng.below(other.len());
                let at = rng.below(body.len() + 1);
                body.truncate(at);
                body.extend_from_slice(&other[cut..]);
            }
            _ => {
                let i = rng.below(len).min(body.len().saturating_sub(1));
                if let Some(b) = body.get_mut(i) {
                    *b = (rng.next_u64() & 0xff) as u8;
                }
            }
        }
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_bodies_each_get_an_answer_and_the_node_survives() {
    let s = start_default().await;
    let templates = templates();
    let mut rng = XorShift::new(0x5EED_2026_0101);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let started = Instant::now();
    for round in 0..300 {
        let body = mutate(&mut rng, &templates);
        let (reply, took) = timed(crate::support::NET_BOUND, s.post_bytes(1, body.clone())).await;
        assert!(took < FAST, "round {round} took {took:?}");
        *statuses.entry(reply.status.as_u16()).or_default() += 1;
        match reply.status {
            StatusCode::OK => assert!(
                matches!(reply.result(), Some("PASS" | "FAIL")),
                "round {round}: {reply:?} for {:?}",
                String::from_utf8_lossy(&body)
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                assert!(reply.body.contains("BAD_REQUEST"), "{reply:?}");
            }
            other => panic!(
                "round {round}: unexpected status {other} for {:?}",
                String::from_utf8_lossy(&body)
            ),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(statuses.contains_key(&200), "{statuses:?}");
    s.assert_alive(1).await;
    s.shutdown().await;
}
