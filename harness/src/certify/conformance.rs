//! The conformance statement: which app is certified (name, version, platform) and which
//! features it claims. A step of the plan that needs a feature the app does not claim is
//! SKIPPED naming it, and so are the cases of that step; the statement goes into the
//! evidence bundle as it was read.
//!
//! ```toml
//! name = "Acme Authenticator"
//! version = "2.4.1"
//! platform = "Android 14"
//! features = ["site-id", "manual-settings", "provision-url", "qr", "tls", "otc", "sync-index"]
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// A feature an app may claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// A Site ID looked up at an SSD the tester can point the app at (CLI-1).
    SiteId,
    /// Host, port, context and SSL entered by hand.
    ManualSettings,
    /// Opens a complete Provision URL (URL-2).
    ProvisionUrl,
    /// Scans the QR code of the complete URL (QR-1).
    Qr,
    /// Talks https and checks the certificate (CLI-8).
    Tls,
    /// Shows OTCs computed from the PIN the user entered (CLI-5, CLI-6, CLI-7).
    Otc,
    /// Reads TokenIndex to learn the next index (lets CLI-7 be tested without 99 OTCs).
    SyncIndex,
}

/// Every feature, in the order statements list them.
pub const ALL_FEATURES: &[Feature] = &[
    Feature::SiteId,
    Feature::ManualSettings,
    Feature::ProvisionUrl,
    Feature::Qr,
    Feature::Tls,
    Feature::Otc,
    Feature::SyncIndex,
];

impl Feature {
    /// The name statements and plans use.
    pub fn name(self) -> &'static str {
        match self {
            Feature::SiteId => "site-id",
            Feature::ManualSettings => "manual-settings",
            Feature::ProvisionUrl => "provision-url",
            Feature::Qr => "qr",
            Feature::Tls => "tls",
            Feature::Otc => "otc",
            Feature::SyncIndex => "sync-index",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conformance {
    /// The app's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The platform it ran on (e.g. `Android 14`).
    pub platform: String,
    /// The features it claims.
    pub features: Vec<Feature>,
}

/// A statement that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// Not TOML, an unknown field or feature.
    #[error("conformance statement {origin}: {message}")]
    Parse {
        /// The file.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A field that must not be empty is.
    #[error("conformance statement {origin}: `{field}` must not be empty")]
    Empty {
        /// The file.
        origin: String,
        /// The field.
        field: &'static str,
    },
    /// No way to provision.
    #[error(
        "conformance statement {origin}: the app must claim at least one way to provision (site-id, manual-settings, provision-url or qr)"
    )]
    NoEntry {
        /// The file.
        origin: String,
    },
}

impl Conformance {
    /// Parses and checks a statement; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConformanceError> {
        let c: Conformance = toml::from_str(text).map_err(|e| ConformanceError::Parse {
            origin: origin.to_string(),
            message: format!(
                "{} (features: {})",
                e.to_string().trim_end(),
                ALL_FEATURES
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        for (field, value) in [
            ("name", &c.name),
            ("version", &c.version),
            ("platform", &c.platform),
        ] {
            if value.trim().is_empty() {
                return Err(ConformanceError::Empty {
                    origin: origin.to_string(),
                    field,
                });
            }
        }
        let entries = [
            Feature::SiteId,
            Feature::ManualSettings,
            Feature::ProvisionUrl,
            Feature::Qr,
        ];
        if !entries.iter().any(|f| c.claims(*f)) {
            return Err(ConformanceError::NoEntry {
                origin: origin.to_string(),
            });
        }
        Ok(c)
    }

    /// The statement of the harness's own emulated app (`--self-test`): every feature.
    pub fn emulator() -> Self {
        Self {
            name: "swivel-harness emulator".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            platform: "emulated".to_string(),
            features: ALL_FEATURES.to_vec(),
        }
    }

    /// Whether the app claims `feature`.
    pub fn claims(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// The statement as TOML (what the bundle keeps).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// `name version` as a file-name part: letters, digits, `.`, `-` and `_` kept, the
    /// rest as `-`.
    pub fn file_stem(&self) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        format!("{}-{}", clean(&self.name), clean(&self.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_statement_and_refuses_bad_ones() {
        let c = Conformance::from_toml(
            "name = \"Acme\"\nversion = \"2.4\"\nplatform = \"Android 14\"\nfeatures = [\"site-id\", \"otc\"]\n",
            "acme.toml",
        )
        .unwrap();
        assert!(c.claims(Feature::SiteId) && !c.claims(Feature::Tls));
        assert_eq!(c.file_stem(), "Acme-2.4");
        let err = Conformance::from_toml(
            "name = \"A\"\nversion = \"1\"\nplatform = \"p\"\nfeatures = [\"teleport\"]\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("sync-index"), "{err}");
        let err = Conformance::from_toml(
            "name = \"A\"\nversion = \"1\"\nplatform = \"p\"\nfeatures = [\"otc\"]\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(matches!(err, ConformanceError::NoEntry { .. }), "{err}");
        let err = Conformance::from_toml(
            "name = \" \"\nversion = \"1\"\nplatform = \"p\"\nfeatures = [\"qr\"]\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(matches!(err, ConformanceError::Empty { field: "name", .. }));
        let me = Conformance::emulator();
        assert_eq!(Conformance::from_toml(&me.to_toml(), "again").unwrap(), me);
    }
}
