//! Tests of `serve --capture` on a real loopback server: concurrent exchanges come out
//! whole (each request beside its own reply), the file is valid HAR while the server is
//! still running, secrets are masked unless asked otherwise, and bodies are capped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::clock::ManualClock;
use crate::cluster::{ClusterConfig, RunningCluster, start};
use crate::domain::CoreConfig;
use crate::har::Har;
use crate::users_file::default_users;

const BOUND: Duration = Duration::from_secs(10);

/// A file in a directory of its own, removed when the guard drops.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("swivel-capture-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir.join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn server(capture: &Capture) -> RunningCluster {
    start(ClusterConfig {
        users: default_users().expect("built-in users"),
        capture: Some(capture.clone()),
        ..ClusterConfig::loopback(CoreConfig::default(), Arc::new(ManualClock::fixed()), "t")
    })
    .await
    .expect("the cluster starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .build()
        .expect("client")
}

fn read(path: &Path) -> Option<Har> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> String {
    client
        .post(url)
        .header("Content-Type", "application/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("reply")
}

#[tokio::test]
async fn concurrent_exchanges_are_whole_masked_and_readable_before_the_end() {
    let temp = TempFile::new("concurrent.har");
    let path = temp.0.clone();
    let mut options = CaptureOptions::new(&WireProfile::default_profile());
    options.secrets.push("swivel-harness-secret".into());
    let capture = Capture::start(&path, options).expect("capture starts");
    let running = server(&capture).await;
    let agent = format!("{}/pinsafe/AgentXML", running.node_urls[0]);
    let issued = running.core.admin_reprovision(1, "alice").expect("code");
    let code = running.core.outbox(Some("alice"), 1)[0]
        .code
        .clone()
        .expect("code in outbox");
    let http = client();
    let provision = post(
        &http,
        &agent,
        format!("<SASRequest><Version>3.6</Version><Action>provision</Action><Username>alice</Username><ProvisionCode>{code}</ProvisionCode></SASRequest>"),
    )
    .await;
    assert!(provision.contains("<Result>PASS</Result>"), "{provision}");
    let device = provision
        .split("<Id>")
        .nth(1)
        .and_then(|s| s.split("</Id>").next())
        .expect("device id")
        .to_string();
    let mut pings = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (http, agent) = (http.clone(), agent.clone());
        pings.spawn(async move {
            post(&http, &agent, format!("<SASRequest><Version>3.6</Version><RequestID>req-{i:03}</RequestID><Action>ping</Action></SASRequest>")).await
        });
    }
    while let Some(reply) = pings.join_next().await {
        assert!(reply.expect("ping task").contains("PASS"));
    }
    let strings = post(&http, &agent, format!("<SASRequest><Version>3.6</Version><Action>SecurityStrings</Action><Id>{device}</Id></SASRequest>")).await;
    let first_string = strings.split(';').nth(1).expect("a string").to_string();

    // The file is a valid HAR document with every exchange before the server stops.
    let deadline = Instant::now() + BOUND;
    let har = loop {
        if let Some(har) = read(&path).filter(|h| h.log.entries.len() == 42) {
            break har;
        }
        assert!(
            Instant::now() < deadline,
            "the capture never held 42 entries"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    running.shutdown().await;
    let summary = capture.finish().await;
    assert_eq!(
        (summary.written, summary.dropped, summary.error),
        (42, 0, None)
    );
    assert_eq!(read(&path).expect("valid at the end"), har);

    for entry in &har.log.entries {
        assert_eq!(entry.node, Some(1));
        assert!(
            entry.request.url.starts_with("http://127.0.0.1:"),
            "{}",
            entry.request.url
        );
        let request = &entry.request.post_data.as_ref().expect("a body").text;
        let reply = entry.response.content.text.as_deref().expect("a reply");
        if let Some(id) = request
            .split("<RequestID>")
            .nth(1)
            .and_then(|s| s.split('<').next())
        {
            assert!(
                reply.contains(&format!("<RequestID>{id}</RequestID>")),
                "{request} / {reply}"
            );
        }
    }
    let text = std::fs::read_to_string(&path).expect("file");
    for secret in [
        code.as_str(),
        device.as_str(),
        first_string.as_str(),
        issued.code.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the capture");
    }
    assert!(text.contains("<ProvisionCode>xxxxxxxxxx</ProvisionCode>"));
    assert!(text.contains(";xxxxxxxxxx01;xxxxxxxxxx02;"));
}

#[tokio::test]
async fn secrets_are_kept_when_asked_and_bodies_are_capped() {
    let temp = TempFile::new("secrets.har");
    let path = temp.0.clone();
    let options = CaptureOptions {
        redact: false,
        max_body_bytes: 200,
        ..CaptureOptions::new(&WireProfile::default_profile())
    };
    let capture = Capture::start(&path, options).expect("capture starts");
    let running = server(&capture).await;
    let agent = format!("{}/pinsafe/AgentXML", running.node_urls[0]);
    let http = client();
    let padding = "x".repeat(500);
    let reply = post(
        &http,
        &agent,
        format!("<SASRequest><Version>3.6</Version><Action>provision</Action><Username>alice</Username><ProvisionCode>NOTACODE99</ProvisionCode><DeviceOS>{padding}</DeviceOS></SASRequest>"),
    )
    .await;
    assert!(reply.contains("FAIL"), "{reply}");
    let png = http
        .get(format!(
            "{}/pinsafe/userportal/getQRCode?text=hello",
            running.node_urls[0]
        ))
        .send()
        .await
        .expect("qr");
    assert_eq!(png.status(), 200);
    let _ = png.bytes().await;
    running.shutdown().await;
    let summary = capture.finish().await;
    assert_eq!(summary.written, 2);
    let har = read(&path).expect("valid");
    let post_data = har.log.entries[0].request.post_data.as_ref().expect("body");
    assert_eq!(post_data.text.len(), 200);
    assert!(
        post_data.text.contains("NOTACODE99"),
        "kept with --capture-secrets"
    );
    assert!(
        post_data
            .comment
            .as_deref()
            .unwrap_or_default()
            .contains("first 200 of"),
        "{post_data:?}"
    );
    let qr = &har.log.entries[1].response.content;
    assert_eq!(qr.encoding.as_deref(), Some("base64"), "a PNG is not text");
    assert!(
        har.log
            .comment
            .as_deref()
            .unwrap_or_default()
            .contains("do not share")
    );
    // A second finish says so and changes nothing.
    assert!(capture.finish().await.error.is_some());
}

#[test]
fn an_unwritable_path_is_a_clear_error() {
    let err = Capture::start(
        Path::new("/nonexistent-dir/c.har"),
        CaptureOptions::new(&WireProfile::default_profile()),
    )
    .expect_err("no such directory");
    assert!(err.to_string().contains("/nonexistent-dir/c.har"), "{err}");
}
