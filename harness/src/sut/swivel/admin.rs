//! Admin XML (protocol.md §12) as the `swivel` target uses it: create and delete the
//! users of a case, and the administrator's Reprovision, through an agent that acts as a
//! repository. The request and reply shapes are the wire profile's `[admin]` section
//! (ASSUMED until a capture confirms them), written and read by [`AdminCodec`]; this
//! module sends them and turns each per-user result into a [`BackstageError`].

use std::time::Duration;

use super::SwivelSpec;
use crate::codec::admin::{
    AdminCodec, AdminOutcome, AdminReply, AdminRequestError, AdminStringsTransport, AdminUser,
};
use crate::sut::backstage::{BackstageError, NewTransport, NewUser};

/// Timeout of one Admin XML call.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Most reply bytes read.
const MAX_REPLY_BYTES: usize = 1 << 20;

/// The repository agent's secret and an HTTP client to reach Admin XML with.
#[derive(Clone)]
pub struct AdminAccess {
    secret: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminAccess { secret: <redacted> }")
    }
}

/// Why Admin XML cannot be set up.
#[derive(Debug, thiserror::Error)]
#[error("Admin XML client: {0}")]
pub struct AdminSetupError(String);

impl AdminAccess {
    /// Access with `secret`, trusting `ca_pem` (or any certificate, when `insecure`)
    /// for HTTPS servers, as the app does.
    pub fn new(
        secret: String,
        ca_pem: Option<&[u8]>,
        insecure: bool,
    ) -> Result<Self, AdminSetupError> {
        let mut builder = reqwest::Client::builder()
            .timeout(ADMIN_TIMEOUT)
            .no_proxy()
            .danger_accept_invalid_certs(insecure);
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| AdminSetupError(e.to_string()))?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| AdminSetupError(e.to_string()))?;
        Ok(Self { secret, http })
    }

    /// Creates `user` in the agent's repository (node 1).
    pub async fn create(&self, spec: &SwivelSpec, user: &NewUser) -> Result<(), BackstageError> {
        let codec = AdminCodec::new(&spec.profile);
        let email = match &user.alert {
            Some(NewTransport::Email(address)) => Some(address.clone()),
            _ => None,
        };
        // Strings by e-mail go by the second SMTP transport where the server has one.
        let strings = match (&spec.strings_transport, &user.strings) {
            (Some(t), Some(NewTransport::Email(address))) => Some(AdminStringsTransport {
                transport: t.name.clone(),
                attribute: t.attribute.clone(),
                address: address.clone(),
            }),
            _ => None,
        };
        let admin_user = AdminUser {
            name: user.username.clone(),
            pin: user.pin.clone(),
            email,
            mobile: user.mobile_client,
            groups: Vec::new(),
            strings,
        };
        let body = codec.create(&self.secret, &[admin_user]);
        self.call(spec, &codec, 1, body, "create", &user.username)
            .await
    }

    /// Deletes `username` (node 1).
    pub async fn delete(&self, spec: &SwivelSpec, username: &str) -> Result<(), BackstageError> {
        let codec = AdminCodec::new(&spec.profile);
        let body = codec.delete(&self.secret, &[username]);
        self.call(spec, &codec, 1, body, "delete", username).await
    }

    /// The administrator's Reprovision of `username`, sent to node `node`.
    pub async fn reprovision(
        &self,
        spec: &SwivelSpec,
        username: &str,
        node: u16,
    ) -> Result<(), BackstageError> {
        let codec = AdminCodec::new(&spec.profile);
        let body = codec
            .reprovision(&self.secret, &[username])
            .map_err(|e| failed("reprovision", e.to_string()))?;
        self.call(spec, &codec, node, body, "reprovision", username)
            .await
    }

    /// Creates `users` in one request (node 1); the reply holds each user's result (a
    /// load run creates its pool in batches).
    pub async fn create_many(
        &self,
        spec: &SwivelSpec,
        users: &[AdminUser],
    ) -> Result<AdminReply, BackstageError> {
        let codec = AdminCodec::new(&spec.profile);
        let body = codec.create(&self.secret, users);
        self.post(spec, &codec, 1, body, "create").await
    }

    /// Deletes `usernames` in one request (node 1); the reply holds each user's result.
    pub async fn delete_many(
        &self,
        spec: &SwivelSpec,
        usernames: &[&str],
    ) -> Result<AdminReply, BackstageError> {
        let codec = AdminCodec::new(&spec.profile);
        let body = codec.delete(&self.secret, usernames);
        self.post(spec, &codec, 1, body, "delete").await
    }

    /// The body of the administrator's Reprovision of `usernames`, for a caller that
    /// sends it itself (a load run sends it through goose, which measures it).
    pub fn reprovision_body(
        &self,
        codec: &AdminCodec,
        usernames: &[&str],
    ) -> Result<String, AdminRequestError> {
        codec.reprovision(&self.secret, usernames)
    }

    /// Posts `body` to node `node`'s Admin XML and reads `username`'s result.
    async fn call(
        &self,
        spec: &SwivelSpec,
        codec: &AdminCodec,
        node: u16,
        body: String,
        what: &str,
        username: &str,
    ) -> Result<(), BackstageError> {
        let parsed = self.post(spec, codec, node, body, what).await?;
        match parsed {
            AdminReply::Refused(why) => Err(BackstageError::Refused {
                what: format!("Admin XML {what}"),
                message: why.unwrap_or_else(|| "refused as a whole".into()),
            }),
            AdminReply::Results(_) => match parsed.outcome(username) {
                Some(AdminOutcome::Pass) => Ok(()),
                Some(AdminOutcome::Fail(why)) => Err(BackstageError::Refused {
                    what: format!("Admin XML {what} of {username}"),
                    message: why.clone().unwrap_or_else(|| "failed".into()),
                }),
                None => Err(failed(
                    what,
                    format!("the reply names no result for {username}"),
                )),
            },
        }
    }

    /// Posts `body` to node `node`'s Admin XML and reads the reply.
    async fn post(
        &self,
        spec: &SwivelSpec,
        codec: &AdminCodec,
        node: u16,
        body: String,
        what: &str,
    ) -> Result<AdminReply, BackstageError> {
        let base = spec
            .nodes
            .get(usize::from(node).wrapping_sub(1))
            .ok_or_else(|| failed(what, format!("the target has no node {node}")))?;
        let url = codec.url(base);
        let reply = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, codec.content_type())
            .body(body)
            .send()
            .await
            .map_err(|e| failed(what, format!("{url}: {e}")))?;
        let status = reply.status().as_u16();
        let bytes = reply
            .bytes()
            .await
            .map_err(|e| failed(what, format!("{url}: {e}")))?;
        let bytes = bytes.get(..MAX_REPLY_BYTES).unwrap_or(&bytes);
        codec
            .parse_reply(bytes)
            .map_err(|e| failed(what, format!("{url} answered {status}: {e}")))
    }
}

fn failed(what: &str, message: String) -> BackstageError {
    BackstageError::Failed {
        what: format!("Admin XML {what}"),
        message,
    }
}
