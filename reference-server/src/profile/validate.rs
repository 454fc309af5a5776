//! Load-time checks of a wire profile, so a typo in a hand-written profile fails at
//! start-up with the file and field named instead of surfacing as baffling FAILs:
//! names are non-empty, paths start with '/', element names are XML names, spellings are
//! unambiguous, and every part carries an evidence label.

use std::collections::BTreeMap;

use super::{Evidence, Ssd, StringsLayout, StringsSection, WireProfile};

/// Why a wire profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Neither a built-in name nor a readable file.
    #[error("cannot read wire profile file {path}: {source} (built-in profiles: {builtins})")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
        /// The built-in names, comma-separated, as a hint.
        builtins: String,
    },
    /// Not valid TOML, or not the profile schema (unknown or missing fields).
    #[error("invalid wire profile {origin}: {message}")]
    Parse {
        /// The file path, or `built-in <name>`.
        origin: String,
        /// The TOML error, with line and column.
        message: String,
    },
    /// The schema is right but a value is not.
    #[error("invalid wire profile {origin}: `{field}` {problem}")]
    Invalid {
        /// The file path, or `built-in <name>`.
        origin: String,
        /// The part, e.g. `paths.agent_xml`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// The first problem of `profile`, as `(field, problem)`.
pub(super) fn check(profile: &WireProfile) -> Result<(), (String, String)> {
    non_blank("name", &profile.name)?;
    non_blank("version", &profile.version)?;
    for (field, value) in profile.paths.entries() {
        let part = format!("paths.{field}");
        if field.ends_with("_param") || field.ends_with("_field") {
            check_param(&part, &value)?;
        } else {
            check_path(&part, &value)?;
        }
    }
    check_token("requests.content_type", &profile.requests.content_type)?;
    for (field, value) in profile.elements.entries() {
        check_xml_name(&format!("elements.{field}"), &value)?;
    }
    for (field, value) in profile.actions.entries() {
        check_token(&format!("actions.{field}"), &value)?;
    }
    for alias in &profile.action_aliases.provision {
        check_token("action_aliases.provision", alias)?;
        if *alias == profile.actions.provision {
            return Err(problem(
                "action_aliases.provision",
                "repeats actions.provision; an alias is another spelling",
            ));
        }
    }
    for (field, value) in profile.results.entries() {
        check_token(&format!("results.{field}"), &value)?;
    }
    if profile.results.pass == profile.results.fail {
        return Err(problem(
            "results.fail",
            "must differ from results.pass, or no reply could be told apart",
        ));
    }
    let mut spelled: BTreeMap<&str, &str> = BTreeMap::new();
    for (canonical, wire) in profile.errors.entries() {
        let part = format!("errors.{canonical}");
        check_token(&part, wire)?;
        // Two names with one spelling would make `canonical()` guess.
        if let Some(other) = spelled.insert(wire, canonical) {
            return Err((
                part,
                format!("spells \"{wire}\" like errors.{other}; each error needs its own spelling"),
            ));
        }
    }
    check_strings(&profile.strings)?;
    for (field, value) in profile.policies.names() {
        check_xml_name(&format!("policies.{field}"), value)?;
    }
    check_ssd(&profile.ssd)?;
    if let Some(mail) = &profile.mail {
        mail.check()?;
    }
    if let Some(admin) = &profile.admin {
        admin.check()?;
    }
    check_evidence(profile)?;
    check_captures(profile)
}

/// Every capture record is well formed, and every part labelled `CAPTURE` is listed in
/// one, so the label always leads to a file and its SHA-256.
fn check_captures(profile: &WireProfile) -> Result<(), (String, String)> {
    for (index, record) in profile.captures.iter().enumerate() {
        record.check(index)?;
    }
    for (part, _) in profile.parts() {
        if profile.evidence_of(&part) == Some(Evidence::Capture)
            && profile.capture_of(&part).is_none()
        {
            return Err((
                format!("evidence.\"{part}\""),
                "is CAPTURE, but no [[capture]] record lists the part as confirmed or changed"
                    .to_string(),
            ));
        }
    }
    Ok(())
}

fn check_strings(strings: &StringsSection) -> Result<(), (String, String)> {
    if strings.separator.is_empty() {
        return Err(problem("strings.separator", "must not be empty"));
    }
    match (strings.layout, &strings.position_zero) {
        (StringsLayout::Indexed, None) => Err(problem(
            "strings.position_zero",
            "is required with layout \"indexed\" (\"\" for an empty position 0)",
        )),
        (StringsLayout::Packed, Some(_)) => Err(problem(
            "strings.position_zero",
            "only applies to layout \"indexed\"; a packed reply has no position 0 of its own",
        )),
        (_, Some(zero)) if zero.contains(strings.separator.as_str()) => Err(problem(
            "strings.position_zero",
            "must not contain the separator",
        )),
        _ => Ok(()),
    }
}

fn check_ssd(ssd: &Ssd) -> Result<(), (String, String)> {
    check_path("ssd.path", &ssd.path)?;
    check_param("ssd.id_param", &ssd.id_param)?;
    for (field, name) in ssd.element_names() {
        check_xml_name(&format!("ssd.{field}"), name)?;
    }
    for (field, value) in [
        ("pass", &ssd.pass),
        ("fail", &ssd.fail),
        ("yes", &ssd.yes),
        ("no", &ssd.no),
    ] {
        check_token(&format!("ssd.{field}"), value)?;
    }
    if ssd.pass == ssd.fail {
        return Err(problem("ssd.fail", "must differ from ssd.pass"));
    }
    if ssd.yes == ssd.no {
        return Err(problem("ssd.no", "must differ from ssd.yes"));
    }
    if !(200..600).contains(&ssd.unknown_status) {
        return Err(problem(
            "ssd.unknown_status",
            "must be an HTTP status, 200..=599",
        ));
    }
    Ok(())
}

/// Every evidence key names a part or a section, and every part resolves to a label.
fn check_evidence(profile: &WireProfile) -> Result<(), (String, String)> {
    let parts = profile.parts();
    for key in profile.evidence.keys() {
        let known =
            WireProfile::SECTIONS.contains(&key.as_str()) || parts.iter().any(|(p, _)| p == key);
        if !known {
            return Err((
                format!("evidence.\"{key}\""),
                "names no part of the profile (expected e.g. \"paths.agent_xml\", \"elements\" or \"version\")"
                    .to_string(),
            ));
        }
    }
    for (part, _) in &parts {
        if profile.evidence_of(part).is_none() {
            return Err((
                format!("evidence.\"{part}\""),
                "is missing: every part needs DOC, CLIENT, HINT, ASSUMED or CAPTURE (on the part or its section)"
                    .to_string(),
            ));
        }
    }
    Ok(())
}

pub(super) fn problem(field: &str, what: &str) -> (String, String) {
    (field.to_string(), what.to_string())
}

fn non_blank(field: &str, value: &str) -> Result<(), (String, String)> {
    if value.trim().is_empty() {
        Err(problem(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Values compared with trimmed reply text (actions, results, error codes): surrounding
/// whitespace or control characters could never match.
pub(super) fn check_token(field: &str, value: &str) -> Result<(), (String, String)> {
    non_blank(field, value)?;
    if value.trim() != value {
        return Err(problem(field, "must not start or end with whitespace"));
    }
    if value.chars().any(char::is_control) {
        return Err(problem(field, "must not contain control characters"));
    }
    Ok(())
}

pub(super) fn check_path(field: &str, value: &str) -> Result<(), (String, String)> {
    if !value.starts_with('/') {
        return Err((
            field.to_string(),
            format!("is \"{value}\"; a path must start with '/'"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(field, "must not contain whitespace"));
    }
    if value.contains(['?', '#']) {
        return Err(problem(
            field,
            "must not contain '?' or '#'; query parameters have their own *_param fields",
        ));
    }
    Ok(())
}

fn check_param(field: &str, value: &str) -> Result<(), (String, String)> {
    non_blank(field, value)?;
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "&=?#".contains(c))
    {
        return Err(problem(
            field,
            "must not contain whitespace or any of & = ? #",
        ));
    }
    Ok(())
}

pub(super) fn check_xml_name(field: &str, value: &str) -> Result<(), (String, String)> {
    if is_xml_name(value) {
        Ok(())
    } else {
        Err((
            field.to_string(),
            format!("is \"{value}\", which is not a valid XML element name"),
        ))
    }
}

/// The XML 1.0 `Name` production (fifth edition).
pub(super) fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if is_name_start(first) => chars.all(is_name_char),
        _ => false,
    }
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}
