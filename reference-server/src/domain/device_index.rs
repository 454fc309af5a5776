//! Which user a device id is bound to (SS-2, WIRE-3): a string request of the mobile
//! wire carries `<Id>` alone, so the repository must find the user from the device id.
//!
//! The index maps every id a device answers to (its own, and under the
//! old-device-keeps-working defect its predecessor) to the user's name, sharing the
//! name's allocation with the user table (`Arc<str>`), so a provisioned user costs one
//! table slot here and no extra heap block (BENCHMARKS.md (b)).

use std::sync::Arc;

use super::FastMap;
use super::devices::{Device, DeviceId};

/// Device id → the name of the user it is bound to.
#[derive(Debug, Default)]
pub(crate) struct DeviceIndex {
    users: FastMap<DeviceId, Arc<str>>,
}

impl DeviceIndex {
    /// The user `id` is bound to, if any.
    pub(crate) fn user_of(&self, id: DeviceId) -> Option<&Arc<str>> {
        self.users.get(&id)
    }

    /// Records every id `device` answers to as `user`'s.
    pub(crate) fn bind(&mut self, user: &Arc<str>, device: &Device) {
        for id in device.ids() {
            self.users.insert(id, Arc::clone(user));
        }
    }

    /// Forgets every id `device` answers to.
    pub(crate) fn unbind(&mut self, device: &Device) {
        for id in device.ids() {
            self.users.remove(&id);
        }
    }

    /// Makes room for `users` bindings, so that provisioning, which holds the core's
    /// lock, never waits for the table to grow: called as users are created, where the
    /// user table grows anyway.
    pub(crate) fn reserve_for(&mut self, users: usize) {
        if let Some(more) = users.checked_sub(self.users.len()) {
            self.users.reserve(more);
        }
    }

    /// Forgets every binding (reset).
    pub(crate) fn clear(&mut self) {
        self.users.clear();
    }

    /// Number of ids bound.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_and_unbind_every_id_a_device_answers_to() {
        let mut index = DeviceIndex::default();
        let alice: Arc<str> = Arc::from("alice");
        let old = Device::new(1);
        let mut new = Device::new(1);
        new.previous_id = Some(old.id());
        index.bind(&alice, &new);
        assert_eq!(index.len(), 2);
        assert_eq!(index.user_of(new.id()).map(|u| &**u), Some("alice"));
        assert_eq!(index.user_of(old.id()).map(|u| &**u), Some("alice"));
        index.unbind(&new);
        assert_eq!(index.len(), 0);
        assert!(index.user_of(new.id()).is_none());
    }

    #[test]
    fn room_is_made_ahead_of_provisioning() {
        let mut index = DeviceIndex::default();
        index.reserve_for(1000);
        let capacity = index.users.capacity();
        assert!(capacity >= 1000);
        let alice: Arc<str> = Arc::from("alice");
        for _ in 0..1000 {
            index.bind(&alice, &Device::new(1));
        }
        assert_eq!(index.users.capacity(), capacity);
    }
}
