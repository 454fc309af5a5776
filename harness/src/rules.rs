//! The rule catalogue: every rule of protocol.md with its level, section, text, evidence
//! label and judge, and [`RuleId`], the typed rule ID. It lives in the reference-server
//! crate (generated there from `fixtures/rules.toml`) so that the server's defects name
//! their rule with the same type; this module re-exports it. Suite validation refuses an
//! ID it lacks, and [`crate::report::coverage`] builds the rule matrix of `list --rules`
//! and of every report from it.

pub use swivel_reference_server::rule_id;
pub use swivel_reference_server::rules::{
    Judge, Level, Rule, RuleId, Subject, UnknownRule, all, get,
};
