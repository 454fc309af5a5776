//! PC-3 over the control API: the validity period is checked against 10..=1000000 with a
//! clear error and the old value kept; unknown policy fields are refused.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::start_default;

fn validity(policies: &serde_json::Value) -> u64 {
    policies["self_reset"]["provision_code_validity_secs"]
        .as_u64()
        .expect("validity is a number")
}

#[tokio::test]
async fn pc3_validity_outside_range_is_refused_and_old_value_kept() {
    let s = start_default().await;
    assert_eq!(validity(&s.policies().await), 600);
    for bad in [9u64, 1_000_001, 0] {
        let (status, body) = s
            .put_policies(json!({"self_reset": {"provision_code_validity_secs": bad}}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains("between 10 and 1000000"), "{message}");
        assert_eq!(validity(&s.policies().await), 600);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn pc3_validity_bounds_are_inclusive() {
    let s = start_default().await;
    for good in [10u64, 1_000_000] {
        let (status, body) = s
            .put_policies(json!({"self_reset": {"provision_code_validity_secs": good}}))
            .await;
        assert_eq!(status, StatusCode::OK, "{good}: {body}");
        assert_eq!(validity(&body), good);
        assert_eq!(validity(&s.policies().await), good);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_or_mistyped_policy_fields_are_refused() {
    let s = start_default().await;
    let before = s.policies().await;
    for patch in [
        json!({"bogus": 1}),
        json!({"self_reset": {"bogus": true}}),
        json!({"self_reset": {"provision_code_validity_secs": "600"}}),
        json!({"general": {"security_string_type": "emoji"}}),
        json!({"self_reset": {"complete_url_base": "ftp://x/"}}),
    ] {
        let (status, body) = s.put_policies(patch.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(s.policies().await, before);
    s.shutdown().await;
}

#[tokio::test]
async fn a_patch_changes_only_the_fields_it_names() {
    let s = start_default().await;
    let (status, body) = s
        .put_policies(json!({"mobile_client": {"allow_pin_entry": true}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .put_policies(json!({"general": {"security_string_type": "upper"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let now = s.policies().await;
    assert_eq!(now["mobile_client"]["allow_pin_entry"], true);
    assert_eq!(now["general"]["security_string_type"], "upper");
    assert_eq!(validity(&now), 600);

    // SS-6 over HTTP: the new type reaches the download.
    let (_, strings) = s.with_strings("alice").await;
    assert!(
        strings
            .iter()
            .all(|s| s[..10].bytes().all(|b| b.is_ascii_uppercase())),
        "{strings:?}"
    );
    s.shutdown().await;
}
