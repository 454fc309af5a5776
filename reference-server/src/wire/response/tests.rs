//! The reply writer under both built-in profiles: exact documents, escaping, the
//! strings layouts and both policy shapes.

use super::*;
use crate::profile::WireProfile;

const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

fn wire(name: &str) -> ServerWire {
    ServerWire::faithful(&WireProfile::builtin(name).expect("a built-in profile"))
}

fn agentxml() -> ServerWire {
    wire("agentxml-3.6")
}

fn mobile() -> ServerWire {
    wire("mobile-3.6")
}

fn two_policies() -> Vec<PolicyItem> {
    vec![
        PolicyItem::new("AllowPinEntry", "OFF", "Allow user to enter PIN"),
        PolicyItem::new("ProvisionNumeric", "ON", "Provision Number Is Numeric"),
    ]
}

#[test]
fn agentxml_provision_reply_with_two_policies() {
    let reply = SasResponse {
        id: Some("dev-42".into()),
        policies: two_policies(),
        ..SasResponse::pass()
    }
    .with_request_id(Some("r-1".into()));
    assert_eq!(
        reply.to_xml(&agentxml()),
        [
            DECL,
            "<SASResponse><Version>3.6</Version><RequestID>r-1</RequestID>",
            "<Result>PASS</Result><Id>dev-42</Id>",
            "<Policy><Id>AllowPinEntry</Id><Content>OFF</Content>",
            "<Description>Allow user to enter PIN</Description></Policy>",
            "<Policy><Id>ProvisionNumeric</Id><Content>ON</Content>",
            "<Description>Provision Number Is Numeric</Description></Policy>",
            "</SASResponse>"
        ]
        .concat()
    );
}

#[test]
fn mobile_provision_reply_sends_policies_as_attributes() {
    let reply = SasResponse {
        id: Some("dev-42".into()),
        policies: two_policies(),
        ..SasResponse::pass()
    };
    assert_eq!(
        reply.to_xml(&mobile()),
        [
            DECL,
            "<SASResponse><Version>3.6</Version><Result>PASS</Result><Id>dev-42</Id>",
            "<Policies>",
            r#"<Policy id="AllowPinEntry" section="MobileClient" show="true">OFF</Policy>"#,
            r#"<Policy id="ProvisionNumeric" section="MobileClient" show="true">ON</Policy>"#,
            "</Policies></SASResponse>"
        ]
        .concat()
    );
}

#[test]
fn policy_attribute_values_are_escaped() {
    let mut profile = WireProfile::default_profile();
    if let crate::profile::Policies::Attributes { section_value, .. } = &mut profile.policies {
        *section_value = r#"a"b<c&"#.into();
    }
    let reply = SasResponse {
        policies: vec![PolicyItem::new(r#"x"y"#, "<on>", "")],
        ..SasResponse::pass()
    };
    let xml = reply.to_xml(&ServerWire::faithful(&profile));
    assert!(
        xml.contains(
            r#"<Policy id="x&quot;y" section="a&quot;b&lt;c&amp;" show="true">&lt;on&gt;</Policy>"#
        ),
        "{xml}"
    );
}

#[test]
fn no_policies_means_no_container() {
    let xml = SasResponse::pass().to_xml(&mobile());
    assert_eq!(
        xml,
        format!("{DECL}<SASResponse><Version>3.6</Version><Result>PASS</Result></SASResponse>")
    );
}

#[test]
fn bare_pass_reply_has_no_optional_elements() {
    assert_eq!(
        SasResponse::pass().to_xml(&agentxml()),
        format!("{DECL}<SASResponse><Version>3.6</Version><Result>PASS</Result></SASResponse>")
    );
}

#[test]
fn security_strings_reply_keeps_element_order() {
    let reply = SasResponse {
        security_strings: Some("123456789001;987654321002".into()),
        policies: vec![PolicyItem::new("BrowseStrings", "OFF", "")],
        ..SasResponse::pass()
    };
    assert_eq!(
        reply.to_xml(&agentxml()),
        [
            DECL,
            "<SASResponse><Version>3.6</Version><Result>PASS</Result>",
            "<SecurityStrings>123456789001;987654321002</SecurityStrings>",
            "<Policy><Id>BrowseStrings</Id><Content>OFF</Content>",
            "<Description></Description></Policy></SASResponse>"
        ]
        .concat()
    );
}

#[test]
fn fail_reply_spells_the_error_through_the_profile() {
    let reply = SasResponse::fail(ErrorCode::ProvisionFailure, "Invalid Provision Code");
    let expected = [
        DECL,
        "<SASResponse><Version>3.6</Version><Result>FAIL</Result>",
        "<Error>PROVISION_FAILURE</Error><Message>Invalid Provision Code</Message>",
        "</SASResponse>",
    ]
    .concat();
    assert_eq!(reply.to_xml(&agentxml()), expected);
    assert_eq!(reply.to_xml(&mobile()), expected);

    let mut profile = WireProfile::default_profile();
    profile.errors.provision_failure = "E_PROVISION".into();
    profile.elements.error = "errorCode".into();
    profile.elements.response_root = "MobileResponse".into();
    profile.results.fail = "NOK".into();
    let xml = reply.to_xml(&ServerWire::faithful(&profile));
    assert_eq!(
        xml,
        [
            DECL,
            "<MobileResponse><Version>3.6</Version><Result>NOK</Result>",
            "<errorCode>E_PROVISION</errorCode><Message>Invalid Provision Code</Message>",
            "</MobileResponse>"
        ]
        .concat()
    );
}

#[test]
fn special_characters_are_escaped() {
    let reply = SasResponse::fail(ErrorCode::BadRequest, r#"user <&>"' unknown"#)
        .with_request_id(Some("]]></RequestID><Result>PASS</Result>".into()));
    assert_eq!(
        reply.to_xml(&agentxml()),
        [
            DECL,
            "<SASResponse><Version>3.6</Version>",
            "<RequestID>]]&gt;&lt;/RequestID&gt;&lt;Result&gt;PASS&lt;/Result&gt;</RequestID>",
            "<Result>FAIL</Result><Error>BAD_REQUEST</Error>",
            r#"<Message>user &lt;&amp;&gt;"' unknown</Message></SASResponse>"#
        ]
        .concat()
    );
}

#[test]
fn escaped_reply_round_trips_through_a_reader() -> Result<(), quick_xml::Error> {
    let text = "a<b>&c\"d'e ]]> &amp;";
    let xml = SasResponse::fail(ErrorCode::BadRequest, text).to_xml(&mobile());
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut in_message = false;
    let mut message = String::new();
    loop {
        match reader.read_event()? {
            quick_xml::events::Event::Start(e) => in_message = e.name().as_ref() == b"Message",
            quick_xml::events::Event::End(_) => in_message = false,
            quick_xml::events::Event::Text(t) if in_message => {
                message.push_str(&t.decode().map_err(quick_xml::Error::from)?);
            }
            quick_xml::events::Event::GeneralRef(r) if in_message => {
                let name = r.decode().map_err(quick_xml::Error::from)?;
                let resolved = quick_xml::escape::resolve_predefined_entity(&name);
                message.push_str(resolved.unwrap_or("?"));
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(message, text);
    Ok(())
}

#[test]
fn characters_illegal_in_xml_are_replaced() {
    let xml =
        SasResponse::fail(ErrorCode::BadRequest, "a\u{0}b\u{1b}c\u{FFFE}\td").to_xml(&mobile());
    assert!(
        xml.contains("<Message>a\u{FFFD}b\u{FFFD}c\u{FFFD}\td</Message>"),
        "{xml}"
    );
}

#[test]
fn every_reply_is_well_formed_under_both_profiles() {
    let replies = [
        SasResponse::pass(),
        SasResponse::fail(ErrorCode::NoStrings, "x"),
        SasResponse {
            id: Some("d".into()),
            security_strings: Some(";a;b".into()),
            policies: two_policies(),
            ..SasResponse::pass()
        },
    ];
    for w in [agentxml(), mobile()] {
        for reply in &replies {
            let xml = reply.to_xml(&w);
            let mut reader = quick_xml::Reader::from_str(&xml);
            let mut depth = 0i32;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                    Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(err) => panic!("{xml} is not well-formed: {err}"),
                }
            }
            assert_eq!(depth, 0, "{xml}");
        }
    }
}
