//! One certification run from start to end: the server and its ports, the CA written
//! for the phone, the session, the tester (the self-test phone, `--auto` answers, or a
//! person at the console), the plan driven step by step, then the four reports and the
//! evidence bundle in `<reports>/certify-<run-id>/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::AsyncBufRead;

use super::conformance::Conformance;
use super::driver::{DriveOptions, EventSink, drive};
use super::plan::Plan;
use super::report::run_report;
use super::selftest::{Answers, SelfTestPhone};
use super::server::{CertSource, CertifyServer, ServerConfig, StartError};
use super::session::Session;
use super::{answers, bundle, console};
use crate::emulator::{AppDefects, EmulatorError};
use crate::profile::WireProfile;
use crate::report::{ReportError, ReportWriter, RunReport};

/// Who plays the tester.
pub enum Tester {
    /// The emulated app is the phone (`--self-test`).
    SelfTest {
        /// Its app defects.
        defects: AppDefects,
        /// Whether it answers itself or a console tester does.
        answers: Answers,
    },
    /// Answers from a file or stdin (`--auto`).
    Auto(Box<dyn AsyncBufRead + Unpin + Send>),
    /// A person at the console.
    Console,
}

/// The server side of a run.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The app's port.
    pub bind: SocketAddr,
    /// The untrusted port.
    pub untrusted_bind: SocketAddr,
    /// Host name the SSD names.
    pub host: Option<String>,
    /// The certificate.
    pub cert: CertSource,
    /// Plain HTTP advertised.
    pub http: bool,
    /// Wire profile.
    pub profile: WireProfile,
    /// Site ID.
    pub site_id: String,
    /// Context.
    pub context: String,
    /// The user.
    pub username: String,
    /// Their PIN.
    pub pin: String,
}

/// Everything a run needs.
pub struct CertifyConfig {
    /// The run id.
    pub run_id: String,
    /// Where the run directory goes (`--reports`).
    pub reports_root: PathBuf,
    /// The plan.
    pub plan: Plan,
    /// The conformance statement.
    pub conformance: Conformance,
    /// The server.
    pub server: ServerSettings,
    /// Waits.
    pub drive: DriveOptions,
    /// The tester.
    pub tester: Tester,
    /// Where to write the CA certificate (`--write-ca`).
    pub write_ca: Option<PathBuf>,
    /// Where the console listens (loopback only); `None`: no console.
    pub console: Option<SocketAddr>,
}

/// What the run tells its caller once it listens.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The app's node base URL.
    pub app_url: String,
    /// Where the SSD is.
    pub ssd_url: String,
    /// The Site ID.
    pub site_id: String,
    /// The console's URL, with its token.
    pub console_url: Option<String>,
    /// Where the CA certificate was written.
    pub ca_path: Option<PathBuf>,
    /// The run directory.
    pub run_dir: PathBuf,
}

/// What a finished run left.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The report.
    pub report: RunReport,
    /// The run directory.
    pub run_dir: PathBuf,
    /// The evidence bundle.
    pub bundle: PathBuf,
}

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    /// Reports.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The server.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The CA file.
    #[error("cannot write the CA certificate to {path}: {source}")]
    WriteCa {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The emulated phone.
    #[error(transparent)]
    Phone(#[from] EmulatorError),
    /// The console.
    #[error(transparent)]
    Console(#[from] console::ConsoleError),
    /// The bundle.
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

/// Runs one certification.
pub async fn certify(
    config: CertifyConfig,
    ready: &(dyn Fn(&Ready) + Sync),
    events: EventSink<'_>,
    warn: &(dyn Fn(String) + Sync),
) -> Result<Finished, CertifyError> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let writer = ReportWriter::create(&config.reports_root, &format!("certify-{}", config.run_id))?;
    let run_dir = writer.dir().to_path_buf();
    let s = config.server.clone();
    let server = CertifyServer::start(ServerConfig {
        run_id: config.run_id.clone(),
        bind: s.bind,
        untrusted_bind: s.untrusted_bind,
        host: s.host,
        cert: s.cert,
        http: s.http,
        profile: s.profile.clone(),
        site_id: s.site_id,
        context: s.context,
        username: s.username,
        pin: s.pin,
        capture_path: run_dir.join(bundle::CAPTURE),
    })
    .await?;
    let ca_pem = server
        .tls
        .ca_pem
        .clone()
        .unwrap_or_else(|| server.tls.served_pem.clone());
    if let Some(path) = &config.write_ca {
        std::fs::write(path, &ca_pem).map_err(|source| CertifyError::WriteCa {
            path: path.clone(),
            source,
        })?;
    }
    let session = Session::new(
        config.plan.clone(),
        config.conformance.clone(),
        server.facts.clone(),
        server.core.clone(),
    );
    server.attach(&session);
    let console = match config.console {
        Some(addr) => Some(console::start(Arc::clone(&session), addr).await?),
        None => None,
    };
    ready(&Ready {
        app_url: server.facts.base_url(),
        ssd_url: server.facts.ssd_root.clone(),
        site_id: server.facts.site_id.clone(),
        console_url: console.as_ref().map(|c| c.url.clone()),
        ca_path: config.write_ca.clone(),
        run_dir: run_dir.clone(),
    });
    let mut defect_names = Vec::new();
    let mut phone = None;
    let mut feeder = None;
    match config.tester {
        Tester::SelfTest { defects, answers } => {
            defect_names = defects.names();
            phone = Some(SelfTestPhone::new(
                &session,
                Some(&ca_pem),
                defects,
                answers,
                config.drive.step_timeout,
            )?);
        }
        Tester::Auto(reader) => {
            let fed = Arc::clone(&session);
            feeder = Some(tokio::spawn(async move {
                answers::feed(reader, &fed, &|w| tracing::warn!("{w}")).await;
            }));
        }
        Tester::Console => {}
    }
    drive(&session, phone.as_mut(), &config.drive, events).await;
    if let Some(task) = feeder {
        task.abort();
    }
    let capture = server.shutdown().await;
    if let Some(error) = capture.error {
        warn(format!("the capture file is incomplete: {error}"));
    }
    let report = run_report(&session, &started_at, &defect_names);
    writer.write(&report)?;
    let bundle = bundle::write_bundle(&session, &report, &run_dir, &ca_pem)?;
    if let Some(console) = console {
        console.stop().await;
    }
    Ok(Finished {
        report,
        run_dir,
        bundle,
    })
}
