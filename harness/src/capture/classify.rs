//! What each exchange of a capture is. Agent-XML calls are recognised by their body (an
//! XML document whose root holds an action element), not by their path, so a capture
//! can contradict the profile's path; the action's spelling, compared without letter
//! case, or the elements sent say which call it is. The GET endpoints are recognised by
//! the profile's path or the usual last segment (`TokenIndex`, `provision.jsp`,
//! `getQRCode`), the Site ID lookup by either built-in path or the shape of its reply.
//! Whatever fits none of these is ignored and counted by reason.

use std::collections::BTreeMap;

use super::exchange::Exchange;
use crate::codec::xml::{Element, parse_document};
use crate::profile::{WireProfile, builtin};

/// What an exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Site ID lookup (SSD).
    SiteLookup,
    /// Agent-XML provision.
    Provision,
    /// Agent-XML security strings download.
    Strings,
    /// Agent-XML login with an OTC.
    Login,
    /// Agent-XML ping.
    Ping,
    /// Agent-XML with an action the profile does not name.
    OtherAgentXml,
    /// TokenIndex.
    TokenIndex,
    /// The self-service provision page.
    SelfService,
    /// A QR image.
    QrCode,
    /// Admin XML (protocol.md §12).
    AdminXml,
}

impl Kind {
    /// How reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::SiteLookup => "Site ID lookup",
            Kind::Provision => "provision",
            Kind::Strings => "security strings",
            Kind::Login => "login",
            Kind::Ping => "ping",
            Kind::OtherAgentXml => "Agent-XML, other action",
            Kind::TokenIndex => "token index",
            Kind::SelfService => "self-service",
            Kind::QrCode => "QR code",
            Kind::AdminXml => "Admin XML",
        }
    }

    /// Whether it is an Agent-XML call.
    pub fn is_agent_xml(self) -> bool {
        matches!(
            self,
            Kind::Provision | Kind::Strings | Kind::Login | Kind::Ping | Kind::OtherAgentXml
        )
    }
}

/// A classified exchange.
#[derive(Debug, Clone)]
pub(crate) struct Classified<'e> {
    /// The exchange.
    pub ex: &'e Exchange,
    /// What it is.
    pub kind: Kind,
    /// The request document, for XML calls.
    pub request: Option<Element>,
    /// The reply document, when the reply is XML.
    pub reply: Option<Element>,
}

/// Ignored-entry reasons.
pub const UNRELATED: &str = "unrelated traffic";
/// An XML body that could not be read (malformed, DOCTYPE, …).
pub const XML_UNREADABLE: &str = "XML body not readable";
/// An XML request without an action element.
pub const NO_ACTION: &str = "XML request without an action";
/// The complete-URL landing page: ours, but no profile part describes it.
pub const LANDING: &str = "complete-URL landing page (no profile part)";

/// The path below the context (`/pinsafe/AgentXML` → `/AgentXML`): the profile's path
/// when the path ends with it, else the path without its first segment.
pub fn below_context(path: &str, profile_path: &str) -> String {
    if path.ends_with(profile_path) && path.len() > profile_path.len() {
        return profile_path.to_string();
    }
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => format!("/{rest}"),
        _ => path.to_string(),
    }
}

fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

fn ends_with_ci(path: &str, tail: &str) -> bool {
    path.len() >= tail.len()
        && path
            .get(path.len() - tail.len()..)
            .is_some_and(|end| end.eq_ignore_ascii_case(tail))
}

fn looks_like_xml(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// The child playing the action: the profile's name, else any case of `action`.
pub(crate) fn action_child<'r>(root: &'r Element, profile: &WireProfile) -> Option<&'r Element> {
    let hint = &profile.elements.action;
    root.children.iter().find(|c| &c.name == hint).or_else(|| {
        root.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(hint) || c.name.eq_ignore_ascii_case("action"))
    })
}

fn agent_kind(root: &Element, action: &str, profile: &WireProfile) -> Kind {
    let a = &profile.actions;
    let is = |spelling: &str| action.eq_ignore_ascii_case(spelling);
    let has = |name: &str| {
        root.children
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(name))
    };
    if is(&a.security_strings) || is("SecurityStrings") {
        Kind::Strings
    } else if is(&a.login) || is("login") {
        Kind::Login
    } else if is(&a.ping) || is("ping") {
        Kind::Ping
    } else if profile.provision_spellings().any(is)
        || is("provision")
        || has(&profile.elements.provision_code)
    {
        Kind::Provision
    } else {
        Kind::OtherAgentXml
    }
}

fn ssd_paths(profile: &WireProfile) -> Vec<String> {
    let mut paths = vec![profile.ssd.path.clone()];
    for name in builtin::NAMES {
        if let Some(p) = WireProfile::builtin(name) {
            paths.push(p.ssd.path);
        }
    }
    paths
}

/// Whether `root` looks like a Site ID lookup's found reply: a child holding server
/// settings, one of which is a port number.
fn looks_like_ssd(root: &Element, profile: &WireProfile) -> bool {
    root.name != profile.elements.response_root
        && root.children.iter().any(|c| {
            c.children.len() >= 3
                && c.children
                    .iter()
                    .any(|s| s.text.trim().parse::<u16>().is_ok_and(|p| p > 0))
        })
}

/// Classifies every exchange; returns the classified ones and the ignored ones by reason.
pub(crate) fn classify<'e>(
    exchanges: &'e [Exchange],
    profile: &WireProfile,
) -> (Vec<Classified<'e>>, BTreeMap<&'static str, usize>) {
    let mut out = Vec::new();
    let mut ignored: BTreeMap<&'static str, usize> = BTreeMap::new();
    let ssd_paths = ssd_paths(profile);
    for ex in exchanges {
        match classify_one(ex, profile, &ssd_paths) {
            Ok(c) => out.push(c),
            Err(reason) => *ignored.entry(reason).or_insert(0) += 1,
        }
    }
    (out, ignored)
}

fn classify_one<'e>(
    ex: &'e Exchange,
    profile: &WireProfile,
    ssd_paths: &[String],
) -> Result<Classified<'e>, &'static str> {
    let reply = looks_like_xml(&ex.reply_body)
        .then(|| parse_document(&ex.reply_body).ok())
        .flatten();
    let classified = |kind, request| Classified {
        ex,
        kind,
        request,
        reply: reply.clone(),
    };
    if ex.method == "POST" && looks_like_xml(&ex.request_body) {
        let root = parse_document(&ex.request_body).map_err(|_| XML_UNREADABLE)?;
        if root.name.eq_ignore_ascii_case("AdminRequest")
            || last_segment(&ex.path).eq_ignore_ascii_case("AdminXML")
        {
            return Ok(classified(Kind::AdminXml, Some(root)));
        }
        let Some(action) = action_child(&root, profile) else {
            return Err(NO_ACTION);
        };
        let kind = agent_kind(&root, action.text.trim(), profile);
        return Ok(classified(kind, Some(root)));
    }
    let paths = &profile.paths;
    let path = ex.path.as_str();
    let kind = if ends_with_ci(path, &paths.token_index)
        || last_segment(path).eq_ignore_ascii_case("TokenIndex")
    {
        Some(Kind::TokenIndex)
    } else if ends_with_ci(path, &paths.self_provision)
        || last_segment(path).eq_ignore_ascii_case("provision.jsp")
    {
        Some(Kind::SelfService)
    } else if ends_with_ci(path, &paths.qr_code)
        || last_segment(path).eq_ignore_ascii_case("getQRCode")
    {
        Some(Kind::QrCode)
    } else if ex.method == "GET"
        && (ssd_paths.iter().any(|p| p == path)
            || reply.as_ref().is_some_and(|r| looks_like_ssd(r, profile)))
    {
        Some(Kind::SiteLookup)
    } else {
        None
    };
    match kind {
        Some(kind) => Ok(classified(kind, None)),
        None if path.split('/').any(|s| s == "complete") => Err(LANDING),
        None => Err(UNRELATED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(method: &str, path: &str, body: &str, reply: &str) -> Exchange {
        Exchange {
            method: method.into(),
            scheme: "http".into(),
            path: path.into(),
            request_body: body.as_bytes().to_vec(),
            status: 200,
            reply_body: reply.as_bytes().to_vec(),
            ..Exchange::default()
        }
    }

    #[test]
    fn calls_are_told_apart_by_body_path_and_reply() {
        let p = WireProfile::default_profile();
        let exchanges = [
            ex(
                "POST",
                "/pinsafe/AgentXML",
                "<SASRequest><Action>Provision</Action></SASRequest>",
                "",
            ),
            ex(
                "POST",
                "/x/y",
                "<SASRequest><action>SecurityStrings</action><Id>d</Id></SASRequest>",
                "",
            ),
            ex(
                "POST",
                "/x/y",
                "<SASRequest><Action>PROVISION</Action></SASRequest>",
                "",
            ),
            ex(
                "POST",
                "/x/y",
                "<SASRequest><Action>dance</Action></SASRequest>",
                "",
            ),
            ex("POST", "/x/AdminXML", "<AdminRequest/>", ""),
            ex(
                "POST",
                "/x/y",
                "<SASRequest><Version>1</Version></SASRequest>",
                "",
            ),
            ex("POST", "/x/y", "<SASRequest><!DOCTYPE x>", ""),
            ex("GET", "/pinsafe/TokenIndex", "", "3"),
            ex("GET", "/ssd/lookup", "", ""),
            ex(
                "GET",
                "/elsewhere",
                "",
                "<r><code>0</code><s><h>h</h><p>8443</p><c>x</c></s></r>",
            ),
            ex("POST", "/sentry/reset/provision.jsp", "username=u", ""),
            ex("GET", "/smc/complete/S/u/c", "", ""),
            ex("GET", "/favicon.ico", "", ""),
        ];
        let (classified, ignored) = classify(&exchanges, &p);
        let kinds: Vec<Kind> = classified.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Provision,
                Kind::Strings,
                Kind::Provision,
                Kind::OtherAgentXml,
                Kind::AdminXml,
                Kind::TokenIndex,
                Kind::SiteLookup,
                Kind::SiteLookup,
                Kind::SelfService
            ]
        );
        assert_eq!(ignored.get(NO_ACTION), Some(&1));
        assert_eq!(ignored.get(XML_UNREADABLE), Some(&1));
        assert_eq!(ignored.get(LANDING), Some(&1));
        assert_eq!(ignored.get(UNRELATED), Some(&1));
    }

    #[test]
    fn paths_below_the_context() {
        assert_eq!(below_context("/pinsafe/AgentXML", "/AgentXML"), "/AgentXML");
        assert_eq!(below_context("/a/b/AgentXML", "/AgentXML"), "/AgentXML");
        assert_eq!(
            below_context("/pinsafe/agent/xml", "/AgentXML"),
            "/agent/xml"
        );
        assert_eq!(below_context("/AgentXML", "/AgentXML"), "/AgentXML");
    }
}
