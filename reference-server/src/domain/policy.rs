//! Server policies as the administration console groups them: Self-Reset (PC-3, SP-1,
//! SP-2, PC-2), Mobile Client (POL-1, PC-8) and General (SS-6), with the console's
//! validation.

use serde::{Deserialize, Serialize};

/// The default "Provision Code Validity period (seconds)" (PC-3).
pub const DEFAULT_VALIDITY_SECS: u64 = 600;
/// The allowed range of the validity period, inclusive (PC-3).
pub const VALIDITY_RANGE: std::ops::RangeInclusive<u64> = 10..=1_000_000;
/// The default base of the complete provision URL (URL-2).
pub const DEFAULT_COMPLETE_URL_BASE: &str = "http://smc.swivelsecure.com/smc/complete/";

/// Characters of security strings (SS-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StringType {
    /// Digits only (the default).
    #[default]
    Numeric,
    /// Upper-case letters.
    Upper,
    /// Lower-case letters.
    Lower,
    /// Upper- and lower-case letters.
    Mixed,
    /// Upper-case letters and digits.
    Alphanumeric,
}

impl StringType {
    /// The alphabet strings of this type are drawn from.
    pub const fn alphabet(self) -> &'static [u8] {
        match self {
            StringType::Numeric => b"0123456789",
            StringType::Upper => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            StringType::Lower => b"abcdefghijklmnopqrstuvwxyz",
            StringType::Mixed => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            StringType::Alphanumeric => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        }
    }
}

/// What the provision message carries (PC-2, URL-1, URL-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ProvisionMessage {
    /// The bare provision code (before 3.9.7).
    #[default]
    Code,
    /// A Provision URL carrying the code (3.9.7, URL-1).
    ProvisionUrl,
    /// The complete URL with Site ID and code (3.10, URL-2).
    CompleteUrl,
}

/// The Self-Reset policy group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfResetPolicy {
    /// "Provision Code Validity period (seconds)", PC-3.
    pub provision_code_validity_secs: u64,
    /// "Allow user self-provision of mobile client", SP-1.
    pub allow_self_provision: bool,
    /// "Log device information when provisioning", SP-2.
    pub log_device_information: bool,
    /// "Send provision code as security string", PC-2.
    pub send_code_as_security_string: bool,
    /// Bare code, Provision URL or complete URL in the message (URL-1, URL-2).
    pub provision_message: ProvisionMessage,
    /// Base of the complete URL (URL-2).
    pub complete_url_base: String,
}

impl Default for SelfResetPolicy {
    fn default() -> Self {
        Self {
            provision_code_validity_secs: DEFAULT_VALIDITY_SECS,
            allow_self_provision: false,
            log_device_information: false,
            send_code_as_security_string: false,
            provision_message: ProvisionMessage::Code,
            complete_url_base: DEFAULT_COMPLETE_URL_BASE.to_string(),
        }
    }
}

/// The Mobile Client policy group (POL-1, PC-8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MobileClientPolicy {
    /// "Allow user to enter PIN".
    pub allow_pin_entry: bool,
    /// "Allow user to choose how to extract OTC".
    pub allow_choose_extraction: bool,
    /// "Allow user to browse strings".
    pub allow_browse_strings: bool,
    /// "Provision Number Is Numeric" (PC-8).
    pub provision_number_numeric: bool,
}

/// The General policy group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneralPolicy {
    /// "Security string type" (SS-6).
    pub security_string_type: StringType,
}

/// Every policy the reference server models.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policies {
    /// Self-Reset group.
    pub self_reset: SelfResetPolicy,
    /// Mobile Client group.
    pub mobile_client: MobileClientPolicy,
    /// General group.
    pub general: GeneralPolicy,
}

/// A policy change the console refuses; the old values are kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// PC-3: validity outside 10..=1000000.
    #[error(
        "Provision Code Validity period must be between 10 and 1000000 seconds; {0} was refused and the previous value kept"
    )]
    ValidityOutOfRange(u64),
    /// The complete URL base is not an http(s) URL.
    #[error("complete URL base must start with http:// or https:// and end with '/'; got '{0}'")]
    BadCompleteUrlBase(String),
}

impl PolicyError {
    /// The policy it refuses, as `<group>.<field>` (the key of the control API's JSON
    /// and of a `serve --policies` file).
    pub fn key(&self) -> &'static str {
        match self {
            PolicyError::ValidityOutOfRange(_) => "self_reset.provision_code_validity_secs",
            PolicyError::BadCompleteUrlBase(_) => "self_reset.complete_url_base",
        }
    }
}

impl Policies {
    /// Checks a proposed policy set as the console does (PC-3). `range_checked` is false
    /// only under the validity-range-unchecked defect.
    pub fn validate(&self, range_checked: bool) -> Result<(), PolicyError> {
        let validity = self.self_reset.provision_code_validity_secs;
        if range_checked && !VALIDITY_RANGE.contains(&validity) {
            return Err(PolicyError::ValidityOutOfRange(validity));
        }
        let base = &self.self_reset.complete_url_base;
        if !(base.starts_with("http://") || base.starts_with("https://")) || !base.ends_with('/') {
            return Err(PolicyError::BadCompleteUrlBase(base.clone()));
        }
        Ok(())
    }

    /// The Mobile Client policies as (id, on, description), as sent to the app (POL-1).
    pub fn mobile_items(&self) -> [(&'static str, bool, &'static str); 4] {
        let m = &self.mobile_client;
        [
            (
                "AllowUserToEnterPIN",
                m.allow_pin_entry,
                "Allow user to enter PIN",
            ),
            (
                "AllowUserToChooseExtraction",
                m.allow_choose_extraction,
                "Allow user to choose how to extract OTC",
            ),
            (
                "AllowUserToBrowseStrings",
                m.allow_browse_strings,
                "Allow user to browse strings",
            ),
            (
                "ProvisionNumberIsNumeric",
                m.provision_number_numeric,
                "Provision Number Is Numeric",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_validity(secs: u64) -> Policies {
        let mut p = Policies::default();
        p.self_reset.provision_code_validity_secs = secs;
        p
    }

    #[test]
    fn pc3_defaults_are_600_seconds_and_self_provision_off() {
        let p = Policies::default();
        assert_eq!(p.self_reset.provision_code_validity_secs, 600);
        assert!(!p.self_reset.allow_self_provision);
        assert!(!p.self_reset.log_device_information);
        assert_eq!(p.general.security_string_type, StringType::Numeric);
    }

    #[test]
    fn pc3_validity_bounds_are_inclusive() {
        assert!(with_validity(10).validate(true).is_ok());
        assert!(with_validity(1_000_000).validate(true).is_ok());
        assert_eq!(
            with_validity(9).validate(true),
            Err(PolicyError::ValidityOutOfRange(9))
        );
        assert_eq!(
            with_validity(1_000_001).validate(true),
            Err(PolicyError::ValidityOutOfRange(1_000_001))
        );
    }

    #[test]
    fn pc3_refusal_message_is_clear() {
        let msg = with_validity(9).validate(true).unwrap_err().to_string();
        assert!(msg.contains("between 10 and 1000000"), "{msg}");
        assert!(msg.contains("previous value kept"), "{msg}");
    }

    #[test]
    fn policies_parse_from_partial_json() {
        let p: Policies =
            serde_json::from_str(r#"{"self_reset":{"allow_self_provision":true}}"#).unwrap();
        assert!(p.self_reset.allow_self_provision);
        assert_eq!(p.self_reset.provision_code_validity_secs, 600);
        assert!(serde_json::from_str::<Policies>(r#"{"bogus":1}"#).is_err());
    }
}
