//! The built-in profiles, embedded at build time from `fixtures/profiles/` so the
//! harness and the server work from any directory: `mobile-3.6` (the default, what real
//! apps speak) and `agentxml-3.6` (the earlier spelling). Each is parsed and validated
//! once; a unit test keeps both valid, so parsing them cannot fail at run time.

use std::sync::OnceLock;

use super::WireProfile;

/// Name of the default profile.
pub const DEFAULT_NAME: &str = "mobile-3.6";
/// Name of the earlier spelling.
pub const AGENTXML_NAME: &str = "agentxml-3.6";
/// `fixtures/profiles/mobile-3.6.toml`.
pub const MOBILE_36_TOML: &str = include_str!("../../../fixtures/profiles/mobile-3.6.toml");
/// `fixtures/profiles/agentxml-3.6.toml`.
pub const AGENTXML_36_TOML: &str = include_str!("../../../fixtures/profiles/agentxml-3.6.toml");
/// Names of every built-in profile, the default first.
pub const NAMES: [&str; 2] = [DEFAULT_NAME, AGENTXML_NAME];
/// What [`WireProfile::source`] says for a built-in profile.
pub const BUILTIN_SOURCE: &str = "built-in";

/// The built-in profile `name`, parsed once.
pub fn get(name: &str) -> Option<WireProfile> {
    static MOBILE: OnceLock<WireProfile> = OnceLock::new();
    static AGENTXML: OnceLock<WireProfile> = OnceLock::new();
    let (cell, text) = match name {
        DEFAULT_NAME => (&MOBILE, MOBILE_36_TOML),
        AGENTXML_NAME => (&AGENTXML, AGENTXML_36_TOML),
        _ => return None,
    };
    Some(cell.get_or_init(|| parse(text)).clone())
}

/// `mobile-3.6`.
pub fn default_profile() -> WireProfile {
    get(DEFAULT_NAME).unwrap_or_else(|| parse(MOBILE_36_TOML))
}

/// The embedded files are part of the build and `builtin_profiles_are_valid` checks
/// them, so an error here is a broken build, never something a peer or user caused.
#[allow(clippy::expect_used)]
fn parse(text: &str) -> WireProfile {
    WireProfile::from_toml(text, BUILTIN_SOURCE)
        .expect("the built-in wire profiles are validated by the unit tests")
}
