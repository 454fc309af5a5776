//! The Site ID lookup's reply (SSD-1, WIRE-5) in the profile's shape, written directly.
//! Found: `<root><result>pass</result><server><host/><ssl/><push/><local/>[<pin/>]
//! [<oath/>]<port/><context/></server></root>`; under `mobile-3.6` exactly the
//! `getServerDetailsResponse` of protocol.md §9. Unknown: `<root><result>fail</result>
//! [<error>UNKNOWN_SERVER_ID</error>]<message>reason</message></root>`, answered with
//! the profile's HTTP status.

use crate::domain::site::SiteRecord;
use crate::profile::{ErrorSpellings, Ssd};

use super::codes::ErrorCode;
use super::server_wire::{ServerWire, Tag};

const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// The SSD reply's tags and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsdFormat {
    root: Tag,
    result: Tag,
    pass: Box<str>,
    fail: Box<str>,
    /// The error element and the UNKNOWN_SERVER_ID spelling, when the shape has one.
    error: Option<(Tag, Box<str>)>,
    message: Tag,
    server: Tag,
    host: Tag,
    ssl: Tag,
    push: Tag,
    local: Tag,
    pin: Option<Tag>,
    oath: Option<Tag>,
    port: Tag,
    context: Tag,
    yes: Box<str>,
    no: Box<str>,
    unknown_status: u16,
}

impl SsdFormat {
    pub(crate) fn new(ssd: &Ssd, errors: &ErrorSpellings) -> Self {
        let code = ErrorCode::UnknownServerId.canonical();
        let unknown = errors.wire(code).unwrap_or(code);
        Self {
            root: Tag::new(&ssd.root),
            result: Tag::new(&ssd.result),
            pass: ssd.pass.as_str().into(),
            fail: ssd.fail.as_str().into(),
            error: ssd.error.as_deref().map(|e| (Tag::new(e), unknown.into())),
            message: Tag::new(&ssd.message),
            server: Tag::new(&ssd.server),
            host: Tag::new(&ssd.host),
            ssl: Tag::new(&ssd.ssl),
            push: Tag::new(&ssd.push),
            local: Tag::new(&ssd.local),
            pin: ssd.pin.as_deref().map(Tag::new),
            oath: ssd.oath.as_deref().map(Tag::new),
            port: Tag::new(&ssd.port),
            context: Tag::new(&ssd.context),
            yes: ssd.yes.as_str().into(),
            no: ssd.no.as_str().into(),
            unknown_status: ssd.unknown_status,
        }
    }

    fn flag(&self, on: bool) -> &str {
        if on { &self.yes } else { &self.no }
    }
}

impl ServerWire {
    /// The reply for a known Site ID: `site`'s settings.
    pub fn ssd_found(&self, site: &SiteRecord) -> String {
        let f = &self.ssd;
        let mut out = String::with_capacity(512);
        out.push_str(XML_DECLARATION);
        out.push_str(f.root.open());
        f.result.write(&mut out, &f.pass);
        out.push_str(f.server.open());
        f.host.write(&mut out, &site.host);
        f.ssl.write(&mut out, f.flag(site.ssl));
        f.push.write(&mut out, f.flag(site.push));
        f.local.write(&mut out, f.flag(site.local));
        if let Some(pin) = &f.pin {
            pin.write(&mut out, f.flag(site.pin));
        }
        if let Some(oath) = &f.oath {
            oath.write(&mut out, f.flag(site.oath));
        }
        f.port.write(&mut out, &site.port.to_string());
        f.context.write(&mut out, &site.context);
        out.push_str(f.server.close());
        out.push_str(f.root.close());
        out
    }

    /// The reply for an unknown Site ID, with a human-readable `reason`.
    pub fn ssd_unknown(&self, reason: &str) -> String {
        let f = &self.ssd;
        let mut out = String::with_capacity(256);
        out.push_str(XML_DECLARATION);
        out.push_str(f.root.open());
        f.result.write(&mut out, &f.fail);
        if let Some((error, code)) = &f.error {
            error.write(&mut out, code);
        }
        f.message.write(&mut out, reason);
        out.push_str(f.root.close());
        out
    }

    /// The HTTP status of the unknown-Site-ID reply.
    pub fn ssd_unknown_status(&self) -> u16 {
        self.ssd.unknown_status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::WireProfile;

    fn wire(name: &str) -> ServerWire {
        ServerWire::faithful(&WireProfile::builtin(name).expect("a built-in profile"))
    }

    fn appliance() -> SiteRecord {
        SiteRecord {
            host: "pinsafe.example.com".into(),
            port: 8443,
            context: "proxy".into(),
            ssl: true,
            ..SiteRecord::default()
        }
    }

    #[test]
    fn mobile_found_is_the_shape_of_protocol_section_9() {
        assert_eq!(
            wire("mobile-3.6").ssd_found(&appliance()),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<getServerDetailsResponse><responseCode>0</responseCode><SSDetails>",
                "<hostname>pinsafe.example.com</hostname><usingSSL>YES</usingSSL>",
                "<pushSupport>NO</pushSupport><local>NO</local><pin>YES</pin><oath>NO</oath>",
                "<port>8443</port><connectionType>proxy</connectionType>",
                "</SSDetails></getServerDetailsResponse>"
            )
        );
    }

    #[test]
    fn mobile_unknown_has_a_code_and_a_description_but_no_error_element() {
        let w = wire("mobile-3.6");
        assert_eq!(
            w.ssd_unknown("unknown Site ID '<x&y>'"),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<getServerDetailsResponse><responseCode>1</responseCode>",
                "<errorDescription>unknown Site ID '&lt;x&amp;y&gt;'</errorDescription>",
                "</getServerDetailsResponse>"
            )
        );
        assert_eq!(w.ssd_unknown_status(), 200);
    }

    #[test]
    fn agentxml_found_and_unknown() {
        let w = wire("agentxml-3.6");
        let site = SiteRecord {
            oath: true,
            ..appliance()
        };
        assert_eq!(
            w.ssd_found(&site),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SSDResponse><Result>PASS</Result><Server>",
                "<Host>pinsafe.example.com</Host><SSL>true</SSL><Push>false</Push>",
                "<Local>false</Local><Port>8443</Port><Context>proxy</Context>",
                "</Server></SSDResponse>"
            )
        );
        assert_eq!(
            w.ssd_unknown("unknown Site ID 'NOPE'"),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "<SSDResponse><Result>FAIL</Result><Error>UNKNOWN_SERVER_ID</Error>",
                "<Message>unknown Site ID 'NOPE'</Message></SSDResponse>"
            )
        );
        assert_eq!(w.ssd_unknown_status(), 404);
    }

    #[test]
    fn site_flags_and_a_respelled_error_follow_the_record_and_profile() {
        let mut profile = WireProfile::default_profile();
        profile.ssd.error = Some("errorCode".into());
        profile.errors.unknown_server_id = "E_UNKNOWN_SITE".into();
        let w = ServerWire::faithful(&profile);
        let site = SiteRecord {
            pin: false,
            oath: true,
            push: true,
            ..appliance()
        };
        let found = w.ssd_found(&site);
        assert!(
            found.contains(
                "<pushSupport>YES</pushSupport><local>NO</local><pin>NO</pin><oath>YES</oath>"
            ),
            "{found}"
        );
        assert!(
            w.ssd_unknown("x")
                .contains("<responseCode>1</responseCode><errorCode>E_UNKNOWN_SITE</errorCode>")
        );
    }
}
