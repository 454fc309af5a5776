//! A profile that matches a capture: the base profile with every part the capture shows
//! set to what it shows. Such a part is labelled `CAPTURE` in `[evidence]` and listed in
//! a new `[[capture]]` record (file name, SHA-256, confirmed, changed, removed); parts
//! the capture does not show keep the base's value and label. When the capture shows
//! the policies in the other shape, or the strings in the other layout, the parts of
//! that shape the capture does not show are taken from the built-in profile of that
//! shape and labelled `ASSUMED`. The result is validated like any profile file before a
//! byte is written.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::load::LoadedCapture;
use super::observe::{Observations, Shown};
use crate::profile::{CaptureRecord, Evidence, ProfileError, WireProfile, builtin};

/// Why no profile could be inferred.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// The base profile could not be turned into TOML (never expected).
    #[error("the base profile cannot be written as TOML: {0}")]
    Serialize(String),
    /// The result is not a valid profile (a finding the profile format cannot hold).
    #[error("the inferred profile is not valid: {0}")]
    Invalid(#[from] ProfileError),
}

/// An inferred profile and what the capture did to each part.
#[derive(Debug, Clone)]
pub struct Inferred {
    /// The profile.
    pub profile: WireProfile,
    /// Its TOML text, with a header saying where it came from.
    pub text: String,
    /// The record added to `[[capture]]`.
    pub record: CaptureRecord,
    /// Parts set from the built-in profile of a shape the capture switched to.
    pub filled: Vec<String>,
}

/// The TOML value of `part` set to `text`, typed as the profile format types it.
fn typed(part: &str, text: &str) -> Value {
    match part {
        "requests.xml_prolog"
        | "requests.provision_device_os"
        | "requests.strings_username"
        | "requests.token_index_id" => Value::Boolean(text == "true"),
        "ssd.unknown_status" => text
            .parse::<i64>()
            .map(Value::Integer)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        _ => Value::String(text.to_string()),
    }
}

fn set(doc: &mut Table, part: &str, value: Value) {
    match part.split_once('.') {
        None => {
            doc.insert(part.to_string(), value);
        }
        Some((section, field)) => {
            let table = doc
                .entry(section.to_string())
                .or_insert_with(|| Value::Table(Table::new()));
            if let Value::Table(t) = table {
                t.insert(field.to_string(), value);
            }
        }
    }
}

fn remove(doc: &mut Table, part: &str) {
    if let Some((section, field)) = part.split_once('.')
        && let Some(Value::Table(t)) = doc.get_mut(section)
    {
        t.remove(field);
    }
}

/// The provision action's other spellings after the capture: the base's, less those
/// refused or now the action itself, then the accepted ones.
fn aliases(base: &[String], primary: &str, accepted: &[String], refused: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in base.iter().filter(|s| !refused.contains(s)).chain(accepted) {
        if s != primary && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// The built-in profile whose policies have `shape` (for parts to fill in).
fn template_of_shape(shape: &str) -> Option<WireProfile> {
    builtin::NAMES
        .iter()
        .filter_map(|n| WireProfile::builtin(n))
        .find(|p| p.policies.shape() == shape)
}

/// Infers a profile from `base` and the findings of `capture`; `name` names it.
pub fn infer(
    base: &WireProfile,
    capture: &LoadedCapture,
    obs: &Observations,
    name: &str,
) -> Result<Inferred, InferError> {
    let mut doc = Table::try_from(base).map_err(|e| InferError::Serialize(e.to_string()))?;
    let before: BTreeMap<String, String> = base.parts().into_iter().collect();
    let mut record = CaptureRecord {
        file: capture.file_name.clone(),
        sha256: capture.sha256.clone(),
        confirmed: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    let primary = match obs.findings.get("actions.provision").map(|f| &f.shown) {
        Some(Shown::Value { value }) => value.clone(),
        _ => base.actions.provision.clone(),
    };
    for (part, finding) in &obs.findings {
        let old = before.get(part);
        match &finding.shown {
            Shown::Value { value } => {
                set(&mut doc, part, typed(part, value));
                if old == Some(value) {
                    record.confirmed.push(part.clone());
                } else {
                    record.changed.push(part.clone());
                }
            }
            Shown::Absent => {
                if old.is_some() {
                    remove(&mut doc, part);
                    record.removed.push(part.clone());
                }
            }
            Shown::Spellings { accepted, refused } => {
                let list = aliases(&base.action_aliases.provision, &primary, accepted, refused);
                let joined = list.join("|");
                set(
                    &mut doc,
                    part,
                    Value::Array(list.into_iter().map(Value::String).collect()),
                );
                if old == Some(&joined) {
                    record.confirmed.push(part.clone());
                } else {
                    record.changed.push(part.clone());
                }
            }
        }
    }
    // The primary spelling may have been an alias before: an alias never repeats it.
    if !obs.findings.contains_key("action_aliases.provision")
        && base.action_aliases.provision.contains(&primary)
    {
        let list = aliases(&base.action_aliases.provision, &primary, &[], &[]);
        set(
            &mut doc,
            "action_aliases.provision",
            Value::Array(list.into_iter().map(Value::String).collect()),
        );
        record.changed.push("action_aliases.provision".to_string());
    }
    let filled = fill_shapes(&mut doc);
    set(&mut doc, "name", Value::String(name.to_string()));
    set(
        &mut doc,
        "description",
        Value::String(format!(
            "{} (calibrated from capture {})",
            base.description, capture.file_name
        )),
    );
    label(&mut doc, &record, &filled);
    let mut captures: Vec<Value> = match doc.remove("capture") {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    captures.push(Value::try_from(&record).map_err(|e| InferError::Serialize(e.to_string()))?);
    doc.insert("capture".to_string(), Value::Array(captures));

    // Read back without validation first: labels of parts that went away must go
    // before the profile is checked.
    let mut profile: WireProfile = Value::Table(doc)
        .try_into()
        .map_err(|e: toml::de::Error| InferError::Serialize(e.to_string()))?;
    drop_stale_evidence(&mut profile);
    let body =
        toml::to_string_pretty(&profile).map_err(|e| InferError::Serialize(e.to_string()))?;
    let text = format!(
        "# Wire profile `{name}`, inferred by `swivel-harness profile infer` from the capture\n\
         # {file} (SHA-256 {sha}), starting from `{base}`.\n\
         # Parts the capture showed are labelled CAPTURE in [evidence] and listed in the\n\
         # [[capture]] record; every other part keeps the base's value and label.\n\n{body}",
        file = capture.file_name,
        sha = capture.sha256,
        base = base.name,
    );
    let profile = WireProfile::from_toml(&text, "the inferred profile")?;
    Ok(Inferred {
        profile,
        text,
        record,
        filled,
    })
}

/// Makes the policies and strings sections whole again after a change of shape or
/// layout; returns the parts filled in without evidence from the capture.
fn fill_shapes(doc: &mut Table) -> Vec<String> {
    let mut filled = Vec::new();
    if let Some(Value::Table(policies)) = doc.get_mut("policies") {
        let shape = policies
            .get("shape")
            .and_then(Value::as_str)
            .unwrap_or("attributes")
            .to_string();
        if let Some(template) = template_of_shape(&shape) {
            let wanted: BTreeMap<&str, String> = template.policies.entries().into_iter().collect();
            policies.retain(|k, _| wanted.contains_key(k));
            for (field, value) in wanted {
                if !policies.contains_key(field) {
                    policies.insert(field.to_string(), Value::String(value));
                    filled.push(format!("policies.{field}"));
                }
            }
        }
    }
    if let Some(Value::Table(strings)) = doc.get_mut("strings") {
        match strings.get("layout").and_then(Value::as_str) {
            Some("packed") => {
                strings.remove("position_zero");
            }
            Some("indexed") if !strings.contains_key("position_zero") => {
                strings.insert("position_zero".into(), Value::String(String::new()));
                filled.push("strings.position_zero".to_string());
            }
            _ => {}
        }
    }
    filled
}

/// `CAPTURE` for every part the capture confirmed or changed, `ASSUMED` for filled-in
/// parts; removed parts lose their labels.
fn label(doc: &mut Table, record: &CaptureRecord, filled: &[String]) {
    let evidence = doc
        .entry("evidence".to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    let Value::Table(evidence) = evidence else {
        return;
    };
    for part in &record.removed {
        evidence.remove(part);
    }
    for part in record.confirmed.iter().chain(&record.changed) {
        evidence.insert(
            part.clone(),
            Value::String(Evidence::Capture.label().to_string()),
        );
    }
    for part in filled {
        evidence.insert(
            part.clone(),
            Value::String(Evidence::Assumed.label().to_string()),
        );
    }
}

/// Evidence keys that name parts the profile no longer has (the other policies shape)
/// would fail validation on the next load; they go.
fn drop_stale_evidence(profile: &mut WireProfile) {
    let parts: Vec<String> = profile.parts().into_iter().map(|(p, _)| p).collect();
    profile
        .evidence
        .retain(|k, _| parts.contains(k) || WireProfile::SECTIONS.contains(&k.as_str()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::check::tests::{capture, observed, value};
    use crate::profile::Policies;

    #[test]
    fn the_other_aliases_keep_the_bases_less_refused_and_the_action_itself() {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            aliases(
                &owned(&["Provision", "Prov"]),
                "provision",
                &owned(&["provision", "P2"]),
                &owned(&["Prov"])
            ),
            ["Provision", "P2"]
        );
    }

    #[test]
    fn a_switch_of_shape_fills_what_the_capture_did_not_show_as_assumed() {
        let base = WireProfile::default_profile();
        let o = observed(&[
            ("policies.shape", value("elements")),
            ("policies.item", value("Policy")),
            ("policies.id", value("Key")),
            ("policies.container", Shown::Absent),
            ("strings.layout", value("packed")),
            ("strings.position_zero", Shown::Absent),
            ("actions.provision", value("Provision")),
        ]);
        let inferred = infer(&base, &capture(), &o, "mine").unwrap();
        let p = &inferred.profile;
        assert_eq!(p.name, "mine");
        assert_eq!(
            p.policies,
            Policies::Elements {
                item: "Policy".into(),
                id: "Key".into(),
                content: "Content".into(),
                description: "Description".into()
            }
        );
        assert_eq!(
            inferred.filled,
            ["policies.content", "policies.description"]
        );
        assert_eq!(p.evidence_of("policies.content"), Some(Evidence::Assumed));
        assert_eq!(p.evidence_of("policies.id"), Some(Evidence::Capture));
        assert_eq!(
            p.evidence_of("paths.agent_xml"),
            base.evidence_of("paths.agent_xml")
        );
        assert_eq!(p.strings.position_zero, None);
        // `Provision` was an alias; as the action itself it is one no more.
        assert_eq!(p.actions.provision, "Provision");
        assert!(p.action_aliases.provision.is_empty());
        let record = p.captures.last().unwrap();
        assert!(
            record
                .changed
                .contains(&"action_aliases.provision".to_string())
        );
        assert_eq!(
            record.removed,
            ["policies.container", "strings.position_zero"]
        );
        assert_eq!(record.sha256, "0".repeat(64));
        // The text is a profile file, header and all.
        assert!(inferred.text.starts_with("# Wire profile `mine`"));
        let again = WireProfile::from_toml(&inferred.text, "t").unwrap();
        assert_eq!(again.parts(), p.parts());
        assert_eq!(
            (&again.evidence, &again.captures),
            (&p.evidence, &p.captures)
        );
    }
}
