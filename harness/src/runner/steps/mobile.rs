//! Mobile steps: what the app (or an agent) sends, through the emulator, graded against
//! the step's acceptable outcomes. Each exchange goes into the transcript; secrets in the
//! reply are learned by the redactor before anything is reported.

use std::sync::Arc;

use tokio::sync::Barrier;

use super::judge;
use crate::codec::otc::app_otc;
use crate::codec::strings::{positions, string_for_index};
use crate::codec::{ProvisionExtras, SsdSettings};
use crate::emulator::Exchange;
use crate::redact::SecretKind;
use crate::report::TranscriptEntry;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::Step;
use crate::scenario::step::{Expect, Grade, OneOrMany};

impl CaseRun<'_> {
    pub(super) async fn mobile_step(&mut self, step: &Step) -> StepResult {
        match self.mobile_step_inner(step).await {
            Ok(r) | Err(r) => r,
        }
    }

    async fn mobile_step_inner(&mut self, step: &Step) -> Result<StepResult, StepResult> {
        let client = self.client;
        let (exchange, expect, non_strict, save_reply, action) = match step {
            Step::Provision {
                user,
                code,
                node,
                device_os,
                action,
                save_reply,
                expect,
                non_strict,
                ..
            } => {
                let (name, code) = (self.username(user), self.vars.expand(code)?);
                let ep = self.node(*node)?.clone();
                let extras = ProvisionExtras {
                    action: action.clone(),
                    device_os: device_os.clone(),
                    push_id: None,
                };
                let x = client.provision_with(&ep, &name, &code, &extras).await;
                (
                    x,
                    expect,
                    non_strict,
                    save_reply,
                    format!("provision {user} on node {node}"),
                )
            }
            Step::Strings {
                user,
                device,
                node,
                send_username,
                save_reply,
                expect,
                non_strict,
                ..
            } => {
                let (name, device) = (self.username(user), self.vars.expand(device)?);
                let ep = self.node(*node)?.clone();
                let x = match send_username {
                    None => client.security_strings(&ep, &name, &device).await,
                    Some(named) => {
                        let username = named.then_some(name.as_str());
                        client.security_strings_naming(&ep, username, &device).await
                    }
                };
                (
                    x,
                    expect,
                    non_strict,
                    save_reply,
                    format!("download strings for {user} on node {node}"),
                )
            }
            Step::TokenIndex {
                user,
                device,
                node,
                expect,
                non_strict,
                ..
            } => {
                let (name, device) = (self.username(user), self.vars.expand(device)?);
                let ep = self.node(*node)?.clone();
                let x = client.token_index(&ep, &name, &device).await;
                (
                    x,
                    expect,
                    non_strict,
                    &None,
                    format!("token index for {user} on node {node}"),
                )
            }
            Step::Login {
                user,
                strings,
                index,
                node,
                secret,
                save_reply,
                expect,
                non_strict,
            } => {
                let name = self.username(user);
                let all = self.vars.expand(&format!("${{{strings}}}"))?;
                // As the app does: the string at the position of this index, unchecked,
                // and the index it asked for. A reply that leaves the app nothing usable
                // there is the server's fault, judged like any other wrong reply.
                let profile = client.profile();
                let position = profile.strings.layout.position_of(*index);
                let string = string_for_index(&all, *index, profile).unwrap_or_default();
                let Some(otc) = app_otc(&self.pin(user), string, *index) else {
                    return Err(judge(
                        false,
                        format!(
                            "a string of at least 10 characters at position {position}, from which the app makes the OTC for index {index:02}"
                        ),
                        format!(
                            "position {position} holds {} characters",
                            string.chars().count()
                        ),
                    ));
                };
                self.redactor.learn(&otc, SecretKind::Otc);
                let secret = self.vars.expand(secret)?;
                let ep = self.node(*node)?.clone();
                let x = client.agent_login(&ep, &secret, &name, &otc).await;
                (
                    x,
                    expect,
                    non_strict,
                    save_reply,
                    format!("agent login for {user} with string {index} on node {node}"),
                )
            }
            Step::Ping {
                node,
                expect,
                non_strict,
            } => {
                let ep = self.node(*node)?.clone();
                (
                    client.ping(&ep).await,
                    expect,
                    non_strict,
                    &None,
                    format!("ping node {node}"),
                )
            }
            Step::Ssd {
                site_id,
                expect,
                non_strict,
                ..
            } => {
                let site = self.vars.expand(site_id)?;
                let root = self.node(1)?.root_url();
                (
                    client.ssd_lookup(&root, &site).await,
                    expect,
                    non_strict,
                    &None,
                    format!("Site ID lookup of {site}"),
                )
            }
            Step::SelfProvision {
                user,
                node,
                save_reply,
                expect,
                non_strict,
            } => {
                let name = self.username(user);
                let ep = self.node(*node)?.clone();
                let x = client.self_provision(&ep, &name).await;
                (
                    x,
                    expect,
                    non_strict,
                    save_reply,
                    format!("self-provision request for {user} on node {node}"),
                )
            }
            Step::QrCode {
                text,
                node,
                expect,
                non_strict,
            } => {
                let text = self.vars.expand(text)?;
                let ep = self.node(*node)?.clone();
                (
                    client.qr_code(&ep, &text).await,
                    expect,
                    non_strict,
                    &None,
                    format!("QR code on node {node}"),
                )
            }
            Step::Get {
                path,
                node,
                expect,
                non_strict,
            } => {
                let path = self.vars.expand(path)?;
                let url = format!("{}{path}", self.node(*node)?.root_url());
                (
                    client.get(&url).await,
                    expect,
                    non_strict,
                    &None,
                    format!("GET {path} on node {node}"),
                )
            }
            Step::Raw {
                body,
                node,
                save_reply,
                expect,
                non_strict,
            } => {
                let body = self.vars.expand(body)?;
                let ep = self.node(*node)?.clone();
                let x = client.raw_agent_xml(&ep, body.into_bytes()).await;
                (
                    x,
                    expect,
                    non_strict,
                    save_reply,
                    format!("raw Agent-XML request on node {node}"),
                )
            }
            Step::ConcurrentProvision {
                user,
                code,
                count,
                nodes,
                passes,
            } => {
                return self
                    .concurrent_provision(user, code, *count, nodes, *passes)
                    .await;
            }
            _ => {
                return Err(StepResult::Inconclusive(format!(
                    "internal: {} is not a mobile step",
                    step.name()
                )));
            }
        };
        self.learn_reply(&exchange, step);
        self.record_exchange(&exchange, &action);
        if let Some(prefix) = save_reply {
            self.save_reply(prefix, &exchange);
        }
        let mut result = grade(&exchange, expect, non_strict);
        if let StepResult::Pass { .. } = result {
            result = self.post_checks(step, &exchange)?;
        }
        Ok(result)
    }

    /// Extra conditions a PASS outcome must meet (saved values, index, port).
    fn post_checks(&mut self, step: &Step, x: &Exchange) -> Result<StepResult, StepResult> {
        let outcome = x.outcome.key();
        let reply = x.reply.as_ref();
        match step {
            Step::Provision {
                save_device: Some(var),
                ..
            } => {
                let Some(id) = reply
                    .and_then(|r| r.device_id.clone())
                    .filter(|i| !i.is_empty())
                else {
                    return Ok(judge(
                        false,
                        "PASS with a device id",
                        "PASS without a device id",
                    ));
                };
                self.vars.set(var, id);
            }
            Step::Strings {
                save: Some(var), ..
            } => {
                let strings = reply.and_then(|r| r.strings_text.clone());
                self.vars.set(var, strings.unwrap_or_default());
            }
            Step::TokenIndex {
                equals: Some(want), ..
            } => {
                let got = reply.and_then(|r| r.token_index);
                return Ok(judge(
                    got == Some(*want),
                    format!("PASS with index {want}"),
                    format!("index {got:?}"),
                ));
            }
            Step::QrCode { text, .. } => {
                let want = self.vars.expand(text)?;
                let got = reply.and_then(|r| r.qr_text.clone());
                return Ok(judge(
                    got.as_deref() == Some(want.as_str()),
                    "a QR image that decodes to the requested text",
                    match got {
                        Some(g) if g == want => {
                            "the image decodes to the requested text".to_string()
                        }
                        Some(g) => format!("the image decodes to {g:?}"),
                        None => "the image does not decode".to_string(),
                    },
                ));
            }
            Step::Ssd {
                port_of_node: Some(k),
                ..
            } => {
                // CLI-1: the app uses exactly the scheme, host, port and context returned,
                // so they must name this node.
                let want = self.node(*k)?.base_url.clone();
                let got = reply
                    .and_then(|r| r.ssd.as_ref())
                    .map(SsdSettings::base_url);
                return Ok(judge(
                    got.as_deref() == Some(want.as_str()),
                    format!("settings from which an app builds {want}"),
                    match got {
                        Some(url) => format!("settings from which an app builds {url}"),
                        None => "no settings".to_string(),
                    },
                ));
            }
            _ => {}
        }
        Ok(StepResult::Pass {
            expected: outcome.clone(),
            actual: outcome,
        })
    }

    fn learn_reply(&mut self, x: &Exchange, step: &Step) {
        if let Some(reply) = &x.reply {
            if let Some(id) = &reply.device_id
                && matches!(step, Step::Provision { .. })
            {
                self.redactor.learn(id, SecretKind::DeviceId);
            }
            if let Some(text) = &reply.strings_text {
                for s in positions(text, self.client.profile()) {
                    self.redactor.learn(s, SecretKind::String);
                }
            }
        }
    }

    pub(crate) fn record_exchange(&mut self, x: &Exchange, action: &str) {
        self.transcript.push(TranscriptEntry::Exchange {
            step: self.step,
            action: action.to_string(),
            node: None,
            method: x.method.clone(),
            url: x.url.clone(),
            request: x.request_body.clone(),
            status: x.status,
            response: x.response_body.clone(),
            outcome: x.outcome.key(),
            app_message: x.app_message().to_string(),
            elapsed_ms: u64::try_from(x.elapsed.as_millis()).unwrap_or(u64::MAX),
        });
    }

    fn save_reply(&mut self, prefix: &str, x: &Exchange) {
        let set = |vars: &mut crate::scenario::vars::Vars, k: &str, v: String| {
            vars.set(&format!("{prefix}.{k}"), v)
        };
        set(&mut self.vars, "outcome", x.outcome.key());
        set(
            &mut self.vars,
            "status",
            x.status.map(|s| s.to_string()).unwrap_or_default(),
        );
        set(&mut self.vars, "body", x.response_body.clone());
        set(&mut self.vars, "app_message", x.app_message().to_string());
        set(
            &mut self.vars,
            "elapsed_ms",
            x.elapsed.as_millis().to_string(),
        );
        if let Some(reply) = &x.reply {
            set(
                &mut self.vars,
                "error",
                reply.error.clone().unwrap_or_default(),
            );
            set(
                &mut self.vars,
                "message",
                reply.message.clone().unwrap_or_default(),
            );
            for (id, content) in &reply.policies {
                set(&mut self.vars, &format!("policy.{id}"), content.clone());
            }
            set(
                &mut self.vars,
                "policies_shape",
                reply.policies_shape.unwrap_or_default().to_string(),
            );
        }
    }

    async fn concurrent_provision(
        &mut self,
        user: &str,
        code: &str,
        count: usize,
        nodes: &[u16],
        passes: usize,
    ) -> Result<StepResult, StepResult> {
        let name = self.username(user);
        let code = self.vars.expand(code)?;
        let nodes = if nodes.is_empty() {
            vec![1]
        } else {
            nodes.to_vec()
        };
        let mut endpoints = Vec::new();
        for k in &nodes {
            endpoints.push(self.node(*k)?.clone());
        }
        let barrier = Arc::new(Barrier::new(count.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let (client, ep) = (self.client.clone(), endpoints[i % endpoints.len()].clone());
            let (name, code, barrier) = (name.clone(), code.clone(), barrier.clone());
            tasks.spawn(async move {
                barrier.wait().await;
                client.provision(&ep, &name, &code).await
            });
        }
        let mut outcomes = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(x) => outcomes.push(x),
                Err(e) => {
                    return Err(StepResult::Inconclusive(format!(
                        "concurrent request task failed: {e}"
                    )));
                }
            }
        }
        for x in &outcomes {
            if let Some(id) = x.reply.as_ref().and_then(|r| r.device_id.as_ref()) {
                self.redactor.learn(id, SecretKind::DeviceId);
            }
        }
        if let Some(x) = outcomes.iter().find(|x| x.outcome.is_transport()) {
            return Err(StepResult::Inconclusive(format!(
                "transport error among concurrent requests: {}",
                x.outcome.key()
            )));
        }
        let passed = outcomes
            .iter()
            .filter(|x| x.outcome.key() == "PASS")
            .count();
        let mut keys: Vec<String> = outcomes.iter().map(|x| x.outcome.key()).collect();
        keys.sort();
        keys.dedup();
        // Keep one success and one refusal as evidence rather than 50 exchanges.
        for key in &keys {
            if let Some(x) = outcomes.iter().find(|x| &x.outcome.key() == key) {
                self.record_exchange(
                    x,
                    &format!("one of {count} concurrent provision requests ({key})"),
                );
            }
        }
        Ok(judge(
            passed == passes,
            format!("exactly {passes} of {count} concurrent requests with one code succeed"),
            format!(
                "{passed} of {count} succeeded (outcomes: {})",
                keys.join(", ")
            ),
        ))
    }
}

/// Grades an exchange's outcome against the step's acceptable outcomes.
fn grade(x: &Exchange, expect: &OneOrMany, non_strict: &[String]) -> StepResult {
    let expect = Expect::new(expect, non_strict);
    let key = x.outcome.key();
    let actual = match &x.reply {
        Some(r) => match &r.message {
            Some(m) if !m.is_empty() => {
                format!("{key} ({m}); the app shows \"{}\"", x.app_message())
            }
            _ => format!("{key}; the app shows \"{}\"", x.app_message()),
        },
        None => format!("{key}; the app shows \"{}\"", x.app_message()),
    };
    match expect.grade(&key) {
        Grade::Pass => StepResult::Pass {
            expected: expect.describe(),
            actual,
        },
        _ if x.outcome.is_transport() => {
            StepResult::Inconclusive(format!("{} {}: {key}", x.method, x.url))
        }
        Grade::NonStrict => StepResult::NonStrict {
            expected: expect.describe(),
            actual,
        },
        Grade::Violation => StepResult::Violation {
            expected: expect.describe(),
            actual,
        },
    }
}
