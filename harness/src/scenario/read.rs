//! Loading suites: the built-in ones embedded by the `swivel-scenarios` crate, and a
//! user's own from `--scenarios DIR`; then validating them as a whole (unique case IDs,
//! known rule IDs, nodes within the declared server, users declared once).

use std::collections::HashSet;
use std::path::Path;

use super::{Case, Suite};
use crate::rules;

/// Why suites could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// File or directory.
        path: String,
        /// I/O error.
        message: String,
    },
    /// A file is not a valid suite.
    #[error("invalid suite {origin}: {message}")]
    Parse {
        /// File.
        origin: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// Suites that parse but contradict each other or the rule catalogue.
    #[error("invalid suite {origin}, case {case}: {message}")]
    Invalid {
        /// File.
        origin: String,
        /// Case ID.
        case: String,
        /// What is wrong.
        message: String,
    },
}

/// Parses one suite file's text.
pub fn parse_suite(text: &str, origin: &str) -> Result<Suite, ReadError> {
    let mut suite: Suite = toml::from_str(text).map_err(|e| ReadError::Parse {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    suite.origin = origin.to_string();
    for case in &mut suite.cases {
        case.suite = suite.suite.clone();
    }
    Ok(suite)
}

/// The built-in suites (`scenarios/*.toml`).
pub fn read_builtin() -> Result<Vec<Suite>, ReadError> {
    swivel_scenarios::SUITES
        .iter()
        .map(|(name, text)| parse_suite(text, &format!("scenarios/{name}")))
        .collect()
}

/// Every `*.toml` suite in `dir`, in file-name order.
pub fn read_dir(dir: &Path) -> Result<Vec<Suite>, ReadError> {
    let read_err = |e: std::io::Error| ReadError::Read {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| ReadError::Read {
                path: p.display().to_string(),
                message: e.to_string(),
            })?;
            parse_suite(&text, &p.display().to_string())
        })
        .collect()
}

/// Checks suites together; returns every case in order.
pub fn validate(suites: &[Suite]) -> Result<Vec<Case>, ReadError> {
    let mut ids = HashSet::new();
    let mut cases = Vec::new();
    for suite in suites {
        for case in &suite.cases {
            let invalid = |message: String| ReadError::Invalid {
                origin: suite.origin.clone(),
                case: case.id.clone(),
                message,
            };
            if case.id.is_empty() || case.id.contains(char::is_whitespace) {
                return Err(invalid("case IDs are non-empty and without spaces".into()));
            }
            if !ids.insert(case.id.clone()) {
                return Err(invalid("case ID used twice".into()));
            }
            if case.rules.is_empty() {
                return Err(invalid("a case cites at least one rule".into()));
            }
            if let Some(r) = case.rules.iter().find(|r| rules::get(r).is_none()) {
                return Err(invalid(format!("unknown rule ID {r}")));
            }
            if case.steps.is_empty() {
                return Err(invalid("a case has at least one step".into()));
            }
            let nodes = case.server.nodes.max(1);
            let mut addressed = case
                .steps
                .iter()
                .flat_map(|s| s.nodes().into_iter().map(move |n| (s, n)));
            if let Some((s, node)) = addressed.find(|&(_, n)| n == 0 || n > nodes) {
                return Err(invalid(format!(
                    "step {} addresses node {node} but the case declares {nodes} node(s)",
                    s.name()
                )));
            }
            let mut aliases = HashSet::new();
            if let Some(u) = case.users.iter().find(|u| !aliases.insert(u.name.as_str())) {
                return Err(invalid(format!("user {} declared twice", u.name)));
            }
            cases.push(case.clone());
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
suite = "demo"
title = "Demo"

[[case]]
id = "demo-ping"
title = "Ping answers"
rules = ["PC-1"]
level = "MUST"
steps = [{ do = "ping" }]
"#;

    #[test]
    fn minimal_suite_parses_and_validates() {
        let suite = parse_suite(MINIMAL, "demo.toml").unwrap();
        let cases = validate(&[suite]).unwrap();
        assert_eq!(cases[0].suite, "demo");
        assert_eq!(cases[0].timeout_secs, 10);
    }

    #[test]
    fn duplicate_ids_and_unknown_rules_are_refused() {
        let a = parse_suite(MINIMAL, "a.toml").unwrap();
        let b = parse_suite(MINIMAL, "b.toml").unwrap();
        let err = validate(&[a, b]).unwrap_err().to_string();
        assert!(err.contains("used twice"), "{err}");
        let bad = parse_suite(&MINIMAL.replace("PC-1", "PC-99"), "c.toml").unwrap();
        assert!(validate(&[bad]).unwrap_err().to_string().contains("PC-99"));
    }

    #[test]
    fn node_beyond_server_is_refused() {
        let text = MINIMAL.replace(r#"{ do = "ping" }"#, r#"{ do = "ping", node = 2 }"#);
        let err = validate(&[parse_suite(&text, "d.toml").unwrap()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("node 2"), "{err}");
    }

    #[test]
    fn parse_errors_name_the_file() {
        let err = parse_suite("suite = 1", "e.toml").unwrap_err().to_string();
        assert!(err.contains("e.toml"), "{err}");
    }

    #[test]
    fn builtin_suites_load_and_validate() {
        let suites = read_builtin().unwrap();
        validate(&suites).unwrap();
    }
}
