//! [`ServerWire`]: the wire one server speaks, precomputed once at start from its wire
//! profile (`ClusterConfig::wire_profile`) and shared by every node and context as an
//! `Arc`. Element names become ready-made tags (`<Result>`, `</Result>`), fixed reply
//! fragments are written once (the reply head, `<Result>PASS</Result>`, the policy
//! attributes), so the hot path only copies bytes and allocates no names.
//!
//! The wire defects (WIRE-1..WIRE-6 switches) bend this view, not the profile: with one
//! on, the server speaks the profile except for that one part, from the first request.
//! The reply writers live beside it: [`super::response`] (Agent-XML) and [`super::ssd`].

use crate::defects::{Defect, DefectSet};
use crate::domain::mobile::StringsDownload;
use crate::profile::{AdminSection, Paths, Policies, StringsLayout, WireProfile};

use super::codes::{ErrorCode, ErrorNames};
use super::escape;
use super::request::{RequestLimits, SasRequest, XmlError, parse_request};
use super::ssd::SsdFormat;

/// The old SSD path the `ssd-old-path` defect serves instead of the profile's.
pub const OLD_SSD_PATH: &str = "/ssd/lookup";
/// The provision spelling the `action-case-sensitive` defect accepts exclusively.
pub const CAPITALISED_PROVISION: &str = "Provision";
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// An element name with its start and end tags written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    open: Box<str>,
    close: Box<str>,
}

impl Tag {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            open: format!("<{name}>").into(),
            close: format!("</{name}>").into(),
        }
    }

    /// `<name>text</name>`, the text escaped.
    pub(crate) fn write(&self, out: &mut String, text: &str) {
        out.push_str(&self.open);
        escape::push_text(out, text);
        out.push_str(&self.close);
    }

    pub(crate) fn open(&self) -> &str {
        &self.open
    }

    pub(crate) fn close(&self) -> &str {
        &self.close
    }
}

/// The child elements of a request, by the profile's names (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNames {
    /// Action name (`Action`).
    pub action: Box<str>,
    /// Username (`Username`).
    pub username: Box<str>,
    /// Provision code (`ProvisionCode`).
    pub provision_code: Box<str>,
    /// Device information (`DeviceOS`), optional.
    pub device_os: Box<str>,
    /// Device id (`Id`).
    pub device_id: Box<str>,
    /// One-time code (`OTC`).
    pub otc: Box<str>,
    /// Agent secret (`Secret`).
    pub secret: Box<str>,
    /// Request id, echoed back (`RequestID`).
    pub request_id: Box<str>,
}

/// The actions a server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Redeem a provision code.
    Provision,
    /// Download security strings.
    SecurityStrings,
    /// Agent login with an OTC.
    Login,
    /// Liveness check.
    Ping,
}

impl Action {
    /// Mobile actions and ping come from apps, which hold no agent secret.
    pub fn needs_secret(self) -> bool {
        matches!(self, Action::Login)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ActionNames {
    /// `actions.provision` then its aliases (WIRE-1, WIRE-2).
    provision: Vec<Box<str>>,
    security_strings: Box<str>,
    login: Box<str>,
    ping: Box<str>,
    /// "provision, Provision, SecurityStrings, login and ping", for refusals.
    known: Box<str>,
}

impl ActionNames {
    fn new(profile: &WireProfile, case_sensitive_defect: bool) -> Self {
        let provision: Vec<Box<str>> = if case_sensitive_defect {
            vec![CAPITALISED_PROVISION.into()]
        } else {
            profile.provision_spellings().map(Box::from).collect()
        };
        let a = &profile.actions;
        let mut all: Vec<&str> = provision.iter().map(|p| &**p).collect();
        all.extend([
            a.security_strings.as_str(),
            a.login.as_str(),
            a.ping.as_str(),
        ]);
        let known = match all.split_last() {
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        Self {
            provision,
            security_strings: a.security_strings.as_str().into(),
            login: a.login.as_str().into(),
            ping: a.ping.as_str().into(),
            known: known.into(),
        }
    }
}

/// The Agent-XML reply's tags and fixed fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplyFormat {
    /// Declaration, root start tag and `<Version>…</Version>`.
    pub(crate) head: Box<str>,
    /// Root end tag.
    pub(crate) tail: Box<str>,
    pub(crate) request_id: Tag,
    /// `<Result>PASS</Result>`.
    pub(crate) result_pass: Box<str>,
    /// `<Result>FAIL</Result>`.
    pub(crate) result_fail: Box<str>,
    pub(crate) error: Tag,
    pub(crate) message: Tag,
    pub(crate) device_id: Tag,
    pub(crate) security_strings: Tag,
}

impl ReplyFormat {
    fn new(profile: &WireProfile) -> Self {
        let el = &profile.elements;
        let result = Tag::new(&el.result);
        let fixed = |value: &str| -> Box<str> {
            let mut out = String::new();
            result.write(&mut out, value);
            out.into()
        };
        let mut head = format!("{XML_DECLARATION}<{}>", el.response_root);
        Tag::new(&el.version).write(&mut head, &profile.version);
        Self {
            head: head.into(),
            tail: format!("</{}>", el.response_root).into(),
            request_id: Tag::new(&el.request_id),
            result_pass: fixed(&profile.results.pass),
            result_fail: fixed(&profile.results.fail),
            error: Tag::new(&el.error),
            message: Tag::new(&el.message),
            device_id: Tag::new(&el.device_id),
            security_strings: Tag::new(&el.security_strings),
        }
    }
}

/// How the strings are joined inside `<SecurityStrings>` (SS-3, WIRE-4).
#[derive(Debug, Clone, PartialEq, Eq)]
struct StringsFormat {
    separator: Box<str>,
    /// What precedes index 01: position 0 and a separator under the indexed layout.
    lead: Box<str>,
}

impl StringsFormat {
    fn new(profile: &WireProfile, off_by_one_defect: bool) -> Self {
        let s = &profile.strings;
        let lead = match (s.layout, &s.position_zero) {
            // strings-off-by-one: the leading position is left out.
            (StringsLayout::Indexed, _) if off_by_one_defect => String::new(),
            (StringsLayout::Indexed, zero) => {
                format!("{}{}", zero.as_deref().unwrap_or(""), s.separator)
            }
            (StringsLayout::Packed, _) => String::new(),
        };
        Self {
            separator: s.separator.as_str().into(),
            lead: lead.into(),
        }
    }
}

/// How Mobile Client policies are written (POL-1, WIRE-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyFormat {
    /// `<Policies><Policy id="…" section="…" show="…">value</Policy>…</Policies>`.
    Attributes {
        container: Tag,
        /// `<Policy id="`.
        item_start: Box<str>,
        /// `" section="…" show="…">`, the values escaped.
        item_rest: Box<str>,
        /// `</Policy>`.
        item_end: Box<str>,
    },
    /// `<Policy><Id/><Content/><Description/></Policy>` siblings.
    Elements {
        item: Tag,
        id: Tag,
        content: Tag,
        description: Tag,
    },
}

impl PolicyFormat {
    fn new(policies: &Policies, old_shape_defect: bool) -> Self {
        match policies {
            // policies-old-shape: the earlier siblings, named as agentxml-3.6 names them.
            Policies::Attributes { item, .. } if old_shape_defect => Self::Elements {
                item: Tag::new(item),
                id: Tag::new("Id"),
                content: Tag::new("Content"),
                description: Tag::new("Description"),
            },
            Policies::Attributes {
                container,
                item,
                id_attribute,
                section_attribute,
                show_attribute,
                section_value,
                show_value,
            } => Self::Attributes {
                container: Tag::new(container),
                item_start: format!("<{item} {id_attribute}=\"").into(),
                item_rest: format!(
                    "\" {section_attribute}=\"{}\" {show_attribute}=\"{}\">",
                    escape::attribute(section_value),
                    escape::attribute(show_value)
                )
                .into(),
                item_end: format!("</{item}>").into(),
            },
            Policies::Elements {
                item,
                id,
                content,
                description,
            } => Self::Elements {
                item: Tag::new(item),
                id: Tag::new(id),
                content: Tag::new(content),
                description: Tag::new(description),
            },
        }
    }
}

/// The wire one server speaks; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerWire {
    name: Box<str>,
    request_root: Box<str>,
    names: RequestNames,
    actions: ActionNames,
    strings_username: bool,
    token_index_id: bool,
    errors: ErrorNames,
    strings: StringsFormat,
    pub(crate) reply: ReplyFormat,
    pub(crate) policies: PolicyFormat,
    pub(crate) ssd: SsdFormat,
    paths: Paths,
    ssd_path: Box<str>,
    ssd_id_param: Box<str>,
    admin: AdminSection,
}

impl ServerWire {
    /// The wire of `profile`, bent by the wire defects in `defects` (the others are
    /// ignored here).
    pub fn new(profile: &WireProfile, defects: &DefectSet) -> Self {
        let el = &profile.elements;
        let names = RequestNames {
            action: el.action.as_str().into(),
            username: el.username.as_str().into(),
            provision_code: el.provision_code.as_str().into(),
            device_os: el.device_os.as_str().into(),
            device_id: el.device_id.as_str().into(),
            otc: el.otc.as_str().into(),
            secret: el.secret.as_str().into(),
            request_id: el.request_id.as_str().into(),
        };
        let ssd_path = if defects.has(Defect::SsdOldPath) {
            OLD_SSD_PATH
        } else {
            profile.ssd.path.as_str()
        };
        Self {
            name: profile.name.as_str().into(),
            request_root: el.request_root.as_str().into(),
            names,
            actions: ActionNames::new(profile, defects.has(Defect::ActionCaseSensitive)),
            strings_username: profile.requests.strings_username
                || defects.has(Defect::StringsNeedUsername),
            token_index_id: profile.requests.token_index_id,
            errors: ErrorNames::new(&profile.errors),
            strings: StringsFormat::new(profile, defects.has(Defect::StringsOffByOne)),
            reply: ReplyFormat::new(profile),
            policies: PolicyFormat::new(&profile.policies, defects.has(Defect::PoliciesOldShape)),
            ssd: SsdFormat::new(&profile.ssd, &profile.errors),
            paths: profile.paths.clone(),
            ssd_path: ssd_path.into(),
            ssd_id_param: profile.ssd.id_param.as_str().into(),
            admin: profile.admin_section(),
        }
    }

    /// The wire of `profile` with no defect.
    pub fn faithful(profile: &WireProfile) -> Self {
        Self::new(profile, &DefectSet::none())
    }

    /// How Admin XML is spelled (the profile's `[admin]`, or the default shape).
    pub fn admin(&self) -> &AdminSection {
        &self.admin
    }

    /// The profile's name (`mobile-3.6`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Paths below a context and their parameter names.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Where the SSD lookup answers, below the server root.
    pub fn ssd_path(&self) -> &str {
        &self.ssd_path
    }

    /// The query parameter carrying the Site ID.
    pub fn ssd_id_param(&self) -> &str {
        &self.ssd_id_param
    }

    /// The request's element names.
    pub fn names(&self) -> &RequestNames {
        &self.names
    }

    /// Whether a string request must name its user (`<Username>` beside `<Id>`).
    pub fn strings_username(&self) -> bool {
        self.strings_username
    }

    /// Whether a TokenIndex request must carry the device id beside the username.
    pub fn token_index_id(&self) -> bool {
        self.token_index_id
    }

    /// Parses a request body whose root is the profile's request root.
    pub fn parse_request(
        &self,
        body: &[u8],
        limits: &RequestLimits,
    ) -> Result<SasRequest, XmlError> {
        parse_request(body, limits, &self.request_root)
    }

    /// The action spelled `name`, if this wire knows it (exact, case-sensitive).
    pub fn action(&self, name: &str) -> Option<Action> {
        let a = &self.actions;
        if a.provision.iter().any(|p| **p == *name) {
            Some(Action::Provision)
        } else if *a.security_strings == *name {
            Some(Action::SecurityStrings)
        } else if *a.login == *name {
            Some(Action::Login)
        } else if *a.ping == *name {
            Some(Action::Ping)
        } else {
            None
        }
    }

    /// Every action spelling this wire knows, for a refusal's message.
    pub fn known_actions(&self) -> &str {
        &self.actions.known
    }

    /// The wire spelling of `code`.
    pub fn error(&self, code: ErrorCode) -> &str {
        self.errors.get(code)
    }

    /// The text of `<SecurityStrings>` for `download` (SS-3 layout), in one buffer;
    /// the reply writer escapes it (a no-op copy for the usual `;`).
    pub fn join_strings(&self, download: &StringsDownload) -> String {
        download.text(&self.strings.lead, &self.strings.separator)
    }
}
