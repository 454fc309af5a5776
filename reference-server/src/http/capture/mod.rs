//! `serve --capture FILE.har`: records every HTTP exchange the nodes see as HAR 1.2, so
//! a vendor's run against the reference server leaves a capture that `swivel-harness
//! profile check` and `profile infer` read like any other.
//!
//! - [`Capture`]: the handle; [`Capture::wrap`] puts the recording middleware on a node's
//!   router, [`Capture::finish`] writes what is queued and closes the file.
//! - `record`: the middleware, which copies bodies as they stream (bounded by
//!   [`CaptureOptions::max_body_bytes`]) without changing what the handlers see.
//! - `writer`: one thread that redacts and appends entries; the file is a valid HAR
//!   document after every write, so Ctrl-C loses nothing already written.
//!
//! Secrets are masked (shape kept, [`crate::har::redact`]) unless
//! [`CaptureOptions::redact`] is false (`--capture-secrets`). A [`CaptureOptions::tap`]
//! also sees every entry as it completes, before redaction (`certify` judges an app's
//! traffic from it while the file keeps the shareable copy).

mod record;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use tokio::sync::mpsc;

use crate::har::redact::{HarRedactor, SecretKind, SecretNames};
use crate::profile::WireProfile;
use record::NodeRecorder;
use writer::{HarFile, Message, WriterOutcome};

/// Default cap on the bytes of one body kept in the file.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Entries waiting for the writer; further ones are dropped and counted.
const QUEUE: usize = 4096;
/// How long [`Capture::finish`] waits for the writer.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Called with every entry as it completes, unredacted, on the server's task: it must
/// be quick and must not block (push into a buffer, notify a waiter).
#[derive(Clone)]
pub struct EntryTap(pub Arc<dyn Fn(&crate::har::Entry) + Send + Sync>);

impl std::fmt::Debug for EntryTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntryTap")
    }
}

/// How a capture records.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Mask secrets (the default); false keeps them (`--capture-secrets`).
    pub redact: bool,
    /// Bytes of one request or response body kept; the rest is counted, not kept.
    pub max_body_bytes: usize,
    /// Element and parameter names that carry secrets.
    pub names: SecretNames,
    /// Further values to mask wherever they appear (PINs, the agent secret).
    pub secrets: Vec<String>,
    /// Sees every entry before redaction; default none.
    pub tap: Option<EntryTap>,
}

impl CaptureOptions {
    /// Redacting options for a server speaking `profile` (the built-in profiles' names
    /// are masked too: a client may speak another wire than the server).
    pub fn new(profile: &WireProfile) -> Self {
        let mut profiles: Vec<WireProfile> = crate::profile::builtin::NAMES
            .iter()
            .filter_map(|n| WireProfile::builtin(n))
            .collect();
        profiles.insert(0, profile.clone());
        Self {
            redact: true,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            names: SecretNames::of_profiles(&profiles),
            secrets: Vec::new(),
            tap: None,
        }
    }
}

/// Why a capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be created.
    #[error("cannot create the capture file {path}: {source}")]
    Create {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The writer thread could not start.
    #[error("cannot start the capture writer: {0}")]
    Thread(std::io::Error),
}

/// What a finished capture wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSummary {
    /// The file.
    pub path: PathBuf,
    /// Entries in the file.
    pub written: u64,
    /// Exchanges not recorded because the writer fell behind or had stopped.
    pub dropped: u64,
    /// A write error, after which nothing more was written.
    pub error: Option<String>,
}

pub(crate) struct Inner {
    tx: mpsc::Sender<Message>,
    dropped: AtomicU64,
    max_body_bytes: usize,
    path: PathBuf,
    tap: Option<EntryTap>,
    writer: Mutex<Option<std::thread::JoinHandle<WriterOutcome>>>,
}

/// A running capture; clones share it.
#[derive(Clone)]
pub struct Capture {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Capture {
    /// Creates `path` (an empty HAR document) and starts the writer.
    pub fn start(path: &Path, options: CaptureOptions) -> Result<Capture, CaptureError> {
        let comment = if options.redact {
            "recorded by swivel-harness serve --capture; secrets masked (shape kept)"
        } else {
            "recorded by swivel-harness serve --capture --capture-secrets: holds codes, device ids, strings and secrets; do not share"
        };
        let file = HarFile::create(path, comment).map_err(|source| CaptureError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let redactor = options.redact.then(|| {
            let mut r = HarRedactor::new(options.names.clone());
            for secret in &options.secrets {
                r.learn(secret, SecretKind::Credential);
            }
            r
        });
        let (tx, rx) = mpsc::channel(QUEUE);
        let handle = std::thread::Builder::new()
            .name("har-writer".into())
            .spawn(move || writer::run(file, rx, redactor))
            .map_err(CaptureError::Thread)?;
        Ok(Capture {
            inner: Arc::new(Inner {
                tx,
                dropped: AtomicU64::new(0),
                max_body_bytes: options.max_body_bytes,
                path: path.to_path_buf(),
                tap: options.tap,
                writer: Mutex::new(Some(handle)),
            }),
        })
    }

    /// The capture file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// `router` (node `node`, reached at `base_url` = `<scheme>://<host>:<port>`) with
    /// every exchange recorded.
    pub fn wrap(&self, router: Router, node: u16, base_url: &str) -> Router {
        let recorder = NodeRecorder {
            inner: Arc::clone(&self.inner),
            node,
            base: base_url.trim_end_matches('/').into(),
        };
        router.layer(axum::middleware::from_fn_with_state(
            recorder,
            record::record,
        ))
    }

    /// Writes every queued entry, closes the file and says what it holds. Call it after
    /// the server stopped; exchanges that end later are not recorded.
    pub async fn finish(&self) -> CaptureSummary {
        let _ = self.inner.tx.send(Message::Close).await;
        let handle = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let outcome = match handle {
            Some(handle) => {
                let joined = tokio::task::spawn_blocking(move || handle.join());
                match tokio::time::timeout(FINISH_TIMEOUT, joined).await {
                    Ok(Ok(Ok(outcome))) => outcome,
                    Ok(_) => WriterOutcome {
                        error: Some("the capture writer failed".into()),
                        ..WriterOutcome::default()
                    },
                    Err(_) => WriterOutcome {
                        error: Some("the capture writer did not finish in time".into()),
                        ..WriterOutcome::default()
                    },
                }
            }
            None => WriterOutcome {
                error: Some("the capture was finished already".into()),
                ..WriterOutcome::default()
            },
        };
        CaptureSummary {
            path: self.inner.path.clone(),
            written: outcome.written,
            dropped: self.inner.dropped.load(Ordering::Relaxed),
            error: outcome.error,
        }
    }
}

#[cfg(test)]
mod tests;
