//! Mobile requests after provisioning: the SecurityStrings download (SS-2..SS-6, DEV-2,
//! LOG-7, LOG-9), TokenIndex, and the Agent-XML OTC login (OTC-1, USR-2, LOG-8).

use super::codes::codes_equal;
use super::log::{LogLine, texts};
use super::policy::StringType;
use super::strings::{STRINGS_PER_DOWNLOAD, StringBook, otc_for, split_otc_input};
use super::{AgentError, Core, MobileError, State, UserRecord};
use crate::defects::Defect;

/// A successful strings download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringsDownload {
    book: StringBook,
    /// The Mobile Client policies to send with the reply (POL-1).
    pub policies: Vec<(&'static str, bool, &'static str)>,
}

impl StringsDownload {
    /// The strings, 10 characters then a two-digit index each (SS-3).
    pub fn strings(&self) -> Vec<String> {
        self.book.strings()
    }

    /// The strings joined by `separator`, as a reply carries them.
    pub fn joined(&self, separator: char) -> String {
        self.book.joined(separator)
    }
}

impl Core {
    /// Finds the user and checks the presented device id (DEV-2, SS-2); logs LOG-7 and
    /// refuses otherwise. `node_local` (only the strings-node-local defect sets it) also
    /// refuses a device provisioned through another node, as if each node kept its own
    /// device table instead of the shared repository of CL-3.
    fn bound_record<'s>(
        &self,
        state: &'s mut State,
        node: u16,
        username: &str,
        device_id: &str,
        node_local: bool,
    ) -> Result<&'s mut UserRecord, MobileError> {
        let any_device = self.has_defect(Defect::StringsForAnyDevice);
        let verdict = match state.users.get(username) {
            None => Err(MobileError::UnknownUser),
            Some(r) => match &r.device {
                Some(d)
                    if (any_device || d.answers_to(device_id))
                        && !(node_local && d.home_node != node) =>
                {
                    Ok(())
                }
                _ => Err(MobileError::DeviceNotProvisioned),
            },
        };
        if let Err(e) = verdict {
            self.log(
                state,
                node,
                LogLine::Log7,
                texts::MOBILE_UNKNOWN_USER.to_string(),
            );
            return Err(e);
        }
        state
            .users
            .get_mut(username)
            .ok_or(MobileError::UnknownUser)
    }

    /// SS-2..SS-6: a new download of 99 strings for the bound device, replacing every
    /// earlier string (SS-4).
    pub fn security_strings(
        &self,
        node: u16,
        username: &str,
        device_id: &str,
    ) -> Result<StringsDownload, MobileError> {
        let mut state = self.lock();
        // Copied out (no allocation) so the lock can go before the strings are written.
        let policy_type = state.policies.general.security_string_type;
        let mobile_items = state.policies.mobile_items();
        let node_local = self.has_defect(Defect::StringsNodeLocal);
        let record = self.bound_record(&mut state, node, username, device_id, node_local)?;
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
            node,
            LogLine::Log9,
            texts::strings_fetched(username),
        );
        drop(state);
        let policies = if self.has_defect(Defect::PoliciesNotSent) {
            Vec::new()
        } else {
            mobile_items.to_vec()
        };
        Ok(StringsDownload { book, policies })
    }

    /// TokenIndex: the index of the next unused string of the bound device.
    pub fn token_index(
        &self,
        node: u16,
        username: &str,
        device_id: &str,
    ) -> Result<u8, MobileError> {
        let mut state = self.lock();
        let record = self.bound_record(&mut state, node, username, device_id, false)?;
        record
            .device
            .as_ref()
            .and_then(|d| d.book.as_ref())
            .and_then(StringBook::next_unused)
            .ok_or(MobileError::NoStrings)
    }

    /// OTC-1: an Agent-XML login with the OTC followed by the two-digit index. A string
    /// authenticates once; strings invalidated by SS-1 or replaced by SS-4 never do.
    pub fn agent_login(
        &self,
        node: u16,
        username: &str,
        otc_input: &str,
    ) -> Result<(), AgentError> {
        let mut state = self.lock();
        let Some(record) = state.users.get_mut(username) else {
            self.log(
                &mut state,
                node,
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
