//! The earlier spelling, `agentxml-3.6`, over HTTP: the important flows still work for
//! servers and clients of that profile (`Provision` with a prolog and `<DeviceOS>`,
//! strings by `<Username>` and `<Id>` packed from position 0, `<Policy><Id>` policies,
//! TokenIndex with both parameters, the SSD at `/ssd/lookup`), and the mobile-3.6
//! spellings are refused there.

use reqwest::StatusCode;

use crate::support::{AGENTXML, ALICE_PIN, Opts, SITE_ID, Server, otc, sas, start, tag};

async fn agentxml() -> Server {
    start(Opts::default().with_profile(AGENTXML)).await
}

#[tokio::test]
async fn acceptance_flow_in_the_earlier_spelling() {
    let s = agentxml().await;
    assert_eq!(s.profile.requests.content_type, "text/xml; charset=utf-8");
    let code = s.issue_code("alice", 1).await;
    let body = s.provision_xml("alice", &code);
    assert!(
        body.starts_with("<?xml")
            && body.contains("<Action>Provision</Action><Username>alice</Username>")
    );
    assert!(body.contains("<DeviceOS>"), "{body}");
    let provisioned = s.provision(1, "alice", &code).await;
    provisioned.assert_pass();
    assert_eq!(
        provisioned.body.matches("<Policy><Id>").count(),
        4,
        "{provisioned:?}"
    );
    assert!(!provisioned.body.contains("<Policies>"));
    let device = provisioned.id().unwrap().to_string();

    let download = s.strings(1, "alice", &device).await;
    download.assert_pass();
    // Packed: 99 positions, index 01 at position 0.
    let positions = download.positions();
    assert_eq!(positions.len(), 99);
    for (i, p) in positions.iter().enumerate() {
        assert_eq!(p[10..], format!("{:02}", i + 1));
    }
    s.login(1, "alice", &otc(&positions, 5, ALICE_PIN))
        .await
        .assert_pass();
    s.login(1, "alice", &otc(&positions, 5, ALICE_PIN))
        .await
        .assert_fail("AGENT_ERROR_BAD_OTC");
    let index = s.token_index(1, "alice", &device).await;
    assert_eq!((index.status, index.body.as_str()), (StatusCode::OK, "1"));
    s.shutdown().await;
}

#[tokio::test]
async fn the_lowercase_provision_of_mobile_apps_is_an_unknown_action() {
    let s = agentxml().await;
    let code = s.issue_code("alice", 1).await;
    let reply = s
        .post_xml(
            1,
            &sas(&[
                ("Action", "provision"),
                ("Username", "alice"),
                ("ProvisionCode", &code),
            ]),
        )
        .await;
    reply.assert_fail("BAD_REQUEST");
    assert_eq!(
        reply.message().unwrap_or_default(),
        "unknown Action 'provision'; this server knows Provision, SecurityStrings, login and ping"
    );
    // The refusal touched nothing: the code still provisions.
    s.provision(1, "alice", &code).await.assert_pass();
    s.shutdown().await;
}

#[tokio::test]
async fn strings_need_the_username_there() {
    let s = agentxml().await;
    let device = s.provisioned("alice").await;
    let log_before = s.log_texts().await.len();
    let reply = s.strings_by_id(1, &device).await;
    reply.assert_fail("BAD_REQUEST");
    assert_eq!(
        reply.message().unwrap_or_default(),
        "required element <Username> is missing"
    );
    assert_eq!(s.log_texts().await.len(), log_before);
    // SS-2 as before: another user's device is refused.
    s.provisioned("bob").await;
    s.strings(1, "bob", &device)
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    s.shutdown().await;
}

#[tokio::test]
async fn token_index_needs_both_parameters_there() {
    let s = agentxml().await;
    s.with_strings("alice").await;
    let reply = s.token_index_by_user(1, "alice").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, "BAD_REQUEST: username and id are required\n");
    s.shutdown().await;
}

#[tokio::test]
async fn the_site_id_lookup_is_at_ssd_lookup_there() {
    let s = agentxml().await;
    let found = s.ssd_lookup(1, SITE_ID).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.result(), Some("PASS"));
    assert_eq!(tag(&found.body, "Host"), Some("127.0.0.1"));
    assert_eq!(tag(&found.body, "SSL"), Some("false"));
    assert!(tag(&found.body, "pin").is_none(), "{found:?}");
    let unknown = s.ssd_lookup(1, "NOPE").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error(), Some("UNKNOWN_SERVER_ID"));
    let mobile_path = s
        .get(1, &format!("/ssdserver/getServerDetails?id={SITE_ID}"))
        .await;
    assert_eq!(mobile_path.status, StatusCode::NOT_FOUND);
    s.shutdown().await;
}

#[tokio::test]
async fn clusters_and_contexts_work_there_too() {
    let s = start(Opts::cluster(2, false).with_profile(AGENTXML)).await;
    let device = s.provisioned("alice").await;
    // CL-3 through another node and another context.
    let strings = s
        .post_to(
            &s.agent_url(2, "sentry"),
            s.request(&[
                ("Action", "SecurityStrings"),
                ("Username", "alice"),
                ("Id", &device),
            ]),
        )
        .await;
    strings.assert_pass();
    assert_eq!(strings.strings().len(), 99);
    // CL-1: node 2 does not know node 1's code.
    let code = s.issue_code("bob", 1).await;
    s.provision(2, "bob", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.shutdown().await;
}
