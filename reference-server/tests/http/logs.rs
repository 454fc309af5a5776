//! LOG-1..LOG-7 over HTTP: the exact texts of protocol.md §7, in order, each entry stamped
//! with the node that wrote it and the control clock's time.

use serde_json::Value;

use crate::support::{Opts, start};

fn node_and_time(entry: &Value) -> (u64, u64) {
    (
        entry["node"].as_u64().expect("node is a number"),
        entry["at_ms"].as_u64().expect("at_ms is a number"),
    )
}

#[tokio::test]
async fn log1_to_log7_are_byte_exact_with_node_and_clock_time() {
    let s = start(Opts::cluster(2, true)).await;
    s.advance(42).await;
    let t0 = s.now_ms().await;
    s.reprovision("alice", 2).await;
    let code = s.outbox_code("alice").await;

    let entries = s.log_entries().await;
    let texts: Vec<&str> = entries
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "Provision code created for user \"alice\"",
            "Message added to message queue for user: alice, destination: alice@example.test.",
            "Message sent to user: alice, destination: alice@example.test.",
            "User \"alice\" can now reprovision their mobile device.",
        ]
    );
    for e in &entries {
        assert_eq!(node_and_time(e), (2, t0), "{e}");
    }

    s.advance(1).await;
    let t1 = s.now_ms().await;
    assert_eq!(t1, t0 + 1000);
    s.provision(1, "alice", &code).await.assert_pass();
    s.advance(2).await;
    let t2 = s.now_ms().await;
    s.provision(2, "alice", &code)
        .await
        .assert_fail("PROVISION_FAILURE");
    s.advance(3).await;
    let t3 = s.now_ms().await;
    s.provision(1, "nobody", &code)
        .await
        .assert_fail("LOG_USER_NOT_FOUND");

    let entries = s.log_entries().await;
    let tail: Vec<(&str, (u64, u64))> = entries[4..]
        .iter()
        .map(|e| (e["text"].as_str().unwrap(), node_and_time(e)))
        .collect();
    assert_eq!(
        tail,
        vec![
            ("User \"alice\" provisioned successfully", (1, t1)),
            (
                "User \"alice\" provision failed, A valid session could not be loaded or created for the user.",
                (2, t2)
            ),
            (
                "Mobile request from unknown user; the user needs to reprovision",
                (1, t3)
            ),
        ]
    );
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());

    // Paging with `since`.
    let page = s.control_get("/control/log?since=5&limit=1").await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page["entries"][0]["seq"], 6);
    assert_eq!(page["next_seq"], 8);
    s.shutdown().await;
}

#[tokio::test]
async fn log9_strings_fetched_and_log7_for_unbound_device() {
    let s = start(Opts::default()).await;
    let device = s.provisioned("alice").await;
    s.strings(1, "alice", &device).await.assert_pass();
    s.strings(1, "alice", &"f".repeat(32))
        .await
        .assert_fail("DEVICE_NOT_PROVISIONED");
    let texts = s.log_texts().await;
    assert_eq!(
        &texts[texts.len() - 2..],
        [
            "Security strings fetched for user alice",
            "Mobile request from unknown user; the user needs to reprovision"
        ]
    );
    s.shutdown().await;
}
