//! The optional `[admin]` section of a wire profile: how Admin XML is spelled, the
//! interface through which an agent that "acts as a repository" creates and deletes
//! users on a real server (protocol.md §12). The path and the root element are
//! documented; every element and attribute name below them is our working shape
//! [ASSUMED], kept as data so a user with a real capture can correct it:
//!
//! ```xml
//! <AdminRequest secret="s" version="3.4">
//!   <Create><User name="u"><Credentials pin="1234"/><Rights mobile="true"/>
//!     <Groups><Group name="g"/></Groups><Transport alert="SMTP" string="SMTP"/>
//!     <Attributes><Attribute name="email" value="u@example.test"/></Attributes>
//!   </User></Create>
//!   <Delete><User name="u"/></Delete>
//!   <Reprovision><User name="u"/></Reprovision>
//! </AdminRequest>
//! <AdminResponse><User name="u" result="PASS"/><User name="v" result="FAIL" error="…"/></AdminResponse>
//! ```
//!
//! A request refused as a whole (wrong secret, malformed XML) is answered
//! `<AdminResponse result="FAIL" error="…"/>` with no user. Every field has a default (the
//! shape above), so a profile may give only what differs; `reprovision` is the one
//! optional element: a profile that leaves it out has no Reprovision request (a
//! profile with no `[admin]` section at all gets [`AdminSection::default`], which has it).

use serde::{Deserialize, Serialize};

use super::validate::{check_path, check_token, check_xml_name, problem};

/// Element names, attribute names and values of Admin XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSection {
    /// Endpoint below a node base URL (`/AdminXML`).
    pub path: String,
    /// Root of a request (`AdminRequest`).
    pub request_root: String,
    /// Root of a reply (`AdminResponse`).
    pub response_root: String,
    /// Attribute of the root carrying the agent's secret (`secret`).
    pub secret_attribute: String,
    /// Attribute of the root carrying the version (`version`).
    pub version_attribute: String,
    /// The version a client sends (`3.4`).
    pub version: String,
    /// Element holding users to create (`Create`).
    pub create: String,
    /// Element holding users to delete (`Delete`).
    pub delete: String,
    /// Element holding users to reprovision (`Reprovision`); none when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprovision: Option<String>,
    /// One user, in requests and replies (`User`).
    pub user: String,
    /// Attribute naming a user, a group or an attribute (`name`).
    pub name_attribute: String,
    /// Element holding the PIN (`Credentials`).
    pub credentials: String,
    /// Attribute of the PIN (`pin`).
    pub pin_attribute: String,
    /// Element holding the rights (`Rights`).
    pub rights: String,
    /// Attribute granting the Mobile Client right (`mobile`).
    pub mobile_attribute: String,
    /// How a yes is written in that attribute (`true`).
    pub yes: String,
    /// Element holding the groups (`Groups`).
    pub groups: String,
    /// One group (`Group`, named by `name_attribute`).
    pub group: String,
    /// Element naming the transports (`Transport`).
    pub transport: String,
    /// Attribute naming the alert transport (`alert`).
    pub alert_attribute: String,
    /// Attribute naming the security-string transport (`string`).
    pub string_attribute: String,
    /// The e-mail transport's name (`SMTP`); it delivers to the `email` attribute.
    pub smtp_transport: String,
    /// Element holding the user's attributes (`Attributes`).
    pub attributes: String,
    /// One attribute (`Attribute`, named by `name_attribute`).
    pub attribute: String,
    /// Attribute holding an attribute's value (`value`).
    pub value_attribute: String,
    /// The attribute holding the e-mail address (`email`).
    pub email: String,
    /// Attribute of a reply's `User` (or root) carrying the result (`result`).
    pub result_attribute: String,
    /// Attribute carrying the reason of a failure (`error`).
    pub error_attribute: String,
    /// Success (`PASS`).
    pub pass: String,
    /// Failure (`FAIL`).
    pub fail: String,
}

impl Default for AdminSection {
    /// The working shape of protocol.md §12.
    fn default() -> Self {
        let s = |v: &str| v.to_string();
        Self {
            path: s("/AdminXML"),
            request_root: s("AdminRequest"),
            response_root: s("AdminResponse"),
            secret_attribute: s("secret"),
            version_attribute: s("version"),
            version: s("3.4"),
            create: s("Create"),
            delete: s("Delete"),
            reprovision: Some(s("Reprovision")),
            user: s("User"),
            name_attribute: s("name"),
            credentials: s("Credentials"),
            pin_attribute: s("pin"),
            rights: s("Rights"),
            mobile_attribute: s("mobile"),
            yes: s("true"),
            groups: s("Groups"),
            group: s("Group"),
            transport: s("Transport"),
            alert_attribute: s("alert"),
            string_attribute: s("string"),
            smtp_transport: s("SMTP"),
            attributes: s("Attributes"),
            attribute: s("Attribute"),
            value_attribute: s("value"),
            email: s("email"),
            result_attribute: s("result"),
            error_attribute: s("error"),
            pass: s("PASS"),
            fail: s("FAIL"),
        }
    }
}

impl AdminSection {
    /// The parts that are element or attribute names (validated as XML names).
    fn names(&self) -> Vec<(&'static str, &str)> {
        let mut names = vec![
            ("request_root", self.request_root.as_str()),
            ("response_root", &self.response_root),
            ("secret_attribute", &self.secret_attribute),
            ("version_attribute", &self.version_attribute),
            ("create", &self.create),
            ("delete", &self.delete),
        ];
        if let Some(reprovision) = &self.reprovision {
            names.push(("reprovision", reprovision));
        }
        names.extend([
            ("user", self.user.as_str()),
            ("name_attribute", &self.name_attribute),
            ("credentials", &self.credentials),
            ("pin_attribute", &self.pin_attribute),
            ("rights", &self.rights),
            ("mobile_attribute", &self.mobile_attribute),
            ("groups", &self.groups),
            ("group", &self.group),
            ("transport", &self.transport),
            ("alert_attribute", &self.alert_attribute),
            ("string_attribute", &self.string_attribute),
            ("attributes", &self.attributes),
            ("attribute", &self.attribute),
            ("value_attribute", &self.value_attribute),
            ("result_attribute", &self.result_attribute),
            ("error_attribute", &self.error_attribute),
        ]);
        names
    }

    /// The parts that are values (compared with attribute values as given).
    fn values(&self) -> [(&'static str, &str); 6] {
        [
            ("version", &self.version),
            ("yes", &self.yes),
            ("smtp_transport", &self.smtp_transport),
            ("email", &self.email),
            ("pass", &self.pass),
            ("fail", &self.fail),
        ]
    }

    /// `(field, value)` of every part, in declaration order (`reprovision` only when set).
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![("path", self.path.clone())];
        let values = self.values();
        parts.extend(self.names().into_iter().map(|(k, v)| (k, v.to_string())));
        parts.extend(values.into_iter().map(|(k, v)| (k, v.to_string())));
        parts
    }

    /// The first problem, as `(field, problem)`: the path is a path, names are XML
    /// names, values are tokens, the request kinds and the results are told apart.
    pub fn check(&self) -> Result<(), (String, String)> {
        check_path("admin.path", &self.path)?;
        for (field, name) in self.names() {
            check_xml_name(&format!("admin.{field}"), name)?;
        }
        for (field, value) in self.values() {
            check_token(&format!("admin.{field}"), value)?;
        }
        if self.pass == self.fail {
            return Err(problem("admin.fail", "must differ from admin.pass"));
        }
        let kinds = [
            Some(&self.create),
            Some(&self.delete),
            self.reprovision.as_ref(),
        ];
        for (i, a) in kinds.iter().enumerate() {
            for b in &kinds[i + 1..] {
                if a.is_some() && a == b {
                    return Err(problem(
                        "admin.delete",
                        "admin.create, admin.delete and admin.reprovision must be different elements",
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_working_shape_and_valid() {
        let a = AdminSection::default();
        assert_eq!(a.check(), Ok(()));
        assert_eq!(a.path, "/AdminXML");
        assert_eq!(a.request_root, "AdminRequest");
        assert_eq!(a.reprovision.as_deref(), Some("Reprovision"));
        let fields: Vec<&str> = a.entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(fields.len(), 30);
        assert!(fields.contains(&"reprovision") && fields.contains(&"smtp_transport"));
    }

    #[test]
    fn a_partial_table_keeps_the_defaults_and_may_leave_out_reprovision() {
        let a: AdminSection = toml::from_str("create = \"Add\"\n").unwrap();
        assert_eq!(a.create, "Add");
        assert_eq!(a.delete, "Delete");
        assert_eq!(a.reprovision, None);
        assert!(!a.entries().iter().any(|(k, _)| *k == "reprovision"));
        assert!(toml::from_str::<AdminSection>("bogus = \"x\"\n").is_err());
    }

    #[test]
    fn bad_parts_are_named() {
        let check = |edit: fn(&mut AdminSection)| {
            let mut a = AdminSection::default();
            edit(&mut a);
            a.check().unwrap_err().0
        };
        assert_eq!(check(|a| a.path = "AdminXML".into()), "admin.path");
        assert_eq!(check(|a| a.user = "a user".into()), "admin.user");
        assert_eq!(check(|a| a.pass = " PASS".into()), "admin.pass");
        assert_eq!(check(|a| a.fail = "PASS".into()), "admin.fail");
        assert_eq!(check(|a| a.delete = "Create".into()), "admin.delete");
        assert_eq!(
            check(|a| a.reprovision = Some("Delete".into())),
            "admin.delete"
        );
    }

    #[test]
    fn both_builtins_carry_the_default_shape_and_label_it() {
        use crate::profile::{Evidence, WireProfile};
        for name in crate::profile::builtin::NAMES {
            let p = WireProfile::builtin(name).unwrap();
            assert_eq!(p.admin, Some(AdminSection::default()), "{name}");
            assert_eq!(p.evidence_of("admin.path"), Some(Evidence::Doc));
            assert_eq!(p.evidence_of("admin.request_root"), Some(Evidence::Doc));
            assert!(
                p.parts_with(Evidence::Assumed)
                    .contains(&"admin.reprovision".to_string())
            );
        }
    }

    #[test]
    fn a_profile_without_admin_loads_and_uses_the_default() {
        use crate::profile::WireProfile;
        use crate::profile::builtin::MOBILE_36_TOML;
        let start = MOBILE_36_TOML.find("\n[admin]\n").unwrap();
        let end = MOBILE_36_TOML.find("\n[mail]\n").unwrap();
        let head = &MOBILE_36_TOML[..start];
        let head = &head[..head.rfind("\n\n").unwrap()];
        let text = format!("{head}\n{}", &MOBILE_36_TOML[end..])
            .replace("admin = \"ASSUMED\"\n", "")
            .replace("\"admin.path\" = \"DOC\"\n", "")
            .replace("\"admin.request_root\" = \"DOC\"\n", "");
        let p = WireProfile::from_toml(&text, "old.toml").unwrap();
        assert_eq!(p.admin, None);
        assert_eq!(p.admin_section(), AdminSection::default());
        assert!(!p.parts().iter().any(|(k, _)| k.starts_with("admin.")));
    }

    #[test]
    fn a_bad_admin_part_fails_the_profile_naming_it() {
        use crate::profile::builtin::MOBILE_36_TOML;
        use crate::profile::{ProfileError, WireProfile};
        let text =
            MOBILE_36_TOML.replacen("credentials = \"Credentials\"", "credentials = \"1x\"", 1);
        match WireProfile::from_toml(&text, "t.toml") {
            Err(ProfileError::Invalid { field, .. }) => assert_eq!(field, "admin.credentials"),
            other => panic!("{other:?}"),
        }
    }
}
