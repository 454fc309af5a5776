//! The waivers file: `[[waiver]]` tables of case, reason and expiry date. A waived case
//! is SKIPPED with its reason; a waiver past its date, or naming no known case, is a
//! problem that fails the run (exit 2), so waivers cannot silently outlive their use.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

/// One waiver.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Case ID.
    pub case: String,
    /// Why (a ticket, a known deviation).
    pub reason: String,
    /// Last day it applies, `YYYY-MM-DD`.
    pub expires: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiversFile {
    #[serde(default)]
    waiver: Vec<Waiver>,
}

/// Why a waivers file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("waivers file {path}: {message}")]
pub struct WaiverError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Loads and checks a waivers file.
pub fn read(path: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let err = |message: String| WaiverError {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: WaiversFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
    for w in &file.waiver {
        NaiveDate::parse_from_str(&w.expires, "%Y-%m-%d").map_err(|e| {
            err(format!(
                "waiver for {}: expires {:?} is not YYYY-MM-DD: {e}",
                w.case, w.expires
            ))
        })?;
        if w.reason.trim().is_empty() {
            return Err(err(format!("waiver for {} has no reason", w.case)));
        }
    }
    Ok(file.waiver)
}

/// The waiver for `case` that is in force on `today`.
pub fn active<'w>(waivers: &'w [Waiver], case: &str, today: NaiveDate) -> Option<&'w Waiver> {
    waivers
        .iter()
        .find(|w| w.case == case && !expired(w, today))
}

fn expired(w: &Waiver, today: NaiveDate) -> bool {
    NaiveDate::parse_from_str(&w.expires, "%Y-%m-%d").map_or(true, |d| d < today)
}

/// Problems that fail the run: expired waivers and waivers naming no known case.
pub fn problems(waivers: &[Waiver], known_cases: &[&str], today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    for w in waivers {
        if !known_cases.contains(&w.case.as_str()) {
            out.push(format!(
                "waiver for {} names no known case (unused waiver)",
                w.case
            ));
        } else if expired(w, today) {
            out.push(format!(
                "waiver for {} expired on {} ({})",
                w.case, w.expires, w.reason
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(case: &str, expires: &str) -> Waiver {
        Waiver {
            case: case.into(),
            reason: "known".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn active_until_and_including_expiry_day() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let ws = [w("a", "2026-11-29"), w("b", "2026-11-28")];
        assert!(active(&ws, "a", today).is_some());
        assert!(active(&ws, "b", today).is_none());
        let p = problems(&ws, &["a", "b"], today);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("expired"));
        assert!(problems(&[w("zzz", "2099-01-01")], &["a"], today)[0].contains("unused"));
    }

    #[test]
    fn file_errors_are_clear() {
        let dir = std::env::temp_dir().join(format!("swivel-waivers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.toml");
        std::fs::write(
            &path,
            "[[waiver]]\ncase='a'\nreason='r'\nexpires='tomorrow'\n",
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        std::fs::write(
            &path,
            "[[waiver]]\ncase='a'\nreason='r'\nexpires='2027-01-01'\n",
        )
        .unwrap();
        assert_eq!(read(&path).unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
