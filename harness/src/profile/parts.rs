//! The named parts of a wire profile: paths, element names, action names and result
//! spellings, each a plain struct read from its own TOML table. Every section can list
//! its parts as `(field, value)` pairs, which is how validation and evidence lookup
//! address them (`paths.token_index`, `elements.result`, …).

use serde::{Deserialize, Serialize};

/// URL paths and parameter names. Paths are relative to a node base URL
/// `<scheme>://<host>:<port>/<context>`, except [`Paths::ssd_lookup`], which is relative
/// to the server root (the SSD is not under a context).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// Agent-XML endpoint (`/AgentXML`).
    pub agent_xml: String,
    /// Token index endpoint (`/TokenIndex`).
    pub token_index: String,
    /// Query parameter carrying the username of a token index request (`username`).
    pub token_index_username_param: String,
    /// Query parameter carrying the device id of a token index request (`id`).
    pub token_index_id_param: String,
    /// Self-service provision page (`/reset/provision.jsp`).
    pub self_provision: String,
    /// Form field carrying the username on the self-service page (`username`).
    pub self_provision_username_field: String,
    /// QR image of a complete URL (`/userportal/getQRCode`).
    pub qr_code: String,
    /// Query parameter carrying the QR payload (`text`).
    pub qr_text_param: String,
    /// SSD lookup, relative to the server root (`/ssd/lookup`).
    pub ssd_lookup: String,
    /// Query parameter carrying the Site ID (`id`).
    pub ssd_id_param: String,
}

impl Paths {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("agent_xml", &self.agent_xml),
            ("token_index", &self.token_index),
            (
                "token_index_username_param",
                &self.token_index_username_param,
            ),
            ("token_index_id_param", &self.token_index_id_param),
            ("self_provision", &self.self_provision),
            (
                "self_provision_username_field",
                &self.self_provision_username_field,
            ),
            ("qr_code", &self.qr_code),
            ("qr_text_param", &self.qr_text_param),
            ("ssd_lookup", &self.ssd_lookup),
            ("ssd_id_param", &self.ssd_id_param),
        ]
    }
}

/// Element names of requests and replies (case-sensitive, protocol.md §9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Elements {
    /// Root of every request (`SASRequest`).
    pub request_root: String,
    /// Root of every Agent-XML reply (`SASResponse`).
    pub response_root: String,
    /// Protocol version (`Version`).
    pub version: String,
    /// Action name (`Action`).
    pub action: String,
    /// Username (`Username`).
    pub username: String,
    /// Provision code (`ProvisionCode`).
    pub provision_code: String,
    /// Device information sent when provisioning (`DeviceOS`).
    pub device_os: String,
    /// Optional push notification id (`PushId`).
    pub push_id: String,
    /// Device id, in a provision reply and a strings request (`Id`).
    pub device_id: String,
    /// One-time code of an agent login (`OTC`).
    pub otc: String,
    /// Password of an agent login, sent empty (`Password`).
    pub password: String,
    /// Agent secret (`Secret`).
    pub secret: String,
    /// Request id, echoed back (`RequestID`).
    pub request_id: String,
    /// `PASS`/`FAIL` (`Result`).
    pub result: String,
    /// Error code of a FAIL reply (`Error`).
    pub error: String,
    /// Human-readable explanation (`Message`).
    pub message: String,
    /// The joined security strings (`SecurityStrings`).
    pub security_strings: String,
    /// One Mobile Client policy (`Policy`).
    pub policy: String,
    /// Policy id, inside a policy (`Id`).
    pub policy_id: String,
    /// Policy value, inside a policy (`Content`).
    pub policy_content: String,
    /// Policy description, inside a policy (`Description`).
    pub policy_description: String,
    /// Root of an SSD reply (`SSDResponse`).
    pub ssd_root: String,
    /// Server settings of an SSD reply (`Server`).
    pub ssd_server: String,
    /// Host, inside the server settings (`Host`).
    pub ssd_host: String,
    /// Port (`Port`).
    pub ssd_port: String,
    /// Context (`Context`).
    pub ssd_context: String,
    /// Whether to use TLS (`SSL`).
    pub ssd_ssl: String,
    /// Push flag (`Push`).
    pub ssd_push: String,
    /// Local-mode flag (`Local`).
    pub ssd_local: String,
}

impl Elements {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("request_root", &self.request_root),
            ("response_root", &self.response_root),
            ("version", &self.version),
            ("action", &self.action),
            ("username", &self.username),
            ("provision_code", &self.provision_code),
            ("device_os", &self.device_os),
            ("push_id", &self.push_id),
            ("device_id", &self.device_id),
            ("otc", &self.otc),
            ("password", &self.password),
            ("secret", &self.secret),
            ("request_id", &self.request_id),
            ("result", &self.result),
            ("error", &self.error),
            ("message", &self.message),
            ("security_strings", &self.security_strings),
            ("policy", &self.policy),
            ("policy_id", &self.policy_id),
            ("policy_content", &self.policy_content),
            ("policy_description", &self.policy_description),
            ("ssd_root", &self.ssd_root),
            ("ssd_server", &self.ssd_server),
            ("ssd_host", &self.ssd_host),
            ("ssd_port", &self.ssd_port),
            ("ssd_context", &self.ssd_context),
            ("ssd_ssl", &self.ssd_ssl),
            ("ssd_push", &self.ssd_push),
            ("ssd_local", &self.ssd_local),
        ]
    }
}

/// Values of `<Action>` (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    /// Redeem a provision code (`Provision`).
    pub provision: String,
    /// Download security strings (`SecurityStrings`).
    pub security_strings: String,
    /// Agent login with an OTC (`login`).
    pub login: String,
    /// Liveness check (`ping`).
    pub ping: String,
}

impl Actions {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("provision", &self.provision),
            ("security_strings", &self.security_strings),
            ("login", &self.login),
            ("ping", &self.ping),
        ]
    }
}

/// Values of `<Result>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Success (`PASS`).
    pub pass: String,
    /// Refusal (`FAIL`).
    pub fail: String,
}

impl Results {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, &str)> {
        vec![("pass", &self.pass), ("fail", &self.fail)]
    }
}
