//! Benchmark (b): resident memory per provisioned user of the reference server's domain
//! core at 1,000,000 users (no HTTP, no network).
//!
//! One [`Core`] with default settings is filled in three phases, and the process's
//! resident set (`VmRSS` of `/proc/self/status`) is read after each:
//! 1. every user created (username, PIN, group, e-mail alert transport);
//! 2. every user reprovisioned (code issued, one outbox message, LOG-1..LOG-4), the code
//!    read back from the outbox and redeemed by a Provision (device bound, LOG-5);
//! 3. one SecurityStrings download per device, asked by device id alone as the mobile
//!    wire does (the device keeps its string book).
//!
//! Phase 2 also fills the device index (device id -> user, for `<Id>`-alone requests).
//!
//! The growth over the empty core divided by the user count is the figure, compared with
//! the 1 KiB target. It includes everything the core keeps: the user map, devices and
//! books, the one outbox message each user received (the outbox keeps up to 8 per user),
//! the log ring (100,000 entries by default, full long before the end), the session
//! stores (empty at the end: every code was redeemed), and the allocator's overhead.
//! The bench's own bookkeeping (one 32-byte device id per user) is allocated and touched
//! before the baseline, so it is not counted.
//!
//! Settings (environment): `BENCH_MEM_USERS` (default 1,000,000).
//!
//! Run: `cargo bench -p swivel-reference-server --bench memory`.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::domain::devices::Device;
use swivel_reference_server::domain::outbox::{MESSAGES_PER_USER, OutboxMessage};
use swivel_reference_server::domain::provision::ProvisionRequest;
use swivel_reference_server::domain::strings::StringBook;
use swivel_reference_server::domain::users::{Transport, TransportKind, User, UserSpec};
use swivel_reference_server::domain::{Core, CoreConfig};

type BoxError = Box<dyn Error + Send + Sync>;

/// Target of benchmark (b), bytes per provisioned user.
const TARGET_BYTES: f64 = 1024.0;
const DEFAULT_USERS: usize = 1_000_000;

/// A line of `/proc/self/status` such as `VmRSS:  123 kB`, in bytes.
fn proc_status_bytes(field: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .ok_or_else(|| format!("no {field} in /proc/self/status"))?;
    let kb: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kb * 1024)
}

fn rss() -> Result<u64, BoxError> {
    proc_status_bytes("VmRSS")
}

fn name(i: usize) -> String {
    format!("user{i:07}")
}

fn spec(i: usize) -> UserSpec {
    let username = name(i);
    UserSpec {
        alert_transport: Some(Transport {
            kind: TransportKind::Email,
            destination: format!("{username}@example.test"),
        }),
        username,
        pin: "1234".to_string(),
        mobile_client: true,
        groups: None,
        string_transport: None,
    }
}

/// A device id as 32 ASCII hex digits, kept without a heap allocation per user.
fn id_bytes(id: &str) -> Result<[u8; 32], BoxError> {
    id.as_bytes()
        .try_into()
        .map_err(|_| format!("device id {id:?} is not 32 characters").into())
}

struct Phase {
    label: &'static str,
    rss: u64,
    secs: f64,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> Result<(), BoxError> {
    let n = match std::env::var("BENCH_MEM_USERS") {
        Ok(text) => text
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("BENCH_MEM_USERS={text:?} is not a number"))?,
        Err(_) => DEFAULT_USERS,
    };
    if n == 0 {
        return Err("BENCH_MEM_USERS must be at least 1".into());
    }
    let config = CoreConfig::default();
    let log_capacity = config.log_capacity;

    // The bench's own per-user state, written through so its pages are resident now.
    let mut device_ids = vec![[b'-'; 32]; n];
    let core = Core::new(config, Arc::new(ManualClock::fixed()), Vec::new())?;
    let baseline = rss()?;
    let mut phases = Vec::new();

    let started = Instant::now();
    for i in 0..n {
        core.create_user(&spec(i))?;
    }
    phases.push(Phase {
        label: "users created",
        rss: rss()?,
        secs: started.elapsed().as_secs_f64(),
    });

    let started = Instant::now();
    for (i, slot) in device_ids.iter_mut().enumerate() {
        let username = name(i);
        core.admin_reprovision(1, &username)?;
        let code = core
            .outbox(Some(&username), MESSAGES_PER_USER)
            .into_iter()
            .rev()
            .find_map(|m| m.code)
            .ok_or_else(|| format!("no code in {username}'s outbox"))?;
        let done = core.provision(
            1,
            &ProvisionRequest {
                username,
                code,
                device_info: Some("BenchOS 1.0".to_string()),
            },
        )?;
        *slot = id_bytes(&done.device_id)?;
    }
    phases.push(Phase {
        label: "+ reprovisioned and provisioned",
        rss: rss()?,
        secs: started.elapsed().as_secs_f64(),
    });

    let started = Instant::now();
    for id in &device_ids {
        let id = std::str::from_utf8(id)?;
        let download = core.device_security_strings(1, id)?;
        if download.strings().len() != 99 {
            return Err(format!("download of {} strings, not 99", download.strings().len()).into());
        }
    }
    phases.push(Phase {
        label: "+ one strings download each",
        rss: rss()?,
        secs: started.elapsed().as_secs_f64(),
    });
    let peak = proc_status_bytes("VmHWM")?;

    println!(
        "(b) memory per provisioned user: {n} users in one Core (no HTTP); VmRSS growth over the empty core"
    );
    println!();
    println!(
        "| phase | VmRSS MiB | growth MiB | bytes/user (cumulative) | bytes/user (this phase) | time s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!("| empty core | {:.1} | 0.0 | 0 | 0 | - |", mib(baseline));
    let mut previous = baseline;
    for p in &phases {
        let grown = p.rss.saturating_sub(baseline);
        println!(
            "| {} | {:.1} | {:.1} | {:.0} | {:.0} | {:.1} |",
            p.label,
            mib(p.rss),
            mib(grown),
            grown as f64 / n as f64,
            p.rss.saturating_sub(previous) as f64 / n as f64,
            p.secs
        );
        previous = p.rss;
    }
    let last = phases.last().map_or(baseline, |p| p.rss);
    let per_user = last.saturating_sub(baseline) as f64 / n as f64;
    println!();
    println!(
        "per provisioned user: {per_user:.0} bytes (target < {TARGET_BYTES:.0}): {}",
        if per_user < TARGET_BYTES {
            "PASS"
        } else {
            "GAP"
        }
    );
    println!(
        "peak VmHWM {:.1} MiB (includes hash-map growth, when old and new tables coexist)",
        mib(peak)
    );
    println!(
        "included: the user map; the device index; each user's device and string book; the outbox (at most 100000 messages in all) \
         (the outbox keeps up to {MESSAGES_PER_USER}); the log ring ({log_capacity} entries, full); \
         empty session stores; malloc overhead. Not included: the bench's 32-byte id per user."
    );
    println!(
        "inline sizes: User {} B, Device {} B (StringBook {} B, inline twice: book and previous_book), \
         OutboxMessage {} B (plus its 4 heap strings)",
        std::mem::size_of::<User>(),
        std::mem::size_of::<Device>(),
        std::mem::size_of::<StringBook>(),
        std::mem::size_of::<OutboxMessage>(),
    );
    drop(core);
    Ok(())
}
