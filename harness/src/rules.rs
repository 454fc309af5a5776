//! The rule catalogue: every rule of protocol.md with its level, section, text and
//! evidence label, embedded from `fixtures/rules.toml`. Cases cite these IDs; the rule
//! matrix of `list --rules` and of every report is built from it.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::verdict::Level;

/// The embedded catalogue.
pub const RULES_TOML: &str = include_str!("../../fixtures/rules.toml");

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// ID, e.g. `PC-5`.
    pub id: String,
    /// MUST, SHOULD or INFO.
    pub level: Level,
    /// The protocol.md section it belongs to.
    pub section: String,
    /// The requirement text.
    pub text: String,
    /// `[DOC]`, `[CLIENT]`, `[HINT]`, `[ASSUMED]` or a combination.
    pub evidence: String,
    /// Whom the rule binds: a server (judged by `run`) or a client (judged by `certify`).
    #[serde(default)]
    pub subject: Subject,
}

/// Whom a rule binds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A server: conformance cases (`run`) judge it.
    #[default]
    Server,
    /// A mobile app: certification judges it from the app's traffic (protocol.md §11).
    Client,
}

impl Rule {
    /// Whether conformance cases (`run`) judge this rule; client rules are for `certify`.
    pub fn judged_by_run(&self) -> bool {
        self.subject == Subject::Server
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    rule: Vec<Rule>,
}

/// Every rule, in protocol.md order.
pub fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| match toml::from_str::<Catalogue>(RULES_TOML) {
        Ok(c) => c.rule,
        // The file is compiled in and checked by a test; an empty list would show up as
        // "every rule uncovered", never as a silent pass.
        Err(_) => Vec::new(),
    })
}

/// The rule with `id`.
pub fn get(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_with_all_58_rules() {
        toml::from_str::<Catalogue>(RULES_TOML).unwrap();
        assert_eq!(all().len(), 58);
        assert_eq!(all().iter().filter(|r| !r.judged_by_run()).count(), 12);
        assert_eq!(get("CLI-4").unwrap().subject, Subject::Client);
        assert_eq!(get("WIRE-2").unwrap().level, Level::Info);
        assert_eq!(get("WIRE-6").unwrap().level, Level::Should);
        assert_eq!(get("PC-6").unwrap().level, Level::Should);
        assert_eq!(get("USR-3").unwrap().level, Level::Info);
    }

    /// When shared/protocol.md sits beside the repository (as in CI and development),
    /// the catalogue must hold exactly its rule IDs.
    #[test]
    fn catalogue_matches_protocol_md_when_present() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/protocol.md");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!(
                "{} not present; catalogue checked against itself only",
                path.display()
            );
            return;
        };
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|id| {
                id.split_once('-').is_some_and(|(p, n)| {
                    !p.is_empty()
                        && p.bytes().all(|b| b.is_ascii_uppercase())
                        && n.parse::<u32>().is_ok()
                })
            })
            .collect();
        let ours: Vec<&str> = all().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ours);
    }
}
