//! Device bindings (DEV-1, DEV-2, SS-2): the one mobile client a user may have, its id,
//! the seed its strings are derived from, its current string book, and the node it was
//! provisioned through.

use std::fmt;

use rand::RngCore;

use super::strings::StringBook;

/// A device id as the server hands it out: 16 random bytes, shown as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId([u8; 16]);

impl DeviceId {
    /// A fresh random id.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Parses the wire form; anything but 32 hex digits is no id at all.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.as_bytes();
        if text.len() != 32 {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (i, pair) in text.chunks_exact(2).enumerate() {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            bytes[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Self(bytes))
    }
}

impl DeviceId {
    /// The 32 lowercase hex digits of the wire form.
    fn hex(&self) -> [u8; 32] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0xf)];
        }
        out
    }
}

impl fmt::Display for DeviceId {
    // Written in one piece: a provision reply carries one (per-byte `{:02x}` cost more
    // than the rest of the reply).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for DeviceId {
    // Device ids are secrets: debug output must not leak them into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceId(<redacted>)")
    }
}

/// The mobile client bound to a user.
#[derive(Debug, Clone)]
pub struct Device {
    pub(crate) id: DeviceId,
    /// Seed of every download of this device; each download takes a new generation.
    pub(crate) seed: [u8; 32],
    pub(crate) next_generation: u32,
    /// The strings of the latest download; `None` before one or after SS-1 invalidation.
    pub(crate) book: Option<StringBook>,
    /// Only the earlier-strings-stay-valid defect keeps the previous book.
    pub(crate) previous_book: Option<StringBook>,
    /// Only the old-device-keeps-working defect remembers the previous id.
    pub(crate) previous_id: Option<DeviceId>,
    /// The node the device was provisioned through. The faithful server never reads it
    /// (CL-3: the repository is shared); only the strings-node-local defect does. A `u16`
    /// fits in the struct's padding, so a million devices cost nothing more.
    pub(crate) home_node: u16,
}

impl Device {
    /// A device freshly provisioned through node `home_node`, with no strings yet.
    pub fn new(home_node: u16) -> Self {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        Self {
            id: DeviceId::random(),
            seed,
            next_generation: 1,
            book: None,
            previous_book: None,
            previous_id: None,
            home_node,
        }
    }

    /// The bound id.
    pub fn id(&self) -> DeviceId {
        self.id
    }

    /// Whether `presented` names this device (or, under the old-device-keeps-working
    /// defect, its predecessor).
    pub fn answers_to(&self, presented: &str) -> bool {
        DeviceId::parse(presented).is_some_and(|id| self.answers_to_id(id))
    }

    /// [`Device::answers_to`] for an id already parsed.
    pub fn answers_to_id(&self, id: DeviceId) -> bool {
        id == self.id || self.previous_id == Some(id)
    }

    /// Every id this device answers to: its own, then its predecessor's if kept.
    pub(crate) fn ids(&self) -> impl Iterator<Item = DeviceId> + use<> {
        std::iter::once(self.id).chain(self.previous_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_round_trips_and_rejects_junk() {
        let id = DeviceId::random();
        assert_eq!(DeviceId::parse(&id.to_string()), Some(id));
        assert_eq!(DeviceId::parse("xyz"), None);
        assert_eq!(DeviceId::parse(&"g".repeat(32)), None);
        assert_eq!(format!("{id:?}"), "DeviceId(<redacted>)");
        let known = DeviceId([
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 0xff, 0x10, 0x0f, 2, 3, 4, 5,
        ]);
        assert_eq!(known.to_string(), "0123456789abcdef00ff100f02030405");
    }

    #[test]
    fn fresh_devices_differ() {
        assert_ne!(Device::new(1).id(), Device::new(1).id());
    }
}
