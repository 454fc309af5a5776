//! What a case needs of its target: capabilities (a control API, a clock the harness can
//! move, …), at least N nodes, and session sharing on or off. A case's needs are derived
//! from its users and steps (each action declares what it needs beside its run) plus its
//! `requires = [...]`; the target declares what it offers (`sut::Offer`) and a case that
//! needs what the target lacks is SKIPPED, naming it.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

use super::{Case, Sharing};
use crate::runner::steps::Action;

/// A capability a target may offer and a case may need (`requires = [...]` spells them
/// in kebab-case). The fine-grained ones (users, codes, messages, log, policies, time)
/// are what steps declare: a reference server's control API offers them all, a real
/// Swivel server offers each through its own outside interface (protocol.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// The harness's control API itself (a case that needs exactly it says so in
    /// `requires`). (`control` is an older spelling.)
    #[serde(alias = "control")]
    ControlApi,
    /// Create users for a case (control API, Admin XML or a prepared pool).
    Users,
    /// Delete a user (control API or Admin XML).
    DeleteUsers,
    /// Issue a provision code for a user (an administrator's Reprovision, or self-service
    /// where the policy allows it).
    IssueCodes,
    /// The administrator's Reprovision itself, which logs LOG-2.
    AdminReprovision,
    /// Read the messages the server sent a user (the outbox or a mail sink).
    Messages,
    /// Users whose alert transport is SMS (only an outbox shows SMS).
    SmsMessages,
    /// Which transport a message took, alert or security string (an outbox records
    /// it; by e-mail both transports reach the same address and look alike).
    MessageTransport,
    /// Read the server's log (the control API or a syslog sink).
    Log,
    /// The policies a case sets are the target's: set through the control API, or
    /// already so on a real server (its target file says so).
    Policies,
    /// Set any policy value and read it back (a refused change is observable).
    PolicyControl,
    /// Let time pass: a clock the harness moves, or real waiting within `--max-wait`.
    Wait,
    /// A clock the harness can move forward. (`clock` is an older spelling.)
    #[serde(alias = "clock")]
    ClockControl,
    /// A real server's Admin XML API (protocol.md §12).
    AdminApi,
    /// An SMTP sink that catches the messages (codes, URLs) the server sends.
    MailSink,
    /// A syslog sink that reads the server's log.
    SyslogSink,
}

impl Capability {
    /// Every capability, in the order reports list them.
    pub const ALL: [Capability; 16] = [
        Capability::ControlApi,
        Capability::Users,
        Capability::DeleteUsers,
        Capability::IssueCodes,
        Capability::AdminReprovision,
        Capability::Messages,
        Capability::SmsMessages,
        Capability::MessageTransport,
        Capability::Log,
        Capability::Policies,
        Capability::PolicyControl,
        Capability::Wait,
        Capability::ClockControl,
        Capability::AdminApi,
        Capability::MailSink,
        Capability::SyslogSink,
    ];

    /// What a reference server's control API offers (embedded or external).
    pub const CONTROL: [Capability; 13] = [
        Capability::ControlApi,
        Capability::Users,
        Capability::DeleteUsers,
        Capability::IssueCodes,
        Capability::AdminReprovision,
        Capability::Messages,
        Capability::SmsMessages,
        Capability::MessageTransport,
        Capability::Log,
        Capability::Policies,
        Capability::PolicyControl,
        Capability::Wait,
        Capability::ClockControl,
    ];

    /// The name as `requires` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Capability::ControlApi => "control-api",
            Capability::Users => "users",
            Capability::DeleteUsers => "delete-users",
            Capability::IssueCodes => "issue-codes",
            Capability::AdminReprovision => "admin-reprovision",
            Capability::Messages => "messages",
            Capability::SmsMessages => "sms-messages",
            Capability::MessageTransport => "message-transport",
            Capability::Log => "log",
            Capability::Policies => "policies",
            Capability::PolicyControl => "policy-control",
            Capability::Wait => "wait",
            Capability::ClockControl => "clock-control",
            Capability::AdminApi => "admin-api",
            Capability::MailSink => "mail-sink",
            Capability::SyslogSink => "syslog-sink",
        }
    }

    /// What it is, in a few words, for SKIPPED reasons.
    pub fn what(self) -> &'static str {
        match self {
            Capability::ControlApi => "the control API",
            Capability::Users => "users created for the case",
            Capability::DeleteUsers => "deleting a user",
            Capability::IssueCodes => "issuing a provision code for a user",
            Capability::AdminReprovision => "the administrator's Reprovision, which logs LOG-2",
            Capability::Messages => "reading the messages sent to a user",
            Capability::SmsMessages => "reading SMS messages",
            Capability::MessageTransport => {
                "telling which transport a message took (by e-mail the alert and the security-string transport look alike)"
            }
            Capability::Log => "reading the server's log",
            Capability::Policies => "the policies the case sets",
            Capability::PolicyControl => "setting any policy and seeing it refused or kept",
            Capability::Wait => "letting time pass",
            Capability::ClockControl => "a clock the harness can move",
            Capability::AdminApi => "the Admin XML API",
            Capability::MailSink => "an SMTP sink that catches sent messages",
            Capability::SyslogSink => "a syslog sink that reads the log",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything a case needs of its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// Capabilities.
    pub capabilities: BTreeSet<Capability>,
    /// Nodes, at least.
    pub nodes: u16,
    /// Session sharing; `Any` for a one-node case, where sharing cannot show.
    pub session_sharing: Sharing,
}

impl Case {
    /// What the case needs: `requires`, users to create (and SMS to read), what each
    /// step's action declares, and its `server`.
    pub fn needs(&self) -> Needs {
        let mut capabilities: BTreeSet<Capability> = self.requires.iter().copied().collect();
        if self.users.iter().any(|u| u.create) {
            capabilities.insert(Capability::Users);
        }
        if self.policies.is_some() {
            capabilities.insert(Capability::Policies);
        }
        for step in &self.steps {
            capabilities.extend(step.action.needs(step));
        }
        // An SMS alert transport: the case's codes reach only an outbox. An SMS string
        // transport matters where a step names the transport a message took: only an
        // outbox shows a message that went (rightly or wrongly) by SMS.
        let names_transport = self
            .steps
            .iter()
            .any(|step| matches!(&step.action, Action::ExpectOutbox(o) if o.transport.is_some()));
        let sms = |u: &super::UserDecl| {
            u.create && (u.alert == "sms" || (names_transport && u.strings == "sms"))
        };
        if self.users.iter().any(sms) && capabilities.contains(&Capability::Messages) {
            capabilities.insert(Capability::SmsMessages);
        }
        let nodes = self.server.nodes.max(1);
        Needs {
            capabilities,
            nodes,
            session_sharing: if nodes > 1 {
                self.server.session_sharing
            } else {
                Sharing::Any
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::read::parse_suite;

    fn case(steps: &str, extra: &str) -> Case {
        let text = format!(
            "suite = \"s\"\ntitle = \"t\"\n[[case]]\nid = \"c\"\ntitle = \"t\"\nrules = [\"PC-1\"]\nlevel = \"MUST\"\n{extra}\nsteps = [{steps}]\n"
        );
        parse_suite(&text, "needs.toml").unwrap().cases.remove(0)
    }

    #[test]
    fn needs_come_from_users_steps_and_requires() {
        let c = case(r#"{ do = "ping" }"#, "");
        assert!(c.needs().capabilities.is_empty());
        let c = case(r#"{ do = "ping" }"#, r#"users = [{ name = "u" }]"#);
        assert_eq!(c.needs().capabilities, BTreeSet::from([Capability::Users]));
        let c = case(
            r#"{ do = "advance", seconds = 1 }, { do = "set_policy", policy = {} }"#,
            r#"requires = ["mail-sink", "clock"]"#,
        );
        assert_eq!(
            c.needs().capabilities,
            BTreeSet::from([
                Capability::Policies,
                Capability::Wait,
                Capability::ClockControl,
                Capability::MailSink
            ])
        );
        // A refusal can only be seen where any value can be set.
        let c = case(
            r#"{ do = "set_policy", policy = {}, expect = "refused" }"#,
            "",
        );
        assert!(c.needs().capabilities.contains(&Capability::PolicyControl));
        // An SMS alert transport matters once the case reads messages.
        let c = case(
            r#"{ do = "read_code", user = "u", save = "c" }"#,
            r#"users = [{ name = "u", alert = "sms" }]"#,
        );
        assert!(c.needs().capabilities.contains(&Capability::SmsMessages));
        // Naming the transport a message took needs a target that records it.
        let named = case(
            r#"{ do = "expect_outbox", user = "u", transport = "string" }"#,
            r#"users = [{ name = "u" }]"#,
        );
        assert!(
            named
                .needs()
                .capabilities
                .contains(&Capability::MessageTransport)
        );
        // Naming the transport of a message to a user whose strings go by SMS needs SMS.
        let sms_strings = case(
            r#"{ do = "expect_outbox", user = "u", transport = "string" }"#,
            r#"users = [{ name = "u", strings = "sms" }]"#,
        );
        assert!(
            sms_strings
                .needs()
                .capabilities
                .contains(&Capability::SmsMessages)
        );
        let unnamed = case(
            r#"{ do = "expect_outbox", user = "u", count = 1 }"#,
            r#"users = [{ name = "u" }]"#,
        );
        assert!(
            !unnamed
                .needs()
                .capabilities
                .contains(&Capability::MessageTransport)
        );
        // LOG-2 is written only by the administrator's Reprovision.
        let c = case(
            r#"{ do = "expect_log", text = 'User "${u}" can now reprovision their mobile device.' }"#,
            "",
        );
        assert!(
            c.needs()
                .capabilities
                .contains(&Capability::AdminReprovision)
        );
    }

    #[test]
    fn sharing_is_only_needed_with_two_nodes() {
        let c = case(
            r#"{ do = "ping" }"#,
            r#"server = { nodes = 1, session_sharing = "on" }"#,
        );
        assert_eq!(c.needs().session_sharing, Sharing::Any);
        let c = case(
            r#"{ do = "ping" }"#,
            r#"server = { nodes = 2, session_sharing = "on" }"#,
        );
        assert_eq!(
            (c.needs().nodes, c.needs().session_sharing),
            (2, Sharing::On)
        );
    }

    #[test]
    fn unknown_capabilities_are_refused_by_name() {
        let text = "suite = \"s\"\ntitle = \"t\"\n[[case]]\nid = \"c\"\ntitle = \"t\"\nrules = [\"PC-1\"]\nlevel = \"MUST\"\nrequires = [\"teleport\"]\nsteps = [{ do = \"ping\" }]\n";
        let err = parse_suite(text, "x.toml")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("teleport") && err.contains("clock-control"),
            "{err}"
        );
    }
}
