//! Error spellings: how a server spells each error a scenario can expect. Scenarios and
//! reports speak the CANONICAL names (the `agentxml-3.6` spellings); a profile maps each
//! of them to its server's wire spelling, and [`ErrorSpellings::canonical`] maps back.

use serde::{Deserialize, Serialize};

/// Canonical error name → this profile's wire spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpellings {
    /// Wrong, used, expired or other-node provision code.
    #[serde(rename = "PROVISION_FAILURE")]
    pub provision_failure: String,
    /// Unknown user, on any call.
    #[serde(rename = "LOG_USER_NOT_FOUND")]
    pub log_user_not_found: String,
    /// Unbound device id.
    #[serde(rename = "DEVICE_NOT_PROVISIONED")]
    pub device_not_provisioned: String,
    /// The user's groups lack the Mobile Client right.
    #[serde(rename = "NO_MOBILE_RIGHT")]
    pub no_mobile_right: String,
    /// Wrong or used OTC on an agent login.
    #[serde(rename = "AGENT_ERROR_BAD_OTC")]
    pub agent_error_bad_otc: String,
    /// Malformed or incomplete request XML.
    #[serde(rename = "BAD_REQUEST")]
    pub bad_request: String,
    /// Missing or wrong agent secret.
    #[serde(rename = "AGENT_ERROR_NO_SECURITY_AGENT")]
    pub agent_error_no_security_agent: String,
    /// Site ID unknown to the SSD.
    #[serde(rename = "UNKNOWN_SERVER_ID")]
    pub unknown_server_id: String,
}

impl ErrorSpellings {
    /// The canonical names, in the order of [`ErrorSpellings::entries`].
    pub const CANONICAL: [&'static str; 8] = [
        "PROVISION_FAILURE",
        "LOG_USER_NOT_FOUND",
        "DEVICE_NOT_PROVISIONED",
        "NO_MOBILE_RIGHT",
        "AGENT_ERROR_BAD_OTC",
        "BAD_REQUEST",
        "AGENT_ERROR_NO_SECURITY_AGENT",
        "UNKNOWN_SERVER_ID",
    ];

    /// `(canonical name, wire spelling)` of every error.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        let wire = [
            &self.provision_failure,
            &self.log_user_not_found,
            &self.device_not_provisioned,
            &self.no_mobile_right,
            &self.agent_error_bad_otc,
            &self.bad_request,
            &self.agent_error_no_security_agent,
            &self.unknown_server_id,
        ];
        Self::CANONICAL
            .into_iter()
            .zip(wire.map(String::as_str))
            .collect()
    }

    /// This profile's wire spelling of canonical error `canonical`, if it is one of the
    /// canonical names.
    pub fn wire(&self, canonical: &str) -> Option<&str> {
        self.entries()
            .into_iter()
            .find(|(name, _)| *name == canonical)
            .map(|(_, wire)| wire)
    }

    /// The canonical name of wire spelling `wire`; spellings the profile does not map
    /// (a server's extra codes) pass through unchanged so reports still show them.
    pub fn canonical(&self, wire: &str) -> String {
        self.entries()
            .into_iter()
            .find(|(_, spelling)| *spelling == wire)
            .map_or(wire, |(name, _)| name)
            .to_string()
    }
}
