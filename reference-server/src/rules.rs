//! The rule catalogue: every rule of protocol.md with its level, section, text, evidence
//! label, whom it binds and, for a rule no check judges yet, what it awaits. `build.rs`
//! generates it from `fixtures/rules.toml`, the one list of rules, so a rule ID in code is
//! a [`RuleId`], never free text: [`rule_id!`](crate::rule_id) checks a literal when the
//! crate compiles, [`RuleId::from_str`] checks text (a suite file, a command line) at run
//! time. The defects name their rule with it; the harness re-exports this module as
//! `swivel_harness::rules` for suite validation, coverage and reports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// How binding a rule is (protocol.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Violation is FAIL.
    Must,
    /// Violation is NON-STRICT.
    Should,
    /// Recorded, never judged.
    Info,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "INFO",
        })
    }
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

/// One rule of protocol.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Its ID.
    pub id: RuleId,
    /// MUST, SHOULD or INFO.
    pub level: Level,
    /// The protocol.md section it belongs to.
    pub section: &'static str,
    /// The requirement text.
    pub text: &'static str,
    /// `[DOC]`, `[CLIENT]`, `[HINT]`, `[ASSUMED]` or a combination.
    pub evidence: &'static str,
    /// Whom the rule binds.
    pub subject: Subject,
    /// For a server rule no check judges yet: what it waits for, e.g. a sink.
    pub awaiting_judge: Option<&'static str>,
}

/// Who judges a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    /// Conformance cases (`run`): a server rule.
    Run,
    /// Certification (`certify`), from an app's traffic: a client rule.
    Certification,
    /// Nothing yet: a server rule whose check needs what the harness lacks (the reason).
    Awaiting(&'static str),
}

impl Rule {
    /// Who judges this rule.
    pub fn judge(&self) -> Judge {
        match (self.subject, self.awaiting_judge) {
            (Subject::Client, _) => Judge::Certification,
            (Subject::Server, Some(reason)) => Judge::Awaiting(reason),
            (Subject::Server, None) => Judge::Run,
        }
    }

    /// Whether conformance cases (`run`) judge this rule: a server rule with a check.
    pub fn judged_by_run(&self) -> bool {
        self.judge() == Judge::Run
    }
}

/// A rule ID of the catalogue. It cannot hold anything else: build one with
/// [`rule_id!`](crate::rule_id) from a literal (checked at compile time) or parse one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(u8);

impl RuleId {
    /// The ID spelt `id`. Evaluated in a constant (as [`rule_id!`](crate::rule_id) does),
    /// an unknown ID stops the build; at run time use [`str::parse`] instead.
    ///
    /// # Panics
    /// When `id` is not in the catalogue.
    pub const fn of(id: &str) -> RuleId {
        let mut i = 0;
        while i < IDS.len() {
            if eq(IDS[i].as_bytes(), id.as_bytes()) {
                // At most 255 rules: build.rs refuses more.
                return RuleId(i as u8);
            }
            i += 1;
        }
        panic!("not a rule ID of fixtures/rules.toml")
    }

    /// The ID as protocol.md spells it, e.g. `OTC-1`.
    pub fn as_str(self) -> &'static str {
        IDS[usize::from(self.0)]
    }

    /// Its catalogue row.
    pub fn rule(self) -> &'static Rule {
        &CATALOGUE[usize::from(self.0)]
    }

    /// Its level.
    pub fn level(self) -> Level {
        self.rule().level
    }
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A [`RuleId`] from a literal, checked when the crate compiles:
/// `rule_id!("OTC-1")` builds, `rule_id!("OTC-9")` does not.
#[macro_export]
macro_rules! rule_id {
    ($id:literal) => {{
        const ID: $crate::rules::RuleId = $crate::rules::RuleId::of($id);
        ID
    }};
}

/// Text that names no rule of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule ID '{0}'; `swivel-harness list --rules` lists the rules")]
pub struct UnknownRule(pub String);

impl FromStr for RuleId {
    type Err = UnknownRule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IDS.iter()
            .position(|id| *id == s)
            .and_then(|i| u8::try_from(i).ok())
            .map(RuleId)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Every rule, in protocol.md order.
pub fn all() -> &'static [Rule] {
    &CATALOGUE
}

/// The rule spelt `id`, if the catalogue has it.
pub fn get(id: &str) -> Option<&'static Rule> {
    id.parse::<RuleId>().ok().map(RuleId::rule)
}

#[cfg(test)]
mod tests;
