//! A step: one envelope ([`Step`]) around one action (`do = "<name>"`, an [`Action`]).
//! The envelope reads, once for every action, the fields that mean the same wherever
//! they appear: `node`, `expect`, `non_strict`, `save` and `save_reply`. The action's own
//! fields, its run and its checks live in `runner/steps/<name>.rs`; each action lists the
//! envelope fields it takes, so a field it does not take is an error, as is any field
//! neither it nor the envelope knows. Field values may hold `${var}` references.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};

pub use super::expect::{Expect, Grade, OneOrMany, matches};
pub use crate::runner::steps::Action;
use crate::runner::steps::StepAction;

/// A field of the envelope, as a suite spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// `node`: the node addressed (1-based).
    Node,
    /// `expect`: the outcomes graded PASS.
    Expect,
    /// `non_strict`: the outcomes graded NON-STRICT.
    NonStrict,
    /// `save`: the variable for the value the action captures.
    Save,
    /// `save_reply`: the prefix of the reply's variables.
    SaveReply,
}

impl Shared {
    /// The field's name in a suite.
    pub fn key(self) -> &'static str {
        match self {
            Shared::Node => "node",
            Shared::Expect => "expect",
            Shared::NonStrict => "non_strict",
            Shared::Save => "save",
            Shared::SaveReply => "save_reply",
        }
    }
}

/// One step of a case.
#[derive(Debug, Clone)]
pub struct Step {
    /// What the step does, with its own fields.
    pub action: Action,
    /// `node`, when given (node 1 otherwise, or any node for `expect_log`).
    pub node: Option<u16>,
    /// `expect`, or the action's default when not given (empty if it takes none).
    pub expect: Vec<String>,
    /// `non_strict`.
    pub non_strict: Vec<String>,
    /// `save`.
    pub save: Option<String>,
    /// `save_reply`.
    pub save_reply: Option<String>,
}

impl Step {
    /// The action's name as written after `do =`.
    pub fn name(&self) -> &'static str {
        self.action.name()
    }

    /// The node addressed: `node`, or 1.
    pub fn node(&self) -> u16 {
        self.node.unwrap_or(1)
    }

    /// Every node the step addresses, for checking against the case's server.
    pub fn nodes(&self) -> Vec<u16> {
        self.action.nodes(self)
    }

    /// The acceptable outcomes (`expect` and `non_strict`).
    pub fn grading(&self) -> Expect {
        Expect::new(&self.expect, &self.non_strict)
    }
}

impl Step {
    /// Reads a step from its table: `do` names the action, the rest are its fields.
    pub fn from_table(mut table: toml::Table) -> Result<Step, String> {
        let name = match table.remove("do") {
            Some(toml::Value::String(name)) => name,
            Some(other) => {
                return Err(format!(
                    "`do` names the step's action as a string, not a {}",
                    other.type_str()
                ));
            }
            None => {
                return Err(format!(
                    "missing field `do` (the step's action, one of {})",
                    backticked(Action::NAMES.iter().copied())
                ));
            }
        };
        Action::parse(&name, table).unwrap_or_else(|| {
            Err(format!(
                "unknown action `{name}`, expected one of {}",
                backticked(Action::NAMES.iter().copied())
            ))
        })
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Step::from_table(toml::Table::deserialize(d)?).map_err(de::Error::custom)
    }
}

/// Reads a case's `steps`, each error naming the step's number.
pub(crate) fn numbered<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
    Vec::<toml::Table>::deserialize(d)?
        .into_iter()
        .enumerate()
        .map(|(i, table)| {
            Step::from_table(table).map_err(|e| de::Error::custom(format!("step {}: {e}", i + 1)))
        })
        .collect()
}

/// Reads a step whose action is `T` from its fields (all but `do`).
pub(crate) fn parse_as<T: StepAction>(name: &str, mut table: toml::Table) -> Result<Step, String> {
    let own = field_names::<T>();
    let shared = || T::SHARED.iter().map(|s| s.key());
    if let Some(key) = table
        .keys()
        .find(|k| !own.contains(&k.as_str()) && !shared().any(|s| s == k.as_str()))
    {
        let known: Vec<&str> = own.iter().copied().chain(shared()).collect();
        return Err(if known.is_empty() {
            format!("unknown field `{key}`: a `{name}` step takes no fields")
        } else {
            format!(
                "unknown field `{key}` in a `{name}` step, expected one of {}",
                backticked(known.into_iter())
            )
        });
    }
    let mut take = |s: Shared| (s, table.remove(s.key()));
    let node: Option<u16> = typed_field(name, take(Shared::Node))?;
    let expect: Option<OneOrMany> = typed_field(name, take(Shared::Expect))?;
    let non_strict: Option<Vec<String>> = typed_field(name, take(Shared::NonStrict))?;
    let save: Option<String> = typed_field(name, take(Shared::Save))?;
    let save_reply: Option<String> = typed_field(name, take(Shared::SaveReply))?;
    let action: T = toml::Value::Table(table)
        .try_into()
        .map_err(|e| format!("`{name}`: {}", one_line(&e)))?;
    // An action that grades outcomes has a default `expect`; others have none.
    let default_expect = || {
        T::SHARED
            .contains(&Shared::Expect)
            .then(|| T::DEFAULT_EXPECT.to_string())
            .into_iter()
            .collect()
    };
    let step = Step {
        action: action.into(),
        node,
        expect: expect.map_or_else(default_expect, |e| e.0),
        non_strict: non_strict.unwrap_or_default(),
        save,
        save_reply,
    };
    step.action
        .check(&step)
        .map_err(|e| format!("`{name}`: {e}"))?;
    Ok(step)
}

/// An envelope field's value, typed.
fn typed_field<V: DeserializeOwned>(
    name: &str,
    (field, value): (Shared, Option<toml::Value>),
) -> Result<Option<V>, String> {
    value
        .map(|v| {
            v.try_into().map_err(|e: toml::de::Error| {
                format!("`{}` of a `{name}` step: {}", field.key(), one_line(&e))
            })
        })
        .transpose()
}

/// A value error on one line (`invalid type: …, expected u64 in `seconds``).
fn one_line(e: &toml::de::Error) -> String {
    e.to_string().trim_end().replace('\n', " ")
}

/// `` `a`, `b`, `c` ``.
fn backticked<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The field names serde reads for the struct `T` (the list its derive hands to
/// `deserialize_struct`), so the envelope can name every field a step may take.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut Option<&'static [&'static str]>);

    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = Some(fields);
            Err(de::Error::custom("fields read"))
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields = None;
    let _probed = T::deserialize(Probe(&mut fields));
    fields.unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct W {
        #[serde(deserialize_with = "numbered")]
        steps: Vec<Step>,
    }

    fn parse(steps: &str) -> Result<Vec<Step>, String> {
        toml::from_str::<W>(&format!("steps = [{steps}]"))
            .map(|w| w.steps)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn steps_parse_into_envelope_and_action() {
        let steps = parse(
            r#"{ do = "provision", user = "u", code = "${code}", node = 2, expect = "FAIL:PROVISION_FAILURE", non_strict = ["FAIL:*"] },
               { do = "mark_log" },
               { do = "set_policy", policy = { self_reset = { provision_code_validity_secs = 9 } }, expect = "refused" },
               { do = "ping" },
               { do = "read_code", user = "u", save = "code" }"#,
        )
        .unwrap();
        assert_eq!(steps.len(), 5);
        assert_eq!(steps[0].name(), "provision");
        assert_eq!(steps[0].node(), 2);
        assert_eq!(steps[0].expect, ["FAIL:PROVISION_FAILURE"]);
        assert_eq!(steps[0].non_strict, ["FAIL:*"]);
        assert_eq!(steps[2].expect, ["refused"]);
        assert_eq!(
            (steps[3].node(), steps[3].expect.clone()),
            (1, vec!["PASS".into()])
        );
        assert_eq!(steps[4].save.as_deref(), Some("code"));
        assert!(steps[1].expect.is_empty());
    }

    #[test]
    fn unknown_fields_name_every_field_the_step_takes() {
        let err = parse(r#"{ do = "provision", user = "u", code = "c", colour = 1 }"#).unwrap_err();
        assert!(
            err.contains("unknown field `colour` in a `provision` step, expected one of `user`, `code`, `device_os`, `action`, `save_device`, `node`, `expect`, `non_strict`, `save_reply`"),
            "{err}"
        );
        // An envelope field the action does not take is unknown too.
        let err = parse(r#"{ do = "ping", save = "x" }"#).unwrap_err();
        assert!(
            err.contains("unknown field `save` in a `ping` step, expected one of `node`, `expect`, `non_strict`"),
            "{err}"
        );
        let err = parse(r#"{ do = "mark_log", node = 1 }"#).unwrap_err();
        assert!(err.contains("a `mark_log` step takes no fields"), "{err}");
    }

    #[test]
    fn missing_and_mistyped_fields_and_unknown_actions_are_clear() {
        let err = parse(r#"{ do = "fly" }"#).unwrap_err();
        assert!(
            err.contains("unknown action `fly`, expected one of `delete_user`"),
            "{err}"
        );
        let err = parse(r#"{ user = "u" }"#).unwrap_err();
        assert!(err.contains("missing field `do`"), "{err}");
        let err = parse(r#"{ do = "read_code", user = "u" }"#).unwrap_err();
        assert!(
            err.contains("step 1: `read_code`: missing field `save`"),
            "{err}"
        );
        let err = parse(r#"{ do = "provision", code = "c" }"#).unwrap_err();
        assert!(
            err.contains("step 1: `provision`: missing field `user`"),
            "{err}"
        );
        let err = parse(r#"{ do = "ping", node = "two" }"#).unwrap_err();
        assert!(err.contains("`node` of a `ping` step"), "{err}");
        let err = parse(r#"{ do = "ping" }, { do = "advance", seconds = "x" }"#).unwrap_err();
        assert!(
            err.contains(
                "step 2: `advance`: invalid type: string \"x\", expected u64 in `seconds`"
            ),
            "{err}"
        );
        let err = parse(r#"{ do = "reprovision", user = "u", expect = "PASS" }"#).unwrap_err();
        assert!(
            err.contains(r#"`expect` is "accepted" or "refused""#),
            "{err}"
        );
        // The error still points into the suite.
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn every_action_has_its_row_in_the_scenarios_readme() {
        let readme = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios/README.md"
        ));
        for name in Action::NAMES {
            assert!(readme.contains(&format!("| `{name}` |")), "{name}");
        }
    }
}
