//! The `[[capture]]` records of a wire profile: which capture (a HAR file, named by its
//! file name and SHA-256) confirmed or changed which parts. `swivel-harness profile
//! infer` writes one record per run and labels those parts `CAPTURE` in `[evidence]`;
//! validation keeps the two consistent, so a `CAPTURE` label always names its file.
//!
//! ```toml
//! [[capture]]
//! file = "phone.har"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! confirmed = ["paths.agent_xml", "elements.username"]
//! changed = ["actions.provision"]
//! removed = ["ssd.pin"]
//! ```

use serde::{Deserialize, Serialize};

/// One capture that confirmed or changed parts of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureRecord {
    /// The capture's file name (no directory).
    pub file: String,
    /// SHA-256 of the capture file as read, 64 lowercase hex digits.
    pub sha256: String,
    /// Parts the capture showed with the value the profile already had.
    #[serde(default)]
    pub confirmed: Vec<String>,
    /// Parts the capture showed with another value, which the profile now has.
    #[serde(default)]
    pub changed: Vec<String>,
    /// Parts the capture showed to be absent (e.g. no `<pin>` in the Site ID reply), which
    /// the profile no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

impl CaptureRecord {
    /// Whether this capture confirmed or changed `part`.
    pub fn covers(&self, part: &str) -> bool {
        self.confirmed
            .iter()
            .chain(&self.changed)
            .any(|p| p == part)
    }

    /// The first problem of record `index` (0-based), as `(field, problem)`.
    pub(super) fn check(&self, index: usize) -> Result<(), (String, String)> {
        let field = |name: &str| format!("capture[{index}].{name}");
        if self.file.trim().is_empty() || self.file.chars().any(char::is_control) {
            return Err((
                field("file"),
                "must be a file name without control characters".to_string(),
            ));
        }
        let hex = self
            .sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if self.sha256.len() != 64 || !hex {
            return Err((
                field("sha256"),
                "must be 64 lowercase hexadecimal digits".to_string(),
            ));
        }
        Ok(())
    }
}
