//! The model's probes, each a look at one thing: the Site ID lookup of the server's own
//! Site ID at the profile's path (WIRE-5) or of an unknown one (SSD-1); the QR image of a
//! URL (QR-1); an agent login for an unknown user (USR-2, LOG-8); the syslog line of the
//! newest log line the model expected (SYS-1); and a dozen codes judged together by
//! `check_codes` (PC-8), which issues them on node 1 and so replaces the user's pending
//! code there (PC-7).

use super::{GARBAGE_CODE, Model, Plan, UNKNOWN_ALIAS};
use crate::explore::ops::User;
use crate::explore::plan::StepFields;
use crate::rules::{RuleId, rule_id};

/// A Site ID no server holds.
const UNKNOWN_SITE: &str = "NO-SUCH-SITE-0000";

/// A log line the model expected, for reading it again from syslog.
#[derive(Debug, Clone)]
pub(super) struct LoggedLine {
    /// The exact text, `${…}` unexpanded.
    pub(super) text: String,
    /// The rule that wrote it.
    pub(super) rule: RuleId,
}

impl Model {
    pub(super) fn site_lookup(&mut self, out: &mut Plan, known: bool) {
        if known {
            out.step(
                StepFields::new("ssd")
                    .text("site_id", "${site_id}")
                    .int("port_of_node", 1),
                rule_id!("WIRE-5"),
            );
        } else {
            // As the written suite judges it: the app's message needs the error; any
            // other refusal is NON-STRICT.
            out.step(
                StepFields::new("ssd")
                    .text("site_id", UNKNOWN_SITE)
                    .expect("FAIL:UNKNOWN_SERVER_ID")
                    .non_strict(&["FAIL:*", "HTTP:404"]),
                rule_id!("SSD-1"),
            );
        }
    }

    pub(super) fn qr_code(&mut self, out: &mut Plan, user: User, node: u8) {
        let node = self.node(node);
        let alias = user.alias();
        let text = match self.user(user).url.clone() {
            Some(url) => format!("${{{url}}}"),
            None => format!(
                "http://smc.swivelsecure.com/smc/complete/${{site_id}}/${{{alias}}}/{GARBAGE_CODE}"
            ),
        };
        out.step(
            StepFields::new("qr_code").text("text", &text).node(node),
            rule_id!("QR-1"),
        );
    }

    pub(super) fn login_unknown(&mut self, out: &mut Plan, node: u8) {
        let node = self.node(node);
        self.uses_unknown = true;
        out.mark_log();
        let body = format!(
            "<SASRequest><Version>3.6</Version><Secret>${{agent_secret}}</Secret><Action>login</Action><Username>${{{UNKNOWN_ALIAS}}}</Username><Password/><OTC>123401</OTC></SASRequest>"
        );
        out.step(
            StepFields::new("raw")
                .text("body", &body)
                .node(node)
                .expect("FAIL:LOG_USER_NOT_FOUND")
                .non_strict(&["FAIL:*"]),
            rule_id!("USR-2"),
        );
        out.expect_log(
            &format!(
                "AgentXML request failed, error: No suitable authentication method for the user \"${{{UNKNOWN_ALIAS}}}\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred."
            ),
            rule_id!("LOG-8"),
        );
    }

    pub(super) fn read_syslog(&mut self, out: &mut Plan) {
        let Some(line) = self.last_line.clone() else {
            return;
        };
        let mut step = StepFields::new("expect_syslog").text("text", &line.text);
        // Where the written suite pins them: a request's entry names its client, the
        // message queue's does not.
        if line.rule == rule_id!("LOG-5") {
            step = step.text("level", "INFO").boolean("client", true);
        } else if line.rule == rule_id!("LOG-4") {
            step = step.boolean("client", false);
        }
        out.step(step, rule_id!("SYS-1"));
    }

    pub(super) fn check_codes(&mut self, out: &mut Plan, user: User) {
        const SAMPLES: i64 = 12;
        let alias = user.alias();
        out.mark_log();
        out.step(
            StepFields::new("check_codes")
                .user(alias)
                .int("samples", SAMPLES)
                .int("length", 10)
                .boolean("numeric", self.policy.numeric_codes()),
            rule_id!("PC-8"),
        );
        // Each code is an administrator's Reprovision: its four lines, twelve times.
        let dest = self.destination(alias);
        for (text, rule) in [
            (
                format!("Provision code created for user \"${{{alias}}}\""),
                rule_id!("LOG-1"),
            ),
            (
                format!("User \"${{{alias}}}\" can now reprovision their mobile device."),
                rule_id!("LOG-2"),
            ),
            (
                format!(
                    "Message added to message queue for user: ${{{alias}}}, destination: {dest}."
                ),
                rule_id!("LOG-3"),
            ),
            (
                format!("Message sent to user: ${{{alias}}}, destination: {dest}."),
                rule_id!("LOG-4"),
            ),
        ] {
            out.step(
                StepFields::new("expect_log")
                    .text("text", &text)
                    .int("count", SAMPLES),
                rule,
            );
        }
        // Twelve codes issued on node 1, none saved: the pending code there is replaced.
        let store = self.store(1);
        if let Some(var) = self.user(user).pending.remove(&store)
            && let Some(code) = self.codes.get_mut(&var)
        {
            code.killed.get_or_insert(rule_id!("PC-7"));
        }
    }
}
