//! Tests of profile loading: the built-in profile, its evidence, and every validation
//! error a hand-written profile can hit.

use super::builtin::{AGENTXML_36_TOML, MOBILE_36_TOML};
use super::validate::is_xml_name;
use super::*;

fn builtin() -> WireProfile {
    WireProfile::builtin("mobile-3.6").unwrap()
}

fn agentxml() -> WireProfile {
    WireProfile::builtin("agentxml-3.6").unwrap()
}

/// The default profile's text with `from` replaced by `to` (which must occur exactly
/// once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(MOBILE_36_TOML.matches(from).count(), 1, "{from}");
    MOBILE_36_TOML.replacen(from, to, 1)
}

fn invalid(text: &str) -> (String, String, String) {
    match WireProfile::from_toml(text, "test.toml") {
        Err(ProfileError::Invalid {
            origin,
            field,
            problem,
        }) => (origin, field, problem),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn builtin_profiles_are_valid() {
    for name in builtin::NAMES {
        let text = if name == "mobile-3.6" {
            MOBILE_36_TOML
        } else {
            AGENTXML_36_TOML
        };
        let p = WireProfile::from_toml(text, "built-in").unwrap();
        assert_eq!(p.name, name);
    }
}

#[test]
fn default_profile_is_the_mobile_wire_of_protocol_section_9() {
    let p = builtin();
    assert_eq!(p.name, "mobile-3.6");
    assert_eq!(p.version, "3.6");
    assert_eq!(p.source(), "built-in");
    assert_eq!(p.paths.agent_xml, "/AgentXML");
    assert_eq!(p.paths.token_index, "/TokenIndex");
    assert_eq!(p.paths.self_provision, "/reset/provision.jsp");
    assert_eq!(p.paths.qr_code, "/userportal/getQRCode");
    assert_eq!(p.requests.content_type, "application/xml; charset=utf-8");
    assert!(!p.requests.xml_prolog);
    assert!(!p.requests.provision_device_os);
    assert!(!p.requests.strings_username);
    assert_eq!(p.actions.provision, "provision");
    assert_eq!(p.action_aliases.provision, ["Provision"]);
    assert_eq!(p.elements.request_root, "SASRequest");
    assert_eq!(p.elements.device_id, "Id");
    assert_eq!(p.actions.login, "login");
    assert_eq!(p.results.pass, "PASS");
    assert_eq!(p.strings.separator, ";");
    assert_eq!(p.strings.layout, StringsLayout::Indexed);
    assert_eq!(p.strings.position_zero.as_deref(), Some(""));
    assert_eq!(p.strings.layout.position_of(5), 5);
    assert_eq!(p.policies.shape(), "attributes");
    assert_eq!(p.ssd.path, "/ssdserver/getServerDetails");
    assert_eq!(p.ssd.root, "getServerDetailsResponse");
    assert_eq!(p.ssd.result, "responseCode");
    assert_eq!((p.ssd.pass.as_str(), p.ssd.yes.as_str()), ("0", "YES"));
    assert_eq!(p.ssd.context, "connectionType");
    assert_eq!(WireProfile::default_profile(), p);
    assert_eq!(WireProfile::resolve("mobile-3.6").unwrap(), p);
    assert!(WireProfile::builtin("agentxml-9").is_none());
}

#[test]
fn agentxml_profile_is_the_earlier_spelling() {
    let p = agentxml();
    assert_eq!(p.actions.provision, "Provision");
    assert!(p.action_aliases.provision.is_empty());
    assert!(p.requests.strings_username);
    assert_eq!(p.strings.layout, StringsLayout::Packed);
    assert_eq!(p.strings.layout.position_of(1), 0);
    assert_eq!(p.policies.shape(), "elements");
    assert_eq!(p.ssd.path, "/ssd/lookup");
    assert_eq!(p.ssd.unknown_status, 404);
    assert_eq!(p.ssd.error.as_deref(), Some("Error"));
    assert_eq!(p.provision_spellings().collect::<Vec<_>>(), ["Provision"]);
    assert_eq!(
        builtin().provision_spellings().collect::<Vec<_>>(),
        ["provision", "Provision"]
    );
}

#[test]
fn every_evidence_key_names_an_existing_part() {
    let p = builtin();
    let parts: Vec<String> = p.parts().into_iter().map(|(k, _)| k).collect();
    for key in p.evidence.keys() {
        assert!(
            parts.contains(key) || WireProfile::SECTIONS.contains(&key.as_str()),
            "evidence key {key} names no part"
        );
    }
    for part in &parts {
        assert!(p.evidence_of(part).is_some(), "{part} has no evidence");
    }
}

#[test]
fn parts_with_resolves_section_labels_and_overrides() {
    let p = builtin();
    let hint = p.parts_with(Evidence::Hint);
    assert!(hint.contains(&"errors.PROVISION_FAILURE".to_string()));
    assert!(hint.contains(&"paths.token_index".to_string()));
    assert!(hint.contains(&"policies.shape".to_string()));
    assert!(!hint.contains(&"elements.version".to_string()));
    let assumed = p.parts_with(Evidence::Assumed);
    assert!(assumed.contains(&"errors.DEVICE_NOT_PROVISIONED".to_string()));
    assert!(assumed.contains(&"strings.position_zero".to_string()));
    assert!(assumed.contains(&"ssd.fail".to_string()));
    let client = p.parts_with(Evidence::Client);
    assert!(client.contains(&"actions.provision".to_string()));
    assert!(client.contains(&"strings.layout".to_string()));
    assert!(client.contains(&"ssd.path".to_string()));
    let doc = p.parts_with(Evidence::Doc);
    assert!(doc.contains(&"elements.version".to_string()));
    assert!(doc.contains(&"results.pass".to_string()));
    let total = doc.len() + client.len() + hint.len() + assumed.len();
    assert_eq!(total, p.parts().len(), "each part has exactly one label");
}

#[test]
fn error_spellings_map_both_ways() {
    let mut p = builtin();
    p.errors.provision_failure = "ERR_PROVISION".to_string();
    assert_eq!(p.errors.canonical("ERR_PROVISION"), "PROVISION_FAILURE");
    assert_eq!(p.errors.wire("PROVISION_FAILURE"), Some("ERR_PROVISION"));
    assert_eq!(p.canonical_error("SOMETHING_ELSE"), "SOMETHING_ELSE");
    assert_eq!(p.errors.wire("NOT_A_NAME"), None);
}

#[test]
fn a_renamed_profile_loads_from_a_file() {
    let dir = std::env::temp_dir().join(format!("swivel-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("custom.toml");
    std::fs::write(
        &path,
        edited("name = \"mobile-3.6\"", "name = \"custom\"")
            .replace("result = \"Result\"", "result = \"Outcome\""),
    )
    .unwrap();
    let p = WireProfile::resolve(path.to_str().unwrap()).unwrap();
    assert_eq!(p.name, "custom");
    assert_eq!(p.elements.result, "Outcome");
    assert_eq!(p.source(), path.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_names_the_path_and_the_builtins() {
    let err = WireProfile::resolve("/nonexistent/profile.toml").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/nonexistent/profile.toml"), "{text}");
    assert!(text.contains("mobile-3.6, agentxml-3.6"), "{text}");
}

#[test]
fn unknown_field_is_refused_with_file_and_field() {
    let text = edited("[actions]\n", "[actions]\nprovison = \"x\"\n");
    let err = WireProfile::from_toml(&text, "my.toml").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ProfileError::Parse { .. }), "{msg}");
    assert!(msg.contains("my.toml"), "{msg}");
    assert!(msg.contains("provison"), "{msg}");
}

#[test]
fn missing_field_is_refused() {
    let text = edited("ping = \"ping\"\n", "");
    let msg = WireProfile::from_toml(&text, "my.toml")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("my.toml") && msg.contains("ping"), "{msg}");
}

#[test]
fn not_toml_is_a_parse_error() {
    let err = WireProfile::from_toml("this is = = not toml", "x.toml").unwrap_err();
    assert!(matches!(err, ProfileError::Parse { .. }), "{err}");
}

#[test]
fn empty_name_is_refused() {
    let (origin, field, problem) = invalid(&edited("name = \"mobile-3.6\"", "name = \" \""));
    assert_eq!(origin, "test.toml");
    assert_eq!(field, "name");
    assert!(problem.contains("empty"));
}

#[test]
fn path_without_slash_is_refused() {
    let (_, field, problem) = invalid(&edited(
        "agent_xml = \"/AgentXML\"",
        "agent_xml = \"AgentXML\"",
    ));
    assert_eq!(field, "paths.agent_xml");
    assert!(problem.contains("must start with '/'"), "{problem}");
}

#[test]
fn path_with_query_is_refused() {
    let (_, field, _) = invalid(&edited(
        "token_index = \"/TokenIndex\"",
        "token_index = \"/TokenIndex?x=1\"",
    ));
    assert_eq!(field, "paths.token_index");
}

#[test]
fn bad_param_name_is_refused() {
    let (_, field, _) = invalid(&edited(
        "qr_text_param = \"text\"",
        "qr_text_param = \"a&b\"",
    ));
    assert_eq!(field, "paths.qr_text_param");
}

#[test]
fn invalid_element_name_is_refused() {
    for bad in ["1Result", "Re sult", "", "<Result>", "Re&sult"] {
        let (_, field, problem) = invalid(&edited(
            "result = \"Result\"",
            &format!("result = \"{bad}\""),
        ));
        assert_eq!(field, "elements.result", "{bad}");
        assert!(
            problem.contains("not a valid XML element name"),
            "{problem}"
        );
    }
}

#[test]
fn xml_name_production() {
    for good in ["A", "_a", "a-b.c", "ns:x", "Élément", "x1"] {
        assert!(is_xml_name(good), "{good}");
    }
    for bad in ["", "-a", ".a", "1a", "a b", "a<b", "a\"b"] {
        assert!(!is_xml_name(bad), "{bad}");
    }
}

#[test]
fn equal_pass_and_fail_are_refused() {
    let (_, field, _) = invalid(&edited(
        "[results]\npass = \"PASS\"\nfail = \"FAIL\"",
        "[results]\npass = \"PASS\"\nfail = \"PASS\"",
    ));
    assert_eq!(field, "results.fail");
}

#[test]
fn two_errors_with_one_spelling_are_refused() {
    let (_, field, problem) = invalid(&edited(
        "BAD_REQUEST = \"BAD_REQUEST\"",
        "BAD_REQUEST = \"PROVISION_FAILURE\"",
    ));
    assert_eq!(field, "errors.BAD_REQUEST");
    assert!(problem.contains("errors.PROVISION_FAILURE"), "{problem}");
}

#[test]
fn empty_separator_and_blank_action_are_refused() {
    let (_, field, _) = invalid(&edited("separator = \";\"", "separator = \"\""));
    assert_eq!(field, "strings.separator");
    let (_, field, _) = invalid(&edited("ping = \"ping\"", "ping = \" ping\""));
    assert_eq!(field, "actions.ping");
}

#[test]
fn evidence_key_naming_no_part_is_refused() {
    let (_, field, problem) = invalid(&edited(
        "results = \"DOC\"",
        "results = \"DOC\"\n\"paths.agent_xm\" = \"DOC\"",
    ));
    assert_eq!(field, "evidence.\"paths.agent_xm\"");
    assert!(problem.contains("names no part"), "{problem}");
}

#[test]
fn part_without_evidence_is_refused() {
    let (_, field, _) = invalid(&edited("results = \"DOC\"\n", ""));
    assert_eq!(field, "evidence.\"results.pass\"");
}

#[test]
fn unknown_evidence_label_is_a_parse_error() {
    let err = WireProfile::from_toml(&edited("results = \"DOC\"", "results = \"GUESS\""), "t")
        .unwrap_err();
    assert!(matches!(err, ProfileError::Parse { .. }), "{err}");
}

#[test]
fn strings_layout_and_position_zero_must_agree() {
    let (_, field, _) = invalid(&edited("position_zero = \"\"\n", ""));
    assert_eq!(field, "strings.position_zero");
    let (_, field, problem) = invalid(&edited("layout = \"indexed\"", "layout = \"packed\""));
    assert_eq!(field, "strings.position_zero");
    assert!(problem.contains("indexed"), "{problem}");
    let err = WireProfile::from_toml(
        &edited("layout = \"indexed\"", "layout = \"diagonal\""),
        "t",
    )
    .unwrap_err();
    assert!(matches!(err, ProfileError::Parse { .. }), "{err}");
}

#[test]
fn ssd_and_policies_are_checked() {
    let (_, field, _) = invalid(&edited("fail = \"1\"", "fail = \"0\""));
    assert_eq!(field, "ssd.fail");
    let (_, field, _) = invalid(&edited(
        "path = \"/ssdserver/getServerDetails\"",
        "path = \"ssdserver\"",
    ));
    assert_eq!(field, "ssd.path");
    let (_, field, _) = invalid(&edited("hostname", "host name"));
    assert_eq!(field, "ssd.host");
    let (_, field, _) = invalid(&edited("unknown_status = 200", "unknown_status = 99"));
    assert_eq!(field, "ssd.unknown_status");
    let (_, field, _) = invalid(&edited("id_attribute = \"id\"", "id_attribute = \"1d\""));
    assert_eq!(field, "policies.id_attribute");
    // An elements-shape field in an attributes-shape table is a schema error.
    let err = WireProfile::from_toml(
        &edited(
            "container = \"Policies\"",
            "container = \"Policies\"\ncontent = \"x\"",
        ),
        "t",
    )
    .unwrap_err();
    assert!(matches!(err, ProfileError::Parse { .. }), "{err}");
}

#[test]
fn an_alias_repeating_the_action_is_refused() {
    let (_, field, _) = invalid(&edited(
        "provision = [\"Provision\"]",
        "provision = [\"provision\"]",
    ));
    assert_eq!(field, "action_aliases.provision");
}

#[test]
fn client_evidence_label_parses() {
    assert_eq!(
        builtin().evidence_of("actions.provision"),
        Some(Evidence::Client)
    );
    assert_eq!(Evidence::Client.label(), "CLIENT");
}

#[test]
fn mail_section_is_in_both_builtins_and_equals_the_default() {
    for p in [builtin(), agentxml()] {
        assert_eq!(p.mail.as_ref(), Some(&MailSection::default()), "{}", p.name);
        assert_eq!(p.mail_patterns(), MailSection::default());
        assert!(
            p.parts_with(Evidence::Assumed)
                .contains(&"mail.code".to_string())
        );
        assert!(
            p.parts_with(Evidence::Hint)
                .contains(&"mail.qr_payload".to_string())
        );
    }
}

#[test]
fn a_profile_without_mail_still_loads_and_uses_the_defaults() {
    let start = MOBILE_36_TOML.find("\n[mail]\n").unwrap();
    let end = MOBILE_36_TOML.find("\n[evidence]\n").unwrap();
    let text = format!("{}{}", &MOBILE_36_TOML[..start], &MOBILE_36_TOML[end..])
        .replace("mail = \"ASSUMED\"\n", "")
        .replace("\"mail.qr_payload\" = \"HINT\"\n", "");
    let p = WireProfile::from_toml(&text, "old.toml").unwrap();
    assert_eq!(p.mail, None);
    assert_eq!(p.mail_patterns(), MailSection::default());
    assert!(!p.parts().iter().any(|(k, _)| k.starts_with("mail.")));
}

#[test]
fn a_mail_pattern_that_does_not_compile_is_named() {
    let text = edited("code_in_url = '''(?:", "code_in_url = '''((?:");
    let (origin, field, problem) = invalid(&text);
    assert_eq!(origin, "test.toml");
    assert_eq!(field, "mail.code_in_url");
    assert!(
        problem.contains("not a valid regular expression"),
        "{problem}"
    );
}

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn capture_label_and_records_load_and_name_the_file() {
    let text = edited(
        "\"actions.login\" = \"DOC\"",
        "\"actions.login\" = \"DOC\"\n\"actions.provision\" = \"CAPTURE\"",
    ) + &format!(
        "\n[[capture]]\nfile = \"phone.har\"\nsha256 = \"{SHA}\"\nconfirmed = [\"paths.agent_xml\"]\nchanged = [\"actions.provision\"]\n"
    );
    let p = WireProfile::from_toml(&text, "t").unwrap();
    assert_eq!(p.evidence_of("actions.provision"), Some(Evidence::Capture));
    assert_eq!(Evidence::Capture.label(), "CAPTURE");
    assert_eq!(
        p.capture_of("actions.provision").map(|c| c.file.as_str()),
        Some("phone.har")
    );
    assert!(p.capture_of("paths.agent_xml").is_some());
    assert!(p.capture_of("actions.login").is_none());
    assert_eq!(p.parts_with(Evidence::Capture), ["actions.provision"]);
    // What the profile serialises reads back the same.
    let again: WireProfile = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
    assert_eq!(again.captures, p.captures);
}

#[test]
fn a_capture_label_without_its_record_or_a_bad_hash_is_refused() {
    let labelled = edited(
        "\"actions.login\" = \"DOC\"",
        "\"actions.login\" = \"DOC\"\n\"actions.provision\" = \"CAPTURE\"",
    );
    let (_, field, problem) = invalid(&labelled);
    assert_eq!(field, "evidence.\"actions.provision\"");
    assert!(problem.contains("[[capture]]"), "{problem}");
    let other_part = format!(
        "{labelled}\n[[capture]]\nfile = \"a.har\"\nsha256 = \"{SHA}\"\nconfirmed = [\"paths.agent_xml\"]\n"
    );
    assert_eq!(invalid(&other_part).1, "evidence.\"actions.provision\"");
    let bad_hash = format!(
        "{labelled}\n[[capture]]\nfile = \"a.har\"\nsha256 = \"{}\"\nchanged = [\"actions.provision\"]\n",
        SHA.to_uppercase()
    );
    assert_eq!(invalid(&bad_hash).1, "capture[0].sha256");
    let no_file = format!(
        "{labelled}\n[[capture]]\nfile = \" \"\nsha256 = \"{SHA}\"\nchanged = [\"actions.provision\"]\n"
    );
    assert_eq!(invalid(&no_file).1, "capture[0].file");
}
