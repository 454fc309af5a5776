//! How a load flow gets a provision code, by the run's [`CodeSource`]:
//!
//! - **control API** (a reference server): `POST /control/users/{u}/reprovision` on the
//!   node asked for, then the newest code of `GET /control/outbox`;
//! - **mail** (a real server, protocol.md §12): the administrator's Reprovision over
//!   Admin XML, sent through goose to the node asked for (request `admin: reprovision`,
//!   so goose measures it), or the self-service page where no Admin XML reprovision
//!   exists; then the code is read from the mail sink: the first mail to that user with
//!   a code, newer than both the last code mail read for the user and the sink's newest
//!   mail when the request went out, waited for up to the delivery wait. A code that
//!   never arrives is counted as such (not a protocol or transport error) and ends the
//!   iteration.

use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use serde_json::Value;

use super::{FlowResult, http_error, protocol_error, self_provision, send, state};
use crate::codec::admin::{AdminOutcome, AdminReply};
use crate::control::{OutboxPage, route};
use crate::load_test::context::{CodeSource, LoadContext, MailCodes};
use crate::sinks::WaitError;

/// Goose request name of the administrator's Reprovision over Admin XML.
pub const ADMIN_REPROVISION: &str = "admin: reprovision";

/// A control API call; a non-2xx status is an HTTP error.
async fn control(
    user: &mut GooseUser,
    ctx: &LoadContext,
    (url, token): (&str, &str),
    (method, path): (GooseMethod, &str),
    json: Option<Value>,
    name: &str,
) -> FlowResult<(GooseRequestMetric, Value)> {
    let url = format!("{url}{path}");
    let mut builder = user.get_request_builder(&method, &url)?.bearer_auth(token);
    if let Some(json) = json {
        builder = builder.json(&json);
    }
    let (mut metric, got) = send(user, ctx, (method, &url, None), builder, name).await?;
    let text = String::from_utf8_lossy(&got.body).into_owned();
    match got.status {
        Some(status) if !(200..300).contains(&status) => {
            Err(http_error(user, ctx, &mut metric, name, status, &text))
        }
        _ => Ok((metric, serde_json::from_str(&text).unwrap_or(Value::Null))),
    }
}

/// Issues a code for pool user `position` on `node` (0-based) and reads it back: from
/// the outbox (control API) or from the mail the server sends.
pub async fn issue_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
) -> FlowResult<String> {
    match &ctx.codes {
        CodeSource::Control { url, token } => {
            let username = &ctx.pool[position].username;
            control(
                user,
                ctx,
                (url, token),
                (GooseMethod::Post, &route::reprovision(username)),
                Some(serde_json::json!({ "node": node + 1 })),
                "control: reprovision",
            )
            .await?;
            read_code(user, ctx, position).await
        }
        CodeSource::Mail(m) => {
            let after = mail_mark(user, ctx, m, position);
            if m.by_admin() {
                admin_reprovision(user, ctx, m, position, node).await?;
            } else {
                self_provision(user, ctx, position, node).await?;
            }
            mailed_code(user, ctx, m, position, after).await
        }
    }
}

/// The self-service page for pool user `position` on `node` (SP-1), then the code it
/// sent the user.
pub async fn self_service_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
    node: usize,
) -> FlowResult<String> {
    let after = match &ctx.codes {
        CodeSource::Mail(m) => Some(mail_mark(user, ctx, m, position)),
        CodeSource::Control { .. } => None,
    };
    self_provision(user, ctx, position, node).await?;
    match (&ctx.codes, after) {
        (CodeSource::Mail(m), Some(after)) => mailed_code(user, ctx, m, position, after).await,
        _ => read_code(user, ctx, position).await,
    }
}

/// Reads the newest code sent to pool user `position`: the outbox's newest (control
/// API), or the first code mail newer than the last one read for the user.
pub async fn read_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    position: usize,
) -> FlowResult<String> {
    let (url, token) = match &ctx.codes {
        CodeSource::Control { url, token } => (url, token),
        CodeSource::Mail(m) => {
            let after = last_mail(user, ctx, position);
            return mailed_code(user, ctx, m, position, after).await;
        }
    };
    let username = &ctx.pool[position].username;
    let (mut metric, outbox) = control(
        user,
        ctx,
        (url, token),
        (GooseMethod::Get, &route::outbox(username)),
        None,
        "control: outbox",
    )
    .await?;
    let code = serde_json::from_value::<OutboxPage>(outbox.clone())
        .ok()
        .and_then(|page| page.newest_code().map(str::to_string));
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

/// The sequence number of the last code mail read for pool user `position` (0: none).
fn last_mail(user: &mut GooseUser, ctx: &LoadContext, position: usize) -> u64 {
    state(user, ctx)
        .mail_seen
        .get(&position)
        .copied()
        .unwrap_or(0)
}

/// Where to read pool user `position`'s next code from, taken before the request that
/// makes the server send it: after the last code mail read for the user and after every
/// mail the sink holds now (a mail already there cannot carry the code asked for).
fn mail_mark(user: &mut GooseUser, ctx: &LoadContext, m: &MailCodes, position: usize) -> u64 {
    last_mail(user, ctx, position).max(m.mail.newest_seq())
}

/// The administrator's Reprovision of pool user `position`, sent to node `node`
/// through goose. A status other than 2xx is an HTTP error; a reply that refuses the
/// reprovision, or cannot be read, is a protocol error (PC-1).
async fn admin_reprovision(
    user: &mut GooseUser,
    ctx: &LoadContext,
    m: &MailCodes,
    position: usize,
    node: usize,
) -> FlowResult<()> {
    let username = ctx.pool[position].username.as_str();
    let Some(admin) = &m.target.admin else {
        return Err(Box::new(TransactionError::Custom(
            "harness error: no Admin XML access for the reprovision".into(),
        )));
    };
    let body = admin
        .reprovision_body(&m.codec, &[username])
        .map_err(|e| Box::new(TransactionError::Custom(e.to_string())))?;
    let node = node % ctx.nodes.len();
    let url = m.codec.url(&ctx.nodes[node]);
    let builder = user
        .get_request_builder(&GooseMethod::Post, &url)?
        .header(reqwest::header::CONTENT_TYPE, m.codec.content_type())
        .body(body);
    let target = (GooseMethod::Post, url.as_str(), Some(node));
    let (mut metric, got) = send(user, ctx, target, builder, ADMIN_REPROVISION).await?;
    let text = String::from_utf8_lossy(&got.body).into_owned();
    if let Some(status) = got.status.filter(|s| !(200..300).contains(s)) {
        return Err(http_error(
            user,
            ctx,
            &mut metric,
            ADMIN_REPROVISION,
            status,
            &text,
        ));
    }
    let problem = match m.codec.parse_reply(&got.body) {
        Err(_) => "admin: reprovision: a reply that is no Admin XML response (protocol.md §12)",
        Ok(AdminReply::Refused(_)) => "admin: reprovision refused as a whole (PC-1)",
        Ok(reply) => match reply.outcome(username) {
            Some(AdminOutcome::Pass) => return Ok(()),
            Some(AdminOutcome::Fail(_)) => "admin: reprovision refused for the user (PC-1)",
            None => "admin: reprovision: the reply names no result for the user (PC-1)",
        },
    };
    Err(protocol_error(user, ctx, &mut metric, problem, &text))
}

/// The code of the first mail to pool user `position` after sequence number `after`
/// that carries one, waited for up to the code wait. A mail without a code (another
/// message of the server's) is passed over; the mail sink counts it.
async fn mailed_code(
    user: &mut GooseUser,
    ctx: &LoadContext,
    m: &MailCodes,
    position: usize,
    after: u64,
) -> FlowResult<String> {
    let username = &ctx.pool[position].username;
    let custom = |message: String| Box::new(TransactionError::Custom(message));
    let address = m.mail.address_of(username).ok_or_else(|| {
        custom(format!(
            "harness error: no e-mail address registered for {username}"
        ))
    })?;
    let arrived = m
        .mail
        .wait_for(after, m.wait, |mail| {
            mail.is_for(&address) && mail.extracted.code.is_some()
        })
        .await;
    match arrived {
        Ok(mail) => {
            state(user, ctx).mail_seen.insert(position, mail.seq);
            let code = mail.extracted.code.clone().unwrap_or_default();
            ctx.stats.pass();
            Ok(code)
        }
        Err(WaitError::Timeout(waited)) => {
            ctx.stats.code_not_arrived();
            Err(custom(format!(
                "code not arrived: no mail with a code reached {address} within {} s",
                waited.as_secs()
            )))
        }
        Err(e @ WaitError::NotRegistered(_)) => Err(custom(format!("harness error: {e}"))),
    }
}
