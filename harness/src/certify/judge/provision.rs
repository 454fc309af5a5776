//! CLI-2: the provision request carries the version, action, username and code of §9
//! and nothing else that identifies the user; and CLI-12 (INFO): what the app sends beyond
//! §9 (`DeviceOS`, `PushId`, the action's spelling, User-Agent, content type, prolog).

use std::collections::BTreeSet;

use super::super::observe::{AppCall, ProvisionSeen};
use super::evidence::Evidence;
use super::{Judged, listing};
use crate::verdict::Verdict;

const EXPECTED: &str = "a provision request with the profile's root, version, action, username and code, optionally DeviceOS and PushId, and nothing else that identifies the user";

/// Element names that identify a person, whatever their value.
const IDENTIFYING: &[&str] = &[
    "email", "mail", "phone", "mobile", "msisdn", "pin", "password", "secret", "otc", "imei",
    "fullname", "name", "account", "userid", "user",
];

/// Judges CLI-2 in step `index`.
pub fn cli2(ev: &Evidence, index: usize) -> Judged {
    let provisions: Vec<_> = ev
        .in_step(index)
        .filter_map(|c| match &c.call {
            AppCall::Provision(p) => Some((c.seq, p)),
            _ => None,
        })
        .collect();
    if provisions.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app sent no provision request in this step",
            Vec::new(),
        );
    }
    let mut problems = Vec::new();
    for (_, p) in &provisions {
        problems.extend(shape_problems(ev, p));
    }
    let seqs = provisions.iter().map(|(s, _)| *s).collect();
    if problems.is_empty() {
        Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!(
                "{} provision request(s), each with {}",
                provisions.len(),
                provisions
                    .first()
                    .map(|(_, p)| p
                        .elements
                        .iter()
                        .map(|(n, _)| format!("<{n}>"))
                        .collect::<Vec<_>>()
                        .join(""))
                    .unwrap_or_default()
            ),
            seqs,
        )
    } else {
        let unique: BTreeSet<String> = problems.into_iter().collect();
        Judged::new(
            Verdict::Fail,
            EXPECTED,
            listing(&unique.into_iter().collect::<Vec<_>>()),
            seqs,
        )
    }
}

fn shape_problems(ev: &Evidence, p: &ProvisionSeen) -> Vec<String> {
    let profile = &ev.facts.profile;
    let el = &profile.elements;
    let mut problems = Vec::new();
    if p.root != el.request_root {
        problems.push(format!(
            "the root is <{}>, not <{}>",
            p.root, el.request_root
        ));
    }
    match p.get(&el.version) {
        Some(v) if v == profile.version => {}
        Some(v) => problems.push(format!(
            "<{}> is {v:?}, not {:?}",
            el.version, profile.version
        )),
        None => problems.push(format!("no <{}>", el.version)),
    }
    match p.get(&el.action) {
        Some(a) if a == profile.actions.provision => {}
        Some(a) => problems.push(format!(
            "the action is spelled {a:?}, not {:?}",
            profile.actions.provision
        )),
        None => problems.push(format!("no <{}>", el.action)),
    }
    for name in [&el.username, &el.provision_code] {
        if p.get(name).is_none_or(str::is_empty) {
            problems.push(format!("no <{name}>"));
        }
    }
    let known = [
        &el.version,
        &el.action,
        &el.username,
        &el.provision_code,
        &el.device_os,
        &el.push_id,
    ];
    let f = &ev.facts;
    for (name, value) in &p.elements {
        let lower = name.to_ascii_lowercase();
        let extra = !known.contains(&name);
        if extra && IDENTIFYING.contains(&lower.as_str()) {
            problems.push(format!(
                "it also carries <{name}>, which identifies the user"
            ));
        } else if value.contains(&f.email) {
            problems.push(format!("<{name}> carries the user's e-mail address"));
        } else if extra && value == &f.username {
            problems.push(format!("<{name}> repeats the username"));
        }
    }
    problems
}

/// Records CLI-12 over all the app's traffic.
pub fn cli12(ev: &Evidence) -> Judged {
    const WHAT: &str = "a record of what the app sends beyond §9 (never judged)";
    if ev.calls.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            WHAT,
            "the app sent nothing: there is nothing to record",
            Vec::new(),
        );
    }
    let el = &ev.facts.profile.elements;
    let mut agents = BTreeSet::new();
    let mut types = BTreeSet::new();
    let mut calls = BTreeSet::new();
    let mut facts = BTreeSet::new();
    let mut seqs = Vec::new();
    for c in &ev.calls {
        calls.insert(c.call.name());
        if let Some(ua) = c.seen.header("user-agent") {
            agents.insert(ua.to_string());
        }
        if let AppCall::Provision(p) = &c.call {
            seqs.push(c.seq);
            if let Some(ct) = c.seen.header("content-type") {
                types.insert(ct.to_string());
            }
            if let Some(a) = p.get(&el.action) {
                facts.insert(format!("action spelled {a:?}"));
            }
            facts.insert(format!(
                "XML prolog {}",
                if p.prolog { "sent" } else { "not sent" }
            ));
            for (name, _) in &p.elements {
                if name == &el.device_os || name == &el.push_id {
                    facts.insert(format!("<{name}> sent"));
                } else if ![&el.version, &el.action, &el.username, &el.provision_code]
                    .contains(&name)
                {
                    facts.insert(format!("extra element <{name}>"));
                }
            }
        }
    }
    let join = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>().join("; ");
    Judged::new(
        Verdict::Info,
        WHAT,
        format!(
            "calls: {}\nprovision: {}\ncontent types: {}\nUser-Agent: {}",
            join(calls),
            join(facts),
            join(types),
            join(agents)
        ),
        seqs,
    )
}
