//! Checks on captured values: the strings' format (SS-3, SS-6), a policy in a saved
//! reply (POL-1), the shape and randomness of codes (PC-8), text containment (PC-2) and
//! the enumeration oracle (USR-3, recorded only).

use super::judge;
use crate::codec::strings::{check_layout, strings_in_order};
use crate::redact::SecretKind;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Step;

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

/// Average number of differing positions between consecutive codes.
fn mean_distance(codes: &[String]) -> f64 {
    let pairs: Vec<usize> = codes
        .windows(2)
        .map(|w| {
            w[0].bytes()
                .zip(w[1].bytes())
                .filter(|(a, b)| a != b)
                .count()
        })
        .collect();
    if pairs.is_empty() {
        return 0.0;
    }
    pairs.iter().sum::<usize>() as f64 / pairs.len() as f64
}

impl CaseRun<'_> {
    pub(super) async fn check_step(&mut self, step: &Step) -> StepResult {
        match self.check_step_inner(step).await {
            Ok(r) | Err(r) => r,
        }
    }

    async fn check_step_inner(&mut self, step: &Step) -> Result<StepResult, StepResult> {
        Ok(match step {
            Step::CheckStrings {
                strings,
                count,
                chars,
                charset,
            } => {
                let all = self.vars.expand(&format!("${{{strings}}}"))?;
                let profile = self.client.profile();
                let expected = format!(
                    "{count} strings of {chars} characters{} then indexes 01..{count:02}, position i holding index i as the {} layout of {} says",
                    charset
                        .as_ref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    profile.strings.layout.name(),
                    profile.name
                );
                if let Err(problem) = check_layout(&all, profile, *count, *chars) {
                    return Ok(judge(false, expected, problem));
                }
                if let Some(cs) = charset {
                    for (i, s) in strings_in_order(&all, profile).iter().enumerate() {
                        match in_charset(cs, s.get(..*chars).unwrap_or(s)) {
                            None => {
                                return Err(StepResult::Inconclusive(format!(
                                    "scenario error: charset {cs}"
                                )));
                            }
                            Some(false) => {
                                return Ok(judge(
                                    false,
                                    expected,
                                    format!(
                                        "string {} has other characters: {:?}",
                                        i + 1,
                                        shape(s)
                                    ),
                                ));
                            }
                            Some(true) => {}
                        }
                    }
                }
                judge(true, expected.clone(), expected)
            }
            Step::CheckPoliciesShape { reply } => {
                let want = self.client.profile().policies.shape();
                let got = self
                    .vars
                    .get(&format!("{reply}.policies_shape"))
                    .unwrap_or_default()
                    .to_string();
                judge(
                    got == want,
                    format!("policies in the {want} shape"),
                    if got.is_empty() {
                        "no policies in the reply".to_string()
                    } else {
                        format!("policies in the {got} shape")
                    },
                )
            }
            Step::CheckPolicy {
                reply,
                policy,
                content,
            } => {
                let got = self
                    .vars
                    .get(&format!("{reply}.policy.{policy}"))
                    .map(str::to_string);
                judge(
                    got.as_deref() == Some(content.as_str()),
                    format!("policy {policy} = {content} in the reply"),
                    match got {
                        Some(g) => format!("policy {policy} = {g}"),
                        None => format!("policy {policy} absent from the reply"),
                    },
                )
            }
            Step::CheckCodes {
                user,
                samples,
                length,
                numeric,
            } => {
                let name = self.username(user);
                let mut codes = Vec::new();
                for _ in 0..*samples {
                    let control = &self.env.control;
                    control
                        .reprovision(&name, 1)
                        .await
                        .map_err(|e| StepResult::Inconclusive(format!("control API: {e}")))?;
                    let messages = control
                        .outbox(&name)
                        .await
                        .map_err(|e| StepResult::Inconclusive(format!("control API: {e}")))?;
                    let code = messages
                        .last()
                        .and_then(|m| m.code.clone())
                        .unwrap_or_default();
                    self.redactor.learn(&code, SecretKind::Code);
                    codes.push(code);
                }
                self.transcript.push(TranscriptEntry::Control {
                    step: self.step,
                    action: format!("issued {samples} codes for {user}"),
                    detail: format!(
                        "shapes: {}",
                        codes.iter().map(|c| shape(c)).collect::<Vec<_>>().join(" ")
                    ),
                });
                let alphabet_ok = |c: &String| {
                    if *numeric {
                        c.bytes().all(|b| b.is_ascii_digit())
                    } else {
                        c.bytes().all(|b| b.is_ascii_alphanumeric())
                    }
                };
                let mut distinct = codes.clone();
                distinct.sort();
                distinct.dedup();
                let spread = mean_distance(&codes);
                let kind = if *numeric {
                    "digits"
                } else {
                    "letters and digits"
                };
                let expected = format!(
                    "{samples} distinct codes of {length} {kind}, consecutive codes differing in at least half their positions on average"
                );
                let actual = format!(
                    "lengths {:?}, {} distinct, alphabet {}, consecutive codes differ in {spread:.1} positions on average",
                    codes
                        .iter()
                        .map(String::len)
                        .collect::<std::collections::BTreeSet<_>>(),
                    distinct.len(),
                    if codes.iter().all(alphabet_ok) {
                        "as required"
                    } else {
                        "wrong"
                    }
                );
                let ok = codes.iter().all(|c| c.len() == *length && alphabet_ok(c))
                    && distinct.len() == codes.len()
                    && spread >= *length as f64 / 2.0;
                judge(ok, expected, actual)
            }
            Step::Contains {
                text,
                needle,
                present,
                what,
            } => {
                let (text, needle) = (self.vars.expand(text)?, self.vars.expand(needle)?);
                let found = !needle.is_empty() && text.contains(&needle);
                judge(
                    found == *present,
                    format!("{what}: {}", if *present { "present" } else { "absent" }),
                    format!("{what}: {}", if found { "present" } else { "absent" }),
                )
            }
            Step::Oracle { a, b, what } => {
                let get =
                    |p: &str, k: &str| self.vars.get(&format!("{p}.{k}")).unwrap_or("").to_string();
                let mut differences = Vec::new();
                for key in ["status", "outcome", "message", "app_message"] {
                    let (x, y) = (get(a, key), get(b, key));
                    if x != y {
                        differences.push(format!("{key}: {x:?} vs {y:?}"));
                    }
                }
                let observation = if differences.is_empty() {
                    format!("{what}: indistinguishable by status, outcome and message")
                } else {
                    format!("{what}: distinguishable by {}", differences.join("; "))
                };
                let timing = format!("{} ms vs {} ms", get(a, "elapsed_ms"), get(b, "elapsed_ms"));
                self.transcript.push(TranscriptEntry::Note {
                    text: format!("{observation} (timing {timing})"),
                });
                StepResult::Pass {
                    expected: format!("{what}: observed, not judged"),
                    actual: observation,
                }
            }
            _ => StepResult::Inconclusive(format!("internal: {} is not a check step", step.name())),
        })
    }
}

/// A string's shape with its characters hidden: digits as 9, letters as A/a.
fn shape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => '9',
            'A'..='Z' => 'A',
            'a'..='z' => 'a',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_and_shapes() {
        assert_eq!(in_charset("numeric", "0123"), Some(true));
        assert_eq!(in_charset("upper", "ABc"), Some(false));
        assert_eq!(in_charset("nope", "x"), None);
        assert_eq!(shape("Ab9-"), "Aa9-");
    }

    #[test]
    fn counter_codes_have_low_spread() {
        let counter: Vec<String> = (1..=12).map(|i| format!("{i:010}")).collect();
        assert!(mean_distance(&counter) < 5.0);
        let random = vec!["ABCDEFGHJK".to_string(), "ZYXWVUTSRQ".to_string()];
        assert!(mean_distance(&random) >= 5.0);
    }
}
