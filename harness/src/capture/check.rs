//! A profile against a capture, part by part: a part **matches** when the capture shows
//! the profile's value, is **contradicted** when it shows another (or shows the part
//! absent where the profile has it, or present where the profile has none), and is
//! **not shown** when no exchange of the capture bears on it. The provision action's
//! other spellings (`action_aliases.provision`) are judged as a set: contradicted when
//! the server refused a spelling the profile says it accepts, or accepted one the
//! profile does not list.

use std::collections::BTreeMap;

use serde::Serialize;

use super::load::LoadedCapture;
use super::observe::tally::shown;
use super::observe::{Finding, Observations, Shown};
use crate::profile::WireProfile;

/// A part's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The capture shows what the profile says.
    Matches,
    /// The capture shows something else.
    Contradicted,
    /// Nothing in the capture bears on the part.
    NotShown,
}

impl Verdict {
    /// `matches`, `CONTRADICTED`, `not shown`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Matches => "matches",
            Verdict::Contradicted => "CONTRADICTED",
            Verdict::NotShown => "not shown",
        }
    }
}

/// One row of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartRow {
    /// The part, as the profile names it.
    pub part: String,
    /// Its evidence label in the profile (`HINT`, …), when the profile has the part.
    pub evidence: Option<String>,
    /// The profile's value, as reports show it; `None` when the profile lacks the part.
    pub profile: Option<String>,
    /// What the capture shows, as reports show it; `None` when not shown.
    pub capture: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// How many exchanges showed it.
    pub seen: Option<String>,
}

/// What was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureInfo {
    /// File name.
    pub file: String,
    /// SHA-256.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Entries in the file.
    pub entries: usize,
    /// Classified exchanges per kind.
    pub classified: BTreeMap<String, usize>,
    /// Ignored entries per reason.
    pub ignored: BTreeMap<String, usize>,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Parts that match.
    pub matches: usize,
    /// Parts contradicted.
    pub contradicted: usize,
    /// Parts not shown.
    pub not_shown: usize,
}

/// A whole check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The capture.
    pub capture: CaptureInfo,
    /// The profile's name.
    pub profile: String,
    /// `built-in` or the profile's path.
    pub profile_source: String,
    /// Verdict counts.
    pub summary: Summary,
    /// Every part: the profile's, in its order, then those only the capture shows.
    pub parts: Vec<PartRow>,
    /// What the capture shows that no part describes.
    pub notes: Vec<String>,
}

impl CheckReport {
    /// The contradicted parts, in order.
    pub fn contradicted(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|r| r.verdict == Verdict::Contradicted)
            .map(|r| r.part.as_str())
            .collect()
    }
}

/// What the capture says about the capture itself.
pub fn capture_info(capture: &LoadedCapture, obs: &Observations) -> CaptureInfo {
    CaptureInfo {
        file: capture.file_name.clone(),
        sha256: capture.sha256.clone(),
        bytes: capture.bytes,
        entries: obs.entries,
        classified: obs.kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        ignored: obs
            .ignored
            .iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect(),
    }
}

fn verdict(profile: &WireProfile, part: &str, value: Option<&str>, finding: &Finding) -> Verdict {
    match (&finding.shown, value) {
        (Shown::Value { value: seen }, Some(have)) if seen == have => Verdict::Matches,
        (Shown::Value { .. }, _) => Verdict::Contradicted,
        (Shown::Absent, Some(_)) => Verdict::Contradicted,
        (Shown::Absent, None) => Verdict::Matches,
        (Shown::Spellings { accepted, refused }, _) if part == "action_aliases.provision" => {
            let allowed: Vec<&str> = profile.provision_spellings().collect();
            let refused_allowed = refused.iter().any(|r| allowed.contains(&r.as_str()));
            let accepted_unlisted = accepted.iter().any(|a| !allowed.contains(&a.as_str()));
            if refused_allowed || accepted_unlisted {
                Verdict::Contradicted
            } else {
                Verdict::Matches
            }
        }
        (Shown::Spellings { .. }, _) => Verdict::NotShown,
    }
}

/// Checks `profile` against the findings of `capture`.
pub fn check(profile: &WireProfile, capture: &LoadedCapture, obs: &Observations) -> CheckReport {
    let mut rows = Vec::new();
    let parts = profile.parts();
    for (part, value) in &parts {
        let evidence = profile.evidence_of(part).map(|e| e.label().to_string());
        let row = match obs.findings.get(part) {
            None => PartRow {
                part: part.clone(),
                evidence,
                profile: Some(shown(Some(value))),
                capture: None,
                verdict: Verdict::NotShown,
                seen: None,
            },
            Some(f) => PartRow {
                part: part.clone(),
                evidence,
                profile: Some(shown(Some(value))),
                capture: Some(f.shown.describe()),
                verdict: verdict(profile, part, Some(value), f),
                seen: Some(f.seen.clone()),
            },
        };
        rows.push(row);
    }
    // Parts the capture shows that the profile does not have (e.g. `ssd.pin`).
    for (part, f) in &obs.findings {
        if parts.iter().any(|(p, _)| p == part) || f.shown == Shown::Absent {
            continue;
        }
        rows.push(PartRow {
            part: part.clone(),
            evidence: None,
            profile: None,
            capture: Some(f.shown.describe()),
            verdict: verdict(profile, part, None, f),
            seen: Some(f.seen.clone()),
        });
    }
    let mut summary = Summary::default();
    for r in &rows {
        match r.verdict {
            Verdict::Matches => summary.matches += 1,
            Verdict::Contradicted => summary.contradicted += 1,
            Verdict::NotShown => summary.not_shown += 1,
        }
    }
    CheckReport {
        capture: capture_info(capture, obs),
        profile: profile.name.clone(),
        profile_source: profile.source().to_string(),
        summary,
        parts: rows,
        notes: obs.notes.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn capture() -> LoadedCapture {
        LoadedCapture {
            har: serde_json::from_str(r#"{"log":{}}"#).unwrap(),
            file_name: "t.har".into(),
            sha256: "0".repeat(64),
            bytes: 0,
        }
    }

    pub(crate) fn observed(findings: &[(&str, Shown)]) -> Observations {
        Observations {
            findings: findings
                .iter()
                .map(|(part, shown)| {
                    let finding = Finding {
                        shown: shown.clone(),
                        seen: "test".into(),
                    };
                    (part.to_string(), finding)
                })
                .collect(),
            ..Observations::default()
        }
    }

    pub(crate) fn value(v: &str) -> Shown {
        Shown::Value { value: v.into() }
    }

    fn verdict_of<'r>(report: &'r CheckReport, part: &str) -> Option<&'r PartRow> {
        report.parts.iter().find(|r| r.part == part)
    }

    #[test]
    fn values_absences_and_parts_the_profile_lacks() {
        let p = WireProfile::default_profile();
        let o = observed(&[
            ("actions.provision", value("provision")),
            ("requests.xml_prolog", value("true")),
            ("ssd.pin", Shown::Absent),
            ("ssd.error", value("Error")),
            ("policies.id", Shown::Absent),
        ]);
        let r = check(&p, &capture(), &o);
        let v = |part| verdict_of(&r, part).map(|row| row.verdict);
        assert_eq!(v("actions.provision"), Some(Verdict::Matches));
        assert_eq!(v("requests.xml_prolog"), Some(Verdict::Contradicted));
        assert_eq!(v("ssd.pin"), Some(Verdict::Contradicted));
        assert_eq!(v("ssd.error"), Some(Verdict::Contradicted));
        assert_eq!(verdict_of(&r, "ssd.error").unwrap().profile, None);
        assert_eq!(
            v("policies.id"),
            None,
            "absent where the profile lacks it: no row"
        );
        assert_eq!(v("paths.agent_xml"), Some(Verdict::NotShown));
        assert_eq!(
            r.contradicted(),
            ["requests.xml_prolog", "ssd.pin", "ssd.error"]
        );
        assert_eq!(
            (r.summary.matches, r.summary.contradicted),
            (1, 3),
            "{:?}",
            r.summary
        );
    }

    #[test]
    fn provision_spellings_are_judged_as_a_set() {
        let p = WireProfile::default_profile();
        let judge = |accepted: &[&str], refused: &[&str]| {
            let shown = Shown::Spellings {
                accepted: accepted.iter().map(|s| s.to_string()).collect(),
                refused: refused.iter().map(|s| s.to_string()).collect(),
            };
            let r = check(
                &p,
                &capture(),
                &observed(&[("action_aliases.provision", shown)]),
            );
            verdict_of(&r, "action_aliases.provision").unwrap().verdict
        };
        // mobile-3.6 accepts `provision` and `Provision`: a capture that tried only one
        // of them, or refused a spelling it does not list, agrees with it.
        assert_eq!(judge(&["Provision"], &["PROVISION"]), Verdict::Matches);
        assert_eq!(judge(&["provision", "Provision"], &[]), Verdict::Matches);
        assert_eq!(judge(&["Provision"], &["provision"]), Verdict::Contradicted);
        assert_eq!(judge(&["provision", "Prov"], &[]), Verdict::Contradicted);
    }
}
