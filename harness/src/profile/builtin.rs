//! The built-in profiles, embedded at build time so the harness works from any
//! directory. `agentxml-3.6` also exists as Rust below: [`default_profile`] falls back to
//! it instead of panicking if the embedded file were ever broken, and a test keeps the
//! two identical.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{Actions, Elements, ErrorSpellings, Evidence, Paths, Results, WireProfile};

/// Name of the default profile.
pub const DEFAULT_NAME: &str = "agentxml-3.6";
/// The default profile's file, `fixtures/profiles/agentxml-3.6.toml`.
pub const AGENTXML_36_TOML: &str = include_str!("../../../fixtures/profiles/agentxml-3.6.toml");
/// Names of every built-in profile.
pub const NAMES: [&str; 1] = [DEFAULT_NAME];
/// What [`WireProfile::source`] says for a built-in profile.
pub const BUILTIN_SOURCE: &str = "built-in";

/// The built-in profile `name`, parsed once.
pub fn get(name: &str) -> Option<WireProfile> {
    if name != DEFAULT_NAME {
        return None;
    }
    static PARSED: OnceLock<WireProfile> = OnceLock::new();
    Some(PARSED.get_or_init(default_profile_uncached).clone())
}

/// `agentxml-3.6`.
pub fn default_profile() -> WireProfile {
    // `get` only declines other names.
    get(DEFAULT_NAME).unwrap_or_else(in_code)
}

fn default_profile_uncached() -> WireProfile {
    match WireProfile::from_toml(AGENTXML_36_TOML, BUILTIN_SOURCE) {
        Ok(profile) => profile,
        Err(e) => {
            tracing::error!(
                "the embedded agentxml-3.6 profile is broken ({e}); using the in-code copy"
            );
            in_code()
        }
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

/// `agentxml-3.6` written out in Rust: the same values and labels as the TOML file.
pub(super) fn in_code() -> WireProfile {
    use Evidence::{Assumed, Doc, Hint};
    let evidence: BTreeMap<String, Evidence> = [
        ("version", Doc),
        ("paths.agent_xml", Doc),
        ("paths.token_index", Hint),
        ("paths.token_index_username_param", Hint),
        ("paths.token_index_id_param", Hint),
        ("paths.self_provision", Doc),
        ("paths.self_provision_username_field", Assumed),
        ("paths.qr_code", Doc),
        ("paths.qr_text_param", Doc),
        ("paths.ssd_lookup", Assumed),
        ("paths.ssd_id_param", Assumed),
        ("elements", Hint),
        ("elements.request_root", Doc),
        ("elements.response_root", Doc),
        ("elements.version", Doc),
        ("elements.action", Doc),
        ("elements.username", Doc),
        ("elements.otc", Doc),
        ("elements.password", Doc),
        ("elements.secret", Doc),
        ("elements.request_id", Doc),
        ("elements.result", Doc),
        ("elements.error", Assumed),
        ("elements.message", Assumed),
        ("elements.ssd_root", Assumed),
        ("elements.ssd_server", Assumed),
        ("elements.ssd_host", Assumed),
        ("elements.ssd_port", Assumed),
        ("elements.ssd_context", Assumed),
        ("elements.ssd_ssl", Assumed),
        ("elements.ssd_push", Assumed),
        ("elements.ssd_local", Assumed),
        ("actions.provision", Hint),
        ("actions.security_strings", Hint),
        ("actions.login", Doc),
        ("actions.ping", Doc),
        ("results", Doc),
        ("errors", Assumed),
        ("strings_separator", Hint),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    WireProfile {
        name: s(DEFAULT_NAME),
        description: s(
            "Agent-XML envelope with the mobile actions of protocol.md §9 (the reference server's wire)",
        ),
        version: s("3.6"),
        paths: Paths {
            agent_xml: s("/AgentXML"),
            token_index: s("/TokenIndex"),
            token_index_username_param: s("username"),
            token_index_id_param: s("id"),
            self_provision: s("/reset/provision.jsp"),
            self_provision_username_field: s("username"),
            qr_code: s("/userportal/getQRCode"),
            qr_text_param: s("text"),
            ssd_lookup: s("/ssd/lookup"),
            ssd_id_param: s("id"),
        },
        elements: Elements {
            request_root: s("SASRequest"),
            response_root: s("SASResponse"),
            version: s("Version"),
            action: s("Action"),
            username: s("Username"),
            provision_code: s("ProvisionCode"),
            device_os: s("DeviceOS"),
            push_id: s("PushId"),
            device_id: s("Id"),
            otc: s("OTC"),
            password: s("Password"),
            secret: s("Secret"),
            request_id: s("RequestID"),
            result: s("Result"),
            error: s("Error"),
            message: s("Message"),
            security_strings: s("SecurityStrings"),
            policy: s("Policy"),
            policy_id: s("Id"),
            policy_content: s("Content"),
            policy_description: s("Description"),
            ssd_root: s("SSDResponse"),
            ssd_server: s("Server"),
            ssd_host: s("Host"),
            ssd_port: s("Port"),
            ssd_context: s("Context"),
            ssd_ssl: s("SSL"),
            ssd_push: s("Push"),
            ssd_local: s("Local"),
        },
        actions: Actions {
            provision: s("Provision"),
            security_strings: s("SecurityStrings"),
            login: s("login"),
            ping: s("ping"),
        },
        results: Results {
            pass: s("PASS"),
            fail: s("FAIL"),
        },
        errors: ErrorSpellings {
            provision_failure: s("PROVISION_FAILURE"),
            log_user_not_found: s("LOG_USER_NOT_FOUND"),
            device_not_provisioned: s("DEVICE_NOT_PROVISIONED"),
            no_mobile_right: s("NO_MOBILE_RIGHT"),
            agent_error_bad_otc: s("AGENT_ERROR_BAD_OTC"),
            bad_request: s("BAD_REQUEST"),
            agent_error_no_security_agent: s("AGENT_ERROR_NO_SECURITY_AGENT"),
            unknown_server_id: s("UNKNOWN_SERVER_ID"),
        },
        strings_separator: s(";"),
        evidence,
        source: s(BUILTIN_SOURCE),
    }
}
