//! The client side of Admin XML (protocol.md §12), transport-free like the rest of the
//! codec: [`AdminCodec`] writes Create, Delete and Reprovision request bodies from the
//! wire profile's `[admin]` section and reads an `<AdminResponse>` into per-user results
//! ([`AdminReply`]), with a typed [`AdminReplyError`] for replies that cannot be read.
//! The harness's target for a real server sends them (POST to a node base URL +
//! [`AdminCodec::path`]); this module never touches the network.
//!
//! ```
//! use swivel_harness::codec::admin::{AdminCodec, AdminUser};
//! use swivel_harness::profile::WireProfile;
//! let codec = AdminCodec::new(&WireProfile::default_profile());
//! let body = codec.create("secret", &[AdminUser::mobile("u1", "1234", "u1@example.test")]);
//! assert!(body.starts_with("<AdminRequest secret=\"secret\" version=\"3.4\"><Create>"));
//! let reply = codec.parse_reply(br#"<AdminResponse><User name="u1" result="PASS"/></AdminResponse>"#);
//! assert!(reply.unwrap().passed("u1"));
//! ```

use quick_xml::escape::escape;

use super::xml::{MalformedReply, clip, parse_document};
use crate::profile::{AdminSection, WireProfile};

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// Username.
    pub name: String,
    /// PIN (4 to 10 digits on the reference server).
    pub pin: String,
    /// E-mail address: the alert and security-string transports are SMTP to it; none
    /// means no transport (the user gets no mail).
    pub email: Option<String>,
    /// Whether the user gets the Mobile Client right.
    pub mobile: bool,
    /// Group names; none leaves them to the server.
    pub groups: Vec<String>,
    /// The security-string transport, when it is a second SMTP transport of the server
    /// delivering to an address of its own (the target file's `[strings_transport]`);
    /// none: strings go by the first SMTP transport to `email`.
    pub strings: Option<AdminStringsTransport>,
}

/// A user's security-string transport on a second SMTP transport: the transport's name,
/// the user attribute it delivers to, and the address put in that attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminStringsTransport {
    /// The transport's name on the server (`SMTP-STRINGS`).
    pub transport: String,
    /// The attribute it delivers to (`email2`).
    pub attribute: String,
    /// The address (`u+strings@example.test`).
    pub address: String,
}

impl AdminUser {
    /// A user with the Mobile Client right whose codes go to `email`.
    pub fn mobile(name: &str, pin: &str, email: &str) -> Self {
        Self {
            name: name.to_string(),
            pin: pin.to_string(),
            email: Some(email.to_string()),
            mobile: true,
            groups: Vec::new(),
            strings: None,
        }
    }
}

/// What one user's part of a request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// The profile's pass value.
    Pass,
    /// The profile's fail value, with the server's reason when it gave one.
    Fail(Option<String>),
}

/// One `<User>` of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUserResult {
    /// The `name` attribute.
    pub name: String,
    /// Pass or fail.
    pub outcome: AdminOutcome,
}

/// A reply read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminReply {
    /// The request was refused as a whole (wrong secret, malformed request): the root
    /// carries the fail value and the reason, and no user was touched.
    Refused(Option<String>),
    /// One result per user, in reply order.
    Results(Vec<AdminUserResult>),
}

impl AdminReply {
    /// The outcome for `name` (the first, if the reply names it twice).
    pub fn outcome(&self, name: &str) -> Option<&AdminOutcome> {
        match self {
            AdminReply::Refused(_) => None,
            AdminReply::Results(results) => {
                results.iter().find(|r| r.name == name).map(|r| &r.outcome)
            }
        }
    }

    /// Whether `name` passed.
    pub fn passed(&self, name: &str) -> bool {
        self.outcome(name) == Some(&AdminOutcome::Pass)
    }
}

/// Why a reply is not an `<AdminResponse>` this profile can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminReplyError {
    /// Not XML, or not well-formed, or hostile (a DOCTYPE).
    #[error("Admin XML reply: {0}")]
    Malformed(#[from] MalformedReply),
    /// Another root element.
    #[error("Admin XML reply has root <{found}>, expected <{expected}>")]
    WrongRoot {
        /// The root found.
        found: String,
        /// The profile's response root.
        expected: String,
    },
    /// A child that is no `<User>`.
    #[error("Admin XML reply holds <{0}> where only users are expected")]
    NotAUser(String),
    /// A `<User>` without its name.
    #[error("Admin XML reply has a user without a name")]
    Unnamed,
    /// A result that is neither the pass nor the fail value (or none at all).
    #[error("Admin XML reply gives {name} the result {value:?}, neither {pass} nor {fail}")]
    BadResult {
        /// The user (empty for the root).
        name: String,
        /// What it said (`None` when missing).
        value: Option<String>,
        /// The profile's pass value.
        pass: String,
        /// The profile's fail value.
        fail: String,
    },
    /// The root passes (or says nothing) but names no user.
    #[error("Admin XML reply names no user and is no refusal")]
    Empty,
}

/// Why a request cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminRequestError {
    /// The profile has no Reprovision element.
    #[error(
        "wire profile {0} has no admin.reprovision element: its server cannot reprovision over Admin XML"
    )]
    NoReprovision(String),
}

/// Admin XML as one profile spells it.
#[derive(Debug, Clone)]
pub struct AdminCodec {
    profile: String,
    admin: AdminSection,
    content_type: String,
}

impl AdminCodec {
    /// The codec of `profile` (its `[admin]` section, or the default shape).
    pub fn new(profile: &WireProfile) -> Self {
        Self {
            profile: profile.name.clone(),
            admin: profile.admin_section(),
            content_type: profile.requests.content_type.clone(),
        }
    }

    /// The endpoint below a node base URL (`/AdminXML`).
    pub fn path(&self) -> &str {
        &self.admin.path
    }

    /// The full URL given a node base URL (with its context).
    pub fn url(&self, node_base: &str) -> String {
        format!("{}{}", node_base.trim_end_matches('/'), self.admin.path)
    }

    /// The `Content-Type` to send (the profile's request content type).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// Whether the profile has a Reprovision request.
    pub fn can_reprovision(&self) -> bool {
        self.admin.reprovision.is_some()
    }

    /// A request creating `users`.
    pub fn create(&self, secret: &str, users: &[AdminUser]) -> String {
        let a = &self.admin;
        let mut out = self.open(secret);
        out.push_str(&format!("<{}>", a.create));
        for u in users {
            out.push_str(&format!("<{}{}>", a.user, attr(&a.name_attribute, &u.name)));
            out.push_str(&format!(
                "<{}{}/>",
                a.credentials,
                attr(&a.pin_attribute, &u.pin)
            ));
            if u.mobile {
                out.push_str(&format!(
                    "<{}{}/>",
                    a.rights,
                    attr(&a.mobile_attribute, &a.yes)
                ));
            }
            if !u.groups.is_empty() {
                out.push_str(&format!("<{}>", a.groups));
                for g in &u.groups {
                    out.push_str(&format!("<{}{}/>", a.group, attr(&a.name_attribute, g)));
                }
                out.push_str(&format!("</{}>", a.groups));
            }
            if let Some(email) = &u.email {
                let strings_transport = u
                    .strings
                    .as_ref()
                    .map_or(&a.smtp_transport, |s| &s.transport);
                out.push_str(&format!(
                    "<{}{}{}/>",
                    a.transport,
                    attr(&a.alert_attribute, &a.smtp_transport),
                    attr(&a.string_attribute, strings_transport)
                ));
                let item = |name: &str, value: &str| {
                    format!(
                        "<{}{}{}/>",
                        a.attribute,
                        attr(&a.name_attribute, name),
                        attr(&a.value_attribute, value)
                    )
                };
                let mut items = item(&a.email, email);
                if let Some(s) = &u.strings {
                    items.push_str(&item(&s.attribute, &s.address));
                }
                out.push_str(&format!("<{}>{items}</{}>", a.attributes, a.attributes));
            }
            out.push_str(&format!("</{}>", a.user));
        }
        out.push_str(&format!("</{}>", a.create));
        self.close(out)
    }

    /// A request deleting the users named.
    pub fn delete(&self, secret: &str, names: &[&str]) -> String {
        self.names_only(secret, &self.admin.delete, names)
    }

    /// A request for the administrator's Reprovision of the users named; an error when
    /// the profile has no such element.
    pub fn reprovision(&self, secret: &str, names: &[&str]) -> Result<String, AdminRequestError> {
        let element = self
            .admin
            .reprovision
            .as_deref()
            .ok_or_else(|| AdminRequestError::NoReprovision(self.profile.clone()))?;
        Ok(self.names_only(secret, element, names))
    }

    fn names_only(&self, secret: &str, element: &str, names: &[&str]) -> String {
        let a = &self.admin;
        let mut out = self.open(secret);
        out.push_str(&format!("<{element}>"));
        for name in names {
            out.push_str(&format!("<{}{}/>", a.user, attr(&a.name_attribute, name)));
        }
        out.push_str(&format!("</{element}>"));
        self.close(out)
    }

    fn open(&self, secret: &str) -> String {
        let a = &self.admin;
        format!(
            "<{}{}{}>",
            a.request_root,
            attr(&a.secret_attribute, secret),
            attr(&a.version_attribute, &a.version)
        )
    }

    fn close(&self, mut out: String) -> String {
        out.push_str(&format!("</{}>", self.admin.request_root));
        out
    }

    /// Reads a reply body.
    pub fn parse_reply(&self, body: &[u8]) -> Result<AdminReply, AdminReplyError> {
        let a = &self.admin;
        let root = parse_document(body)?;
        if root.name != a.response_root {
            return Err(AdminReplyError::WrongRoot {
                found: clip(&root.name),
                expected: a.response_root.clone(),
            });
        }
        let result_of = |name: &str, value: Option<&str>| match value {
            Some(v) if v == a.pass => Ok(AdminOutcome::Pass),
            Some(v) if v == a.fail => Ok(AdminOutcome::Fail(None)),
            other => Err(AdminReplyError::BadResult {
                name: clip(name),
                value: other.map(clip),
                pass: a.pass.clone(),
                fail: a.fail.clone(),
            }),
        };
        let error_of = |e: &super::xml::Element| e.attribute(&a.error_attribute).map(clip);
        if let Some(value) = root.attribute(&a.result_attribute)
            && result_of("", Some(value))? != AdminOutcome::Pass
        {
            return Ok(AdminReply::Refused(error_of(&root)));
        }
        let mut results = Vec::new();
        for user in &root.children {
            if user.name != a.user {
                return Err(AdminReplyError::NotAUser(clip(&user.name)));
            }
            let name = user
                .attribute(&a.name_attribute)
                .ok_or(AdminReplyError::Unnamed)?;
            let outcome = match result_of(name, user.attribute(&a.result_attribute))? {
                AdminOutcome::Fail(_) => AdminOutcome::Fail(error_of(user)),
                pass => pass,
            };
            results.push(AdminUserResult {
                name: name.to_string(),
                outcome,
            });
        }
        if results.is_empty() {
            return Err(AdminReplyError::Empty);
        }
        Ok(AdminReply::Results(results))
    }
}

/// ` name="value"`, the value escaped.
fn attr(name: &str, value: &str) -> String {
    format!(" {name}=\"{}\"", escape(value))
}

#[cfg(test)]
mod tests;
