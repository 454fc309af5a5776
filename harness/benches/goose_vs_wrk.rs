//! Benchmark (c): goose's request rate against the reference server, compared with wrk,
//! a plain C HTTP load tool, on the same endpoint in the same run.
//!
//! The reference server runs in this process on a 127.0.0.1 ephemeral port. Both tools
//! POST the Agent-XML `ping` body to `/pinsafe/AgentXML` over the same number of
//! keep-alive connections for the same time, with no think time:
//! - goose 0.19, in-process on a tokio runtime of its own (the server has another, so
//!   the server side is the same as under wrk): one scenario, one transaction that POSTs and reads the
//!   reply; each user has its own reqwest client (no proxy). Its rate is the request
//!   count of the returned metrics (reset once every user has started) divided by the
//!   time between the start of the "maintaining" step and the next step.
//! - wrk, as a child process: `wrk -t<threads> -c<users> -d<secs>s -s post.lua`, the Lua
//!   script (a temporary file) setting the method and the body; its "Requests/sec".
//!
//! Runs alternate (goose, wrk, then wrk, goose, …); medians, goose/wrk of the medians
//! and the median of the per-round ratios are printed.
//! wrk must be installed (`apt-get install -y wrk`); without it the bench says so and
//! exits non-zero.
//!
//! Settings (environment): `BENCH_SECS` (whole seconds per run, default 5), `BENCH_USERS`
//! (goose users = wrk connections, default 32), `BENCH_ROUNDS` (default 3),
//! `BENCH_WRK_THREADS` (default 2).
//!
//! Run: `cargo bench -p swivel-harness --bench goose_vs_wrk`.

use std::error::Error;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use goose::config::GooseConfiguration;
use goose::metrics::GooseMetrics;
use goose::prelude::*;
use goose::test_plan::TestPlanStepAction;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, RunningCluster};
use swivel_reference_server::domain::CoreConfig;

type BoxError = Box<dyn Error + Send + Sync>;

const PATH: &str = "/pinsafe/AgentXML";
const PING_BODY: &str = "<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>";
const PASS: &str = "<Result>PASS</Result>";
/// Longest wait for one reply, for both tools.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Extra time a run may take beyond its duration before it is called stuck.
const RUN_SLACK: Duration = Duration::from_secs(30);
const INSTALL_HINT: &str = "wrk is not installed. Install it (Debian/Ubuntu) with:\n\n    \
                            apt-get install -y wrk\n\nthen run this bench again.";

/// Goose replies that were not a 200 with `<Result>PASS</Result>`.
static BAD_REPLIES: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone, Copy)]
struct Settings {
    secs: u64,
    users: usize,
    rounds: usize,
    wrk_threads: usize,
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, BoxError> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name}={text:?} is not a valid whole number").into()),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self, BoxError> {
        let s = Settings {
            secs: env_number("BENCH_SECS", 5)?,
            users: env_number("BENCH_USERS", 32)?,
            rounds: env_number("BENCH_ROUNDS", 3)?,
            wrk_threads: env_number("BENCH_WRK_THREADS", 2)?,
        };
        if !(1..=600).contains(&s.secs) || !(1..=1000).contains(&s.users) || s.rounds == 0 {
            return Err(
                "BENCH_SECS must be 1..=600, BENCH_USERS 1..=1000, BENCH_ROUNDS ≥ 1".into(),
            );
        }
        // wrk needs at least one connection per thread.
        if s.wrk_threads == 0 || s.wrk_threads > s.users {
            return Err("BENCH_WRK_THREADS must be 1..=BENCH_USERS".into());
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------------------
// wrk

/// Whether `wrk` can be started at all.
fn wrk_installed() -> bool {
    // wrk has no version flag that exits 0; any start at all means it is there.
    Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The Lua script, in a temporary file removed on drop.
struct Script(PathBuf);

impl Script {
    fn write() -> Result<Self, BoxError> {
        let path =
            std::env::temp_dir().join(format!("swivel-bench-wrk-post-{}.lua", std::process::id()));
        std::fs::write(
            &path,
            format!("wrk.method = \"POST\"\nwrk.body = \"{PING_BODY}\"\n"),
        )?;
        Ok(Self(path))
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[derive(Debug, Clone, Copy)]
struct WrkRun {
    rate: f64,
    requests: u64,
    errors: u64,
}

/// The number after `label` on the line that starts with it.
fn number_after(text: &str, label: &str) -> Option<f64> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.trim_end_matches(',').parse().ok())
}

fn parse_wrk(out: &str) -> Result<WrkRun, BoxError> {
    let rate = number_after(out, "Requests/sec:")
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{out}"))?;
    let requests = out
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let non_2xx = number_after(out, "Non-2xx or 3xx responses:").unwrap_or(0.0);
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    let socket_errors: f64 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map(|rest| {
            rest.split(',')
                .filter_map(|part| part.split_whitespace().nth(1))
                .filter_map(|n| n.parse::<f64>().ok())
                .sum()
        })
        .unwrap_or(0.0);
    Ok(WrkRun {
        rate,
        requests,
        errors: (non_2xx + socket_errors) as u64,
    })
}

/// Runs wrk to completion (killing it if it overruns) and parses its summary.
fn wrk_run(url: &str, script: &Script, s: &Settings) -> Result<WrkRun, BoxError> {
    let mut child = Command::new("wrk")
        .arg(format!("-t{}", s.wrk_threads))
        .arg(format!("-c{}", s.users))
        .arg(format!("-d{}s", s.secs))
        .arg(format!("--timeout={}s", REQUEST_TIMEOUT.as_secs()))
        .arg("-s")
        .arg(&script.0)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(s.secs) + RUN_SLACK;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("wrk did not finish in time and was stopped".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    parse_wrk(&stdout)
}

// ---------------------------------------------------------------------------------------
// goose

/// Each user gets its own client that never goes through a proxy: loopback only.
async fn direct_client(user: &mut GooseUser) -> TransactionResult {
    user.set_client_builder(
        reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT),
    )
    .await?;
    Ok(())
}

async fn ping(user: &mut GooseUser) -> TransactionResult {
    let goose = user.post(PATH, PING_BODY).await?;
    let good = match goose.response {
        Ok(response) if response.status().is_success() => {
            response.text().await.is_ok_and(|body| body.contains(PASS))
        }
        _ => false,
    };
    if !good {
        BAD_REPLIES.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct GooseRun {
    rate: f64,
    requests: u64,
    errors: u64,
    secs: f64,
}

/// Requests over the time all users ran together (the window goose's metrics cover).
fn goose_rate(metrics: &GooseMetrics) -> Result<GooseRun, BoxError> {
    let requests: u64 = metrics
        .requests
        .values()
        .map(|r| r.raw_data.counter as u64)
        .sum();
    let failed: u64 = metrics.requests.values().map(|r| r.fail_count as u64).sum();
    let history = &metrics.history;
    let window = history
        .iter()
        .position(|h| matches!(h.action, TestPlanStepAction::Maintaining))
        .and_then(|i| Some((history[i].timestamp, history.get(i + 1)?.timestamp)))
        .map(|(start, end)| (end - start).num_milliseconds() as f64 / 1000.0);
    let secs = match window {
        Some(secs) if secs > 0.0 => secs,
        _ => metrics.duration as f64,
    };
    if secs <= 0.0 {
        return Err("goose reported no run time".into());
    }
    Ok(GooseRun {
        rate: requests as f64 / secs,
        requests,
        errors: failed,
        secs,
    })
}

async fn goose_run(host: &str, s: &Settings) -> Result<GooseRun, BoxError> {
    let users = s.users.to_string();
    // Start every user within about 100 ms; the metrics reset once all have started.
    let rate = (s.users * 10).to_string();
    let run_time = format!("{}s", s.secs);
    let timeout = REQUEST_TIMEOUT.as_secs().to_string();
    let config = GooseConfiguration::parse_args_default(&[
        "--host",
        host,
        "--users",
        &users,
        "--increase-rate",
        &rate,
        "--run-time",
        &run_time,
        "--timeout",
        &timeout,
        "--quiet",
        "--no-print-metrics",
        "--no-error-summary",
        "--no-telnet",
    ])?;
    BAD_REPLIES.store(0, Ordering::Relaxed);
    let attack = GooseAttack::initialize_with_config(config)?.register_scenario(
        scenario!("AgentXmlPing")
            .register_transaction(transaction!(direct_client).set_on_start())
            .register_transaction(transaction!(ping)),
    );
    let bound = Duration::from_secs(s.secs) + RUN_SLACK;
    let metrics = tokio::time::timeout(bound, attack.execute())
        .await
        .map_err(|_| "goose did not finish in time")??;
    let mut run = goose_rate(&metrics)?;
    run.errors += BAD_REPLIES.load(Ordering::Relaxed);
    Ok(run)
}

// ---------------------------------------------------------------------------------------
// The run.

async fn start_reference() -> Result<RunningCluster, BoxError> {
    Ok(cluster::start(ClusterConfig::loopback(
        CoreConfig::default(),
        Arc::new(ManualClock::fixed()),
        "bench",
    ))
    .await?)
}

/// One ping through a plain client: the endpoint answers PASS before anything is timed.
async fn check_endpoint(url: &str) -> Result<(), BoxError> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let body = client
        .post(url)
        .body(PING_BODY)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    if body.contains(PASS) {
        Ok(())
    } else {
        Err(format!("ping did not PASS: {body}").into())
    }
}

/// The 1, 5 and 15 minute load averages, to show how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() -> Result<(), BoxError> {
    let s = Settings::from_env()?;
    if !wrk_installed() {
        eprintln!("{INSTALL_HINT}");
        return Err("wrk not found on PATH (apt-get install -y wrk)".into());
    }
    // The server has a runtime of its own; goose gets another, as wrk is another process,
    // so the server side is the same for both tools.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("server")
        .build()?;
    let goose_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("goose")
        .build()?;
    let cluster = runtime.block_on(start_reference())?;
    let host = cluster
        .node_urls
        .first()
        .ok_or("the cluster has no node")?
        .clone();
    let url = format!("{host}{PATH}");
    let result = measure(&goose_runtime, &host, &url, &s);
    runtime.block_on(async {
        tokio::time::timeout(RUN_SLACK, cluster.shutdown())
            .await
            .map_err(|_| "the reference server did not stop in time")
    })?;
    result
}

fn measure(
    goose_runtime: &tokio::runtime::Runtime,
    host: &str,
    url: &str,
    s: &Settings,
) -> Result<(), BoxError> {
    goose_runtime.block_on(check_endpoint(url))?;
    let script = Script::write()?;
    println!(
        "(c) goose vs wrk: POST Agent-XML ping to {PATH} on the in-process reference server \
         (127.0.0.1), {} users = connections, {} s per run, {} rounds, wrk -t{} ({} CPUs)",
        s.users,
        s.secs,
        s.rounds,
        s.wrk_threads,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("load average before: {}", load_average());
    let mut goose_runs = Vec::new();
    let mut wrk_runs = Vec::new();
    for round in 0..s.rounds {
        let goose_first = round % 2 == 0;
        for step in 0..2 {
            if (step == 0) == goose_first {
                let run = goose_runtime.block_on(goose_run(host, s))?;
                eprintln!(
                    "  round {} goose {:>10.0} req/s ({} requests in {:.2} s, {} errors)",
                    round + 1,
                    run.rate,
                    run.requests,
                    run.secs,
                    run.errors
                );
                goose_runs.push(run);
            } else {
                let run = wrk_run(url, &script, s)?;
                eprintln!(
                    "  round {} wrk   {:>10.0} req/s ({} requests, {} errors)",
                    round + 1,
                    run.rate,
                    run.requests,
                    run.errors
                );
                wrk_runs.push(run);
            }
        }
    }
    let goose: Vec<f64> = goose_runs.iter().map(|r| r.rate).collect();
    let wrk: Vec<f64> = wrk_runs.iter().map(|r| r.rate).collect();
    let (goose_median, wrk_median) = (median(&goose), median(&wrk));
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!();
    println!("| tool | runs (req/s) | median req/s |");
    println!("|---|---|---:|");
    println!("| goose 0.19 | {} | {goose_median:.0} |", list(&goose));
    println!(
        "| wrk -t{} -c{} | {} | {wrk_median:.0} |",
        s.wrk_threads,
        s.users,
        list(&wrk)
    );
    println!();
    // The two runs of a round are back to back: their ratio sees the same background.
    let paired: Vec<f64> = goose
        .iter()
        .zip(&wrk)
        .filter(|(_, w)| **w > 0.0)
        .map(|(g, w)| g / w)
        .collect();
    println!(
        "goose/wrk: {:.1}% of medians, {:.1}% median of rounds (goose's share of wrk's request rate)",
        if wrk_median > 0.0 {
            goose_median / wrk_median * 100.0
        } else {
            0.0
        },
        median(&paired) * 100.0
    );
    println!("load average after: {}", load_average());
    let errors: u64 = goose_runs.iter().map(|r| r.errors).sum::<u64>()
        + wrk_runs.iter().map(|r| r.errors).sum::<u64>();
    if errors > 0 {
        println!("WARNING: {errors} failed or non-PASS requests across the runs");
        return Err("some requests failed; see the warning above".into());
    }
    Ok(())
}
