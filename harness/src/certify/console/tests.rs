//! The console's guards: the page carries a strict CSP with a fresh nonce, the API wants
//! the run's token, a request naming another host is refused (no DNS rebinding), an
//! answer reaches the session, and a non-loopback address is refused outright.

use std::sync::Arc;

use super::{ConsoleError, start};
use crate::certify::conformance::Conformance;
use crate::certify::plan::Plan;
use crate::certify::session::{Answer, Facts, MessageSeen, Presentation, Session};
use crate::profile::WireProfile;
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::domain::{Core, CoreConfig};

fn session() -> Arc<Session> {
    let core = Core::new(
        CoreConfig::default(),
        Arc::new(ManualClock::fixed()),
        vec![],
    )
    .unwrap();
    let facts = Facts {
        run_id: "test".into(),
        username: "u".into(),
        pin: "3759".into(),
        email: "u@example.test".into(),
        agent_secret: "s".into(),
        site_id: "S".into(),
        untrusted_site_id: "S-UNTRUSTED".into(),
        scheme: "https".into(),
        host: "127.0.0.1".into(),
        port: 1,
        context: "pinsafe".into(),
        untrusted_port: 2,
        ssd_root: "https://127.0.0.1:1".into(),
        complete_url_base: "http://smc.example/complete/".into(),
        profile: Arc::new(WireProfile::default_profile()),
    };
    Session::new(
        Plan::builtin().unwrap(),
        Conformance::emulator(),
        facts,
        core,
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn the_console_guards_its_page_and_api() {
    let session = session();
    let console = start(Arc::clone(&session), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (base, token) = console.url.split_once("/?t=").unwrap();
    let http = client();

    let page = http.get(&console.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'nonce-"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "an external URL in the page"
    );
    let again = http.get(&console.url).send().await.unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );

    let state = format!("{base}/api/state?since=0");
    assert_eq!(http.get(&state).send().await.unwrap().status(), 403);
    let wrong = http
        .get(&state)
        .header("x-certify-token", "0".repeat(token.len()));
    assert_eq!(wrong.send().await.unwrap().status(), 403);
    let ok = http
        .get(&state)
        .header("x-certify-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let view: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(
        view["steps"].as_array().unwrap().len(),
        Plan::builtin().unwrap().steps.len()
    );
    let rebound = http
        .get(&state)
        .header("x-certify-token", token)
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);

    session.activate(8, Presentation::default());
    let answer = http
        .post(format!("{base}/api/answer"))
        .header("x-certify-token", token)
        .body(r#"{"step":"wrong-code","message":"other","text":"Nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let recorded = session.lock().steps[8].answers[0].answer.clone();
    assert_eq!(recorded, Answer::Message(MessageSeen::Other("Nope".into())));
    let refused = http
        .post(format!("{base}/api/screenshot?step=wrong-code"))
        .header("x-certify-token", token)
        .body("not an image")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    console.stop().await;

    let err = start(session, "0.0.0.0:0".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, ConsoleError::NotLoopback(_)), "{err}");
}
