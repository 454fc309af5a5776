//! The Site ID lookup as the capture shows it: path and parameter, the reply's root and
//! result element with its pass and fail values, the unknown-Site-ID reply (its HTTP
//! status, its error and message elements, the error's spelling), the settings element
//! and which child holds host, port, context and each flag, and how a flag says yes
//! and no. A name the profile does not use is found by keyword (`ssl` in `usingSSL`);
//! a flag's yes and no are told by the usual words (`true`, `YES`, `on`, …) or, for
//! `ssl`, by the scheme the Agent-XML traffic used.

use super::Builder;
use crate::capture::classify::Classified;
use crate::capture::roles::{Role, assign};
use crate::codec::xml::Element;

const FOUND: &str = "Site ID replies with settings";
const UNKNOWN: &str = "unknown-Site-ID replies";
const LOOKUPS: &str = "Site ID lookups";

/// Flag roles, in the order of the settings roles after host, port and context.
const FLAGS: [&str; 5] = ["ssl", "push", "local", "pin", "oath"];

fn leaves(e: &Element) -> Vec<&Element> {
    e.children
        .iter()
        .filter(|c| c.children.is_empty())
        .collect()
}

/// One lookup.
pub(super) fn observe(b: &mut Builder<'_>, c: &Classified<'_>) {
    let Some(reply) = &c.reply else {
        return;
    };
    let ssd = &b.hint.ssd;
    b.count("ssd.path", LOOKUPS, Some(&c.ex.path));
    let params: Vec<&str> = c.ex.query.iter().map(|(n, _)| n.as_str()).collect();
    let param = assign(
        &params,
        &[Role::new(&ssd.id_param, &["id", "siteid", "site"])],
    );
    if let Some(i) = param[0].or((params.len() == 1).then_some(0)) {
        b.count("ssd.id_param", LOOKUPS, Some(params[i]));
    }
    b.count("ssd.root", LOOKUPS, Some(&reply.name));
    let server = reply.children.iter().find(|c| !c.children.is_empty());
    let leaves = leaves(reply);
    let names: Vec<&str> = leaves.iter().map(|l| l.name.as_str()).collect();
    match server {
        Some(server) => {
            // The result is the one leaf beside the settings, or the profile's name.
            let result = assign(
                &names,
                &[Role::new(&ssd.result, &["result", "code", "status"])],
            )[0]
            .or((leaves.len() == 1).then_some(0));
            if let Some(i) = result {
                b.count("ssd.result", LOOKUPS, Some(names[i]));
                b.count("ssd.pass", FOUND, Some(leaves[i].text.trim()));
            }
            settings(b, server);
        }
        None => unknown(b, c, &leaves),
    }
}

fn code_like(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn unknown(b: &mut Builder<'_>, c: &Classified<'_>, leaves: &[&Element]) {
    let ssd = &b.hint.ssd;
    let names: Vec<&str> = leaves.iter().map(|l| l.name.as_str()).collect();
    // The message before the error: `errorDescription` is a description, not a code.
    let roles = assign(
        &names,
        &[
            Role::new(&ssd.result, &["result", "responsecode", "status"]),
            Role::new(&ssd.message, &["message", "description", "reason"]),
            Role::unnamed(ssd.error.as_deref(), &["error", "errorcode"]),
        ],
    );
    let Some(result) = roles[0] else {
        return;
    };
    b.count("ssd.result", LOOKUPS, Some(names[result]));
    b.count("ssd.fail", UNKNOWN, Some(leaves[result].text.trim()));
    b.count(
        "ssd.unknown_status",
        UNKNOWN,
        Some(&c.ex.status.to_string()),
    );
    let mut message = roles[1];
    let mut error = roles[2];
    // An "error" holding free text is the message; what no name placed goes by its text.
    if let Some(i) = error
        && !code_like(leaves[i].text.trim())
        && message.is_none()
    {
        message = Some(i);
        error = None;
    }
    for (i, leaf) in leaves.iter().enumerate() {
        if Some(i) == error || Some(i) == message || i == result {
            continue;
        }
        if code_like(leaf.text.trim()) && error.is_none() {
            error = Some(i);
        } else if message.is_none() {
            message = Some(i);
        }
    }
    match error {
        // Which error this is is certain here: the Site ID was unknown.
        Some(i) => {
            b.count("ssd.error", UNKNOWN, Some(names[i]));
            b.count(
                "errors.UNKNOWN_SERVER_ID",
                UNKNOWN,
                Some(leaves[i].text.trim()),
            );
        }
        None => b.count("ssd.error", UNKNOWN, None),
    }
    if let Some(i) = message {
        b.count("ssd.message", UNKNOWN, Some(names[i]));
    }
}

fn settings(b: &mut Builder<'_>, server: &Element) {
    let ssd = &b.hint.ssd;
    b.count("ssd.server", FOUND, Some(&server.name));
    let leaves = leaves(server);
    let names: Vec<&str> = leaves.iter().map(|l| l.name.as_str()).collect();
    let roles = assign(
        &names,
        &[
            Role::new(&ssd.host, &["host", "hostname", "server", "address"]),
            Role::new(&ssd.port, &["port"]),
            Role::new(&ssd.context, &["context", "connectiontype", "path"]),
            Role::new(&ssd.ssl, &["ssl", "https", "tls", "secure"]),
            Role::new(&ssd.push, &["push"]),
            Role::new(&ssd.local, &["local"]),
            Role::unnamed(ssd.pin.as_deref(), &["pin"]),
            Role::unnamed(ssd.oath.as_deref(), &["oath", "otp"]),
        ],
    );
    let parts = [
        "ssd.host",
        "ssd.port",
        "ssd.context",
        "ssd.ssl",
        "ssd.push",
        "ssd.local",
        "ssd.pin",
        "ssd.oath",
    ];
    for (k, (part, found)) in parts.into_iter().zip(&roles).enumerate() {
        match found {
            Some(i) => {
                b.count(part, FOUND, Some(names[*i]));
                if k >= 3 {
                    b.flags
                        .push((FLAGS[k - 3], leaves[*i].text.trim().to_string()));
                }
            }
            // Only pin and oath are optional: a reply without them shows they are absent.
            None if k >= 6 => b.count(part, FOUND, None),
            None => {}
        }
    }
    for (i, name) in names.iter().enumerate() {
        if !roles.contains(&Some(i)) {
            b.note(format!(
                "the Site ID reply's <{name}> plays no role the profile knows"
            ));
        }
    }
}

fn word(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "y" => Some(true),
        "false" | "no" | "off" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Tells yes from no in the flag values seen, and counts each spelling.
pub(super) fn finish(b: &mut Builder<'_>) {
    let flags = std::mem::take(&mut b.flags);
    let (yes, no) = (b.hint.ssd.yes.clone(), b.hint.ssd.no.clone());
    let https_only = b.schemes.len() == 1 && b.schemes.contains("https");
    let http_only = b.schemes.len() == 1 && b.schemes.contains("http");
    let mut known: Vec<(String, bool)> = Vec::new();
    for (flag, value) in &flags {
        let meaning = if value.eq_ignore_ascii_case(&yes) {
            Some(true)
        } else if value.eq_ignore_ascii_case(&no) {
            Some(false)
        } else if let Some(w) = word(value) {
            Some(w)
        } else if *flag == "ssl" && (https_only || http_only) {
            Some(https_only)
        } else {
            None
        };
        if let Some(m) = meaning {
            known.push((value.clone(), m));
        }
    }
    for (flag, value) in &flags {
        let meaning = known
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, m)| *m)
            // Two spellings in all, one of them known: the other is its opposite.
            .or_else(|| {
                let other: Vec<&(String, bool)> =
                    known.iter().filter(|(v, _)| v != value).collect();
                let distinct: std::collections::BTreeSet<&str> =
                    other.iter().map(|(v, _)| v.as_str()).collect();
                (distinct.len() == 1).then(|| !other[0].1)
            });
        match meaning {
            Some(true) => b.count("ssd.yes", "flags in Site ID replies", Some(value)),
            Some(false) => b.count("ssd.no", "flags in Site ID replies", Some(value)),
            None => b.note(format!(
                "the Site ID reply's {flag} flag is spelled in a way not understood as yes or no"
            )),
        }
    }
}
