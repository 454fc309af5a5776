//! The cost of one Agent-XML request inside the server, without TCP or hyper: the node
//! router (the one `cluster::start` serves) is driven in-process with
//! `tower::ServiceExt::oneshot`, one request after the other on a current-thread
//! runtime, for `SecurityStrings` (by `<Id>` alone) and `Provision` (valid code, and a
//! wrong one), with the mobile-3.6 bodies of benchmark (a). It prints the mean time per
//! request of each endpoint.
//!
//! Its real use is under callgrind, whose instruction counts do not depend on the load of
//! a shared machine (BENCHMARKS.md (a), "where the time went"): each endpoint runs in its
//! own non-inlined function, so
//!
//! ```sh
//! cargo bench -p swivel-reference-server --bench handler_cost --no-run
//! valgrind --tool=callgrind --toggle-collect='*drive_strings*' target/release/deps/handler_cost-…
//! ```
//!
//! counts only the strings requests (`*drive_valid*`, `*drive_wrong*` for the others);
//! divide the total by `BENCH_COST_REQUESTS` (default 20000; the same number of users is
//! created for each endpoint). `BENCH_COST_IDLE_USERS` (default 0) adds that many idle
//! users first, so the tables are as large as in benchmark (a) and the timings include
//! its cache misses.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use swivel_reference_server::clock::ManualClock;
use swivel_reference_server::domain::{Core, CoreConfig};
use swivel_reference_server::http::{NodeLimits, node_router};
use swivel_reference_server::profile::WireProfile;
use swivel_reference_server::wire::ServerWire;

mod common;
use common::{BoxError, issue_code, provision, provision_xml, strings_xml, user_spec};

const PATH: &str = "/pinsafe/AgentXML";
const WRONG_CODE: &str = "ZZZZZZZZZZ";

/// Sends every body through the router and checks each reply for `marker`.
async fn drive(router: &Router, bodies: Vec<String>, marker: &str) -> Result<(), BoxError> {
    for body in bodies {
        let request = Request::post(PATH)
            .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))?;
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK || !bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
        {
            return Err(format!(
                "unexpected reply {status}: {}",
                String::from_utf8_lossy(&bytes)
            )
            .into());
        }
        black_box(bytes);
    }
    Ok(())
}

#[inline(never)]
fn drive_strings(
    rt: &tokio::runtime::Runtime,
    router: &Router,
    bodies: Vec<String>,
) -> Result<(), BoxError> {
    rt.block_on(drive(router, bodies, "<Result>PASS</Result>"))
}

#[inline(never)]
fn drive_valid(
    rt: &tokio::runtime::Runtime,
    router: &Router,
    bodies: Vec<String>,
) -> Result<(), BoxError> {
    rt.block_on(drive(router, bodies, "<Result>PASS</Result>"))
}

#[inline(never)]
fn drive_wrong(
    rt: &tokio::runtime::Runtime,
    router: &Router,
    bodies: Vec<String>,
) -> Result<(), BoxError> {
    rt.block_on(drive(router, bodies, "PROVISION_FAILURE"))
}

type Driver = fn(&tokio::runtime::Runtime, &Router, Vec<String>) -> Result<(), BoxError>;

fn main() -> Result<(), BoxError> {
    let n: usize = match std::env::var("BENCH_COST_REQUESTS") {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("BENCH_COST_REQUESTS={text:?} is not a count"))?,
        Err(_) => 20_000,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let core = Core::new(
        CoreConfig::default(),
        Arc::new(ManualClock::fixed()),
        Vec::new(),
    )?;
    let wire = Arc::new(ServerWire::faithful(&WireProfile::default_profile()));
    let router = node_router(core.clone(), 1, NodeLimits::default(), wire)?;

    // Idle users, so that the tables are as large as in benchmark (a) and each request
    // meets cold memory there too (`BENCH_COST_IDLE_USERS`, default none).
    let idle: usize = match std::env::var("BENCH_COST_IDLE_USERS") {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("BENCH_COST_IDLE_USERS={text:?} is not a count"))?,
        Err(_) => 0,
    };
    for i in 0..idle {
        core.create_user(&user_spec(&format!("idle{i:07}")))?;
    }
    let mut strings = Vec::with_capacity(n);
    let mut valid = Vec::with_capacity(n);
    let mut wrong = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("strings{i:07}");
        core.create_user(&user_spec(&name))?;
        strings.push(strings_xml(&provision(&core, &name, None)?));
        let name = format!("wrong{i:07}");
        core.create_user(&user_spec(&name))?;
        provision(&core, &name, None)?;
        wrong.push(provision_xml(&name, WRONG_CODE));
        let name = format!("valid{i:07}");
        core.create_user(&user_spec(&name))?;
        valid.push(provision_xml(&name, &issue_code(&core, &name)?));
    }
    let runs: [(&str, Driver, Vec<String>); 3] = [
        ("SecurityStrings", drive_strings, strings),
        ("Provision (valid code)", drive_valid, valid),
        ("Provision (wrong code)", drive_wrong, wrong),
    ];
    println!("handler cost: {n} requests per endpoint through the node router, in-process");
    for (name, driver, bodies) in runs {
        let started = Instant::now();
        driver(&rt, &router, bodies)?;
        let per = started.elapsed().as_secs_f64() * 1e9 / n.max(1) as f64;
        println!("  {name:<24} {per:>8.0} ns/request");
    }
    Ok(())
}
