//! The test plan of a certification: steps, each saying what the tester does on the phone
//! (an instruction with placeholders such as `{code}`), what the server prepares (by
//! [`StepKind`]), what it asks the tester (OTCs shown, the message shown) and which client
//! rules the step's traffic and answers judge. The built-in plan is
//! `scenarios/certify/default.toml`; `certify --plan FILE` reads another.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::conformance::Feature;
use crate::emulator::app_message;
use crate::rules::{self, Subject};

/// The built-in plan.
pub const DEFAULT_PLAN: &str = include_str!("../../../scenarios/certify/default.toml");

/// What a step does; the server's preparation and the step's evidence follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// A fresh code; the app provisions and downloads strings.
    Provision,
    /// The app shows OTCs one after the other.
    Otcs,
    /// The tester asks the app to download strings again, then for an OTC.
    Refresh,
    /// The server spends all but the last strings; the app must download before it runs out.
    RunningOut,
    /// The server provisions the user on another device; the app's device id is refused.
    UnboundDevice,
    /// The app is given a code the server refuses (wrong, used, expired).
    RefusedCode,
    /// The app is sent to a second port whose certificate does not verify.
    UntrustedCertificate,
}

impl StepKind {
    /// The client rules a step of this kind can judge.
    pub fn judges(self) -> &'static [&'static str] {
        match self {
            StepKind::Provision => &["CLI-1", "CLI-2", "CLI-3"],
            StepKind::Otcs => &["CLI-5", "CLI-6"],
            StepKind::Refresh => &["CLI-3", "CLI-5", "CLI-6", "CLI-7"],
            StepKind::RunningOut => &["CLI-6", "CLI-7"],
            StepKind::UnboundDevice => &["CLI-10", "CLI-11"],
            StepKind::RefusedCode => &["CLI-9", "CLI-11"],
            StepKind::UntrustedCertificate => &["CLI-8", "CLI-11"],
        }
    }

    /// Whether the tester is asked what the app showed.
    pub fn asks_message(self) -> bool {
        matches!(
            self,
            StepKind::UnboundDevice | StepKind::RefusedCode | StepKind::UntrustedCertificate
        )
    }
}

/// How the app reaches the server in a provision step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Entry {
    /// The Site ID, looked up at the certify server's SSD.
    SiteId,
    /// Host, port, context and SSL by hand.
    Manual,
    /// The complete Provision URL as a link.
    ProvisionUrl,
    /// The QR code of the complete URL.
    Qr,
}

impl Entry {
    /// Whether the app looks a Site ID up (CLI-1 applies).
    pub fn looks_up_site(self) -> bool {
        !matches!(self, Entry::Manual)
    }
}

/// Which code a refused-code step gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeKind {
    /// A code that was never issued (the user has a pending one).
    Wrong,
    /// The code an earlier provision step redeemed.
    Used,
    /// A code whose validity has passed.
    Expired,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique id, e.g. `wrong-code`; case ids are `<rule>/<step id>`.
    pub id: String,
    /// What it does.
    pub kind: StepKind,
    /// A short title.
    pub title: String,
    /// What the tester does, with placeholders.
    pub instruction: String,
    /// Features the app must claim, else the step is SKIPPED.
    #[serde(default)]
    pub needs: Vec<Feature>,
    /// Client rules judged from this step.
    pub judge: Vec<String>,
    /// Provision steps: how the app reaches the server.
    #[serde(default)]
    pub entry: Option<Entry>,
    /// Refused-code steps: which code.
    #[serde(default)]
    pub code: Option<CodeKind>,
    /// OTCs the tester types (OTC steps).
    #[serde(default)]
    pub otcs: Option<u32>,
    /// The §8 message the app must show (steps that ask).
    #[serde(default)]
    pub message: Option<String>,
}

impl Step {
    /// OTCs asked (0 when none).
    pub fn otc_count(&self) -> u32 {
        self.otcs.unwrap_or(0)
    }
}

/// Rules judged over all of the run's traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// CLI-4 and CLI-12.
    #[serde(default)]
    pub judge: Vec<String>,
}

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Short name (the reports' suite).
    pub name: String,
    /// Title.
    pub title: String,
    /// Silence after a refusal (or after an untrusted connection) before a negative step
    /// is judged, seconds; `certify --quiet-secs` overrides.
    #[serde(default = "default_quiet")]
    pub quiet_secs: u64,
    /// The whole-run cases.
    #[serde(default)]
    pub traffic: Traffic,
    /// The steps, in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

fn default_quiet() -> u64 {
    5
}

/// A plan that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("plan {origin}: {message}")]
pub struct PlanError {
    /// The file.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

const MESSAGES: &[&str] = &[
    app_message::UNKNOWN_SERVER_ID,
    app_message::SERVER_CONNECTION,
    app_message::INVALID_USERNAME,
    app_message::INVALID_PROVISION_CODE,
    app_message::USER_NOT_SET,
    app_message::ERROR_DOWNLOADING_STRINGS,
    app_message::PROVISION_FAILURE,
];

impl Plan {
    /// The built-in plan.
    pub fn builtin() -> Result<Plan, PlanError> {
        Plan::from_toml(DEFAULT_PLAN, "built-in default")
    }

    /// Parses and checks a plan.
    pub fn from_toml(text: &str, origin: &str) -> Result<Plan, PlanError> {
        let err = |message: String| PlanError {
            origin: origin.to_string(),
            message,
        };
        let plan: Plan = toml::from_str(text).map_err(|e| err(e.to_string().trim_end().into()))?;
        plan.check().map_err(err)?;
        Ok(plan)
    }

    fn check(&self) -> Result<(), String> {
        if self.steps.is_empty() {
            return Err("a plan needs at least one [[step]]".into());
        }
        let mut ids = BTreeSet::new();
        for step in &self.steps {
            let id = &step.id;
            let valid = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(format!("step id {id:?}: use a-z, 0-9 and '-'"));
            }
            if !ids.insert(id.clone()) {
                return Err(format!("step id {id:?} appears twice"));
            }
            for rule in &step.judge {
                client_rule(rule)?;
                if !step.kind.judges().contains(&rule.as_str()) {
                    return Err(format!(
                        "step {id}: a {:?} step cannot judge {rule} (it judges {})",
                        step.kind,
                        step.kind.judges().join(", ")
                    ));
                }
            }
            let kind = step.kind;
            match (kind, step.entry) {
                (StepKind::Provision, None) => {
                    return Err(format!("step {id}: a provision step needs `entry`"));
                }
                (StepKind::Provision, Some(entry))
                    if !entry.looks_up_site() && step.judge.iter().any(|r| r == "CLI-1") =>
                {
                    return Err(format!(
                        "step {id}: CLI-1 needs an entry that looks up a Site ID"
                    ));
                }
                _ => {}
            }
            if kind == StepKind::RefusedCode && step.code.is_none() {
                return Err(format!("step {id}: a refused-code step needs `code`"));
            }
            let wants_otcs = matches!(
                kind,
                StepKind::Otcs | StepKind::Refresh | StepKind::RunningOut
            );
            if wants_otcs && step.otc_count() == 0 {
                return Err(format!("step {id}: this step needs `otcs` (1 or more)"));
            }
            if step.otc_count() > 10 {
                return Err(format!("step {id}: at most 10 OTCs a step"));
            }
            match (&step.message, kind.asks_message()) {
                (None, true) => return Err(format!("step {id}: this step needs `message`")),
                (Some(m), true) if !MESSAGES.contains(&m.as_str()) => {
                    return Err(format!(
                        "step {id}: message {m:?} is not one of protocol.md §8: {}",
                        MESSAGES.join(" | ")
                    ));
                }
                (Some(_), false) => {
                    return Err(format!("step {id}: a {kind:?} step asks for no message"));
                }
                _ => {}
            }
        }
        for rule in &self.traffic.judge {
            client_rule(rule)?;
            if !matches!(rule.as_str(), "CLI-4" | "CLI-12") {
                return Err(format!(
                    "[traffic] judges CLI-4 and CLI-12 only, not {rule}"
                ));
            }
        }
        Ok(())
    }

    /// The step called `id`.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The plan as TOML (what the bundle keeps).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

fn client_rule(rule: &str) -> Result<(), String> {
    match rules::get(rule) {
        Some(r) if r.subject == Subject::Client => Ok(()),
        Some(_) => Err(format!("{rule} is not a client rule (protocol.md §11)")),
        None => Err(format!("{rule} names no rule of protocol.md")),
    }
}

/// The id of the case judging `rule` in `step` (or in the whole run's traffic).
pub fn case_id(rule: &str, step: &str) -> String {
    format!("{}/{step}", rule.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_plan_loads_and_covers_every_client_rule() {
        let plan = Plan::builtin().unwrap();
        let mut judged: BTreeSet<String> = plan.traffic.judge.iter().cloned().collect();
        for s in &plan.steps {
            judged.extend(s.judge.iter().cloned());
        }
        for r in rules::all().iter().filter(|r| r.subject == Subject::Client) {
            assert!(
                judged.contains(r.id.as_str()),
                "{} is judged by no step",
                r.id
            );
        }
    }

    #[test]
    fn bad_plans_are_refused_with_the_reason() {
        let base = Plan::builtin().unwrap();
        let mut p = base.clone();
        p.steps[0].judge.push("CLI-8".into());
        assert!(p.check().unwrap_err().contains("cannot judge CLI-8"));
        let mut p = base.clone();
        p.steps[1].id = p.steps[0].id.clone();
        assert!(p.check().unwrap_err().contains("twice"));
        let mut p = base.clone();
        p.traffic.judge.push("PC-5".into());
        assert!(p.check().unwrap_err().contains("not a client rule"));
        let mut p = base;
        if let Some(s) = p.steps.iter_mut().find(|s| s.kind.asks_message()) {
            s.message = Some("Oops".into());
        }
        assert!(p.check().unwrap_err().contains("§8"));
        assert!(Plan::from_toml("name = 1", "x").is_err());
    }
}
