//! Concurrent segments, checked for linearizability: two branches of one user's mobile
//! requests (provisions, downloads, logins) sent at once. Each request's code, device or
//! OTC is resolved against the state before the segment, so the requests are concrete;
//! every interleaving that keeps each branch's order (at most C(8,4) = 70) is run through
//! a clone of the model, and the step allows exactly the outcome vectors they give.
//!
//! What comes after: the model plans the whole case before it runs, so it cannot know
//! which interleaving the server chose. When every interleaving leaves the user in the
//! same state (pending codes, live codes, devices, string sets and used indexes), the
//! model continues from it; otherwise the user's state is unknown and no later operation
//! of that user is planned (other users go on: a segment touches its user alone). A
//! segment in which some request's outcome is itself open (a code that expired and came
//! back with a longer validity) is left out. Either way no later step can expect what a
//! correct server may not do.

use std::collections::{BTreeMap, BTreeSet};

use super::{BAD_OTC, Model, PROVISION_FAILURE, Plan, StringSet, Verdict};
use crate::explore::ops::{BranchOp, DeviceRef, Op, OtcRef, User};
use crate::explore::plan::StepFields;
use crate::rules::{RuleId, rule_id};

/// A concrete request of a segment.
#[derive(Debug, Clone)]
enum Req {
    Provision {
        text: String,
        var: Option<String>,
        node: u16,
        save: Option<String>,
    },
    Strings {
        device: String,
        node: u16,
        save: String,
    },
    Login {
        set: String,
        index: u8,
        node: u16,
    },
}

impl Req {
    /// The request as the `concurrently` step writes it.
    fn table(&self) -> toml::Value {
        let mut t = toml::Table::new();
        let mut put = |k: &str, v: toml::Value| {
            t.insert(k.into(), v);
        };
        let node = match self {
            Req::Provision {
                text, node, save, ..
            } => {
                put("provision", toml::Value::String(text.clone()));
                if let Some(save) = save {
                    put("save", toml::Value::String(save.clone()));
                }
                node
            }
            Req::Strings { device, node, save } => {
                put("strings", toml::Value::String(format!("${{{device}}}")));
                put("save", toml::Value::String(save.clone()));
                node
            }
            Req::Login { set, index, node } => {
                put("login", toml::Value::String(set.clone()));
                put("index", toml::Value::Integer(i64::from(*index)));
                node
            }
        };
        put("node", toml::Value::Integer(i64::from(*node)));
        toml::Value::Table(t)
    }
}

/// The user whose state an operation reads or changes, for operations of one user.
pub(super) fn actor(op: &Op) -> Option<User> {
    match *op {
        Op::Reprovision { user, .. }
        | Op::SelfService { user, .. }
        | Op::Provision { user, .. }
        | Op::RaceProvision { user }
        | Op::Strings { user, .. }
        | Op::Login { user, .. }
        | Op::QrCode { user, .. }
        | Op::CheckCodes { user }
        | Op::Concurrent { user, .. } => Some(user),
        _ => None,
    }
}

/// Every order of `a` left and `b` right requests that keeps each side's order, as the
/// side (`false` left, `true` right) of each turn; left-first orders come first.
pub(super) fn interleavings(a: usize, b: usize) -> Vec<Vec<bool>> {
    if a == 0 || b == 0 {
        return vec![std::iter::repeat_n(b > 0, a + b).collect()];
    }
    let mut out = Vec::new();
    for (first, rest) in [
        (false, interleavings(a - 1, b)),
        (true, interleavings(a, b - 1)),
    ] {
        for mut tail in rest {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

impl Model {
    /// Resolves a branch against the state before the segment; requests that name
    /// nothing (no code yet, no previous device) are dropped. Provisions with one code on
    /// one node save to one variable, so that whichever of them succeeds binds the same
    /// device variable.
    fn resolve(
        &mut self,
        user: User,
        ops: &[BranchOp],
        saves: &mut BTreeMap<(String, u16), String>,
    ) -> Vec<Req> {
        let alias = user.alias();
        let mut out = Vec::new();
        for op in ops {
            let state = self.users.get(&user).cloned().unwrap_or_default();
            let req = match *op {
                BranchOp::Provision { code, node } => {
                    let node = self.node(node);
                    let Some((text, var)) = self.code_text(user, code) else {
                        continue;
                    };
                    let save = var.as_ref().map(|v| {
                        let key = (v.clone(), node);
                        if let Some(s) = saves.get(&key) {
                            return s.clone();
                        }
                        let s = self.var(&format!("device_{alias}_"));
                        saves.insert(key, s.clone());
                        s
                    });
                    Req::Provision {
                        text,
                        var,
                        node,
                        save,
                    }
                }
                BranchOp::Strings { device, node } => {
                    let n = state.devices.len();
                    let pick = match device {
                        DeviceRef::Current => n.checked_sub(1),
                        DeviceRef::Previous | DeviceRef::Invented => n.checked_sub(2),
                    };
                    let Some(Some((device, _))) = pick.and_then(|i| state.devices.get(i)) else {
                        continue;
                    };
                    Req::Strings {
                        device: device.clone(),
                        node: self.node(node),
                        save: self.var(&format!("strings_{alias}_")),
                    }
                }
                BranchOp::Login { otc, node } => {
                    let n = state.sets.len();
                    let pick = match otc {
                        OtcRef::Fresh | OtcRef::Reused => n.checked_sub(1),
                        OtcRef::Old => n.checked_sub(2),
                    };
                    let Some(set) = pick.and_then(|i| state.sets.get(i)) else {
                        continue;
                    };
                    let index = match otc {
                        OtcRef::Reused => set.used.iter().next_back().copied(),
                        OtcRef::Fresh | OtcRef::Old => (1u8..=99).find(|i| !set.used.contains(i)),
                    };
                    let Some(index) = index else {
                        continue;
                    };
                    Req::Login {
                        set: set.var.clone(),
                        index,
                        node: self.node(node),
                    }
                }
            };
            out.push(req);
        }
        out
    }

    /// Performs one request on this model: its outcome key and the rule that makes it
    /// so; `None` when the rules allow either outcome.
    fn perform(&mut self, user: User, req: &Req) -> Option<(String, RuleId)> {
        match req {
            Req::Provision {
                var, node, save, ..
            } => {
                let store = self.store(*node);
                let verdict = match var {
                    Some(v) => self.judge_code(user, v, *node),
                    None => Verdict::Refused(rule_id!("PC-1")),
                };
                self.invalidate_strings(user);
                match (verdict, var) {
                    (Verdict::Pass(rule), Some(v)) => {
                        let device = save.clone().map(|s| (s, *node));
                        self.consume(user, v, device);
                        Some(("PASS".into(), rule))
                    }
                    (Verdict::Refused(rule), var) => {
                        let own = var.as_ref().filter(|v| {
                            self.users.get(&user).is_some_and(|u| u.issued.contains(v))
                        });
                        if let Some(code) = own.and_then(|v| self.codes.get_mut(v))
                            && code.store == store
                        {
                            code.killed.get_or_insert(rule);
                        }
                        self.discard(user, store);
                        Some((PROVISION_FAILURE.into(), rule))
                    }
                    _ => None,
                }
            }
            Req::Strings { device, node, save } => {
                let state = self.user(user);
                let current = state
                    .devices
                    .last()
                    .and_then(|d| d.as_ref())
                    .filter(|(d, _)| d == device)
                    .map(|(_, bound)| *bound);
                let Some(bound) = current else {
                    return Some(("FAIL:DEVICE_NOT_PROVISIONED".into(), rule_id!("DEV-1")));
                };
                if let Some(last) = state.sets.last_mut() {
                    last.dead.get_or_insert(rule_id!("SS-4"));
                }
                state.sets.push(StringSet {
                    var: save.clone(),
                    used: BTreeSet::new(),
                    dead: None,
                });
                let rule = if bound == *node {
                    rule_id!("SS-2")
                } else {
                    rule_id!("CL-3")
                };
                Some(("PASS".into(), rule))
            }
            Req::Login { set, index, .. } => {
                let state = self.user(user);
                let set = state.sets.iter_mut().find(|s| &s.var == set)?;
                if set.used.contains(index) {
                    return Some((BAD_OTC.into(), set.dead.unwrap_or(rule_id!("OTC-1"))));
                }
                if let Some(dead) = set.dead {
                    return Some((BAD_OTC.into(), dead));
                }
                set.used.insert(*index);
                Some(("PASS".into(), rule_id!("OTC-1")))
            }
        }
    }

    /// What later steps of `user` rely on, in a form two models can be compared by.
    fn digest(&self, user: User) -> String {
        let Some(state) = self.users.get(&user) else {
            return String::new();
        };
        let codes: Vec<_> = state
            .issued
            .iter()
            .map(|v| {
                self.codes
                    .get(v)
                    .map(|c| (c.killed.is_some(), c.expired_once))
            })
            .collect();
        let sets: Vec<_> = state
            .sets
            .iter()
            .map(|s| (&s.var, &s.used, s.dead.is_some()))
            .collect();
        format!(
            "{:?} {:?} {:?} {codes:?} {sets:?}",
            state.pending, state.devices, state.url
        )
    }

    pub(super) fn concurrent(
        &mut self,
        out: &mut Plan,
        user: User,
        left: &[BranchOp],
        right: &[BranchOp],
    ) {
        if user == User::W {
            return;
        }
        let mut saves = BTreeMap::new();
        let left = self.resolve(user, left, &mut saves);
        let right = self.resolve(user, right, &mut saves);
        if left.is_empty() || right.is_empty() {
            return;
        }
        let n = left.len() + right.len();
        let mut runs: Vec<(Vec<(String, RuleId)>, Model)> = Vec::new();
        for order in interleavings(left.len(), right.len()) {
            let mut model = self.clone();
            let mut outcomes: Vec<Option<(String, RuleId)>> = vec![None; n];
            let (mut l, mut r) = (0, 0);
            for right_turn in order {
                let (pos, req) = if right_turn {
                    r += 1;
                    (left.len() + r - 1, right.get(r - 1))
                } else {
                    l += 1;
                    (l - 1, left.get(l - 1))
                };
                let Some(req) = req else {
                    return;
                };
                let Some(outcome) = model.perform(user, req) else {
                    return;
                };
                if let Some(slot) = outcomes.get_mut(pos) {
                    *slot = Some(outcome);
                }
            }
            let Some(outcomes) = outcomes.into_iter().collect::<Option<Vec<_>>>() else {
                return;
            };
            runs.push((outcomes, model));
        }
        let Some((first_outcomes, first_model)) = runs.first() else {
            return;
        };
        let allowed: BTreeSet<Vec<String>> = runs
            .iter()
            .map(|(o, _)| o.iter().map(|(k, _)| k.clone()).collect())
            .collect();
        let rule = segment_rule(&left, &right, &runs).unwrap_or(
            first_outcomes
                .first()
                .map_or(rule_id!("PC-9"), |(_, rule)| *rule),
        );
        let branch = |reqs: &[Req]| toml::Value::Array(reqs.iter().map(Req::table).collect());
        let allowed_value = toml::Value::Array(
            allowed
                .iter()
                .map(|v| toml::Value::Array(v.iter().cloned().map(toml::Value::String).collect()))
                .collect(),
        );
        out.step(
            StepFields::new("concurrently")
                .user(user.alias())
                .value("left", branch(&left))
                .value("right", branch(&right))
                .value("allowed", allowed_value),
            rule,
        );
        let same = runs
            .iter()
            .all(|(_, m)| m.digest(user) == first_model.digest(user));
        if same {
            let next = first_model.clone();
            *self = next;
        } else {
            self.unknown.insert(user);
        }
    }
}

/// The rule a segment checks: PC-9 when two provisions present one code; otherwise the
/// rule behind the first refusal of the first interleaving that has one (a refusal is
/// what some order makes necessary).
fn segment_rule(
    left: &[Req],
    right: &[Req],
    runs: &[(Vec<(String, RuleId)>, Model)],
) -> Option<RuleId> {
    let codes: Vec<&String> = left
        .iter()
        .chain(right)
        .filter_map(|r| match r {
            Req::Provision { var: Some(v), .. } => Some(v),
            _ => None,
        })
        .collect();
    let distinct: BTreeSet<&&String> = codes.iter().collect();
    if distinct.len() < codes.len() {
        return Some(rule_id!("PC-9"));
    }
    runs.iter()
        .flat_map(|(o, _)| o.iter())
        .find(|(key, _)| key != "PASS")
        .map(|(_, rule)| *rule)
}
