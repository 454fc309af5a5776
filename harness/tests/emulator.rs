//! The mobile-client emulator against canned broken replies (wiremock, loopback only)
//! and against the real reference server: every hostile reply ends in a judged outcome,
//! quickly, without a panic or a hang; a real provisioning flow passes end to end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use swivel_harness::codec::otc::app_otc;
use swivel_harness::codec::strings::{check_layout, string_for_index};
use swivel_harness::emulator::app_message::{
    DEVICE_PROVISIONED, ERROR_DOWNLOADING_STRINGS, INVALID_PROVISION_CODE, INVALID_USERNAME,
    PROVISION_FAILURE, SERVER_CONNECTION, UNKNOWN_SERVER_ID, USER_NOT_SET,
};
use swivel_harness::emulator::{ClientOptions, Endpoint, Exchange, MobileClient, Outcome, otc_for};
use swivel_harness::profile::WireProfile;
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, RunningCluster};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::transport::TlsSource;
use swivel_reference_server::users_file::default_users;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "swivel-harness-secret";
/// Upper bound for any exchange that must not hang.
const BOUND: Duration = Duration::from_secs(10);

fn client_with(options: ClientOptions) -> MobileClient {
    MobileClient::new(Arc::new(WireProfile::default_profile()), options).expect("client builds")
}

fn client() -> MobileClient {
    client_with(ClientOptions::default())
}

/// A mock node answering every Agent-XML POST with `reply`.
async fn mock_node(reply: ResponseTemplate) -> (MockServer, Endpoint) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pinsafe/AgentXML"))
        .respond_with(reply)
        .mount(&server)
        .await;
    let ep = Endpoint::new(format!("{}/pinsafe", server.uri()));
    (server, ep)
}

async fn provision_against(reply: ResponseTemplate) -> Exchange {
    let (_server, ep) = mock_node(reply).await;
    tokio::time::timeout(BOUND, client().provision(&ep, "alice", "1234567890"))
        .await
        .expect("the emulator returns without hanging")
}

#[tokio::test]
async fn not_xml_is_malformed_and_shows_the_generic_failure() {
    let ex = provision_against(ResponseTemplate::new(200).set_body_string("hello")).await;
    assert!(
        matches!(&ex.outcome, Outcome::Malformed(why) if why.contains("not XML")),
        "{ex:?}"
    );
    assert_eq!(ex.outcome.key(), "MALFORMED");
    assert_eq!(ex.app_message(), PROVISION_FAILURE);
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.response_body, "hello");
    assert!(ex.url.ends_with("/pinsafe/AgentXML"), "{}", ex.url);
    assert_eq!(ex.method, "POST");
    assert!(ex.request_body.contains("<Action>provision</Action>"));
}

/// The provision request is byte for byte what the real app sends (protocol.md §9,
/// WIRE-1): the mock answers only that body with that content type.
#[tokio::test]
async fn provision_is_sent_exactly_as_the_real_app_sends_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pinsafe/AgentXML"))
        .and(header("content-type", "application/xml; charset=utf-8"))
        .and(body_string(concat!(
            "<SASRequest><Version>3.6</Version><Action>provision</Action>",
            "<Username>alice</Username><ProvisionCode>1234567890</ProvisionCode></SASRequest>"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<SASResponse><Version>3.6</Version><Result>PASS</Result><Id>d</Id></SASResponse>",
        ))
        .mount(&server)
        .await;
    let ep = Endpoint::new(format!("{}/pinsafe", server.uri()));
    let ex = client().provision(&ep, "alice", "1234567890").await;
    assert_eq!(ex.outcome, Outcome::Pass, "{ex:?}");
    let strings = client().security_strings(&ep, "alice", "d").await;
    assert!(
        strings
            .request_body
            .ends_with("<Action>SecurityStrings</Action><Id>d</Id></SASRequest>"),
        "{}",
        strings.request_body
    );
}

#[tokio::test]
async fn http_500_is_an_http_outcome() {
    let ex = provision_against(ResponseTemplate::new(500).set_body_string("oops")).await;
    assert_eq!(ex.outcome, Outcome::Http(500));
    assert_eq!(ex.outcome.key(), "HTTP:500");
    assert_eq!(ex.app_message(), PROVISION_FAILURE);
}

#[tokio::test]
async fn xml_without_result_is_malformed() {
    let body = "<SASResponse><Version>3.6</Version><Id>abc</Id></SASResponse>";
    let ex = provision_against(ResponseTemplate::new(200).set_body_string(body)).await;
    assert_eq!(
        ex.outcome,
        Outcome::Malformed("reply has no <Result>".to_string())
    );
    assert!(ex.reply.is_none());
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_a_transport_timeout() {
    let slow = ResponseTemplate::new(200)
        .set_body_string("<SASResponse><Result>PASS</Result></SASResponse>")
        .set_delay(Duration::from_secs(2));
    let (_server, ep) = mock_node(slow).await;
    let client = client_with(ClientOptions {
        timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    });
    let started = Instant::now();
    let ex = tokio::time::timeout(BOUND, client.ping(&ep)).await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert!(ex.outcome.is_transport(), "{ex:?}");
    assert!(
        matches!(&ex.outcome, Outcome::Transport(why) if why.contains("timed out")),
        "{:?}",
        ex.outcome
    );
    assert_eq!(ex.outcome.key(), "TRANSPORT");
    assert_eq!(ex.app_message(), SERVER_CONNECTION);
}

#[tokio::test]
async fn a_proper_pass_reply_yields_the_device_id() {
    let body = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "<SASResponse><Version>3.6</Version><Result>PASS</Result>",
        "<Id>0123456789abcdef0123456789abcdef</Id>",
        "<Policy><Id>AllowPinEntry</Id><Content>OFF</Content><Description>d</Description></Policy>",
        "</SASResponse>"
    );
    let ex =
        provision_against(ResponseTemplate::new(200).set_body_raw(body, "text/xml; charset=utf-8"))
            .await;
    assert_eq!(ex.outcome, Outcome::Pass);
    assert_eq!(ex.device_id(), Some("0123456789abcdef0123456789abcdef"));
    assert_eq!(ex.app_message(), DEVICE_PROVISIONED);
    assert_eq!(ex.content_type.as_deref(), Some("text/xml; charset=utf-8"));
    let policies = &ex.reply.as_ref().unwrap().policies;
    assert_eq!(
        policies,
        &[("AllowPinEntry".to_string(), "OFF".to_string())]
    );
}

#[tokio::test]
async fn a_5_mb_body_is_cut_at_the_limit_and_judged_malformed() {
    let mut body = b"<SASResponse><Result>PASS</Result><Junk>".to_vec();
    body.resize(5 * 1024 * 1024, b'x');
    let ex = provision_against(ResponseTemplate::new(200).set_body_bytes(body)).await;
    assert!(
        matches!(&ex.outcome, Outcome::Malformed(why) if why.contains("limit")),
        "{:?}",
        ex.outcome
    );
    let limit = ClientOptions::default().max_body_bytes;
    assert!(ex.response_bytes >= limit, "{}", ex.response_bytes);
    assert!(ex.response_bytes <= 5 * 1024 * 1024);
    // 8 KiB kept, plus the note saying how much was left out.
    assert!(ex.response_body.len() <= 8 * 1024 + 64);
    assert!(ex.response_body.ends_with("more bytes not shown]"));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let ep = Endpoint::new(format!("http://127.0.0.1:{port}/pinsafe"));
    let ex = tokio::time::timeout(BOUND, client().provision(&ep, "alice", "x"))
        .await
        .unwrap();
    assert!(ex.outcome.is_transport(), "{ex:?}");
    assert_eq!(ex.status, None);
    assert_eq!(ex.app_message(), SERVER_CONNECTION);
}

#[tokio::test]
async fn an_empty_username_is_not_sent() {
    let (server, ep) = mock_node(ResponseTemplate::new(200)).await;
    let ex = client().provision(&ep, "  ", "code").await;
    assert_eq!(ex.outcome.key(), "NOT-SENT");
    assert_eq!(ex.app_message(), USER_NOT_SET);
    let ex = client().security_strings(&ep, "", "dev").await;
    assert_eq!(ex.app_message(), USER_NOT_SET);
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---- against the real reference server ----

async fn reference_server() -> RunningCluster {
    reference_server_with(None).await
}

async fn reference_server_with(tls: Option<TlsSource>) -> RunningCluster {
    cluster::start(ClusterConfig {
        users: default_users().expect("default users load"),
        tls,
        ..ClusterConfig::loopback(CoreConfig::default(), Arc::new(ManualClock::fixed()), "t")
    })
    .await
    .expect("reference server starts")
}

fn node(cluster: &RunningCluster) -> Endpoint {
    Endpoint::new(format!("{}/pinsafe", cluster.node_urls[0])).with_node(1)
}

/// Reprovisions `user` through the core and reads the code from the outbox.
fn issue_code(cluster: &RunningCluster, user: &str) -> String {
    cluster
        .core
        .admin_reprovision(1, user)
        .expect("reprovision accepted");
    cluster
        .core
        .outbox(Some(user), 10)
        .into_iter()
        .rev()
        .find_map(|m| m.code)
        .expect("a provision code in the outbox")
}

/// What a real app does (protocol.md §9): Site ID lookup, then the endpoint built from
/// exactly what it returned, lowercase provision, strings by device id alone, the OTC of
/// the string at position 5.
#[tokio::test]
async fn full_provisioning_flow_against_the_reference_server() {
    let cluster = reference_server().await;
    let client = client();
    let root = node(&cluster).root_url();
    let (ssd, resolved) = client.resolve_site(&root, "HARNESS01").await;
    assert_eq!(ssd.outcome, Outcome::Pass, "{ssd:?}");
    assert!(
        ssd.url.contains("/ssdserver/getServerDetails?id=HARNESS01"),
        "{}",
        ssd.url
    );
    let ep = resolved.expect("the SSD names an endpoint");
    assert_eq!(ep.base_url, node(&cluster).base_url);
    let code = issue_code(&cluster, "alice");

    assert_eq!(client.ping(&ep).await.outcome, Outcome::Pass);

    let provision = client.provision(&ep, "alice", &code).await;
    assert!(
        provision
            .request_body
            .contains("<Action>provision</Action>")
    );
    assert!(!provision.request_body.contains("DeviceOS"));
    assert!(!provision.request_body.starts_with("<?xml"));
    assert_eq!(provision.outcome, Outcome::Pass, "{provision:?}");
    assert_eq!(provision.app_message(), DEVICE_PROVISIONED);
    let device = provision.device_id().unwrap().to_string();
    assert_eq!(device.len(), 32, "{device}");
    assert!(device.chars().all(|c| c.is_ascii_hexdigit()), "{device}");

    let strings = client.security_strings(&ep, "alice", &device).await;
    assert_eq!(strings.outcome, Outcome::Pass, "{strings:?}");
    assert!(
        !strings.request_body.contains("Username"),
        "{}",
        strings.request_body
    );
    let text = strings.strings_text().unwrap();
    let profile = client.profile();
    assert_eq!(check_layout(text, profile, 99, 10), Ok(()));

    let string5 = string_for_index(text, 5, profile).unwrap();
    assert!(string5.ends_with("05"));
    let otc = app_otc("3759", string5, 5).unwrap();
    assert_eq!(otc_for("3759", string5), Some(otc.clone()));
    let login = client.agent_login(&ep, SECRET, "alice", &otc).await;
    assert_eq!(login.outcome, Outcome::Pass, "{login:?}");
    let again = client.agent_login(&ep, SECRET, "alice", &otc).await;
    assert_eq!(again.outcome.key(), "FAIL:AGENT_ERROR_BAD_OTC");

    let ssd = client.ssd_lookup(&ep.root_url(), "HARNESS01").await;
    assert_eq!(ssd.outcome, Outcome::Pass, "{ssd:?}");
    let settings = ssd.reply.as_ref().and_then(|r| r.ssd.clone()).unwrap();
    let port: u16 = cluster.node_urls[0]
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(settings.port, port);
    assert_eq!(settings.context, "pinsafe");

    let index = client.token_index(&ep, "alice", &device).await;
    assert_eq!(index.outcome, Outcome::Pass, "{index:?}");
    assert_eq!(index.token_index(), Some(1));

    tokio::time::timeout(BOUND, cluster.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn refusals_from_the_reference_server_map_to_app_messages() {
    let cluster = reference_server().await;
    let ep = node(&cluster);
    let client = client();

    let unknown = client.provision(&ep, "nobody", "1234567890").await;
    assert_eq!(unknown.outcome.key(), "FAIL:LOG_USER_NOT_FOUND");
    assert_eq!(unknown.app_message(), INVALID_USERNAME);

    // Markup in a username is escaped: the server reads a username, not broken XML.
    let hostile = client.provision(&ep, "a<b&\"c", "1234567890").await;
    assert_eq!(
        hostile.outcome.key(),
        "FAIL:LOG_USER_NOT_FOUND",
        "{hostile:?}"
    );

    issue_code(&cluster, "bob");
    let wrong = client.provision(&ep, "bob", "0000000000").await;
    assert_eq!(wrong.outcome.key(), "FAIL:PROVISION_FAILURE");
    assert_eq!(wrong.app_message(), INVALID_PROVISION_CODE);

    let code = issue_code(&cluster, "carol");
    let carol = client.provision(&ep, "carol", &code).await;
    assert_eq!(carol.outcome, Outcome::Pass, "{carol:?}");
    let refused = client
        .security_strings(&ep, "carol", carol.device_id().unwrap())
        .await;
    assert_eq!(refused.outcome.key(), "FAIL:NO_MOBILE_RIGHT");
    assert_eq!(refused.app_message(), ERROR_DOWNLOADING_STRINGS);

    let unbound = client.token_index(&ep, "bob", "not-a-device").await;
    assert_eq!(
        unbound.outcome.key(),
        "FAIL:DEVICE_NOT_PROVISIONED",
        "{unbound:?}"
    );

    let ssd = client.ssd_lookup(&ep.root_url(), "NOPE").await;
    assert_eq!(ssd.outcome.key(), "FAIL:UNKNOWN_SERVER_ID");
    assert_eq!(
        ssd.status,
        Some(200),
        "mobile-3.6: a refusal is responseCode 1 in a 200"
    );
    assert_eq!(ssd.app_message(), UNKNOWN_SERVER_ID);

    // Self-provisioning is off by default (SP-1).
    let sp = client.self_provision(&ep, "alice").await;
    assert_eq!(sp.outcome.key(), "FAIL:SELF_PROVISION_REFUSED", "{sp:?}");

    let qr = client
        .qr_code(
            &ep,
            "http://smc.swivelsecure.com/smc/complete/HARNESS01/alice/x",
        )
        .await;
    assert_eq!(qr.outcome, Outcome::Pass, "{qr:?}");

    let not_xml = client.raw_agent_xml(&ep, b"hello".to_vec()).await;
    assert_eq!(not_xml.status, Some(415));
    assert_eq!(not_xml.outcome.key(), "FAIL:BAD_REQUEST");

    let no_secret = client.agent_login(&ep, "wrong", "alice", "123401").await;
    assert_eq!(
        no_secret.outcome.key(),
        "FAIL:AGENT_ERROR_NO_SECURITY_AGENT"
    );

    let landing = client
        .get(&format!("{}/smc/complete/HARNESS01/alice/x", ep.root_url()))
        .await;
    assert_eq!(landing.outcome, Outcome::Pass);
    let missing = client.get(&format!("{}/nowhere", ep.root_url())).await;
    assert_eq!(missing.outcome, Outcome::Http(404));

    tokio::time::timeout(BOUND, cluster.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn https_with_a_pinned_ca_or_insecure_and_refused_otherwise() {
    let cluster = reference_server_with(Some(TlsSource::self_signed_localhost())).await;
    let ep = node(&cluster);
    assert!(ep.base_url.starts_with("https://"), "{}", ep.base_url);
    let pem = cluster
        .cert_pem
        .clone()
        .expect("a TLS cluster serves a certificate");

    let pinned = client_with(ClientOptions {
        ca_cert_pem: Some(pem.into_bytes()),
        ..ClientOptions::default()
    });
    assert_eq!(pinned.ping(&ep).await.outcome, Outcome::Pass);

    let insecure = client_with(ClientOptions {
        insecure: true,
        ..ClientOptions::default()
    });
    assert_eq!(insecure.ping(&ep).await.outcome, Outcome::Pass);

    // A self-signed certificate is not trusted by default: no reply, as the app sees it.
    let strict = client().ping(&ep).await;
    assert!(strict.outcome.is_transport(), "{strict:?}");
    assert_eq!(strict.app_message(), SERVER_CONNECTION);

    tokio::time::timeout(BOUND, cluster.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_ca_that_is_not_pem_is_refused_and_an_invalid_url_is_a_transport_error() {
    let bad = MobileClient::new(
        Arc::new(WireProfile::default_profile()),
        ClientOptions {
            ca_cert_pem: Some(b"not a certificate".to_vec()),
            ..ClientOptions::default()
        },
    );
    assert!(bad.is_err());

    let ex = client().ping(&Endpoint::new("not a url")).await;
    assert!(ex.outcome.is_transport(), "{ex:?}");
    assert_eq!(ex.status, None);
}
