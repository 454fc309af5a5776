//! What the capture tests share: the binary, the captures (each recorded once per test
//! run: `serve --capture` over HTTPS while `run` drives the whole conformance suite
//! against it), check reports read as JSON, and the secret values an unredacted capture
//! holds.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");
/// How long `serve` may take to stop after SIGINT.
const STOP_BOUND: Duration = Duration::from_secs(15);

/// Runs the binary to completion.
pub fn harness(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

/// A run's stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const WORKDIR_PREFIX: &str = "swivel-profile-capture-";

/// This test run's scratch directory (a few MB of captures and reports). Those of earlier
/// runs whose process is gone are removed first: no single test knows when the others
/// are done with this one.
pub fn workdir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let temp = std::env::temp_dir();
        let proc_fs = Path::new("/proc/self").exists();
        if let Ok(entries) = std::fs::read_dir(&temp) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let gone = name
                    .strip_prefix(WORKDIR_PREFIX)
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                if gone && proc_fs {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = temp.join(format!("{WORKDIR_PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Kills the server if a test fails midway, so none outlives the test.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A capture file the reference server wrote.
#[derive(Debug)]
pub struct Capture {
    path: PathBuf,
}

impl Capture {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn path_str(&self) -> &str {
        self.path.to_str().unwrap()
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    pub fn sha256(&self) -> String {
        swivel_harness::capture::load::sha256_hex(&std::fs::read(&self.path).unwrap())
    }
}

/// The capture of `serve --wire-profile mobile-3.6` (secrets masked).
pub fn mobile() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| record("mobile-3.6", "mobile.har", false))
}

/// The capture of `serve --wire-profile agentxml-3.6` (secrets masked).
pub fn agentxml() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| record("agentxml-3.6", "agentxml.har", false))
}

/// The capture of `serve --wire-profile mobile-3.6 --capture-secrets`.
pub fn mobile_with_secrets() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| record("mobile-3.6", "mobile-secrets.har", true))
}

fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
        .trim()
}

/// Starts `serve` speaking `profile` over HTTPS with a capture, runs the conformance
/// suite against it, stops it with SIGINT and returns the capture.
fn record(profile: &str, file: &str, secrets: bool) -> Capture {
    let dir = workdir().join(format!("record-{file}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = workdir().join(file);
    let cert = dir.join("ca.pem");
    let mut args = vec![
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--control-bind",
        "127.0.0.1:0",
        "--control-token",
        "capture-test-token",
        "--wire-profile",
        profile,
        "--tls",
        "--advertise-host",
        "localhost",
        "--write-cert",
        cert.to_str().unwrap(),
        "--capture",
        path.to_str().unwrap(),
    ];
    if secrets {
        args.push("--capture-secrets");
    }
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
    let server = Server(child);
    let mut lines = Vec::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        let done = line.contains("press Ctrl-C");
        lines.push(std::mem::take(&mut line).trim_end().to_string());
        if done {
            break;
        }
    }
    let node = field(&lines, "node 1:")
        .split_whitespace()
        .next()
        .unwrap()
        .replace("127.0.0.1", "localhost");
    let control = field(&lines, "control:").to_string();
    let run = harness(&[
        "run",
        "-q",
        "--target",
        &node,
        "--control-url",
        &control,
        "--control-token",
        "capture-test-token",
        "--profile",
        profile,
        "--ca-cert",
        cert.to_str().unwrap(),
        "--reports",
        dir.join("reports").to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "the suite against {profile}: {}",
        stdout(&run)
    );

    let status = Command::new("kill")
        .args(["-INT", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let mut server = server;
    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "serve ended with {status}");
            break;
        }
        assert!(
            started.elapsed() < STOP_BOUND,
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let har: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap().len();
    assert!(entries > 100, "{entries} entries");
    assert!(
        rest.contains(&format!("capture: {entries} entries in")),
        "serve's last words: {rest}"
    );
    Capture { path }
}

/// `profile check` of `capture` against `profile`: the exit code and the JSON report.
pub fn check_json(capture: &str, profile: &str, name: &str) -> (Option<i32>, Value) {
    let dir = workdir().join(format!("check-{name}"));
    let run = harness(&[
        "profile",
        "check",
        "--capture",
        capture,
        "--profile",
        profile,
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    let report = serde_json::from_slice(
        &std::fs::read(dir.join("profile-check.json"))
            .unwrap_or_else(|e| panic!("no report ({e}): {}", stdout(&run))),
    )
    .unwrap();
    (run.status.code(), report)
}

/// The parts a check report calls contradicted, in report order.
pub fn contradicted(report: &Value) -> Vec<String> {
    report["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "contradicted")
        .map(|p| p["part"].as_str().unwrap().to_string())
        .collect()
}

fn contents<'t>(text: &'t str, element: &str) -> Vec<&'t str> {
    let (open, close) = (format!("<{element}>"), format!("</{element}>"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(len) = after.find(&close) else { break };
        out.push(&after[..len]);
        rest = &after[len..];
    }
    out
}

/// `(kind, value)` of every code, device id, string, OTC, agent secret and PIN the
/// capture holds (values of four characters or more).
pub fn secrets_of(capture: &Capture) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(capture.path()).unwrap();
    let har: Value = serde_json::from_str(&text).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |kind: &str, value: &str| {
        if value.len() >= 4 && !out.iter().any(|(_, v)| v == value) {
            out.push((kind.to_string(), value.to_string()));
        }
    };
    for entry in har["log"]["entries"].as_array().unwrap() {
        let bodies = [
            entry["request"]["postData"]["text"].as_str(),
            entry["response"]["content"]["text"].as_str(),
        ];
        for body in bodies.into_iter().flatten() {
            for (element, kind) in [
                ("ProvisionCode", "code"),
                ("Id", "device id"),
                ("OTC", "otc"),
                ("Secret", "secret"),
            ] {
                for value in contents(body, element) {
                    add(kind, value);
                }
            }
            for strings in contents(body, "SecurityStrings") {
                for s in strings.split(';') {
                    add("string", s);
                }
            }
        }
        // A complete URL carries a code, in a path or in a QR link's `text=`.
        let url = entry["request"]["url"].as_str().unwrap();
        let url = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
        if let Some((_, code)) = url
            .split_once("/complete/")
            .and_then(|(_, r)| r.rsplit_once('/'))
        {
            add("code", code.split(['&', '#']).next().unwrap());
        }
    }
    // The PINs of the built-in users, wherever one stands alone in the capture.
    for user in swivel_reference_server::users_file::default_users().unwrap() {
        let alone = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|token| token == user.pin);
        if alone {
            add("pin", &user.pin);
        }
    }
    out
}
