//! What a capture shows, part by part, in the profile's own part names
//! (`actions.provision`, `strings.layout`, `ssd.path`, …): for each part the value most
//! exchanges show (or that the part is absent, e.g. no `<pin>` in the Site ID reply),
//! with how many showed it. A profile ("the hint") says where to look first; names the
//! capture spells otherwise are still found by role ([`super::roles`]), so the capture
//! can contradict the profile.
//!
//! - `tally`: counting values per part.
//! - `agent`: Agent-XML requests and replies (envelope, elements, actions, results,
//!   errors, request habits, the Agent-XML path).
//! - `layout`: the strings layout and the policies shape of PASS replies.
//! - `ssd`: the Site ID lookup.
//! - `pages`: TokenIndex, the self-service page and the QR image.

mod agent;
mod layout;
mod pages;
mod ssd;
pub mod tally;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::classify::{self, Kind};
use super::exchange;
use super::privacy::{Secrets, spelling};
use crate::profile::WireProfile;
use swivel_reference_server::har::Har;
use tally::Tally;

/// What the capture shows for one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "shown", rename_all = "kebab-case")]
pub enum Shown {
    /// The part's value (a name or spelling).
    Value {
        /// The value.
        value: String,
    },
    /// The part does not exist in what the capture shows.
    Absent,
    /// The provision action's spellings the server accepted and refused (WIRE-2).
    Spellings {
        /// Accepted spellings, most frequent first.
        accepted: Vec<String>,
        /// Refused spellings (unknown action), never accepted elsewhere.
        refused: Vec<String>,
    },
}

impl Shown {
    /// How reports show it.
    pub fn describe(&self) -> String {
        match self {
            Shown::Value { value } => tally::shown(Some(value)),
            Shown::Absent => tally::shown(None),
            Shown::Spellings { accepted, refused } => {
                let list = |l: &[String]| {
                    if l.is_empty() {
                        "none".to_string()
                    } else {
                        l.iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                format!("accepted {}; refused {}", list(accepted), list(refused))
            }
        }
    }
}

/// One part as the capture shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it shows.
    #[serde(flatten)]
    pub shown: Shown,
    /// How many exchanges showed it, e.g. "all 40 provision requests".
    pub seen: String,
}

/// Everything a capture shows.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// Entries in the file.
    pub entries: usize,
    /// Classified exchanges per kind.
    pub kinds: BTreeMap<&'static str, usize>,
    /// Ignored entries per reason.
    pub ignored: BTreeMap<&'static str, usize>,
    /// Findings per part.
    pub findings: BTreeMap<String, Finding>,
    /// What the capture shows that no part describes.
    pub notes: Vec<String>,
    /// The capture's secret values, for the output guard.
    pub secrets: Secrets,
}

/// Collects tallies while the exchanges are walked.
pub(super) struct Builder<'h> {
    hint: &'h WireProfile,
    tallies: BTreeMap<String, (Tally, &'static str)>,
    notes: BTreeSet<String>,
    secrets: Secrets,
    /// Usernames and device ids seen in Agent-XML, to recognise query parameters.
    usernames: BTreeSet<String>,
    device_ids: BTreeSet<String>,
    /// Whether Agent-XML went over https (ssl flag), http, or both.
    schemes: BTreeSet<String>,
    provision: agent::Spellings,
    unknown_errors: Tally,
    /// `(flag role, value)` of every flag in Site ID replies, judged yes or no at the end.
    flags: Vec<(&'static str, String)>,
}

impl<'h> Builder<'h> {
    /// Counts `value` (`None`: absent) for `part`, seen in `what` ("provision requests").
    fn count(&mut self, part: &str, what: &'static str, value: Option<&str>) {
        let slot = self
            .tallies
            .entry(part.to_string())
            .or_insert_with(|| (Tally::default(), what));
        slot.0.add(value);
    }

    fn note(&mut self, text: String) {
        self.notes.insert(text);
    }

    /// A finding for every tally, withholding any value that is not a plain spelling or
    /// that holds a value from a secret position.
    fn findings(&mut self) -> BTreeMap<String, Finding> {
        let mut out = BTreeMap::new();
        let tallies = std::mem::take(&mut self.tallies);
        for (part, (tally, what)) in tallies {
            let Some((mode, _)) = tally.mode() else {
                continue;
            };
            let shown = match mode {
                None => Shown::Absent,
                Some(value) => match spelling(value) {
                    Some(v) if !self.secrets.leaks(v) => Shown::Value {
                        value: v.to_string(),
                    },
                    _ => {
                        self.note(format!(
                            "{part}: what the capture shows is not a plain spelling; left out"
                        ));
                        continue;
                    }
                },
            };
            let seen = if tally
                .values()
                .all(|(v, _)| v.is_none_or(|v| spelling(v).is_some() && !self.secrets.leaks(v)))
            {
                tally.describe(what)
            } else {
                format!("{} {what}", tally.total())
            };
            out.insert(part, Finding { shown, seen });
        }
        out
    }
}

/// Walks every exchange of `har` with `hint` as the first guess at names.
pub fn observe(har: &Har, hint: &WireProfile) -> Observations {
    let (exchanges, mut ignored) = exchange::read_all(&har.log.entries);
    let (classified, ignored_kinds) = classify::classify(&exchanges, hint);
    for (reason, n) in ignored_kinds {
        *ignored.entry(reason).or_insert(0) += n;
    }
    let mut kinds = BTreeMap::new();
    for c in &classified {
        *kinds.entry(c.kind.name()).or_insert(0) += 1;
    }
    let mut b = Builder {
        hint,
        tallies: BTreeMap::new(),
        notes: BTreeSet::new(),
        secrets: Secrets::collect(&classified, hint),
        usernames: BTreeSet::new(),
        device_ids: BTreeSet::new(),
        schemes: BTreeSet::new(),
        provision: agent::Spellings::default(),
        unknown_errors: Tally::default(),
        flags: Vec::new(),
    };
    // Agent-XML first: it teaches the usernames and device ids the pages carry.
    for c in classified.iter().filter(|c| c.kind.is_agent_xml()) {
        agent::observe(&mut b, c);
    }
    for c in &classified {
        match c.kind {
            Kind::SiteLookup => ssd::observe(&mut b, c),
            Kind::TokenIndex => pages::token_index(&mut b, c),
            Kind::SelfService => pages::self_service(&mut b, c),
            Kind::QrCode => pages::qr_code(&mut b, c),
            Kind::AdminXml => b.note(
                "Admin XML exchanges were seen; the profile has no Admin XML section to compare them with"
                    .to_string(),
            ),
            _ => {}
        }
    }
    ssd::finish(&mut b);
    let mut findings = b.findings();
    agent::finish(&mut b, &mut findings);
    Observations {
        entries: har.log.entries.len(),
        kinds,
        ignored,
        findings,
        notes: b.notes.into_iter().collect(),
        secrets: b.secrets,
    }
}
