//! What the Swivel app shows after each call (protocol.md §8), so certification can
//! compare a real app's screen with the emulator's and reports can say what a user
//! would see. Calls the app never makes (agent login, probes, web pages) show nothing
//! unless no reply arrived at all.

use crate::codec::{Call, Outcome};

/// Shown while provisioning; after a successful SSD lookup the app goes on.
pub const PROVISIONING: &str = "Provisioning. Please wait...";
/// Provision (and the strings download that follows) succeeded.
pub const DEVICE_PROVISIONED: &str = "Device Provisioned";
/// The user is not in the repository.
pub const INVALID_USERNAME: &str = "Invalid Username";
/// The code is wrong, expired, used, or held by another node.
pub const INVALID_PROVISION_CODE: &str = "Invalid Provision Code";
/// No username configured.
pub const USER_NOT_SET: &str = "User not set";
/// Strings refused (no Mobile Client right, device unbound, any strings failure). The
/// typo is the app's own.
pub const ERROR_DOWNLOADING_STRINGS: &str = "Error Dowloading Security Strings";
/// Site ID unknown or missing.
pub const UNKNOWN_SERVER_ID: &str = "Error Server, Unknown Server ID";
/// Server unreachable or settings wrong.
pub const SERVER_CONNECTION: &str = "Error Server Connection";
/// Any other provisioning failure.
pub const PROVISION_FAILURE: &str =
    "Failure Please check your settings or try again later. Message: Provision Failure";
/// Nothing shown.
pub const NOTHING: &str = "";

/// The message for `outcome` of `call`.
pub fn app_message(call: Call, outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Transport(_) => return SERVER_CONNECTION,
        Outcome::NotSent(_) => return USER_NOT_SET,
        _ => {}
    }
    // A 404 on a mobile path means the configured context or path is wrong: "settings
    // wrong" in §8, which the app reports like an unreachable server.
    let settings_wrong = matches!(outcome, Outcome::Http(404));
    match call {
        Call::Provision => match outcome {
            Outcome::Pass => DEVICE_PROVISIONED,
            Outcome::Fail(code) if code == "LOG_USER_NOT_FOUND" => INVALID_USERNAME,
            Outcome::Fail(code) if code == "PROVISION_FAILURE" => INVALID_PROVISION_CODE,
            _ if settings_wrong => SERVER_CONNECTION,
            _ => PROVISION_FAILURE,
        },
        Call::SecurityStrings => match outcome {
            Outcome::Pass => DEVICE_PROVISIONED,
            _ if settings_wrong => SERVER_CONNECTION,
            _ => ERROR_DOWNLOADING_STRINGS,
        },
        // The app reads the index to pick the next string; a refusal is a strings error.
        Call::TokenIndex => match outcome {
            Outcome::Pass => NOTHING,
            _ if settings_wrong => SERVER_CONNECTION,
            _ => ERROR_DOWNLOADING_STRINGS,
        },
        // An SSD that refuses the Site ID (or has no such page) means "unknown"; an SSD
        // that answers garbage or 5xx gave no settings, as if unreachable.
        Call::SsdLookup => match outcome {
            Outcome::Pass => PROVISIONING,
            Outcome::Fail(_) | Outcome::Http(404) => UNKNOWN_SERVER_ID,
            _ => SERVER_CONNECTION,
        },
        // The app's connection check: anything but PASS means the settings do not work.
        Call::Ping => match outcome {
            Outcome::Pass => NOTHING,
            _ => SERVER_CONNECTION,
        },
        Call::Login | Call::SelfProvision | Call::QrCode | Call::Raw | Call::Get => NOTHING,
    }
}
