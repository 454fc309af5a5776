//! A history compiled into a case of the suite format: the model plans each operation's
//! steps ([`Planned`]: the step's fields, the rule it checks and the operation it came
//! from), and [`compile`] writes them as a one-case suite in TOML, then parses that text
//! back, so the case that runs during exploration is exactly the case a finding writes.

use std::fmt::Write as _;

use super::model::{Model, UNKNOWN_ALIAS};
use super::ops::{History, User};
use crate::rules::RuleId;
use crate::scenario::read::parse_suite;
use crate::scenario::{Case, ReadError};
use crate::verdict::Level;

/// The fields of one step, in the order they are written.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFields {
    pairs: Vec<(String, toml::Value)>,
}

impl StepFields {
    /// A step of action `action`.
    pub fn new(action: &str) -> Self {
        Self {
            pairs: vec![("do".into(), toml::Value::String(action.into()))],
        }
    }

    /// Adds any field.
    pub fn value(mut self, key: &str, value: toml::Value) -> Self {
        self.pairs.push((key.into(), value));
        self
    }

    /// Adds a text field.
    pub fn text(self, key: &str, value: &str) -> Self {
        self.value(key, toml::Value::String(value.into()))
    }

    /// Adds an integer field.
    pub fn int(self, key: &str, value: impl Into<i64>) -> Self {
        self.value(key, toml::Value::Integer(value.into()))
    }

    /// Adds a boolean field.
    pub fn boolean(self, key: &str, value: bool) -> Self {
        self.value(key, toml::Value::Boolean(value))
    }

    /// `user = alias`.
    pub fn user(self, alias: &str) -> Self {
        self.text("user", alias)
    }

    /// `node = n`.
    pub fn node(self, node: u16) -> Self {
        self.int("node", node)
    }

    /// `save = var`.
    pub fn save(self, var: &str) -> Self {
        self.text("save", var)
    }

    /// `expect = outcome`.
    pub fn expect(self, outcome: &str) -> Self {
        self.text("expect", outcome)
    }

    /// `expect = [outcomes]`.
    pub fn expect_any(self, outcomes: &[&str]) -> Self {
        let list = outcomes
            .iter()
            .map(|o| toml::Value::String((*o).into()))
            .collect();
        self.value("expect", toml::Value::Array(list))
    }

    /// `non_strict = [outcomes]`.
    pub fn non_strict(self, outcomes: &[&str]) -> Self {
        let list = outcomes
            .iter()
            .map(|o| toml::Value::String((*o).into()))
            .collect();
        self.value("non_strict", toml::Value::Array(list))
    }

    /// A field's value, when the step has it.
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The action's name.
    pub fn action(&self) -> &str {
        self.pairs
            .first()
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The step as an inline TOML table.
    pub fn render(&self) -> String {
        let fields: Vec<String> = self
            .pairs
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        format!("{{ {} }}", fields.join(", "))
    }
}

/// One planned step: its fields, the rule it checks (none for bookkeeping such as
/// `mark_log`) and the index of the operation it performs.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The step.
    pub fields: StepFields,
    /// The rule whose outcome the step checks.
    pub rule: Option<RuleId>,
    /// The operation (0-based) it belongs to.
    pub op: usize,
}

/// What a written case says about itself.
#[derive(Debug, Clone)]
pub struct Head {
    /// Case ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Rule IDs.
    pub rules: Vec<String>,
    /// Level.
    pub level: Level,
    /// Tags.
    pub tags: Vec<String>,
    /// Comment lines written above the case.
    pub comments: Vec<String>,
}

impl Head {
    /// The head of a case that only runs during exploration.
    pub fn probe() -> Self {
        Self {
            id: "explore-probe".into(),
            title: "an explored history".into(),
            rules: vec!["PC-1".into()],
            level: Level::Must,
            tags: vec!["explore".into()],
            comments: Vec::new(),
        }
    }
}

/// A compiled history.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The suite text (one case).
    pub text: String,
    /// The case, parsed back from `text`.
    pub case: Case,
    /// The planned steps, in the case's order.
    pub steps: Vec<Planned>,
    /// How many operations made at least one step.
    pub ops_with_steps: usize,
}

/// The planned steps of `history`. A history that reads the log ends with
/// `expect_log_explained`: the log is a second oracle, and every line naming the
/// history's users must be one the model expected. (A line it has no LOG-n text for is
/// filed under the rule of the last expected line.) A history with a concurrent segment
/// does not: which lines its requests write depends on the interleaving the server
/// chose, which the model does not follow.
pub fn plan(history: &History) -> (Vec<Planned>, Model) {
    let mut model = Model::new(history);
    let mut steps = Vec::new();
    for (i, op) in history.ops.iter().enumerate() {
        steps.extend(model.apply(i, op));
    }
    let concurrent = steps.iter().any(|p| p.fields.action() == "concurrently");
    let last_log_rule = steps
        .iter()
        .rev()
        .find(|p| p.fields.action() == "expect_log")
        .and_then(|p| p.rule)
        .filter(|_| !concurrent);
    if let Some(rule) = last_log_rule {
        steps.push(Planned {
            fields: StepFields::new("expect_log_explained"),
            rule: Some(rule),
            op: history.ops.len().saturating_sub(1),
        });
    }
    (steps, model)
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.into()).to_string()
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", q.join(", "))
}

/// Writes `history` as a one-case suite under `head` and parses it back.
pub fn compile(history: &History, head: &Head) -> Result<Compiled, ReadError> {
    let (steps, model) = plan(history);
    let mut text = String::new();
    for line in &head.comments {
        let _ = writeln!(text, "# {line}");
    }
    let _ = writeln!(text, "suite = \"explore\"");
    let _ = writeln!(
        text,
        "title = \"Histories found by swivel-harness explore\"\n"
    );
    let _ = writeln!(text, "[[case]]");
    let _ = writeln!(text, "id = {}", quoted(&head.id));
    let _ = writeln!(text, "title = {}", quoted(&head.title));
    let _ = writeln!(text, "rules = {}", list(&head.rules));
    let _ = writeln!(text, "level = \"{}\"", head.level);
    let _ = writeln!(text, "tags = {}", list(&head.tags));
    let sharing = if history.nodes < 2 {
        "any"
    } else if history.sharing {
        "on"
    } else {
        "off"
    };
    let _ = writeln!(
        text,
        "server = {{ nodes = {}, session_sharing = \"{sharing}\" }}",
        history.nodes.max(1)
    );
    // The policies the model starts from, so that a written case says what it assumes.
    let _ = writeln!(
        text,
        "policies = {{ self_reset = {{ provision_code_validity_secs = 600, allow_self_provision = false, \
         log_device_information = false, send_code_as_security_string = false, provision_message = \"code\" }}, \
         general = {{ security_string_type = \"numeric\" }} }}"
    );
    // A code sent as a security string goes to the string transport: the same address as
    // the alert transport, so the log lines name one destination either way.
    let strings = if model.uses_string_transport {
        ", strings = \"email\""
    } else {
        ""
    };
    let mut users: Vec<String> = model
        .used_users
        .iter()
        .map(|u| match u {
            User::W => format!("{{ name = \"w\", mobile_client = false{strings} }}"),
            other => format!("{{ name = \"{}\"{strings} }}", other.alias()),
        })
        .collect();
    if model.uses_unknown {
        users.push(format!("{{ name = \"{UNKNOWN_ALIAS}\", create = false }}"));
    }
    let _ = writeln!(text, "users = [{}]", users.join(", "));
    let _ = writeln!(text, "steps = [");
    let mut last_op = None;
    let mut ops_with_steps = 0;
    for s in &steps {
        if last_op != Some(s.op) {
            last_op = Some(s.op);
            ops_with_steps += 1;
            if let Some(op) = history.ops.get(s.op) {
                let _ = writeln!(text, "  # op {}: {op:?}", s.op + 1);
            }
        }
        let rule = s.rule.map(|r| format!("  # {r}")).unwrap_or_default();
        let _ = writeln!(text, "  {},{rule}", s.fields.render());
    }
    let _ = writeln!(text, "]");
    let suite = parse_suite(&text, &format!("explore/{}.toml", head.id))?;
    let case = suite
        .cases
        .into_iter()
        .next()
        .ok_or_else(|| ReadError::Parse {
            origin: head.id.clone(),
            message: "the compiled suite holds no case".into(),
        })?;
    Ok(Compiled {
        text,
        case,
        steps,
        ops_with_steps,
    })
}
