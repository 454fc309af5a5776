//! `certify`: the self-test passes with the faithful emulated app, and each app defect
//! turns a case of its own rule to FAIL (NON-STRICT for a SHOULD): the matrix is written to
//! `reports/app-defect-matrix.md` and the test fails when the committed file is stale
//! (`UPDATE_APP_DEFECT_MATRIX=1` regenerates it). An app that never connects is never
//! passed (exit 3, every case INCONCLUSIVE or SKIPPED). A bundle verifies, and a bundle
//! with one byte changed does not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use swivel_harness::certify::driver::DriveOptions;
use swivel_harness::certify::selftest::Answers;
use swivel_harness::certify::server::CertSource;
use swivel_harness::certify::{CertifyConfig, Conformance, Plan, ServerSettings, Tester, certify};
use swivel_harness::emulator::{ALL_APP_DEFECTS, AppDefect, AppDefects};
use swivel_harness::profile::WireProfile;
use swivel_harness::report::RunReport;
use swivel_harness::rules::{Level, Subject};
use swivel_harness::verdict::Verdict;

const BIN: &str = env!("CARGO_BIN_EXE_swivel-harness");
const MATRIX: &str = "reports/app-defect-matrix.md";
const UPDATE: &str = "UPDATE_APP_DEFECT_MATRIX";

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "swivel-certify-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn self_test(root: &Path, defects: Vec<AppDefect>) -> RunReport {
    let config = CertifyConfig {
        run_id: format!("selftest-{}", defects.first().map_or("clean", |d| d.name())),
        reports_root: root.to_path_buf(),
        plan: Plan::builtin().unwrap(),
        conformance: Conformance::emulator(),
        server: ServerSettings {
            bind: loopback(),
            untrusted_bind: loopback(),
            host: None,
            cert: CertSource::RunCa,
            http: false,
            profile: WireProfile::default_profile(),
            site_id: "CERTIFY01".into(),
            context: "pinsafe".into(),
            username: "certify-user".into(),
            pin: "3759".into(),
        },
        drive: DriveOptions {
            step_timeout: Duration::from_secs(30),
            quiet: Duration::from_secs(1),
            settle: Duration::from_millis(300),
        },
        tester: Tester::SelfTest {
            defects: AppDefects::of(defects),
            answers: Answers::Itself,
        },
        write_ca: None,
        console: None,
    };
    let finished = certify(config, &|_| {}, &|_| {}, &|w| eprintln!("{w}"))
        .await
        .unwrap();
    assert!(finished.bundle.exists());
    finished.report
}

fn required(level: Level) -> Verdict {
    if level == Level::Should {
        Verdict::NonStrict
    } else {
        Verdict::Fail
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_test_passes_and_every_app_defect_turns_a_case_of_its_own_rule() {
    let scratch = Scratch::new("matrix");
    let root = scratch.0.clone();
    let clean = self_test(&root, Vec::new());
    let defects = futures_join(ALL_APP_DEFECTS.iter().map(|d| {
        let root = root.clone();
        let d = *d;
        async move { (d, self_test(&root, vec![d]).await) }
    }));
    let (clean, defects) = tokio::join!(clean, defects);

    // The faithful emulated app: every judged case passes, nothing is inconclusive.
    for c in &clean.cases {
        assert!(
            matches!(c.verdict, Verdict::Pass | Verdict::Info),
            "clean self-test: {} is {} ({:?})",
            c.id,
            c.verdict,
            c.reason
        );
    }
    assert_eq!(clean.summary.exit_code, 0);
    assert!(clean.cases.len() >= 25, "{} cases", clean.cases.len());

    // One row per client rule with a MUST or SHOULD level.
    let judged: Vec<_> = swivel_harness::rules::all()
        .iter()
        .filter(|r| r.subject == Subject::Client && r.level != Level::Info)
        .collect();
    assert_eq!(judged.len(), ALL_APP_DEFECTS.len());
    let mut rows = String::new();
    let mut gaps = Vec::new();
    for rule in judged {
        let (defect, report) = defects
            .iter()
            .find(|(d, _)| d.rule() == rule.id)
            .unwrap_or_else(|| panic!("no app defect breaks {}", rule.id));
        let want = required(rule.level);
        let caught: Vec<String> = report
            .cases
            .iter()
            .filter(|c| c.verdict == want && c.rules.iter().any(|r| rule.id == r.as_str()))
            .map(|c| format!("`{}`", c.id))
            .collect();
        if caught.is_empty() {
            gaps.push(format!("{defect} ({})", rule.id));
        }
        let exit = if want == Verdict::Fail { 1 } else { 0 };
        assert_eq!(report.summary.exit_code, exit, "{defect}: exit code");
        rows.push_str(&format!(
            "| `{defect}` | {} ({}) | {want} | {} | {} |\n",
            rule.id,
            rule.level,
            defect.description().replace('|', "\\|").replace('<', "\\<"),
            if caught.is_empty() {
                "**GAP**".to_string()
            } else {
                caught.join(", ")
            }
        ));
    }
    let matrix = format!(
        "# App-defect matrix\n\n\
         Generated by `harness/tests/certify.rs` \
         (`self_test_passes_and_every_app_defect_turns_a_case_of_its_own_rule`); do not edit. \
         The test runs `certify --self-test` with the faithful emulated app (every judged case \
         must pass) and once per app defect, and fails when this file differs from what it \
         saw. Regenerate it after a change to the plan, the judges or the defects:\n\n\
         ```sh\n\
         {UPDATE}=1 nice -n 19 cargo test -p swivel-harness --test certify self_test\n\
         ```\n\n\
         Each app defect breaks one client rule (protocol.md §11; `certify --list-app-defects`). \
         It is caught when a case of that rule turns FAIL (NON-STRICT for a SHOULD rule); a \
         defect only cases of other rules notice would be a gap, shown as **GAP**.\n\n\
         | App defect | Rule | Must turn | What it breaks | Caught by (cases of the rule) |\n\
         |---|---|---|---|---|\n{rows}\n\
         {} app defects, {} caught by a case of their own rule. The faithful app: {} cases, \
         {} PASS, {} INFO.\n",
        ALL_APP_DEFECTS.len(),
        ALL_APP_DEFECTS.len() - gaps.len(),
        clean.summary.total,
        clean.summary.pass,
        clean.summary.info,
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(MATRIX);
    if std::env::var_os(UPDATE).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &matrix).unwrap();
    } else {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == matrix,
            "{MATRIX} is not what this run produced; if intended, rerun with {UPDATE}=1 and commit it. This run:\n{matrix}"
        );
    }
    assert!(
        gaps.is_empty(),
        "app defects no case of their rule catches: {gaps:?}"
    );
}

/// Runs the futures concurrently (no `futures` crate in the workspace).
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn run_dir_of(stdout: &str) -> PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("bundle: "))
        .unwrap_or_else(|| panic!("no bundle line in {stdout}"));
    PathBuf::from(line)
}

#[test]
fn an_app_that_never_connects_is_never_passed() {
    let scratch = Scratch::new("silent");
    let dir = &scratch.0;
    let conformance = dir.join("app.toml");
    std::fs::write(
        &conformance,
        "name = \"Silent\"\nversion = \"1.0\"\nplatform = \"none\"\nfeatures = [\"manual-settings\", \"otc\", \"tls\"]\n",
    )
    .unwrap();
    // The answers say everything went well: without traffic they prove nothing.
    let answers = dir.join("answers.jsonl");
    let mut lines = String::new();
    for step in Plan::builtin().unwrap().steps {
        for _ in 0..step.otc_count() {
            lines.push_str(&format!(
                "{{\"step\":\"{}\",\"otc\":\"162007\"}}\n",
                step.id
            ));
        }
        lines.push_str(&format!(
            "{{\"step\":\"{}\",\"message\":\"shown\",\"no_otc\":true}}\n",
            step.id
        ));
    }
    std::fs::write(&answers, lines).unwrap();
    let out = Command::new(BIN)
        .args(["certify", "--conformance"])
        .arg(&conformance)
        .arg("--auto")
        .arg(&answers)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--no-console",
            "--step-timeout",
            "1",
            "--quiet-secs",
            "1",
            "--reports",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    // stdout is JSON lines for the automation: the steps and verdicts.
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert!(events.iter().any(|e| e["event"] == "ready"));
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "step" && e["step"] == "otcs")
    );
    let bundle = run_dir_of(&stderr);
    let report: RunReport = serde_json::from_str(
        &std::fs::read_to_string(bundle.parent().unwrap().join("report.json")).unwrap(),
    )
    .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for c in &report.cases {
        seen.insert(c.verdict);
        assert!(
            matches!(c.verdict, Verdict::Inconclusive | Verdict::Skipped),
            "{} is {} without any traffic",
            c.id,
            c.verdict
        );
    }
    assert!(seen.contains(&Verdict::Skipped) && seen.contains(&Verdict::Inconclusive));
    let skipped = report
        .cases
        .iter()
        .find(|c| c.id == "cli-1/provision-site-id")
        .unwrap();
    assert_eq!(
        skipped.reason.as_deref(),
        Some("the app does not claim site-id (conformance statement)")
    );
}

#[test]
fn a_bundle_verifies_and_one_changed_byte_fails_it() {
    let scratch = Scratch::new("bundle");
    let dir = &scratch.0;
    let out = Command::new(BIN)
        .args([
            "certify",
            "--self-test",
            "--bind",
            "127.0.0.1:0",
            "--no-console",
            "--quiet-secs",
            "1",
            "--pin",
            "3759",
            "--reports",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let bundle = run_dir_of(&stdout);
    let name = bundle.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("certification-swivel-harness-emulator-") && name.ends_with(".zip"),
        "{name}"
    );
    let verify = |path: &Path| {
        Command::new(BIN)
            .args(["certify", "verify"])
            .arg(path)
            .output()
            .unwrap()
    };
    let good = verify(&bundle);
    let text = String::from_utf8_lossy(&good.stdout);
    assert_eq!(good.status.code(), Some(0), "{text}");
    assert!(text.contains("match SHA256SUMS"), "{text}");
    assert!(
        text.contains("PASS          cli-8/untrusted-certificate"),
        "{text}"
    );

    // What the bundle holds, and no secret in it.
    let bytes = std::fs::read(&bundle).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    names.sort();
    for want in [
        "SHA256SUMS",
        "VERSION",
        "ca.pem",
        "capture.har",
        "conformance.toml",
        "junit.xml",
        "plan.toml",
        "report.html",
        "report.json",
        "report.md",
        "wire-profile.toml",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut entry, &mut text).is_ok() {
            assert!(
                !text.contains(">3759<")
                    && !text.contains("pin 3759")
                    && !text.contains("PIN 3759"),
                "the PIN leaked into {}",
                entry.name().unwrap()
            );
        }
    }

    for at in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 30] {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        let path = dir.join(format!("changed-{at}.zip"));
        std::fs::write(&path, &changed).unwrap();
        let out = verify(&path);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a bundle with byte {at} changed verified: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Kills the child when dropped (a failed assertion must not leave a server running).
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_console_is_driven_through_a_whole_plan_in_headless_chromium() {
    use std::io::BufRead as _;
    let scratch = Scratch::new("console");
    let dir = scratch.0.clone();
    let shot = dir.join("screen.png");
    std::fs::write(
        &shot,
        swivel_reference_server::http::qr::qr_png("a screenshot of the phone").unwrap(),
    )
    .unwrap();
    let mut child = Child(
        Command::new(BIN)
            .args([
                "certify",
                "--self-test",
                "--self-test-answers",
                "console",
                "--bind",
                "127.0.0.1:0",
                "--quiet-secs",
                "1",
                "--step-timeout",
                "90",
                "--reports",
            ])
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("certify prints the console's URL");
        lines.push(line.clone());
        if let Some(url) = line.strip_prefix("console: ") {
            break url.to_string();
        }
    };
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/?t="),
        "{url}"
    );
    let driver = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console_driver.py"))
        .arg(&url)
        .arg(&shot)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&driver.stdout);
    assert!(
        driver.status.success(),
        "the browser run failed: {said}\n{}",
        String::from_utf8_lossy(&driver.stderr)
    );
    let did: serde_json::Value = serde_json::from_str(said.trim()).unwrap();
    // 3 + 1 + 3 OTCs typed, one "no OTC" (the unbound device), four messages confirmed.
    assert_eq!(did["otcs_typed"], 7, "{did}");
    assert_eq!(did["no_otc"], 1, "{did}");
    assert_eq!(did["shown"], 5, "{did}");
    assert_eq!(did["screenshots"], 1, "{did}");
    assert!(did["requests"].as_u64().unwrap() >= 2, "{did}");
    assert_eq!(did["dom_has_verdicts"], true, "{did}");

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "certify did not end");
        std::thread::sleep(Duration::from_millis(100));
    };
    lines.extend(rx.try_iter());
    let all = lines.join("\n");
    assert_eq!(status.code(), Some(0), "{all}");
    let bundle = run_dir_of(&all);
    let report: RunReport = serde_json::from_str(
        &std::fs::read_to_string(bundle.parent().unwrap().join("report.json")).unwrap(),
    )
    .unwrap();
    let from_console = report
        .cases
        .iter()
        .flat_map(|c| &c.transcript)
        .filter(|t| format!("{t:?}").contains("tester (console)"))
        .count();
    assert!(from_console >= 8, "{from_console} answers from the console");

    // The bundle of that run verifies, holds the screenshot, and fails with a byte changed.
    let verify = |path: &Path| {
        Command::new(BIN)
            .args(["certify", "verify"])
            .arg(path)
            .output()
            .unwrap()
    };
    assert_eq!(verify(&bundle).status.code(), Some(0));
    let bytes = std::fs::read(&bundle).unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
    assert!(
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n == "screenshots/wrong-code-1.png"))
    );
    let mut changed = bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x80;
    let path = dir.join("changed.zip");
    std::fs::write(&path, changed).unwrap();
    assert_eq!(verify(&path).status.code(), Some(1));
}
