//! The evidence bundle `certification-<app>-<version>-<run-id>.zip`: the four reports,
//! the conformance statement, the plan and the wire profile used, the transcript (the
//! server's redacted HAR capture), the screenshots, the run's CA certificate, the
//! harness version and commit, and `SHA256SUMS` over every other entry.
//!
//! The zip is canonical: entries sorted by name, deflated at one level, with a fixed
//! timestamp and mode, so `certify verify` can both check the manifest and rebuild the
//! archive from its entries and compare it byte for byte. Any byte changed anywhere in
//! the file (content or zip structure) fails one of the two.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::session::Session;
use crate::report::RunReport;

/// The capture file in the run directory and the bundle.
pub const CAPTURE: &str = "capture.har";
/// The manifest.
pub const MANIFEST: &str = "SHA256SUMS";
/// The report files the run directory holds.
const REPORTS: &[&str] = &["report.json", "junit.xml", "report.md", "report.html"];
/// Largest bundle `verify` reads.
const MAX_BUNDLE: u64 = 512 * 1024 * 1024;

/// Why a bundle could not be written or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Which.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The zip library refused.
    #[error("not a readable zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The manifest does not hold.
    #[error("the bundle does not verify: {0}")]
    Mismatch(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// SHA-256 in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The commit of the source tree the harness was built from, if git can tell.
pub fn git_commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    std::process::Command::new("git")
        .args(["-C", dir, "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
}

/// The zip of `entries` (sorted by name) and their manifest, as bytes.
pub fn canonical_zip(entries: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, BundleError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut manifest = String::new();
    for (name, bytes) in entries {
        if name == MANIFEST {
            continue;
        }
        manifest.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
        zip.start_file(name.as_str(), options())?;
        zip.write_all(bytes).map_err(io(Path::new(name)))?;
    }
    zip.start_file(MANIFEST, options())?;
    zip.write_all(manifest.as_bytes())
        .map_err(io(Path::new(MANIFEST)))?;
    Ok(zip.finish()?.into_inner())
}

/// Writes the bundle of a finished run into `run_dir` and returns its path.
pub fn write_bundle(
    session: &Session,
    report: &RunReport,
    run_dir: &Path,
    ca_pem: &str,
) -> Result<PathBuf, BundleError> {
    let mut entries = BTreeMap::new();
    for name in REPORTS.iter().chain([&CAPTURE]) {
        let path = run_dir.join(name);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        entries.insert((*name).to_string(), bytes);
    }
    entries.insert(
        "conformance.toml".into(),
        session.conformance.to_toml().into_bytes(),
    );
    entries.insert("plan.toml".into(), session.plan.to_toml().into_bytes());
    entries.insert(
        "wire-profile.toml".into(),
        toml::to_string(&*session.facts.profile)
            .unwrap_or_default()
            .into_bytes(),
    );
    entries.insert("ca.pem".into(), ca_pem.as_bytes().to_vec());
    entries.insert(
        "VERSION".into(),
        format!(
            "swivel-harness {}\ncommit {}\nrun {}\n",
            env!("CARGO_PKG_VERSION"),
            git_commit(),
            report.run_id
        )
        .into_bytes(),
    );
    {
        let state = session.lock();
        for step in &state.steps {
            for shot in &step.screenshots {
                entries.insert(format!("screenshots/{}", shot.name), shot.bytes.clone());
            }
        }
    }
    let bytes = canonical_zip(&entries)?;
    let name = format!(
        "certification-{}-{}.zip",
        session.conformance.file_stem(),
        report.run_id
    );
    let path = run_dir.join(name);
    std::fs::write(&path, bytes).map_err(io(&path))?;
    Ok(path)
}

/// A bundle that verified.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Entries checked against the manifest.
    pub entries: usize,
    /// The report it holds.
    pub report: RunReport,
}

/// Checks `path`: every entry against `SHA256SUMS`, no entry missing from it or extra,
/// and the file byte for byte the canonical zip of its entries.
pub fn verify(path: &Path) -> Result<Verified, BundleError> {
    let size = std::fs::metadata(path).map_err(io(path))?.len();
    if size > MAX_BUNDLE {
        return Err(BundleError::Mismatch(format!(
            "{size} bytes: larger than any bundle this harness writes"
        )));
    }
    let file = std::fs::read(path).map_err(io(path))?;
    let mut archive = ZipArchive::new(Cursor::new(file.as_slice()))?;
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut bytes = Vec::new();
        entry
            .by_ref()
            .take(MAX_BUNDLE)
            .read_to_end(&mut bytes)
            .map_err(io(Path::new(&name)))?;
        if entries.insert(name.clone(), bytes).is_some() {
            return Err(BundleError::Mismatch(format!("{name} appears twice")));
        }
    }
    let manifest = entries
        .get(MANIFEST)
        .ok_or_else(|| BundleError::Mismatch(format!("no {MANIFEST}")))?;
    let manifest = String::from_utf8_lossy(manifest).into_owned();
    let mut listed = BTreeMap::new();
    for line in manifest.lines() {
        let Some((hash, name)) = line.split_once("  ") else {
            return Err(BundleError::Mismatch(format!(
                "{MANIFEST}: bad line {line:?}"
            )));
        };
        listed.insert(name.to_string(), hash.to_string());
    }
    for (name, bytes) in &entries {
        if name == MANIFEST {
            continue;
        }
        match listed.remove(name) {
            None => {
                return Err(BundleError::Mismatch(format!(
                    "{name} is not in {MANIFEST}"
                )));
            }
            Some(hash) if hash != sha256_hex(bytes) => {
                return Err(BundleError::Mismatch(format!(
                    "{name}: its SHA-256 differs from {MANIFEST}"
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(name) = listed.keys().next() {
        return Err(BundleError::Mismatch(format!(
            "{name} is in {MANIFEST} but not in the bundle"
        )));
    }
    if canonical_zip(&entries)? != file {
        return Err(BundleError::Mismatch(
            "the archive is not the one its entries make: its structure was changed".into(),
        ));
    }
    let report_json = entries
        .get("report.json")
        .ok_or_else(|| BundleError::Mismatch("no report.json".into()))?;
    let report: RunReport = serde_json::from_slice(report_json)
        .map_err(|e| BundleError::Mismatch(format!("report.json: {e}")))?;
    Ok(Verified {
        entries: entries.len() - 1,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_zip_is_reproducible_and_lists_every_entry() {
        let mut entries = BTreeMap::new();
        entries.insert("a.txt".to_string(), b"alpha".to_vec());
        entries.insert(
            "screenshots/x.png".to_string(),
            vec![0x89, b'P', b'N', b'G'],
        );
        let one = canonical_zip(&entries).unwrap();
        assert_eq!(one, canonical_zip(&entries).unwrap());
        let mut archive = ZipArchive::new(Cursor::new(one.as_slice())).unwrap();
        let mut manifest = String::new();
        archive
            .by_name(MANIFEST)
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        assert_eq!(manifest.lines().count(), 2);
        assert!(manifest.contains(&format!("{}  a.txt", sha256_hex(b"alpha"))));
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
