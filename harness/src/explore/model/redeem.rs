//! The model's provisioning attempts: which code a symbol names, what presenting it at a
//! node meets (PC-1, PC-4, PC-5, PC-6, PC-7, CL-1, CL-2), what a success binds (DEV-1)
//! and what any attempt ends (SS-1), for a single provision or a two-node race (PC-9).

use super::{GARBAGE_CODE, Model, PROVISION_FAILURE, Plan, Verdict, log_failed, policy};
use crate::explore::ops::{CodeRef, User};
use crate::explore::plan::StepFields;
use crate::rules::rule_id;

impl Model {
    /// What presenting code variable `var` of `user` at `node` meets.
    pub(super) fn judge_code(&self, user: User, var: &str, node: u16) -> Verdict {
        let store = self.store(node);
        let own = self
            .users
            .get(&user)
            .is_some_and(|u| u.issued.iter().any(|v| v == var));
        let Some(code) = self.codes.get(var).filter(|_| own) else {
            return Verdict::Refused(rule_id!("PC-1"));
        };
        if let Some(rule) = code.killed {
            return Verdict::Refused(rule);
        }
        if code.store != store {
            return Verdict::Refused(rule_id!("CL-1"));
        }
        if self.now >= code.issued_at + self.validity {
            return Verdict::Refused(rule_id!("PC-4"));
        }
        if code.expired_once {
            return Verdict::Either;
        }
        if code.node == node {
            Verdict::Pass(rule_id!("PC-1"))
        } else {
            Verdict::Pass(rule_id!("CL-2"))
        }
    }

    pub(super) fn code_text(&self, user: User, code: CodeRef) -> Option<(String, Option<String>)> {
        let issued = |u: User| {
            self.users
                .get(&u)
                .map(|s| s.issued.clone())
                .unwrap_or_default()
        };
        let var = match code {
            CodeRef::Garbage => return Some((GARBAGE_CODE.to_string(), None)),
            CodeRef::Latest => issued(user).last().cloned()?,
            CodeRef::Stale => {
                let all = issued(user);
                all.len().checked_sub(2).and_then(|i| all.get(i).cloned())?
            }
            CodeRef::OtherUsers => issued(user.other()).last().cloned()?,
        };
        Some((format!("${{{var}}}"), Some(var)))
    }

    /// SS-1: any provision request that reaches the server ends the user's strings.
    pub(super) fn invalidate_strings(&mut self, user: User) {
        for set in &mut self.user(user).sets {
            set.dead.get_or_insert(rule_id!("SS-1"));
        }
    }

    /// PC-6: a failed attempt consumes the user's pending code at that store.
    pub(super) fn discard(&mut self, user: User, store: usize) {
        if let Some(var) = self.user(user).pending.remove(&store)
            && let Some(code) = self.codes.get_mut(&var)
        {
            code.killed.get_or_insert(rule_id!("PC-6"));
        }
    }

    /// A successful provision: the code consumed (PC-5), a new device (DEV-1).
    pub(super) fn consume(&mut self, user: User, var: &str, device: Option<(String, u16)>) {
        if let Some(code) = self.codes.get_mut(var) {
            code.killed.get_or_insert(rule_id!("PC-5"));
            let store = code.store;
            let state = self.user(user);
            if state.pending.get(&store).is_some_and(|v| v == var) {
                state.pending.remove(&store);
            }
        }
        self.user(user).devices.push(device);
    }

    pub(super) fn provision(
        &mut self,
        out: &mut Plan,
        user: User,
        code: CodeRef,
        node: u8,
        device_os: bool,
    ) {
        let Some((text, var)) = self.code_text(user, code) else {
            return;
        };
        let node = self.node(node);
        let store = self.store(node);
        let alias = user.alias();
        let verdict = match &var {
            Some(var) => self.judge_code(user, var, node),
            None => Verdict::Refused(rule_id!("PC-1")),
        };
        out.mark_log();
        let mut step = StepFields::new("provision")
            .user(alias)
            .text("code", &text)
            .node(node);
        if device_os {
            step = step.text("device_os", policy::DEVICE_OS);
        }
        self.invalidate_strings(user);
        match (verdict, var) {
            (Verdict::Pass(rule), Some(var)) => {
                let device = self.var(&format!("device_{alias}_"));
                let reply = self.var(&format!("provision_{alias}_"));
                out.step(
                    step.text("save_device", &device).text("save_reply", &reply),
                    rule,
                );
                self.check_reply_policies(out, &reply);
                self.expect_provisioned(out, alias, device_os);
                self.consume(user, &var, Some((device, node)));
            }
            (Verdict::Either, Some(var)) => {
                out.step(
                    step.expect_any(&["PASS", PROVISION_FAILURE]),
                    rule_id!("PC-4"),
                );
                // Either outcome logs its line, LOG-5 or LOG-6: both begin so.
                out.step(
                    StepFields::new("expect_log")
                        .text("text", &format!("User \"${{{alias}}}\" provision"))
                        .boolean("partial", true),
                    rule_id!("LOG-5"),
                );
                self.consume(user, &var, None);
                self.discard(user, store);
            }
            (Verdict::Refused(rule), var) => {
                out.step(step.expect(PROVISION_FAILURE), rule);
                out.expect_log(&log_failed(alias), rule_id!("LOG-6"));
                let own =
                    var.filter(|v| self.users.get(&user).is_some_and(|u| u.issued.contains(v)));
                if let Some(code) = own.and_then(|v| self.codes.get_mut(&v))
                    && code.store == store
                {
                    code.killed.get_or_insert(rule);
                }
                self.discard(user, store);
            }
            (_, None) => {}
        }
    }

    pub(super) fn race(&mut self, out: &mut Plan, user: User) {
        let Some((text, Some(var))) = self.code_text(user, CodeRef::Latest) else {
            return;
        };
        let Some(code) = self.codes.get(&var).cloned() else {
            return;
        };
        let nodes: Vec<u16> = if self.sharing {
            (1..=self.nodes.min(2)).collect()
        } else {
            vec![code.node]
        };
        let passes = match self.judge_code(user, &var, code.node) {
            Verdict::Pass(_) => 1,
            Verdict::Refused(_) => 0,
            Verdict::Either => return,
        };
        let list = toml::Value::Array(
            nodes
                .iter()
                .map(|n| toml::Value::Integer(i64::from(*n)))
                .collect(),
        );
        out.mark_log();
        out.step(
            StepFields::new("concurrent_provision")
                .user(user.alias())
                .text("code", &text)
                .int("count", 10)
                .value("nodes", list)
                .int("passes", passes),
            rule_id!("PC-9"),
        );
        // Each of the ten requests logs its outcome: LOG-5 for the one that won (no
        // device information: the racing requests send none), LOG-6 for the others.
        let alias = user.alias();
        if passes == 1 {
            self.expect_provisioned(out, alias, false);
        }
        out.step(
            StepFields::new("expect_log")
                .text("text", &log_failed(alias))
                .int("count", 10 - passes),
            rule_id!("LOG-6"),
        );
        self.invalidate_strings(user);
        let store = code.store;
        if passes == 1 {
            self.consume(user, &var, None);
        } else {
            self.discard(user, store);
        }
    }
}
