//! Snapshots of the exact Agent-XML and SSD replies (insta) under both built-in wire
//! profiles (`mobile__*` and `agentxml__*`), with the values that change from run to run
//! normalised: device ids, security strings and ports.

use crate::support::{AGENTXML, ALICE_PIN, MOBILE, Opts, Server, otc, start};

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
        let positions: Vec<&str> = strings.split(';').collect();
        let shaped = |p: &[&str]| p.iter().all(|s| s.len() == 12);
        Some(match positions.split_first() {
            Some((first, rest)) if first.is_empty() && shaped(rest) => {
                format!("[position 0 empty, {} strings]", rest.len())
            }
            _ if shaped(&positions) => format!("[{} strings]", positions.len()),
            _ => "[malformed strings]".to_string(),
        })
    });
    let xml = replace_tag(&xml, "Port", |_| Some("[port]".to_string()));
    replace_tag(&xml, "port", |_| Some("[port]".to_string()))
}

async fn provisioned(s: &Server) -> (String, String) {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(1, "alice", &code).await;
    reply.assert_pass();
    (code, reply.body)
}

/// Every Agent-XML reply kind of profile `profile`, snapshot as `<prefix>__<kind>`.
async fn agent_xml_replies(profile: &str, prefix: &str) {
    let s = start(Opts::default().with_profile(profile)).await;
    let snap = |kind: &str, body: &str| {
        insta::assert_snapshot!(format!("{prefix}__{kind}"), normalise(body));
    };
    let (code, provision_pass) = provisioned(&s).await;
    snap("provision_pass", &provision_pass);

    let provision_fail = s.provision(1, "alice", &code).await;
    snap("provision_fail", &provision_fail.body);

    let (_, body) = provisioned(&s).await;
    let device = crate::support::tag(&body, "Id")
        .expect("a device id")
        .to_string();
    let strings = s.strings(1, "alice", &device).await;
    snap("strings_pass", &strings.body);

    let login_pass = s
        .login(1, "alice", &otc(&strings.strings(), 1, ALICE_PIN))
        .await;
    snap("login_pass", &login_pass.body);
    let login_fail = s
        .login(1, "alice", &otc(&strings.strings(), 1, ALICE_PIN))
        .await;
    snap("login_fail", &login_fail.body);

    let ping = s
        .post_xml(
            1,
            &s.request(&[("RequestID", "snap-1"), ("Action", "ping")]),
        )
        .await;
    snap("ping", &ping.body);

    let doctype = s
        .post_xml(
            1,
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><SASRequest><Action>ping</Action></SASRequest>",
        )
        .await;
    snap("bad_request_doctype", &doctype.body);

    let unknown = s.provision(1, "nobody", "ABCDEFGHJK").await;
    snap("provision_unknown_user", &unknown.body);

    let unbound = s.strings(1, "alice", &"0".repeat(32)).await;
    snap("strings_unbound_device", &unbound.body);
    s.shutdown().await;
}

/// The SSD replies of profile `profile`, snapshot as `<prefix>__ssd_*`.
async fn ssd_replies(profile: &str, prefix: &str) {
    let s = start(Opts::default().with_profile(profile)).await;
    let found = s.ssd_lookup(1, crate::support::SITE_ID).await;
    insta::assert_snapshot!(format!("{prefix}__ssd_found"), normalise(&found.body));
    let unknown = s.ssd_lookup(1, "NOPE").await;
    insta::assert_snapshot!(format!("{prefix}__ssd_unknown"), normalise(&unknown.body));
    s.shutdown().await;
}

#[tokio::test]
async fn snapshot_mobile_agent_xml_replies() {
    agent_xml_replies(MOBILE, "mobile").await;
}

#[tokio::test]
async fn snapshot_agentxml_agent_xml_replies() {
    agent_xml_replies(AGENTXML, "agentxml").await;
}

#[tokio::test]
async fn snapshot_mobile_ssd_replies() {
    ssd_replies(MOBILE, "mobile").await;
}

#[tokio::test]
async fn snapshot_agentxml_ssd_replies() {
    ssd_replies(AGENTXML, "agentxml").await;
}
