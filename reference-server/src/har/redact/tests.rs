//! Tests of the HAR redactor: every secret position of both built-in wires is masked
//! with its shape kept, values learned in one place are masked in every other, and what
//! is not a secret (names, policy ids, lengths) stays.

use super::*;
use crate::har::{Content, PostData, Request, Response};

fn entry(method: &str, url: &str, body: &str, reply: &str) -> Entry {
    Entry {
        started_date_time: String::new(),
        time: 0.0,
        request: Request {
            method: method.into(),
            url: url.into(),
            headers: vec![NameValue::new("Content-Length", "1234")],
            post_data: (!body.is_empty()).then(|| PostData {
                mime_type: "application/xml".into(),
                text: body.into(),
                ..PostData::default()
            }),
            ..Request::default()
        },
        response: Response {
            status: 200,
            content: Content {
                text: Some(reply.into()),
                ..Content::default()
            },
            ..Response::default()
        },
        cache: Default::default(),
        timings: Default::default(),
        comment: None,
        node: None,
    }
}

fn redactor() -> HarRedactor {
    HarRedactor::new(SecretNames::builtin())
}

fn reply_text(e: &Entry) -> &str {
    e.response.content.text.as_deref().unwrap()
}

fn request_text(e: &Entry) -> &str {
    &e.request.post_data.as_ref().unwrap().text
}

#[test]
fn mask_keeps_length_punctuation_and_index_suffixes() {
    assert_eq!(mask("AB12-cd", SecretKind::Code), "xxxx-xx");
    assert_eq!(
        mask(";491827630501;123456789002", SecretKind::Strings),
        ";xxxxxxxxxx01;xxxxxxxxxx02"
    );
    assert_eq!(mask("162005", SecretKind::Otc), "xxxx05");
    assert_eq!(mask("162005", SecretKind::Code), "xxxxxx");
}

#[test]
fn provision_strings_and_login_are_masked_and_learned_values_follow() {
    let mut r = redactor();
    let mut provision = entry(
        "POST",
        "http://h:1/pinsafe/AgentXML",
        "<SASRequest><Version>3.6</Version><Action>provision</Action><Username>alice</Username><ProvisionCode>K3Y9CODE42</ProvisionCode></SASRequest>",
        "<?xml version=\"1.0\"?><SASResponse><Version>3.6</Version><Result>PASS</Result><Id>0123abcd0123abcd</Id><Policies><Policy id=\"AllowPinEntry\" section=\"MobileClient\" show=\"true\">OFF</Policy></Policies></SASResponse>",
    );
    r.redact_entry(&mut provision);
    assert!(request_text(&provision).contains("<ProvisionCode>xxxxxxxxxx</ProvisionCode>"));
    assert!(request_text(&provision).contains("<Username>alice</Username>"));
    assert!(reply_text(&provision).contains("<Id>xxxxxxxxxxxxxxxx</Id>"));
    assert!(reply_text(&provision).contains("id=\"AllowPinEntry\""));

    let mut strings = entry(
        "POST",
        "http://h:1/pinsafe/AgentXML",
        "<SASRequest><Action>SecurityStrings</Action><Id>0123abcd0123abcd</Id></SASRequest>",
        "<SASResponse><Result>PASS</Result><SecurityStrings>;491827630501;123456789002</SecurityStrings></SASResponse>",
    );
    r.redact_entry(&mut strings);
    assert!(request_text(&strings).contains("<Id>xxxxxxxxxxxxxxxx</Id>"));
    assert!(
        reply_text(&strings)
            .contains("<SecurityStrings>;xxxxxxxxxx01;xxxxxxxxxx02</SecurityStrings>")
    );

    // The device id learned above is masked in a URL and a message that carry it.
    let mut token = entry(
        "GET",
        "http://h:1/pinsafe/TokenIndex?username=alice&id=0123abcd0123abcd",
        "",
        "DEVICE_NOT_PROVISIONED: 0123abcd0123abcd is not bound",
    );
    token.request.query_string = vec![NameValue::new("id", "0123abcd0123abcd")];
    r.redact_entry(&mut token);
    assert_eq!(
        token.request.url,
        "http://h:1/pinsafe/TokenIndex?username=alice&id=xxxxxxxxxxxxxxxx"
    );
    assert_eq!(token.request.query_string[0].value, "xxxxxxxxxxxxxxxx");
    assert_eq!(
        reply_text(&token),
        "DEVICE_NOT_PROVISIONED: xxxxxxxxxxxxxxxx is not bound"
    );
    assert_eq!(
        token.request.headers[0].value, "1234",
        "lengths are no secret"
    );

    let mut login = entry(
        "POST",
        "http://h:1/pinsafe/AgentXML",
        "<SASRequest><Secret>swivel-harness-secret</Secret><Action>login</Action><Username>alice</Username><Password/><OTC>162005</OTC></SASRequest>",
        "<SASResponse><Result>PASS</Result></SASResponse>",
    );
    r.redact_entry(&mut login);
    let text = request_text(&login);
    assert!(
        text.contains("<Secret>xxxxxx-xxxxxxx-xxxxxx</Secret>"),
        "{text}"
    );
    assert!(text.contains("<Password/><OTC>xxxx05</OTC>"), "{text}");
}

#[test]
fn agentxml_policy_ids_stay_and_a_broken_body_is_still_masked() {
    let mut r = redactor();
    let mut e = entry(
        "POST",
        "http://h/pinsafe/AgentXML",
        "<SASRequest><Action>Provision</Action><ProvisionCode>ABCDEFGH12</ProvisionCode><Username>a&b",
        "<SASResponse><Result>PASS</Result><Id>feedfacefeedface</Id><Policy><Id>AllowPinEntry</Id><Content>ON</Content></Policy></SASResponse>",
    );
    r.redact_entry(&mut e);
    assert!(request_text(&e).contains("<ProvisionCode>xxxxxxxxxx</ProvisionCode>"));
    let reply = reply_text(&e);
    assert!(
        reply.contains("<Id>xxxxxxxxxxxxxxxx</Id><Policy><Id>AllowPinEntry</Id>"),
        "{reply}"
    );
}

#[test]
fn complete_urls_qr_payloads_images_and_credentials() {
    let mut r = redactor();
    let mut landing = entry(
        "GET",
        "http://h/smc/complete/HARNESS01/alice/Q7W8E9R0T1",
        "",
        "<html>code Q7W8E9R0T1 for alice</html>",
    );
    landing
        .request
        .headers
        .push(NameValue::new("Cookie", "JSESSIONID=abc"));
    landing
        .response
        .headers
        .push(NameValue::new("Set-Cookie", "JSESSIONID=abc; Path=/"));
    r.redact_entry(&mut landing);
    assert_eq!(
        landing.request.url,
        "http://h/smc/complete/HARNESS01/alice/xxxxxxxxxx"
    );
    assert_eq!(
        reply_text(&landing),
        "<html>code xxxxxxxxxx for alice</html>"
    );
    assert_eq!(landing.request.headers[1].value, "xxxxxxxxxx=xxx");
    assert_eq!(landing.response.headers[0].value, "xxxxxxxxxx=xxx; xxxx=/");

    let mut qr = entry(
        "GET",
        "http://h/pinsafe/userportal/getQRCode?text=http%3A%2F%2Fh%2Fsmc%2Fcomplete%2FS%2Fu%2FZZ99ZZ99ZZ",
        "",
        "",
    );
    qr.response.content = Content {
        text: Some("iVBORw0KGgo=".into()),
        encoding: Some("base64".into()),
        ..Content::default()
    };
    r.redact_entry(&mut qr);
    assert!(
        qr.request.url.starts_with("http://h/"),
        "{}",
        qr.request.url
    );
    assert!(!qr.request.url.contains("ZZ99ZZ99ZZ"), "{}", qr.request.url);
    assert!(
        qr.request
            .url
            .contains("?text=xxxx%3A%2F%2Fx%2Fxxx%2Fxxxxxxxx%2Fx%2Fx%2Fxxxxxxxxxx")
    );
    assert_eq!(qr.response.content.text, None);
    assert!(
        qr.response
            .content
            .comment
            .as_deref()
            .unwrap()
            .contains("withheld")
    );
}

#[test]
fn given_secrets_are_masked_wherever_they_appear() {
    let mut r = redactor();
    r.learn("3759", SecretKind::Credential);
    let mut e = entry(
        "POST",
        "http://h/pinsafe/AgentXML",
        "<x>PIN 3759, 37590</x>",
        "",
    );
    r.redact_entry(&mut e);
    assert_eq!(request_text(&e), "<x>PIN xxxx, 37590</x>");
}

#[test]
fn a_whole_file_is_noted_as_redacted() {
    let mut har = Har {
        log: crate::har::Log {
            version: "1.2".into(),
            creator: Default::default(),
            comment: None,
            entries: vec![],
        },
    };
    redactor().redact_har(&mut har);
    redactor().redact_har(&mut har);
    assert_eq!(
        har.log.comment.as_deref(),
        Some("secrets masked by swivel-harness (shape kept)")
    );
}
