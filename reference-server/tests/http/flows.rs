//! End-to-end flows over HTTP, named after the rule IDs of protocol.md they exercise:
//! the acceptance flow (PC-1, PC-2, PC-5, CL-1, SS-1, SS-3, OTC-1, LOG-6), the cluster
//! rules, expiry, the Mobile Client right, unknown users, contexts, SSD, self-service,
//! QR code, landing page and the complete URL.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{ALICE_PIN, Opts, SECRET, SITE_ID, is_hex, otc, sas, start, start_default};

/// LOG-6 text for `user`.
fn log6(user: &str) -> String {
    format!(
        "User \"{user}\" provision failed, A valid session could not be loaded or created for the user."
    )
}

#[tokio::test]
async fn acceptance_flow_two_nodes_without_sharing() {
    let s = start(Opts::cluster(2, false)).await;
    let (status, created) = s
        .create_user(json!({
            "username": "dave",
            "pin": "2468",
            "mobile_client": true,
            "alert_transport": {"kind": "email", "destination": "dave@example.test"}
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["username"], "dave");

    // PC-1, PC-2: the code reaches the outbox, not the reply.
    let reply = s.reprovision("dave", 1).await;
    assert!(reply.get("code").is_none(), "{reply}");
    let code = s.outbox_code("dave").await;
    assert_eq!(code.len(), 10);

    let provisioned = s.provision(1, "dave", &code).await;
    provisioned.assert_pass();
    let device = provisioned.id().unwrap().to_string();
    assert!(is_hex(&device, 32), "device id {device:?}");

    // SS-3: 99 strings of 10 characters plus a two-digit index, 01..99 in order.
    let download = s.strings(1, "dave", &device).await;
    download.assert_pass();
    let strings = download.strings();
    assert_eq!(strings.len(), 99);
    for (i, string) in strings.iter().enumerate() {
        assert_eq!(string.len(), 12, "{string:?}");
        assert_eq!(&string[10..], format!("{:02}", i + 1));
    }

    // OTC-1: an OTC from a downloaded string logs in.
    s.login(1, "dave", &otc(&strings, 1, "2468"))
        .await
        .assert_pass();

    // PC-5 and CL-1: the used code fails on node 2 and again on node 1 (LOG-6).
    s.provision(2, "dave", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.provision(1, "dave", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    let entries = s.log_entries().await;
    assert!(
        entries
            .iter()
            .any(|e| e["text"] == log6("dave").as_str() && e["node"] == 2),
        "no LOG-6 line from node 2 in {entries:?}"
    );

    // SS-1: after a reprovision (new code, provision) an OTC from an old string fails.
    let code = s.issue_code("dave", 1).await;
    let reprovisioned = s.provision(1, "dave", &code).await;
    reprovisioned.assert_pass();
    assert_ne!(
        reprovisioned.id(),
        Some(device.as_str()),
        "DEV-1: a fresh device id"
    );
    s.login(1, "dave", &otc(&strings, 2, "2468"))
        .await
        .assert_fail("AGENT_ERROR_BAD_OTC");
    let fresh = s
        .strings(1, "dave", reprovisioned.id().unwrap())
        .await
        .strings();
    s.login(1, "dave", &otc(&fresh, 2, "2468"))
        .await
        .assert_pass();
    s.shutdown().await;
}

#[tokio::test]
async fn login_needs_the_agent_secret_but_ping_does_not() {
    let s = start_default().await;
    let (_, strings) = s.with_strings("alice").await;
    let otc1 = otc(&strings, 1, ALICE_PIN);
    let without = sas(&[("Action", "login"), ("Username", "alice"), ("OTC", &otc1)]);
    s.post_xml(1, &without)
        .await
        .assert_fail("AGENT_ERROR_NO_SECURITY_AGENT");
    let wrong = sas(&[
        ("Secret", "not-the-secret"),
        ("Action", "login"),
        ("Username", "alice"),
        ("OTC", &otc1),
    ]);
    s.post_xml(1, &wrong)
        .await
        .assert_fail("AGENT_ERROR_NO_SECURITY_AGENT");
    // The refused attempts did not use the string.
    s.login(1, "alice", &otc1).await.assert_pass();
    s.ping(1).await.assert_pass();
    assert!(!s.ping(1).await.body.contains(SECRET));
    s.shutdown().await;
}

#[tokio::test]
async fn request_id_is_echoed() {
    let s = start_default().await;
    let reply = s
        .post_xml(1, &sas(&[("RequestID", "req-42"), ("Action", "ping")]))
        .await;
    reply.assert_pass();
    assert_eq!(
        crate::support::tag(&reply.body, "RequestID"),
        Some("req-42")
    );
    let fail = s
        .post_xml(
            1,
            &sas(&[
                ("RequestID", "req-43"),
                ("Action", "provision"),
                ("Username", "alice"),
                ("ProvisionCode", "WRONGCODE1"),
            ]),
        )
        .await;
    fail.assert_fail("PROVISION_FAILURE");
    assert_eq!(crate::support::tag(&fail.body, "RequestID"), Some("req-43"));
    assert!(crate::support::tag(&s.ping(1).await.body, "RequestID").is_none());
    s.shutdown().await;
}

#[tokio::test]
async fn token_index_counts_used_strings() {
    let s = start_default().await;
    let (device, strings) = s.with_strings("alice").await;
    let first = s.token_index(1, "alice", &device).await;
    assert_eq!((first.status, first.body.as_str()), (StatusCode::OK, "1"));
    s.login(1, "alice", &otc(&strings, 1, ALICE_PIN))
        .await
        .assert_pass();
    let second = s.token_index(1, "alice", &device).await;
    assert_eq!((second.status, second.body.as_str()), (StatusCode::OK, "2"));
    // OTC-1: the string authenticates once.
    s.login(1, "alice", &otc(&strings, 1, ALICE_PIN))
        .await
        .assert_fail("AGENT_ERROR_BAD_OTC");
    // DEV-2: an unbound device id is refused.
    let other = s.token_index(1, "alice", &"0".repeat(32)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{other:?}");
    assert!(
        other.body.starts_with("DEVICE_NOT_PROVISIONED"),
        "{other:?}"
    );
    // mobile-3.6: the username alone answers for the bound device.
    let by_user = s.token_index_by_user(1, "alice").await;
    assert_eq!(
        (by_user.status, by_user.body.as_str()),
        (StatusCode::OK, "2")
    );
    let missing = s.get(1, "/pinsafe/TokenIndex?id=0").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(
        missing
            .body
            .starts_with("BAD_REQUEST: username is required"),
        "{missing:?}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn cl2_with_sharing_a_code_works_on_every_node_once() {
    let s = start(Opts::cluster(2, true)).await;
    let code = s.issue_code("alice", 1).await;
    s.provision(2, "alice", &code).await.assert_pass();
    s.provision(1, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.provision(2, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.shutdown().await;
}

#[tokio::test]
async fn cl1_without_sharing_a_code_stays_on_its_node() {
    let s = start(Opts::cluster(2, false)).await;
    let code = s.issue_code("alice", 2).await;
    s.provision(1, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    // PC-6 consumed node 1's pending code, not node 2's.
    s.provision(2, "alice", &code).await.assert_pass();
    s.shutdown().await;
}

#[tokio::test]
async fn cl3_device_provisioned_on_one_node_downloads_on_another() {
    let s = start(Opts::cluster(2, false)).await;
    let device = s.provisioned("alice").await;
    let download = s.strings(2, "alice", &device).await;
    download.assert_pass();
    assert_eq!(download.strings().len(), 99);
    s.login(2, "alice", &otc(&download.strings(), 5, ALICE_PIN))
        .await
        .assert_pass();
    s.shutdown().await;
}

#[tokio::test]
async fn pc4_code_valid_for_599_seconds_not_600() {
    let s = start_default().await;
    let code = s.issue_code("alice", 1).await;
    s.advance(599).await;
    s.provision(1, "alice", &code).await.assert_pass();

    let code = s.issue_code("alice", 1).await;
    s.advance(600).await;
    s.provision(1, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    assert_eq!(s.log_texts().await.last().unwrap(), &log6("alice"));
    s.shutdown().await;
}

#[tokio::test]
async fn pc4_validity_follows_the_policy() {
    let s = start_default().await;
    let (status, body) = s
        .put_policies(json!({"self_reset": {"provision_code_validity_secs": 10}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = s.issue_code("alice", 1).await;
    s.advance(9).await;
    s.provision(1, "alice", &code).await.assert_pass();
    let code = s.issue_code("alice", 1).await;
    s.advance(10).await;
    s.provision(1, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.shutdown().await;
}

#[tokio::test]
async fn ss5_user_without_mobile_right_gets_no_strings() {
    let s = start_default().await;
    let device = s.provisioned("carol").await;
    s.strings(1, "carol", &device)
        .await
        .assert_fail("NO_MOBILE_RIGHT");
    s.shutdown().await;
}

#[tokio::test]
async fn ss2_strings_only_for_the_bound_device_of_that_user() {
    let s = start_default().await;
    let alice_device = s.provisioned("alice").await;
    s.provisioned("bob").await;
    s.strings_named(1, "bob", &alice_device)
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    s.strings_named(1, "alice", "not-a-device")
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    s.strings_by_id(1, "not-a-device")
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    assert_eq!(
        s.log_texts().await.last().unwrap(),
        "Mobile request from unknown user; the user needs to reprovision"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn usr1_unknown_user_provision_fails_with_log7() {
    let s = start_default().await;
    s.provision(1, "nobody", "ABCDEFGHJK")
        .await
        .assert_fail("LOG_USER_NOT_FOUND");
    assert_eq!(
        s.log_texts().await,
        vec!["Mobile request from unknown user; the user needs to reprovision".to_string()]
    );
    s.shutdown().await;
}

#[tokio::test]
async fn usr2_login_for_unknown_user_logs_log8() {
    let s = start_default().await;
    s.login(1, "nobody", "123401")
        .await
        .assert_fail("LOG_USER_NOT_FOUND");
    assert_eq!(
        s.log_texts().await,
        vec![
            "AgentXML request failed, error: No suitable authentication method for the user \"nobody\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
                .to_string()
        ]
    );
    s.shutdown().await;
}

#[tokio::test]
async fn all_three_contexts_answer() {
    let s = start_default().await;
    for context in ["pinsafe", "proxy", "sentry"] {
        let reply = s
            .post_to(&s.agent_url(1, context), sas(&[("Action", "ping")]))
            .await;
        reply.assert_pass();
    }
    // A provision through one context and a download through another share one server.
    let code = s.issue_code("alice", 1).await;
    let reply = s
        .post_to(&s.agent_url(1, "sentry"), s.provision_xml("alice", &code))
        .await;
    reply.assert_pass();
    let strings = s
        .post_to(
            &s.agent_url(1, "proxy"),
            sas(&[("Action", "SecurityStrings"), ("Id", reply.id().unwrap())]),
        )
        .await;
    strings.assert_pass();
    // TokenIndex, the self-service page and the QR image answer under every context too.
    for context in ["pinsafe", "proxy", "sentry"] {
        let base = format!("{}/{context}", s.node_url(1));
        let index = s
            .http
            .get(format!("{base}/TokenIndex?username=alice"))
            .send()
            .await
            .unwrap();
        assert_eq!(index.status(), StatusCode::OK, "{context}");
        let form = s
            .http
            .get(format!("{base}/reset/provision.jsp"))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::OK, "{context}");
        let qr = s
            .http
            .get(format!("{base}/userportal/getQRCode?text=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(qr.status(), StatusCode::OK, "{context}");
    }
    assert_eq!(
        s.get(1, "/other/AgentXML").await.status,
        StatusCode::NOT_FOUND
    );
    s.shutdown().await;
}

#[tokio::test]
async fn ssd1_lookup_known_and_unknown_site_id() {
    let s = start(Opts::cluster(2, false)).await;
    let found = s.ssd_lookup(2, SITE_ID).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    let tag = |name| crate::support::tag(&found.body, name);
    assert_eq!(tag("responseCode"), Some("0"));
    assert_eq!(tag("port"), Some(s.node_port(1).to_string().as_str()));
    assert_eq!(tag("hostname"), Some("127.0.0.1"));
    assert_eq!(tag("connectionType"), Some("pinsafe"));
    assert_eq!(tag("usingSSL"), Some("NO"));

    let unknown = s.ssd_lookup(1, "NOPE").await;
    assert_eq!(unknown.status, StatusCode::OK, "{unknown:?}");
    assert_eq!(
        crate::support::tag(&unknown.body, "responseCode"),
        Some("1")
    );
    assert!(crate::support::tag(&unknown.body, "SSDetails").is_none());
    // No id at all is an unknown id; the old path is no SSD.
    let missing = s.get(1, "/ssdserver/getServerDetails").await;
    assert_eq!(
        crate::support::tag(&missing.body, "responseCode"),
        Some("1")
    );
    let old = s.get(1, "/ssd/lookup?id=HARNESS01").await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    s.shutdown().await;
}

#[tokio::test]
async fn sp1_self_service_page_follows_the_policy_and_never_shows_the_code() {
    let s = start_default().await;
    let refused = s.self_provision(1, "alice").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(s.outbox("alice").await.is_empty());

    let (status, body) = s
        .put_policies(json!({"self_reset": {"allow_self_provision": true}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent = s.self_provision(1, "alice").await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let code = s.outbox_code("alice").await;
    assert!(!sent.body.contains(&code), "PC-2: the page shows the code");

    // USR-3 on this page: an unknown user gets the same page.
    let unknown = s.self_provision(1, "nobody").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(unknown.body, sent.body);

    // The code from the outbox provisions.
    s.provision(1, "alice", &code).await.assert_pass();

    let form = s.get(1, "/pinsafe/reset/provision.jsp").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<form"), "{form:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn qr1_code_is_a_png_and_needs_text() {
    let s = start_default().await;
    let response = s
        .http
        .get(format!("{}/pinsafe/userportal/getQRCode", s.node_url(1)))
        .query(&[(
            "text",
            "http://smc.swivelsecure.com/smc/complete/HARNESS01/alice/ABCDEFGHJK",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "image/png"
    );
    let png = response.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");

    let missing = s.get(1, "/pinsafe/userportal/getQRCode").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    s.shutdown().await;
}

#[tokio::test]
async fn url2_landing_page_knows_the_site() {
    let s = start_default().await;
    let page = s
        .get(1, &format!("/smc/complete/{SITE_ID}/alice/ABCDEFGHJK"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.starts_with("<!DOCTYPE html>"), "{page:?}");
    assert!(page.body.contains("alice"));
    assert!(
        !page.body.contains("ABCDEFGHJK"),
        "the landing page shows the code"
    );
    let unknown = s.get(1, "/smc/complete/NOPE/alice/ABCDEFGHJK").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("Unknown Server ID"));
    s.shutdown().await;
}

#[tokio::test]
async fn url2_complete_url_policy_puts_the_url_in_the_message() {
    let s = start_default().await;
    let (status, body) = s
        .put_policies(json!({"self_reset": {"provision_message": "complete-url"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().unwrap();
    let code = message["code"].as_str().unwrap();
    let expected = format!("http://smc.swivelsecure.com/smc/complete/{SITE_ID}/alice/{code}");
    assert_eq!(message["url"], expected.as_str());
    assert!(message["body"].as_str().unwrap().contains(&expected));

    // URL-1: a Provision URL instead.
    let (status, _) = s
        .put_policies(json!({"self_reset": {"provision_message": "provision-url"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().unwrap();
    assert!(
        message["url"]
            .as_str()
            .unwrap()
            .starts_with("swivelsecure://provision/"),
        "{message}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn pc2_send_code_as_security_string_uses_the_string_transport() {
    let s = start_default().await;
    let (status, _) = s
        .put_policies(json!({"self_reset": {"send_code_as_security_string": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().unwrap();
    assert_eq!(message["transport"], "string");
    assert_eq!(message["destination"], "+447700900001");
    // erin has no string transport: the reprovision is refused and nothing is sent.
    let (status, body) = s
        .control_json(s.control(reqwest::Method::POST, "/control/users/erin/reprovision"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(s.outbox("erin").await.is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn pol1_policies_reach_the_client() {
    let s = start_default().await;
    let (status, _) = s
        .put_policies(json!({"mobile_client": {"allow_browse_strings": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(1, "alice", &code).await;
    reply.assert_pass();
    assert_eq!(reply.policy_count(), 4, "{reply:?}");
    assert!(
        reply.body.contains(
            r#"<Policy id="AllowUserToBrowseStrings" section="MobileClient" show="true">ON</Policy>"#
        ),
        "{reply:?}"
    );
    let strings = s.strings(1, "alice", reply.id().unwrap()).await;
    assert_eq!(strings.policy_count(), 4, "{strings:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn sp2_device_information_logged_only_when_policy_says_yes() {
    let s = start_default().await;
    let code = s.issue_code("alice", 1).await;
    s.provision_with_device_os(1, "alice", &code)
        .await
        .assert_pass();
    assert_eq!(
        s.log_texts().await.last().unwrap(),
        "User \"alice\" provisioned successfully"
    );
    let (status, _) = s
        .put_policies(json!({"self_reset": {"log_device_information": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The app sends no <DeviceOS>: there is nothing to log.
    s.provisioned("alice").await;
    assert_eq!(
        s.log_texts().await.last().unwrap(),
        "User \"alice\" provisioned successfully"
    );
    let code = s.issue_code("alice", 1).await;
    s.provision_with_device_os(1, "alice", &code)
        .await
        .assert_pass();
    assert_eq!(
        s.log_texts().await.last().unwrap(),
        "User \"alice\" provisioned successfully, device information: iOS 17.2"
    );
    s.shutdown().await;
}
