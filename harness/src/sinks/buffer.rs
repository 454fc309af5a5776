//! The bounded store of a sink: items numbered from 1 in arrival order, at most
//! `max_items` and about `max_bytes` of them kept (the oldest dropped first, and
//! counted), read "since a sequence number" (like the control API's `log_since`) or
//! awaited with a predicate and a timeout (what a LOG-n check does). The lock is a std
//! `Mutex` held only for short, non-async sections; waiting uses a `watch` channel of
//! the newest sequence number, so no lock is ever held across an `.await`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use super::WaitError;

/// A bounded, sequence-numbered store of `T`.
#[derive(Debug)]
pub struct Bounded<T> {
    inner: Mutex<Inner<T>>,
    newest: watch::Sender<u64>,
    max_items: usize,
    max_bytes: usize,
}

#[derive(Debug)]
struct Inner<T> {
    items: VecDeque<Slot<T>>,
    bytes: usize,
    next_seq: u64,
    evicted: u64,
}

#[derive(Debug)]
struct Slot<T> {
    seq: u64,
    size: usize,
    item: Arc<T>,
}

/// What a store holds and has dropped, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct BufferStats {
    /// Items held now.
    pub held: usize,
    /// Their accounted size in bytes.
    pub bytes: usize,
    /// Items ever stored (the newest sequence number).
    pub stored: u64,
    /// Items dropped to keep within the caps, oldest first.
    pub evicted: u64,
}

impl<T> Bounded<T> {
    /// A store keeping at most `max_items` items and about `max_bytes` bytes (each at
    /// least 1; the newest item is always kept, however large).
    pub fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                bytes: 0,
                next_seq: 0,
                evicted: 0,
            }),
            newest: watch::Sender::new(0),
            max_items: max_items.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // A panic while holding this lock leaves only counters and a queue behind, both
        // consistent after each statement: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores the item `make(seq)` makes with its sequence number, accounting `size`
    /// bytes for it; returns the sequence number.
    pub fn push(&self, size: usize, make: impl FnOnce(u64) -> T) -> u64 {
        let seq = {
            let mut inner = self.lock();
            inner.next_seq += 1;
            let seq = inner.next_seq;
            inner.items.push_back(Slot {
                seq,
                size,
                item: Arc::new(make(seq)),
            });
            inner.bytes += size;
            while inner.items.len() > self.max_items
                || (inner.bytes > self.max_bytes && inner.items.len() > 1)
            {
                let Some(old) = inner.items.pop_front() else {
                    break;
                };
                inner.bytes -= old.size;
                inner.evicted += 1;
            }
            seq
        };
        self.newest.send_replace(seq);
        seq
    }

    /// Items with a sequence number above `after`, oldest first, at most `limit`.
    pub fn since(&self, after: u64, limit: usize) -> Vec<Arc<T>> {
        self.numbered_since(after, limit)
            .into_iter()
            .map(|(_, item)| item)
            .collect()
    }

    fn numbered_since(&self, after: u64, limit: usize) -> Vec<(u64, Arc<T>)> {
        let inner = self.lock();
        // Sequence numbers are consecutive, so the first wanted item's position is known.
        let first = inner.items.front().map_or(0, |s| s.seq);
        let skip =
            usize::try_from(after.saturating_add(1).saturating_sub(first)).unwrap_or(usize::MAX);
        inner
            .items
            .iter()
            .skip(skip)
            .take(limit)
            .map(|s| (s.seq, s.item.clone()))
            .collect()
    }

    /// The newest sequence number (0 before anything arrived): pass it to
    /// [`Bounded::since`] or [`Bounded::wait_for`] to see only what comes next.
    pub fn newest_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// The first item after `after` for which `matches` holds, waiting up to `timeout`
    /// for it to arrive.
    pub async fn wait_for(
        &self,
        after: u64,
        timeout: Duration,
        matches: impl Fn(&T) -> bool,
    ) -> Result<Arc<T>, WaitError> {
        let mut newest = self.newest.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut cursor = after;
        loop {
            newest.borrow_and_update();
            // Scan in bounded chunks so one call never clones the whole store.
            loop {
                let chunk = self.numbered_since(cursor, 1024);
                let Some((last, _)) = chunk.last() else { break };
                cursor = *last;
                if let Some((_, item)) = chunk.into_iter().find(|(_, item)| matches(item)) {
                    return Ok(item);
                }
            }
            match tokio::time::timeout_at(deadline, newest.changed()).await {
                Ok(Ok(())) => {}
                // The sender lives as long as `self`; a closed channel cannot happen
                // while we borrow it, but treat it as "nothing more will come".
                Ok(Err(_)) | Err(_) => return Err(WaitError::Timeout(timeout)),
            }
        }
    }

    /// What the store holds and has dropped.
    pub fn stats(&self) -> BufferStats {
        let inner = self.lock();
        BufferStats {
            held: inner.items.len(),
            bytes: inner.bytes,
            stored: inner.next_seq,
            evicted: inner.evicted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_drop_the_oldest_and_count_them() {
        let b = Bounded::new(3, 1000);
        for i in 0..5u64 {
            b.push(10, |seq| (seq, i));
        }
        let s = b.stats();
        assert_eq!((s.held, s.bytes, s.stored, s.evicted), (3, 30, 5, 2));
        let seqs: Vec<u64> = b.since(0, 10).iter().map(|x| x.0).collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert_eq!(b.since(4, 10).len(), 1);
        assert!(b.since(5, 10).is_empty());
        let b = Bounded::new(100, 25);
        for _ in 0..5 {
            b.push(10, |seq| seq);
        }
        assert_eq!(b.stats().held, 2);
        b.push(1000, |seq| seq);
        assert_eq!(b.stats().held, 1, "the newest is kept however large");
    }

    #[tokio::test]
    async fn wait_for_sees_old_and_new_items_and_times_out() {
        let b = Arc::new(Bounded::new(10, 1000));
        b.push(1, |_| 7u32);
        assert_eq!(
            *b.wait_for(0, Duration::from_millis(10), |x| *x == 7)
                .await
                .unwrap(),
            7
        );
        let waiter = {
            let b = b.clone();
            tokio::spawn(async move { b.wait_for(1, Duration::from_secs(5), |x| *x == 9).await })
        };
        tokio::task::yield_now().await;
        b.push(1, |_| 8);
        b.push(1, |_| 9);
        assert_eq!(*waiter.await.unwrap().unwrap(), 9);
        let err = b
            .wait_for(3, Duration::from_millis(20), |_| true)
            .await
            .unwrap_err();
        assert_eq!(err, WaitError::Timeout(Duration::from_millis(20)));
    }
}
