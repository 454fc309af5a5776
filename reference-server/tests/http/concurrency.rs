//! PC-9 over HTTP (acceptance item): 50 concurrent provision requests carrying one valid
//! code, released together by a barrier, give exactly one PASS, on one node and spread
//! over two sharing nodes; with the non-atomic-redemption defect more than one passes.

use std::sync::Arc;

use swivel_reference_server::defects::Defect;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::support::{Opts, Reply, Server, start};

const RACERS: usize = 50;

/// Sends `RACERS` concurrent provision requests for `user` with `code`, request i going to
/// node `nodes[i % nodes.len()]`, all released at once. Returns the replies.
pub async fn race(s: &Server, user: &str, code: &str, nodes: &[u16]) -> Vec<Reply> {
    let barrier = Arc::new(Barrier::new(RACERS));
    let body = s.provision_xml(user, code);
    let mut tasks = JoinSet::new();
    for i in 0..RACERS {
        let url = s.agent_url(nodes[i % nodes.len()], "pinsafe");
        let (client, barrier, body) = (s.http.clone(), barrier.clone(), body.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .header("content-type", "application/xml; charset=utf-8")
                .body(body)
                .send()
                .await
                .expect("racer got a response");
            let status = response.status();
            Reply {
                status,
                body: response.text().await.expect("racer read the body"),
            }
        });
    }
    let all = async {
        let mut replies = Vec::new();
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.expect("racer task finished"));
        }
        replies
    };
    tokio::time::timeout(crate::support::NET_BOUND, all)
        .await
        .expect("every racer answered")
}

/// Counts PASS replies and checks every other reply is FAIL PROVISION_FAILURE.
pub fn passes(replies: &[Reply]) -> usize {
    assert_eq!(replies.len(), RACERS);
    let mut passed = 0;
    for reply in replies {
        if reply.passed() {
            passed += 1;
        } else {
            reply.assert_fail("PROVISION_FAILURE");
        }
    }
    passed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pc9_fifty_concurrent_attempts_one_pass() {
    let s = start(Opts::default()).await;
    let code = s.issue_code("alice", 1).await;
    let replies = race(&s, "alice", &code, &[1]).await;
    assert_eq!(passes(&replies), 1);
    // The winner's device is the bound one.
    let winner = replies.iter().find(|r| r.passed()).unwrap();
    s.strings(1, "alice", winner.id().unwrap())
        .await
        .assert_pass();
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pc9_and_cl2_fifty_concurrent_attempts_over_two_sharing_nodes_one_pass() {
    let s = start(Opts::cluster(2, true)).await;
    let code = s.issue_code("alice", 2).await;
    let replies = race(&s, "alice", &code, &[1, 2]).await;
    assert_eq!(passes(&replies), 1);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_atomic_redemption_defect_lets_more_than_one_pass() {
    let s = start(Opts::default().with_defect(Defect::NonAtomicRedemption)).await;
    let mut seen = Vec::new();
    for _ in 0..5 {
        let code = s.issue_code("alice", 1).await;
        let passed = passes(&race(&s, "alice", &code, &[1]).await);
        seen.push(passed);
        if passed > 1 {
            break;
        }
    }
    assert!(
        seen.iter().any(|&p| p > 1),
        "the race never let two attempts through: {seen:?}"
    );
    s.shutdown().await;
}
