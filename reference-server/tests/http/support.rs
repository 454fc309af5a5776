//! Helpers shared by every HTTP test: starting a cluster on ephemeral loopback ports
//! speaking a given wire profile (`mobile-3.6` unless a test asks for another), a fluent
//! client over the node and control APIs that writes requests the way that profile's
//! clients do, string extraction of replies, the OTC computation of OTC-1, and raw-TCP
//! helpers for hostile clients.

mod raw;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, RunningCluster};
use swivel_reference_server::defects::Defect;
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::http::NodeLimits;
use swivel_reference_server::outlets::{HostPort, OutletConfig};
use swivel_reference_server::profile::WireProfile;
use swivel_reference_server::transport::ServeLimits;
use swivel_reference_server::users_file::default_users;

pub use raw::{RawOutcome, XorShift, raw_connect, read_status, timed};

/// The control API token of every test cluster.
pub const TOKEN: &str = "test-token";
/// The Agent-XML secret of the default core configuration.
pub const SECRET: &str = "swivel-harness-secret";
/// The Site ID of the default core configuration.
pub const SITE_ID: &str = "HARNESS01";
/// PIN of the fixture user alice (fixtures/users.toml).
pub const ALICE_PIN: &str = "3759";
/// Upper bound of any single network exchange in these tests.
pub const NET_BOUND: Duration = Duration::from_secs(10);
/// The device information a provision request sends when it sends any.
pub const DEVICE_OS: &str = "iOS 17.2";
/// The default wire profile.
pub const MOBILE: &str = "mobile-3.6";
/// The earlier spelling.
pub const AGENTXML: &str = "agentxml-3.6";

/// How a test cluster is set up.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Number of nodes.
    pub nodes: u16,
    /// Session sharing between nodes.
    pub sharing: bool,
    /// Defect switches.
    pub defects: Vec<Defect>,
    /// How long a node waits for a request body.
    pub body_timeout: Duration,
    /// The wire the nodes speak and the client writes.
    pub profile: WireProfile,
    /// Where SYS-1 lines go (`serve --syslog`), if anywhere.
    pub syslog: Option<SocketAddr>,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            nodes: 1,
            sharing: false,
            defects: Vec::new(),
            body_timeout: Duration::from_secs(1),
            profile: WireProfile::default_profile(),
            syslog: None,
        }
    }
}

impl Opts {
    /// `nodes` nodes, sharing as given, no defects.
    pub fn cluster(nodes: u16, sharing: bool) -> Self {
        Self {
            nodes,
            sharing,
            ..Self::default()
        }
    }

    /// The same set-up with `defect` switched on.
    pub fn with_defect(mut self, defect: Defect) -> Self {
        self.defects.push(defect);
        self
    }

    /// The same set-up speaking built-in profile `name`.
    pub fn with_profile(self, name: &str) -> Self {
        let profile = WireProfile::builtin(name).expect("a built-in profile");
        self.with_wire(profile)
    }

    /// The same set-up speaking `profile`.
    pub fn with_wire(mut self, profile: WireProfile) -> Self {
        self.profile = profile;
        self
    }
}

/// A running cluster and a client for it.
pub struct Server {
    /// The cluster (node URLs, control URL, shutdown).
    pub cluster: RunningCluster,
    /// A loopback-only HTTP client with a timeout on every request.
    pub http: reqwest::Client,
    /// The wire the cluster speaks; requests are written in it.
    pub profile: WireProfile,
}

/// An HTTP reply from a node: status and body text.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Body as text (lossy).
    pub body: String,
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub fn tag<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    Some(&xml[start..start + len])
}

impl Reply {
    /// `<Result>`.
    pub fn result(&self) -> Option<&str> {
        tag(&self.body, "Result")
    }

    /// `<Error>`.
    pub fn error(&self) -> Option<&str> {
        tag(&self.body, "Error")
    }

    /// `<Message>`, unescaped.
    pub fn message(&self) -> Option<String> {
        tag(&self.body, "Message").map(unescape)
    }

    /// The first `<Id>` (the device id of a provision reply; policies come after it).
    pub fn id(&self) -> Option<&str> {
        tag(&self.body, "Id")
    }

    /// The text of `<SecurityStrings>` split on `;`: position i as a client reads it.
    pub fn positions(&self) -> Vec<String> {
        tag(&self.body, "SecurityStrings")
            .map(|s| s.split(';').map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The strings in index order (index 01 first): the positions without the empty
    /// position 0 of the indexed layout.
    pub fn strings(&self) -> Vec<String> {
        let mut positions = self.positions();
        if positions.first().is_some_and(String::is_empty) {
            positions.remove(0);
        }
        positions
    }

    /// Number of `<Policy>` elements, in either shape.
    pub fn policy_count(&self) -> usize {
        self.body.matches("<Policy>").count() + self.body.matches("<Policy ").count()
    }

    /// Whether this is HTTP 200 with `<Result>PASS</Result>`.
    pub fn passed(&self) -> bool {
        self.status == StatusCode::OK && self.result() == Some("PASS")
    }

    /// Asserts HTTP 200 and PASS.
    #[track_caller]
    pub fn assert_pass(&self) -> &Self {
        assert!(self.passed(), "expected PASS, got {self:?}");
        self
    }

    /// Asserts HTTP 200, FAIL and the error code.
    #[track_caller]
    pub fn assert_fail(&self, code: &str) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert_eq!(self.result(), Some("FAIL"), "{self:?}");
        assert_eq!(self.error(), Some(code), "{self:?}");
        self
    }

    /// The outcome as "PASS" or "FAIL <ERROR>" for compact comparisons.
    pub fn outcome(&self) -> String {
        match (self.result(), self.error()) {
            (Some("PASS"), _) => "PASS".to_string(),
            (Some(r), Some(e)) => format!("{r} {e}"),
            _ => format!("HTTP {} {}", self.status.as_u16(), self.body.trim()),
        }
    }
}

/// Undoes the escaping of the reply writer (`&lt;`, `&gt;`, `&amp;`, quotes).
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Escapes text for an XML element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A `<SASRequest>` with version 3.6 and the given children, in order, without an XML
/// prolog (as mobile-3.6 clients send it).
pub fn sas(fields: &[(&str, &str)]) -> String {
    let mut xml = String::from("<SASRequest><Version>3.6</Version>");
    for (name, value) in fields {
        xml.push_str(&format!("<{name}>{}</{name}>", escape(value)));
    }
    xml.push_str("</SASRequest>");
    xml
}

/// [`sas`] with the `<?xml ...?>` prolog in front (as agentxml-3.6 clients send it).
pub fn sas_with_prolog(fields: &[(&str, &str)]) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", sas(fields))
}

/// A mobile-3.6 provision request body: lowercase action, no prolog, no `<DeviceOS>`.
pub fn provision_xml(user: &str, code: &str) -> String {
    sas(&[
        ("Action", "provision"),
        ("Username", user),
        ("ProvisionCode", code),
    ])
}

/// The OTC the user types for string `index` (1-based) with `pin` (OTC-1): the characters
/// at the PIN positions (digit 0 = 10th character), then the two-digit index.
pub fn otc(strings: &[String], index: usize, pin: &str) -> String {
    let s = &strings[index - 1];
    let chars = s.as_bytes();
    let mut out: String = pin
        .bytes()
        .map(|d| {
            let digit = usize::from(d - b'0');
            let position = if digit == 0 { 10 } else { digit };
            char::from(chars[position - 1])
        })
        .collect();
    out.push_str(&s[10..12]);
    out
}

/// Starts a cluster on 127.0.0.1 ephemeral ports with the default users and a manual clock.
pub async fn start(opts: Opts) -> Server {
    let core = CoreConfig {
        nodes: opts.nodes,
        session_sharing: opts.sharing,
        defects: opts.defects.iter().copied().collect(),
        ..CoreConfig::default()
    };
    let config = ClusterConfig {
        users: default_users().expect("the built-in users parse"),
        node_limits: NodeLimits {
            body_timeout: opts.body_timeout,
            ..NodeLimits::default()
        },
        serve_limits: ServeLimits {
            header_read_timeout: Duration::from_secs(1),
            ..ServeLimits::default()
        },
        ..ClusterConfig::loopback(core, Arc::new(ManualClock::fixed()), TOKEN)
    };
    let config = ClusterConfig {
        wire_profile: opts.profile.clone(),
        outlets: OutletConfig {
            syslog: opts.syslog.map(|a| HostPort {
                host: a.ip().to_string(),
                port: a.port(),
            }),
            ..OutletConfig::default()
        },
        ..config
    };
    let cluster = cluster::start(config).await.expect("the cluster starts");
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(NET_BOUND)
        .build()
        .expect("the HTTP client builds");
    Server {
        cluster,
        http,
        profile: opts.profile,
    }
}

/// A cluster of one node, sharing off, no defects.
pub async fn start_default() -> Server {
    start(Opts::default()).await
}

impl Server {
    /// Stops the cluster and waits for every task.
    pub async fn shutdown(self) {
        drop(self.http);
        tokio::time::timeout(NET_BOUND, self.cluster.shutdown())
            .await
            .expect("cluster shut down in time");
    }

    /// Base URL of node `node` (1-based).
    pub fn node_url(&self, node: u16) -> &str {
        &self.cluster.node_urls[usize::from(node) - 1]
    }

    /// The socket address of node `node`.
    pub fn node_addr(&self, node: u16) -> SocketAddr {
        self.node_url(node)
            .trim_start_matches("http://")
            .parse()
            .expect("node URL is http://ip:port")
    }

    /// The port of node `node`.
    pub fn node_port(&self, node: u16) -> u16 {
        self.node_addr(node).port()
    }

    /// `<node>/<context><paths.agent_xml>`.
    pub fn agent_url(&self, node: u16, context: &str) -> String {
        format!(
            "{}/{context}{}",
            self.node_url(node),
            self.profile.paths.agent_xml
        )
    }

    /// `<node>/pinsafe<path>` for a path of the profile.
    pub fn context_url(&self, node: u16, path: &str) -> String {
        format!("{}/pinsafe{path}", self.node_url(node))
    }

    /// A request of this profile's clients: version, then `fields`, with the prolog if
    /// the profile sends one.
    pub fn request(&self, fields: &[(&str, &str)]) -> String {
        if self.profile.requests.xml_prolog {
            sas_with_prolog(fields)
        } else {
            sas(fields)
        }
    }

    /// The provision request this profile's app sends (`<DeviceOS>` if it sends one).
    pub fn provision_xml(&self, user: &str, code: &str) -> String {
        let device_os = self
            .profile
            .requests
            .provision_device_os
            .then_some(DEVICE_OS);
        self.provision_xml_with(user, code, device_os)
    }

    /// A provision request with `device_os` in `<DeviceOS>` when given.
    pub fn provision_xml_with(&self, user: &str, code: &str, device_os: Option<&str>) -> String {
        let mut fields = vec![
            ("Action", self.profile.actions.provision.as_str()),
            ("Username", user),
            ("ProvisionCode", code),
        ];
        if let Some(os) = device_os {
            fields.push(("DeviceOS", os));
        }
        self.request(&fields)
    }

    // ---- node API ----

    /// POSTs raw bytes to node `node`'s `/pinsafe/AgentXML` with an XML content type.
    pub async fn post_bytes(&self, node: u16, body: impl Into<reqwest::Body>) -> Reply {
        self.post_to(&self.agent_url(node, "pinsafe"), body).await
    }

    /// POSTs raw bytes to `url` with the profile's content type.
    pub async fn post_to(&self, url: &str, body: impl Into<reqwest::Body>) -> Reply {
        let response = self
            .http
            .post(url)
            .header("content-type", &self.profile.requests.content_type)
            .body(body)
            .send()
            .await
            .expect("the node answered");
        read_reply(response).await
    }

    /// POSTs an XML document to node `node`.
    pub async fn post_xml(&self, node: u16, xml: &str) -> Reply {
        self.post_bytes(node, xml.to_string()).await
    }

    /// GETs a node path (starting with `/`).
    pub async fn get(&self, node: u16, path: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path}", self.node_url(node)))
            .send()
            .await
            .expect("the node answered");
        read_reply(response).await
    }

    /// Provision on node `node`, as this profile's app asks.
    pub async fn provision(&self, node: u16, user: &str, code: &str) -> Reply {
        self.post_xml(node, &self.provision_xml(user, code)).await
    }

    /// Provision on node `node` carrying `<DeviceOS>` (SP-2).
    pub async fn provision_with_device_os(&self, node: u16, user: &str, code: &str) -> Reply {
        self.post_xml(node, &self.provision_xml_with(user, code, Some(DEVICE_OS)))
            .await
    }

    /// SecurityStrings download on node `node` for `user`'s `device`, as this profile's
    /// app asks: `<Id>` alone (mobile-3.6) or `<Username>` and `<Id>` (agentxml-3.6).
    pub async fn strings(&self, node: u16, user: &str, device: &str) -> Reply {
        if self.profile.requests.strings_username {
            self.strings_named(node, user, device).await
        } else {
            self.strings_by_id(node, device).await
        }
    }

    /// SecurityStrings with `<Username>` and `<Id>`, whatever the profile.
    pub async fn strings_named(&self, node: u16, user: &str, device: &str) -> Reply {
        let action = self.profile.actions.security_strings.as_str();
        let body = self.request(&[("Action", action), ("Username", user), ("Id", device)]);
        self.post_xml(node, &body).await
    }

    /// SecurityStrings with `<Id>` alone, whatever the profile.
    pub async fn strings_by_id(&self, node: u16, device: &str) -> Reply {
        let action = self.profile.actions.security_strings.as_str();
        let body = self.request(&[("Action", action), ("Id", device)]);
        self.post_xml(node, &body).await
    }

    /// Agent-XML login with the agent secret and an OTC.
    pub async fn login(&self, node: u16, user: &str, otc: &str) -> Reply {
        self.post_xml(
            node,
            &self.request(&[
                ("Secret", SECRET),
                ("Action", "login"),
                ("Username", user),
                ("Password", ""),
                ("OTC", otc),
            ]),
        )
        .await
    }

    /// A ping on node `node`.
    pub async fn ping(&self, node: u16) -> Reply {
        self.post_xml(node, &self.request(&[("Action", "ping")]))
            .await
    }

    /// Asserts that node `node` still answers a ping with PASS.
    pub async fn assert_alive(&self, node: u16) {
        self.ping(node).await.assert_pass();
    }

    /// `GET /pinsafe/TokenIndex?username=&id=` (both parameters).
    pub async fn token_index(&self, node: u16, user: &str, device: &str) -> Reply {
        let p = &self.profile.paths;
        self.token_index_query(
            node,
            &[
                (p.token_index_username_param.as_str(), user),
                (p.token_index_id_param.as_str(), device),
            ],
        )
        .await
    }

    /// `GET /pinsafe/TokenIndex?username=` (the username alone).
    pub async fn token_index_by_user(&self, node: u16, user: &str) -> Reply {
        let param = self.profile.paths.token_index_username_param.clone();
        self.token_index_query(node, &[(param.as_str(), user)])
            .await
    }

    async fn token_index_query(&self, node: u16, query: &[(&str, &str)]) -> Reply {
        let response = self
            .http
            .get(self.context_url(node, &self.profile.paths.token_index))
            .query(query)
            .send()
            .await
            .expect("the node answered");
        read_reply(response).await
    }

    /// POSTs the self-service form `username=<user>` to node `node`.
    pub async fn self_provision(&self, node: u16, user: &str) -> Reply {
        let response = self
            .http
            .post(self.context_url(node, &self.profile.paths.self_provision))
            .form(&[(
                self.profile.paths.self_provision_username_field.as_str(),
                user,
            )])
            .send()
            .await
            .expect("the node answered");
        read_reply(response).await
    }

    /// The SSD lookup at the profile's path (`/ssdserver/getServerDetails?id=` under
    /// mobile-3.6) on node `node`.
    pub async fn ssd_lookup(&self, node: u16, id: &str) -> Reply {
        self.ssd_lookup_at(node, &self.profile.ssd.path.clone(), id)
            .await
    }

    /// The SSD lookup at `path` with the profile's id parameter.
    pub async fn ssd_lookup_at(&self, node: u16, path: &str, id: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path}", self.node_url(node)))
            .query(&[(self.profile.ssd.id_param.as_str(), id)])
            .send()
            .await
            .expect("the node answered");
        read_reply(response).await
    }

    // ---- control API ----

    /// A control request with the bearer token.
    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.cluster.control_url))
            .bearer_auth(TOKEN)
    }

    /// Sends a control request; returns status and JSON body (`Null` when empty).
    pub async fn control_json(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("the control API answered");
        let status = response.status();
        let text = response.text().await.expect("the control body was read");
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, value)
    }

    /// `GET path` on the control API, expecting 200.
    pub async fn control_get(&self, path: &str) -> Value {
        let (status, value) = self
            .control_json(self.control(reqwest::Method::GET, path))
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {value}");
        value
    }

    /// Creates a user from a JSON spec; returns status and body.
    pub async fn create_user(&self, spec: Value) -> (StatusCode, Value) {
        self.control_json(
            self.control(reqwest::Method::POST, "/control/users")
                .json(&spec),
        )
        .await
    }

    /// Admin reprovision of `user` on `node`; asserts 202 and returns the reply.
    pub async fn reprovision(&self, user: &str, node: u16) -> Value {
        let (status, value) = self
            .control_json(
                self.control(
                    reqwest::Method::POST,
                    &format!("/control/users/{user}/reprovision"),
                )
                .json(&json!({ "node": node })),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "reprovision {user}: {value}");
        value
    }

    /// The messages in `user`'s outbox.
    pub async fn outbox(&self, user: &str) -> Vec<Value> {
        let value = self
            .control_get(&format!("/control/outbox?user={user}"))
            .await;
        value["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The code of the newest message to `user`, read the way a test reads a mailbox.
    pub async fn outbox_code(&self, user: &str) -> String {
        let messages = self.outbox(user).await;
        let last = messages.last().expect("a message in the outbox");
        last["code"]
            .as_str()
            .expect("message carries a code")
            .to_string()
    }

    /// Reprovision on `node`, then read the code from the outbox.
    pub async fn issue_code(&self, user: &str, node: u16) -> String {
        self.reprovision(user, node).await;
        self.outbox_code(user).await
    }

    /// Every log entry.
    pub async fn log_entries(&self) -> Vec<Value> {
        let value = self.control_get("/control/log").await;
        value["entries"].as_array().cloned().unwrap_or_default()
    }

    /// Every log text, in order.
    pub async fn log_texts(&self) -> Vec<String> {
        self.log_entries()
            .await
            .iter()
            .map(|e| e["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The control clock's `now_ms`.
    pub async fn now_ms(&self) -> u64 {
        self.control_get("/control/clock").await["now_ms"]
            .as_u64()
            .expect("now_ms is a number")
    }

    /// Moves the manual clock forward by `secs` seconds.
    pub async fn advance(&self, secs: u64) {
        let (status, value) = self
            .control_json(
                self.control(reqwest::Method::POST, "/control/clock/advance")
                    .json(&json!({ "seconds": secs })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "advance: {value}");
    }

    /// `PUT /control/policies` with a JSON patch; returns status and body.
    pub async fn put_policies(&self, patch: Value) -> (StatusCode, Value) {
        self.control_json(
            self.control(reqwest::Method::PUT, "/control/policies")
                .json(&patch),
        )
        .await
    }

    /// `GET /control/policies`.
    pub async fn policies(&self) -> Value {
        self.control_get("/control/policies").await
    }

    // ---- composite steps ----

    /// Issues a code on node 1, provisions on node 1 and returns the device id.
    pub async fn provisioned(&self, user: &str) -> String {
        let code = self.issue_code(user, 1).await;
        let reply = self.provision(1, user, &code).await;
        reply.assert_pass();
        reply.id().expect("a device id").to_string()
    }

    /// Provisions `user` and downloads strings; returns (device id, strings).
    pub async fn with_strings(&self, user: &str) -> (String, Vec<String>) {
        let device = self.provisioned(user).await;
        let reply = self.strings(1, user, &device).await;
        reply.assert_pass();
        (device, reply.strings())
    }
}

async fn read_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let bytes = response.bytes().await.expect("the body was read");
    Reply {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Whether `s` is `len` lower-case hex digits.
pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}
