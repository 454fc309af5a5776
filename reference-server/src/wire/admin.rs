//! Admin XML (protocol.md §12), as the profile's `[admin]` section spells it: a request
//! read into a secret and a list of per-user operations ([`AdminRequest`]), and the
//! `<AdminResponse>` writers. The whole request is read and its structure checked
//! before anything is applied, so a malformed request changes nothing; what can only
//! be judged per user (a bad PIN, an unknown transport, a user that exists) becomes
//! that user's FAIL.

use super::XmlError;
use super::escape;
use super::xml_tree::{Node, TreeLimits, parse_tree};
use crate::domain::NamedSmtpTransport;
use crate::domain::users::{Transport, TransportKind, UserSpec};
use crate::profile::AdminSection;

/// What to do with one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOp {
    /// Create this user.
    Create(UserSpec),
    /// Delete the user.
    Delete,
    /// The administrator's Reprovision (PC-1).
    Reprovision,
}

/// One user of a request: its name and the operation, or why that user fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminItem {
    /// The `name` attribute.
    pub name: String,
    /// The operation, or the reason this user's part was refused.
    pub op: Result<AdminOp, String>,
}

/// A request read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRequest {
    /// The root's secret attribute, if any.
    pub secret: Option<String>,
    /// Every user, in document order.
    pub items: Vec<AdminItem>,
}

/// Why a request is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminRequestError {
    /// Not XML, malformed or hostile.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A child of the root that is no request this profile knows.
    #[error("unknown request <{found}>; this server knows {known}")]
    UnknownRequest {
        /// The element found.
        found: String,
        /// The known ones, comma-separated.
        known: String,
    },
    /// An element where a `<User>` was expected.
    #[error("<{parent}> may hold only <{user}> elements, not <{found}>")]
    NotAUser {
        /// The request element.
        parent: String,
        /// The user element's name.
        user: String,
        /// What was found.
        found: String,
    },
    /// A `<User>` without its name attribute.
    #[error("a <{0}> has no {1} attribute")]
    Unnamed(String, String),
    /// No user at all.
    #[error("the request names no user")]
    Empty,
}

/// The tree limits of Admin XML under a body limit of `max_body_bytes`.
pub fn tree_limits(max_body_bytes: usize) -> TreeLimits {
    TreeLimits {
        max_body_bytes,
        ..TreeLimits::default()
    }
}

/// Reads an Admin XML body.
pub fn parse_admin_request(
    body: &[u8],
    limits: &TreeLimits,
    admin: &AdminSection,
    transports: &[NamedSmtpTransport],
) -> Result<AdminRequest, AdminRequestError> {
    let root = parse_tree(body, limits, &admin.request_root)?;
    let mut items = Vec::new();
    for request in &root.children {
        let kind = if request.name == admin.create {
            Kind::Create
        } else if request.name == admin.delete {
            Kind::Delete
        } else if admin.reprovision.as_deref() == Some(request.name.as_str()) {
            Kind::Reprovision
        } else {
            return Err(AdminRequestError::UnknownRequest {
                found: clip(&request.name),
                known: known(admin),
            });
        };
        for user in &request.children {
            if user.name != admin.user {
                return Err(AdminRequestError::NotAUser {
                    parent: request.name.clone(),
                    user: admin.user.clone(),
                    found: clip(&user.name),
                });
            }
            let name = user
                .attribute(&admin.name_attribute)
                .ok_or_else(|| {
                    AdminRequestError::Unnamed(admin.user.clone(), admin.name_attribute.clone())
                })?
                .to_string();
            let op = match kind {
                Kind::Create => create(user, &name, admin, transports).map(AdminOp::Create),
                Kind::Delete => Ok(AdminOp::Delete),
                Kind::Reprovision => Ok(AdminOp::Reprovision),
            };
            items.push(AdminItem { name, op });
        }
    }
    if items.is_empty() {
        return Err(AdminRequestError::Empty);
    }
    Ok(AdminRequest {
        secret: root.attribute(&admin.secret_attribute).map(str::to_string),
        items,
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Create,
    Delete,
    Reprovision,
}

fn known(admin: &AdminSection) -> String {
    let mut names = vec![admin.create.as_str(), admin.delete.as_str()];
    names.extend(admin.reprovision.as_deref());
    names.join(", ")
}

/// A `<User>` of a Create as a [`UserSpec`]; the repository checks the values.
fn create(
    user: &Node,
    name: &str,
    admin: &AdminSection,
    transports: &[NamedSmtpTransport],
) -> Result<UserSpec, String> {
    let pin = user
        .first(&admin.credentials)
        .and_then(|c| c.attribute(&admin.pin_attribute))
        .ok_or_else(|| format!("no <{} {}>", admin.credentials, admin.pin_attribute))?;
    let mobile_client = user
        .first(&admin.rights)
        .and_then(|r| r.attribute(&admin.mobile_attribute))
        .is_some_and(|v| v == admin.yes);
    let groups: Vec<String> = user
        .first(&admin.groups)
        .into_iter()
        .flat_map(|g| g.all(&admin.group))
        .filter_map(|g| g.attribute(&admin.name_attribute))
        .map(str::to_string)
        .collect();
    // The value of a user attribute, by its name.
    let attribute_value = |wanted: &str| {
        user.first(&admin.attributes)
            .into_iter()
            .flat_map(|a| a.all(&admin.attribute))
            .find(|a| a.attribute(&admin.name_attribute) == Some(wanted))
            .and_then(|a| a.attribute(&admin.value_attribute))
            .filter(|v| !v.trim().is_empty())
    };
    let transport = user.first(&admin.transport);
    let pick = |attribute: &str| -> Result<Option<Transport>, String> {
        let Some(kind) = transport.and_then(|t| t.attribute(attribute)) else {
            return Ok(None);
        };
        if kind.is_empty() {
            return Ok(None);
        }
        // The profile's SMTP transport delivers to its `email` attribute; a further one
        // to the attribute the server was given for it.
        let delivers_to = if kind == admin.smtp_transport {
            Some(admin.email.as_str())
        } else {
            transports
                .iter()
                .find(|t| t.name == kind)
                .map(|t| t.attribute.as_str())
        };
        match delivers_to {
            Some(wanted) => Ok(attribute_value(wanted).map(|e| Transport {
                kind: TransportKind::Email,
                destination: e.to_string(),
            })),
            None => {
                let mut known = vec![admin.smtp_transport.as_str()];
                known.extend(transports.iter().map(|t| t.name.as_str()));
                Err(format!(
                    "unknown transport \"{}\"; this server knows {}",
                    clip(kind),
                    known.join(", ")
                ))
            }
        }
    };
    Ok(UserSpec {
        username: name.to_string(),
        pin: pin.to_string(),
        mobile_client,
        groups: (!groups.is_empty()).then_some(groups),
        alert_transport: pick(&admin.alert_attribute)?,
        string_transport: pick(&admin.string_attribute)?,
    })
}

/// `<AdminResponse>` with one `<User name result [error]>` per result.
pub fn write_results(admin: &AdminSection, results: &[(String, Result<(), String>)]) -> String {
    let mut out = format!("<{}>", admin.response_root);
    for (name, result) in results {
        out.push('<');
        out.push_str(&admin.user);
        attribute(&mut out, &admin.name_attribute, name);
        match result {
            Ok(()) => attribute(&mut out, &admin.result_attribute, &admin.pass),
            Err(error) => {
                attribute(&mut out, &admin.result_attribute, &admin.fail);
                attribute(&mut out, &admin.error_attribute, error);
            }
        }
        out.push_str("/>");
    }
    out.push_str(&format!("</{}>", admin.response_root));
    out
}

/// `<AdminResponse result="FAIL" error="…"/>`: the request refused as a whole.
pub fn write_refusal(admin: &AdminSection, error: &str) -> String {
    let mut out = format!("<{}", admin.response_root);
    attribute(&mut out, &admin.result_attribute, &admin.fail);
    attribute(&mut out, &admin.error_attribute, error);
    out.push_str("/>");
    out
}

fn attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape::push_attribute(out, value);
    out.push('"');
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<AdminRequest, AdminRequestError> {
        parse_admin_request(
            body.as_bytes(),
            &tree_limits(64 * 1024),
            &AdminSection::default(),
            &[],
        )
    }

    #[test]
    fn a_second_smtp_transport_delivers_to_its_own_attribute() {
        let strings = NamedSmtpTransport {
            name: "SMTP-STRINGS".into(),
            attribute: "email2".into(),
        };
        let body = r#"<AdminRequest secret="s"><Create><User name="u"><Credentials pin="1234"/><Transport alert="SMTP" string="SMTP-STRINGS"/><Attributes><Attribute name="email" value="u@example.test"/><Attribute name="email2" value="u+strings@example.test"/></Attributes></User></Create></AdminRequest>"#;
        let r = parse_admin_request(
            body.as_bytes(),
            &tree_limits(64 * 1024),
            &AdminSection::default(),
            std::slice::from_ref(&strings),
        )
        .unwrap();
        let Ok(AdminOp::Create(u)) = &r.items[0].op else {
            panic!("{:?}", r.items[0])
        };
        let to = |t: &Option<Transport>| t.as_ref().map(|t| t.destination.clone());
        assert_eq!(to(&u.alert_transport).as_deref(), Some("u@example.test"));
        assert_eq!(
            to(&u.string_transport).as_deref(),
            Some("u+strings@example.test")
        );
        // A server without that transport refuses the user, naming what it knows.
        let r = parse(body).unwrap();
        let Err(e) = &r.items[0].op else {
            panic!("{:?}", r.items[0])
        };
        assert!(
            e.contains("unknown transport \"SMTP-STRINGS\"") && e.contains("knows SMTP"),
            "{e}"
        );
    }

    const CREATE: &str = r#"<AdminRequest secret="s" version="3.4"><Create><User name="u"><Credentials pin="1234"/><Rights mobile="true"/><Groups><Group name="g"/><Group name="h"/></Groups><Transport alert="SMTP" string="SMTP"/><Attributes><Attribute name="email" value="u@example.test"/></Attributes></User><User name="v"><Credentials pin="4321"/></User></Create><Delete><User name="w"/></Delete><Reprovision><User name="u"/></Reprovision></AdminRequest>"#;

    #[test]
    fn the_working_shape_reads_into_operations() {
        let r = parse(CREATE).unwrap();
        assert_eq!(r.secret.as_deref(), Some("s"));
        let names: Vec<&str> = r.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["u", "v", "w", "u"]);
        let Ok(AdminOp::Create(u)) = &r.items[0].op else {
            panic!("{:?}", r.items[0])
        };
        assert_eq!(u.pin, "1234");
        assert!(u.mobile_client);
        assert_eq!(
            u.groups.as_deref(),
            Some(&["g".to_string(), "h".to_string()][..])
        );
        let email = Transport {
            kind: TransportKind::Email,
            destination: "u@example.test".into(),
        };
        assert_eq!(u.alert_transport.as_ref(), Some(&email));
        assert_eq!(u.string_transport.as_ref(), Some(&email));
        let Ok(AdminOp::Create(v)) = &r.items[1].op else {
            panic!()
        };
        assert!(!v.mobile_client && v.alert_transport.is_none() && v.groups.is_none());
        assert_eq!(r.items[2].op, Ok(AdminOp::Delete));
        assert_eq!(r.items[3].op, Ok(AdminOp::Reprovision));
    }

    #[test]
    fn per_user_problems_fail_only_that_user() {
        let r = parse(r#"<AdminRequest secret="s"><Create><User name="a"/><User name="b"><Credentials pin="1"/><Transport alert="SMS"/></User><User name="c"><Credentials pin="1111"/><Transport alert="SMTP"/></User></Create></AdminRequest>"#).unwrap();
        assert_eq!(r.items[0].op, Err("no <Credentials pin>".to_string()));
        assert!(
            r.items[1]
                .op
                .as_ref()
                .is_err_and(|e| e.contains("unknown transport \"SMS\""))
        );
        // SMTP without an e-mail address: the user has no transport, so gets no mail.
        let Ok(AdminOp::Create(c)) = &r.items[2].op else {
            panic!()
        };
        assert_eq!(c.alert_transport, None);
    }

    #[test]
    fn structural_problems_refuse_the_whole_request() {
        assert!(matches!(
            parse("<AdminRequest><Frob><User name=\"a\"/></Frob></AdminRequest>"),
            Err(AdminRequestError::UnknownRequest { .. })
        ));
        assert!(matches!(
            parse("<AdminRequest><Delete><Group name=\"a\"/></Delete></AdminRequest>"),
            Err(AdminRequestError::NotAUser { .. })
        ));
        assert!(matches!(
            parse("<AdminRequest><Delete><User/></Delete></AdminRequest>"),
            Err(AdminRequestError::Unnamed(..))
        ));
        assert_eq!(
            parse("<AdminRequest secret=\"s\"/>"),
            Err(AdminRequestError::Empty)
        );
        assert!(matches!(
            parse("<SASRequest/>"),
            Err(AdminRequestError::Xml(XmlError::WrongRoot { .. }))
        ));
        let without = AdminSection {
            reprovision: None,
            ..AdminSection::default()
        };
        let e = parse_admin_request(
            b"<AdminRequest><Reprovision><User name=\"a\"/></Reprovision></AdminRequest>",
            &tree_limits(1024),
            &without,
            &[],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown request <Reprovision>; this server knows Create, Delete"
        );
    }

    #[test]
    fn replies_escape_what_they_echo() {
        let a = AdminSection::default();
        assert_eq!(
            write_results(
                &a,
                &[
                    ("u".into(), Ok(())),
                    ("a\"<".into(), Err("user \"a\" exists".into()))
                ]
            ),
            r#"<AdminResponse><User name="u" result="PASS"/><User name="a&quot;&lt;" result="FAIL" error="user &quot;a&quot; exists"/></AdminResponse>"#
        );
        assert_eq!(
            write_refusal(&a, "wrong secret"),
            r#"<AdminResponse result="FAIL" error="wrong secret"/>"#
        );
    }
}
