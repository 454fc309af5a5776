//! Mobile requests after provisioning: the SecurityStrings download (SS-2..SS-6, DEV-2,
//! LOG-7, LOG-9) by username and device id or by device id alone, TokenIndex (by
//! username and device id, or by username alone), and the Agent-XML OTC login (OTC-1,
//! USR-2, LOG-8).

use std::sync::Arc;

use super::codes::codes_equal;
use super::devices::{Device, DeviceId};
use super::log::{LogLine, texts};
use super::log_text::LogText;
use super::policy::StringType;
use super::strings::{STRINGS_PER_DOWNLOAD, StringBook, otc_for, split_otc_input};
use super::{AgentError, Core, MobileError, Origin, State};
use crate::defects::Defect;

/// A successful strings download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringsDownload {
    book: StringBook,
    /// The Mobile Client policies to send with the reply (POL-1).
    pub policies: Vec<(&'static str, bool, &'static str)>,
}

impl StringsDownload {
    /// A download of `book`'s strings with no policies (tests of the reply writer).
    #[cfg(test)]
    pub(crate) fn of_book(book: StringBook) -> Self {
        Self {
            book,
            policies: Vec::new(),
        }
    }

    /// The strings, 10 characters then a two-digit index each (SS-3).
    pub fn strings(&self) -> Vec<String> {
        self.book.strings()
    }

    /// The strings joined by `separator`, as a reply carries them.
    pub fn joined(&self, separator: char) -> String {
        self.book.joined(separator)
    }

    /// Appends the strings joined by `separator` to `out`.
    pub fn write_joined(&self, out: &mut String, separator: &str) {
        self.book.write_joined(out, separator);
    }

    /// `lead`, then the strings joined by `separator`, in one buffer.
    pub fn text(&self, lead: &str, separator: &str) -> String {
        self.book.text(lead, separator)
    }

    /// How many strings the download holds (99, SS-3).
    pub fn count(&self) -> usize {
        usize::from(self.book.count)
    }
}

/// How a mobile request says whose device it is.
#[derive(Debug, Clone, Copy)]
enum Claim<'a> {
    /// `<Username>` and `<Id>`: the named user, whose bound device must answer to the id.
    UserAndDevice(&'a str, &'a str),
    /// `<Id>` alone (SS-2, WIRE-3): the user that device is bound to.
    Device(&'a str),
    /// A username alone (TokenIndex of the mobile wire): that user's bound device.
    User(&'a str),
}

impl Core {
    /// Finds the user a request is for and checks its device claim (DEV-2, SS-2); logs
    /// LOG-7 and refuses otherwise. `node_local` (only the strings-node-local defect sets
    /// it) also refuses a device provisioned through another node, as if each node kept
    /// its own device table instead of the shared repository of CL-3. Returns the user's
    /// name as the repository holds it (a reference count, no copy).
    fn bound_user(
        &self,
        state: &mut State,
        origin: Origin,
        claim: Claim<'_>,
        node_local: bool,
    ) -> Result<Arc<str>, MobileError> {
        let verdict = self.check_claim(state, origin.node, claim, node_local);
        if verdict.is_err() {
            self.log(state, origin, LogLine::Log7, LogText::MobileUnknownUser);
        }
        verdict
    }

    fn check_claim(
        &self,
        state: &State,
        node: u16,
        claim: Claim<'_>,
        node_local: bool,
    ) -> Result<Arc<str>, MobileError> {
        let any_device = self.has_defect(Defect::StringsForAnyDevice);
        let here = |d: &Device| !(node_local && d.home_node != node);
        match claim {
            Claim::UserAndDevice(username, device_id) => {
                let (name, record) = state
                    .users
                    .get_key_value(username)
                    .ok_or(MobileError::UnknownUser)?;
                match &record.device {
                    Some(d) if (any_device || d.answers_to(device_id)) && here(d) => {
                        Ok(Arc::clone(name))
                    }
                    _ => Err(MobileError::DeviceNotProvisioned),
                }
            }
            Claim::Device(device_id) => {
                let bound = DeviceId::parse(device_id).and_then(|id| {
                    let name = state.devices.user_of(id)?;
                    let device = state.users.get(name)?.device.as_deref()?;
                    (device.answers_to_id(id) && here(device)).then(|| Arc::clone(name))
                });
                bound.ok_or(MobileError::DeviceNotProvisioned)
            }
            Claim::User(username) => {
                let (name, record) = state
                    .users
                    .get_key_value(username)
                    .ok_or(MobileError::UnknownUser)?;
                match &record.device {
                    Some(d) if here(d) => Ok(Arc::clone(name)),
                    _ => Err(MobileError::DeviceNotProvisioned),
                }
            }
        }
    }

    /// SS-2..SS-6 for a request naming its user: a new download of 99 strings for the
    /// bound device, replacing every earlier string (SS-4). The device must be the one
    /// bound to `username` (a user cannot fetch another person's strings).
    pub fn security_strings(
        &self,
        origin: impl Into<Origin>,
        username: &str,
        device_id: &str,
    ) -> Result<StringsDownload, MobileError> {
        self.download(origin.into(), Claim::UserAndDevice(username, device_id))
    }

    /// SS-2, WIRE-3: a download for the user `device_id` is bound to, as the mobile wire
    /// asks with `<Id>` alone. An unbound or invented id is refused (DEV-2, LOG-7).
    pub fn device_security_strings(
        &self,
        origin: impl Into<Origin>,
        device_id: &str,
    ) -> Result<StringsDownload, MobileError> {
        self.download(origin.into(), Claim::Device(device_id))
    }

    fn download(&self, origin: Origin, claim: Claim<'_>) -> Result<StringsDownload, MobileError> {
        let mut state = self.lock();
        // Copied out (no allocation) so the lock can go before the strings are written.
        let policy_type = state.policies.general.security_string_type;
        let mobile_items = state.policies.mobile_items();
        let node_local = self.has_defect(Defect::StringsNodeLocal);
        let username = self.bound_user(&mut state, origin, claim, node_local)?;
        let record = state
            .users
            .get_mut(&*username)
            .ok_or(MobileError::UnknownUser)?;
        if !record.user.has_mobile_right() && !self.has_defect(Defect::StringsWithoutMobileRight) {
            return Err(MobileError::NoMobileRight);
        }
        let Some(device) = record.device.as_mut() else {
            return Err(MobileError::DeviceNotProvisioned);
        };
        let string_type = if self.has_defect(Defect::StringTypeIgnored) {
            StringType::Numeric
        } else {
            policy_type
        };
        let count = if self.has_defect(Defect::ShortDownload) {
            STRINGS_PER_DOWNLOAD - 1
        } else {
            STRINGS_PER_DOWNLOAD
        };
        let book = StringBook::new(device.seed, device.next_generation, string_type, count);
        device.next_generation = device.next_generation.wrapping_add(1);
        let previous = device.book.replace(book.clone());
        device.previous_book = if self.has_defect(Defect::EarlierStringsStayValid) {
            previous
        } else {
            None
        };
        self.log(
            &mut state,
            origin,
            LogLine::Log9,
            LogText::StringsFetched(username),
        );
        let evicted = state.log.take_evicted();
        drop(state);
        drop(evicted);
        let policies = if self.has_defect(Defect::PoliciesNotSent) {
            Vec::new()
        } else {
            mobile_items.to_vec()
        };
        Ok(StringsDownload { book, policies })
    }

    /// TokenIndex: the index of the next unused string of `username`'s device, which
    /// must answer to `device_id`.
    pub fn token_index(
        &self,
        origin: impl Into<Origin>,
        username: &str,
        device_id: &str,
    ) -> Result<u8, MobileError> {
        self.next_index(origin.into(), Claim::UserAndDevice(username, device_id))
    }

    /// TokenIndex by username alone (the mobile wire): the index of the next unused
    /// string of the device currently bound to `username`.
    pub fn user_token_index(
        &self,
        origin: impl Into<Origin>,
        username: &str,
    ) -> Result<u8, MobileError> {
        self.next_index(origin.into(), Claim::User(username))
    }

    fn next_index(&self, origin: Origin, claim: Claim<'_>) -> Result<u8, MobileError> {
        let mut state = self.lock();
        let username = self.bound_user(&mut state, origin, claim, false)?;
        state
            .users
            .get(&*username)
            .and_then(|r| r.device.as_ref())
            .and_then(|d| d.book.as_ref())
            .and_then(StringBook::next_unused)
            .ok_or(MobileError::NoStrings)
    }

    /// OTC-1: an Agent-XML login with the OTC followed by the two-digit index. A string
    /// authenticates once; strings invalidated by SS-1 or replaced by SS-4 never do.
    pub fn agent_login(
        &self,
        origin: impl Into<Origin>,
        username: &str,
        otc_input: &str,
    ) -> Result<(), AgentError> {
        let origin = origin.into();
        let mut state = self.lock();
        let Some(record) = state.users.get_mut(username) else {
            self.log(
                &mut state,
                origin,
                LogLine::Log8,
                texts::agent_unknown_user(username),
            );
            return Err(AgentError::UnknownUser);
        };
        let (otc, index) = split_otc_input(otc_input).ok_or(AgentError::BadOtc)?;
        let pin = record.user.pin().to_string();
        let reusable = self.has_defect(Defect::OtcReusable);
        let device = record.device.as_mut().ok_or(AgentError::BadOtc)?;
        for book in [device.book.as_mut(), device.previous_book.as_mut()]
            .into_iter()
            .flatten()
        {
            if book.is_used(index) && !reusable {
                continue;
            }
            let Some(chars) = book.chars_at(index) else {
                continue;
            };
            let expected = otc_for(&pin, &chars).ok_or(AgentError::BadOtc)?;
            if codes_equal(otc, &expected) {
                book.mark_used(index);
                return Ok(());
            }
        }
        Err(AgentError::BadOtc)
    }
}
