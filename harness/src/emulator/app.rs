//! The emulated app as a person uses it: settings (a Site ID looked up at an SSD, or a
//! server entered by hand), a username and PIN, then provision with a code, keep the
//! strings of the last download, show one OTC after the other (CLI-5, CLI-6), download
//! again before running out (CLI-7), refuse a server whose certificate does not verify
//! (CLI-8), and show the §8 message of each refusal. It is the stand-in app of `certify
//! --self-test`; each [`AppDefect`] switched on breaks one client rule.

use std::sync::Arc;

use super::app_defects::{AppDefect, AppDefects, GENERIC_ERROR};
use super::app_message::{self, ERROR_DOWNLOADING_STRINGS, SERVER_CONNECTION};
use super::client::{ClientOptions, EmulatorError, Endpoint, MobileClient};
use super::exchange::Exchange;
use crate::codec::otc::app_otc;
use crate::codec::request::{self, ProvisionExtras, WireRequest};
use crate::codec::{Call, Outcome, strings};
use crate::profile::WireProfile;

/// Strings a download holds; after the last the app must download again.
const LAST_INDEX: usize = 99;
/// How often a `retry-storm` app sends a refused code again.
const STORM_RETRIES: usize = 3;

/// Who uses the app.
#[derive(Debug, Clone)]
pub struct AppUser {
    /// Username configured in the app.
    pub username: String,
    /// The PIN entered in the app (policy "Allow user to enter PIN").
    pub pin: String,
    /// The user's e-mail (only an `extra-identity` app sends it).
    pub email: String,
}

/// The emulated app on one phone.
#[derive(Debug)]
pub struct EmulatedApp {
    client: MobileClient,
    lax: MobileClient,
    defects: AppDefects,
    user: AppUser,
    sync_index: bool,
    endpoint: Option<Endpoint>,
    device_id: Option<String>,
    strings: Option<String>,
    next_index: usize,
    refused: bool,
    screen: String,
}

impl EmulatedApp {
    /// An app speaking `profile`, trusting `options` (its CA), with `defects` on. With
    /// `sync_index` it asks the server for the next index before each OTC.
    pub fn new(
        profile: Arc<WireProfile>,
        options: ClientOptions,
        user: AppUser,
        defects: AppDefects,
        sync_index: bool,
    ) -> Result<Self, EmulatorError> {
        let lax = ClientOptions {
            insecure: true,
            ca_cert_pem: None,
            ..options.clone()
        };
        Ok(Self {
            client: MobileClient::new(Arc::clone(&profile), options)?,
            lax: MobileClient::new(profile, lax)?,
            defects,
            user,
            sync_index,
            endpoint: None,
            device_id: None,
            strings: None,
            next_index: 1,
            refused: false,
            screen: String::new(),
        })
    }

    /// What the screen shows now (the last message or OTC).
    pub fn screen(&self) -> &str {
        &self.screen
    }

    /// The server the app is set to.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }

    fn http(&self) -> &MobileClient {
        if self.defects.has(AppDefect::IgnoreTlsErrors) {
            &self.lax
        } else {
            &self.client
        }
    }

    fn show(&mut self, call: Call, outcome: &Outcome) {
        let message = app_message::app_message(call, outcome);
        self.screen = if !outcome.is_pass() && self.defects.has(AppDefect::WrongMessage) {
            GENERIC_ERROR.to_string()
        } else {
            message.to_string()
        };
    }

    /// Server settings entered by hand: `<scheme>://<host>:<port>/<context>`.
    pub fn set_server(&mut self, base_url: &str) {
        self.endpoint = Some(Endpoint::new(base_url));
    }

    /// A Site ID entered: looked up at the SSD below `ssd_root` (CLI-1). False when the
    /// lookup gave no settings (the screen says why).
    pub async fn set_site_id(&mut self, ssd_root: &str, site_id: &str) -> bool {
        let (exchange, endpoint) = self.http().resolve_site(ssd_root, site_id).await;
        self.show(Call::SsdLookup, &exchange.outcome);
        let Some(endpoint) = endpoint else {
            return false;
        };
        let endpoint = if self.defects.has(AppDefect::WrongScheme) {
            Endpoint::new(flip_scheme(&endpoint.base_url))
        } else {
            endpoint
        };
        self.endpoint = Some(endpoint);
        true
    }

    /// A complete Provision URL opened (link or QR): Site ID, username and code from its
    /// last three path segments; the Site ID is looked up, then the app provisions.
    pub async fn open_complete_url(&mut self, ssd_root: &str, url: &str) -> bool {
        let Some((site_id, username, code)) = split_complete_url(url) else {
            self.screen = app_message::PROVISION_FAILURE.to_string();
            return false;
        };
        self.user.username = username;
        if !self.set_site_id(ssd_root, &site_id).await {
            return false;
        }
        self.provision(&code).await
    }

    /// Provision with `code` at the configured server, then download strings. True when
    /// both passed.
    pub async fn provision(&mut self, code: &str) -> bool {
        let Some(ep) = self.endpoint.clone() else {
            self.screen = SERVER_CONNECTION.to_string();
            return false;
        };
        if self.defects.has(AppDefect::StringsBeforeProvision) {
            let id = self
                .device_id
                .clone()
                .unwrap_or_else(|| "0123456789abcdef0123456789abcdef".to_string());
            let _ = self
                .http()
                .security_strings(&ep, &self.user.username, &id)
                .await;
        }
        let mut exchange = self.send_provision(&ep, code).await;
        if !exchange.outcome.is_pass()
            && !exchange.outcome.is_transport()
            && self.defects.has(AppDefect::RetryStorm)
        {
            for _ in 0..STORM_RETRIES {
                exchange = self.send_provision(&ep, code).await;
            }
        }
        self.show(Call::Provision, &exchange.outcome);
        let Some(device_id) = exchange.device_id().map(str::to_string) else {
            return false;
        };
        self.device_id = Some(device_id);
        self.refused = false;
        self.download_strings().await
    }

    async fn send_provision(&self, ep: &Endpoint, code: &str) -> Exchange {
        let profile = self.client.profile();
        let extras = ProvisionExtras {
            device_os: self
                .defects
                .has(AppDefect::SendPin)
                .then(|| format!("emulated app (pin {})", self.user.pin)),
            ..ProvisionExtras::default()
        };
        let mut body = request::provision_xml(profile, &self.user.username, code, &extras);
        if self.defects.has(AppDefect::ExtraIdentity) {
            let close = format!("</{}>", profile.elements.request_root);
            let email = format!("<Email>{}</Email>", self.user.email);
            if let Some(at) = body.rfind(&close) {
                body.insert_str(at, &email);
            }
        }
        let wire = WireRequest::agent_xml(profile, Call::Provision, body);
        self.http().send_request(ep, wire).await
    }

    /// Downloads strings for the bound device. A refusal of the device id (DEV-2) makes
    /// the app drop its strings and ask to be provisioned again (CLI-10).
    pub async fn download_strings(&mut self) -> bool {
        let (Some(ep), Some(id)) = (self.endpoint.clone(), self.device_id.clone()) else {
            self.screen = ERROR_DOWNLOADING_STRINGS.to_string();
            return false;
        };
        let exchange = self
            .http()
            .security_strings(&ep, &self.user.username, &id)
            .await;
        self.show(Call::SecurityStrings, &exchange.outcome);
        match (&exchange.outcome, exchange.strings_text()) {
            (Outcome::Pass, Some(text)) => {
                self.strings = Some(text.to_string());
                self.next_index = 1;
                true
            }
            (Outcome::Fail(_), _) => {
                self.refused = true;
                if !self.defects.has(AppDefect::KeepsOldStrings) {
                    self.strings = None;
                }
                false
            }
            _ => false,
        }
    }

    /// The next OTC the app shows, or `None` when it offers none (no strings, or its
    /// device was refused).
    pub async fn next_otc(&mut self) -> Option<String> {
        let keeps_old = self.defects.has(AppDefect::KeepsOldStrings);
        if self.refused && !keeps_old {
            self.screen = ERROR_DOWNLOADING_STRINGS.to_string();
            return None;
        }
        if self.sync_index && !self.refused {
            self.sync().await;
        }
        if self.next_index > LAST_INDEX {
            if self.defects.has(AppDefect::NoRefresh) {
                self.next_index = 1;
            } else if !self.download_strings().await {
                return None;
            }
        }
        let text = self.strings.clone()?;
        let profile = self.client.profile();
        let string = strings::string_for_index(&text, self.next_index, profile)?;
        let pin = if self.defects.has(AppDefect::WrongPinPosition) {
            shifted_pin(&self.user.pin)
        } else {
            self.user.pin.clone()
        };
        let otc = app_otc(&pin, string, self.next_index)?;
        if !self.defects.has(AppDefect::ReuseIndex) {
            self.next_index += 1;
        }
        self.screen = otc.clone();
        Some(otc)
    }

    /// Reads TokenIndex: the server's next unused index; "none left" means exhausted.
    async fn sync(&mut self) {
        if self.defects.has(AppDefect::ReuseIndex) {
            return;
        }
        let (Some(ep), Some(id)) = (self.endpoint.clone(), self.device_id.clone()) else {
            return;
        };
        let exchange = self.http().token_index(&ep, &self.user.username, &id).await;
        match (&exchange.outcome, exchange.token_index()) {
            (Outcome::Pass, Some(index)) => {
                self.next_index = usize::try_from(index).unwrap_or(LAST_INDEX + 1);
            }
            (Outcome::Fail(_), _) => self.next_index = LAST_INDEX + 1,
            _ => {}
        }
    }

    /// Tries to provision with `code` at another server (CLI-8's untrusted port), without
    /// changing the app's settings.
    pub async fn try_server(&mut self, base_url: &str, code: &str) -> bool {
        let saved = self.endpoint.replace(Endpoint::new(base_url));
        let passed = {
            let ep = Endpoint::new(base_url);
            let exchange = self.send_provision(&ep, code).await;
            self.show(Call::Provision, &exchange.outcome);
            exchange.outcome.is_pass()
        };
        self.endpoint = saved;
        passed
    }
}

/// `https://…` ⇄ `http://…`.
fn flip_scheme(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("http://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("https://{rest}")
    } else {
        url.to_string()
    }
}

/// Each PIN digit moved one position on (0, the 10th, wraps to the 1st).
fn shifted_pin(pin: &str) -> String {
    pin.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => {
                let position = if d == 0 { 10 } else { d };
                let next = position % 10 + 1;
                char::from_digit(next % 10, 10).unwrap_or(c)
            }
            None => c,
        })
        .collect()
}

/// Site ID, username and code: the last three path segments, percent-decoded.
pub fn split_complete_url(url: &str) -> Option<(String, String, String)> {
    let url = url.split(['?', '#']).next()?;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (_, path) = after_scheme.split_once('/')?;
    let mut segments: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(3).collect();
    if segments.len() != 3 || segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    segments.reverse();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    Some((
        decode(segments.first()?)?,
        decode(segments.get(1)?)?,
        decode(segments.get(2)?)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(flip_scheme("https://h:1/c"), "http://h:1/c");
        assert_eq!(flip_scheme("http://h:1/c"), "https://h:1/c");
        assert_eq!(shifted_pin("1290"), "2301");
        assert_eq!(
            split_complete_url("http://smc.example/smc/complete/SITE%201/alice/ABC123"),
            Some(("SITE 1".into(), "alice".into(), "ABC123".into()))
        );
        assert_eq!(split_complete_url("http://x/a/b"), None);
    }
}
