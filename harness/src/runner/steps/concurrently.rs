//! `concurrently`: two branches of one user's mobile requests at once (both start at a
//! barrier; each branch sends its requests in order), PASS when the vector of outcome
//! keys (left branch's requests, then the right's) is one of the `allowed` vectors the
//! case gives: the outcomes of the interleavings a linearizable server may have chosen.
//! A request is a provision with a code, a strings download with a device, or a login
//! with an OTC of a saved string set; what a request returns is saved under its `save`
//! variable (a provision's device id, a download's strings) and its secrets are learnt
//! for redaction as the single-request steps learn them.

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Barrier;

use super::StepAction;
use super::common::judge;
use crate::codec::otc::app_otc;
use crate::codec::strings::{positions, string_for_index};
use crate::emulator::Exchange;
use crate::redact::SecretKind;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::Step;

fn one() -> u16 {
    1
}

/// One request of a branch: exactly one of `provision` (a code), `strings` (a device id)
/// or `login` (the variable of a saved string set, with `index`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchRequest {
    /// The code a provision presents.
    #[serde(default)]
    pub provision: Option<String>,
    /// The device id a strings download presents.
    #[serde(default)]
    pub strings: Option<String>,
    /// The variable holding the strings a login takes its OTC from.
    #[serde(default)]
    pub login: Option<String>,
    /// The string's index, for a login.
    #[serde(default)]
    pub index: Option<usize>,
    /// The node it goes to.
    #[serde(default = "one")]
    pub node: u16,
    /// Variable for a successful provision's device id or a download's strings.
    #[serde(default)]
    pub save: Option<String>,
}

/// `{ do = "concurrently", user, left = [requests], right = [requests], allowed =
/// [[outcome keys]] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concurrently {
    /// Alias.
    pub user: String,
    /// The first branch, in order.
    pub left: Vec<BranchRequest>,
    /// The second branch, in order.
    pub right: Vec<BranchRequest>,
    /// The outcome vectors allowed (left's requests, then right's).
    pub allowed: Vec<Vec<String>>,
}

/// A request ready to send: every variable expanded, the OTC made.
#[derive(Debug, Clone)]
enum Ready {
    Provision(String),
    Strings(String),
    Login(String),
}

impl StepAction for Concurrently {
    fn nodes(&self, _step: &Step) -> Vec<u16> {
        self.left.iter().chain(&self.right).map(|r| r.node).collect()
    }

    fn check(&self, _step: &Step) -> Result<(), String> {
        if self.left.is_empty() || self.right.is_empty() {
            return Err("`left` and `right` each need at least one request".into());
        }
        let n = self.left.len() + self.right.len();
        for r in self.left.iter().chain(&self.right) {
            let kinds = [&r.provision, &r.strings, &r.login]
                .iter()
                .filter(|k| k.is_some())
                .count();
            if kinds != 1 {
                return Err("a request is exactly one of `provision`, `strings`, `login`".into());
            }
            if r.login.is_some() != r.index.is_some() {
                return Err("`index` goes with `login`, and only with it".into());
            }
        }
        if self.allowed.is_empty() || self.allowed.iter().any(|v| v.len() != n) {
            return Err(format!(
                "`allowed` lists vectors of {n} outcome keys, one per request"
            ));
        }
        Ok(())
    }

    async fn run(&self, _step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let user = &self.user;
        let name = run.username(user);
        let left = prepare(&self.left, user, run)?;
        let right = prepare(&self.right, user, run)?;
        let barrier = Arc::new(Barrier::new(2));
        let mut tasks = tokio::task::JoinSet::new();
        for (side, branch) in [(0usize, left), (1, right)] {
            let (client, name, barrier) = (run.client.clone(), name.clone(), barrier.clone());
            let secret = run.vars.expand("${agent_secret}")?;
            tasks.spawn(async move {
                barrier.wait().await;
                let mut out = Vec::new();
                for (ep, req) in branch {
                    let x = match req {
                        Ready::Provision(code) => client.provision(&ep, &name, &code).await,
                        Ready::Strings(device) => {
                            client.security_strings(&ep, &name, &device).await
                        }
                        Ready::Login(otc) => client.agent_login(&ep, &secret, &name, &otc).await,
                    };
                    out.push(x);
                }
                (side, out)
            });
        }
        let mut done: [Vec<Exchange>; 2] = [Vec::new(), Vec::new()];
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((side, out)) => {
                    if let Some(slot) = done.get_mut(side) {
                        *slot = out;
                    }
                }
                Err(e) => {
                    return Err(StepResult::Inconclusive(format!(
                        "concurrent branch failed: {e}"
                    )));
                }
            }
        }
        let [left_x, right_x] = done;
        let requests: Vec<&BranchRequest> = self.left.iter().chain(&self.right).collect();
        let exchanges: Vec<Exchange> = left_x.into_iter().chain(right_x).collect();
        for (i, (r, x)) in requests.iter().zip(&exchanges).enumerate() {
            self.keep(run, i, r, x);
        }
        if let Some(x) = exchanges.iter().find(|x| x.outcome.is_transport()) {
            return Err(StepResult::Inconclusive(format!(
                "transport error in a concurrent branch: {}",
                x.outcome.key()
            )));
        }
        let observed: Vec<String> = exchanges.iter().map(|x| x.outcome.key()).collect();
        let show = |v: &[String]| format!("[{}]", v.join(", "));
        let expected: Vec<String> = self.allowed.iter().map(|v| show(v)).collect();
        let expected = format!(
            "the outcomes of some interleaving of the two branches: one of {}",
            expected.join(" or ")
        );
        if self.allowed.contains(&observed) {
            return Ok(StepResult::Pass {
                expected,
                actual: show(&observed),
            });
        }
        Ok(judge(
            false,
            expected,
            format!("{} (no interleaving gives it)", show(&observed)),
        ))
    }
}

impl Concurrently {
    /// Records a request's exchange, learns its secrets and saves what it returned.
    fn keep(&self, run: &mut CaseRun<'_>, i: usize, r: &BranchRequest, x: &Exchange) {
        let branch = if i < self.left.len() { "left" } else { "right" };
        let what = match (&r.provision, &r.strings, &r.login) {
            (Some(_), _, _) => "provision",
            (_, Some(_), _) => "download strings",
            _ => "agent login",
        };
        run.record_exchange(
            x,
            &format!(
                "{what} for {} on node {} ({branch} branch, concurrently)",
                self.user, r.node
            ),
        );
        let reply = x.reply.as_ref();
        if let Some(id) = reply.and_then(|r| r.device_id.as_ref()) {
            run.redactor.learn(id, SecretKind::DeviceId);
        }
        let strings = reply.and_then(|r| r.strings_text.clone());
        if let Some(text) = &strings {
            for s in positions(text, run.client.profile()) {
                run.redactor.learn(s, SecretKind::String);
            }
        }
        let (Some(var), "PASS") = (&r.save, x.outcome.key().as_str()) else {
            return;
        };
        let value = if r.provision.is_some() {
            reply.and_then(|r| r.device_id.clone())
        } else {
            strings
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            run.vars.set(var, value);
        }
    }
}

/// Expands a branch's variables and makes its OTCs before anything is sent.
fn prepare(
    branch: &[BranchRequest],
    user: &str,
    run: &mut CaseRun<'_>,
) -> Result<Vec<(crate::emulator::Endpoint, Ready)>, StepResult> {
    let mut out = Vec::new();
    for r in branch {
        let ep = run.node(r.node)?.clone();
        let ready = match (&r.provision, &r.strings, &r.login, r.index) {
            (Some(code), _, _, _) => Ready::Provision(run.vars.expand(code)?),
            (_, Some(device), _, _) => Ready::Strings(run.vars.expand(device)?),
            (_, _, Some(set), Some(index)) => {
                let all = run.vars.expand(&format!("${{{set}}}"))?;
                let profile = run.client.profile();
                let string = string_for_index(&all, index, profile).unwrap_or_default();
                let Some(otc) = app_otc(&run.pin(user), string, index) else {
                    return Err(judge(
                        false,
                        format!("a string from which the app makes the OTC for index {index:02}"),
                        format!("the string for index {index:02} is too short"),
                    ));
                };
                run.redactor.learn(&otc, SecretKind::Otc);
                Ready::Login(otc)
            }
            _ => {
                return Err(StepResult::Inconclusive(
                    "harness error: a concurrent request of no known kind".into(),
                ));
            }
        };
        out.push((ep, ready));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::scenario::step::Step;

    fn step(text: &str) -> Result<Step, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        Step::from_table(table)
    }

    const LEFT: &str = r#"left = [{ provision = "${c}", node = 1, save = "d" }]"#;

    #[test]
    fn a_step_reads_with_nested_requests() {
        let ok = step(&format!(
            "do = \"concurrently\"\nuser = \"u\"\n{LEFT}\nright = [{{ login = \"s\", index = 2 }}]\nallowed = [[\"PASS\", \"PASS\"]]"
        ));
        let ok = ok.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.name(), "concurrently");
        assert_eq!(ok.nodes(), vec![1, 1]);
    }

    #[test]
    fn load_checks_refuse_what_cannot_run() {
        let cases = [
            // a request of two kinds
            r#"right = [{ login = "s", index = 2, strings = "x" }]
allowed = [["PASS", "PASS"]]"#,
            // a login without an index
            r#"right = [{ login = "s" }]
allowed = [["PASS", "PASS"]]"#,
            // an empty branch
            r#"right = []
allowed = [["PASS"]]"#,
            // a vector of the wrong length
            r#"right = [{ strings = "${d}" }]
allowed = [["PASS"]]"#,
        ];
        for rest in cases {
            let text = format!("do = \"concurrently\"\nuser = \"u\"\n{LEFT}\n{rest}");
            assert!(step(&text).is_err(), "{text}");
        }
    }
}
