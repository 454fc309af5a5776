//! Site ID lookup (SSD-1) and the URLs a provision message can carry: the Provision URL
//! (URL-1, 3.9.7) and the complete URL with Site ID and code (URL-2, 3.10), which the QR
//! code of QR-1 encodes.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use super::Core;
use crate::defects::Defect;

/// Characters left as they are in a URL path segment or query value.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What the SSD says about a Site ID (SSD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteRecord {
    /// Host name the app connects to.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Context path, e.g. `pinsafe`.
    pub context: String,
    /// Whether to use HTTPS.
    pub ssl: bool,
    /// Whether push notifications are on.
    pub push: bool,
    /// Whether the app works in local mode.
    pub local: bool,
    /// Whether the app asks for the PIN (the SSD's `pin` flag, where the wire has one).
    pub pin: bool,
    /// Whether the site offers OATH tokens (the SSD's `oath` flag, where the wire has one).
    pub oath: bool,
}

impl Default for SiteRecord {
    fn default() -> Self {
        Self {
            host: "localhost".to_string(),
            port: 8080,
            context: "pinsafe".to_string(),
            ssl: false,
            push: false,
            local: false,
            pin: true,
            oath: false,
        }
    }
}

fn encode(part: &str) -> String {
    utf8_percent_encode(part, URL_COMPONENT).to_string()
}

/// The Provision URL of URL-1 [ASSUMED layout]: server settings, username and code in
/// one link the app opens.
pub fn provision_url(site: &SiteRecord, username: &str, code: &str) -> String {
    format!(
        "swivelsecure://provision/?server={}&port={}&context={}&ssl={}&username={}&code={}",
        encode(&site.host),
        site.port,
        encode(&site.context),
        u8::from(site.ssl),
        encode(username),
        encode(code)
    )
}

/// The complete URL of URL-2: `<base><site-id>/<username>/<code>` [HINT/ASSUMED layout].
pub fn complete_url(base: &str, site_id: &str, username: &str, code: &str) -> String {
    format!(
        "{base}{}/{}/{}",
        encode(site_id),
        encode(username),
        encode(code)
    )
}

impl Core {
    /// Registers (or replaces) what the SSD answers for a Site ID.
    pub fn register_site(&self, site_id: &str, record: SiteRecord) {
        self.lock().sites.insert(site_id.to_string(), record);
    }

    /// SSD-1: the settings for a Site ID; `None` for an unknown one (unless the
    /// unknown-site-id-accepted defect answers with this server's own settings).
    pub fn lookup_site(&self, site_id: &str) -> Option<SiteRecord> {
        let state = self.lock();
        if let Some(record) = state.sites.get(site_id) {
            return Some(record.clone());
        }
        if self.has_defect(Defect::UnknownSiteIdAccepted) {
            return state
                .sites
                .get(&self.config().site_id)
                .cloned()
                .or_else(|| Some(SiteRecord::default()));
        }
        None
    }

    /// This server's own SSD record (or the defaults before one is registered).
    pub(crate) fn own_site(
        &self,
        sites: &std::collections::HashMap<String, SiteRecord>,
    ) -> SiteRecord {
        sites
            .get(&self.config().site_id)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url2_complete_url_layout() {
        assert_eq!(
            complete_url(
                "http://smc.swivelsecure.com/smc/complete/",
                "SITE1",
                "alice",
                "ABC123"
            ),
            "http://smc.swivelsecure.com/smc/complete/SITE1/alice/ABC123"
        );
        assert_eq!(
            complete_url("https://x/", "S", "a b/c", "C"),
            "https://x/S/a%20b%2Fc/C"
        );
    }

    #[test]
    fn url1_provision_url_carries_settings_and_code() {
        let url = provision_url(&SiteRecord::default(), "alice", "ABC");
        assert!(url.starts_with("swivelsecure://provision/?server=localhost&port=8080"));
        assert!(url.ends_with("&username=alice&code=ABC"));
    }
}
