//! The requests of a wire profile, written without sending them: a [`WireRequest`] says
//! which call, which method, where (below a node's base URL or the server root), the
//! query, the form or the Agent-XML body and its content type. The emulator sends it
//! with its own reqwest client; the load personas send it through goose; both turn it
//! into a request with [`WireRequest::apply`], so there is one place that spells a
//! request. Every XML value is escaped, so a username such as `a<b&c` cannot change the
//! document; element names come from a validated profile, so they are valid XML names.

use quick_xml::escape::escape;

use super::Call;
use crate::profile::WireProfile;

/// Where a request's path is rooted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Below a node base URL `<scheme>://<host>:<port>/<context>`.
    Node,
    /// Below the server root `<scheme>://<host>:<port>` (the SSD lookup).
    Root,
}

/// HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// reqwest's method.
    pub fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        }
    }
}

/// One request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    /// The call it makes.
    pub call: Call,
    /// GET or POST.
    pub method: Method,
    /// Node or root.
    pub base: Base,
    /// The path, starting with '/'.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// A urlencoded form body.
    pub form: Vec<(String, String)>,
    /// An XML body and its content type.
    pub xml: Option<(String, String)>,
}

impl WireRequest {
    fn get(call: Call, base: Base, path: &str, query: Vec<(String, String)>) -> Self {
        Self {
            call,
            method: Method::Get,
            base,
            path: path.to_string(),
            query,
            form: Vec::new(),
            xml: None,
        }
    }

    /// An Agent-XML request with `body`, sent as the profile says.
    pub fn agent_xml(profile: &WireProfile, call: Call, body: String) -> Self {
        Self {
            call,
            method: Method::Post,
            base: Base::Node,
            path: profile.paths.agent_xml.clone(),
            query: Vec::new(),
            form: Vec::new(),
            xml: Some((body, profile.requests.content_type.clone())),
        }
    }

    /// The full URL (without the query) given a node base URL and the server root.
    pub fn url(&self, node_base: &str, root: &str) -> String {
        let base = match self.base {
            Base::Node => node_base,
            Base::Root => root,
        };
        format!("{}{}", base.trim_end_matches('/'), self.path)
    }

    /// Adds the query, the form or the XML body (with its content type) to `builder`,
    /// which the caller made for [`WireRequest::method`] and [`WireRequest::url`].
    pub fn apply(&self, mut builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        if !self.form.is_empty() {
            builder = builder.form(&self.form);
        }
        if let Some((body, content_type)) = &self.xml {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.clone());
        }
        builder
    }

    /// The XML body, if any.
    pub fn body(&self) -> Option<&str> {
        self.xml.as_ref().map(|(body, _)| body.as_str())
    }
}

/// What a provision request carries beyond the username and code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisionExtras {
    /// Another spelling of the action (WIRE-2 probes); the profile's by default.
    pub action: Option<String>,
    /// `<DeviceOS>`: sent when given, or when the profile's clients always send one.
    pub device_os: Option<String>,
    /// `<PushId>`.
    pub push_id: Option<String>,
}

/// What the emulator sends as `<DeviceOS>` when the profile's clients always send one
/// and the caller gave none.
pub const DEFAULT_DEVICE_OS: &str = "swivel-harness emulator";

/// Builds one request document, children in call order.
struct RequestXml<'p> {
    profile: &'p WireProfile,
    out: String,
}

impl<'p> RequestXml<'p> {
    fn new(profile: &'p WireProfile) -> Self {
        let mut out = String::with_capacity(256);
        if profile.requests.xml_prolog {
            out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        }
        out.push('<');
        out.push_str(&profile.elements.request_root);
        out.push('>');
        Self { profile, out }.field(&profile.elements.version, &profile.version)
    }

    fn field(mut self, name: &str, value: &str) -> Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&escape(value));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    fn optional(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.field(name, value),
            None => self,
        }
    }

    fn empty(mut self, name: &str) -> Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
        self
    }

    fn finish(mut self) -> String {
        self.out.push_str("</");
        self.out.push_str(&self.profile.elements.request_root);
        self.out.push('>');
        self.out
    }
}

/// The provision body: action, username, code, then `<DeviceOS>` and `<PushId>` when
/// sent (WIRE-1: no prolog, no secret, no DeviceOS under `mobile-3.6`).
pub fn provision_xml(
    profile: &WireProfile,
    username: &str,
    code: &str,
    extras: &ProvisionExtras,
) -> String {
    let el = &profile.elements;
    let device_os = extras.device_os.as_deref().or(profile
        .requests
        .provision_device_os
        .then_some(DEFAULT_DEVICE_OS));
    RequestXml::new(profile)
        .field(
            &el.action,
            extras
                .action
                .as_deref()
                .unwrap_or(&profile.actions.provision),
        )
        .field(&el.username, username)
        .field(&el.provision_code, code)
        .optional(&el.device_os, device_os)
        .optional(&el.push_id, extras.push_id.as_deref())
        .finish()
}

/// `provision` for `username` with `code`.
pub fn provision(
    profile: &WireProfile,
    username: &str,
    code: &str,
    extras: &ProvisionExtras,
) -> WireRequest {
    WireRequest::agent_xml(
        profile,
        Call::Provision,
        provision_xml(profile, username, code, extras),
    )
}

/// The strings body: the device id, and the username when `username` is given (the
/// profile decides by default, see [`strings_username`]).
pub fn security_strings_xml(
    profile: &WireProfile,
    username: Option<&str>,
    device_id: &str,
) -> String {
    let el = &profile.elements;
    RequestXml::new(profile)
        .field(&el.action, &profile.actions.security_strings)
        .optional(&el.username, username)
        .field(&el.device_id, device_id)
        .finish()
}

/// The username a strings request of this profile carries: `Some` only when the
/// profile's clients name the user (SS-2, WIRE-3).
pub fn strings_username<'u>(profile: &WireProfile, username: &'u str) -> Option<&'u str> {
    profile.requests.strings_username.then_some(username)
}

/// `SecurityStrings` for `device_id`, naming `username` if given.
pub fn security_strings(
    profile: &WireProfile,
    username: Option<&str>,
    device_id: &str,
) -> WireRequest {
    WireRequest::agent_xml(
        profile,
        Call::SecurityStrings,
        security_strings_xml(profile, username, device_id),
    )
}

/// The agent `login` body: secret, username, an empty password and the OTC with its
/// index.
pub fn login_xml(profile: &WireProfile, secret: &str, username: &str, otc: &str) -> String {
    let el = &profile.elements;
    RequestXml::new(profile)
        .field(&el.secret, secret)
        .field(&el.action, &profile.actions.login)
        .field(&el.username, username)
        .empty(&el.password)
        .field(&el.otc, otc)
        .finish()
}

/// Agent `login`.
pub fn login(profile: &WireProfile, secret: &str, username: &str, otc: &str) -> WireRequest {
    WireRequest::agent_xml(
        profile,
        Call::Login,
        login_xml(profile, secret, username, otc),
    )
}

/// `ping`: no secret needed.
pub fn ping(profile: &WireProfile) -> WireRequest {
    let body = RequestXml::new(profile)
        .field(&profile.elements.action, &profile.actions.ping)
        .finish();
    WireRequest::agent_xml(profile, Call::Ping, body)
}

/// A raw Agent-XML body (probes), sent with the profile's content type.
pub fn raw(profile: &WireProfile, body: String) -> WireRequest {
    WireRequest::agent_xml(profile, Call::Raw, body)
}

/// `GET TokenIndex?username=u` (and `&id=` where the profile's clients send it).
pub fn token_index(profile: &WireProfile, username: &str, device_id: &str) -> WireRequest {
    let paths = &profile.paths;
    let mut query = vec![(
        paths.token_index_username_param.clone(),
        username.to_string(),
    )];
    if profile.requests.token_index_id {
        query.push((paths.token_index_id_param.clone(), device_id.to_string()));
    }
    WireRequest::get(Call::TokenIndex, Base::Node, &paths.token_index, query)
}

/// The Site ID lookup, below the server root.
pub fn ssd_lookup(profile: &WireProfile, site_id: &str) -> WireRequest {
    let ssd = &profile.ssd;
    WireRequest::get(
        Call::SsdLookup,
        Base::Root,
        &ssd.path,
        vec![(ssd.id_param.clone(), site_id.to_string())],
    )
}

/// `POST` of the self-service page with the username field.
pub fn self_provision(profile: &WireProfile, username: &str) -> WireRequest {
    let paths = &profile.paths;
    WireRequest {
        call: Call::SelfProvision,
        method: Method::Post,
        base: Base::Node,
        path: paths.self_provision.clone(),
        query: Vec::new(),
        form: vec![(
            paths.self_provision_username_field.clone(),
            username.to_string(),
        )],
        xml: None,
    }
}

/// The QR image of `text`.
pub fn qr_code(profile: &WireProfile, text: &str) -> WireRequest {
    let paths = &profile.paths;
    WireRequest::get(
        Call::QrCode,
        Base::Node,
        &paths.qr_code,
        vec![(paths.qr_text_param.clone(), text.to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mobile() -> WireProfile {
        WireProfile::default_profile()
    }

    fn agentxml() -> WireProfile {
        WireProfile::resolve("agentxml-3.6").unwrap()
    }

    #[test]
    fn mobile_provision_is_what_the_real_app_sends() {
        let p = mobile();
        let request = provision(&p, "alice", "1234567890", &ProvisionExtras::default());
        assert_eq!(
            request.body(),
            Some(concat!(
                "<SASRequest><Version>3.6</Version><Action>provision</Action>",
                "<Username>alice</Username><ProvisionCode>1234567890</ProvisionCode>",
                "</SASRequest>"
            ))
        );
        assert_eq!(
            request.xml.as_ref().map(|(_, ct)| ct.as_str()),
            Some("application/xml; charset=utf-8")
        );
        assert_eq!(
            request.url("http://h:1/pinsafe", "http://h:1"),
            "http://h:1/pinsafe/AgentXML"
        );
    }

    #[test]
    fn agentxml_provision_is_the_earlier_spelling() {
        let body = provision_xml(&agentxml(), "alice", "c", &ProvisionExtras::default());
        assert_eq!(
            body,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASRequest><Version>3.6</Version><Action>Provision</Action>",
                "<Username>alice</Username><ProvisionCode>c</ProvisionCode>",
                "<DeviceOS>swivel-harness emulator</DeviceOS></SASRequest>"
            )
        );
        let extras = ProvisionExtras {
            action: Some("PROVISION".into()),
            device_os: Some("d".into()),
            push_id: Some("push-1".into()),
        };
        let body = provision_xml(&mobile(), "a", "c", &extras);
        assert!(body.contains("<Action>PROVISION</Action>"), "{body}");
        assert!(
            body.ends_with("<DeviceOS>d</DeviceOS><PushId>push-1</PushId></SASRequest>"),
            "{body}"
        );
    }

    #[test]
    fn strings_by_id_alone_under_mobile() {
        let p = mobile();
        assert_eq!(strings_username(&p, "u"), None);
        assert_eq!(
            security_strings_xml(&p, None, "dev"),
            "<SASRequest><Version>3.6</Version><Action>SecurityStrings</Action><Id>dev</Id></SASRequest>"
        );
        let a = agentxml();
        assert_eq!(strings_username(&a, "u"), Some("u"));
        assert!(security_strings_xml(&a, Some("u"), "dev").ends_with(
            "<Action>SecurityStrings</Action><Username>u</Username><Id>dev</Id></SASRequest>"
        ));
    }

    #[test]
    fn login_ping_and_gets() {
        let p = mobile();
        assert_eq!(
            login_xml(&p, "s", "bob", "162007"),
            concat!(
                "<SASRequest><Version>3.6</Version><Secret>s</Secret><Action>login</Action>",
                "<Username>bob</Username><Password/><OTC>162007</OTC></SASRequest>"
            )
        );
        assert!(
            ping(&p)
                .body()
                .unwrap()
                .ends_with("<Action>ping</Action></SASRequest>")
        );
        let ti = token_index(&p, "u", "dev");
        assert_eq!(ti.query, vec![("username".to_string(), "u".to_string())]);
        assert_eq!(token_index(&agentxml(), "u", "dev").query.len(), 2);
        let ssd = ssd_lookup(&p, "HARNESS01");
        assert_eq!(ssd.base, Base::Root);
        assert_eq!(
            ssd.url("http://h:1/pinsafe", "http://h:1"),
            "http://h:1/ssdserver/getServerDetails"
        );
        assert_eq!(ssd_lookup(&agentxml(), "X").path, "/ssd/lookup");
    }

    #[test]
    fn usernames_with_markup_are_escaped() {
        let xml = provision_xml(
            &mobile(),
            r#"a<b&c"d'</Username>"#,
            "x",
            &ProvisionExtras::default(),
        );
        assert!(
            xml.contains("<Username>a&lt;b&amp;c&quot;d&apos;&lt;/Username&gt;</Username>"),
            "{xml}"
        );
        // The escaped document still parses to the original value.
        let root = super::super::xml::parse_document(xml.as_bytes()).unwrap();
        assert_eq!(
            root.single_text("Username").unwrap().as_deref(),
            Some(r#"a<b&c"d'</Username>"#)
        );
    }

    #[test]
    fn version_comes_from_the_profile() {
        let mut p = mobile();
        p.version = "3.9".to_string();
        assert!(ping(&p).body().unwrap().contains("<Version>3.9</Version>"));
    }
}
