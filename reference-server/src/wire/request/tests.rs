//! Tests of the request parser: every refusal (DOCTYPE, entities, nesting, repeats,
//! truncation, bad UTF-8, limits) and the accepted shapes.

use std::time::{Duration, Instant};

use super::*;

const PROVISION: &str = r#"<?xml version="1.0"?><SASRequest><Version>3.6</Version><Action>Provision</Action><Username>u</Username><ProvisionCode>c</ProvisionCode><DeviceOS>ios</DeviceOS></SASRequest>"#;

fn parse(body: &str) -> Result<SasRequest, XmlError> {
    parse_sas_request(body.as_bytes(), &RequestLimits::default())
}

fn parse_err(body: &str) -> XmlError {
    match parse(body) {
        Ok(request) => panic!("expected an error for {body:?}, got {request:?}"),
        Err(err) => err,
    }
}

fn value(body: &str, name: &str) -> String {
    match parse(body) {
        Ok(request) => request.get(name).map(str::to_owned).unwrap_or_default(),
        Err(err) => panic!("expected {body:?} to parse, got {err}"),
    }
}

fn wrap(children: &str) -> String {
    format!("<SASRequest>{children}</SASRequest>")
}

fn is_malformed(err: &XmlError) -> bool {
    matches!(err, XmlError::Malformed(_))
}

fn wrong_root(found: &str) -> XmlError {
    XmlError::WrongRoot {
        found: found.into(),
        expected: DEFAULT_ROOT.into(),
    }
}

#[test]
fn provision_request_yields_fields_in_order() -> Result<(), XmlError> {
    let request = parse(PROVISION)?;
    let fields: Vec<_> = request.fields().collect();
    assert_eq!(
        fields,
        [
            ("Version", "3.6"),
            ("Action", "Provision"),
            ("Username", "u"),
            ("ProvisionCode", "c"),
            ("DeviceOS", "ios"),
        ]
    );
    assert_eq!(request.require("Username")?, "u");
    Ok(())
}

#[test]
fn names_are_case_sensitive() -> Result<(), XmlError> {
    let request = parse(PROVISION)?;
    assert_eq!(request.get("username"), None);
    assert_eq!(request.get("Username"), Some("u"));
    assert_eq!(
        parse_err("<sasrequest></sasrequest>"),
        wrong_root("sasrequest")
    );
    Ok(())
}

#[test]
fn missing_element_is_reported_by_require() -> Result<(), XmlError> {
    let request = parse(PROVISION)?;
    let err = request.require("OTC").err();
    assert_eq!(err, Some(XmlError::MissingElement("OTC".into())));
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "required element <OTC> is missing"
    );
    Ok(())
}

#[test]
fn empty_element_is_empty_value() -> Result<(), XmlError> {
    let request = parse(&wrap("<Password/><Secret></Secret><Pin> \n </Pin>"))?;
    assert_eq!(request.require("Password")?, "");
    assert_eq!(request.require("Secret")?, "");
    assert_eq!(request.require("Pin")?, "");
    assert_eq!(parse("<SASRequest/>")?.fields().count(), 0);
    Ok(())
}

#[test]
fn values_are_trimmed() {
    assert_eq!(
        value(
            &wrap("<Username>\r\n\t  bob smith \n</Username>"),
            "Username"
        ),
        "bob smith"
    );
    // Only XML whitespace is trimmed; a no-break space is content.
    assert_eq!(
        value(&wrap("<Username>&#160;bob </Username>"), "Username"),
        "\u{a0}bob"
    );
}

#[test]
fn predefined_and_numeric_entities_are_unescaped() {
    let body = wrap("<Username>&lt;a&gt; &amp; &apos;b&quot; &#65;&#x42;&#x1F600;</Username>");
    assert_eq!(value(&body, "Username"), "<a> & 'b\" AB\u{1F600}");
}

#[test]
fn invalid_character_reference_is_refused() {
    for reference in [
        "#0",
        "#x1",
        "#xD800",
        "#xFFFE",
        "#X41",
        "#+65",
        "#",
        "#x",
        "#99999999999",
    ] {
        assert_eq!(
            parse_err(&wrap(&format!("<A>&{reference};</A>"))),
            XmlError::InvalidCharRef(reference.into()),
            "{reference}"
        );
    }
}

#[test]
fn unknown_entity_is_refused() {
    let err = parse_err(&wrap("<Username>&nbsp;</Username>"));
    assert_eq!(err, XmlError::UndefinedEntity("nbsp".into()));
    assert_eq!(
        err.to_string(),
        "entity &nbsp; is not defined; only &lt; &gt; &amp; &apos; &quot; and numeric character references are allowed"
    );
    // Directly inside the root, the entity is refused before the text is judged.
    assert_eq!(
        parse_err(&wrap("&xxe;")),
        XmlError::UndefinedEntity("xxe".into())
    );
}

#[test]
fn bare_ampersand_is_malformed() {
    for body in [
        wrap("<A>AT&T</A>"),
        wrap("<A>a & b;</A>"),
        wrap("<A>&;</A>"),
        wrap("<A>a &&amp;</A>"),
    ] {
        let err = parse_err(&body);
        assert!(is_malformed(&err), "{body}: {err:?}");
        assert!(err.to_string().contains("&amp;"), "{err}");
    }
}

#[test]
fn cdata_is_text() {
    assert_eq!(
        value(&wrap("<Code> <![CDATA[<b>&amp;</b>]]>x </Code>"), "Code"),
        "<b>&amp;</b>x"
    );
    assert_eq!(parse_err(&wrap("<![CDATA[x]]><A/>")), XmlError::StrayText);
}

#[test]
fn comments_are_ignored() {
    let body =
        "<!-- before --><SASRequest><!-- a --><A>x<!-- inside -->y</A></SASRequest><!-- after -->";
    assert_eq!(value(body, "A"), "xy");
}

#[test]
fn attributes_are_ignored() -> Result<(), XmlError> {
    let body =
        r#"<SASRequest xmlns="urn:x" a='1' b="&lt;&#65;"><A kind="x">v</A><B c="d"/></SASRequest>"#;
    let request = parse(body)?;
    assert_eq!(
        request.fields().collect::<Vec<_>>(),
        [("A", "v"), ("B", "")]
    );
    Ok(())
}

#[test]
fn bad_attributes_are_malformed() {
    for body in [
        r#"<SASRequest a="1" a="2"></SASRequest>"#,
        r#"<SASRequest a=1></SASRequest>"#,
        r#"<SASRequest a></SASRequest>"#,
        r#"<SASRequest><A b="&ent;">x</A></SASRequest>"#,
        r#"<SASRequest><A b="&#0;">x</A></SASRequest>"#,
        r#"<SASRequest><A b="x & y">x</A></SASRequest>"#,
        r#"<SASRequest><A b="<">x</A></SASRequest>"#,
    ] {
        let err = parse_err(body);
        assert!(is_malformed(&err), "{body}: {err:?}");
    }
}

#[test]
fn declaration_and_bom_are_accepted() {
    let mut body = b"\xEF\xBB\xBF \n".to_vec();
    body.extend_from_slice(br#"<?xml version="1.0" encoding="UTF-8"?>"#);
    body.extend_from_slice(b"\n<SASRequest><A>x</A></SASRequest>\n");
    let request = parse_sas_request(&body, &RequestLimits::default());
    assert_eq!(
        request.map(|r| r.get("A").map(str::to_owned)),
        Ok(Some("x".into()))
    );
}

#[test]
fn misplaced_declaration_is_malformed() {
    for body in [
        r#"<!-- c --><?xml version="1.0"?><SASRequest/>"#,
        r#"<SASRequest><?xml version="1.0"?></SASRequest>"#,
        r#"<?xml encoding="UTF-8"?><SASRequest/>"#,
    ] {
        let err = parse_err(body);
        assert!(is_malformed(&err), "{body}: {err:?}");
    }
}

#[test]
fn doctype_is_refused_before_any_expansion() {
    let body = r#"<?xml version="1.0"?><!DOCTYPE SASRequest [<!ENTITY user "admin">]><SASRequest><Username>&user;</Username></SASRequest>"#;
    assert_eq!(parse_err(body), XmlError::DoctypeRefused);
    let xxe = r#"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SASRequest><A>&xxe;</A></SASRequest>"#;
    assert_eq!(parse_err(xxe), XmlError::DoctypeRefused);
    // Lowercase, inside the root, unterminated: all refused the same way.
    assert_eq!(
        parse_err("<!doctype x><SASRequest/>"),
        XmlError::DoctypeRefused
    );
    assert_eq!(
        parse_err("<SASRequest><!DOCTYPE x></SASRequest>"),
        XmlError::DoctypeRefused
    );
    assert_eq!(
        parse_err("<!DOCTYPE x [ <!ENTITY"),
        XmlError::DoctypeRefused
    );
    assert_eq!(parse_err("<!DOCTYPE>"), XmlError::DoctypeRefused);
}

#[test]
fn billion_laughs_is_refused() {
    let mut body =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    body.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for level in 2..=9 {
        let prev = level - 1;
        let refs = format!("&lol{prev};").repeat(10);
        body.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
    }
    body.push_str("]>\n<SASRequest><Username>&lol9;</Username></SASRequest>");
    let started = Instant::now();
    assert_eq!(parse_err(&body), XmlError::DoctypeRefused);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn processing_instruction_is_refused() {
    let body = r#"<?xml version="1.0"?><?xml-stylesheet href="x"?><SASRequest/>"#;
    let err = parse_err(body);
    assert_eq!(
        err,
        XmlError::ProcessingInstructionRefused("xml-stylesheet".into())
    );
    assert_eq!(
        err.to_string(),
        "processing instruction <?xml-stylesheet ...?> is not accepted; only the leading <?xml ...?> declaration is allowed"
    );
    assert_eq!(
        parse_err(&wrap("<A><?php echo 1 ?></A>")),
        XmlError::ProcessingInstructionRefused("php".into())
    );
}

#[test]
fn wrong_root_is_refused() {
    let err = parse_err("<SASResponse><A>x</A></SASResponse>");
    assert_eq!(err, wrong_root("SASResponse"));
    assert_eq!(
        err.to_string(),
        "root element is <SASResponse>, expected <SASRequest>"
    );
    assert_eq!(parse_err("<s:SASRequest/>"), wrong_root("s:SASRequest"));
}

#[test]
fn nested_element_is_refused() {
    let err = parse_err(&wrap("<Username>bob<b>x</b></Username>"));
    assert_eq!(err, XmlError::NestedElement("Username".into()));
    assert_eq!(
        err.to_string(),
        "element <Username> contains a nested element; request values must be plain text"
    );
    assert_eq!(
        parse_err(&wrap("<Username><b/></Username>")),
        XmlError::NestedElement("Username".into())
    );
}

#[test]
fn repeated_element_is_refused() {
    let err = parse_err(&wrap(
        "<Username>a</Username><Action>x</Action><Username>b</Username>",
    ));
    assert_eq!(err, XmlError::RepeatedElement("Username".into()));
    assert_eq!(err.to_string(), "element <Username> appears more than once");
    assert_eq!(
        parse_err(&wrap("<Password/><Password/>")),
        XmlError::RepeatedElement("Password".into())
    );
}

#[test]
fn too_many_elements_is_refused() {
    let limits = RequestLimits {
        max_elements: 3,
        ..RequestLimits::default()
    };
    let three = wrap("<A/><B>b</B><C/>");
    assert_eq!(
        parse_sas_request(three.as_bytes(), &limits).map(|r| r.fields().count()),
        Ok(3)
    );
    let four = wrap("<A/><B>b</B><C/><D/>");
    let err = parse_sas_request(four.as_bytes(), &limits).err();
    assert_eq!(err, Some(XmlError::TooManyElements { limit: 3 }));
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "the root element has more than 3 child elements"
    );
}

#[test]
fn value_too_long_is_refused() {
    let limits = RequestLimits {
        max_value_bytes: 8,
        ..RequestLimits::default()
    };
    // The limit applies to the unescaped, trimmed value.
    let at_limit = wrap("<Username>   &lt;234567&#56;   </Username>");
    assert_eq!(
        parse_sas_request(at_limit.as_bytes(), &limits).map(|r| r.get("Username").map(str::len)),
        Ok(Some(8))
    );
    let over = wrap("<Username>123456789</Username>");
    let err = parse_sas_request(over.as_bytes(), &limits).err();
    assert_eq!(
        err,
        Some(XmlError::ValueTooLong {
            element: "Username".into(),
            limit: 8
        })
    );
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "value of element <Username> is longer than 8 bytes"
    );
}

#[test]
fn text_directly_in_root_is_refused() {
    assert_eq!(parse_err(&wrap("<A>x</A>stray")), XmlError::StrayText);
    assert_eq!(parse_err(&wrap("&#65;<A/>")), XmlError::StrayText);
    // Whitespace between children (pretty-printed requests) is fine.
    assert_eq!(value(&wrap("\n  <A>x</A>\n  &#32;\n"), "A"), "x");
}

#[test]
fn text_before_root_is_malformed() {
    assert!(is_malformed(&parse_err("<!-- c -->junk<SASRequest/>")));
    assert!(is_malformed(&parse_err("<![CDATA[x]]><SASRequest/>")));
}

#[test]
fn trailing_content_is_refused() {
    for body in [
        "<SASRequest/>x",
        "<SASRequest/><SASRequest/>",
        "<SASRequest></SASRequest><A/>",
        "<SASRequest/></SASRequest>",
        "<SASRequest/>&amp;",
        "<SASRequest/><![CDATA[x]]>",
        "<SASRequest/><?pi x?>",
        "<SASRequest/><",
    ] {
        assert_eq!(parse_err(body), XmlError::TrailingContent, "{body}");
    }
    assert!(parse("<SASRequest/>\n <!-- done -->\r\n").is_ok());
}

#[test]
fn truncated_document_is_refused() {
    for body in [
        "<SASRequest>",
        "<SASRequest><Username>bob",
        "<SASRequest><Username>bob</Username",
        "<SASRequest><Username>bob</Username>",
        "<SASRequest><Userna",
        "<SASRequest><!-- comment",
        "<SASRequest><A><![CDATA[x",
        "<?xml version=\"1.0\"",
        "<?xml version=\"1.0\"?>",
        "<!-- only a comment -->",
    ] {
        assert_eq!(parse_err(body), XmlError::Truncated, "{body}");
    }
    // Every proper prefix of a valid request is refused, never half-accepted.
    for end in 1..PROVISION.len() {
        if let Some(prefix) = PROVISION.get(..end) {
            assert!(parse(prefix).is_err(), "{prefix}");
        }
    }
    assert_eq!(
        XmlError::Truncated.to_string(),
        "the request ends before its root element is closed (truncated body?)"
    );
}

#[test]
fn mismatched_end_tag_is_malformed() {
    let err = parse_err(&wrap("<Username>bob</Action>"));
    assert_eq!(
        err,
        XmlError::Malformed(
            "at byte 25: ill-formed document: expected `</Username>`, but `</Action>` was found"
                .into()
        )
    );
    assert_eq!(
        err.to_string(),
        "malformed XML: at byte 25: ill-formed document: expected `</Username>`, but `</Action>` was found"
    );
    assert!(is_malformed(&parse_err("</SASRequest>")));
    assert!(is_malformed(&parse_err("<SASRequest><!x></SASRequest>")));
}

#[test]
fn malformed_message_is_at_most_200_chars() {
    let long = "N".repeat(5000);
    let err = parse_err(&wrap(&format!("<{long}>x</Other>")));
    match err {
        XmlError::Malformed(message) => assert!(message.chars().count() <= 200, "{message}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    // Names echoed in other errors are clipped too.
    match parse_err(&format!("<{long}/>")) {
        XmlError::WrongRoot { found, .. } => assert!(found.chars().count() <= 64),
        other => panic!("expected WrongRoot, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_reports_offset() {
    let mut body = b"<SASRequest><Username>".to_vec();
    body.extend_from_slice(b"ab\xFF</Username></SASRequest>");
    let err = parse_sas_request(&body, &RequestLimits::default()).err();
    assert_eq!(err, Some(XmlError::InvalidUtf8 { offset: 24 }));
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "request body is not valid UTF-8 (invalid byte sequence at byte offset 24)"
    );
    // Offsets count the BOM; a truncated multi-byte sequence is caught too.
    let mut with_bom = b"\xEF\xBB\xBF<SASRequest>".to_vec();
    with_bom.extend_from_slice(b"\xE2\x82");
    assert_eq!(
        parse_sas_request(&with_bom, &RequestLimits::default()).err(),
        Some(XmlError::InvalidUtf8 { offset: 15 })
    );
}

#[test]
fn not_xml_is_distinguished() {
    for body in [
        "",
        "   \r\n",
        "\u{FEFF}",
        "{\"Action\":\"ping\"}",
        "Action=ping&Username=u",
    ] {
        let err = parse_err(body);
        assert!(err.is_not_xml(), "{body:?}: {err:?}");
        assert!(matches!(err, XmlError::NotXml { .. }));
    }
    assert_eq!(
        parse_err("").to_string(),
        "request body is not XML: the body is empty"
    );
    assert_eq!(
        parse_err("hello").to_string(),
        "request body is not XML: it does not start with '<'"
    );
    // Binary junk is "not XML" rather than a UTF-8 error.
    assert!(
        parse_sas_request(b"\xFF\xFE<\x00", &RequestLimits::default())
            .err()
            .is_some_and(|e| e.is_not_xml())
    );
    // Anything that starts like XML is a bad request, not a 415.
    for err in [
        XmlError::Truncated,
        XmlError::DoctypeRefused,
        parse_err("<SASRequest>"),
        parse_err("<Foo/>"),
    ] {
        assert!(!err.is_not_xml(), "{err:?}");
    }
}

#[test]
fn too_large_body_is_refused() {
    let limits = RequestLimits {
        max_body_bytes: 20,
        ..RequestLimits::default()
    };
    let fits = "<SASRequest><A/>   </SASRequest>";
    let (at_limit, over) = (&fits[..20], fits);
    assert!(!matches!(
        parse_sas_request(at_limit.as_bytes(), &limits),
        Err(XmlError::TooLarge { .. })
    ));
    let err = parse_sas_request(over.as_bytes(), &limits).err();
    assert_eq!(
        err,
        Some(XmlError::TooLarge {
            size: 32,
            limit: 20
        })
    );
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "request body is 32 bytes, more than the limit of 20 bytes"
    );
}

#[test]
fn ten_megabyte_body_is_refused_quickly() {
    let mut body = b"<SASRequest><A>".to_vec();
    body.resize(10 * 1024 * 1024, b'a');
    let started = Instant::now();
    let err = parse_sas_request(&body, &RequestLimits::default()).err();
    assert!(matches!(err, Some(XmlError::TooLarge { size, limit: 65536 }) if size == body.len()));
    assert!(started.elapsed() < Duration::from_millis(100));
}

/// Shapes that make naive parsers slow (nesting, many references, attributes,
/// unterminated constructs) must all finish in time linear in the input.
#[test]
fn junk_bodies_of_60_kib_are_handled_in_linear_time() {
    const SIZE: usize = 60 * 1024;
    let fill = |prefix: &str, unit: &str| {
        let mut body = String::from(prefix);
        while body.len() + unit.len() <= SIZE {
            body.push_str(unit);
        }
        body
    };
    let mut attributes = String::from("<SASRequest");
    for i in 0.. {
        if attributes.len() > SIZE - 20 {
            break;
        }
        attributes.push_str(&format!(" a{i}=\"&amp;\""));
    }
    attributes.push('>');
    let bodies = [
        fill("", "<a>"),
        fill("<SASRequest>", "<a>"),
        fill("<SASRequest><A>", "&amp;"),
        fill("<SASRequest><A>", "&#65;&"),
        fill("<SASRequest><A>", "&&&&&&&;"),
        fill("<SASRequest><!--", "- -- -"),
        fill("<SASRequest><A><![CDATA[", "]]]"),
        fill("<!DOCTYPE x [", "<<<>"),
        fill("<SASRequest>", "<A/>"),
        fill("<SASRequest>", "</A>"),
        fill("<SASRequest><A ", "b=\"c\" "),
        fill("<SASRequest><A>", "\r\n"),
        fill("<", "\u{FFFD}"),
        fill("<?xml ", "?"),
        fill("<SASRequest>", " "),
        attributes,
    ];
    let started = Instant::now();
    for body in &bodies {
        assert!(body.len() <= SIZE);
        let one = Instant::now();
        let result = parse(body);
        assert!(result.is_err(), "{:?}", &body[..40]);
        assert!(
            one.elapsed() < Duration::from_millis(500),
            "{:?} took {:?}",
            &body[..40],
            one.elapsed()
        );
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn many_unique_children_within_limit_are_accepted() -> Result<(), XmlError> {
    let limits = RequestLimits {
        max_elements: 5000,
        max_body_bytes: 1024 * 1024,
        ..RequestLimits::default()
    };
    let children: String = (0..5000).map(|i| format!("<E{i}>{i}</E{i}>")).collect();
    let body = wrap(&children);
    let request = parse_sas_request(body.as_bytes(), &limits)?;
    assert_eq!(request.require("E4999")?, "4999");
    assert_eq!(request.fields().count(), 5000);
    Ok(())
}
