//! Writes a run's reports to disk: `<root>/<run-id>/{report.json,junit.xml,report.md,
//! report.html}`, each replaced atomically (temp file in the same directory, fsync,
//! rename), then points `<root>/latest` at the run (a relative symlink swapped in by
//! rename; a text file holding the run id where symlinks are unavailable). The runner
//! calls [`ReportWriter::write`] after every finished case, so a reader or a crash never
//! sees a half-written file. Also makes run ids ([`new_run_id`]).

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::model::RunReport;
use super::{render_html, render_json, render_junit, render_markdown};

/// Name of the pointer to the newest run inside the reports root.
pub const LATEST: &str = "latest";

/// Why reports could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The run id cannot be a directory name.
    #[error("invalid run id {0:?}: it must be a non-empty file name without path separators")]
    InvalidRunId(String),
    /// The run directory could not be created.
    #[error("cannot create report directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A report file could not be written (or its temp file renamed into place).
    #[error("cannot write report file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The `latest` pointer could not be updated.
    #[error("cannot point {} at the run directory: {source}", path.display())]
    Latest {
        /// The pointer.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Writes one run's reports.
#[derive(Debug, Clone)]
pub struct ReportWriter {
    /// `<root>/<run-id>`.
    dir: PathBuf,
    /// The reports root (default `reports/`).
    root: PathBuf,
}

/// Distinguishes temp files of concurrent writes within one process.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn temp_name(target: &str) -> String {
    let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
    format!(".{target}.{}.{seq}.tmp", std::process::id())
}

/// A new run id: UTC time to the second, then 4 hex digits from the process id and the
/// clock's nanoseconds, e.g. `20261129T193012Z-3f9a`. Ids sort by start time and are
/// valid directory names everywhere.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let mix = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(now.timestamp_subsec_nanos());
    let tag = (mix ^ (mix >> 16) ^ (mix >> 32) ^ (mix >> 48)) & 0xffff;
    format!("{}-{tag:04x}", now.format("%Y%m%dT%H%M%SZ"))
}

fn valid_run_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id != LATEST
        && !id.starts_with('.')
        && !id
            .chars()
            .any(|c| matches!(c, '/' | '\\' | ':' | '\0') || c.is_control())
}

impl ReportWriter {
    /// Creates `<root>/<run-id>/` (and `root` if needed).
    pub fn create(root: &Path, run_id: &str) -> Result<Self, ReportError> {
        if !valid_run_id(run_id) {
            return Err(ReportError::InvalidRunId(run_id.to_string()));
        }
        let dir = root.join(run_id);
        fs::create_dir_all(&dir).map_err(|source| ReportError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        Ok(ReportWriter {
            dir,
            root: root.to_path_buf(),
        })
    }

    /// The run directory, `<root>/<run-id>`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes into `dir` itself (created if needed) and never points `latest` at it: for
    /// a report made from other runs (`report combine`), which is not a run of its own.
    pub fn in_dir(dir: &Path) -> Result<Self, ReportError> {
        fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(ReportWriter {
            dir: dir.to_path_buf(),
            root: dir.to_path_buf(),
        })
    }

    /// Renders `report` in all four formats, replaces each file atomically, then points
    /// `<root>/latest` at the run directory.
    pub fn write(&self, report: &RunReport) -> Result<(), ReportError> {
        self.write_files(report)?;
        self.point_latest()
    }

    /// Renders `report` in all four formats and replaces each file atomically.
    pub fn write_files(&self, report: &RunReport) -> Result<(), ReportError> {
        let files = [
            ("junit.xml", render_junit(report)),
            ("report.md", render_markdown(report)),
            ("report.html", render_html(report)),
            // Last, so report.json is never newer than the others.
            ("report.json", render_json(report)),
        ];
        for (name, text) in files {
            let path = self.dir.join(name);
            write_atomic(&self.dir, name, text.as_bytes())
                .map_err(|source| ReportError::Write { path, source })?;
        }
        sync_dir(&self.dir).map_err(|source| ReportError::Write {
            path: self.dir.clone(),
            source,
        })
    }

    #[cfg(unix)]
    fn point_latest(&self) -> Result<(), ReportError> {
        let latest = self.root.join(LATEST);
        let err = |source| ReportError::Latest {
            path: latest.clone(),
            source,
        };
        let run_id = self.dir.file_name().unwrap_or_default();
        if fs::read_link(&latest).is_ok_and(|t| t.as_os_str() == run_id) {
            return Ok(());
        }
        let temp = self.root.join(temp_name(LATEST));
        std::os::unix::fs::symlink(run_id, &temp).map_err(err)?;
        if let Err(e) = fs::rename(&temp, &latest) {
            let _ = fs::remove_file(&temp);
            return Err(err(e));
        }
        sync_dir(&self.root).map_err(err)
    }

    #[cfg(not(unix))]
    fn point_latest(&self) -> Result<(), ReportError> {
        let latest = self.root.join(LATEST);
        let run_id = self.dir.file_name().unwrap_or_default().to_string_lossy();
        write_atomic(&self.root, LATEST, format!("{run_id}\n").as_bytes()).map_err(|source| {
            ReportError::Latest {
                path: latest,
                source,
            }
        })
    }
}

/// Writes `bytes` to `dir/name` via a temp file in `dir`: write, fsync, rename. The temp
/// file is removed on failure.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = dir.join(temp_name(name));
    let result = (|| {
        let mut f = File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&temp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Makes renames inside `dir` durable (unix: fsync the directory; elsewhere a no-op).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::sample_report;

    fn temp_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "swivel-report-{name}-{}-{}",
            std::process::id(),
            new_run_id()
        ));
        let _ = fs::remove_dir_all(&root);
        root
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn run_ids_sort_by_time_and_are_file_names() {
        let id = new_run_id();
        assert_eq!(id.len(), "20261129T193012Z-3f9a".len(), "{id}");
        assert!(valid_run_id(&id));
        assert!(id.as_bytes()[8] == b'T' && &id[15..17] == "Z-");
        assert!(id[17..].chars().all(|c| c.is_ascii_hexdigit()));
        let later = new_run_id();
        assert!(later[..16] >= id[..16]);
    }

    #[test]
    fn writes_four_files_and_latest() {
        let root = temp_root("write");
        let mut report = sample_report();
        let w = ReportWriter::create(&root, &report.run_id).unwrap();
        assert_eq!(w.dir(), root.join(&report.run_id));
        w.write(&report).unwrap();
        assert_eq!(
            names(w.dir()),
            ["junit.xml", "report.html", "report.json", "report.md"]
        );
        assert_eq!(names(&root), [report.run_id.clone(), LATEST.to_string()]);
        let via_latest = fs::read_to_string(root.join(LATEST).join("report.json")).unwrap();
        assert_eq!(via_latest, render_json(&report));
        #[cfg(unix)]
        assert_eq!(
            fs::read_link(root.join(LATEST)).unwrap(),
            Path::new(&report.run_id)
        );

        // A second write replaces every file; no temp file is left behind.
        report.status = crate::report::RunStatus::Complete;
        report.summary.duration_ms = 9999;
        w.write(&report).unwrap();
        assert_eq!(
            names(w.dir()),
            ["junit.xml", "report.html", "report.json", "report.md"]
        );
        let json = fs::read_to_string(w.dir().join("report.json")).unwrap();
        assert!(json.contains("\"status\": \"complete\""));
        assert!(
            fs::read_to_string(w.dir().join("junit.xml"))
                .unwrap()
                .contains("time=\"9.999\"")
        );
        assert!(
            fs::read_to_string(w.dir().join("report.md"))
                .unwrap()
                .contains("| Status | complete |")
        );

        // A newer run takes over `latest`.
        let w2 = ReportWriter::create(&root, "20261129T193013Z-0000").unwrap();
        w2.write(&report).unwrap();
        let all = names(&root);
        assert!(all.iter().all(|n| !n.ends_with(".tmp")), "{all:?}");
        assert_eq!(all.len(), 3);
        #[cfg(unix)]
        assert_eq!(
            fs::read_link(root.join(LATEST)).unwrap(),
            Path::new("20261129T193013Z-0000")
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn root_that_is_a_file_is_an_error_naming_the_path() {
        let root = temp_root("file");
        fs::write(&root, "not a directory").unwrap();
        let err = ReportWriter::create(&root, "run-1").unwrap_err();
        assert!(matches!(err, ReportError::CreateDir { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&root.join("run-1").display().to_string()),
            "{msg}"
        );
        fs::remove_file(&root).unwrap();
    }

    #[test]
    fn bad_run_ids_are_refused() {
        let root = temp_root("ids");
        for id in ["", ".", "..", "a/b", "latest", ".hidden", "a\\b"] {
            assert!(
                matches!(
                    ReportWriter::create(&root, id),
                    Err(ReportError::InvalidRunId(_))
                ),
                "{id}"
            );
        }
        assert!(!root.exists());
    }
}
