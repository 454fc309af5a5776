//! The pure model of a provisioning server, keyed by rule ID and independent of the
//! reference server's domain core (so exploring the reference server cross-checks two
//! implementations). It holds users, the pending code of each user in each session store
//! (one store with session sharing, one per node without), devices, downloaded string
//! sets with the indexes used, the validity policy, the self-service policy and the
//! clock, and the other policies a history changes (`policy`). [`Model::apply`] turns
//! one [`Op`] into the steps that perform it, each with the outcome the rules require and
//! the rule that requires it; codes, devices and strings are variables saved from the
//! server's replies, so the model never needs their values. Provisioning attempts are in
//! `redeem`, downloads and logins in `strings`, and probes that look at one thing once
//! (Site ID, QR, syslog, codes judged together) in `probes`.

mod concurrent;
#[cfg(test)]
mod concurrent_tests;
mod policy;
mod probes;
mod redeem;
mod strings;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use super::ops::{ClockStep, History, Op, User};
use super::plan::{Planned, StepFields};
use crate::rules::{RuleId, rule_id};

/// What a code presented at a store would meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Accepted; the rule that makes it so.
    Pass(RuleId),
    /// Refused; the rule that makes it so.
    Refused(RuleId),
    /// Either is allowed (a code that expired and came back with a longer validity).
    Either,
}

#[derive(Debug, Clone)]
struct Code {
    store: usize,
    node: u16,
    issued_at: u64,
    expired_once: bool,
    /// Why it can no longer provision, once it cannot.
    killed: Option<RuleId>,
}

#[derive(Debug, Clone)]
struct StringSet {
    var: String,
    used: BTreeSet<u8>,
    dead: Option<RuleId>,
}

#[derive(Debug, Clone, Default)]
struct UserState {
    /// Code variables in the order issued.
    issued: Vec<String>,
    /// The pending code variable of each store.
    pending: BTreeMap<usize, String>,
    /// Devices in the order bound: the saved variable and its node, or `None` when the
    /// device id was not captured (a race).
    devices: Vec<Option<(String, u16)>>,
    /// Downloads, oldest first.
    sets: Vec<StringSet>,
    /// The variable of the URL the newest message carried, once one carried a URL.
    url: Option<String>,
}

/// The model's state for one history.
#[derive(Debug, Clone)]
pub struct Model {
    nodes: u16,
    sharing: bool,
    now: u64,
    validity: u64,
    self_service: bool,
    policy: policy::PolicyState,
    /// The newest exact log line the model expected (SYS-1 reads it again).
    last_line: Option<probes::LoggedLine>,
    codes: BTreeMap<String, Code>,
    users: BTreeMap<User, UserState>,
    /// The users the steps so far refer to.
    pub used_users: BTreeSet<User>,
    /// Whether a step names a user the server must not hold.
    pub uses_unknown: bool,
    /// Whether codes may go to the string transport (the users then get one).
    pub uses_string_transport: bool,
    /// Users whose state a concurrent segment left open: none of their later operations
    /// is planned.
    unknown: BTreeSet<User>,
    next_var: usize,
}

/// The error key of a refused provision.
pub const PROVISION_FAILURE: &str = "FAIL:PROVISION_FAILURE";
pub(crate) const BAD_OTC: &str = "FAIL:AGENT_ERROR_BAD_OTC";
/// A code no server issued.
pub const GARBAGE_CODE: &str = "NOTACODE00";
/// The alias of the user the server must not hold.
pub const UNKNOWN_ALIAS: &str = "ghost";

fn log_failed(alias: &str) -> String {
    format!(
        "User \"${{{alias}}}\" provision failed, A valid session could not be loaded or created for the user."
    )
}

impl Model {
    /// Where a new code goes (LOG-3, LOG-4): the runner gives a user's string transport
    /// an address of its own, so the destination names the transport the code took.
    pub(super) fn destination(&self, alias: &str) -> String {
        if self.policy.code_goes_to_strings() {
            format!("${{{alias}}}+strings@example.test")
        } else {
            format!("${{{alias}}}@example.test")
        }
    }

    /// The initial state of `history`: defaults (validity 600 s, self-service off).
    pub fn new(history: &History) -> Self {
        Self {
            nodes: history.nodes.max(1),
            sharing: history.sharing,
            now: 0,
            validity: 600,
            self_service: false,
            policy: policy::PolicyState::default(),
            last_line: None,
            codes: BTreeMap::new(),
            users: BTreeMap::new(),
            used_users: BTreeSet::new(),
            uses_unknown: false,
            uses_string_transport: false,
            unknown: BTreeSet::new(),
            next_var: 0,
        }
    }

    fn node(&self, index: u8) -> u16 {
        u16::from(index) % self.nodes + 1
    }

    fn store(&self, node: u16) -> usize {
        if self.sharing { 0 } else { usize::from(node) }
    }

    fn var(&mut self, prefix: &str) -> String {
        self.next_var += 1;
        format!("{prefix}{}", self.next_var)
    }

    fn user(&mut self, user: User) -> &mut UserState {
        self.used_users.insert(user);
        self.users.entry(user).or_default()
    }

    /// The steps of operation `index`, with what the rules require of each.
    pub fn apply(&mut self, index: usize, op: &Op) -> Vec<Planned> {
        let mut out = Plan::new(index);
        if concurrent::actor(op).is_some_and(|u| self.unknown.contains(&u)) {
            return out.steps;
        }
        match *op {
            Op::Reprovision { user, node } => self.reprovision(&mut out, user, node, true),
            Op::SelfService { user, node } => {
                if self.self_service {
                    self.reprovision(&mut out, user, node, false);
                } else {
                    let node = self.node(node);
                    self.user(user);
                    out.step(
                        StepFields::new("self_provision")
                            .user(user.alias())
                            .node(node)
                            .expect("FAIL:SELF_PROVISION_REFUSED"),
                        rule_id!("SP-1"),
                    );
                }
            }
            Op::SetSelfService(on) => {
                let mut policy = toml::Table::new();
                let mut reset = toml::Table::new();
                reset.insert("allow_self_provision".into(), toml::Value::Boolean(on));
                policy.insert("self_reset".into(), toml::Value::Table(reset));
                out.step(
                    StepFields::new("set_policy")
                        .value("policy", toml::Value::Table(policy))
                        .expect("accepted"),
                    rule_id!("SP-1"),
                );
                self.self_service = on;
            }
            Op::SetValidity(v) => {
                let mut policy = toml::Table::new();
                let mut reset = toml::Table::new();
                let secs = i64::try_from(v.secs()).unwrap_or(i64::MAX);
                reset.insert(
                    "provision_code_validity_secs".into(),
                    toml::Value::Integer(secs),
                );
                policy.insert("self_reset".into(), toml::Value::Table(reset));
                let expect = if v.allowed() { "accepted" } else { "refused" };
                out.step(
                    StepFields::new("set_policy")
                        .value("policy", toml::Value::Table(policy))
                        .expect(expect),
                    rule_id!("PC-3"),
                );
                if v.allowed() {
                    self.validity = v.secs();
                    self.note_expiry();
                }
            }
            Op::Advance(step) => {
                let seconds = self.advance_by(step);
                out.step(
                    StepFields::new("advance")
                        .int("seconds", i64::try_from(seconds).unwrap_or(i64::MAX)),
                    rule_id!("PC-4"),
                );
                self.now += seconds;
                self.note_expiry();
            }
            Op::Provision {
                user,
                code,
                node,
                device_os,
            } => self.provision(&mut out, user, code, node, device_os),
            Op::ProvisionUnknown { node } => {
                let node = self.node(node);
                self.uses_unknown = true;
                out.mark_log();
                out.step(
                    StepFields::new("provision")
                        .user(UNKNOWN_ALIAS)
                        .text("code", GARBAGE_CODE)
                        .node(node)
                        .expect("FAIL:LOG_USER_NOT_FOUND"),
                    rule_id!("USR-1"),
                );
                out.expect_log(
                    "Mobile request from unknown user; the user needs to reprovision",
                    rule_id!("LOG-7"),
                );
            }
            Op::RaceProvision { user } => self.race(&mut out, user),
            Op::Strings { user, device, node } => self.strings(&mut out, user, device, node),
            Op::Login { user, otc, node } => self.login(&mut out, user, otc, node),
            Op::SetPolicy(setting) => self.set_policy(&mut out, setting),
            Op::SiteLookup { known } => self.site_lookup(&mut out, known),
            Op::QrCode { user, node } => self.qr_code(&mut out, user, node),
            Op::LoginUnknown { node } => self.login_unknown(&mut out, node),
            Op::ReadSyslog => self.read_syslog(&mut out),
            Op::CheckCodes { user } => self.check_codes(&mut out, user),
            Op::Concurrent { user, left, right } => {
                self.concurrent(&mut out, user, left.ops(), right.ops());
            }
        }
        self.note_last_line(&out.steps);
        out.steps
    }

    /// Remembers the newest log line planned to be there, exactly as written.
    fn note_last_line(&mut self, steps: &[Planned]) {
        let exact = |p: &&Planned| {
            p.fields.action() == "expect_log"
                && p.fields.get("partial").is_none()
                && p.fields.get("absent").is_none()
        };
        if let Some(p) = steps.iter().rev().find(exact)
            && let (Some(text), Some(rule)) =
                (p.fields.get("text").and_then(|t| t.as_str()), p.rule)
        {
            self.last_line = Some(probes::LoggedLine {
                text: text.to_string(),
                rule,
            });
        }
    }

    /// Marks codes that have expired by now (they stay refused even if a longer validity
    /// would make them fresh again: the rules leave that open, so it is accepted either
    /// way).
    fn note_expiry(&mut self) {
        for code in self.codes.values_mut() {
            if self.now >= code.issued_at + self.validity {
                code.expired_once = true;
            }
        }
    }

    /// The seconds a clock step moves: to the expiry edge of the newest live code, or a
    /// day.
    fn advance_by(&self, step: ClockStep) -> u64 {
        let newest = self
            .users
            .values()
            .flat_map(|u| u.issued.last())
            .filter_map(|v| self.codes.get(v))
            .filter(|c| c.killed.is_none())
            .map(|c| c.issued_at)
            .max();
        let edge = match (step, newest) {
            (ClockStep::Large, _) | (_, None) => return 86_400,
            (_, Some(issued)) => issued + self.validity,
        };
        let target = match step {
            ClockStep::EdgeMinus => edge.saturating_sub(1),
            ClockStep::EdgePlus => edge + 1,
            ClockStep::Edge | ClockStep::Large => edge,
        };
        target.saturating_sub(self.now).max(1)
    }

    fn reprovision(&mut self, out: &mut Plan, user: User, node: u8, admin: bool) {
        let node = self.node(node);
        let store = self.store(node);
        let alias = user.alias();
        let var = self.var(&format!("code_{alias}_"));
        out.mark_log();
        if admin {
            out.step(
                StepFields::new("reprovision").user(alias).node(node),
                rule_id!("PC-1"),
            );
        } else {
            out.step(
                StepFields::new("self_provision").user(alias).node(node),
                rule_id!("SP-1"),
            );
        }
        self.read_delivered(out, user, &var);
        if admin {
            out.step(
                StepFields::new("contains")
                    .text("text", "${last_reprovision_reply}")
                    .text("needle", &format!("${{{var}}}"))
                    .boolean("present", false)
                    .text("what", "the code in the administrator's HTTP reply"),
                rule_id!("PC-2"),
            );
        }
        out.expect_log(
            &format!("Provision code created for user \"${{{alias}}}\""),
            rule_id!("LOG-1"),
        );
        if admin {
            out.expect_log(
                &format!("User \"${{{alias}}}\" can now reprovision their mobile device."),
                rule_id!("LOG-2"),
            );
        }
        let dest = self.destination(alias);
        out.expect_log(
            &format!("Message added to message queue for user: ${{{alias}}}, destination: {dest}."),
            rule_id!("LOG-3"),
        );
        out.expect_log(
            &format!("Message sent to user: ${{{alias}}}, destination: {dest}."),
            rule_id!("LOG-4"),
        );
        let now = self.now;
        let state = self.user(user);
        let older = state.pending.insert(store, var.clone());
        state.issued.push(var.clone());
        if let Some(older) = older
            && let Some(code) = self.codes.get_mut(&older)
        {
            code.killed.get_or_insert(rule_id!("PC-7"));
        }
        self.codes.insert(
            var,
            Code {
                store,
                node,
                issued_at: now,
                expired_once: false,
                killed: None,
            },
        );
    }
}

/// The steps of one operation as they are planned.
struct Plan {
    op: usize,
    steps: Vec<Planned>,
}

impl Plan {
    fn new(op: usize) -> Self {
        Self {
            op,
            steps: Vec::new(),
        }
    }

    fn step(&mut self, fields: StepFields, rule: RuleId) {
        self.steps.push(Planned {
            fields,
            rule: Some(rule),
            op: self.op,
        });
    }

    fn mark_log(&mut self) {
        self.steps.push(Planned {
            fields: StepFields::new("mark_log"),
            rule: None,
            op: self.op,
        });
    }

    fn expect_log(&mut self, text: &str, rule: RuleId) {
        self.step(StepFields::new("expect_log").text("text", text), rule);
    }
}
