//! The error codes the server answers with, by canonical name (protocol.md §9, the
//! `agentxml-3.6` spellings). A reply spells each through the wire profile's `[errors]`
//! table ([`super::ServerWire::error`]); `NO_STRINGS`, a TokenIndex refusal no profile
//! maps, keeps its canonical spelling.

use crate::domain::{AgentError, MobileError};
use crate::profile::ErrorSpellings;

/// One error code, by canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Wrong, used, expired or other-node provision code.
    ProvisionFailure,
    /// Unknown user, on any call.
    LogUserNotFound,
    /// Unbound device id.
    DeviceNotProvisioned,
    /// The user's groups lack the Mobile Client right.
    NoMobileRight,
    /// Wrong or used OTC on an agent login.
    AgentErrorBadOtc,
    /// Malformed or incomplete request XML.
    BadRequest,
    /// Missing or wrong agent secret.
    AgentErrorNoSecurityAgent,
    /// Site ID unknown to the SSD.
    UnknownServerId,
    /// TokenIndex before a download or after every string was used.
    NoStrings,
}

impl ErrorCode {
    /// The codes a profile spells, in [`ErrorSpellings::CANONICAL`] order.
    pub const SPELLED: [ErrorCode; 8] = [
        ErrorCode::ProvisionFailure,
        ErrorCode::LogUserNotFound,
        ErrorCode::DeviceNotProvisioned,
        ErrorCode::NoMobileRight,
        ErrorCode::AgentErrorBadOtc,
        ErrorCode::BadRequest,
        ErrorCode::AgentErrorNoSecurityAgent,
        ErrorCode::UnknownServerId,
    ];

    /// The canonical name, e.g. `PROVISION_FAILURE`.
    pub fn canonical(self) -> &'static str {
        match self {
            ErrorCode::ProvisionFailure => "PROVISION_FAILURE",
            ErrorCode::LogUserNotFound => "LOG_USER_NOT_FOUND",
            ErrorCode::DeviceNotProvisioned => "DEVICE_NOT_PROVISIONED",
            ErrorCode::NoMobileRight => "NO_MOBILE_RIGHT",
            ErrorCode::AgentErrorBadOtc => "AGENT_ERROR_BAD_OTC",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::AgentErrorNoSecurityAgent => "AGENT_ERROR_NO_SECURITY_AGENT",
            ErrorCode::UnknownServerId => "UNKNOWN_SERVER_ID",
            ErrorCode::NoStrings => "NO_STRINGS",
        }
    }

    /// The code of a mobile refusal.
    pub fn of_mobile(e: &MobileError) -> Self {
        match e {
            MobileError::UnknownUser => ErrorCode::LogUserNotFound,
            MobileError::ProvisionFailure => ErrorCode::ProvisionFailure,
            MobileError::DeviceNotProvisioned => ErrorCode::DeviceNotProvisioned,
            MobileError::NoMobileRight => ErrorCode::NoMobileRight,
            MobileError::NoStrings => ErrorCode::NoStrings,
        }
    }

    /// The code of an agent refusal.
    pub fn of_agent(e: &AgentError) -> Self {
        match e {
            AgentError::UnknownUser => ErrorCode::LogUserNotFound,
            AgentError::BadOtc => ErrorCode::AgentErrorBadOtc,
        }
    }
}

/// Each code's wire spelling, looked up by position (no hashing, no allocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorNames {
    spelled: [Box<str>; 8],
}

impl ErrorNames {
    /// The spellings of `errors`.
    pub(crate) fn new(errors: &ErrorSpellings) -> Self {
        let spelled = ErrorCode::SPELLED.map(|code| {
            errors
                .wire(code.canonical())
                .unwrap_or(code.canonical())
                .into()
        });
        Self { spelled }
    }

    /// The wire spelling of `code`.
    pub(crate) fn get(&self, code: ErrorCode) -> &str {
        ErrorCode::SPELLED
            .iter()
            .position(|c| *c == code)
            .and_then(|i| self.spelled.get(i))
            .map_or(code.canonical(), |s| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_order_is_the_profiles_canonical_order() {
        let names: Vec<&str> = ErrorCode::SPELLED.iter().map(|c| c.canonical()).collect();
        assert_eq!(names, ErrorSpellings::CANONICAL);
    }

    #[test]
    fn a_profile_respells_codes_and_no_strings_passes_through() {
        let mut errors = crate::profile::WireProfile::default_profile().errors;
        errors.provision_failure = "PF".into();
        let names = ErrorNames::new(&errors);
        assert_eq!(names.get(ErrorCode::ProvisionFailure), "PF");
        assert_eq!(names.get(ErrorCode::BadRequest), "BAD_REQUEST");
        assert_eq!(names.get(ErrorCode::NoStrings), "NO_STRINGS");
    }
}
