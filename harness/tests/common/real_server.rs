//! For the tests that drive the reference server as a stand-in for a real Swivel server
//! (`tests/swivel.rs`, `tests/load_swivel.rs`): the `serve --no-control --smtp-relay …
//! --syslog … --policies …` child process and its node URL, the sink ports it sends to,
//! free loopback ports, scratch directories and readable process output.

// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The harness binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");

/// The server's policies and the harness's target file in one (`serve --policies` reads
/// its `[policies]` and `[strings_transport]` tables, `--target-file` all of it): the
/// acceptance setting, as shipped for users in `fixtures/targets/`.
pub const TARGET_FILE: &str = include_str!("../../../fixtures/targets/acceptance.toml");

/// Kills the server when the test ends, passed or not.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `swivel-harness` with `args` (a `serve` command line) and returns it with the
/// lines it printed up to "press Ctrl-C to stop".
pub fn spawn_serve(args: &[&str]) -> (Server, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let server = Server(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let done = line.contains("press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (server, lines)
}

/// The rest of the first line starting with `prefix`, trimmed.
pub fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
        .trim()
}

/// Each node's first URL (`node N: URL URL …`), node 1 first.
pub fn node_urls(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| {
            let (_, urls) = line.strip_prefix("node ")?.split_once(':')?;
            urls.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

/// A fresh scratch directory named for the test and this process.
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A loopback port free for both TCP and UDP (the syslog sink takes both). Taken from
/// below Linux's ephemeral range (32768 and up), counting from a base drawn from the
/// process id: a port the kernel hands out for `:0` (the stand-in's nodes bind that
/// way) could otherwise be taken between this check and the harness binding it, which
/// once failed a run with "Address already in use".
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = 20_000 + (std::process::id() % 400) * 30;
    loop {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed) % 700;
        let port = u16::try_from(base + offset).expect("below 32768");
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
}

/// A process's exit code and output, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The README's coverage setting: a two-node cluster sharing sessions, complete URLs
/// (so the QR code is sent too), the browse right on.
pub const COVERAGE_TARGET_FILE: &str = include_str!("../../../fixtures/targets/coverage.toml");

/// The coverage setting's complement (README "Combining configurations").
pub const COMPLEMENT_TARGET_FILE: &str = include_str!("../../../fixtures/targets/complement.toml");

/// The stand-in for a real server, its node URLs and the sink ports it sends to.
pub struct Real {
    _server: Server,
    /// Node 1's base URL with context.
    pub node: String,
    /// Every node's base URL with context, node 1 first.
    pub nodes: Vec<String>,
    /// Where it sends mail (the harness's `--smtp-bind`).
    pub smtp: u16,
    /// Where it sends syslog (the harness's `--syslog-bind`).
    pub syslog: u16,
    /// Its control API's URL, when started with one ([`start_real_watched`]).
    pub control: Option<String>,
}

impl Real {
    /// `--smtp-bind` and `--syslog-bind` values for the harness.
    pub fn sink_args(&self) -> (String, String) {
        (
            format!("127.0.0.1:{}", self.smtp),
            format!("127.0.0.1:{}", self.syslog),
        )
    }
}

/// Writes [`TARGET_FILE`] to `dir/target.toml` and starts the stand-in with `secret` as
/// its agent (and Admin XML) secret, and `defect` switched on if given.
pub fn start_real(dir: &Path, secret: &str, defect: Option<&str>) -> Real {
    start_real_with(dir, secret, defect, TARGET_FILE, 1, false)
}

/// Writes `target_file` (server policies and target file in one) to `dir/target.toml`
/// and starts a stand-in of `nodes` nodes with session sharing `sharing`.
pub fn start_real_with(
    dir: &Path,
    secret: &str,
    defect: Option<&str>,
    target_file: &str,
    nodes: u16,
    sharing: bool,
) -> Real {
    start(dir, secret, defect, target_file, nodes, sharing, None)
}

/// [`start_real`]'s stand-in with its control API kept, behind `token`, so that a test
/// can look behind the run (the swivel target never uses it): [`Real::control`].
pub fn start_real_watched(dir: &Path, secret: &str, token: &str) -> Real {
    start(dir, secret, None, TARGET_FILE, 1, false, Some(token))
}

fn start(
    dir: &Path,
    secret: &str,
    defect: Option<&str>,
    target_file: &str,
    nodes: u16,
    sharing: bool,
    control_token: Option<&str>,
) -> Real {
    let target_text = target_file;
    let target_file = dir.join("target.toml");
    std::fs::write(&target_file, target_text).expect("the target file");
    let node_count = nodes.to_string();
    let (smtp, syslog) = (free_port(), free_port());
    let (relay, log) = (format!("127.0.0.1:{smtp}"), format!("127.0.0.1:{syslog}"));
    let target = target_file.display().to_string();
    let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
    match control_token {
        Some(token) => args.extend(["--control-bind", "127.0.0.1:0", "--control-token", token]),
        None => args.push("--no-control"),
    }
    args.extend([
        "--clock",
        "system",
        "--smtp-relay",
        &relay,
        "--syslog",
        &log,
        "--agent-secret",
        secret,
        "--policies",
        &target,
        "--nodes",
        &node_count,
        "--session-sharing",
        if sharing { "on" } else { "off" },
    ]);
    if let Some(d) = defect {
        args.extend(["--defect", d]);
    }
    let (server, lines) = spawn_serve(&args);
    let urls = node_urls(&lines);
    assert_eq!(urls.len(), usize::from(nodes), "serve printed every node");
    let control = control_token.map(|_| field(&lines, "control:").to_string());
    Real {
        _server: server,
        node: urls[0].clone(),
        nodes: urls,
        smtp,
        syslog,
        control,
    }
}

/// A running reference server with its control API (what `explore --target` and `run
/// --target` drive), its node URLs and the control URL.
pub struct Reference {
    _server: Server,
    /// Every node's base URL with context, node 1 first.
    pub nodes: Vec<String>,
    /// The control API's URL.
    pub control: String,
}

/// The control token [`start_reference`] gives its server.
pub const CONTROL_TOKEN: &str = "reference-test-token";

/// Starts `serve` on loopback with its control API and `extra` arguments (`--nodes`,
/// `--session-sharing`, `--defect`, …).
pub fn start_reference(extra: &[&str]) -> Reference {
    let mut args = vec![
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--control-bind",
        "127.0.0.1:0",
        "--control-token",
        CONTROL_TOKEN,
    ];
    args.extend_from_slice(extra);
    let (server, lines) = spawn_serve(&args);
    let nodes = node_urls(&lines);
    let control = field(&lines, "control:").to_string();
    Reference {
        _server: server,
        nodes,
        control,
    }
}
