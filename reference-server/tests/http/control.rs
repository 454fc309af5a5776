//! The control API: the bearer token guards every route (401, nothing changed), and the
//! routes behave as documented (health, nodes, users, reprovision, outbox, log, clock,
//! policies, reset) with JSON errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Opts, Server, TOKEN, start};

/// Every control route, with a body where it takes one.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/control/health", None),
        (Method::GET, "/control/nodes", None),
        (
            Method::POST,
            "/control/users",
            Some(json!({"username": "mallory", "pin": "1111", "mobile_client": true})),
        ),
        (Method::GET, "/control/users/zed", None),
        (Method::DELETE, "/control/users/zed", None),
        (
            Method::POST,
            "/control/users/alice/reprovision",
            Some(json!({})),
        ),
        (Method::GET, "/control/outbox?user=alice", None),
        (Method::GET, "/control/log", None),
        (Method::GET, "/control/policies", None),
        (
            Method::PUT,
            "/control/policies",
            Some(json!({"self_reset": {"allow_self_provision": true}})),
        ),
        (Method::GET, "/control/clock", None),
        (
            Method::POST,
            "/control/clock/advance",
            Some(json!({"seconds": 1000})),
        ),
        (Method::POST, "/control/reset", None),
        (Method::GET, "/control/no-such-route", None),
    ]
}

/// What an unauthorised caller must not be able to change.
async fn observable_state(s: &Server) -> Value {
    let users = {
        let mut v = Vec::new();
        for u in ["alice", "zed", "mallory"] {
            let (status, body) = s
                .control_json(s.control(Method::GET, &format!("/control/users/{u}")))
                .await;
            v.push(json!({"user": u, "status": status.as_u16(), "body": body}));
        }
        v
    };
    json!({
        "users": users,
        "outbox": s.outbox("alice").await,
        "log": s.log_entries().await,
        "policies": s.policies().await,
        "clock": s.now_ms().await,
    })
}

#[tokio::test]
async fn every_route_needs_the_token_and_a_refusal_changes_nothing() {
    let s = start(Opts::default()).await;
    let (status, _) = s
        .create_user(json!({"username": "zed", "pin": "5555", "mobile_client": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = observable_state(&s).await;

    let bad_auth: [Option<String>; 5] = [
        None,
        Some("Bearer wrong-token".to_string()),
        Some("Bearer ".to_string()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Basic {TOKEN}")),
    ];
    for (method, path, body) in routes() {
        for auth in &bad_auth {
            let mut request = s
                .http
                .request(method.clone(), format!("{}{path}", s.cluster.control_url));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {auth:?}"
            );
            assert_eq!(
                response.headers()["www-authenticate"].to_str().unwrap(),
                "Bearer"
            );
            let error: Value = response.json().await.unwrap();
            assert!(
                error["error"].as_str().unwrap().contains("token"),
                "{error}"
            );
        }
    }
    assert_eq!(observable_state(&s).await, before);

    // Concretely: the user was not created and the clock did not move.
    let (status, _) = s
        .control_json(s.control(Method::GET, "/control/users/mallory"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(before["clock"], s.now_ms().await);
    s.shutdown().await;
}

#[tokio::test]
async fn health_and_nodes_describe_the_cluster() {
    let s = start(Opts::cluster(2, true)).await;
    let health = s.control_get("/control/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["nodes"], 2);
    assert_eq!(health["session_sharing"], true);
    assert_eq!(health["site_id"], "HARNESS01");
    assert_eq!(health["wire_profile"], "mobile-3.6");
    assert_eq!(health["defects"], json!([]));
    assert_eq!(health["users"], 4);
    assert_eq!(health["clock_ms"], s.now_ms().await);

    let nodes = s.control_get("/control/nodes").await;
    let nodes = nodes["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node["index"], i + 1);
        assert_eq!(node["url"], s.cluster.node_urls[i].as_str());
        assert!(s.cluster.node_urls[i].starts_with("http://127.0.0.1:"));
    }
    s.shutdown().await;
}

#[tokio::test]
async fn users_create_get_delete_and_conflicts() {
    let s = start(Opts::default()).await;
    let spec = json!({
        "username": "zed",
        "pin": "123456",
        "mobile_client": false,
        "alert_transport": {"kind": "sms", "destination": "+440000000009"}
    });
    let (status, body) = s.create_user(spec.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["mobile_client"], false);
    assert_eq!(body["provisioned"], false);
    assert!(body.get("pin").is_none(), "the PIN leaks: {body}");

    let (status, body) = s.create_user(spec).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("already exists"));

    let (status, body) = s
        .create_user(json!({"username": "bad pin", "pin": "12", "mobile_client": true}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .create_user(json!({"username": "yan", "pin": "1234", "mobile_client": true, "extra": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = s
        .control_json(s.control(Method::DELETE, "/control/users/zed"))
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _) = s
        .control_json(s.control(Method::GET, "/control/users/zed"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = s
        .control_json(s.control(Method::DELETE, "/control/users/zed"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body["error"].is_string());
    s.shutdown().await;
}

#[tokio::test]
async fn malformed_json_gets_a_json_400() {
    let s = start(Opts::default()).await;
    for (method, path) in [
        (Method::POST, "/control/users"),
        (Method::PUT, "/control/policies"),
        (Method::POST, "/control/clock/advance"),
        (Method::POST, "/control/users/alice/reprovision"),
    ] {
        let (status, body) = s
            .control_json(
                s.control(method.clone(), path)
                    .header("content-type", "application/json")
                    .body("{\"username\": "),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("invalid JSON"),
            "{body}"
        );
    }
    let (status, body) = s
        .control_json(s.control(Method::GET, "/control/log?since=abc"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .control_json(
            s.control(Method::POST, "/control/clock/advance")
                .json(&json!({"seconds": 400_000_000u64})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("ten years"));
    s.shutdown().await;
}

#[tokio::test]
async fn pc2_reprovision_reply_carries_no_code() {
    let s = start(Opts::cluster(2, false)).await;
    let reply = s.reprovision("alice", 2).await;
    assert_eq!(reply["delivered"], true);
    assert_eq!(reply["node"], 2);
    assert!(reply["message_seq"].is_u64());
    assert!(reply.get("code").is_none(), "{reply}");
    let code = s.outbox_code("alice").await;
    assert!(!reply.to_string().contains(&code));

    // Node by query string; bad and missing nodes; unknown user.
    let (status, body) = s
        .control_json(s.control(Method::POST, "/control/users/alice/reprovision?node=1"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["node"], 1);
    for path in [
        "/control/users/alice/reprovision?node=3",
        "/control/users/alice/reprovision?node=x",
    ] {
        let (status, body) = s.control_json(s.control(Method::POST, path)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let (status, _) = s
        .control_json(s.control(Method::POST, "/control/users/nobody/reprovision"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.shutdown().await;
}

#[tokio::test]
async fn reset_restores_default_users_and_policies() {
    let s = start(Opts::default()).await;
    let defaults = s.policies().await;
    s.create_user(json!({"username": "zed", "pin": "5555", "mobile_client": true}))
        .await;
    let (status, _) = s
        .control_json(s.control(Method::DELETE, "/control/users/bob"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    s.put_policies(
        json!({"self_reset": {"allow_self_provision": true, "provision_code_validity_secs": 30}}),
    )
    .await;
    s.provisioned("alice").await;
    s.advance(60).await;
    let clock = s.now_ms().await;

    let reset = s.control_post("/control/reset").await;
    assert_eq!(reset, json!({"reset": true}));

    assert_eq!(s.policies().await, defaults);
    for (user, expected) in [
        ("zed", StatusCode::NOT_FOUND),
        ("bob", StatusCode::OK),
        ("alice", StatusCode::OK),
    ] {
        let (status, _) = s
            .control_json(s.control(Method::GET, &format!("/control/users/{user}")))
            .await;
        assert_eq!(status, expected, "{user}");
    }
    let alice = s.control_get("/control/users/alice").await;
    assert_eq!(alice["provisioned"], false);
    assert!(s.log_entries().await.is_empty());
    assert!(s.outbox("alice").await.is_empty());
    assert_eq!(
        s.now_ms().await,
        clock,
        "the clock keeps going through a reset"
    );
    s.shutdown().await;
}

impl Server {
    /// `POST path` with no body on the control API, expecting 200.
    async fn control_post(&self, path: &str) -> Value {
        let (status, value) = self.control_json(self.control(Method::POST, path)).await;
        assert_eq!(status, StatusCode::OK, "POST {path}: {value}");
        value
    }
}
