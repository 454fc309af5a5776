//! The capture file: one HAR document kept valid after every write. The file is the
//! head (`{"log":{…,"entries":[`), the entries, and a fixed tail (`]}}`); each batch of
//! entries is written over the tail and followed by it again, in one write. So an
//! interrupted server (Ctrl-C, SIGTERM, even SIGKILL between writes) leaves a complete
//! file holding every entry written, and a single writer thread means entries of
//! concurrent requests never interleave.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use tokio::sync::mpsc;

use crate::har::Entry;
use crate::har::redact::HarRedactor;

/// Closes the entries array and the document.
const TAIL: &[u8] = b"\n]}}\n";
/// Most entries written in one batch.
const BATCH: usize = 256;

/// What the writer thread is sent.
#[derive(Debug)]
pub(super) enum Message {
    /// An exchange to write.
    Entry(Box<Entry>),
    /// Write nothing more, flush and stop.
    Close,
}

/// How the writer ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct WriterOutcome {
    /// Entries in the file.
    pub written: u64,
    /// The first write error, after which nothing more was written.
    pub error: Option<String>,
}

/// An open capture file.
pub(super) struct HarFile {
    file: File,
    entries: u64,
}

impl HarFile {
    /// Creates (or truncates) `path` and writes an empty, valid HAR document.
    pub(super) fn create(path: &Path, comment: &str) -> std::io::Result<Self> {
        let mut file = File::create(path)?;
        let creator = serde_json::json!({
            "name": "swivel-harness reference server",
            "version": env!("CARGO_PKG_VERSION"),
        });
        let head = format!(
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{creator},\"comment\":{},\"entries\":[",
            serde_json::Value::String(comment.to_string())
        );
        file.write_all(head.as_bytes())?;
        file.write_all(TAIL)?;
        Ok(Self { file, entries: 0 })
    }

    /// Writes `batch` (serialized entries) over the tail, then the tail again.
    fn append(&mut self, batch: &[Vec<u8>]) -> std::io::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut out = Vec::with_capacity(batch.iter().map(|e| e.len() + 2).sum::<usize>() + 8);
        for (i, entry) in batch.iter().enumerate() {
            out.extend_from_slice(if self.entries == 0 && i == 0 {
                b"\n"
            } else {
                b",\n"
            });
            out.extend_from_slice(entry);
        }
        out.extend_from_slice(TAIL);
        let tail = i64::try_from(TAIL.len()).unwrap_or(0);
        self.file.seek(SeekFrom::End(-tail))?;
        self.file.write_all(&out)?;
        self.entries += batch.len() as u64;
        Ok(())
    }
}

/// The writer thread: takes entries off `rx` in batches, redacts them when a redactor is
/// given, and appends them until told to close or every sender is gone.
pub(super) fn run(
    mut file: HarFile,
    mut rx: mpsc::Receiver<Message>,
    mut redactor: Option<HarRedactor>,
) -> WriterOutcome {
    let mut outcome = WriterOutcome::default();
    let mut closing = false;
    while !closing {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Close => {
                    closing = true;
                    break;
                }
                Message::Entry(mut entry) => {
                    if let Some(r) = &mut redactor {
                        r.redact_entry(&mut entry);
                    }
                    match serde_json::to_vec(&entry) {
                        Ok(bytes) => batch.push(bytes),
                        Err(e) => tracing::warn!("capture: an entry could not be written: {e}"),
                    }
                }
            }
            if batch.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if outcome.error.is_none() {
            match file.append(&batch) {
                Ok(()) => outcome.written = file.entries,
                Err(e) => {
                    tracing::error!("capture: writing the HAR file failed, recording stops: {e}");
                    outcome.error = Some(e.to_string());
                }
            }
        }
    }
    if let Err(e) = file.file.sync_all() {
        outcome.error.get_or_insert(e.to_string());
    }
    outcome
}
