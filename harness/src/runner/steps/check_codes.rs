//! `check_codes`: issues `samples` codes for a user and checks they look as PC-8 says:
//! length, alphabet, all distinct, and consecutive codes differing in at least half their
//! positions on average (no counter).

use std::collections::BTreeSet;

use serde::Deserialize;

use super::StepAction;
use super::common::{backstage_failed, judge, shape};
use crate::redact::SecretKind;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Capability;
use crate::scenario::step::Step;

fn twelve() -> usize {
    12
}
fn ten() -> usize {
    10
}

/// `{ do = "check_codes", user, samples = 12, length = 10, numeric = false }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckCodes {
    /// Alias.
    pub user: String,
    /// Codes to draw.
    #[serde(default = "twelve")]
    pub samples: usize,
    /// Length.
    #[serde(default = "ten")]
    pub length: usize,
    /// Digits only.
    #[serde(default)]
    pub numeric: bool,
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

impl StepAction for CheckCodes {
    const NEEDS: &'static [Capability] = &[Capability::IssueCodes, Capability::Messages];

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let (user, samples, length, numeric) =
            (&self.user, self.samples, self.length, self.numeric);
        let name = run.username(user);
        let backstage = run.backstage(step)?;
        let mut codes = Vec::new();
        let before = backstage
            .messages(&name, 0)
            .await
            .map_err(backstage_failed)?
            .len();
        for i in 0..samples {
            backstage
                .reprovision(&name, 1)
                .await
                .map_err(backstage_failed)?;
            let messages = backstage
                .messages(&name, before + i + 1)
                .await
                .map_err(backstage_failed)?;
            let code = messages
                .last()
                .and_then(|m| m.code.clone())
                .unwrap_or_default();
            run.redactor.learn(&code, SecretKind::Code);
            codes.push(code);
        }
        run.transcript.push(TranscriptEntry::Control {
            step: run.step,
            action: format!("issued {samples} codes for {user}"),
            detail: format!(
                "shapes: {}",
                codes.iter().map(|c| shape(c)).collect::<Vec<_>>().join(" ")
            ),
        });
        let alphabet_ok = |c: &String| {
            if numeric {
                c.bytes().all(|b| b.is_ascii_digit())
            } else {
                c.bytes().all(|b| b.is_ascii_alphanumeric())
            }
        };
        let mut distinct = codes.clone();
        distinct.sort();
        distinct.dedup();
        let spread = mean_distance(&codes);
        let kind = if numeric {
            "digits"
        } else {
            "letters and digits"
        };
        let expected = format!(
            "{samples} distinct codes of {length} {kind}, consecutive codes differing in at least half their positions on average"
        );
        let actual = format!(
            "lengths {:?}, {} distinct, alphabet {}, consecutive codes differ in {spread:.1} positions on average",
            codes.iter().map(String::len).collect::<BTreeSet<_>>(),
            distinct.len(),
            if codes.iter().all(alphabet_ok) {
                "as required"
            } else {
                "wrong"
            }
        );
        let ok = codes.iter().all(|c| c.len() == length && alphabet_ok(c))
            && distinct.len() == codes.len()
            && spread >= length as f64 / 2.0;
        Ok(judge(ok, expected, actual))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_codes_have_low_spread() {
        let counter: Vec<String> = (1..=12).map(|i| format!("{i:010}")).collect();
        assert!(mean_distance(&counter) < 5.0);
        let random = vec!["ABCDEFGHJK".to_string(), "ZYXWVUTSRQ".to_string()];
        assert!(mean_distance(&random) >= 5.0);
    }
}
