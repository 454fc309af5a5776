//! The request bodies the app (and an Agent-XML agent) sends, written through a wire
//! profile: `<SASRequest><Version>…</Version>…</SASRequest>` with every value escaped,
//! so a username such as `a<b&c` cannot change the document. Element names come from a
//! validated profile, so they are valid XML names.

use quick_xml::escape::escape;

use crate::profile::WireProfile;

/// Builds one request document, children in call order.
struct RequestXml<'p> {
    profile: &'p WireProfile,
    out: String,
}

impl<'p> RequestXml<'p> {
    fn new(profile: &'p WireProfile) -> Self {
        let mut request = Self {
            profile,
            out: String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        };
        request.out.push('<');
        request.out.push_str(&profile.elements.request_root);
        request.out.push('>');
        request.field(&profile.elements.version, &profile.version)
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

/// `Provision`: username, code, device information and an optional push id.
pub fn provision_xml(
    profile: &WireProfile,
    username: &str,
    code: &str,
    device_os: &str,
    push_id: Option<&str>,
) -> String {
    let el = &profile.elements;
    let request = RequestXml::new(profile)
        .field(&el.action, &profile.actions.provision)
        .field(&el.username, username)
        .field(&el.provision_code, code)
        .field(&el.device_os, device_os);
    match push_id {
        Some(push) => request.field(&el.push_id, push),
        None => request,
    }
    .finish()
}

/// `SecurityStrings`: username and device id.
pub fn security_strings_xml(profile: &WireProfile, username: &str, device_id: &str) -> String {
    let el = &profile.elements;
    RequestXml::new(profile)
        .field(&el.action, &profile.actions.security_strings)
        .field(&el.username, username)
        .field(&el.device_id, device_id)
        .finish()
}

/// Agent `login`: secret, username, an empty password and the OTC (with its index).
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

/// `ping`: no secret needed.
pub fn ping_xml(profile: &WireProfile) -> String {
    RequestXml::new(profile)
        .field(&profile.elements.action, &profile.actions.ping)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> WireProfile {
        WireProfile::default_profile()
    }

    #[test]
    fn provision_request_matches_protocol_section_9() {
        assert_eq!(
            provision_xml(&profile(), "alice", "1234567890", "iOS 17.2", None),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASRequest><Version>3.6</Version><Action>Provision</Action>",
                "<Username>alice</Username><ProvisionCode>1234567890</ProvisionCode>",
                "<DeviceOS>iOS 17.2</DeviceOS></SASRequest>"
            )
        );
        assert!(
            provision_xml(&profile(), "a", "c", "d", Some("push-1"))
                .ends_with("<DeviceOS>d</DeviceOS><PushId>push-1</PushId></SASRequest>")
        );
    }

    #[test]
    fn login_and_ping_and_strings_requests() {
        assert_eq!(
            login_xml(&profile(), "s", "bob", "162007"),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SASRequest><Version>3.6</Version><Secret>s</Secret><Action>login</Action>",
                "<Username>bob</Username><Password/><OTC>162007</OTC></SASRequest>"
            )
        );
        assert!(ping_xml(&profile()).ends_with("<Action>ping</Action></SASRequest>"));
        assert!(security_strings_xml(&profile(), "u", "dev").ends_with(
            "<Action>SecurityStrings</Action><Username>u</Username><Id>dev</Id></SASRequest>"
        ));
    }

    #[test]
    fn usernames_with_markup_are_escaped() {
        let xml = provision_xml(&profile(), r#"a<b&c"d'</Username>"#, "x", "y", None);
        assert!(
            xml.contains("<Username>a&lt;b&amp;c&quot;d&apos;&lt;/Username&gt;</Username>"),
            "{xml}"
        );
        // The escaped document still parses to the original value.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut username = String::new();
        let mut inside = false;
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) => inside = e.name().as_ref() == b"Username",
                quick_xml::events::Event::End(_) => inside = false,
                quick_xml::events::Event::Text(t) if inside => {
                    username.push_str(&t.decode().unwrap());
                }
                quick_xml::events::Event::GeneralRef(r) if inside => {
                    let name = r.decode().unwrap();
                    username.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(username, r#"a<b&c"d'</Username>"#);
    }

    #[test]
    fn version_comes_from_the_profile() {
        let mut p = profile();
        p.version = "3.9".to_string();
        assert!(ping_xml(&p).contains("<Version>3.9</Version>"));
    }
}
