//! Unit tests of reply parsing (robust to hostile and odd replies) and of the app
//! message table of protocol.md §8.

use super::app_message::*;
use crate::codec::strings::positions;
use crate::codec::{Call, MalformedReply, Outcome, ReplyKind, SsdSettings, parse_reply};
use crate::profile::WireProfile;

fn sas(body: &str) -> Result<super::Reply, MalformedReply> {
    parse_reply(
        body.as_bytes(),
        ReplyKind::Sas,
        &WireProfile::default_profile(),
    )
}

fn malformed(body: &str) -> String {
    match sas(body) {
        Err(MalformedReply(why)) => why,
        Ok(reply) => panic!("expected malformed, got {reply:?}"),
    }
}

/// What the reference server sends for a successful provision (wire/response.rs).
const PROVISION_PASS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    "<SASResponse><Version>3.6</Version><RequestID>r-1</RequestID>",
    "<Result>PASS</Result><Id>0123456789abcdef0123456789abcdef</Id>",
    "<Policy><Id>AllowPinEntry</Id><Content>OFF</Content>",
    "<Description>Allow user to enter PIN</Description></Policy>",
    "<Policy><Id>ProvisionNumeric</Id><Content>ON</Content>",
    "<Description>Provision Number Is Numeric</Description></Policy>",
    "</SASResponse>"
);

#[test]
fn pass_provision_reply() {
    let reply = sas(PROVISION_PASS).unwrap();
    assert_eq!(reply.result, "PASS");
    assert_eq!(
        reply.device_id.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(reply.request_id.as_deref(), Some("r-1"));
    assert_eq!(
        reply.policies,
        vec![
            ("AllowPinEntry".to_string(), "OFF".to_string()),
            ("ProvisionNumeric".to_string(), "ON".to_string())
        ]
    );
    assert_eq!(reply.policies_shape, Some("elements"));
    assert_eq!(reply.error, None);
    assert_eq!(reply.strings_text, None);
}

#[test]
fn strings_reply_keeps_every_position_as_written() {
    let reply = sas(concat!(
        "<SASResponse><Result>PASS</Result>",
        "<SecurityStrings>\n;123456789001; 987654321002;;\n</SecurityStrings>",
        "<Policy><Id>BrowseStrings</Id><Content>OFF</Content><Description></Description></Policy>",
        "</SASResponse>"
    ))
    .unwrap();
    let text = reply.strings_text.clone().unwrap();
    // The app splits and takes positions as they are: no piece is dropped or trimmed.
    assert_eq!(
        positions(&text, &WireProfile::default_profile()),
        vec!["", "123456789001", " 987654321002", "", ""]
    );
    assert_eq!(reply.policies.len(), 1);
    assert_eq!(reply.device_id, None);
}

#[test]
fn strings_use_the_profile_separator() {
    let mut profile = WireProfile::default_profile();
    profile.strings.separator = ",".to_string();
    let reply = parse_reply(
        b"<SASResponse><Result>PASS</Result><SecurityStrings>a,b;c</SecurityStrings></SASResponse>",
        ReplyKind::Sas,
        &profile,
    )
    .unwrap();
    assert_eq!(
        positions(reply.strings_text.as_deref().unwrap(), &profile),
        vec!["a", "b;c"]
    );
}

#[test]
fn fail_reply_maps_the_error_to_its_canonical_name() {
    let body = concat!(
        "<SASResponse><Version>3.6</Version><Result>FAIL</Result>",
        "<Error>PROVISION_FAILURE</Error><Message>not valid &lt;or&gt; used</Message></SASResponse>"
    );
    let reply = sas(body).unwrap();
    assert_eq!(reply.result, "FAIL");
    assert_eq!(reply.error.as_deref(), Some("PROVISION_FAILURE"));
    assert_eq!(reply.message.as_deref(), Some("not valid <or> used"));

    let mut profile = WireProfile::default_profile();
    profile.errors.provision_failure = "E_PROV".to_string();
    let reply = parse_reply(
        b"<SASResponse><Result>FAIL</Result><Error>E_PROV</Error></SASResponse>",
        ReplyKind::Sas,
        &profile,
    )
    .unwrap();
    assert_eq!(reply.error.as_deref(), Some("PROVISION_FAILURE"));
}

#[test]
fn element_order_and_unknown_elements_do_not_matter() {
    let reply = sas(concat!(
        "<?xml version=\"1.0\"?><!-- hello --><SASResponse>",
        "<Vendor><Deep><Deeper><Result>FAIL</Result></Deeper></Deep></Vendor>",
        "<Id>dev</Id><Extra attr=\"1\"/><Result> PASS </Result><Version>9</Version>",
        "</SASResponse>"
    ))
    .unwrap();
    assert_eq!(reply.result, "PASS");
    assert_eq!(reply.device_id.as_deref(), Some("dev"));
}

#[test]
fn cdata_and_character_references_are_read() {
    let reply = sas("<SASResponse><Result><![CDATA[PA]]>&#83;S</Result></SASResponse>").unwrap();
    assert_eq!(reply.result, "PASS");
}

#[test]
fn missing_result_is_malformed() {
    assert_eq!(
        malformed("<SASResponse><Version>3.6</Version><Id>x</Id></SASResponse>"),
        "reply has no <Result>"
    );
    // A Result nested elsewhere does not count.
    assert_eq!(
        malformed("<SASResponse><Policy><Result>PASS</Result></Policy></SASResponse>"),
        "reply has no <Result>"
    );
}

#[test]
fn not_xml_is_malformed() {
    assert!(malformed("hello").contains("not XML"));
    assert!(malformed("").contains("empty"));
    assert!(malformed("   \n").contains("empty"));
    assert!(malformed("<SASResponse><Result>PASS</Result></Other>").contains("not well-formed"));
    assert!(malformed("<SASResponse><Result>PASS</Res").contains("well-formed"));
    let bad_utf8 = parse_reply(
        b"<SASResponse><Result>\xff</Result></SASResponse>",
        ReplyKind::Sas,
        &WireProfile::default_profile(),
    );
    assert!(matches!(bad_utf8, Err(MalformedReply(m)) if m.contains("UTF-8")));
}

#[test]
fn doctype_is_refused() {
    let why = malformed(concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>",
        "<SASResponse><Result>&b;</Result></SASResponse>"
    ));
    assert!(why.contains("DOCTYPE"), "{why}");
}

#[test]
fn undefined_entities_are_refused() {
    assert!(malformed("<SASResponse><Result>&pass;</Result></SASResponse>").contains("&pass;"));
}

#[test]
fn wrong_root_and_repeats_are_malformed() {
    assert!(malformed("<html><Result>PASS</Result></html>").contains("expected <SASResponse>"));
    assert!(
        malformed("<SASResponse><Result>FAIL</Result><Result>PASS</Result></SASResponse>")
            .contains("more than one <Result>")
    );
    assert!(malformed("<SASResponse><Result>PASS</Result>").contains("truncated"));
    assert!(malformed("<?xml version=\"1.0\"?><!-- only -->").contains("no root"));
}

#[test]
fn truncated_huge_body_is_malformed_and_deep_nesting_is_harmless() {
    // What a capped read of a huge reply leaves: an unclosed document.
    let mut big = String::from("<SASResponse><Result>PASS</Result><Junk>");
    big.push_str(&"x".repeat(2 * 1024 * 1024));
    assert!(malformed(&big).contains("truncated"));
    // Deep nesting is walked, not recursed.
    let depth = 50_000;
    let deep = format!(
        "<SASResponse><Result>PASS</Result>{}{}</SASResponse>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    assert_eq!(sas(&deep).unwrap().result, "PASS");
}

#[test]
fn trailing_content_after_the_root_is_ignored() {
    let reply = sas("<SASResponse><Result>PASS</Result></SASResponse><junk").unwrap();
    assert_eq!(reply.result, "PASS");
}

#[test]
fn ssd_replies_of_the_earlier_shape() {
    let profile = WireProfile::resolve("agentxml-3.6").unwrap();
    let found = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "<SSDResponse><Result>PASS</Result><Server>",
        "<Host>pinsafe.example.com</Host><Port>8443</Port><Context>proxy</Context>",
        "<SSL>true</SSL><Push>false</Push><Local>false</Local>",
        "</Server></SSDResponse>"
    );
    let reply = parse_reply(found.as_bytes(), ReplyKind::Ssd, &profile).unwrap();
    assert_eq!(
        reply.ssd,
        Some(SsdSettings {
            host: "pinsafe.example.com".into(),
            port: 8443,
            context: "proxy".into(),
            ssl: true,
            push: false,
            local: false,
            pin: None,
            oath: None,
        })
    );
    let unknown = "<SSDResponse><Result>FAIL</Result><Error>UNKNOWN_SERVER_ID</Error><Message>x</Message></SSDResponse>";
    let reply = parse_reply(unknown.as_bytes(), ReplyKind::Ssd, &profile).unwrap();
    assert_eq!(reply.error.as_deref(), Some("UNKNOWN_SERVER_ID"));
    assert_eq!(reply.ssd, None);
    let bad_port = found.replace("8443", "99999");
    assert!(parse_reply(bad_port.as_bytes(), ReplyKind::Ssd, &profile).is_err());
    let bad_flag = found.replace("<SSL>true", "<SSL>maybe");
    assert!(parse_reply(bad_flag.as_bytes(), ReplyKind::Ssd, &profile).is_err());
    // An Agent-XML reply is not an SSD reply.
    assert!(parse_reply(PROVISION_PASS.as_bytes(), ReplyKind::Ssd, &profile).is_err());
}

#[test]
fn app_message_table() {
    let fail = |code: &str| Outcome::Fail(code.to_string());
    let transport = Outcome::Transport("refused".into());
    let malformed = Outcome::Malformed("x".into());
    let cases: Vec<(Call, Outcome, &str)> = vec![
        (Call::Provision, Outcome::Pass, DEVICE_PROVISIONED),
        (
            Call::Provision,
            fail("LOG_USER_NOT_FOUND"),
            INVALID_USERNAME,
        ),
        (
            Call::Provision,
            fail("PROVISION_FAILURE"),
            INVALID_PROVISION_CODE,
        ),
        (Call::Provision, fail("BAD_REQUEST"), PROVISION_FAILURE),
        (Call::Provision, fail(""), PROVISION_FAILURE),
        (Call::Provision, malformed.clone(), PROVISION_FAILURE),
        (Call::Provision, Outcome::Http(500), PROVISION_FAILURE),
        (Call::Provision, Outcome::Http(404), SERVER_CONNECTION),
        (Call::Provision, transport.clone(), SERVER_CONNECTION),
        (
            Call::Provision,
            Outcome::NotSent("no user".into()),
            USER_NOT_SET,
        ),
        (Call::SecurityStrings, Outcome::Pass, DEVICE_PROVISIONED),
        (
            Call::SecurityStrings,
            fail("NO_MOBILE_RIGHT"),
            ERROR_DOWNLOADING_STRINGS,
        ),
        (
            Call::SecurityStrings,
            fail("DEVICE_NOT_PROVISIONED"),
            ERROR_DOWNLOADING_STRINGS,
        ),
        (
            Call::SecurityStrings,
            fail("LOG_USER_NOT_FOUND"),
            ERROR_DOWNLOADING_STRINGS,
        ),
        (
            Call::SecurityStrings,
            malformed.clone(),
            ERROR_DOWNLOADING_STRINGS,
        ),
        (Call::SecurityStrings, transport.clone(), SERVER_CONNECTION),
        (
            Call::SecurityStrings,
            Outcome::NotSent("no user".into()),
            USER_NOT_SET,
        ),
        (
            Call::TokenIndex,
            fail("DEVICE_NOT_PROVISIONED"),
            ERROR_DOWNLOADING_STRINGS,
        ),
        (Call::TokenIndex, Outcome::Pass, NOTHING),
        (Call::SsdLookup, Outcome::Pass, PROVISIONING),
        (
            Call::SsdLookup,
            fail("UNKNOWN_SERVER_ID"),
            UNKNOWN_SERVER_ID,
        ),
        (Call::SsdLookup, Outcome::Http(404), UNKNOWN_SERVER_ID),
        (Call::SsdLookup, Outcome::Http(500), SERVER_CONNECTION),
        (Call::SsdLookup, transport.clone(), SERVER_CONNECTION),
        (Call::Ping, Outcome::Pass, NOTHING),
        (Call::Ping, malformed, SERVER_CONNECTION),
        (Call::Login, fail("AGENT_ERROR_BAD_OTC"), NOTHING),
        (Call::Login, transport, SERVER_CONNECTION),
        (Call::Get, Outcome::Pass, NOTHING),
    ];
    for (call, outcome, expected) in cases {
        assert_eq!(app_message(call, &outcome), expected, "{call} {outcome}");
    }
    // The app's own typo is kept.
    assert_eq!(
        ERROR_DOWNLOADING_STRINGS,
        "Error Dowloading Security Strings"
    );
}

#[test]
fn outcome_keys() {
    assert_eq!(Outcome::Pass.key(), "PASS");
    assert_eq!(
        Outcome::Fail("PROVISION_FAILURE".into()).key(),
        "FAIL:PROVISION_FAILURE"
    );
    assert_eq!(Outcome::Fail(String::new()).key(), "FAIL:");
    assert_eq!(Outcome::Http(413).key(), "HTTP:413");
    assert_eq!(Outcome::Malformed("x".into()).key(), "MALFORMED");
    assert_eq!(Outcome::Transport("x".into()).key(), "TRANSPORT");
    assert_eq!(Outcome::NotSent("x".into()).key(), "NOT-SENT");
    assert!(Outcome::Transport("x".into()).is_transport());
    assert!(!Outcome::Http(500).is_transport());
    assert_eq!(
        Outcome::Malformed("why".into()).to_string(),
        "MALFORMED: why"
    );
}

#[test]
fn endpoint_urls() {
    use super::Endpoint;
    let ep = Endpoint::new("http://127.0.0.1:8080/pinsafe/");
    assert_eq!(ep.base_url, "http://127.0.0.1:8080/pinsafe");
    assert_eq!(ep.root_url(), "http://127.0.0.1:8080");
    assert_eq!(
        ep.url("/AgentXML"),
        "http://127.0.0.1:8080/pinsafe/AgentXML"
    );
    assert_eq!(
        Endpoint::new("https://[::1]:8443/a/b").root_url(),
        "https://[::1]:8443"
    );
    assert_eq!(Endpoint::new("http://host:1").root_url(), "http://host:1");
    assert_eq!(Endpoint::new("http://h/x").with_node(2).node, Some(2));
}
