//! Admin XML (protocol.md §12) over HTTP, in the working shape of the default profile:
//! a user created through it provisions end to end, deletes remove, a wrong secret or a
//! malformed or hostile body changes nothing, Reprovision issues a code on the node that
//! received it (PC-1, LOG-1..LOG-4, CL-1), and a profile without the Reprovision element
//! answers it as unknown. The bodies are written here by hand, independently of the
//! harness's codec.

use std::sync::Arc;

use reqwest::StatusCode;
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::http::CONTEXTS;
use swivel_reference_server::profile::{AdminSection, WireProfile};

use super::support::{Opts, Reply, SECRET, Server, start, start_default};

/// A Create of `name` with PIN 1234, the Mobile Client right and e-mail transports.
fn create_xml(secret: &str, name: &str) -> String {
    format!(
        r#"<AdminRequest secret="{secret}" version="3.4"><Create><User name="{name}"><Credentials pin="1234"/><Rights mobile="true"/><Groups><Group name="MobileUsers"/></Groups><Transport alert="SMTP" string="SMTP"/><Attributes><Attribute name="email" value="{name}@example.test"/></Attributes></User></Create></AdminRequest>"#
    )
}

fn names_xml(secret: &str, element: &str, names: &[&str]) -> String {
    let users: String = names
        .iter()
        .map(|n| format!("<User name=\"{n}\"/>"))
        .collect();
    format!(
        "<AdminRequest secret=\"{secret}\" version=\"3.4\"><{element}>{users}</{element}></AdminRequest>"
    )
}

impl Server {
    /// `POST <node>/<context>/AdminXML`.
    async fn admin(&self, node: u16, context: &str, body: impl Into<reqwest::Body>) -> Reply {
        let url = format!("{}/{context}/AdminXML", self.node_url(node));
        self.post_to(&url, body).await
    }
}

/// `result="…"` (and `error="…"` when given) of user `name` in a reply.
fn user_result(reply: &Reply, name: &str) -> Option<String> {
    let start = reply.body.find(&format!("<User name=\"{name}\""))?;
    let element = &reply.body[start..start + reply.body[start..].find("/>")?];
    let attr = |a: &str| {
        let at = element.find(&format!(" {a}=\""))? + a.len() + 3;
        Some(element[at..at + element[at..].find('"')?].to_string())
    };
    Some(match attr("error") {
        Some(error) => format!("{} {error}", attr("result")?),
        None => attr("result")?,
    })
}

/// Whether the reply refuses the whole request (`<AdminResponse result="FAIL" …/>`).
fn refused(reply: &Reply) -> bool {
    reply.status == StatusCode::OK && reply.body.starts_with("<AdminResponse result=\"FAIL\"")
}

#[tokio::test]
async fn pc1_a_user_created_over_admin_xml_provisions_end_to_end_then_is_deleted() {
    let s = start_default().await;
    let reply = s.admin(1, "pinsafe", create_xml(SECRET, "dave")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        "<AdminResponse><User name=\"dave\" result=\"PASS\"/></AdminResponse>"
    );
    let view = s.cluster.core.user_view("dave").unwrap();
    assert!(view.mobile_client);
    assert_eq!(view.groups, ["MobileUsers"]);
    assert_eq!(
        view.alert_transport.map(|t| t.destination).as_deref(),
        Some("dave@example.test")
    );

    // The administrator's Reprovision over Admin XML, then the app's provision.
    let reply = s
        .admin(1, "pinsafe", names_xml(SECRET, "Reprovision", &["dave"]))
        .await;
    assert_eq!(
        user_result(&reply, "dave").as_deref(),
        Some("PASS"),
        "{reply:?}"
    );
    assert!(!reply.body.contains(&s.outbox_code("dave").await), "PC-2");
    let code = s.outbox_code("dave").await;
    let provisioned = s.provision(1, "dave", &code).await;
    provisioned.assert_pass();
    let device = provisioned.id().unwrap().to_string();
    let strings = s.strings(1, "dave", &device).await;
    strings.assert_pass();
    assert_eq!(strings.strings().len(), 99);

    let texts = s.log_texts().await;
    let expected = [
        "Provision code created for user \"dave\"",
        "Message added to message queue for user: dave, destination: dave@example.test.",
        "Message sent to user: dave, destination: dave@example.test.",
        "User \"dave\" can now reprovision their mobile device.",
        "User \"dave\" provisioned successfully",
        "Security strings fetched for user dave",
    ];
    assert_eq!(texts, expected);

    // Delete: gone, and a second delete fails for that user only.
    let reply = s
        .admin(1, "proxy", names_xml(SECRET, "Delete", &["dave", "bob"]))
        .await;
    assert_eq!(user_result(&reply, "dave").as_deref(), Some("PASS"));
    assert_eq!(user_result(&reply, "bob").as_deref(), Some("PASS"));
    let reply = s
        .admin(1, "sentry", names_xml(SECRET, "Delete", &["dave"]))
        .await;
    assert_eq!(
        user_result(&reply, "dave").as_deref(),
        Some("FAIL user &quot;dave&quot; does not exist")
    );
    s.provision(1, "dave", &code)
        .await
        .assert_fail("LOG_USER_NOT_FOUND");
    assert_eq!(s.cluster.core.user_count(), 3);
    s.shutdown().await;
}

#[tokio::test]
async fn every_context_answers_and_each_user_gets_its_own_result() {
    let s = start_default().await;
    for (i, context) in CONTEXTS.iter().enumerate() {
        let name = format!("u{i}");
        let reply = s.admin(1, context, create_xml(SECRET, &name)).await;
        assert_eq!(
            user_result(&reply, &name).as_deref(),
            Some("PASS"),
            "{context}"
        );
    }
    // Several users in one request: one exists, one has a bad PIN, one has no e-mail,
    // one names a transport the server does not know.
    let body = r#"<AdminRequest secret="swivel-harness-secret" version="3.4"><Create>
        <User name="alice"><Credentials pin="1111"/></User>
        <User name="frank"><Credentials pin="12"/></User>
        <User name="gina"><Credentials pin="2468"/><Rights mobile="true"/><Transport alert="SMTP"/></User>
        <User name="hal"><Credentials pin="2468"/><Transport alert="Carrier pigeon"/></User>
    </Create></AdminRequest>"#;
    let reply = s.admin(1, "pinsafe", body).await;
    assert_eq!(
        user_result(&reply, "alice").as_deref(),
        Some("FAIL user &quot;alice&quot; already exists")
    );
    assert_eq!(
        user_result(&reply, "frank").as_deref(),
        Some("FAIL PIN must be 4 to 10 digits")
    );
    assert_eq!(user_result(&reply, "gina").as_deref(), Some("PASS"));
    assert!(
        user_result(&reply, "hal")
            .is_some_and(|r| r.starts_with("FAIL unknown transport &quot;Carrier pigeon&quot;")),
        "{reply:?}"
    );
    // SMTP without an e-mail address: no transport, so a reprovision has nowhere to go.
    let reply = s
        .admin(
            1,
            "pinsafe",
            names_xml(SECRET, "Reprovision", &["gina", "nobody"]),
        )
        .await;
    assert_eq!(
        user_result(&reply, "gina").as_deref(),
        Some("FAIL user &quot;gina&quot; has no alert transport to deliver the provision code to")
    );
    assert_eq!(
        user_result(&reply, "nobody").as_deref(),
        Some("FAIL user &quot;nobody&quot; does not exist")
    );
    assert!(s.outbox("gina").await.is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_refused_and_changes_nothing() {
    let s = start_default().await;
    for body in [
        create_xml("not-the-secret", "dave"),
        create_xml("", "dave"),
        create_xml(SECRET, "dave").replace(&format!(" secret=\"{SECRET}\""), ""),
        names_xml("wrong", "Delete", &["alice"]),
        names_xml("wrong", "Reprovision", &["alice"]),
    ] {
        let reply = s.admin(1, "pinsafe", body.clone()).await;
        assert!(refused(&reply), "{body}: {reply:?}");
        assert!(
            reply.body.contains("missing or wrong agent secret"),
            "{reply:?}"
        );
    }
    assert_eq!(s.cluster.core.user_count(), 4);
    assert!(s.cluster.core.user_view("dave").is_err());
    assert!(s.outbox("alice").await.is_empty());
    assert!(s.log_texts().await.is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn malformed_and_hostile_bodies_get_a_clear_refusal() {
    let s = start_default().await;
    let deep = format!(
        "<AdminRequest secret=\"{SECRET}\">{}{}</AdminRequest>",
        "<Create>".repeat(20),
        "</Create>".repeat(20)
    );
    let cases: Vec<(String, &str)> = vec![
        ("<SASRequest/>".into(), "root element is &lt;SASRequest&gt;"),
        (
            format!(
                "<!DOCTYPE a [<!ENTITY x \"y\">]>{}",
                create_xml(SECRET, "dave")
            ),
            "DOCTYPE declarations are not accepted",
        ),
        (
            create_xml(SECRET, "dave").replace("dave@example.test", "&xxe;"),
            "entity &amp;xxe; is not defined",
        ),
        (deep, "nested more than 8 deep"),
        (
            create_xml(SECRET, "dave").replace("</AdminRequest>", ""),
            "truncated",
        ),
        (
            names_xml(SECRET, "Frobnicate", &["dave"]),
            "unknown request &lt;Frobnicate&gt;; this server knows Create, Delete, Reprovision",
        ),
        (
            format!("<AdminRequest secret=\"{SECRET}\"><Delete><User/></Delete></AdminRequest>"),
            "has no name attribute",
        ),
        (
            format!("<AdminRequest secret=\"{SECRET}\"/>"),
            "names no user",
        ),
    ];
    for (body, says) in cases {
        let reply = s.admin(1, "pinsafe", body.clone()).await;
        assert!(refused(&reply), "{body}: {reply:?}");
        assert!(reply.body.contains(says), "{body}: {reply:?}");
    }
    let not_xml = s.admin(1, "pinsafe", "hello").await;
    assert_eq!(not_xml.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!(
        "<AdminRequest secret=\"{SECRET}\"><Delete>{}</Delete></AdminRequest>",
        "<User name=\"x\"/>".repeat(10_000)
    );
    let too_large = s.admin(1, "pinsafe", huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let get = s
        .http
        .get(format!("{}/pinsafe/AdminXML", s.node_url(1)))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(s.cluster.core.user_view("dave").is_err());
    assert_eq!(s.cluster.core.user_count(), 4);
    s.assert_alive(1).await;
    s.shutdown().await;
}

#[tokio::test]
async fn cl1_reprovision_issues_the_code_on_the_node_that_received_it() {
    let s = start(Opts::cluster(2, false)).await;
    let reply = s
        .admin(2, "pinsafe", names_xml(SECRET, "Reprovision", &["alice"]))
        .await;
    assert_eq!(user_result(&reply, "alice").as_deref(), Some("PASS"));
    let code = s.outbox_code("alice").await;
    let entries = s.log_entries().await;
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e["node"] == 2), "{entries:?}");
    // Without session sharing the code lives on node 2 only; a failed attempt
    // consumes it (PC-6), so node 1 is tried with a second code.
    s.provision(2, "alice", &code).await.assert_pass();
    s.admin(2, "pinsafe", names_xml(SECRET, "Reprovision", &["alice"]))
        .await;
    let code = s.outbox_code("alice").await;
    s.provision(1, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.shutdown().await;
}

#[tokio::test]
async fn a_profile_without_reprovision_answers_it_as_unknown() {
    let mut profile = WireProfile::default_profile();
    profile.admin = Some(AdminSection {
        reprovision: None,
        ..AdminSection::default()
    });
    let s = start(Opts::default().with_wire(profile)).await;
    let reply = s
        .admin(1, "pinsafe", names_xml(SECRET, "Reprovision", &["alice"]))
        .await;
    assert!(refused(&reply), "{reply:?}");
    assert!(
        reply
            .body
            .contains("unknown request &lt;Reprovision&gt;; this server knows Create, Delete"),
        "{reply:?}"
    );
    assert!(s.outbox("alice").await.is_empty());
    let created = s.admin(1, "pinsafe", create_xml(SECRET, "dave")).await;
    assert_eq!(user_result(&created, "dave").as_deref(), Some("PASS"));
    s.shutdown().await;
}

#[tokio::test]
async fn no_control_api_means_no_control_listener() {
    let config = ClusterConfig {
        control_api: false,
        ..ClusterConfig::loopback(CoreConfig::default(), Arc::new(ManualClock::fixed()), "")
    };
    let cluster = cluster::start(config)
        .await
        .expect("starts without a token");
    assert_eq!(cluster.control_url, "");
    assert_eq!(cluster.control_api_url(), None);
    // The nodes serve as usual.
    let ping = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/pinsafe/AgentXML", cluster.node_urls[0]))
        .body("<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    cluster.shutdown().await;

    let with = cluster::start(ClusterConfig::loopback(
        CoreConfig::default(),
        Arc::new(ManualClock::fixed()),
        "t",
    ))
    .await
    .unwrap();
    assert!(
        with.control_api_url()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    with.shutdown().await;
}
