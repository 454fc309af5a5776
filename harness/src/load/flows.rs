//! The protocol steps a persona strings together, each one goose request with a name
//! (so goose's metrics break down by step) and a protocol check on its reply. A broken
//! rule marks the request failed with a `protocol:` tag (goose's error table then shows
//! it) and is counted by kind; a reply that is refused as the protocol requires counts
//! as a passed check.

use std::sync::Arc;

use goose::goose::GooseResponse;
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use reqwest::header;
use serde_json::Value;

use super::context::{LoadContext, UserState};
use crate::emulator::request::{login_xml, provision_xml, security_strings_xml};
use crate::emulator::{Reply, ReplyKind, otc_for, parse_reply};

/// A step failed; the iteration stops there.
pub type StepResult<T> = Result<T, Box<TransactionError>>;

/// The body of a reply, after goose recorded the request. Transport errors and
/// unexpected statuses are counted and end the step.
async fn body_of(
    user: &mut GooseUser,
    ctx: &LoadContext,
    mut goose: GooseResponse,
    step: &str,
) -> StepResult<(GooseRequestMetric, String)> {
    match goose.response {
        Err(e) => {
            ctx.stats.transport_error();
            // Goose has already counted the request as failed.
            Err(Box::new(TransactionError::Reqwest(e)))
        }
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if !status.is_success() {
                ctx.stats.http_error();
                let tag = format!("http: {step}: HTTP {}", status.as_u16());
                user.set_failure(&tag, &mut goose.request, None, Some(&text))?;
            }
            Ok((goose.request, text))
        }
    }
}

/// Marks a request failed for a broken rule and counts it.
fn protocol_error(
    user: &mut GooseUser,
    ctx: &LoadContext,
    request: &mut GooseRequestMetric,
    kind: &str,
    body: &str,
) -> Box<TransactionError> {
    ctx.stats.protocol_error(kind);
    match user.set_failure(&format!("protocol: {kind}"), request, None, Some(body)) {
        Err(e) => e,
        Ok(()) => Box::new(TransactionError::RequestFailed {
            raw_request: Box::new(request.clone()),
        }),
    }
}

/// Sends one named request through goose (so it lands in goose's metrics) and reads
/// its body; transport errors and unexpected statuses are counted by [`body_of`].
async fn send(
    user: &mut GooseUser,
    ctx: &LoadContext,
    method: GooseMethod,
    url: &str,
    builder: reqwest::RequestBuilder,
    name: &str,
) -> StepResult<(GooseRequestMetric, String)> {
    let request = GooseRequest::builder()
        .method(method)
        .path(url)
        .name(name)
        .set_request_builder(builder)
        .build();
    let goose = user.request(request).await?;
    body_of(user, ctx, goose, name).await
}

async fn control(
    user: &mut GooseUser,
    ctx: &LoadContext,
    method: GooseMethod,
    path: &str,
    json: Option<Value>,
    name: &str,
) -> StepResult<(GooseRequestMetric, Value)> {
    let url = format!("{}{path}", ctx.control_url);
    let mut builder = user
        .get_request_builder(&method, &url)?
        .bearer_auth(&ctx.control_token);
    if let Some(json) = json {
        builder = builder.json(&json);
    }
    let (metric, text) = send(user, ctx, method, &url, builder, name).await?;
    Ok((metric, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

async fn agent_xml(
    user: &mut GooseUser,
    ctx: &LoadContext,
    node: usize,
    body: String,
    name: &str,
) -> StepResult<(GooseRequestMetric, String, Option<Reply>)> {
    let url = format!(
        "{}{}",
        ctx.nodes[node % ctx.nodes.len()],
        ctx.profile.paths.agent_xml
    );
    let builder = user
        .get_request_builder(&GooseMethod::Post, &url)?
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(body);
    let (metric, text) = send(user, ctx, GooseMethod::Post, &url, builder, name).await?;
    let reply = parse_reply(text.as_bytes(), ReplyKind::Sas, &ctx.profile).ok();
    Ok((metric, text, reply))
}

fn outcome(ctx: &LoadContext, reply: &Option<Reply>) -> String {
    match reply {
        None => "MALFORMED".into(),
        Some(r) if r.result == ctx.profile.results.pass => "PASS".into(),
        Some(r) => format!("FAIL:{}", r.error.clone().unwrap_or_default()),
    }
}

/// Issues a code for pool user `position` on `node` (control API) and reads it back
/// from the outbox.
pub async fn issue_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
) -> StepResult<String> {
    let username = &ctx.pool[position].username;
    let encoded = crate::control::encode(username);
    control(
        user,
        ctx,
        GooseMethod::Post,
        &format!("/control/users/{encoded}/reprovision"),
        Some(serde_json::json!({ "node": node + 1 })),
        "control: reprovision",
    )
    .await?;
    read_code(user, ctx, position).await
}

/// Reads the newest code sent to pool user `position`.
pub async fn read_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
) -> StepResult<String> {
    let username = &ctx.pool[position].username;
    let encoded = crate::control::encode(username);
    let (mut metric, outbox) = control(
        user,
        ctx,
        GooseMethod::Get,
        &format!("/control/outbox?user={encoded}"),
        None,
        "control: outbox",
    )
    .await?;
    let code = outbox["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["code"].as_str())
        .map(str::to_string);
    match code {
        Some(code) => {
            ctx.stats.pass();
            Ok(code)
        }
        None => Err(protocol_error(
            user,
            ctx,
            &mut metric,
            "reprovision: no code delivered to the user's transport (PC-1, PC-2)",
            &outbox.to_string(),
        )),
    }
}

/// Sends a Provision for pool user `position` with `code` to `node`: the request's
/// metric, the body, the parsed reply and its outcome key.
async fn send_provision(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    code: &str,
    name: &str,
) -> StepResult<(GooseRequestMetric, String, Option<Reply>, String)> {
    let username = &ctx.pool[position].username;
    let body = provision_xml(&ctx.profile, username, code, "swivel-harness load", None);
    let (metric, text, reply) = agent_xml(user, ctx, node, body, name).await?;
    let got = outcome(ctx, &reply);
    Ok((metric, text, reply, got))
}

/// Provision that must succeed: returns the device id (PC-*, DEV-1).
pub async fn provision_ok(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    code: &str,
    name: &str,
) -> StepResult<String> {
    let (mut metric, text, reply, got) =
        send_provision(user, ctx, position, node, code, name).await?;
    match reply.and_then(|r| r.device_id).filter(|id| !id.is_empty()) {
        Some(id) if got == "PASS" => {
            ctx.stats.pass();
            Ok(id)
        }
        _ => Err(protocol_error(
            user,
            ctx,
            &mut metric,
            &format!("{name}: {got} where PASS with a device id was due"),
            &text,
        )),
    }
}

/// Provision that the protocol requires to be refused with PROVISION_FAILURE.
pub async fn provision_refused(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    code: &str,
    name: &str,
    rule: &str,
) -> StepResult<()> {
    let (mut metric, text, _, got) = send_provision(user, ctx, position, node, code, name).await?;
    if got == "FAIL:PROVISION_FAILURE" {
        ctx.stats.expected_refusal();
        Ok(())
    } else {
        Err(protocol_error(
            user,
            ctx,
            &mut metric,
            &format!("{name}: {got} where PROVISION_FAILURE was due ({rule})"),
            &text,
        ))
    }
}

/// A strings download that must hold 99 well-formed strings (SS-3).
pub async fn strings_ok(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    device: &str,
) -> StepResult<Vec<String>> {
    let body = security_strings_xml(&ctx.profile, &ctx.pool[position].username, device);
    let (mut metric, text, reply) = agent_xml(user, ctx, node, body, "strings").await?;
    let got = outcome(ctx, &reply);
    let strings = reply.map(|r| r.strings).unwrap_or_default();
    let well_formed = strings.len() == 99
        && strings
            .iter()
            .enumerate()
            .all(|(i, s)| s.len() == 12 && s.get(10..) == Some(format!("{:02}", i + 1).as_str()));
    if got == "PASS" && well_formed {
        ctx.stats.pass();
        Ok(strings)
    } else {
        let what = if got == "PASS" {
            format!("{} strings, or malformed (SS-3)", strings.len())
        } else {
            got
        };
        Err(protocol_error(
            user,
            ctx,
            &mut metric,
            &format!("strings: {what} where 99 strings were due"),
            &text,
        ))
    }
}

/// What a login must get: PASS (a fresh string) or AGENT_ERROR_BAD_OTC (a used or
/// invalidated string), with the request name and the rule it checks.
#[derive(Debug, Clone, Copy)]
pub struct LoginCheck<'a> {
    /// Whether the protocol requires the login to pass.
    pub accept: bool,
    /// Request name in goose's metrics.
    pub name: &'a str,
    /// The rule checked.
    pub rule: &'a str,
}

/// An agent login with the OTC of `string`, graded by `check`.
pub async fn login(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    string: &str,
    check: LoginCheck<'_>,
) -> StepResult<()> {
    let LoginCheck { accept, name, rule } = check;
    let pool_user = &ctx.pool[position];
    let Some(otc) = otc_for(&pool_user.pin, string) else {
        ctx.stats
            .protocol_error("login: a string too short to take an OTC from (SS-3)");
        return Ok(());
    };
    let body = login_xml(&ctx.profile, &ctx.agent_secret, &pool_user.username, &otc);
    let (mut metric, text, reply) = agent_xml(user, ctx, node, body, name).await?;
    let got = outcome(ctx, &reply);
    match (accept, got.as_str()) {
        (true, "PASS") => {
            ctx.stats.pass();
            Ok(())
        }
        (false, "FAIL:AGENT_ERROR_BAD_OTC") => {
            ctx.stats.expected_refusal();
            Ok(())
        }
        (true, _) => Err(protocol_error(
            user,
            ctx,
            &mut metric,
            &format!("{name}: {got} where PASS was due ({rule})"),
            &text,
        )),
        (false, _) => Err(protocol_error(
            user,
            ctx,
            &mut metric,
            &format!("{name}: {got} where AGENT_ERROR_BAD_OTC was due ({rule})"),
            &text,
        )),
    }
}

/// The self-service page: must answer 200 when the policy allows (SP-1).
pub async fn self_provision(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
) -> StepResult<()> {
    let url = format!(
        "{}{}",
        ctx.nodes[node % ctx.nodes.len()],
        ctx.profile.paths.self_provision
    );
    let form = [(
        ctx.profile.paths.self_provision_username_field.as_str(),
        ctx.pool[position].username.as_str(),
    )];
    let builder = user
        .get_request_builder(&GooseMethod::Post, &url)?
        .form(&form);
    send(
        user,
        ctx,
        GooseMethod::Post,
        &url,
        builder,
        "self-provision",
    )
    .await?;
    ctx.stats.pass();
    Ok(())
}

/// The goose user's state, created on first use.
pub fn state<'u>(user: &'u mut GooseUser, ctx: &LoadContext) -> &'u mut UserState {
    if user.get_session_data::<UserState>().is_none() {
        let owned =
            super::pool::owned_by(user.weighted_users_index, ctx.goose_users, ctx.pool.len());
        user.set_session_data(UserState {
            owned,
            ..UserState::default()
        });
    }
    user.get_session_data_unchecked_mut::<UserState>()
}

/// The next pool position of this goose user, or an error when it owns none.
pub fn next_position(user: &mut GooseUser, ctx: &LoadContext) -> StepResult<usize> {
    state(user, ctx).take().ok_or_else(|| {
        Box::new(TransactionError::Custom(format!(
            "goose user {} owns no pool user: the pool is smaller than the user count",
            user.weighted_users_index
        )))
    })
}

/// Timeout of a goose user's own client (goose's default request timeout).
const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Gives this goose user a client that trusts the run's CA certificate (`--ca-cert`),
/// once, before its first request. Without one, goose's own client is used as it is.
pub async fn ensure_client(user: &mut GooseUser, ctx: &LoadContext) -> StepResult<()> {
    let Some(pem) = &ctx.ca_cert_pem else {
        return Ok(());
    };
    if state(user, ctx).client_ready {
        return Ok(());
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Box::new(TransactionError::Custom(format!("--ca-cert: {e}"))))?;
    let builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(CLIENT_TIMEOUT)
        .tls_certs_merge(certs);
    user.set_client_builder(builder).await.map_err(Box::new)?;
    state(user, ctx).client_ready = true;
    Ok(())
}

/// Wraps an async step function as a goose transaction with the shared context.
#[macro_export]
macro_rules! load_transaction {
    ($ctx:expr, $name:expr, $func:path) => {{
        let ctx: std::sync::Arc<$crate::load::LoadContext> = $ctx.clone();
        goose::prelude::Transaction::new(std::sync::Arc::new(move |user| {
            let ctx = ctx.clone();
            Box::pin(async move {
                $crate::load::flows::ensure_client(user, &ctx).await?;
                $func(user, &ctx).await
            })
        }))
        .set_name($name)
    }};
}

/// For personas: the context type.
pub type Ctx = Arc<LoadContext>;
