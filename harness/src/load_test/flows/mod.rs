//! The protocol steps a persona strings together, each one goose request with a name
//! (so goose's metrics break down by step) and a protocol check on its reply. Requests
//! are written and replies judged by the same [`crate::codec`] the emulator uses, so a
//! load run can never judge differently from a conformance run. A broken rule marks the
//! request failed with a `protocol:` tag (goose's error table then shows it) and is
//! counted by kind; a reply that is refused as the protocol requires counts as a passed
//! check. How a code is issued and read (control API, or Admin XML and the mail sink of
//! a real server) is in [`codes`].

use std::sync::Arc;

use goose::goose::GooseResponse;
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;

use super::context::{LoadContext, UserState};
use super::samples::{CONTROL_NODE, Outcome as SampleOutcome, Record};
use crate::codec::otc::app_otc;
use crate::codec::request::{self, Method, ProvisionExtras, WireRequest};
use crate::codec::strings::{check_layout, string_for_index};
use crate::codec::{Outcome, Received, Reply, judge};

mod codes;

pub use codes::{ADMIN_REPROVISION, issue_code, read_code, self_service_code};

/// A step failed; the iteration stops there.
pub type FlowResult<T> = Result<T, Box<TransactionError>>;

/// Most reply bytes judged; larger replies are MALFORMED, as in the emulator.
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// The body of a reply, after goose recorded the request. Transport errors are counted
/// and end the step.
async fn received(
    ctx: &LoadContext,
    goose: GooseResponse,
) -> FlowResult<(GooseRequestMetric, Received)> {
    match goose.response {
        Err(e) => {
            ctx.stats.transport_error();
            // Goose has already counted the request as failed.
            Err(Box::new(TransactionError::Reqwest(e)))
        }
        Ok(response) => {
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let body = response
                .bytes()
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            let truncated = body.len() > MAX_REPLY_BYTES;
            Ok((
                goose.request,
                Received {
                    status: Some(status),
                    content_type,
                    bytes_read: body.len(),
                    body: if truncated {
                        body.get(..MAX_REPLY_BYTES).unwrap_or_default().to_vec()
                    } else {
                        body
                    },
                    truncated,
                    transport_error: None,
                },
            ))
        }
    }
}

/// Marks a request failed for an unexpected HTTP status and counts it.
fn http_error(
    user: &mut GooseUser,
    ctx: &LoadContext,
    request: &mut GooseRequestMetric,
    step: &str,
    status: u16,
    body: &str,
) -> Box<TransactionError> {
    ctx.stats.http_error();
    fail_request(
        user,
        ctx,
        request,
        &format!("http: {step}: HTTP {status}"),
        body,
    )
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
    fail_request(user, ctx, request, &format!("protocol: {kind}"), body)
}

/// Marks a request failed in goose's metrics with `tag`, and in the run's samples with
/// the outcome the tag names; the error ends the step.
fn fail_request(
    user: &mut GooseUser,
    ctx: &LoadContext,
    request: &mut GooseRequestMetric,
    tag: &str,
    body: &str,
) -> Box<TransactionError> {
    // A goose user is sequential: the request judged is its latest one.
    if let Some(index) = state(user, ctx).last_sample {
        ctx.samples.mark(
            index,
            SampleOutcome::of_goose_error(tag, request.status_code),
        );
    }
    match user.set_failure(tag, request, None, Some(body)) {
        Err(e) => e,
        Ok(()) => Box::new(TransactionError::RequestFailed {
            raw_request: Box::new(request.clone()),
        }),
    }
}

/// Sends one named request through goose (so it lands in goose's metrics) to node
/// `node` (0-based; `None`: the control API), and records it in the run's samples.
async fn send(
    user: &mut GooseUser,
    ctx: &LoadContext,
    (method, url, node): (GooseMethod, &str, Option<usize>),
    builder: reqwest::RequestBuilder,
    name: &str,
) -> FlowResult<(GooseRequestMetric, Received)> {
    let request = GooseRequest::builder()
        .method(method)
        .path(url)
        .name(name)
        .set_request_builder(builder)
        .build();
    let goose = user.request(request).await?;
    let metric = &goose.request;
    let node_label = node.map(|n| format!("node {}", n + 1));
    let index = ctx.samples.record(Record {
        t_ms: metric.elapsed,
        name,
        node: node_label.as_deref().unwrap_or(CONTROL_NODE),
        latency_us: metric.response_time_micros(),
        status: metric.status_code,
        outcome: if goose.response.is_err() {
            SampleOutcome::Transport
        } else {
            SampleOutcome::Ok
        },
    });
    state(user, ctx).last_sample = index;
    received(ctx, goose).await
}

/// What one protocol request got: its metric, the judged outcome, the parsed reply and
/// the body text (for goose's error log).
struct Judged {
    metric: GooseRequestMetric,
    outcome: Outcome,
    reply: Option<Reply>,
    text: String,
}

/// Sends a codec request to node `node` and judges the reply as the emulator does. An
/// HTTP outcome (a status without a reply) is counted as an HTTP error.
async fn exchange(
    user: &mut GooseUser,
    ctx: &LoadContext,
    node: usize,
    wire: WireRequest,
    name: &str,
) -> FlowResult<Judged> {
    let base = &ctx.nodes[node % ctx.nodes.len()];
    let url = wire.url(base, &root_of(base));
    let method = match wire.method {
        Method::Get => GooseMethod::Get,
        Method::Post => GooseMethod::Post,
    };
    let builder = wire.apply(user.get_request_builder(&method, &url)?);
    let target = (method, url.as_str(), Some(node % ctx.nodes.len()));
    let (mut metric, got) = send(user, ctx, target, builder, name).await?;
    let (outcome, reply) = judge(wire.call, &got, &ctx.profile, MAX_REPLY_BYTES);
    let text = String::from_utf8_lossy(&got.body).into_owned();
    if let Outcome::Http(status) = outcome {
        return Err(http_error(user, ctx, &mut metric, name, status, &text));
    }
    Ok(Judged {
        metric,
        outcome,
        reply,
        text,
    })
}

/// `<scheme>://<host>:<port>` of a node base URL.
fn root_of(base: &str) -> String {
    crate::emulator::Endpoint::new(base).root_url()
}

/// Counts `got` as a passed check when its outcome key is `want` (a success, or a
/// refusal the protocol requires), else as a protocol error naming `rule`.
fn expect_key(
    user: &mut GooseUser,
    ctx: &LoadContext,
    got: &mut Judged,
    want: &str,
    name: &str,
    rule: &str,
) -> FlowResult<()> {
    let key = got.outcome.key();
    if key != want {
        let kind = format!("{name}: {key} where {want} was due ({rule})");
        return Err(protocol_error(user, ctx, &mut got.metric, &kind, &got.text));
    }
    if got.outcome.is_pass() {
        ctx.stats.pass();
    } else {
        ctx.stats.expected_refusal();
    }
    Ok(())
}

/// Sends the app's provision for pool user `position` with `code` to `node`.
async fn send_provision(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    code: &str,
    name: &str,
) -> FlowResult<Judged> {
    let username = &ctx.pool[position].username;
    let wire = request::provision(&ctx.profile, username, code, &ProvisionExtras::default());
    exchange(user, ctx, node, wire, name).await
}

/// Provision that must succeed: returns the device id (PC-*, DEV-1).
pub async fn provision_ok(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    code: &str,
    name: &str,
) -> FlowResult<String> {
    let mut got = send_provision(user, ctx, position, node, code, name).await?;
    let device = got.reply.as_ref().and_then(|r| r.device_id.clone());
    match device.filter(|id| !id.is_empty()) {
        Some(id) if got.outcome.is_pass() => {
            ctx.stats.pass();
            Ok(id)
        }
        _ => Err(protocol_error(
            user,
            ctx,
            &mut got.metric,
            &format!(
                "{name}: {} where PASS with a device id was due",
                got.outcome.key()
            ),
            &got.text,
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
) -> FlowResult<()> {
    let mut got = send_provision(user, ctx, position, node, code, name).await?;
    expect_key(user, ctx, &mut got, "FAIL:PROVISION_FAILURE", name, rule)
}

/// A strings download that must hold 99 strings in the profile's layout (SS-3,
/// WIRE-4); returns the `<SecurityStrings>` text.
pub async fn strings_ok(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    device: &str,
) -> FlowResult<String> {
    let username = &ctx.pool[position].username;
    let named = request::strings_username(&ctx.profile, username);
    let wire = request::security_strings(&ctx.profile, named, device);
    let mut got = exchange(user, ctx, node, wire, "strings").await?;
    let text = got
        .reply
        .as_ref()
        .and_then(|r| r.strings_text.clone())
        .unwrap_or_default();
    let problem = if got.outcome.is_pass() {
        check_layout(&text, &ctx.profile, 99, 10)
            .err()
            .map(|p| format!("{p} (SS-3, WIRE-4)"))
    } else {
        Some(got.outcome.key())
    };
    match problem {
        None => {
            ctx.stats.pass();
            Ok(text)
        }
        Some(what) => Err(protocol_error(
            user,
            ctx,
            &mut got.metric,
            &format!("strings: {what} where 99 strings were due"),
            &got.text,
        )),
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

/// An agent login with the OTC the app makes from string `index` of `strings` (the
/// `<SecurityStrings>` text), graded by `check`.
pub async fn login(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
    strings: &str,
    index: usize,
    check: LoginCheck<'_>,
) -> FlowResult<()> {
    let LoginCheck { accept, name, rule } = check;
    let pool_user = &ctx.pool[position];
    let otc = string_for_index(strings, index, &ctx.profile)
        .and_then(|string| app_otc(&pool_user.pin, string, index));
    let Some(otc) = otc else {
        ctx.stats
            .protocol_error("login: no string at that index to take an OTC from (SS-3)");
        return Ok(());
    };
    let wire = request::login(&ctx.profile, &ctx.agent_secret, &pool_user.username, &otc);
    let mut got = exchange(user, ctx, node, wire, name).await?;
    let want = if accept {
        "PASS"
    } else {
        "FAIL:AGENT_ERROR_BAD_OTC"
    };
    expect_key(user, ctx, &mut got, want, name, rule)
}

/// The self-service page: must answer 2xx when the policy allows (SP-1).
pub async fn self_provision(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
) -> FlowResult<()> {
    let wire = request::self_provision(&ctx.profile, &ctx.pool[position].username);
    let mut got = exchange(user, ctx, node, wire, "self-provision").await?;
    expect_key(user, ctx, &mut got, "PASS", "self-provision", "SP-1")
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
pub fn next_position(user: &mut GooseUser, ctx: &LoadContext) -> FlowResult<usize> {
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
pub async fn ensure_client(user: &mut GooseUser, ctx: &LoadContext) -> FlowResult<()> {
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
        let ctx: std::sync::Arc<$crate::load_test::LoadContext> = $ctx.clone();
        goose::prelude::Transaction::new(std::sync::Arc::new(move |user| {
            let ctx = ctx.clone();
            Box::pin(async move {
                $crate::load_test::flows::ensure_client(user, &ctx).await?;
                $func(user, &ctx).await
            })
        }))
        .set_name($name)
    }};
}

/// For personas: the context type.
pub type Ctx = Arc<LoadContext>;
