//! What a case needs of its target: capabilities (a control API, a clock the harness can
//! move, …), at least N nodes, and session sharing on or off. A case's needs are derived
//! from its users and steps (each action declares what it needs beside its run) plus its
//! `requires = [...]`; the target declares what it offers (`sut::Offer`) and a case that
//! needs what the target lacks is SKIPPED, naming it.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

use super::{Case, Sharing};

/// A capability a target may offer and a case may need (`requires = [...]` spells them
/// in kebab-case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// The harness's control API: create and delete users, issue and read codes, read
    /// the log. (`control` is an older spelling.)
    #[serde(alias = "control")]
    ControlApi,
    /// A clock the harness can move forward. (`clock` is an older spelling.)
    #[serde(alias = "clock")]
    ClockControl,
    /// Self-service and mobile-client policies the harness can read and set.
    PolicyControl,
    /// A real server's Admin XML API (protocol.md §12).
    AdminApi,
    /// An SMTP sink that catches the messages (codes, URLs) the server sends.
    MailSink,
    /// A syslog sink that reads the server's log.
    SyslogSink,
}

impl Capability {
    /// Every capability, in the order reports list them.
    pub const ALL: [Capability; 6] = [
        Capability::ControlApi,
        Capability::ClockControl,
        Capability::PolicyControl,
        Capability::AdminApi,
        Capability::MailSink,
        Capability::SyslogSink,
    ];

    /// The name as `requires` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Capability::ControlApi => "control-api",
            Capability::ClockControl => "clock-control",
            Capability::PolicyControl => "policy-control",
            Capability::AdminApi => "admin-api",
            Capability::MailSink => "mail-sink",
            Capability::SyslogSink => "syslog-sink",
        }
    }

    /// What it is, in a few words, for SKIPPED reasons.
    pub fn what(self) -> &'static str {
        match self {
            Capability::ControlApi => "the control API: users, codes, outbox, log",
            Capability::ClockControl => "a clock the harness can move",
            Capability::PolicyControl => "policies the harness can read and set",
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
    /// What the case needs: `requires`, the control API to create its users, what each
    /// step's action declares, and its `server`.
    pub fn needs(&self) -> Needs {
        let mut capabilities: BTreeSet<Capability> = self.requires.iter().copied().collect();
        if self.users.iter().any(|u| u.create) {
            capabilities.insert(Capability::ControlApi);
        }
        for step in &self.steps {
            capabilities.extend(step.action.needs());
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
        assert_eq!(
            c.needs().capabilities,
            BTreeSet::from([Capability::ControlApi])
        );
        let c = case(
            r#"{ do = "advance", seconds = 1 }, { do = "set_policy", policy = {} }"#,
            r#"requires = ["mail-sink", "clock"]"#,
        );
        assert_eq!(
            c.needs().capabilities,
            BTreeSet::from([
                Capability::ClockControl,
                Capability::PolicyControl,
                Capability::MailSink
            ])
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
