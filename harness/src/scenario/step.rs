//! The steps a case can take, one enum dispatched by the runner (`do = "..."` in TOML).
//! Field values may hold `${var}` references. Mobile steps carry their acceptable
//! outcomes: `expect` (PASS) and `non_strict` (NON-STRICT); outcome keys are `PASS`,
//! `FAIL:<ERROR>`, `HTTP:<status>`, `MALFORMED`, `NOT-SENT`, `TRANSPORT`, and a trailing
//! `*` matches any rest (`FAIL:*`).

use serde::Deserialize;

fn node1() -> u16 {
    1
}
fn pass() -> OneOrMany {
    OneOrMany(vec!["PASS".into()])
}
fn accepted() -> String {
    "accepted".into()
}
fn agent_secret() -> String {
    "${agent_secret}".into()
}
fn ninety_nine() -> usize {
    99
}
fn ten() -> usize {
    10
}
fn one() -> usize {
    1
}
fn twelve() -> usize {
    12
}

/// One pattern or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "OneOrManyRaw")]
pub struct OneOrMany(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrManyRaw {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrManyRaw> for OneOrMany {
    fn from(raw: OneOrManyRaw) -> Self {
        match raw {
            OneOrManyRaw::One(s) => OneOrMany(vec![s]),
            OneOrManyRaw::Many(v) => OneOrMany(v),
        }
    }
}

/// Acceptable outcomes of a mobile step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Outcomes graded PASS.
    pub pass: Vec<String>,
    /// Outcomes graded NON-STRICT.
    pub non_strict: Vec<String>,
}

/// How an outcome grades against an [`Expect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    /// In `expect`.
    Pass,
    /// In `non_strict`.
    NonStrict,
    /// Neither.
    Violation,
}

impl Expect {
    /// Builds from the step fields.
    pub fn new(expect: &OneOrMany, non_strict: &[String]) -> Self {
        Self {
            pass: expect.0.clone(),
            non_strict: non_strict.to_vec(),
        }
    }

    /// Grades an outcome key.
    pub fn grade(&self, outcome: &str) -> Grade {
        if self.pass.iter().any(|p| matches(p, outcome)) {
            Grade::Pass
        } else if self.non_strict.iter().any(|p| matches(p, outcome)) {
            Grade::NonStrict
        } else {
            Grade::Violation
        }
    }

    /// The expectation as reports print it.
    pub fn describe(&self) -> String {
        let mut s = self.pass.join(" or ");
        if !self.non_strict.is_empty() {
            s.push_str(&format!(" (NON-STRICT: {})", self.non_strict.join(" or ")));
        }
        s
    }
}

/// Whether `outcome` matches `pattern` (exact, or prefix before a trailing `*`).
pub fn matches(pattern: &str, outcome: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => outcome.starts_with(prefix),
        None => pattern == outcome,
    }
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    // ---- control actions ----
    /// Deletes a user.
    DeleteUser {
        /// Alias.
        user: String,
    },
    /// Merges a partial policy document into the server's policies.
    SetPolicy {
        /// The partial document (as `PUT /control/policies` takes it).
        policy: toml::Table,
        /// `accepted` or `refused`.
        #[serde(default = "accepted")]
        expect: String,
    },
    /// Checks one policy value (dotted path, e.g. `self_reset.provision_code_validity_secs`).
    ExpectPolicy {
        /// Dotted path.
        path: String,
        /// Expected value.
        equals: toml::Value,
    },
    /// The administrator's Reprovision action on a node.
    Reprovision {
        /// Alias.
        user: String,
        /// Node (1-based).
        #[serde(default = "node1")]
        node: u16,
        /// `accepted` or `refused`.
        #[serde(default = "accepted")]
        expect: String,
    },
    /// Reads the newest code (and URL) sent to a user from the outbox.
    ReadCode {
        /// Alias.
        user: String,
        /// Variable for the code.
        save: String,
        /// Variable for the URL the message carried, if any.
        #[serde(default)]
        save_url: Option<String>,
    },
    /// Checks the newest message sent to a user.
    ExpectOutbox {
        /// Alias.
        user: String,
        /// `alert` or `string`.
        #[serde(default)]
        transport: Option<String>,
        /// The URL must start with this.
        #[serde(default)]
        url_prefix: Option<String>,
        /// Number of messages expected in total (0: none sent).
        #[serde(default)]
        count: Option<usize>,
    },
    /// Moves the target's clock forward.
    Advance {
        /// Seconds.
        seconds: u64,
    },
    /// Checks the server log written since the case started (or the last `mark_log`).
    ExpectLog {
        /// The exact line (or a substring with `partial = true`).
        text: String,
        /// Only lines from this node.
        #[serde(default)]
        node: Option<u16>,
        /// The line must NOT be there.
        #[serde(default)]
        absent: bool,
        /// Substring match instead of the exact line.
        #[serde(default)]
        partial: bool,
    },
    /// Later `expect_log` steps only look at lines written after this point.
    MarkLog,

    // ---- mobile actions ----
    /// The app's Provision request.
    Provision {
        /// Alias (an undeclared alias is a user the server does not hold).
        user: String,
        /// The code presented.
        code: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// `<DeviceOS>` sent; by default only where the profile's clients send one.
        #[serde(default)]
        device_os: Option<String>,
        /// Another spelling of the action (WIRE-2); the profile's by default.
        #[serde(default)]
        action: Option<String>,
        /// Variable for the device id of a successful reply.
        #[serde(default)]
        save_device: Option<String>,
        /// Prefix for the reply's variables (`<p>.outcome`, `.status`, `.body`, …).
        #[serde(default)]
        save_reply: Option<String>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// The app's SecurityStrings download.
    Strings {
        /// Alias.
        user: String,
        /// Device id presented.
        device: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Whether the request names the user (`<Username>`); the profile decides by
        /// default (SS-2 probes a request naming someone else).
        #[serde(default)]
        send_username: Option<bool>,
        /// Variable for the `<SecurityStrings>` text, as the server wrote it.
        #[serde(default)]
        save: Option<String>,
        /// Prefix for the reply's variables.
        #[serde(default)]
        save_reply: Option<String>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// TokenIndex.
    TokenIndex {
        /// Alias.
        user: String,
        /// Device id presented.
        device: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// The index a PASS must carry.
        #[serde(default)]
        equals: Option<u32>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// An agent's login with the OTC computed from a saved string and the user's PIN.
    Login {
        /// Alias.
        user: String,
        /// Variable holding the strings (from a `strings` step).
        strings: String,
        /// Index of the string to use (1-based).
        index: usize,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Agent secret sent.
        #[serde(default = "agent_secret")]
        secret: String,
        /// Prefix for the reply's variables.
        #[serde(default)]
        save_reply: Option<String>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// A ping.
    Ping {
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// The app's Site ID lookup.
    Ssd {
        /// The Site ID.
        site_id: String,
        /// A PASS must name this node's port.
        #[serde(default)]
        port_of_node: Option<u16>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// The self-service page `/reset/provision.jsp`.
    SelfProvision {
        /// Alias.
        user: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Prefix for the reply's variables.
        #[serde(default)]
        save_reply: Option<String>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// The QR image of a payload; a PASS must decode back to the payload.
    QrCode {
        /// Payload.
        text: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// A plain GET of a URL path on a node's root (e.g. the complete-URL landing page).
    Get {
        /// Path from the server root, e.g. `/smc/complete/...`.
        path: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// A raw Agent-XML body (probes).
    Raw {
        /// The body.
        body: String,
        /// Node.
        #[serde(default = "node1")]
        node: u16,
        /// Prefix for the reply's variables.
        #[serde(default)]
        save_reply: Option<String>,
        /// Outcomes graded PASS.
        #[serde(default = "pass")]
        expect: OneOrMany,
        /// Outcomes graded NON-STRICT.
        #[serde(default)]
        non_strict: Vec<String>,
    },
    /// `count` Provision requests with one code at once, spread over `nodes`; PASS when
    /// exactly `passes` of them succeed (PC-9, CL-2).
    ConcurrentProvision {
        /// Alias.
        user: String,
        /// The code.
        code: String,
        /// Requests.
        count: usize,
        /// Nodes to spread over, round robin.
        #[serde(default)]
        nodes: Vec<u16>,
        /// Successes required.
        #[serde(default = "one")]
        passes: usize,
    },

    // ---- checks on captured values ----
    /// Checks saved strings: count, characters, index suffixes 01..count (SS-3, SS-6).
    CheckStrings {
        /// Variable holding the strings.
        strings: String,
        /// Strings expected.
        #[serde(default = "ninety_nine")]
        count: usize,
        /// Characters before the index.
        #[serde(default = "ten")]
        chars: usize,
        /// `numeric`, `upper`, `lower`, `mixed` or `alphanumeric`.
        #[serde(default)]
        charset: Option<String>,
    },
    /// Checks that a saved reply carried its policies in the profile's shape (WIRE-6).
    CheckPoliciesShape {
        /// Reply prefix (from `save_reply`).
        reply: String,
    },
    /// Checks a policy item in a saved reply (POL-1).
    CheckPolicy {
        /// Reply prefix (from `save_reply`).
        reply: String,
        /// Policy `<Id>`.
        policy: String,
        /// Expected `<Content>`.
        content: String,
    },
    /// Issues `samples` codes for a user and checks they look like PC-8 says: length,
    /// alphabet, all distinct, no arithmetic sequence.
    CheckCodes {
        /// Alias.
        user: String,
        /// Codes to draw.
        #[serde(default = "twelve")]
        samples: usize,
        /// Length.
        #[serde(default = "ten")]
        length: usize,
        /// Digits only.
        #[serde(default)]
        numeric: bool,
    },
    /// Checks that a text does (not) contain another after substitution.
    Contains {
        /// Haystack.
        text: String,
        /// Needle.
        needle: String,
        /// Whether it must be there.
        #[serde(default)]
        present: bool,
        /// What this shows, for the report.
        what: String,
    },
    /// Records whether two saved replies can be told apart (status, error, body, timing):
    /// a security observation, never judged (USR-3).
    Oracle {
        /// First reply prefix.
        a: String,
        /// Second reply prefix.
        b: String,
        /// What is compared, for the report.
        what: String,
    },
}

impl Step {
    /// The step's name as written after `do =`.
    pub fn name(&self) -> &'static str {
        match self {
            Step::DeleteUser { .. } => "delete_user",
            Step::SetPolicy { .. } => "set_policy",
            Step::ExpectPolicy { .. } => "expect_policy",
            Step::Reprovision { .. } => "reprovision",
            Step::ReadCode { .. } => "read_code",
            Step::ExpectOutbox { .. } => "expect_outbox",
            Step::Advance { .. } => "advance",
            Step::ExpectLog { .. } => "expect_log",
            Step::MarkLog => "mark_log",
            Step::Provision { .. } => "provision",
            Step::Strings { .. } => "strings",
            Step::TokenIndex { .. } => "token_index",
            Step::Login { .. } => "login",
            Step::Ping { .. } => "ping",
            Step::Ssd { .. } => "ssd",
            Step::SelfProvision { .. } => "self_provision",
            Step::QrCode { .. } => "qr_code",
            Step::Get { .. } => "get",
            Step::Raw { .. } => "raw",
            Step::ConcurrentProvision { .. } => "concurrent_provision",
            Step::CheckStrings { .. } => "check_strings",
            Step::CheckPolicy { .. } => "check_policy",
            Step::CheckPoliciesShape { .. } => "check_policies_shape",
            Step::CheckCodes { .. } => "check_codes",
            Step::Contains { .. } => "contains",
            Step::Oracle { .. } => "oracle",
        }
    }

    /// Whether the step needs the target's clock.
    pub fn needs_clock(&self) -> bool {
        matches!(self, Step::Advance { .. })
    }

    /// The highest node index the step addresses.
    pub fn max_node(&self) -> u16 {
        match self {
            Step::Reprovision { node, .. }
            | Step::Provision { node, .. }
            | Step::Strings { node, .. }
            | Step::TokenIndex { node, .. }
            | Step::Login { node, .. }
            | Step::Ping { node, .. }
            | Step::SelfProvision { node, .. }
            | Step::QrCode { node, .. }
            | Step::Get { node, .. }
            | Step::Raw { node, .. } => *node,
            Step::ExpectLog { node, .. } => node.unwrap_or(1),
            Step::Ssd { port_of_node, .. } => port_of_node.unwrap_or(1),
            Step::ConcurrentProvision { nodes, .. } => nodes.iter().copied().max().unwrap_or(1),
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exactly_or_by_prefix() {
        assert!(matches("PASS", "PASS"));
        assert!(!matches("PASS", "PASSED"));
        assert!(matches("FAIL:*", "FAIL:PROVISION_FAILURE"));
        assert!(!matches("FAIL:*", "HTTP:500"));
    }

    #[test]
    fn expect_grades() {
        let e = Expect::new(
            &OneOrMany(vec!["FAIL:PROVISION_FAILURE".into()]),
            &["FAIL:*".into()],
        );
        assert_eq!(e.grade("FAIL:PROVISION_FAILURE"), Grade::Pass);
        assert_eq!(e.grade("FAIL:BAD_REQUEST"), Grade::NonStrict);
        assert_eq!(e.grade("PASS"), Grade::Violation);
        assert_eq!(e.describe(), "FAIL:PROVISION_FAILURE (NON-STRICT: FAIL:*)");
    }

    #[test]
    fn steps_parse_from_toml() {
        #[derive(Deserialize)]
        struct W {
            steps: Vec<Step>,
        }
        let w: W = toml::from_str(
            r#"steps = [
                { do = "provision", user = "u", code = "${code}", expect = "FAIL:PROVISION_FAILURE", non_strict = ["FAIL:*"] },
                { do = "mark_log" },
                { do = "set_policy", policy = { self_reset = { provision_code_validity_secs = 9 } }, expect = "refused" },
            ]"#,
        )
        .unwrap();
        assert_eq!(w.steps.len(), 3);
        assert_eq!(w.steps[0].name(), "provision");
        let bad = toml::from_str::<W>(
            r#"steps = [{ do = "provision", user = "u", code = "c", colour = 1 }]"#,
        );
        assert!(bad.is_err());
        let bad = toml::from_str::<W>(r#"steps = [{ do = "fly" }]"#);
        assert!(bad.is_err());
    }
}
