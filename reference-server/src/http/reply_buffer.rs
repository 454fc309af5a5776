//! Reply buffers kept for reuse, per thread. An Agent-XML reply is written into a
//! `String` of a few hundred bytes to 2 KB; allocating and freeing one per request is
//! a fair share of a request's cost once the rest is cheap (a strings reply is too large
//! for the allocator's per-thread cache). A finished reply's buffer goes back to a small
//! pool of the thread that drops it (hyper drops a body after writing it), and the next
//! reply on that thread takes it.

use std::cell::RefCell;

use axum::body::{Body, Bytes};

/// Buffers kept per thread.
const KEPT: usize = 64;
/// Larger buffers (a reply with a long message) are freed rather than kept.
const MAX_KEPT_CAPACITY: usize = 16 * 1024;

thread_local! {
    static POOL: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer, reused when this thread has one.
pub(crate) fn take() -> String {
    POOL.try_with(|pool| pool.try_borrow_mut().ok().and_then(|mut p| p.pop()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A response body of `text` whose buffer returns to the pool when the body is dropped.
pub(crate) fn body(text: String) -> Body {
    Body::from(Bytes::from_owner(Pooled(text)))
}

/// A reply's text, returned to its dropping thread's pool.
struct Pooled(String);

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let mut text = std::mem::take(&mut self.0);
        if text.capacity() > MAX_KEPT_CAPACITY {
            return;
        }
        text.clear();
        // During thread teardown the pool may be gone: the buffer is then just freed.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut()
                && pool.len() < KEPT
            {
                pool.push(text);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dropped_reply_gives_its_buffer_to_the_next() {
        let mut text = take();
        text.push_str("<SASResponse/>");
        let capacity = text.capacity();
        let body = body(text);
        let bytes = axum::body::to_bytes(body, 1024).await.unwrap_or_default();
        assert_eq!(&bytes[..], b"<SASResponse/>");
        drop(bytes);
        let again = take();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), capacity);
    }

    #[test]
    fn large_buffers_are_not_kept() {
        let text = String::with_capacity(MAX_KEPT_CAPACITY + 1);
        drop(Pooled(text));
        assert!(take().capacity() <= MAX_KEPT_CAPACITY);
    }
}
