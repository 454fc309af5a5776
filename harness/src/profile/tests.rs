//! Tests of profile loading: the built-in profile, its evidence, and every validation
//! error a hand-written profile can hit.

use super::builtin::{AGENTXML_36_TOML, in_code};
use super::validate::is_xml_name;
use super::*;

fn builtin() -> WireProfile {
    WireProfile::builtin("agentxml-3.6").unwrap()
}

/// The built-in text with `from` replaced by `to` (which must occur exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(AGENTXML_36_TOML.matches(from).count(), 1, "{from}");
    AGENTXML_36_TOML.replacen(from, to, 1)
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
fn builtin_profile_matches_protocol_section_9() {
    let p = builtin();
    assert_eq!(p.name, "agentxml-3.6");
    assert_eq!(p.version, "3.6");
    assert_eq!(p.source(), "built-in");
    assert_eq!(p.paths.agent_xml, "/AgentXML");
    assert_eq!(p.paths.token_index, "/TokenIndex");
    assert_eq!(p.paths.self_provision, "/reset/provision.jsp");
    assert_eq!(p.paths.qr_code, "/userportal/getQRCode");
    assert_eq!(p.paths.ssd_lookup, "/ssd/lookup");
    assert_eq!(p.paths.ssd_id_param, "id");
    assert_eq!(p.elements.request_root, "SASRequest");
    assert_eq!(p.elements.device_id, "Id");
    assert_eq!(p.actions.login, "login");
    assert_eq!(p.results.pass, "PASS");
    assert_eq!(p.strings_separator, ";");
    assert_eq!(WireProfile::default_profile(), p);
    assert_eq!(WireProfile::load("agentxml-3.6").unwrap(), p);
    assert!(WireProfile::builtin("agentxml-9").is_none());
}

#[test]
fn embedded_file_and_in_code_copy_are_identical() {
    assert_eq!(builtin(), in_code());
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
    assert!(hint.contains(&"elements.provision_code".to_string()));
    assert!(hint.contains(&"paths.token_index".to_string()));
    assert!(!hint.contains(&"elements.version".to_string()));
    let assumed = p.parts_with(Evidence::Assumed);
    assert!(assumed.contains(&"errors.PROVISION_FAILURE".to_string()));
    assert!(assumed.contains(&"paths.ssd_lookup".to_string()));
    let doc = p.parts_with(Evidence::Doc);
    assert!(doc.contains(&"elements.version".to_string()));
    assert!(doc.contains(&"results.pass".to_string()));
    let total = doc.len() + hint.len() + assumed.len();
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
        edited("name = \"agentxml-3.6\"", "name = \"custom\"")
            .replace("result = \"Result\"", "result = \"Outcome\""),
    )
    .unwrap();
    let p = WireProfile::load(path.to_str().unwrap()).unwrap();
    assert_eq!(p.name, "custom");
    assert_eq!(p.elements.result, "Outcome");
    assert_eq!(p.source(), path.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_names_the_path_and_the_builtins() {
    let err = WireProfile::load("/nonexistent/profile.toml").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/nonexistent/profile.toml"), "{text}");
    assert!(text.contains("agentxml-3.6"), "{text}");
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
    let (origin, field, problem) = invalid(&edited("name = \"agentxml-3.6\"", "name = \" \""));
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
    let (_, field, _) = invalid(&edited("ssd_id_param = \"id\"", "ssd_id_param = \"a&b\""));
    assert_eq!(field, "paths.ssd_id_param");
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
    let (_, field, _) = invalid(&edited("fail = \"FAIL\"", "fail = \"PASS\""));
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
    let (_, field, _) = invalid(&edited(
        "strings_separator = \";\"",
        "strings_separator = \"\"",
    ));
    assert_eq!(field, "strings_separator");
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
