//! A step's acceptable outcomes and how an outcome grades against them: `expect` (PASS)
//! and `non_strict` (NON-STRICT); any other outcome violates the case's level. Outcome
//! keys are `PASS`, `FAIL:<ERROR>`, `HTTP:<status>`, `MALFORMED`, `NOT-SENT`,
//! `TRANSPORT`, and a trailing `*` in a pattern matches any rest (`FAIL:*`).

use serde::Deserialize;

/// One pattern or a list of them (`expect = "PASS"` or `expect = ["PASS", "FAIL:*"]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "OneOrManyRaw")]
pub struct OneOrMany(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrManyRaw {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrManyRaw> for OneOrMany {
    fn from(raw: OneOrManyRaw) -> Self {
        match raw {
            OneOrManyRaw::One(s) => OneOrMany(vec![s]),
            OneOrManyRaw::Many(v) => OneOrMany(v),
        }
    }
}

/// Acceptable outcomes of a graded step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Outcomes graded PASS.
    pub pass: Vec<String>,
    /// Outcomes graded NON-STRICT.
    pub non_strict: Vec<String>,
}

/// How an outcome grades against an [`Expect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    /// In `expect`.
    Pass,
    /// In `non_strict`.
    NonStrict,
    /// Neither.
    Violation,
}

impl Expect {
    /// Builds from the step fields.
    pub fn new(expect: &[String], non_strict: &[String]) -> Self {
        Self {
            pass: expect.to_vec(),
            non_strict: non_strict.to_vec(),
        }
    }

    /// Grades an outcome key.
    pub fn grade(&self, outcome: &str) -> Grade {
        if self.pass.iter().any(|p| matches(p, outcome)) {
            Grade::Pass
        } else if self.non_strict.iter().any(|p| matches(p, outcome)) {
            Grade::NonStrict
        } else {
            Grade::Violation
        }
    }

    /// The expectation as reports print it.
    pub fn describe(&self) -> String {
        let mut s = self.pass.join(" or ");
        if !self.non_strict.is_empty() {
            s.push_str(&format!(" (NON-STRICT: {})", self.non_strict.join(" or ")));
        }
        s
    }
}

/// Whether `outcome` matches `pattern` (exact, or prefix before a trailing `*`).
pub fn matches(pattern: &str, outcome: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => outcome.starts_with(prefix),
        None => pattern == outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exactly_or_by_prefix() {
        assert!(matches("PASS", "PASS"));
        assert!(!matches("PASS", "PASSED"));
        assert!(matches("FAIL:*", "FAIL:PROVISION_FAILURE"));
        assert!(!matches("FAIL:*", "HTTP:500"));
    }

    #[test]
    fn expect_grades() {
        let e = Expect::new(&["FAIL:PROVISION_FAILURE".into()], &["FAIL:*".into()]);
        assert_eq!(e.grade("FAIL:PROVISION_FAILURE"), Grade::Pass);
        assert_eq!(e.grade("FAIL:BAD_REQUEST"), Grade::NonStrict);
        assert_eq!(e.grade("PASS"), Grade::Violation);
        assert_eq!(e.describe(), "FAIL:PROVISION_FAILURE (NON-STRICT: FAIL:*)");
    }
}
