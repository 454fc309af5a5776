//! Tests of the Admin XML codec: request bodies pinned byte for byte against protocol.md
//! §12's working shape, escaping, a profile without Reprovision, and every reply error.

use super::*;

fn codec() -> AdminCodec {
    AdminCodec::new(&WireProfile::default_profile())
}

#[test]
fn create_is_the_working_shape_of_section_12() {
    let user = AdminUser {
        groups: vec!["g".into()],
        ..AdminUser::mobile("u", "1234", "u@example.test")
    };
    assert_eq!(
        codec().create("s", &[user]),
        r#"<AdminRequest secret="s" version="3.4"><Create><User name="u"><Credentials pin="1234"/><Rights mobile="true"/><Groups><Group name="g"/></Groups><Transport alert="SMTP" string="SMTP"/><Attributes><Attribute name="email" value="u@example.test"/></Attributes></User></Create></AdminRequest>"#
    );
}

#[test]
fn a_second_smtp_transport_for_strings_gets_its_own_attribute() {
    let user = AdminUser {
        strings: Some(AdminStringsTransport {
            transport: "SMTP-STRINGS".into(),
            attribute: "email2".into(),
            address: "u+strings@example.test".into(),
        }),
        ..AdminUser::mobile("u", "1234", "u@example.test")
    };
    let body = codec().create("s", &[user]);
    assert!(
        body.contains(r#"<Transport alert="SMTP" string="SMTP-STRINGS"/><Attributes><Attribute name="email" value="u@example.test"/><Attribute name="email2" value="u+strings@example.test"/></Attributes>"#),
        "{body}"
    );
    // The server's parser, told of that transport, reads both addresses back.
    use swivel_reference_server::domain::NamedSmtpTransport;
    use swivel_reference_server::wire::admin::{AdminOp, parse_admin_request, tree_limits};
    let strings = NamedSmtpTransport {
        name: "SMTP-STRINGS".into(),
        attribute: "email2".into(),
    };
    let read = parse_admin_request(
        body.as_bytes(),
        &tree_limits(64 * 1024),
        &AdminSection::default(),
        &[strings],
    )
    .unwrap();
    let Ok(AdminOp::Create(spec)) = &read.items[0].op else {
        panic!("{read:?}")
    };
    let to = |t: &Option<swivel_reference_server::domain::users::Transport>| {
        t.as_ref().map(|t| t.destination.clone())
    };
    assert_eq!(to(&spec.alert_transport).as_deref(), Some("u@example.test"));
    assert_eq!(
        to(&spec.string_transport).as_deref(),
        Some("u+strings@example.test")
    );
}

#[test]
fn a_user_without_email_or_right_carries_neither() {
    let user = AdminUser {
        name: "v".into(),
        pin: "4321".into(),
        email: None,
        mobile: false,
        groups: Vec::new(),
        strings: None,
    };
    let body = codec().create("s", &[user.clone(), user]);
    assert_eq!(
        body.matches("<User name=\"v\"><Credentials pin=\"4321\"/></User>")
            .count(),
        2
    );
    assert!(!body.contains("Transport") && !body.contains("Rights"));
}

#[test]
fn delete_and_reprovision_name_several_users_and_escape() {
    let c = codec();
    assert_eq!(
        c.delete("s&\"", &["a", "b<c"]),
        r#"<AdminRequest secret="s&amp;&quot;" version="3.4"><Delete><User name="a"/><User name="b&lt;c"/></Delete></AdminRequest>"#
    );
    assert_eq!(
        c.reprovision("s", &["a"]).unwrap(),
        r#"<AdminRequest secret="s" version="3.4"><Reprovision><User name="a"/></Reprovision></AdminRequest>"#
    );
    assert_eq!(c.path(), "/AdminXML");
    assert_eq!(c.url("http://h:1/pinsafe/"), "http://h:1/pinsafe/AdminXML");
    assert!(c.can_reprovision());
}

#[test]
fn a_profile_without_reprovision_cannot_write_one() {
    let mut profile = WireProfile::default_profile();
    profile.admin = Some(AdminSection {
        reprovision: None,
        create: "Add".into(),
        ..AdminSection::default()
    });
    let c = AdminCodec::new(&profile);
    assert!(!c.can_reprovision());
    assert_eq!(
        c.reprovision("s", &["a"]),
        Err(AdminRequestError::NoReprovision("mobile-3.6".into()))
    );
    assert!(c.create("s", &[]).contains("<Add></Add>"));
}

#[test]
fn replies_read_into_per_user_results() {
    let reply = codec()
        .parse_reply(br#"<AdminResponse><User name="a" result="PASS"/><User name="b" result="FAIL" error="user &quot;b&quot; already exists"/><User name="c" result="FAIL"/></AdminResponse>"#)
        .unwrap();
    assert!(reply.passed("a"));
    assert_eq!(
        reply.outcome("b"),
        Some(&AdminOutcome::Fail(Some(
            "user \"b\" already exists".into()
        )))
    );
    assert_eq!(reply.outcome("c"), Some(&AdminOutcome::Fail(None)));
    assert_eq!(reply.outcome("z"), None);
    let refused = codec()
        .parse_reply(br#"<AdminResponse result="FAIL" error="wrong secret"/>"#)
        .unwrap();
    assert_eq!(refused, AdminReply::Refused(Some("wrong secret".into())));
    assert!(!refused.passed("a"));
}

#[test]
fn malformed_replies_are_typed_errors() {
    let c = codec();
    let err = |body: &[u8]| c.parse_reply(body).unwrap_err();
    assert!(matches!(err(b""), AdminReplyError::Malformed(_)));
    assert!(matches!(
        err(b"<AdminResponse>"),
        AdminReplyError::Malformed(_)
    ));
    assert!(matches!(
        err(b"<!DOCTYPE x [<!ENTITY e \"e\">]><AdminResponse/>"),
        AdminReplyError::Malformed(_)
    ));
    assert_eq!(
        err(b"<SASResponse/>"),
        AdminReplyError::WrongRoot {
            found: "SASResponse".into(),
            expected: "AdminResponse".into()
        }
    );
    assert_eq!(
        err(b"<AdminResponse><Group/></AdminResponse>"),
        AdminReplyError::NotAUser("Group".into())
    );
    assert_eq!(
        err(b"<AdminResponse><User result=\"PASS\"/></AdminResponse>"),
        AdminReplyError::Unnamed
    );
    assert!(matches!(
        err(b"<AdminResponse><User name=\"a\" result=\"OK\"/></AdminResponse>"),
        AdminReplyError::BadResult { value: Some(v), .. } if v == "OK"
    ));
    assert!(matches!(
        err(b"<AdminResponse><User name=\"a\"/></AdminResponse>"),
        AdminReplyError::BadResult { value: None, .. }
    ));
    assert_eq!(err(b"<AdminResponse/>"), AdminReplyError::Empty);
    assert_eq!(
        err(b"<AdminResponse result=\"PASS\"/>"),
        AdminReplyError::Empty
    );
}

#[test]
fn the_server_reads_what_the_codec_writes() {
    // The server's own parser (an independent oracle) reads the codec's Create.
    use swivel_reference_server::wire::admin::{AdminOp, parse_admin_request, tree_limits};
    let body = codec().create("s", &[AdminUser::mobile("u", "1234", "u@example.test")]);
    let read = parse_admin_request(
        body.as_bytes(),
        &tree_limits(64 * 1024),
        &AdminSection::default(),
        &[],
    )
    .unwrap();
    assert_eq!(read.secret.as_deref(), Some("s"));
    let Ok(AdminOp::Create(spec)) = &read.items[0].op else {
        panic!("{read:?}")
    };
    assert_eq!((spec.username.as_str(), spec.pin.as_str()), ("u", "1234"));
    assert!(spec.mobile_client);
    assert_eq!(
        spec.alert_transport
            .as_ref()
            .map(|t| t.destination.as_str()),
        Some("u@example.test")
    );
}
