//! Requirement levels and verdicts (design.md "Verdicts and exit codes"): what a case's
//! observed outcome means at its level, how a run's verdicts combine into an exit code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How binding a rule is (protocol.md): defined with the rule catalogue, in the reference
/// server crate, so that the catalogue and the defects use the same type.
pub use swivel_reference_server::rules::Level;

/// The verdict of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// Behaved as required.
    #[serde(rename = "PASS")]
    Pass,
    /// A SHOULD was not met (or an acceptable-but-lax outcome of a MUST).
    #[serde(rename = "NON-STRICT")]
    NonStrict,
    /// A MUST was not met.
    #[serde(rename = "FAIL")]
    Fail,
    /// Behaviour recorded, not judged.
    #[serde(rename = "INFO")]
    Info,
    /// Transport error or timeout, confirmed by one rerun.
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    /// Not run, with a reason (waiver, missing capability).
    #[serde(rename = "SKIPPED")]
    Skipped,
    /// Never started: the run was interrupted or the target died first.
    #[serde(rename = "NOT-RUN")]
    NotRun,
}

impl Verdict {
    /// The verdict's name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::NonStrict => "NON-STRICT",
            Verdict::Fail => "FAIL",
            Verdict::Info => "INFO",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Skipped => "SKIPPED",
            Verdict::NotRun => "NOT-RUN",
        }
    }

    /// The verdict a violation gets at `level`.
    pub fn violation_at(level: Level) -> Verdict {
        match level {
            Level::Must => Verdict::Fail,
            Level::Should => Verdict::NonStrict,
            Level::Info => Verdict::Info,
        }
    }

    /// Severity for combining step results into a case verdict: the worst wins.
    fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Info => 1,
            Verdict::Skipped => 2,
            Verdict::NonStrict => 3,
            Verdict::NotRun => 4,
            Verdict::Inconclusive => 5,
            Verdict::Fail => 6,
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Process exit codes (design.md).
pub mod exit {
    /// Everything passed (NON-STRICT, INFO and SKIPPED included).
    pub const PASSED: u8 = 0;
    /// At least one FAIL.
    pub const CONFORMANCE_FAILURE: u8 = 1;
    /// Usage or environment error (also: an interrupted run, an expired or unused waiver).
    pub const ENVIRONMENT: u8 = 2;
    /// No FAIL, but at least one INCONCLUSIVE.
    pub const INCONCLUSIVE: u8 = 3;
}

/// The exit code for a finished run's verdicts.
pub fn exit_code<I: IntoIterator<Item = Verdict>>(verdicts: I) -> u8 {
    let mut inconclusive = false;
    for v in verdicts {
        match v {
            Verdict::Fail => return exit::CONFORMANCE_FAILURE,
            Verdict::Inconclusive => inconclusive = true,
            _ => {}
        }
    }
    if inconclusive {
        exit::INCONCLUSIVE
    } else {
        exit::PASSED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_follows_level() {
        assert_eq!(Verdict::violation_at(Level::Must), Verdict::Fail);
        assert_eq!(Verdict::violation_at(Level::Should), Verdict::NonStrict);
        assert_eq!(Verdict::violation_at(Level::Info), Verdict::Info);
    }

    #[test]
    fn worst_wins() {
        assert_eq!(Verdict::Pass.worst(Verdict::NonStrict), Verdict::NonStrict);
        assert_eq!(Verdict::Fail.worst(Verdict::Inconclusive), Verdict::Fail);
        assert_eq!(Verdict::Info.worst(Verdict::Pass), Verdict::Info);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            exit_code([Verdict::Pass, Verdict::NonStrict, Verdict::Skipped]),
            0
        );
        assert_eq!(exit_code([Verdict::Pass, Verdict::Inconclusive]), 3);
        assert_eq!(exit_code([Verdict::Inconclusive, Verdict::Fail]), 1);
        assert_eq!(exit_code([]), 0);
    }

    #[test]
    fn serde_names() {
        assert_eq!(
            serde_json::to_string(&Verdict::NonStrict).unwrap(),
            "\"NON-STRICT\""
        );
        assert_eq!(serde_json::to_string(&Level::Must).unwrap(), "\"MUST\"");
    }
}
