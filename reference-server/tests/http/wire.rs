//! The default wire, `mobile-3.6` (protocol.md §9), over HTTP: the app's provision
//! request as it really is (WIRE-1, WIRE-2), strings by `<Id>` alone in the SS-3 layout
//! (SS-2, WIRE-3, WIRE-4), TokenIndex by username, policies as attributes (WIRE-6), the
//! Site ID lookup of §9 (WIRE-5), and profiles with other names and paths, including a
//! configurable request root under hostile input.

use reqwest::StatusCode;
use serde_json::json;
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, ClusterError};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::profile::WireProfile;
use swivel_reference_server::transport::TlsSource;

use crate::support::{
    ALICE_PIN, Opts, SITE_ID, Server, is_hex, otc, sas, start, start_default, tag,
};

const MOBILE_LOG7: &str = "Mobile request from unknown user; the user needs to reprovision";

/// POSTs `body` as the app does: `application/xml; charset=utf-8`.
async fn post_as_app(s: &Server, body: &str) -> crate::support::Reply {
    s.post_to(&s.agent_url(1, "pinsafe"), body.to_string())
        .await
}

#[tokio::test]
async fn wire1_the_apps_provision_request_passes() {
    let s = start_default().await;
    assert_eq!(
        s.profile.requests.content_type,
        "application/xml; charset=utf-8"
    );
    let code = s.issue_code("alice", 1).await;
    // Exactly protocol.md §9: no prolog, lowercase action, no <DeviceOS>, no secret.
    let body = format!(
        "<SASRequest><Version>3.6</Version><Action>provision</Action><Username>alice</Username><ProvisionCode>{code}</ProvisionCode></SASRequest>"
    );
    let reply = post_as_app(&s, &body).await;
    reply.assert_pass();
    assert!(is_hex(reply.id().unwrap_or_default(), 32), "{reply:?}");
    assert!(!reply.body.contains(&code), "PC-2: {reply:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn wire2_the_capitalised_alias_passes_and_other_spellings_do_not() {
    let s = start_default().await;
    let code = s.issue_code("alice", 1).await;
    let alias = sas(&[
        ("Action", "Provision"),
        ("Username", "alice"),
        ("ProvisionCode", &code),
    ]);
    post_as_app(&s, &alias).await.assert_pass();
    let code = s.issue_code("alice", 1).await;
    let shouting = sas(&[
        ("Action", "PROVISION"),
        ("Username", "alice"),
        ("ProvisionCode", &code),
    ]);
    let reply = post_as_app(&s, &shouting).await;
    reply.assert_fail("BAD_REQUEST");
    assert_eq!(
        reply.message().unwrap_or_default(),
        "unknown Action 'PROVISION'; this server knows provision, Provision, SecurityStrings, login and ping"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn content_type_is_not_judged_but_a_body_that_is_not_xml_is_415() {
    let s = start_default().await;
    for content_type in [
        "application/xml; charset=utf-8",
        "application/xml",
        "text/xml; charset=utf-8",
        "text/plain",
    ] {
        for body in [
            sas(&[("Action", "ping")]),
            crate::support::sas_with_prolog(&[("Action", "ping")]),
        ] {
            let response = s
                .http
                .post(s.agent_url(1, "pinsafe"))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{content_type}");
            assert!(
                response
                    .text()
                    .await
                    .unwrap()
                    .contains("<Result>PASS</Result>")
            );
        }
    }
    let response = s
        .http
        .post(s.agent_url(1, "pinsafe"))
        .header("content-type", "application/xml; charset=utf-8")
        .body("Action=provision&Username=alice")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    s.shutdown().await;
}

#[tokio::test]
async fn ss3_strings_by_id_alone_put_index_i_at_position_i() {
    let s = start_default().await;
    let device = s.provisioned("alice").await;
    let reply = s
        .post_xml(1, &sas(&[("Action", "SecurityStrings"), ("Id", &device)]))
        .await;
    reply.assert_pass();
    let positions = reply.positions();
    assert_eq!(positions.len(), 100);
    assert_eq!(positions[0], "");
    for (i, p) in positions.iter().enumerate().skip(1) {
        assert_eq!(p.len(), 12, "position {i}: {p:?}");
        assert_eq!(p[10..], format!("{i:02}"), "position {i}");
        assert!(p[..10].bytes().all(|b| b.is_ascii_digit()), "{p}");
    }
    assert_eq!(reply.policy_count(), 4);
    assert_eq!(
        s.log_texts().await.last().unwrap(),
        "Security strings fetched for user alice"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn otc1_an_otc_from_position_5_logs_in_once() {
    let s = start_default().await;
    let device = s.provisioned("alice").await;
    let positions = s.strings_by_id(1, &device).await.positions();
    let fifth = &positions[5];
    // OTC-1 on the string at position 5, then its index as the client knows it: 05.
    let digits: String = otc(std::slice::from_ref(fifth), 1, ALICE_PIN)
        .chars()
        .take(ALICE_PIN.len())
        .collect();
    let code = format!("{digits}05");
    s.login(1, "alice", &code).await.assert_pass();
    s.login(1, "alice", &code)
        .await
        .assert_fail("AGENT_ERROR_BAD_OTC");
    s.shutdown().await;
}

#[tokio::test]
async fn ss2_a_username_beside_the_id_must_be_the_bound_user() {
    let s = start_default().await;
    let alice = s.provisioned("alice").await;
    s.provisioned("bob").await;
    s.strings_named(1, "bob", &alice)
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    assert_eq!(s.log_texts().await.last().unwrap(), MOBILE_LOG7);
    s.strings_named(1, "nobody", &alice)
        .await
        .assert_fail("LOG_USER_NOT_FOUND");
    assert_eq!(s.log_texts().await.last().unwrap(), MOBILE_LOG7);
    // The bound user may name themselves.
    let named = s.strings_named(1, "alice", &alice).await;
    named.assert_pass();
    assert_eq!(named.positions().len(), 100);
    s.shutdown().await;
}

#[tokio::test]
async fn dev2_an_unbound_or_invented_id_alone_is_refused_with_log7() {
    let s = start_default().await;
    let old = s.provisioned("alice").await;
    s.provisioned("alice").await;
    for id in [old.as_str(), &"0".repeat(32), "not-a-device"] {
        s.strings_by_id(1, id)
            .await
            .assert_fail("DEVICE_NOT_PROVISIONED");
        assert_eq!(s.log_texts().await.last().unwrap(), MOBILE_LOG7);
    }
    // No <Id> at all is a bad request.
    let reply = s.post_xml(1, &sas(&[("Action", "SecurityStrings")])).await;
    reply.assert_fail("BAD_REQUEST");
    assert!(
        reply.message().unwrap_or_default().contains("<Id>"),
        "{reply:?}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn token_index_by_username_alone_answers_for_the_bound_device() {
    let s = start_default().await;
    let device = s.provisioned("alice").await;
    let before = s.token_index_by_user(1, "alice").await;
    assert_eq!(before.status, StatusCode::CONFLICT, "{before:?}");
    assert!(before.body.starts_with("NO_STRINGS"), "{before:?}");
    let strings = s.strings_by_id(1, &device).await.strings();
    let first = s.token_index_by_user(1, "alice").await;
    assert_eq!((first.status, first.body.as_str()), (StatusCode::OK, "1"));
    s.login(1, "alice", &otc(&strings, 1, ALICE_PIN))
        .await
        .assert_pass();
    let second = s.token_index_by_user(1, "alice").await;
    assert_eq!(second.body, "2");
    // An id given as well must be the bound device's.
    assert_eq!(s.token_index(1, "alice", &device).await.body, "2");
    let other = s.token_index(1, "alice", &"0".repeat(32)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(
        other.body.starts_with("DEVICE_NOT_PROVISIONED"),
        "{other:?}"
    );
    let unprovisioned = s.token_index_by_user(1, "bob").await;
    assert_eq!(unprovisioned.status, StatusCode::FORBIDDEN);
    assert!(unprovisioned.body.starts_with("DEVICE_NOT_PROVISIONED"));
    let unknown = s.token_index_by_user(1, "nobody").await;
    assert!(
        unknown.body.starts_with("LOG_USER_NOT_FOUND"),
        "{unknown:?}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn wire6_policies_travel_as_attributes_with_their_values() {
    let s = start_default().await;
    let (status, _) = s
        .put_policies(json!({"mobile_client": {"allow_pin_entry": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let code = s.issue_code("alice", 1).await;
    let provisioned = s.provision(1, "alice", &code).await;
    let strings = s.strings_by_id(1, provisioned.id().unwrap()).await;
    for reply in [&provisioned, &strings] {
        reply.assert_pass();
        assert!(reply.body.contains(
            r#"<Policies><Policy id="AllowUserToEnterPIN" section="MobileClient" show="true">ON</Policy><Policy id="AllowUserToChooseExtraction" section="MobileClient" show="true">OFF</Policy>"#
        ), "{reply:?}");
        assert_eq!(reply.policy_count(), 4);
        assert!(!reply.body.contains("<Content>"), "{reply:?}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn wire5_the_site_id_lookup_answers_in_the_shape_of_section_9() {
    let s = start(Opts::cluster(2, false)).await;
    let response = s
        .http
        .get(format!(
            "{}/ssdserver/getServerDetails?id={SITE_ID}",
            s.node_url(2)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let port = s.node_port(1);
    assert_eq!(
        body,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><getServerDetailsResponse><responseCode>0</responseCode><SSDetails><hostname>127.0.0.1</hostname><usingSSL>NO</usingSSL><pushSupport>NO</pushSupport><local>NO</local><pin>YES</pin><oath>NO</oath><port>{port}</port><connectionType>pinsafe</connectionType></SSDetails></getServerDetailsResponse>"
        )
    );
    let unknown = s.ssd_lookup(1, "NOPE").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(tag(&unknown.body, "responseCode"), Some("1"));
    assert_eq!(
        tag(&unknown.body, "errorDescription"),
        Some("unknown Site ID 'NOPE'")
    );
    assert!(tag(&unknown.body, "SSDetails").is_none());
    s.shutdown().await;
}

/// mobile-3.6 with other names: a request root, an element, an error spelling, the
/// Agent-XML and SSD paths, and the TokenIndex parameter.
fn renamed() -> WireProfile {
    let mut p = WireProfile::default_profile();
    p.name = "renamed".into();
    p.elements.request_root = "MobileRequest".into();
    p.elements.username = "User".into();
    p.errors.provision_failure = "E_PROVISION".into();
    p.paths.agent_xml = "/mobile/api".into();
    p.paths.token_index_username_param = "user".into();
    p.ssd.path = "/lookup/site".into();
    p
}

fn mobile_request(fields: &[(&str, &str)]) -> String {
    sas(fields).replace("SASRequest>", "MobileRequest>")
}

#[tokio::test]
async fn a_profile_with_other_names_and_paths_is_served_in_them() {
    let s = start(Opts::default().with_wire(renamed())).await;
    let url = format!("{}/proxy/mobile/api", s.node_url(1));
    let wrong = s
        .post_to(
            &url,
            mobile_request(&[
                ("Action", "provision"),
                ("User", "alice"),
                ("ProvisionCode", "WRONGCODE1"),
            ]),
        )
        .await;
    wrong.assert_fail("E_PROVISION");
    let code = s.issue_code("alice", 1).await;
    let right = s
        .post_to(
            &url,
            mobile_request(&[
                ("Action", "provision"),
                ("User", "alice"),
                ("ProvisionCode", &code),
            ]),
        )
        .await;
    right.assert_pass();
    let index = s
        .http
        .get(format!("{}/pinsafe/TokenIndex?user=alice", s.node_url(1)))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), StatusCode::CONFLICT);
    let site = s.get(1, &format!("/lookup/site?id={SITE_ID}")).await;
    assert_eq!(tag(&site.body, "responseCode"), Some("0"));
    // The default paths are not served.
    assert_eq!(
        s.get(1, "/pinsafe/AgentXML").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(1, &format!("/ssdserver/getServerDetails?id={SITE_ID}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let health = s.control_get("/control/health").await;
    assert_eq!(health["wire_profile"], "renamed");
    s.shutdown().await;
}

#[tokio::test]
async fn hostile_input_is_refused_cleanly_with_a_configurable_root() {
    let s = start(Opts::default().with_wire(renamed())).await;
    let url = format!("{}/pinsafe/mobile/api", s.node_url(1));
    let ping = mobile_request(&[("Action", "ping")]);
    s.post_to(&url, ping.clone()).await.assert_pass();

    let wrong_root = s.post_to(&url, sas(&[("Action", "ping")])).await;
    wrong_root.assert_fail("BAD_REQUEST");
    assert_eq!(
        wrong_root.message().unwrap_or_default(),
        "root element is <SASRequest>, expected <MobileRequest>"
    );
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE MobileRequest [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><MobileRequest><Action>ping</Action><User>&b;</User></MobileRequest>";
    let reply = s.post_to(&url, bomb).await;
    reply.assert_fail("BAD_REQUEST");
    assert!(reply.message().unwrap_or_default().contains("DOCTYPE"));
    for cut in [ping.len() / 2, ping.len() - 1] {
        s.post_to(&url, ping[..cut].to_string())
            .await
            .assert_fail("BAD_REQUEST");
    }
    let nested = s
        .post_to(
            &url,
            "<MobileRequest><Action>ping<X/></Action></MobileRequest>",
        )
        .await;
    nested.assert_fail("BAD_REQUEST");
    let repeated = s
        .post_to(
            &url,
            mobile_request(&[("Action", "ping"), ("Action", "ping")]),
        )
        .await;
    repeated.assert_fail("BAD_REQUEST");
    let binary = s.post_to(&url, vec![0xFFu8, 0xFE, 0x00]).await;
    assert_eq!(binary.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    s.post_to(&url, ping).await.assert_pass();
    s.shutdown().await;
}

#[tokio::test]
async fn a_profile_whose_paths_collide_does_not_start() {
    let mut profile = WireProfile::default_profile();
    profile.paths.qr_code = profile.paths.token_index.clone();
    let config = ClusterConfig {
        wire_profile: profile,
        ..ClusterConfig::loopback(
            CoreConfig::default(),
            std::sync::Arc::new(ManualClock::fixed()),
            "token",
        )
    };
    match cluster::start(config).await {
        Err(ClusterError::Routes { profile, source }) => {
            assert_eq!(profile, "mobile-3.6");
            assert!(source.to_string().contains("paths.qr_code"), "{source}");
        }
        Err(other) => panic!("expected a route error, got {other}"),
        Ok(running) => {
            running.shutdown().await;
            panic!("a profile with colliding paths started");
        }
    }
}

#[tokio::test]
async fn wire5_using_ssl_is_yes_when_the_node_serves_https() {
    let config = ClusterConfig {
        tls: Some(TlsSource::self_signed_localhost()),
        ..ClusterConfig::loopback(
            CoreConfig::default(),
            std::sync::Arc::new(ManualClock::fixed()),
            "token",
        )
    };
    let running = cluster::start(config).await.expect("the cluster starts");
    let pem = running.cert_pem.clone().expect("a served certificate");
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(crate::support::NET_BOUND);
    for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes()).expect("PEM") {
        builder = builder.add_root_certificate(cert);
    }
    let client = builder.build().expect("the client builds");
    let node = running.node_urls[0].clone();
    assert!(node.starts_with("https://"), "{node}");
    let body = client
        .get(format!("{node}/ssdserver/getServerDetails?id={SITE_ID}"))
        .send()
        .await
        .expect("the node answered")
        .text()
        .await
        .expect("the body was read");
    assert!(body.contains("<usingSSL>YES</usingSSL>"), "{body}");
    running.shutdown().await;
}
