//! `serve --capture FILE.har [--capture-secrets]`: the options that make the reference
//! server record every exchange its nodes see as HAR 1.2, and the start and finish of
//! that recording around the server's life.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use swivel_reference_server::domain::users::UserSpec;
use swivel_reference_server::http::capture::{Capture, CaptureOptions};
use swivel_reference_server::profile::WireProfile;

/// Options of `serve` about capturing traffic.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Record every HTTP exchange the nodes see in this HAR 1.2 file (written as it goes;
    /// codes, device ids, strings, OTCs, PINs and the agent secret masked, shape kept).
    #[arg(long, value_name = "FILE.har")]
    capture: Option<PathBuf>,
    /// Keep the secrets in the capture (for your own analysis only; do not share it).
    #[arg(long, requires = "capture")]
    capture_secrets: bool,
}

impl CaptureArgs {
    /// Starts the capture, if asked for: the server's users' PINs and the agent secret are
    /// masked wherever they appear, beside the profile's secret elements.
    pub fn start(
        &self,
        profile: &WireProfile,
        users: &[UserSpec],
        agent_secret: &str,
    ) -> anyhow::Result<Option<Capture>> {
        let Some(path) = &self.capture else {
            return Ok(None);
        };
        let mut options = CaptureOptions::new(profile);
        options.redact = !self.capture_secrets;
        options.secrets = users.iter().map(|u| u.pin.clone()).collect();
        options.secrets.push(agent_secret.to_string());
        let capture = Capture::start(path, options).context("--capture")?;
        Ok(Some(capture))
    }

    /// One line for the start-up banner.
    pub fn banner(&self) -> Option<String> {
        self.capture.as_ref().map(|path| {
            format!(
                "capture: {} ({})",
                path.display(),
                if self.capture_secrets {
                    "secrets KEPT: do not share"
                } else {
                    "secrets masked"
                }
            )
        })
    }
}

/// Writes what is queued and says what the file holds; call after the server stopped.
pub async fn finish(capture: Option<Capture>) {
    let Some(capture) = capture else {
        return;
    };
    let summary = capture.finish().await;
    let mut line = format!(
        "capture: {} entries in {}",
        summary.written,
        summary.path.display()
    );
    if summary.dropped > 0 {
        line.push_str(&format!(
            " ({} exchanges not recorded: the writer fell behind)",
            summary.dropped
        ));
    }
    if let Some(error) = summary.error {
        line.push_str(&format!(" (error: {error})"));
    }
    super::say(&format!("{line}\n"));
}
