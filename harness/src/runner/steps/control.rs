//! Control steps: policies, reprovision, outbox, clock and log, through the target's
//! control API. A control call that fails on the network is INCONCLUSIVE; a refusal is a
//! result the step grades.

use serde_json::Value;

use super::judge;
use crate::control::ControlError;
use crate::redact::SecretKind;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Step;

fn inconclusive(e: ControlError) -> StepResult {
    StepResult::Inconclusive(format!("control API: {e}"))
}

/// `accepted` or `refused` from a control reply; transport errors are inconclusive.
fn acceptance<T>(
    result: Result<T, ControlError>,
) -> Result<(&'static str, Option<T>, String), StepResult> {
    match result {
        Ok(v) => Ok(("accepted", Some(v), String::new())),
        Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
            Ok(("refused", None, e.to_string()))
        }
        Err(e) => Err(inconclusive(e)),
    }
}

impl CaseRun<'_> {
    pub(super) async fn control_step(&mut self, step: &Step) -> StepResult {
        match self.control_step_inner(step).await {
            Ok(r) | Err(r) => r,
        }
    }

    async fn control_step_inner(&mut self, step: &Step) -> Result<StepResult, StepResult> {
        let control = self.env.control.clone();
        let n = self.step;
        Ok(match step {
            Step::DeleteUser { user } => {
                let name = self.username(user);
                control.delete_user(&name).await.map_err(inconclusive)?;
                self.note_control(n, format!("delete user {user}"), String::new());
                judge(true, "user deleted", "user deleted")
            }
            Step::SetPolicy { policy, expect } => {
                let patch = serde_json::to_value(policy).map_err(|e| {
                    StepResult::Inconclusive(format!("scenario error: policy: {e}"))
                })?;
                let (got, _, why) = acceptance(control.set_policies(patch.clone()).await)?;
                self.note_control(n, format!("set policy {patch}"), format!("{got} {why}"));
                judge(
                    got == expect,
                    format!("policy change {expect}"),
                    format!("policy change {got} {why}"),
                )
            }
            Step::ExpectPolicy { path, equals } => {
                let policies = control.policies().await.map_err(inconclusive)?;
                let pointer = format!("/{}", path.replace('.', "/"));
                let actual = policies.pointer(&pointer).cloned().unwrap_or(Value::Null);
                let expected = serde_json::to_value(equals).unwrap_or(Value::Null);
                judge(
                    actual == expected,
                    format!("policy {path} = {expected}"),
                    format!("policy {path} = {actual}"),
                )
            }
            Step::Reprovision { user, node, expect } => {
                let name = self.username(user);
                let (got, reply, why) = acceptance(control.reprovision(&name, *node).await)?;
                // A server that (wrongly) returns the code to the requester must not get
                // it into the report either.
                if let Some(code) = reply.as_ref().and_then(|r| r["code"].as_str()) {
                    self.redactor.learn(code, SecretKind::Code);
                }
                let body = reply.map(|r| r.to_string()).unwrap_or_default();
                self.vars.set("last_reprovision_reply", body.clone());
                self.note_control(
                    n,
                    format!("reprovision {user} on node {node}"),
                    format!("{got} {body}{why}"),
                );
                judge(
                    got == expect,
                    format!("reprovision {expect}"),
                    format!("reprovision {got} {why}"),
                )
            }
            Step::ReadCode {
                user,
                save,
                save_url,
            } => {
                let name = self.username(user);
                let messages = control.outbox(&name).await.map_err(inconclusive)?;
                let Some(last) = messages.last() else {
                    return Ok(judge(
                        false,
                        "a message with a provision code in the user's outbox",
                        "no message was sent",
                    ));
                };
                self.note_control(
                    n,
                    format!("read outbox of {user}"),
                    format!(
                        "{} message(s); newest via {} {} : {}",
                        messages.len(),
                        last.transport,
                        last.kind,
                        last.body
                    ),
                );
                let Some(code) = last.code.clone().filter(|c| !c.is_empty()) else {
                    return Ok(judge(
                        false,
                        "the message carries a provision code",
                        "the message carries no code",
                    ));
                };
                self.redactor.learn(&code, SecretKind::Code);
                self.vars.set(save, code);
                if let Some(url) = &last.url {
                    self.redactor.learn(url, SecretKind::Url);
                }
                if let Some(var) = save_url {
                    self.vars.set(var, last.url.clone().unwrap_or_default());
                }
                judge(
                    true,
                    "a provision code delivered to the user's transport",
                    "code delivered",
                )
            }
            Step::ExpectOutbox {
                user,
                transport,
                url_prefix,
                count,
            } => {
                let name = self.username(user);
                let messages = control.outbox(&name).await.map_err(inconclusive)?;
                if let Some(count) = count
                    && messages.len() != *count
                {
                    return Ok(judge(
                        false,
                        format!("{count} message(s) sent"),
                        format!("{} sent", messages.len()),
                    ));
                }
                let Some(last) = messages.last() else {
                    return Ok(judge(true, "no message", "no message"));
                };
                if let Some(t) = transport
                    && &last.transport != t
                {
                    return Ok(judge(
                        false,
                        format!("sent via the {t} transport"),
                        format!("sent via {}", last.transport),
                    ));
                }
                if let Some(prefix) = url_prefix {
                    let prefix = self.vars.expand(prefix)?;
                    let url = last.url.clone().unwrap_or_default();
                    if !url.starts_with(&prefix) {
                        return Ok(judge(
                            false,
                            format!("a URL starting {prefix}"),
                            format!("URL {url:?}"),
                        ));
                    }
                }
                judge(
                    true,
                    "message as required",
                    format!("via {} to {}", last.transport, last.destination),
                )
            }
            Step::Advance { seconds } => {
                control.advance(*seconds).await.map_err(inconclusive)?;
                self.transcript.push(TranscriptEntry::Clock {
                    step: n,
                    advanced_secs: *seconds,
                });
                judge(true, "clock moved", "clock moved")
            }
            Step::MarkLog => {
                self.log_mark = control.log_position().await.map_err(inconclusive)?;
                judge(true, "log marked", "log marked")
            }
            Step::ExpectLog {
                text,
                node,
                absent,
                partial,
            } => {
                let text = self.vars.expand(text)?;
                let (entries, _) = control
                    .log_since(self.log_mark)
                    .await
                    .map_err(inconclusive)?;
                let lines: Vec<String> = entries
                    .iter()
                    .map(|e| format!("node {} @ {}: {}", e.node, e.at_ms, e.text))
                    .collect();
                self.transcript
                    .push(TranscriptEntry::Log { step: n, lines });
                let found = entries.iter().any(|e| {
                    node.is_none_or(|k| e.node == k)
                        && if *partial {
                            e.text.contains(&text)
                        } else {
                            e.text == text
                        }
                });
                let at = node.map(|k| format!(" on node {k}")).unwrap_or_default();
                let how = if *partial { "containing" } else { "exactly" };
                if *absent {
                    judge(
                        !found,
                        format!("no log line {how} {text:?}{at}"),
                        if found {
                            "the line was logged"
                        } else {
                            "not logged"
                        },
                    )
                } else {
                    judge(
                        found,
                        format!("a log line {how} {text:?}{at}"),
                        if found {
                            "logged"
                        } else {
                            "no such line in the log"
                        },
                    )
                }
            }
            _ => {
                StepResult::Inconclusive(format!("internal: {} is not a control step", step.name()))
            }
        })
    }

    pub(super) fn note_control(&mut self, step: usize, action: String, detail: String) {
        self.transcript.push(TranscriptEntry::Control {
            step,
            action,
            detail,
        });
    }
}
