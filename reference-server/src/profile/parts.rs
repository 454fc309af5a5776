//! The named parts of a wire profile, each a plain struct read from its own TOML table:
//! paths, request habits, element names, actions and the other spellings a server
//! accepts, results, the strings layout, the policies shape and the SSD lookup. Every
//! section lists its parts as `(field, value)` pairs, which is how validation and
//! evidence lookup address them (`paths.token_index`, `strings.layout`, …).

use serde::{Deserialize, Serialize};

/// URL paths and parameter names below a node base URL `<scheme>://<host>:<port>/<context>`
/// (the SSD lookup, below the server root, is in [`Ssd`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// Agent-XML endpoint (`/AgentXML`).
    pub agent_xml: String,
    /// Token index endpoint (`/TokenIndex`).
    pub token_index: String,
    /// Query parameter carrying the username of a token index request (`username`).
    pub token_index_username_param: String,
    /// Query parameter carrying the device id of a token index request (`id`), sent only
    /// when [`Requests::token_index_id`] is true.
    pub token_index_id_param: String,
    /// Self-service provision page (`/reset/provision.jsp`).
    pub self_provision: String,
    /// Form field carrying the username on the self-service page (`username`).
    pub self_provision_username_field: String,
    /// QR image of a complete URL (`/userportal/getQRCode`).
    pub qr_code: String,
    /// Query parameter carrying the QR payload (`text`).
    pub qr_text_param: String,
}

impl Paths {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("agent_xml", self.agent_xml.clone()),
            ("token_index", self.token_index.clone()),
            (
                "token_index_username_param",
                self.token_index_username_param.clone(),
            ),
            ("token_index_id_param", self.token_index_id_param.clone()),
            ("self_provision", self.self_provision.clone()),
            (
                "self_provision_username_field",
                self.self_provision_username_field.clone(),
            ),
            ("qr_code", self.qr_code.clone()),
            ("qr_text_param", self.qr_text_param.clone()),
        ]
    }
}

/// How requests are written, and so what a server must accept (WIRE-1, WIRE-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// `Content-Type` of every Agent-XML request (`application/xml; charset=utf-8`).
    pub content_type: String,
    /// Whether a request starts with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub xml_prolog: bool,
    /// Whether a provision request carries `<DeviceOS>` unless told otherwise.
    pub provision_device_os: bool,
    /// Whether a string request names the user (`<Username>`) beside `<Id>`; a server
    /// speaking a profile where this is false answers a request with `<Id>` alone.
    pub strings_username: bool,
    /// Whether a token index request carries the device id as well as the username.
    pub token_index_id: bool,
}

impl Requests {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("content_type", self.content_type.clone()),
            ("xml_prolog", self.xml_prolog.to_string()),
            ("provision_device_os", self.provision_device_os.to_string()),
            ("strings_username", self.strings_username.to_string()),
            ("token_index_id", self.token_index_id.to_string()),
        ]
    }
}

/// Element names of Agent-XML requests and replies (case-sensitive, protocol.md §9).
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
    /// Device information sent when provisioning (`DeviceOS`), optional.
    pub device_os: String,
    /// Push notification id (`PushId`), optional.
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
}

impl Elements {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        [
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
        ]
        .into_iter()
        .map(|(k, v)| (k, v.clone()))
        .collect()
    }
}

/// Values of `<Action>` that clients send (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    /// Redeem a provision code (`provision`).
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
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("provision", self.provision.clone()),
            ("security_strings", self.security_strings.clone()),
            ("login", self.login.clone()),
            ("ping", self.ping.clone()),
        ]
    }
}

/// Other spellings of an action that a server speaking this profile also accepts, and
/// that WIRE-2 probes on any server (e.g. `Provision`, from a partial port of the app).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionAliases {
    /// Other spellings of [`Actions::provision`].
    #[serde(default)]
    pub provision: Vec<String>,
}

impl ActionAliases {
    /// `(field, value)` of every part; a list is written `a|b`.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![("provision", self.provision.join("|"))]
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
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![("pass", self.pass.clone()), ("fail", self.fail.clone())]
    }
}

/// Where the string of each index sits in `<SecurityStrings>` split on the separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StringsLayout {
    /// Position *i* holds the string of index *i*; position 0 holds
    /// [`StringsSection::position_zero`] (SS-3: `;s01;s02;…;s99`).
    Indexed,
    /// Index 01 at position 0, no leading separator (`s01;s02;…;s99`).
    Packed,
}

impl StringsLayout {
    /// `indexed` or `packed`, as in profile files.
    pub fn name(self) -> &'static str {
        match self {
            StringsLayout::Indexed => "indexed",
            StringsLayout::Packed => "packed",
        }
    }

    /// The split position that holds the string of `index` (1-based).
    pub fn position_of(self, index: usize) -> usize {
        match self {
            StringsLayout::Indexed => index,
            StringsLayout::Packed => index.saturating_sub(1),
        }
    }
}

/// The strings reply: separator and layout (SS-3, WIRE-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringsSection {
    /// Joins the strings inside `<SecurityStrings>` (`;`).
    pub separator: String,
    /// Which position holds which index.
    pub layout: StringsLayout,
    /// What position 0 holds under the `indexed` layout (`""`); absent for `packed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_zero: Option<String>,
}

impl StringsSection {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![
            ("separator", self.separator.clone()),
            ("layout", self.layout.name().to_string()),
        ];
        if let Some(zero) = &self.position_zero {
            parts.push(("position_zero", zero.clone()));
        }
        parts
    }
}

/// How Mobile Client policies travel in provision and strings replies (POL-1, WIRE-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Policies {
    /// `<Policies><Policy id="…" section="…" show="…">value</Policy>…</Policies>`.
    Attributes {
        /// The wrapper element (`Policies`).
        container: String,
        /// One policy (`Policy`).
        item: String,
        /// Attribute naming the policy (`id`).
        id_attribute: String,
        /// Attribute naming its section (`section`).
        section_attribute: String,
        /// Attribute saying whether the app shows it (`show`).
        show_attribute: String,
        /// The value a server writes in the section attribute.
        section_value: String,
        /// The value a server writes in the show attribute.
        show_value: String,
    },
    /// Sibling `<Policy><Id/><Content/><Description/></Policy>` elements.
    Elements {
        /// One policy (`Policy`).
        item: String,
        /// Its id (`Id`).
        id: String,
        /// Its value (`Content`).
        content: String,
        /// Its description (`Description`).
        description: String,
    },
}

impl Policies {
    /// `attributes` or `elements`, as in profile files.
    pub fn shape(&self) -> &'static str {
        match self {
            Policies::Attributes { .. } => "attributes",
            Policies::Elements { .. } => "elements",
        }
    }

    /// The element of one policy.
    pub fn item(&self) -> &str {
        match self {
            Policies::Attributes { item, .. } | Policies::Elements { item, .. } => item,
        }
    }

    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![("shape", self.shape().to_string())];
        match self {
            Policies::Attributes {
                container,
                item,
                id_attribute,
                section_attribute,
                show_attribute,
                section_value,
                show_value,
            } => parts.extend([
                ("container", container.clone()),
                ("item", item.clone()),
                ("id_attribute", id_attribute.clone()),
                ("section_attribute", section_attribute.clone()),
                ("show_attribute", show_attribute.clone()),
                ("section_value", section_value.clone()),
                ("show_value", show_value.clone()),
            ]),
            Policies::Elements {
                item,
                id,
                content,
                description,
            } => parts.extend([
                ("item", item.clone()),
                ("id", id.clone()),
                ("content", content.clone()),
                ("description", description.clone()),
            ]),
        }
        parts
    }

    /// The parts that are element or attribute names (validated as XML names).
    pub fn names(&self) -> Vec<(&'static str, &str)> {
        match self {
            Policies::Attributes {
                container,
                item,
                id_attribute,
                section_attribute,
                show_attribute,
                ..
            } => vec![
                ("container", container),
                ("item", item),
                ("id_attribute", id_attribute),
                ("section_attribute", section_attribute),
                ("show_attribute", show_attribute),
            ],
            Policies::Elements {
                item,
                id,
                content,
                description,
            } => vec![
                ("item", item),
                ("id", id),
                ("content", content),
                ("description", description),
            ],
        }
    }
}

/// The Site ID lookup (SSD-1, WIRE-5): where it is, and the shape of its reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssd {
    /// Path below the server root (no context), e.g. `/ssdserver/getServerDetails`.
    pub path: String,
    /// Query parameter carrying the Site ID (`id`).
    pub id_param: String,
    /// Root of the reply (`getServerDetailsResponse`).
    pub root: String,
    /// Element holding the result (`responseCode`).
    pub result: String,
    /// Its value on success (`0`); any other value is a refusal.
    pub pass: String,
    /// The value a server writes for an unknown Site ID (`1`).
    pub fail: String,
    /// HTTP status of the unknown-Site-ID reply (200).
    pub unknown_status: u16,
    /// Element holding an error code on refusal, when the shape has one (`Error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Element holding a human-readable reason on refusal (`errorDescription`).
    pub message: String,
    /// Element holding the server settings (`SSDetails`).
    pub server: String,
    /// Host name (`hostname`).
    pub host: String,
    /// Port (`port`).
    pub port: String,
    /// Context (`connectionType`).
    pub context: String,
    /// Whether to use https (`usingSSL`).
    pub ssl: String,
    /// Push flag (`pushSupport`).
    pub push: String,
    /// Local-mode flag (`local`).
    pub local: String,
    /// PIN flag (`pin`), when the shape has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// OATH flag (`oath`), when the shape has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oath: Option<String>,
    /// How a flag says yes (`YES`).
    pub yes: String,
    /// How a flag says no (`NO`).
    pub no: String,
}

impl Ssd {
    /// `(field, value)` of every part.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut parts: Vec<(&'static str, String)> = vec![
            ("path", self.path.clone()),
            ("id_param", self.id_param.clone()),
            ("root", self.root.clone()),
            ("result", self.result.clone()),
            ("pass", self.pass.clone()),
            ("fail", self.fail.clone()),
            ("unknown_status", self.unknown_status.to_string()),
        ];
        if let Some(error) = &self.error {
            parts.push(("error", error.clone()));
        }
        parts.extend([
            ("message", self.message.clone()),
            ("server", self.server.clone()),
            ("host", self.host.clone()),
            ("port", self.port.clone()),
            ("context", self.context.clone()),
            ("ssl", self.ssl.clone()),
            ("push", self.push.clone()),
            ("local", self.local.clone()),
        ]);
        if let Some(pin) = &self.pin {
            parts.push(("pin", pin.clone()));
        }
        if let Some(oath) = &self.oath {
            parts.push(("oath", oath.clone()));
        }
        parts.extend([("yes", self.yes.clone()), ("no", self.no.clone())]);
        parts
    }

    /// The parts that are element names (validated as XML names).
    pub fn element_names(&self) -> Vec<(&'static str, &str)> {
        let mut names = vec![
            ("root", self.root.as_str()),
            ("result", &self.result),
            ("message", &self.message),
            ("server", &self.server),
            ("host", &self.host),
            ("port", &self.port),
            ("context", &self.context),
            ("ssl", &self.ssl),
            ("push", &self.push),
            ("local", &self.local),
        ];
        for (field, name) in [
            ("error", &self.error),
            ("pin", &self.pin),
            ("oath", &self.oath),
        ] {
            if let Some(name) = name {
                names.push((field, name.as_str()));
            }
        }
        names
    }

    /// How a flag is written.
    pub fn flag(&self, on: bool) -> &str {
        if on { &self.yes } else { &self.no }
    }
}
