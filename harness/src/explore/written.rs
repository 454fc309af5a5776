//! A shrunk history written back as a case: `explore-<rule>-<hash>.toml` in the found
//! directory, in the suite format (rule, level, tags `explore` and the seed, the model's
//! expectations, variables instead of secrets), deduplicated by a hash of its steps, and
//! replayed through the runner: kept only if it fails against the target and passes
//! against a clean embedded reference server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::drive::{Mismatch, fresh_run_index};
use super::ops::History;
use super::plan::{Head, compile};
use crate::emulator::MobileClient;
use crate::runner::case::run_once;
use crate::scenario::ReadError;
use crate::sut::TargetSpec;
use crate::verdict::Verdict;
use swivel_reference_server::defects::DefectSet;

/// Why a case could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The compiled case did not parse.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file could not be written.
    #[error("cannot write {path}: {message}")]
    Io {
        /// File.
        path: String,
        /// I/O error.
        message: String,
    },
}

/// A written case and what replaying it showed.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenCase {
    /// Case ID (`explore-<rule>-<hash>`).
    pub id: String,
    /// The file.
    pub path: String,
    /// Whether an identical case was already there.
    pub duplicate: bool,
    /// Its verdict against the target.
    pub on_target: Verdict,
    /// Its verdict against a clean embedded reference server.
    pub on_clean: Verdict,
    /// Fails against the target and passes against the clean server.
    pub kept: bool,
    /// The case text.
    #[serde(skip)]
    pub text: String,
}

impl WrittenCase {
    /// `kept` or `not kept`.
    pub fn kept_word(&self) -> &'static str {
        if self.kept { "kept" } else { "not kept" }
    }

    /// One line for the terminal and JUnit: `; case PATH (kept)`.
    pub fn brief(&self) -> String {
        format!("; case {} ({})", self.path, self.kept_word())
    }

    /// What was written and how it fared, for the Markdown and HTML reports: `ID at PATH:
    /// FAIL on the target, PASS on a clean server, kept`, with ` (already there)` for a
    /// case that was.
    pub fn summary(&self, id: &str, path: &str) -> String {
        format!(
            "{id} at {path}: {} on the target, {} on a clean server, {}{}",
            self.on_target,
            self.on_clean,
            self.kept_word(),
            if self.duplicate {
                " (already there)"
            } else {
                ""
            }
        )
    }
}

/// FNV-1a, 64 bits: a stable hash of a case's steps, the same on every machine.
pub fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The case text for `history`, whose finding is `mismatch`, found with `seed`.
pub fn case_text(
    history: &History,
    mismatch: &Mismatch,
    seed: u64,
) -> Result<(String, String), ReadError> {
    let probe = compile(history, &Head::probe())?;
    let hash = format!("{:016x}", fnv64(&probe.text));
    let rule = mismatch.rule.as_str();
    let id = format!("explore-{}-{}", rule.to_ascii_lowercase(), &hash[..10]);
    let head = Head {
        id: id.clone(),
        title: format!(
            "Found by explore: {} ({} operations)",
            mismatch.kind, probe.ops_with_steps
        ),
        rules: vec![rule.to_string()],
        level: mismatch.rule.level(),
        tags: vec!["explore".into(), format!("seed-{seed}")],
        comments: vec![
            format!("Written by `swivel-harness explore --seed {seed}`; do not edit by hand."),
            format!(
                "Step {} ({}) checks {rule}: the model expected {}.",
                mismatch.step, mismatch.action, mismatch.expected
            ),
            format!("The target answered: {}", mismatch.actual),
        ],
    };
    let compiled = compile(history, &head)?;
    Ok((id, compiled.text))
}

/// Writes the case under `dir` (unless the same one is there), then replays it against
/// `target` and a clean embedded server; a case that does not fail against the target
/// or does not pass against the clean server is removed again.
pub async fn write_and_replay(
    dir: &Path,
    history: &History,
    mismatch: &Mismatch,
    seed: u64,
    target: &TargetSpec,
    client: &MobileClient,
) -> Result<WrittenCase, WriteError> {
    let (id, text) = case_text(history, mismatch, seed)?;
    let path: PathBuf = dir.join(format!("{id}.toml"));
    let io = |e: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let duplicate = path.exists();
    if !duplicate {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(&path, &text).map_err(io)?;
    }
    let written = std::fs::read_to_string(&path).map_err(io)?;
    let suite = crate::scenario::read::parse_suite(&written, &path.display().to_string())?;
    let Some(case) = suite.cases.first() else {
        return Err(WriteError::Read(ReadError::Parse {
            origin: path.display().to_string(),
            message: "no case".into(),
        }));
    };
    let on_target = run_once(target, client, case, fresh_run_index(), 1)
        .await
        .verdict;
    let clean = TargetSpec::Embedded {
        defects: DefectSet::none(),
        wire_profile: Arc::new(client.profile().clone()),
    };
    let on_clean = run_once(&clean, client, case, 0, 1).await.verdict;
    let kept = matches!(on_target, Verdict::Fail | Verdict::NonStrict) && on_clean == Verdict::Pass;
    if !kept && !duplicate {
        let _ = std::fs::remove_file(&path);
    }
    Ok(WrittenCase {
        id,
        path: path.display().to_string(),
        duplicate,
        on_target,
        on_clean,
        kept,
        text,
    })
}
