//! Agent-XML, as the capture shows it: the envelope (roots, version, action element),
//! how clients write requests (content type, prolog, `<DeviceOS>`, `<Username>` in
//! string requests), each call's elements and action spelling, the result and error
//! spellings of replies, and which spellings of the provision action the server
//! accepted or refused as unknown (WIRE-2).

use std::collections::BTreeMap;

use super::tally::Tally;
use super::{Builder, Finding, Shown, layout};
use crate::capture::classify::{Classified, Kind, action_child, below_context};
use crate::capture::privacy::spelling;
use crate::capture::roles::{Role, assign};
use crate::codec::xml::Element;

const REQUESTS: &str = "Agent-XML requests";
const REPLIES: &str = "Agent-XML replies";
/// Parts seen in more than one kind of message are counted under one description.
const BOTH: &str = "Agent-XML requests and replies";
const NAMING_A_USER: &str = "requests naming a user";
const NAMING_A_DEVICE: &str = "string requests and PASS provision replies";

/// Provision action spellings: sent, accepted, refused.
#[derive(Debug, Clone, Default)]
pub(super) struct Spellings {
    sent: Tally,
    accepted: Tally,
    refused: Tally,
}

/// How a reply answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail(Option<String>),
    /// No Agent-XML reply: an HTTP refusal (4xx, 5xx) or none at all.
    Refused,
    Unknown,
}

/// The leaf children of `root` playing `roles`, by [`assign`].
fn pick<'r>(root: &'r Element, roles: &[Role<'_>]) -> Vec<Option<&'r Element>> {
    let leaves: Vec<&Element> = root
        .children
        .iter()
        .filter(|c| c.children.is_empty())
        .collect();
    let names: Vec<&str> = leaves.iter().map(|c| c.name.as_str()).collect();
    assign(&names, roles)
        .into_iter()
        .map(|i| i.map(|i| leaves[i]))
        .collect()
}

fn flag(on: bool) -> Option<&'static str> {
    Some(if on { "true" } else { "false" })
}

/// One Agent-XML exchange.
pub(super) fn observe(b: &mut Builder<'_>, c: &Classified<'_>) {
    let Some(root) = &c.request else {
        return;
    };
    let hint = b.hint;
    let el = &hint.elements;
    b.count("elements.request_root", REQUESTS, Some(&root.name));
    if !c.ex.request_type.is_empty() {
        b.count("requests.content_type", REQUESTS, Some(&c.ex.request_type));
    }
    let prolog = c.ex.request_text().is_some_and(|t| {
        t.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with("<?xml")
    });
    b.count("requests.xml_prolog", REQUESTS, flag(prolog));
    if c.ex.answered() {
        let path = below_context(&c.ex.path, &hint.paths.agent_xml);
        b.count(
            "paths.agent_xml",
            "answered Agent-XML requests",
            Some(&path),
        );
        b.schemes.insert(c.ex.scheme.clone());
    }
    let Some(action) = action_child(root, hint) else {
        return;
    };
    b.count("elements.action", REQUESTS, Some(&action.name));
    let envelope = pick(
        root,
        &[
            Role::new(&action.name, &[]),
            Role::new(&el.version, &["version"]),
            Role::new(&el.request_id, &["requestid"]),
            Role::new(&el.secret, &["secret"]),
        ],
    );
    if let Some(version) = envelope[1] {
        b.count("elements.version", BOTH, Some(&version.name));
        b.count("version", REQUESTS, Some(version.text.trim()));
    }
    if let Some(request_id) = envelope[2] {
        b.count("elements.request_id", BOTH, Some(&request_id.name));
    }
    let spelled = action.text.trim().to_string();
    let outcome = outcome(b, c);
    match c.kind {
        Kind::Provision => provision(b, root, &spelled, &outcome),
        Kind::Strings => {
            const WHAT: &str = "string requests";
            let roles = pick(
                root,
                &[
                    Role::new(&el.device_id, &["id", "deviceid"]),
                    Role::new(&el.username, &["user"]),
                ],
            );
            if let Some(id) = roles[0] {
                b.count("elements.device_id", NAMING_A_DEVICE, Some(&id.name));
                b.device_ids.insert(id.text.trim().to_string());
            }
            if let Some(user) = roles[1] {
                b.count("elements.username", NAMING_A_USER, Some(&user.name));
            }
            b.count("requests.strings_username", WHAT, flag(roles[1].is_some()));
            b.count("actions.security_strings", WHAT, Some(&spelled));
        }
        Kind::Login => {
            const WHAT: &str = "login requests";
            let roles = pick(
                root,
                &[
                    Role::new(&el.username, &["user"]),
                    Role::new(&el.password, &["password"]),
                    Role::new(&el.otc, &["otc"]),
                ],
            );
            for (part, what, found) in [
                ("elements.username", NAMING_A_USER, roles[0]),
                ("elements.password", WHAT, roles[1]),
                ("elements.otc", WHAT, roles[2]),
                ("elements.secret", WHAT, envelope[3]),
            ] {
                if let Some(found) = found {
                    b.count(part, what, Some(&found.name));
                }
            }
            if let Some(user) = roles[0] {
                b.usernames.insert(user.text.trim().to_string());
            }
            b.count("actions.login", WHAT, Some(&spelled));
        }
        Kind::Ping => b.count("actions.ping", "ping requests", Some(&spelled)),
        _ => {}
    }
    reply(b, c);
}

fn provision(b: &mut Builder<'_>, root: &Element, spelled: &str, outcome: &Outcome) {
    const WHAT: &str = "provision requests";
    let el = &b.hint.elements;
    let roles = pick(
        root,
        &[
            Role::new(&el.username, &["user"]),
            Role::new(&el.provision_code, &["code"]),
            Role::new(&el.device_os, &["os", "deviceos", "device"]),
            Role::new(&el.push_id, &["push"]),
        ],
    );
    for (part, what, found) in [
        ("elements.username", NAMING_A_USER, roles[0]),
        ("elements.provision_code", WHAT, roles[1]),
        ("elements.device_os", WHAT, roles[2]),
        ("elements.push_id", WHAT, roles[3]),
    ] {
        if let Some(found) = found {
            b.count(part, what, Some(&found.name));
        }
    }
    if let Some(user) = roles[0] {
        b.usernames.insert(user.text.trim().to_string());
    }
    b.count(
        "requests.provision_device_os",
        WHAT,
        flag(roles[2].is_some()),
    );
    b.provision.sent.add(Some(spelled));
    // Only a request with username and code tells whether the action was understood.
    if roles[0].is_some() && roles[1].is_some() {
        let bad_request = b.hint.errors.bad_request.as_str();
        match outcome {
            Outcome::Pass => b.provision.accepted.add(Some(spelled)),
            Outcome::Fail(Some(e)) if e != bad_request => b.provision.accepted.add(Some(spelled)),
            Outcome::Fail(_) | Outcome::Refused => b.provision.refused.add(Some(spelled)),
            Outcome::Unknown => {}
        }
    }
}

fn result_roles<'r>(b: &Builder<'_>, reply: &'r Element) -> Vec<Option<&'r Element>> {
    let el = &b.hint.elements;
    pick(
        reply,
        &[
            Role::new(&el.result, &["result"]),
            Role::new(&el.error, &["error"]),
            Role::new(&el.message, &["message", "description", "reason"]),
            Role::new(&el.version, &["version"]),
            Role::new(&el.request_id, &["requestid"]),
            Role::new(&el.device_id, &["id", "deviceid"]),
            Role::new(&el.security_strings, &["string"]),
        ],
    )
}

fn outcome(b: &Builder<'_>, c: &Classified<'_>) -> Outcome {
    match &c.reply {
        Some(reply) => {
            let roles = result_roles(b, reply);
            match (roles[0], roles[1]) {
                (Some(_), Some(error)) => Outcome::Fail(Some(error.text.trim().to_string())),
                (Some(result), None) if result.text.trim() == b.hint.results.fail => {
                    Outcome::Fail(None)
                }
                (Some(_), None) => Outcome::Pass,
                (None, _) if c.ex.status >= 400 => Outcome::Refused,
                (None, _) => Outcome::Unknown,
            }
        }
        None if c.ex.status >= 400 => Outcome::Refused,
        None => Outcome::Unknown,
    }
}

fn reply(b: &mut Builder<'_>, c: &Classified<'_>) {
    let Some(reply) = &c.reply else {
        return;
    };
    let roles = result_roles(b, reply);
    let Some(result) = roles[0] else {
        return;
    };
    b.count("elements.response_root", REPLIES, Some(&reply.name));
    b.count("elements.result", REPLIES, Some(&result.name));
    let failed = roles[1].is_some();
    let verdict = result.text.trim();
    if failed {
        b.count("results.fail", "FAIL replies", Some(verdict));
    } else {
        b.count("results.pass", "PASS replies", Some(verdict));
    }
    for (part, what, found) in [
        ("elements.error", REPLIES, roles[1]),
        ("elements.message", REPLIES, roles[2]),
        ("elements.version", BOTH, roles[3]),
        ("elements.request_id", BOTH, roles[4]),
    ] {
        if let Some(found) = found {
            b.count(part, what, Some(&found.name));
        }
    }
    if let Some(error) = roles[1] {
        error_spelling(b, error.text.trim());
    }
    if failed {
        return;
    }
    match c.kind {
        Kind::Provision => {
            if let Some(id) = roles[5] {
                b.count("elements.device_id", NAMING_A_DEVICE, Some(&id.name));
                b.device_ids.insert(id.text.trim().to_string());
            }
            layout::policies(b, reply);
        }
        Kind::Strings => {
            if let Some(strings) = roles[6] {
                b.count(
                    "elements.security_strings",
                    "PASS string replies",
                    Some(&strings.name),
                );
                layout::strings(b, &strings.text);
            }
            layout::policies(b, reply);
        }
        _ => {}
    }
}

/// An error code seen in a reply: it confirms the part whose spelling it is; a spelling
/// the profile does not name is noted.
pub(super) fn error_spelling(b: &mut Builder<'_>, wire: &str) {
    let canonical = b
        .hint
        .errors
        .entries()
        .into_iter()
        .find(|(_, spelled)| *spelled == wire)
        .map(|(name, _)| name);
    match canonical {
        Some(name) => b.count(&format!("errors.{name}"), "error replies", Some(wire)),
        None => b.unknown_errors.add(Some(wire)),
    }
}

/// The findings no single tally gives: the provision action and its other spellings,
/// and the error spellings the profile does not name.
pub(super) fn finish(b: &mut Builder<'_>, findings: &mut BTreeMap<String, Finding>) {
    let sp = std::mem::take(&mut b.provision);
    let fit = |v: &str| spelling(v).is_some() && !b.secrets.leaks(v);
    let source = if sp.accepted.total() > 0 {
        &sp.accepted
    } else {
        &sp.sent
    };
    if let Some((Some(primary), _)) = source.mode()
        && fit(primary)
    {
        let what = if sp.accepted.total() > 0 {
            "provision requests the server understood"
        } else {
            "provision requests"
        };
        findings.insert(
            "actions.provision".to_string(),
            Finding {
                shown: Shown::Value {
                    value: primary.to_string(),
                },
                seen: source.describe(what),
            },
        );
        let list = |t: &Tally| -> Vec<String> {
            t.values()
                .filter_map(|(v, _)| v)
                .filter(|v| fit(v))
                .map(str::to_string)
                .collect()
        };
        let accepted = list(&sp.accepted);
        let refused: Vec<String> = list(&sp.refused)
            .into_iter()
            .filter(|r| !accepted.contains(r))
            .collect();
        if accepted.iter().chain(&refused).any(|s| s != primary) {
            findings.insert(
                "action_aliases.provision".to_string(),
                Finding {
                    seen: format!(
                        "{} complete provision requests in {} spellings",
                        sp.accepted.total() + sp.refused.total(),
                        accepted.len() + refused.len()
                    ),
                    shown: Shown::Spellings { accepted, refused },
                },
            );
        }
    }
    let unknown: Vec<String> = b
        .unknown_errors
        .values()
        .filter_map(|(v, n)| v.filter(|v| fit(v)).map(|v| format!("`{v}` ×{n}")))
        .collect();
    if !unknown.is_empty() {
        b.note(format!(
            "error spellings the profile does not name (which error each is cannot be told from a capture): {}",
            unknown.join(", ")
        ));
    }
}
