//! The emulated Swivel app (and, for `login`, an Agent-XML agent): one method per call
//! of the wire profile, each returning an [`Exchange`] that records the request, the
//! reply and its judged outcome. Nothing here returns an error for what a peer does;
//! every failure is an outcome.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Certificate, Method};

use super::exchange::{Exchange, keep_text};
use super::http::{describe, fetch};
use crate::codec::request::{self, ProvisionExtras, WireRequest};
use crate::codec::{Call, Outcome, judge};
use crate::profile::WireProfile;
const USER_AGENT: &str = concat!("swivel-harness-emulator/", env!("CARGO_PKG_VERSION"));

/// Why a client could not be built (bad options; peers cannot cause these).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The CA certificate is not PEM.
    #[error("the CA certificate is not valid PEM: {0}")]
    CaCertificate(String),
    /// The PEM holds no certificate.
    #[error("the CA certificate PEM holds no certificate")]
    NoCaCertificate,
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// One server node as the app is configured for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `<scheme>://<host>:<port>/<context>`, e.g. `http://127.0.0.1:8080/pinsafe`.
    pub base_url: String,
    /// Which node of a cluster this is (1-based), for reports.
    pub node: Option<u16>,
}

impl Endpoint {
    /// An endpoint at `base_url` (a trailing '/' is dropped).
    pub fn new(base_url: impl Into<String>) -> Self {
        let base_url: String = base_url.into();
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            node: None,
        }
    }

    /// The same endpoint labelled as node `node`.
    pub fn with_node(mut self, node: u16) -> Self {
        self.node = Some(node);
        self
    }

    /// `<scheme>://<host>:<port>` without the context: where the SSD lives.
    pub fn root_url(&self) -> String {
        let base = self.base_url.as_str();
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        match base.get(after_scheme..).and_then(|rest| rest.find('/')) {
            Some(slash) => base.get(..after_scheme + slash).unwrap_or(base).to_string(),
            None => base.to_string(),
        }
    }

    /// `base_url` followed by `path` (which starts with '/').
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// How the emulator talks HTTP.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Limit on each whole exchange (connect, head, body). Default 5 s.
    pub timeout: Duration,
    /// Trust only this CA (PEM, one or more certificates) for HTTPS.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Accept any certificate (self-signed test servers).
    pub insecure: bool,
    /// Most response-body bytes read; reading stops past it. Default 1 MiB.
    pub max_body_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            ca_cert_pem: None,
            insecure: false,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The emulated app. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct MobileClient {
    http: reqwest::Client,
    profile: Arc<WireProfile>,
    options: ClientOptions,
}

impl MobileClient {
    /// A client speaking `profile` with `options`.
    pub fn new(profile: Arc<WireProfile>, options: ClientOptions) -> Result<Self, EmulatorError> {
        // No proxy: the harness must reach exactly the server it was pointed at. No
        // redirects: a conformance check records what the server answered.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT);
        if let Some(pem) = &options.ca_cert_pem {
            let certs = Certificate::from_pem_bundle(pem)
                .map_err(|e| EmulatorError::CaCertificate(e.to_string()))?;
            if certs.is_empty() {
                return Err(EmulatorError::NoCaCertificate);
            }
            builder = builder.tls_certs_only(certs);
        }
        if options.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| EmulatorError::Client(describe(&e, options.timeout)))?;
        Ok(Self {
            http,
            profile,
            options,
        })
    }

    /// The profile this client speaks.
    pub fn profile(&self) -> &WireProfile {
        &self.profile
    }

    /// The options it was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Agent-XML `ping`.
    pub async fn ping(&self, ep: &Endpoint) -> Exchange {
        self.send(ep, request::ping(&self.profile)).await
    }

    /// The app's provision with a code, spelled as the profile's clients spell it. An
    /// empty username is not sent ("User not set"), as the app refuses it.
    pub async fn provision(&self, ep: &Endpoint, username: &str, code: &str) -> Exchange {
        self.provision_with(ep, username, code, &ProvisionExtras::default())
            .await
    }

    /// [`MobileClient::provision`] with another action spelling, a `<DeviceOS>` or a
    /// push id.
    pub async fn provision_with(
        &self,
        ep: &Endpoint,
        username: &str,
        code: &str,
        extras: &ProvisionExtras,
    ) -> Exchange {
        if let Some(refused) = self.refuse_blank_user(Call::Provision, ep, username) {
            return refused;
        }
        self.send(
            ep,
            request::provision(&self.profile, username, code, extras),
        )
        .await
    }

    /// The app's strings download for a bound device, naming the user only where the
    /// profile's clients do. The app still needs a username configured ("User not set").
    pub async fn security_strings(
        &self,
        ep: &Endpoint,
        username: &str,
        device_id: &str,
    ) -> Exchange {
        if let Some(refused) = self.refuse_blank_user(Call::SecurityStrings, ep, username) {
            return refused;
        }
        let named = request::strings_username(&self.profile, username);
        self.security_strings_naming(ep, named, device_id).await
    }

    /// A strings download that names `username` (or no one), whatever the profile says:
    /// SS-2 probes a request naming someone other than the device's user.
    pub async fn security_strings_naming(
        &self,
        ep: &Endpoint,
        username: Option<&str>,
        device_id: &str,
    ) -> Exchange {
        self.send(
            ep,
            request::security_strings(&self.profile, username, device_id),
        )
        .await
    }

    /// `GET <base>/TokenIndex?username=` (and `&id=` where the profile sends it).
    pub async fn token_index(&self, ep: &Endpoint, username: &str, device_id: &str) -> Exchange {
        self.send(ep, request::token_index(&self.profile, username, device_id))
            .await
    }

    /// Agent-XML `login` with the agent secret and an OTC (OTC + two-digit index).
    pub async fn agent_login(
        &self,
        ep: &Endpoint,
        secret: &str,
        username: &str,
        otc: &str,
    ) -> Exchange {
        self.send(ep, request::login(&self.profile, secret, username, otc))
            .await
    }

    /// The Site ID lookup below `root_url` (no context, see [`Endpoint::root_url`]).
    pub async fn ssd_lookup(&self, root_url: &str, site_id: &str) -> Exchange {
        let ep = Endpoint::new(root_url);
        self.send(&ep, request::ssd_lookup(&self.profile, site_id))
            .await
    }

    /// What the app does with a Site ID (CLI-1): looks it up and, on a PASS, builds the
    /// endpoint from exactly the host, port, context and scheme returned.
    pub async fn resolve_site(
        &self,
        root_url: &str,
        site_id: &str,
    ) -> (Exchange, Option<Endpoint>) {
        let exchange = self.ssd_lookup(root_url, site_id).await;
        let endpoint = match (&exchange.outcome, &exchange.reply) {
            (Outcome::Pass, Some(reply)) => reply
                .ssd
                .as_ref()
                .map(|settings| Endpoint::new(settings.base_url())),
            _ => None,
        };
        (exchange, endpoint)
    }

    /// `POST <base>/reset/provision.jsp` with the form field `username=`.
    pub async fn self_provision(&self, ep: &Endpoint, username: &str) -> Exchange {
        self.send(ep, request::self_provision(&self.profile, username))
            .await
    }

    /// `GET <base>/userportal/getQRCode?text=<text>`.
    pub async fn qr_code(&self, ep: &Endpoint, text: &str) -> Exchange {
        self.send(ep, request::qr_code(&self.profile, text)).await
    }

    /// POSTs `body` as-is to the Agent-XML path (probes with hostile bodies).
    pub async fn raw_agent_xml(&self, ep: &Endpoint, body: Vec<u8>) -> Exchange {
        let body = String::from_utf8_lossy(&body).into_owned();
        self.send(ep, request::raw(&self.profile, body)).await
    }

    /// A plain GET of `url` (landing pages): 2xx passes.
    pub async fn get(&self, url: &str) -> Exchange {
        self.run(Call::Get, url.to_string(), self.http.get(url))
            .await
    }

    /// Sends a request built elsewhere (the emulated app's own spellings, e.g. an
    /// app-defect's extra element) to `ep`, judged as its call.
    pub async fn send_request(&self, ep: &Endpoint, wire: WireRequest) -> Exchange {
        self.send(ep, wire).await
    }

    /// Sends one codec request to `ep` (or its server root).
    async fn send(&self, ep: &Endpoint, wire: WireRequest) -> Exchange {
        let url = wire.url(&ep.base_url, &ep.root_url());
        let builder = wire.apply(self.http.request(wire.method.as_reqwest(), &url));
        self.run(wire.call, url, builder).await
    }

    /// The app checks its settings before sending: no username, no request.
    fn refuse_blank_user(&self, call: Call, ep: &Endpoint, username: &str) -> Option<Exchange> {
        if !username.trim().is_empty() {
            return None;
        }
        Some(Exchange {
            call,
            method: Method::POST.to_string(),
            url: ep.url(&self.profile.paths.agent_xml),
            request_body: String::new(),
            status: None,
            response_body: String::new(),
            content_type: None,
            response_bytes: 0,
            elapsed: Duration::ZERO,
            outcome: Outcome::NotSent("no username configured".to_string()),
            reply: None,
        })
    }

    /// Builds, sends, reads and judges one request. `url` is what was asked for, kept
    /// for the record when the request cannot even be built (an invalid URL).
    async fn run(&self, call: Call, url: String, request: reqwest::RequestBuilder) -> Exchange {
        let started = Instant::now();
        let request = match request.build() {
            Ok(request) => request,
            Err(e) => {
                return Exchange {
                    call,
                    method: String::new(),
                    url,
                    request_body: String::new(),
                    status: None,
                    response_body: String::new(),
                    content_type: None,
                    response_bytes: 0,
                    elapsed: started.elapsed(),
                    outcome: Outcome::Transport(describe(&e, self.options.timeout)),
                    reply: None,
                };
            }
        };
        let method = request.method().to_string();
        let url = request.url().to_string();
        let request_body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map(keep_text)
            .unwrap_or_default();
        let max = self.options.max_body_bytes;
        let fetched = fetch(&self.http, request, max, self.options.timeout).await;
        let (outcome, reply) = judge(call, &fetched, &self.profile, max);
        Exchange {
            call,
            method,
            url,
            request_body,
            status: fetched.status,
            response_body: keep_text(&fetched.body),
            content_type: fetched.content_type,
            response_bytes: fetched.bytes_read,
            elapsed: started.elapsed(),
            outcome,
            reply,
        }
    }
}
