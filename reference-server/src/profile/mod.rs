//! Wire profiles: the mobile wire is not publicly documented, so how it is spelled
//! (paths, request habits, element names, actions, result and error spellings, the
//! strings layout, the policies shape, the SSD lookup) is DATA, loaded from a TOML file.
//! Both sides read it: the harness's client codec writes requests and judges replies
//! with it, and the reference server decides what it accepts and how it answers (with
//! XML code of its own, so each side stays an oracle for the other). Each part carries
//! its evidence (`DOC`, `CLIENT`, `HINT`, `ASSUMED`, or `CAPTURE` where a recorded
//! exchange confirmed it) so every report can say which of its
//! expectations rest on guesses. `mobile-3.6` (protocol.md §9, what real apps speak) is
//! the default; `agentxml-3.6` is the earlier spelling.
//!
//! - [`parts`]: the sections (paths, requests, elements, actions, strings, policies, SSD).
//! - [`spellings`]: canonical error names ↔ wire spellings.
//! - [`validate`]: load-time checks and [`ProfileError`].
//! - [`mail`]: the optional `[mail]` extraction patterns (code, Provision URL, QR payload).
//! - [`admin`]: the optional `[admin]` section, how Admin XML is spelled (users, §12).
//! - [`capture`]: the `[[capture]]` records of a profile inferred from HAR captures.
//! - [`builtin`]: the embedded profiles.

pub mod admin;
pub mod builtin;
pub mod capture;
pub mod mail;
pub mod parts;
pub mod spellings;
pub mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use admin::AdminSection;
pub use capture::CaptureRecord;
pub use mail::MailSection;
pub use parts::{
    ActionAliases, Actions, Elements, Paths, Policies, Requests, Results, Ssd, StringsLayout,
    StringsSection,
};
pub use spellings::ErrorSpellings;
pub use validate::ProfileError;

/// Where a part of a profile comes from (protocol.md "Evidence labels").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Evidence {
    /// Stated by the vendor's documentation.
    Doc,
    /// What a public replacement for the mobile app sends and expects; used daily
    /// against a real server.
    Client,
    /// Suggested by public third-party material; not confirmed.
    Hint,
    /// Our choice where nothing public says.
    Assumed,
    /// Seen in a capture of real traffic (a HAR file): `profile infer` confirmed or
    /// changed the part, and a `[[capture]]` record names the file and its SHA-256.
    Capture,
}

impl Evidence {
    /// `DOC`, `CLIENT`, `HINT`, `ASSUMED` or `CAPTURE`, as in the profile files.
    pub fn label(self) -> &'static str {
        match self {
            Evidence::Doc => "DOC",
            Evidence::Client => "CLIENT",
            Evidence::Hint => "HINT",
            Evidence::Assumed => "ASSUMED",
            Evidence::Capture => "CAPTURE",
        }
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One wire profile. Build it with [`WireProfile::resolve`], [`WireProfile::from_toml`] or
/// [`WireProfile::builtin`]; each validates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireProfile {
    /// Short name, e.g. `mobile-3.6`.
    pub name: String,
    /// One line for reports.
    pub description: String,
    /// Sent in `<Version>` of every request, e.g. `3.6`.
    pub version: String,
    /// URL paths and parameter names.
    pub paths: Paths,
    /// How requests are written (content type, prolog, optional elements).
    pub requests: Requests,
    /// Element names.
    pub elements: Elements,
    /// `<Action>` values clients send.
    pub actions: Actions,
    /// Other action spellings a server accepts (WIRE-2).
    #[serde(default)]
    pub action_aliases: ActionAliases,
    /// `<Result>` values.
    pub results: Results,
    /// Canonical error names → wire spellings.
    pub errors: ErrorSpellings,
    /// Separator and layout of `<SecurityStrings>`.
    pub strings: StringsSection,
    /// How Mobile Client policies travel.
    pub policies: Policies,
    /// The Site ID lookup.
    pub ssd: Ssd,
    /// How a code, Provision URL and QR payload are found in an e-mail (protocol.md §12);
    /// optional so older profile files still load ([`WireProfile::mail_patterns`] falls
    /// back to [`MailSection::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailSection>,
    /// How Admin XML (users of a real server, protocol.md §12) is spelled; optional like
    /// `[mail]` ([`WireProfile::admin_section`] falls back to [`AdminSection::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<AdminSection>,
    /// Evidence per part (`paths.token_index`) or per section (`elements`); a part's own
    /// label wins over its section's.
    pub evidence: BTreeMap<String, Evidence>,
    /// The captures that confirmed or changed parts (`profile infer`), oldest first; every
    /// part labelled `CAPTURE` is listed in one of them.
    #[serde(default, rename = "capture", skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureRecord>,
    /// `built-in` or the file path; set by the loaders, not read from the file.
    #[serde(skip)]
    source: String,
}

impl WireProfile {
    /// The sections an evidence key may name as a whole.
    pub const SECTIONS: [&'static str; 12] = [
        "paths",
        "requests",
        "elements",
        "actions",
        "action_aliases",
        "results",
        "errors",
        "strings",
        "policies",
        "ssd",
        "mail",
        "admin",
    ];

    /// A built-in profile by name (see [`builtin::NAMES`]).
    pub fn builtin(name: &str) -> Option<WireProfile> {
        builtin::get(name)
    }

    /// The default profile, `mobile-3.6`.
    pub fn default_profile() -> WireProfile {
        builtin::default_profile()
    }

    /// Parses and validates profile text; `origin` names it in errors (a path, or
    /// `built-in <name>`) and becomes [`WireProfile::source`].
    pub fn from_toml(text: &str, origin: &str) -> Result<WireProfile, ProfileError> {
        let mut profile: WireProfile = toml::from_str(text).map_err(|e| ProfileError::Parse {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        validate::check(&profile).map_err(|(field, problem)| ProfileError::Invalid {
            origin: origin.to_string(),
            field,
            problem,
        })?;
        profile.source = origin.to_string();
        Ok(profile)
    }

    /// A built-in profile if `name_or_path` names one, else the profile file at that path.
    pub fn resolve(name_or_path: &str) -> Result<WireProfile, ProfileError> {
        if let Some(profile) = Self::builtin(name_or_path) {
            return Ok(profile);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|source| ProfileError::Read {
            path: name_or_path.to_string(),
            source,
            builtins: builtin::NAMES.join(", "),
        })?;
        Self::from_toml(&text, name_or_path)
    }

    /// `built-in`, or the path the profile was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every part as `(key, value)`: `version`, then `<section>.<field>` for each
    /// section of [`WireProfile::SECTIONS`] (`errors.<CANONICAL>` for errors; `mail.*`
    /// and `admin.*` only when the profile has that section).
    pub fn parts(&self) -> Vec<(String, String)> {
        let mut parts = vec![("version".to_string(), self.version.clone())];
        let errors = self
            .errors
            .entries()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        let sections = [
            ("paths", self.paths.entries()),
            ("requests", self.requests.entries()),
            ("elements", self.elements.entries()),
            ("actions", self.actions.entries()),
            ("action_aliases", self.action_aliases.entries()),
            ("results", self.results.entries()),
            ("errors", errors),
            ("strings", self.strings.entries()),
            ("policies", self.policies.entries()),
            ("ssd", self.ssd.entries()),
            (
                "mail",
                self.mail
                    .as_ref()
                    .map(MailSection::entries)
                    .unwrap_or_default(),
            ),
            (
                "admin",
                self.admin
                    .as_ref()
                    .map(AdminSection::entries)
                    .unwrap_or_default(),
            ),
        ];
        for (section, entries) in sections {
            parts.extend(
                entries
                    .into_iter()
                    .map(|(field, value)| (format!("{section}.{field}"), value)),
            );
        }
        parts
    }

    /// Every spelling of the provision action a server speaking this profile accepts:
    /// [`Actions::provision`] first, then its aliases.
    pub fn provision_spellings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.actions.provision.as_str())
            .chain(self.action_aliases.provision.iter().map(String::as_str))
    }

    /// The evidence of `part`: its own label, else its section's.
    pub fn evidence_of(&self, part: &str) -> Option<Evidence> {
        self.evidence.get(part).copied().or_else(|| {
            let (section, _) = part.split_once('.')?;
            self.evidence.get(section).copied()
        })
    }

    /// The parts whose evidence is `e`, in [`WireProfile::parts`] order: what reports
    /// list as resting on HINT or ASSUMED.
    pub fn parts_with(&self, e: Evidence) -> Vec<String> {
        self.parts()
            .into_iter()
            .map(|(part, _)| part)
            .filter(|part| self.evidence_of(part) == Some(e))
            .collect()
    }

    /// The `[mail]` patterns, or the defaults (what the reference server sends) when the
    /// profile has none.
    pub fn mail_patterns(&self) -> MailSection {
        self.mail.clone().unwrap_or_default()
    }

    /// The `[admin]` section, or the default shape (protocol.md §12) when the profile
    /// has none.
    pub fn admin_section(&self) -> AdminSection {
        self.admin.clone().unwrap_or_default()
    }

    /// The capture record that last confirmed or changed `part`, if any.
    pub fn capture_of(&self, part: &str) -> Option<&CaptureRecord> {
        self.captures.iter().rev().find(|c| c.covers(part))
    }

    /// The canonical name of a wire error spelling (unknown spellings pass through).
    pub fn canonical_error(&self, wire: &str) -> String {
        self.errors.canonical(wire)
    }
}
