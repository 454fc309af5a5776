//! `swivel-harness profile check|infer|redact`: a wire profile against a HAR capture.
//! `check` prints a table and writes `profile-check.md` and `profile-check.json` (exit 1
//! when a part is contradicted), `infer` writes a profile TOML that matches the capture,
//! `redact` writes a copy of a capture with its secrets masked. Every output is scanned
//! for the capture's secret values before it is written, and written atomically.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use swivel_harness::capture::{self, LoadedCapture, Observations, check, infer, load, observe};
use swivel_harness::load_test::report::write_atomic;
use swivel_harness::profile::{WireProfile, builtin};
use swivel_reference_server::har::redact::{HarRedactor, SecretNames};

use super::{EXIT_OK, say};

/// Exit code of a check that found a contradicted part.
const EXIT_CONTRADICTED: u8 = 1;

/// The `profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Check a wire profile against a capture, part by part (exit 1 when a part is
    /// contradicted).
    Check(CheckArgs),
    /// Write a wire profile that matches a capture, starting from a base profile.
    Infer(InferArgs),
    /// Write a copy of a capture with codes, device ids, strings, OTCs and secrets masked
    /// (shape kept), safe to share.
    Redact(RedactArgs),
}

/// How a capture is read.
#[derive(Debug, Args)]
pub struct CaptureFile {
    /// The capture: a HAR 1.2 file (browser, mitmproxy `hardump`, Charles, Proxyman,
    /// `serve --capture`).
    #[arg(long, value_name = "FILE.har")]
    capture: PathBuf,
    /// Refuse captures larger than this many bytes (read from the file's size first).
    #[arg(long, value_name = "BYTES", default_value_t = capture::DEFAULT_MAX_BYTES)]
    max_capture_bytes: u64,
}

/// Options of `profile check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    file: CaptureFile,
    /// The profile to check: a built-in name (mobile-3.6, agentxml-3.6) or a profile file.
    #[arg(long, value_name = "NAME|FILE", default_value = builtin::DEFAULT_NAME)]
    profile: String,
    /// Where profile-check.md and profile-check.json go (default:
    /// reports/profile-check-<time>).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Options of `profile infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    #[command(flatten)]
    file: CaptureFile,
    /// The profile to start from: a built-in name or a profile file.
    #[arg(long, value_name = "NAME|FILE", default_value = builtin::DEFAULT_NAME)]
    base: String,
    /// Where the inferred profile (TOML) goes.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The inferred profile's name (default: `<base>+<capture file stem>`).
    #[arg(long)]
    name: Option<String>,
}

/// Options of `profile redact`.
#[derive(Debug, Args)]
pub struct RedactArgs {
    /// The capture to redact (HAR 1.2).
    #[arg(value_name = "FILE.har")]
    capture: PathBuf,
    /// Where the redacted copy goes.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also mask the secret elements of this profile (the built-in profiles' always are).
    #[arg(long, value_name = "NAME|FILE")]
    profile: Option<String>,
    /// Refuse captures larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = capture::DEFAULT_MAX_BYTES)]
    max_capture_bytes: u64,
}

/// Runs a `profile` subcommand.
pub fn run(command: &ProfileCommand) -> anyhow::Result<u8> {
    match command {
        ProfileCommand::Check(args) => run_check(args),
        ProfileCommand::Infer(args) => run_infer(args),
        ProfileCommand::Redact(args) => run_redact(args),
    }
}

fn read(file: &CaptureFile) -> anyhow::Result<LoadedCapture> {
    Ok(load(&file.capture, file.max_capture_bytes)?)
}

fn resolve(name_or_path: &str, option: &str) -> anyhow::Result<WireProfile> {
    WireProfile::resolve(name_or_path).with_context(|| option.to_string())
}

/// Guards `text` (the capture's own hash is no value of it) and writes it.
fn guarded_write(obs: &Observations, sha256: &str, path: &Path, text: &str) -> anyhow::Result<()> {
    obs.secrets
        .guard(&path.display().to_string(), &text.replace(sha256, ""))?;
    Ok(write_atomic(path, text.as_bytes())?)
}

fn guarded_say(obs: &Observations, sha256: &str, text: &str) -> anyhow::Result<()> {
    obs.secrets.guard("the output", &text.replace(sha256, ""))?;
    say(text);
    Ok(())
}

fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    let profile = resolve(&args.profile, "--profile")?;
    let loaded = read(&args.file)?;
    let obs = observe(&loaded.har, &profile);
    let report = check(&profile, &loaded, &obs);
    let dir = match &args.out_dir {
        Some(dir) => dir.clone(),
        None => PathBuf::from("reports").join(format!(
            "profile-check-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        )),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let md_path = dir.join("profile-check.md");
    let json_path = dir.join("profile-check.json");
    guarded_write(
        &obs,
        &loaded.sha256,
        &md_path,
        &capture::render::markdown(&report),
    )?;
    guarded_write(
        &obs,
        &loaded.sha256,
        &json_path,
        &capture::render::json(&report),
    )?;
    let mut text = capture::render::table(&report);
    text.push_str(&format!(
        "reports: {}, {}\n",
        md_path.display(),
        json_path.display()
    ));
    guarded_say(&obs, &loaded.sha256, &text)?;
    Ok(if report.summary.contradicted > 0 {
        EXIT_CONTRADICTED
    } else {
        EXIT_OK
    })
}

fn run_infer(args: &InferArgs) -> anyhow::Result<u8> {
    let base = resolve(&args.base, "--base")?;
    let loaded = read(&args.file)?;
    let obs = observe(&loaded.har, &base);
    let stem = Path::new(&loaded.file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".into());
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}+{stem}", base.name));
    let inferred = infer(&base, &loaded, &obs, &name)?;
    guarded_write(&obs, &loaded.sha256, &args.out, &inferred.text)?;
    // The file as written must load like any profile file.
    WireProfile::resolve(&args.out.display().to_string())
        .with_context(|| format!("the profile written to {}", args.out.display()))?;
    let before: std::collections::BTreeMap<String, String> = base.parts().into_iter().collect();
    let after: std::collections::BTreeMap<String, String> =
        inferred.profile.parts().into_iter().collect();
    let r = &inferred.record;
    let mut text = format!(
        "profile {name} written to {} (from {} and capture {}, {} entries)\n{} parts confirmed, {} changed, {} removed, {} filled in from a built-in profile (ASSUMED)\n",
        args.out.display(),
        base.name,
        loaded.file_name,
        obs.entries,
        r.confirmed.len(),
        r.changed.len(),
        r.removed.len(),
        inferred.filled.len(),
    );
    let show = |v: Option<&String>| capture::observe::tally::shown(v.map(String::as_str));
    for part in &r.changed {
        text.push_str(&format!(
            "  changed {part}: {} -> {}\n",
            show(before.get(part)),
            show(after.get(part))
        ));
    }
    for part in &r.removed {
        text.push_str(&format!("  removed {part}\n"));
    }
    for part in &inferred.filled {
        text.push_str(&format!("  filled in {part} (ASSUMED)\n"));
    }
    guarded_say(&obs, &loaded.sha256, &text)?;
    Ok(EXIT_OK)
}

fn run_redact(args: &RedactArgs) -> anyhow::Result<u8> {
    let mut profiles: Vec<WireProfile> = builtin::NAMES
        .iter()
        .filter_map(|n| WireProfile::builtin(n))
        .collect();
    if let Some(p) = &args.profile {
        profiles.push(resolve(p, "--profile")?);
    }
    let mut loaded = load(&args.capture, args.max_capture_bytes)?;
    // The secrets as the checks see them: none may survive into the copy.
    let obs = observe(&loaded.har, &profiles[0]);
    let mut redactor = HarRedactor::new(SecretNames::of_profiles(&profiles));
    redactor.redact_har(&mut loaded.har);
    let text = serde_json::to_string_pretty(&loaded.har).context("cannot write the HAR")?;
    obs.secrets.guard(&args.out.display().to_string(), &text)?;
    write_atomic(&args.out, text.as_bytes())?;
    say(&format!(
        "{} entries of {} written to {} with secrets masked (binary bodies left out)\n",
        loaded.har.log.entries.len(),
        loaded.file_name,
        args.out.display()
    ));
    Ok(EXIT_OK)
}
