//! Tests of the rule catalogue: its shape, the typed ID, and its agreement with
//! `shared/protocol.md` when that file sits beside the repository.

use super::*;

#[test]
fn catalogue_holds_59_rules_with_their_levels_and_judges() {
    assert_eq!(all().len(), 59);
    let certification = all()
        .iter()
        .filter(|r| r.judge() == Judge::Certification)
        .count();
    assert_eq!(certification, 12);
    let awaiting: Vec<RuleId> = all()
        .iter()
        .filter(|r| matches!(r.judge(), Judge::Awaiting(_)))
        .map(|r| r.id)
        .collect();
    // SYS-1 is judged through the syslog sink now: no rule awaits a judge.
    assert!(awaiting.is_empty(), "{awaiting:?}");
    assert_eq!(rule_id!("SYS-1").level(), Level::Must);
    assert_eq!(rule_id!("CLI-4").rule().subject, Subject::Client);
    assert_eq!(rule_id!("WIRE-2").level(), Level::Info);
    assert_eq!(rule_id!("WIRE-6").level(), Level::Should);
    assert_eq!(rule_id!("PC-6").level(), Level::Should);
    assert_eq!(rule_id!("USR-3").level(), Level::Info);
    for (i, rule) in all().iter().enumerate() {
        assert_eq!(usize::from(rule.id.0), i, "{:?} out of place", rule.id);
    }
}

#[test]
fn ids_parse_print_and_serialize_as_protocol_md_spells_them() {
    let id: RuleId = "OTC-1".parse().unwrap();
    assert_eq!(id, rule_id!("OTC-1"));
    assert_eq!(id.to_string(), "OTC-1");
    assert_eq!(format!("{id:<6}|"), "OTC-1 |");
    assert_eq!(format!("{id:?}"), "OTC-1");
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"OTC-1\"");
    assert_eq!(
        serde_json::from_str::<RuleId>("\"LOG-6\"").unwrap(),
        "LOG-6"
    );
    assert!(serde_json::from_str::<RuleId>("\"OTC-9\"").is_err());
    let err = "otc-1".parse::<RuleId>().unwrap_err();
    assert!(err.to_string().contains("'otc-1'"), "{err}");
    assert!(get("OTC-9").is_none());
    assert_eq!(get("SS-3").map(|r| r.id), Some(rule_id!("SS-3")));
    assert!(rule_id!("PC-1") < rule_id!("CLI-12"), "protocol order");
}

/// When shared/protocol.md sits beside the repository (as in CI and development), the
/// catalogue must hold exactly its rule IDs, in its order, at its levels: the rows of its
/// tables and the rules stated in a paragraph (`**SYS-1 (MUST) Syslog output.**`).
#[test]
fn catalogue_matches_protocol_md_when_present() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/protocol.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "{} not present; catalogue checked against itself only",
            path.display()
        );
        return;
    };
    let mut ids = Vec::new();
    for line in text.lines() {
        if let Some(row) = line.strip_prefix("| ") {
            let mut cells = row.split(" | ");
            let id = cells.next().unwrap_or_default();
            if looks_like_id(id) {
                ids.push(id.to_string());
                let level = cells.next().unwrap_or_default();
                if let (Some(r), Some(l)) = (get(id), level_of(level)) {
                    assert_eq!(r.level, l, "{id}");
                }
            }
        } else if let Some(rest) = line.strip_prefix("**")
            && let Some((id, after)) = rest.split_once(" (")
            && looks_like_id(id)
        {
            ids.push(id.to_string());
            let level = after.split(')').next().unwrap_or_default();
            assert_eq!(get(id).map(|r| r.level), level_of(level), "{id}");
        }
    }
    let ours: Vec<&str> = all().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ours);
}

fn looks_like_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(p, n)| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase()) && n.parse::<u32>().is_ok()
    })
}

fn level_of(text: &str) -> Option<Level> {
    match text {
        "MUST" => Some(Level::Must),
        "SHOULD" => Some(Level::Should),
        "INFO" => Some(Level::Info),
        _ => None,
    }
}
