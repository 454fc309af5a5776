//! The model's string operations: downloads with the current, the previous or an
//! invented device (SS-2, SS-3, SS-5, DEV-1, CL-3, LOG-7, LOG-9), each replacing the
//! earlier set (SS-4), and logins with a fresh, reused or old OTC (OTC-1, SS-1, SS-4).
//!
//! A download is checked as the app uses it before its layout is judged: the app takes
//! position 1 for index 01 and logs in with it (WIRE-4), so a reply whose positions are
//! shifted fails there, under WIRE-4, while a reply that is merely short passes it and
//! fails the layout check (SS-3). Then the characters (SS-6) and the reply's policies
//! (POL-1, WIRE-6).

use std::collections::BTreeSet;

use super::{BAD_OTC, Model, Plan, StringSet};
use crate::explore::ops::{DeviceRef, OtcRef, User};
use crate::explore::plan::StepFields;
use crate::rules::rule_id;

impl Model {
    pub(super) fn strings(&mut self, out: &mut Plan, user: User, device: DeviceRef, node: u8) {
        let node = self.node(node);
        let alias = user.alias();
        let devices = self
            .users
            .get(&user)
            .map(|u| u.devices.clone())
            .unwrap_or_default();
        match device {
            DeviceRef::Current => {
                let Some(Some((device, bound_on))) = devices.last().cloned() else {
                    return;
                };
                let step = StepFields::new("strings")
                    .user(alias)
                    .text("device", &format!("${{{device}}}"))
                    .node(node);
                if user == User::W {
                    out.step(step.expect("FAIL:NO_MOBILE_RIGHT"), rule_id!("SS-5"));
                    return;
                }
                let set = self.var(&format!("strings_{alias}_"));
                let rule = if bound_on == node {
                    rule_id!("SS-2")
                } else {
                    rule_id!("CL-3")
                };
                let reply = self.var(&format!("download_{alias}_"));
                out.mark_log();
                out.step(step.save(&set).text("save_reply", &reply), rule);
                out.step(
                    StepFields::new("login")
                        .user(alias)
                        .text("strings", &set)
                        .int("index", 1)
                        .node(node),
                    rule_id!("WIRE-4"),
                );
                out.step(
                    StepFields::new("check_strings").text("strings", &set),
                    rule_id!("SS-3"),
                );
                out.step(
                    StepFields::new("check_strings")
                        .text("strings", &set)
                        .text("charset", self.policy.string_type.name()),
                    rule_id!("SS-6"),
                );
                self.check_reply_policies(out, &reply);
                out.expect_log(
                    &format!("Security strings fetched for user ${{{alias}}}"),
                    rule_id!("LOG-9"),
                );
                let state = self.user(user);
                if let Some(last) = state.sets.last_mut() {
                    last.dead.get_or_insert(rule_id!("SS-4"));
                }
                state.sets.push(StringSet {
                    var: set,
                    used: BTreeSet::from([1]),
                    dead: None,
                });
            }
            DeviceRef::Previous => {
                let Some(Some((device, _))) = devices
                    .len()
                    .checked_sub(2)
                    .and_then(|i| devices.get(i).cloned())
                else {
                    return;
                };
                self.user(user);
                out.mark_log();
                out.step(
                    StepFields::new("strings")
                        .user(alias)
                        .text("device", &format!("${{{device}}}"))
                        .node(node)
                        .expect("FAIL:DEVICE_NOT_PROVISIONED"),
                    rule_id!("DEV-1"),
                );
                out.expect_log(
                    "Mobile request from unknown user; the user needs to reprovision",
                    rule_id!("LOG-7"),
                );
            }
            DeviceRef::Invented => {
                self.user(user);
                out.step(
                    StepFields::new("strings")
                        .user(alias)
                        .text("device", "0000-not-a-device")
                        .boolean("send_username", true)
                        .node(node)
                        .expect("FAIL:DEVICE_NOT_PROVISIONED"),
                    rule_id!("SS-2"),
                );
                out.expect_log(
                    "Mobile request from unknown user; the user needs to reprovision",
                    rule_id!("LOG-7"),
                );
            }
        }
    }

    pub(super) fn login(&mut self, out: &mut Plan, user: User, otc: OtcRef, node: u8) {
        let node = self.node(node);
        let alias = user.alias();
        let Some(state) = self.users.get_mut(&user) else {
            return;
        };
        let n = state.sets.len();
        let pick = match otc {
            OtcRef::Fresh | OtcRef::Reused => n.checked_sub(1),
            OtcRef::Old => n.checked_sub(2),
        };
        let Some(set) = pick.and_then(|i| state.sets.get_mut(i)) else {
            return;
        };
        let unused = (1u8..=99).find(|i| !set.used.contains(i));
        let (index, expected) = match (otc, set.dead) {
            (OtcRef::Reused, dead) => {
                let Some(&i) = set.used.iter().next_back() else {
                    return;
                };
                (i, Err(dead.unwrap_or(rule_id!("OTC-1"))))
            }
            (_, Some(dead)) => match unused {
                Some(i) => (i, Err(dead)),
                None => return,
            },
            (_, None) => match unused {
                Some(i) => (i, Ok(())),
                None => return,
            },
        };
        let step = StepFields::new("login")
            .user(alias)
            .text("strings", &set.var)
            .int("index", i64::from(index))
            .node(node);
        match expected {
            Ok(()) => {
                set.used.insert(index);
                out.step(step, rule_id!("OTC-1"));
            }
            Err(rule) => out.step(step.expect(BAD_OTC), rule),
        }
    }
}
