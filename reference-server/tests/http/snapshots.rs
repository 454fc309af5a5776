//! Snapshots of the exact `agentxml-3.6` and SSD replies (insta), with the values that
//! change from run to run normalised: device ids, security strings and ports.

use crate::support::{ALICE_PIN, Opts, Server, otc, sas, start};

/// Replaces the content of every `<tag>…</tag>` for which `f` returns a replacement.
fn replace_tag(xml: &str, tag: &str, f: impl Fn(&str) -> Option<String>) -> String {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let content_start = start + open.len();
        let Some(len) = rest[content_start..].find(&close) else {
            break;
        };
        let content = &rest[content_start..content_start + len];
        out.push_str(&rest[..content_start]);
        out.push_str(&f(content).unwrap_or_else(|| content.to_string()));
        rest = &rest[content_start + len..];
    }
    out.push_str(rest);
    out
}

/// Device ids, strings and ports replaced by placeholders.
fn normalise(xml: &str) -> String {
    let xml = replace_tag(xml, "Id", |id| {
        crate::support::is_hex(id, 32).then(|| "[device-id]".to_string())
    });
    let xml = replace_tag(&xml, "SecurityStrings", |strings| {
        let all_shaped = strings.split(';').all(|s| s.len() == 12);
        Some(if all_shaped {
            format!("[{} strings]", strings.split(';').count())
        } else {
            "[malformed strings]".to_string()
        })
    });
    replace_tag(&xml, "Port", |_| Some("[port]".to_string()))
}

async fn provisioned(s: &Server) -> (String, String) {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(1, "alice", &code).await;
    reply.assert_pass();
    (code, reply.body)
}

#[tokio::test]
async fn snapshot_agent_xml_replies() {
    let s = start(Opts::default()).await;
    let (code, provision_pass) = provisioned(&s).await;
    insta::assert_snapshot!("provision_pass", normalise(&provision_pass));

    let provision_fail = s.provision(1, "alice", &code).await;
    insta::assert_snapshot!("provision_fail", normalise(&provision_fail.body));

    let (_, body) = provisioned(&s).await;
    let device = crate::support::tag(&body, "Id").unwrap().to_string();
    let strings = s.strings(1, "alice", &device).await;
    insta::assert_snapshot!("strings_pass", normalise(&strings.body));

    let login_pass = s
        .login(1, "alice", &otc(&strings.strings(), 1, ALICE_PIN))
        .await;
    insta::assert_snapshot!("login_pass", normalise(&login_pass.body));
    let login_fail = s
        .login(1, "alice", &otc(&strings.strings(), 1, ALICE_PIN))
        .await;
    insta::assert_snapshot!("login_fail", normalise(&login_fail.body));

    let ping = s
        .post_xml(1, &sas(&[("RequestID", "snap-1"), ("Action", "ping")]))
        .await;
    insta::assert_snapshot!("ping", normalise(&ping.body));

    let doctype = s
        .post_xml(
            1,
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><SASRequest><Action>ping</Action></SASRequest>",
        )
        .await;
    insta::assert_snapshot!("bad_request_doctype", normalise(&doctype.body));

    let unknown = s.provision(1, "nobody", "ABCDEFGHJK").await;
    insta::assert_snapshot!("provision_unknown_user", normalise(&unknown.body));
    s.shutdown().await;
}

#[tokio::test]
async fn snapshot_ssd_replies() {
    let s = start(Opts::default()).await;
    let found = s.ssd_lookup(1, crate::support::SITE_ID).await;
    insta::assert_snapshot!("ssd_found", normalise(&found.body));
    let unknown = s.ssd_lookup(1, "NOPE").await;
    insta::assert_snapshot!("ssd_unknown", normalise(&unknown.body));
    s.shutdown().await;
}
