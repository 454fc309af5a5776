//! `swivel-harness serve`: starts the reference server (nodes, control API, optional TLS,
//! defect switches, the wire profile it speaks, initial policies, and the outside
//! interfaces of a real server: syslog, SMTP relay, none of the control API), prints
//! where everything listens, and stops cleanly on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rand::RngCore;
use swivel_reference_server::clock::{ManualClock, SharedClock, SystemClock};
use swivel_reference_server::cluster::{ClusterConfig, start};
use swivel_reference_server::defects::{ALL_DEFECTS, Defect, DefectSet};
use swivel_reference_server::domain::CoreConfig;
use swivel_reference_server::http::CONTEXTS;
use swivel_reference_server::outlets::{DEFAULT_MAIL_FROM, HostPort, OutletConfig};
use swivel_reference_server::policies_file::{
    parse_policies, parse_strings_transport, read_policies_file,
};
use swivel_reference_server::transport::TlsSource;
use swivel_reference_server::users_file::{default_users, load_users};
use swivel_reference_server::wire::ServerWire;

use super::capture_args::{self, CaptureArgs};
use super::{EXIT_OK, OnOff, wait_for_stop};

/// Prints a line to stdout, ignoring a closed pipe: a server whose reader went away
/// (`serve | head`) must keep serving and stop cleanly, not panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Which clock the server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockKind {
    /// Wall-clock time; the control API can still move it forward.
    System,
    /// Starts at 2026-01-01T00:00:00Z and moves only through the control API.
    Manual,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address of node 1; node k listens on this port + k - 1 (port 0: any free ports).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Number of nodes over the one repository.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    nodes: u16,
    /// Whether a code created on one node is valid on the others (CL-1, CL-2); default:
    /// the --policies file's `session_sharing`, else off.
    #[arg(long, value_enum)]
    session_sharing: Option<OnOff>,
    /// Users file (TOML); default: the built-in fixtures/users.toml.
    #[arg(long)]
    users: Option<PathBuf>,
    /// This server's Site ID (SSD lookup, complete URLs); default: the --policies file's
    /// `site_id`, else HARNESS01.
    #[arg(long)]
    site_id: Option<String>,
    /// Shared secret Agent-XML agents must send (login).
    #[arg(
        long,
        env = "SWIVEL_AGENT_SECRET",
        default_value = "swivel-harness-secret"
    )]
    agent_secret: String,
    /// Address of the control API (loopback only).
    #[arg(long, default_value = "127.0.0.1:8090")]
    control_bind: SocketAddr,
    /// Bearer token of the control API; default: a fresh random token, printed at start.
    #[arg(long, env = "SWIVEL_CONTROL_TOKEN")]
    control_token: Option<String>,
    /// Start no control API at all, like a real Swivel server (protocol.md §12); the
    /// --control-* options are then ignored.
    #[arg(long)]
    no_control: bool,
    /// Policies at start (and after a reset): TOML in the control API's policies shape
    /// ([self_reset], [mobile_client], [general]), at top level or under [policies]. A
    /// [strings_transport] table (name, attribute) gives the server a second SMTP
    /// transport, delivering to that user attribute, which Admin XML may name. A target
    /// file's `site_id` and `session_sharing` are the server's too (a flag saying
    /// otherwise is refused), so one file describes a real server and its stand-in.
    #[arg(long, value_name = "FILE")]
    policies: Option<PathBuf>,
    /// Also send every message to an e-mail transport as a mail to this SMTP relay.
    #[arg(long, value_name = "HOST:PORT")]
    smtp_relay: Option<HostPort>,
    /// The From address of those mails.
    #[arg(long, value_name = "ADDRESS", default_value = DEFAULT_MAIL_FROM)]
    mail_from: String,
    /// Also send every log entry as a SYS-1 line to this syslog host (UDP).
    #[arg(long, value_name = "HOST:PORT")]
    syslog: Option<HostPort>,
    /// Serve HTTPS with a certificate generated at start (or --cert/--key).
    #[arg(long)]
    tls: bool,
    /// PEM certificate chain for HTTPS (implies --tls).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key for HTTPS (implies --tls).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Write the served certificate (PEM) here, for clients' --ca-cert.
    #[arg(long)]
    write_cert: Option<PathBuf>,
    /// Break one rule on purpose (repeatable); see --list-defects.
    #[arg(long = "defect", value_name = "NAME")]
    defects: Vec<Defect>,
    /// Print every defect switch with the rule it breaks, then exit.
    #[arg(long)]
    list_defects: bool,
    /// Host name the SSD lookup and Provision URLs give apps (default: the bind address,
    /// or localhost when binding to all interfaces).
    #[arg(long)]
    advertise_host: Option<String>,
    /// Which clock the server reads.
    #[arg(long, value_enum, default_value = "system")]
    clock: ClockKind,
    /// The wire the nodes speak: a built-in profile (mobile-3.6, agentxml-3.6) or a
    /// profile file (fixtures/profiles/*.toml shows the format).
    /// `--wire-profile` is the same option.
    #[arg(
        long = "profile",
        visible_alias = "wire-profile",
        value_name = "NAME|FILE",
        default_value = "mobile-3.6"
    )]
    wire_profile: String,
    #[command(flatten)]
    capture: CaptureArgs,
}

fn print_defects() {
    say!("{:<30} {:<7} WHAT BREAKS", "DEFECT", "RULE");
    for d in ALL_DEFECTS {
        say!(
            "{:<30} {:<7} {}",
            d.name(),
            d.breaks_label(),
            d.description()
        );
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Site ID and session sharing the server runs with.
struct SiteSettings {
    site_id: String,
    session_sharing: bool,
}

/// A flag, else the target file's value (`serve --policies`), else the default; a flag
/// and a file that disagree are refused, since the stand-in must be the server the file
/// describes.
fn site_settings(
    args: &ServeArgs,
    policies_file: Option<(&Path, &str)>,
) -> anyhow::Result<SiteSettings> {
    #[derive(Default)]
    struct TargetFileSite {
        site_id: Option<String>,
        session_sharing: Option<String>,
    }
    let file: TargetFileSite = match policies_file {
        Some((path, text)) => {
            // Only these two keys are read here; the policies reader checks the rest.
            let table: toml::Table =
                toml::from_str(text).with_context(|| format!("{} is not TOML", path.display()))?;
            let get = |key: &str| -> anyhow::Result<Option<String>> {
                match table.get(key) {
                    None => Ok(None),
                    Some(toml::Value::String(v)) => Ok(Some(v.clone())),
                    Some(other) => anyhow::bail!(
                        "{}: `{key}` must be a string, not {}",
                        path.display(),
                        other.type_str()
                    ),
                }
            };
            TargetFileSite {
                site_id: get("site_id")?,
                session_sharing: get("session_sharing")?,
            }
        }
        None => TargetFileSite::default(),
    };
    let file_sharing = match file.session_sharing.as_deref() {
        None => None,
        Some("on") => Some(true),
        Some("off") => Some(false),
        Some(other) => anyhow::bail!(
            "the --policies file's session_sharing is {other:?}; it must be \"on\" or \"off\""
        ),
    };
    let flag_sharing = args.session_sharing.map(|s| s == OnOff::On);
    let on_off = |b: bool| if b { "on" } else { "off" };
    let session_sharing = match (flag_sharing, file_sharing) {
        (Some(flag), Some(file)) if flag != file => anyhow::bail!(
            "--session-sharing {} but the --policies file says session_sharing = {:?}: the stand-in must be the server the file describes",
            on_off(flag),
            on_off(file)
        ),
        (flag, file) => flag.or(file).unwrap_or(false),
    };
    let site_id = match (&args.site_id, file.site_id) {
        (Some(flag), Some(file)) if *flag != file => anyhow::bail!(
            "--site-id {flag} but the --policies file says site_id = {file:?}: the stand-in must be the server the file describes"
        ),
        (Some(flag), _) => flag.clone(),
        (None, Some(file)) => file,
        (None, None) => "HARNESS01".to_string(),
    };
    Ok(SiteSettings {
        site_id,
        session_sharing,
    })
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<u8> {
    if args.list_defects {
        print_defects();
        return Ok(EXIT_OK);
    }
    let wire_profile =
        swivel_harness::profile::WireProfile::resolve(&args.wire_profile).context("--profile")?;
    let users = match &args.users {
        Some(path) => load_users(path)?,
        None => default_users()?,
    };
    let tls = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ if args.tls => Some(TlsSource::self_signed_localhost()),
        _ => None,
    };
    let defects: DefectSet = args.defects.iter().copied().collect();
    // The policies file, read once: its policies, its second SMTP transport and (a
    // target file's) Site ID and session sharing.
    let policies_text = match &args.policies {
        Some(path) => Some(read_policies_file(path)?),
        None => None,
    };
    let policies_file = args.policies.as_deref().zip(policies_text.as_deref());
    let (policies, smtp_transports): (_, Vec<_>) = match policies_file {
        Some((path, text)) => {
            let origin = path.display().to_string();
            let range_checked = !defects.has(Defect::ValidityRangeUnchecked);
            (
                parse_policies(text, &origin, range_checked)?,
                parse_strings_transport(text, &origin)?
                    .into_iter()
                    .collect(),
            )
        }
        None => (Default::default(), Vec::new()),
    };
    let site = site_settings(&args, policies_file)?;
    let transports_line = smtp_transports
        .iter()
        .map(|t| format!("{} (to attribute {})", t.name, t.attribute))
        .collect::<Vec<_>>()
        .join(", ");
    let clock: SharedClock = match args.clock {
        ClockKind::System => Arc::new(SystemClock::new()),
        ClockKind::Manual => Arc::new(ManualClock::fixed()),
    };
    // Where the SSD lookup answers (the ssd-old-path defect moves it).
    let ssd_path = ServerWire::new(&wire_profile, &defects)
        .ssd_path()
        .to_string();
    let ssd_id_param = wire_profile.ssd.id_param.clone();
    let profile_line = format!("{} ({})", wire_profile.name, wire_profile.source());
    let core = CoreConfig {
        nodes: args.nodes,
        session_sharing: site.session_sharing,
        site_id: site.site_id.clone(),
        agent_secret: args.agent_secret.clone(),
        defects: defects.clone(),
        policies,
        smtp_transports,
        ..CoreConfig::default()
    };
    let token = args.control_token.clone().unwrap_or_else(random_token);
    let capture = args
        .capture
        .start(&wire_profile, &users, &args.agent_secret)?;
    let config = ClusterConfig {
        bind: args.bind,
        control_bind: args.control_bind,
        control_api: !args.no_control,
        users,
        tls,
        advertised_host: args.advertise_host.clone(),
        wire_profile,
        capture: capture.clone(),
        outlets: OutletConfig {
            syslog: args.syslog.clone(),
            smtp_relay: args.smtp_relay.clone(),
            mail_from: args.mail_from.clone(),
            ..OutletConfig::default()
        },
        ..ClusterConfig::loopback(core, clock, token)
    };
    let cluster = start(config)
        .await
        .context("cannot start the reference server")?;
    if let (Some(path), Some(pem)) = (&args.write_cert, &cluster.cert_pem) {
        std::fs::write(path, pem).with_context(|| format!("cannot write {}", path.display()))?;
    }

    say!(
        "swivel-harness reference server ({} node(s), session sharing {})",
        args.nodes,
        if site.session_sharing { "on" } else { "off" }
    );
    for (i, url) in cluster.node_urls.iter().enumerate() {
        let contexts: Vec<String> = CONTEXTS.iter().map(|c| format!("{url}/{c}")).collect();
        say!("node {}: {}", i + 1, contexts.join("  "));
    }
    match cluster.control_api_url() {
        Some(url) => {
            say!("control: {url}");
            say!("control token: {}", cluster.control_token);
        }
        None => say!("control: none"),
    }
    if let Some(syslog) = &args.syslog {
        say!("syslog: udp://{syslog}");
    }
    if let Some(relay) = &args.smtp_relay {
        say!("smtp relay: {relay} (from {})", args.mail_from);
    }
    if let Some(path) = &args.policies {
        say!("policies: {}", path.display());
    }
    if !transports_line.is_empty() {
        say!("further smtp transports: {transports_line}");
    }
    say!("site id: {}", site.site_id);
    say!("wire profile: {profile_line}");
    if let Some(line) = args.capture.banner() {
        say!("{line}");
    }
    if let Some(first) = cluster.node_urls.first() {
        say!(
            "ssd: {first}{ssd_path}?{ssd_id_param}={}",
            percent_encoding::utf8_percent_encode(
                &site.site_id,
                percent_encoding::NON_ALPHANUMERIC
            )
        );
    }
    if defects.is_empty() {
        say!("defects: none");
    } else {
        let names: Vec<String> = defects
            .iter()
            .map(|d| format!("{} ({})", d.name(), d.breaks_label()))
            .collect();
        say!("defects: {}", names.join(", "));
    }
    say!("press Ctrl-C to stop");

    wait_for_stop().await;
    say!("stopping");
    cluster.shutdown().await;
    capture_args::finish(capture).await;
    Ok(EXIT_OK)
}
