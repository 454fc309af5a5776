//! Benchmark (a): request throughput of the reference server's Agent-XML endpoint for
//! `SecurityStrings` and `Provision`, against a bare axum handler that answers every POST
//! with a fixed body of the same size as the real reply.
//!
//! Both servers run in this one process on 127.0.0.1 ephemeral ports, on one tokio
//! runtime, behind the same accept loop (`transport::serve`, same limits), and are driven
//! by the same load generator on a second runtime: K keep-alive connections, each a plain
//! HTTP/1.1 request/response loop over a raw `TcpStream` (no pipelining; the reply is
//! read by its Content-Length and checked). Each measurement warms up, then counts
//! correct replies over a fixed window. Measurements alternate (bare then server, then
//! server then bare, …) for several rounds; the medians, the ratio of the medians and the
//! median of the per-round ratios server/bare are printed (the last decides the verdict:
//! the two runs of a round are back to back, so background load affects both alike). The
//! ratio, not the absolute rate, is the result: the load generator shares the CPU with
//! the server. Each endpoint has its own target: `SecurityStrings` 65%, `Provision`
//! with a valid code 60%, and with a wrong code 60% (reported so it does not regress).
//!
//! Requests are written as the app writes them in the default wire profile, mobile-3.6
//! (no XML prolog, `application/xml; charset=utf-8`, lowercase `provision` without
//! `<DeviceOS>`, strings by `<Id>` alone).
//!
//! Endpoints measured:
//! - `SecurityStrings`: a download of 99 strings for one of N provisioned users (cycling).
//! - `Provision (valid code)`: every request redeems a fresh code, issued before each
//!   timed window to a pool of users created up front (sized from a short, unreported
//!   run of the bare handler), so every measurement sees a server with the same users.
//! - `Provision (wrong code)`: the full parse, user lookup, SS-1 invalidation, failed
//!   code lookup, PC-6 discard and LOG-6 line, answered with PROVISION_FAILURE.
//!
//! Settings (environment): `BENCH_SECS` (measured window, default 2), `BENCH_WARMUP_SECS`
//! (default 0.5), `BENCH_CONNS` (connections, default 32), `BENCH_ROUNDS` (default 5),
//! `BENCH_USERS` (users in the strings and wrong-code pools, default 256),
//! `BENCH_ENDPOINTS` (comma-separated words such as `strings,wrong`: only the endpoints
//! whose name contains one; default all).
//!
//! Run: `cargo bench -p swivel-reference-server --bench throughput`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::routing::post;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::cluster::{self, ClusterConfig, RunningCluster};
use swivel_reference_server::domain::{Core, CoreConfig};
use swivel_reference_server::transport::{ServeLimits, serve};

mod common;
use common::{BoxError, issue_code, provision, provision_xml, strings_xml, user_spec};

/// Longest wait for one reply; a slower one counts as an error and ends the connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for the connection tasks to finish after the window closes.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Targets of benchmark (a), per endpoint: server rate at least this share of the bare
/// handler's, by the median of the per-round ratios (issue 7).
const TARGET_STRINGS: f64 = 0.65;
const TARGET_VALID_CODE: f64 = 0.60;
/// The wrong-code Provision is reported against this, so that it does not regress.
const TARGET_WRONG_CODE: f64 = 0.60;
const PATH: &str = "/pinsafe/AgentXML";
const DEVICE_OS: &str = "BenchOS 1.0";
/// A syntactically valid code that no user holds (PC-8 alphabet, 10 characters).
const WRONG_CODE: &str = "ZZZZZZZZZZ";
/// How many more codes than the bare rate could use are issued for a valid-code window.
const CODE_MARGIN: f64 = 1.5;
const MAX_CODES: usize = 3_000_000;

/// Run settings from the environment.
#[derive(Debug, Clone)]
struct Settings {
    secs: f64,
    warmup_secs: f64,
    conns: usize,
    rounds: usize,
    users: usize,
    /// Endpoints to run: names containing one of these words (case-insensitive).
    only: Vec<String>,
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, BoxError> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name}={text:?} is not a valid number").into()),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self, BoxError> {
        let s = Settings {
            secs: env_number("BENCH_SECS", 2.0)?,
            warmup_secs: env_number("BENCH_WARMUP_SECS", 0.5)?,
            conns: env_number("BENCH_CONNS", 32)?,
            rounds: env_number("BENCH_ROUNDS", 5)?,
            users: env_number("BENCH_USERS", 256)?,
            only: std::env::var("BENCH_ENDPOINTS")
                .unwrap_or_default()
                .split(',')
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect(),
        };
        if !(0.1..=600.0).contains(&s.secs) || !(0.0..=60.0).contains(&s.warmup_secs) {
            return Err("BENCH_SECS must be 0.1..=600 and BENCH_WARMUP_SECS 0..=60".into());
        }
        if !(1..=1000).contains(&s.conns) || s.rounds == 0 || s.users == 0 {
            return Err("BENCH_CONNS must be 1..=1000; BENCH_ROUNDS, BENCH_USERS ≥ 1".into());
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------------------
// The load generator: a raw HTTP/1.1 keep-alive client.

/// One keep-alive connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A reply: status and where its body sits in the connection buffer.
struct Reply {
    status: u16,
    body: std::ops::Range<usize>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status and Content-Length of a response head.
fn parse_head(head: &[u8]) -> Result<(u16, usize), BoxError> {
    let head = std::str::from_utf8(head)?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or("reply without Content-Length")?;
    Ok((status, length))
}

impl Conn {
    async fn connect(addr: SocketAddr) -> Result<Self, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(8 * 1024),
        })
    }

    /// Sends one complete request and reads one complete reply.
    async fn exchange(&mut self, request: &[u8]) -> Result<Reply, BoxError> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        let mut head_end = None;
        let mut scanned: usize = 0;
        loop {
            if head_end.is_none() {
                // Re-scan only the new bytes (and 3 before, for a split terminator).
                let from = scanned.saturating_sub(3);
                head_end = find(&self.buf[from..], b"\r\n\r\n").map(|p| from + p + 4);
                scanned = self.buf.len();
            }
            if let Some(end) = head_end {
                let (status, length) = parse_head(&self.buf[..end])?;
                if self.buf.len() >= end + length {
                    if self.buf.len() > end + length {
                        return Err("more bytes than one reply (no pipelining here)".into());
                    }
                    return Ok(Reply {
                        status,
                        body: end..end + length,
                    });
                }
            }
            if self.buf.len() > 1 << 20 {
                return Err("reply larger than 1 MiB".into());
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err("connection closed mid-reply".into());
            }
        }
    }
}

/// An HTTP/1.1 POST of `body` to the Agent-XML path, the same for both servers.
fn http_request(body: &str) -> Vec<u8> {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml; charset=utf-8\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How connections pick their next request.
#[derive(Clone)]
enum Pick {
    /// Connection c sends requests c, c + K, c + 2K, … modulo the list.
    Cycle,
    /// Every request takes the next unused one; the run stops when they run out.
    Consume(Arc<AtomicUsize>),
}

/// One thing to measure: where, what, and how a correct reply is recognised.
#[derive(Clone)]
struct Workload {
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    pick: Pick,
    /// Bytes that a correct reply holds within its first 256 bytes.
    marker: &'static [u8],
}

/// The outcome of one measurement.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rate: f64,
    errors: u64,
    ran_out: bool,
}

fn is_correct(buf: &[u8], reply: &Reply, marker: &[u8]) -> bool {
    let body = &buf[reply.body.clone()];
    reply.status == 200 && find(&body[..body.len().min(256)], marker).is_some()
}

async fn run_connection(
    index: usize,
    conns: usize,
    work: Workload,
    ok: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    ran_out: Arc<AtomicBool>,
) {
    let mut conn = match Conn::connect(work.addr).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("connection {index}: cannot connect: {e}");
            errors.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let mut next = index;
    while !stop.load(Ordering::Relaxed) {
        let request = match &work.pick {
            Pick::Cycle => {
                let r = &work.requests[next % work.requests.len()];
                next = next.wrapping_add(conns);
                r
            }
            Pick::Consume(counter) => {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                match work.requests.get(n) {
                    Some(r) => r,
                    None => {
                        ran_out.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, conn.exchange(request)).await {
            Ok(Ok(reply)) if is_correct(&conn.buf, &reply, work.marker) => {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Ok(_)) => {
                errors.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                eprintln!("connection {index}: {e}");
                errors.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(_) => {
                eprintln!("connection {index}: no reply within {REQUEST_TIMEOUT:?}");
                errors.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// Drives `work` with `s.conns` connections: warm-up, then the counted window.
async fn measure(work: &Workload, s: &Settings) -> Result<Sample, BoxError> {
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ran_out = Arc::new(AtomicBool::new(false));
    let tasks: Vec<JoinHandle<()>> = (0..s.conns)
        .map(|i| {
            tokio::spawn(run_connection(
                i,
                s.conns,
                work.clone(),
                Arc::clone(&ok),
                Arc::clone(&errors),
                Arc::clone(&stop),
                Arc::clone(&ran_out),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(s.warmup_secs)).await;
    let (start_count, started) = (ok.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(s.secs)).await;
    let (end_count, elapsed) = (ok.load(Ordering::Relaxed), started.elapsed());
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        tokio::time::timeout(STOP_TIMEOUT, task)
            .await
            .map_err(|_| "a connection task did not stop in time")??;
    }
    Ok(Sample {
        rate: (end_count - start_count) as f64 / elapsed.as_secs_f64(),
        errors: errors.load(Ordering::Relaxed),
        ran_out: ran_out.load(Ordering::Relaxed),
    })
}

// ---------------------------------------------------------------------------------------
// The two servers.

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The reference server: one node, manual clock, no initial users.
async fn start_reference() -> Result<(RunningCluster, SocketAddr), BoxError> {
    let cluster = cluster::start(ClusterConfig::loopback(
        CoreConfig::default(),
        Arc::new(ManualClock::fixed()),
        "bench",
    ))
    .await?;
    let url = cluster.node_urls.first().ok_or("the cluster has no node")?;
    let addr = url.trim_start_matches("http://").parse()?;
    Ok((cluster, addr))
}

/// A bare axum server: the Agent-XML path answers every POST with `body`, after reading
/// the request body (as any handler must before the connection can be reused).
struct Bare {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start_bare(body: Bytes) -> Result<Bare, BoxError> {
    let router = Router::new().route(
        PATH,
        post(move |_request: Bytes| {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body) }
        }),
    );
    let listener = TcpListener::bind(loopback()).await?;
    let addr = listener.local_addr()?;
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(serve(listener, router, None, ServeLimits::default(), rx));
    Ok(Bare { addr, stop, task })
}

impl Bare {
    async fn shutdown(self) -> Result<(), BoxError> {
        let _ = self.stop.send(true);
        tokio::time::timeout(STOP_TIMEOUT, self.task)
            .await
            .map_err(|_| "the bare server did not stop in time")???;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Users and request bodies.

/// The pool of users that valid-code rounds issue fresh codes to; grows on demand.
struct FreshPool {
    created: usize,
}

impl FreshPool {
    fn name(i: usize) -> String {
        format!("fresh{i:07}")
    }

    /// Issues a fresh code to each of the first `n` pool users (creating users as
    /// needed) and returns one Provision request per code.
    /// Makes sure the pool has at least `n` users.
    fn create(&mut self, core: &Core, n: usize) -> Result<(), BoxError> {
        while self.created < n {
            core.create_user(&user_spec(&Self::name(self.created)))?;
            self.created += 1;
        }
        Ok(())
    }

    fn issue(&mut self, core: &Core, n: usize) -> Result<Vec<Vec<u8>>, BoxError> {
        self.create(core, n)?;
        (0..n)
            .map(|i| {
                let name = Self::name(i);
                let code = issue_code(core, &name)?;
                Ok(http_request(&provision_xml(&name, &code)))
            })
            .collect()
    }
}

/// Fresh codes for one valid-code window at `rate`: warm-up and window, with a margin.
fn codes_needed(rate: f64, s: &Settings) -> usize {
    ((rate * (s.secs + s.warmup_secs) * CODE_MARGIN) as usize).clamp(10_000, MAX_CODES)
}

/// One request through the load generator's client, for the reply a bare handler copies.
async fn capture(addr: SocketAddr, body: &str, marker: &[u8]) -> Result<Bytes, BoxError> {
    let mut conn = Conn::connect(addr).await?;
    let reply = conn.exchange(&http_request(body)).await?;
    if !is_correct(&conn.buf, &reply, marker) {
        return Err(format!(
            "unexpected reply {}: {}",
            reply.status,
            String::from_utf8_lossy(&conn.buf[reply.body])
        )
        .into());
    }
    Ok(Bytes::copy_from_slice(&conn.buf[reply.body]))
}

// ---------------------------------------------------------------------------------------
// The run.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Bare,
    Server,
}

struct Endpoint {
    name: &'static str,
    /// The share of the bare handler's rate this endpoint must reach.
    target: f64,
    reply_bytes: usize,
    bare: Workload,
    server: Workload,
    /// Valid-code Provision: the server workload gets fresh codes before each window.
    fresh_codes: bool,
    samples_bare: Vec<Sample>,
    samples_server: Vec<Sample>,
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

fn rates(samples: &[Sample]) -> Vec<f64> {
    samples.iter().map(|s| s.rate).collect()
}

fn main() -> Result<(), BoxError> {
    let settings = Settings::from_env()?;
    // Servers and load generator get a runtime each (two worker threads each on a
    // 2-CPU machine), so the generator's tasks never queue behind a server's.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("server")
        .build()?;
    let generator = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("generator")
        .build()?;
    generator.block_on(run(settings, servers.handle().clone()))
}

async fn run(s: Settings, servers: tokio::runtime::Handle) -> Result<(), BoxError> {
    let setup_started = Instant::now();
    let (cluster, server_addr) = servers.spawn(start_reference()).await??;
    let core = cluster.core.clone();

    // Users for SecurityStrings (provisioned, device ids known) and for the wrong-code
    // Provision (provisioned too, so SS-1 has a device to invalidate).
    let mut strings_requests = Vec::with_capacity(s.users);
    let mut wrong_requests = Vec::with_capacity(s.users);
    let mut first_strings_body = None;
    for i in 0..s.users {
        let name = format!("strings{i:05}");
        core.create_user(&user_spec(&name))?;
        let body = strings_xml(&provision(&core, &name, Some(DEVICE_OS))?);
        strings_requests.push(http_request(&body));
        first_strings_body.get_or_insert(body);
        let name = format!("wrong{i:05}");
        core.create_user(&user_spec(&name))?;
        provision(&core, &name, Some(DEVICE_OS))?;
        wrong_requests.push(http_request(&provision_xml(&name, WRONG_CODE)));
    }

    // Capture one real reply per endpoint: the bare handlers answer with these bytes.
    const PASS: &[u8] = b"<Result>PASS</Result>";
    const FAILURE: &[u8] = b"<Error>PROVISION_FAILURE</Error>";
    let first_strings_body = first_strings_body.ok_or("BENCH_USERS must be at least 1")?;
    let strings_reply = capture(server_addr, &first_strings_body, PASS).await?;
    core.create_user(&user_spec("capture"))?;
    let code = issue_code(&core, "capture")?;
    let provision_reply = capture(server_addr, &provision_xml("capture", &code), PASS).await?;
    let wrong_reply = capture(
        server_addr,
        &provision_xml("wrong00000", WRONG_CODE),
        FAILURE,
    )
    .await?;

    let bare_strings = servers.spawn(start_bare(strings_reply.clone())).await??;
    let bare_provision = servers.spawn(start_bare(provision_reply.clone())).await??;
    let bare_wrong = servers.spawn(start_bare(wrong_reply.clone())).await??;
    let cycle = |addr, requests: &Arc<Vec<Vec<u8>>>, marker| Workload {
        addr,
        requests: Arc::clone(requests),
        pick: Pick::Cycle,
        marker,
    };
    let strings_requests = Arc::new(strings_requests);
    let wrong_requests = Arc::new(wrong_requests);
    // The bare valid-code run cycles over one user's request: the bare handler ignores it.
    let provision_template = Arc::new(vec![http_request(&provision_xml(
        "fresh0000000",
        "ABCDEFGHJK",
    ))]);
    let mut endpoints = vec![
        Endpoint {
            name: "SecurityStrings",
            target: TARGET_STRINGS,
            reply_bytes: strings_reply.len(),
            bare: cycle(bare_strings.addr, &strings_requests, PASS),
            server: cycle(server_addr, &strings_requests, PASS),
            fresh_codes: false,
            samples_bare: Vec::new(),
            samples_server: Vec::new(),
        },
        Endpoint {
            name: "Provision (valid code)",
            target: TARGET_VALID_CODE,
            reply_bytes: provision_reply.len(),
            bare: cycle(bare_provision.addr, &provision_template, PASS),
            server: cycle(server_addr, &provision_template, PASS),
            fresh_codes: true,
            samples_bare: Vec::new(),
            samples_server: Vec::new(),
        },
        Endpoint {
            name: "Provision (wrong code)",
            target: TARGET_WRONG_CODE,
            reply_bytes: wrong_reply.len(),
            bare: cycle(bare_wrong.addr, &wrong_requests, FAILURE),
            server: cycle(server_addr, &wrong_requests, FAILURE),
            fresh_codes: false,
            samples_bare: Vec::new(),
            samples_server: Vec::new(),
        },
    ];
    endpoints.retain(|e| {
        let name = e.name.to_lowercase();
        s.only.is_empty() || s.only.iter().any(|w| name.contains(w.as_str()))
    });
    if endpoints.is_empty() {
        return Err("BENCH_ENDPOINTS matches no endpoint (strings, valid, wrong)".into());
    }
    println!(
        "(a) throughput: reference server vs bare axum handler on 127.0.0.1, one process, \
         {} connections, {:.1} s window after {:.1} s warm-up, {} rounds ({} CPUs); setup {:.1} s",
        s.conns,
        s.secs,
        s.warmup_secs,
        s.rounds,
        std::thread::available_parallelism().map_or(0, usize::from),
        setup_started.elapsed().as_secs_f64()
    );

    // The valid-code pool is created up front, sized from a short unreported run of the
    // bare handler, so that every measurement (of every endpoint, from round 1 on) sees
    // a server holding the same users.
    let mut fresh = FreshPool { created: 0 };
    if let Some(e) = endpoints.iter().find(|e| e.fresh_codes) {
        let sizing = Settings {
            secs: 1.0,
            warmup_secs: 0.5,
            ..s.clone()
        };
        let rate = measure(&e.bare, &sizing).await?.rate;
        let created = Instant::now();
        fresh.create(&core, codes_needed(rate * 1.2, &s))?;
        eprintln!(
            "  created {} pool users for fresh codes in {:.1} s (bare rate {rate:.0} req/s)",
            fresh.created,
            created.elapsed().as_secs_f64()
        );
    }
    println!(
        "the server holds {} users during the runs; load average before: {}",
        core.user_count(),
        load_average()
    );
    for round in 0..s.rounds {
        let order = if round % 2 == 0 {
            [Side::Bare, Side::Server]
        } else {
            [Side::Server, Side::Bare]
        };
        for endpoint in &mut endpoints {
            for side in order {
                let mut work = match side {
                    Side::Bare => endpoint.bare.clone(),
                    Side::Server => endpoint.server.clone(),
                };
                if side == Side::Server && endpoint.fresh_codes {
                    // Enough fresh codes for the bare rate (an upper bound) plus a margin.
                    let bare_rate = endpoint
                        .samples_bare
                        .iter()
                        .map(|x| x.rate)
                        .fold(20_000.0, f64::max);
                    let needed = codes_needed(bare_rate, &s);
                    let issued = Instant::now();
                    work.requests = Arc::new(fresh.issue(&core, needed)?);
                    work.pick = Pick::Consume(Arc::new(AtomicUsize::new(0)));
                    eprintln!(
                        "  issued {needed} fresh codes in {:.1} s",
                        issued.elapsed().as_secs_f64()
                    );
                }
                let sample = measure(&work, &s).await?;
                eprintln!(
                    "  round {} {:<24} {:<6} {:>10.0} req/s{}{}",
                    round + 1,
                    endpoint.name,
                    format!("{side:?}").to_lowercase(),
                    sample.rate,
                    if sample.errors > 0 {
                        format!("  ({} errors)", sample.errors)
                    } else {
                        String::new()
                    },
                    if sample.ran_out {
                        "  (ran out of codes: a lower bound)"
                    } else {
                        ""
                    }
                );
                match side {
                    Side::Bare => endpoint.samples_bare.push(sample),
                    Side::Server => endpoint.samples_server.push(sample),
                }
            }
        }
    }

    println!();
    println!(
        "| endpoint | reply bytes | bare req/s (median) | server req/s (median) | server/bare of medians | server/bare, median of rounds | target (by rounds) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    let mut problems = Vec::new();
    for e in &endpoints {
        let bare = median(&rates(&e.samples_bare));
        let server = median(&rates(&e.samples_server));
        let ratio = if bare > 0.0 { server / bare } else { 0.0 };
        // Each round's two runs are back to back: their ratio sees the same background.
        let paired: Vec<f64> = e
            .samples_bare
            .iter()
            .zip(&e.samples_server)
            .filter(|(b, _)| b.rate > 0.0)
            .map(|(b, s)| s.rate / b.rate)
            .collect();
        let paired = median(&paired);
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1}% | {:.1}% | ≥ {:.0}%: {} |",
            e.name,
            e.reply_bytes,
            bare,
            server,
            ratio * 100.0,
            paired * 100.0,
            e.target * 100.0,
            if paired >= e.target { "PASS" } else { "GAP" }
        );
        for sample in e.samples_bare.iter().chain(&e.samples_server) {
            if sample.errors > 0 {
                problems.push(format!("{}: {} errors in one run", e.name, sample.errors));
            }
            if sample.ran_out {
                problems.push(format!("{}: fresh codes ran out in one run", e.name));
            }
        }
    }
    println!();
    for e in &endpoints {
        let list = |samples: &[Sample]| {
            samples
                .iter()
                .map(|x| format!("{:.0}", x.rate))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "per round, {}: bare [{}], server [{}]",
            e.name,
            list(&e.samples_bare),
            list(&e.samples_server)
        );
    }
    println!(
        "load average after: {}; {:.0} s in all",
        load_average(),
        setup_started.elapsed().as_secs_f64()
    );
    for p in &problems {
        println!("WARNING: {p}");
    }

    for bare in [bare_strings, bare_provision, bare_wrong] {
        bare.shutdown().await?;
    }
    tokio::time::timeout(STOP_TIMEOUT, servers.spawn(cluster.shutdown()))
        .await
        .map_err(|_| "the reference server did not stop in time")??;
    if problems.is_empty() {
        Ok(())
    } else {
        Err("some runs had errors; see the warnings above".into())
    }
}
