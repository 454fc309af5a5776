//! `check_strings`: checks saved strings against the profile's layout (count, length,
//! index suffixes 01..count, SS-3) and, with `charset`, their alphabet (SS-6).

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge, shape};
use crate::codec::strings::{check_layout, strings_in_order};
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

fn ninety_nine() -> usize {
    99
}
fn ten() -> usize {
    10
}

/// `{ do = "check_strings", strings, count = 99, chars = 10, charset? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckStrings {
    /// Variable holding the strings.
    pub strings: String,
    /// Strings expected.
    #[serde(default = "ninety_nine")]
    pub count: usize,
    /// Characters before the index.
    #[serde(default = "ten")]
    pub chars: usize,
    /// `numeric`, `upper`, `lower`, `mixed` or `alphanumeric`; or `policy`: the type the
    /// target's policies say (`general.security_string_type`), so the case holds on a
    /// real server of any string type.
    #[serde(default)]
    pub charset: Option<String>,
}

/// The `charset` value that means "the target's own string type".
const BY_POLICY: &str = "policy";

/// Whether every byte of `s` belongs to the named string type (SS-6).
fn in_charset(charset: &str, s: &str) -> Option<bool> {
    let test: fn(&u8) -> bool = match charset {
        "numeric" => u8::is_ascii_digit,
        "upper" => u8::is_ascii_uppercase,
        "lower" => u8::is_ascii_lowercase,
        "mixed" => u8::is_ascii_alphabetic,
        "alphanumeric" => |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit(),
        _ => return None,
    };
    Some(s.as_bytes().iter().all(test))
}

impl StepAction for CheckStrings {
    fn check(&self, _step: &Step) -> Result<(), String> {
        match self.charset.as_deref() {
            None | Some(BY_POLICY) => Ok(()),
            Some(cs) if in_charset(cs, "").is_some() => Ok(()),
            Some(cs) => Err(format!(
                "charset {cs:?}: one of numeric, upper, lower, mixed, alphanumeric, or policy"
            )),
        }
    }

    fn needs(&self, _step: &Step) -> Vec<Capability> {
        if self.charset.as_deref() == Some(BY_POLICY) {
            vec![Capability::Policies]
        } else {
            Vec::new()
        }
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (count, chars) = (self.count, self.chars);
        let charset = match self.charset.as_deref() {
            Some(BY_POLICY) => {
                let policies = run
                    .backstage(step)?
                    .policies()
                    .await
                    .map_err(backstage_failed)?;
                let kind = policies["general"]["security_string_type"]
                    .as_str()
                    .ok_or_else(|| {
                        StepResult::Inconclusive(
                            "the target's policies name no general.security_string_type".into(),
                        )
                    })?;
                Some(kind.to_string())
            }
            other => other.map(str::to_string),
        };
        let all = run.vars.expand(&format!("${{{}}}", self.strings))?;
        let profile = run.client.profile();
        let expected = format!(
            "{count} strings of {chars} characters{} then indexes 01..{count:02}, position i holding index i as the {} layout of {} says",
            charset
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            profile.strings.layout.name(),
            profile.name
        );
        if let Err(problem) = check_layout(&all, profile, count, chars) {
            return Ok(judge(false, expected, problem));
        }
        if let Some(cs) = &charset {
            for (i, s) in strings_in_order(&all, profile).iter().enumerate() {
                match in_charset(cs, s.get(..chars).unwrap_or(s)) {
                    None => {
                        return Err(StepResult::Inconclusive(format!(
                            "scenario error: charset {cs}"
                        )));
                    }
                    Some(false) => {
                        return Ok(judge(
                            false,
                            expected,
                            format!("string {} has other characters: {:?}", i + 1, shape(s)),
                        ));
                    }
                    Some(true) => {}
                }
            }
        }
        Ok(judge(true, expected.clone(), expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets() {
        assert_eq!(in_charset("numeric", "0123"), Some(true));
        assert_eq!(in_charset("upper", "ABc"), Some(false));
        assert_eq!(in_charset("nope", "x"), None);
    }
}
