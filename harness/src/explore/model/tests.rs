//! What the model plans for the newer operations: the order of checks that decides which
//! rule a failure is filed under, and the state a probe leaves behind.

use super::*;
use crate::explore::ops::{CodeRef, DeviceRef, Setting};
use crate::explore::settings::{MessageFormat, StringType};

fn planned(ops: Vec<Op>) -> Vec<Planned> {
    let history = History {
        nodes: 1,
        sharing: false,
        ops,
    };
    crate::explore::plan::plan(&history).0
}

/// `(action, rule)` of each step.
fn outline(steps: &[Planned]) -> Vec<(String, String)> {
    steps
        .iter()
        .map(|p| {
            (
                p.fields.action().to_string(),
                p.rule.map(|r| r.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn provisioned(device_os: bool) -> Vec<Op> {
    vec![
        Op::Reprovision {
            user: User::U,
            node: 0,
        },
        Op::Provision {
            user: User::U,
            code: CodeRef::Latest,
            node: 0,
            device_os,
        },
    ]
}

fn position(steps: &[(String, String)], action: &str, rule: &str) -> usize {
    steps
        .iter()
        .position(|(a, r)| a == action && r == rule)
        .unwrap_or(usize::MAX)
}

#[test]
fn a_download_is_used_as_the_app_uses_it_before_its_layout_and_type_are_judged() {
    let mut ops = vec![Op::SetPolicy(Setting::StringType(StringType::Upper))];
    ops.extend(provisioned(false));
    ops.push(Op::Strings {
        user: User::U,
        device: DeviceRef::Current,
        node: 0,
    });
    let steps = outline(&planned(ops));
    let wire4 = position(&steps, "login", "WIRE-4");
    let ss3 = position(&steps, "check_strings", "SS-3");
    let ss6 = position(&steps, "check_strings", "SS-6");
    assert!(wire4 < ss3 && ss3 < ss6 && ss6 < steps.len(), "{steps:?}");
}

#[test]
fn device_information_is_judged_before_the_line_it_is_appended_to() {
    let steps = outline(&planned(provisioned(true)));
    let sp2 = position(&steps, "expect_log", "SP-2");
    let log5 = position(&steps, "expect_log", "LOG-5");
    assert!(sp2 < log5 && log5 < steps.len(), "{steps:?}");
    let without = outline(&planned(provisioned(false)));
    assert_eq!(position(&without, "expect_log", "SP-2"), usize::MAX);
}

#[test]
fn a_complete_url_is_checked_and_its_qr_image_asked_for() {
    let mut ops = vec![Op::SetPolicy(Setting::Message(MessageFormat::CompleteUrl))];
    ops.extend(provisioned(false));
    ops.push(Op::QrCode {
        user: User::U,
        node: 0,
    });
    let steps = planned(ops);
    let read = steps
        .iter()
        .find(|p| p.fields.action() == "read_code")
        .and_then(|p| p.fields.get("save_url"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let qr = steps
        .iter()
        .find(|p| p.fields.action() == "qr_code")
        .and_then(|p| p.fields.get("text"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    assert_eq!(qr, read.map(|url| format!("${{{url}}}")));
    let outline = outline(&steps);
    assert!(position(&outline, "expect_outbox", "URL-2") < outline.len());
    assert!(position(&outline, "contains", "URL-2") < outline.len());
}

#[test]
fn check_codes_replaces_the_pending_code_on_node_1() {
    let ops = vec![
        Op::Reprovision {
            user: User::U,
            node: 0,
        },
        Op::CheckCodes { user: User::U },
        Op::Provision {
            user: User::U,
            code: CodeRef::Latest,
            node: 0,
            device_os: false,
        },
    ];
    let steps = planned(ops);
    let provision = steps
        .iter()
        .find(|p| p.fields.action() == "provision")
        .map(|p| (p.fields.get("expect").cloned(), p.rule));
    assert_eq!(
        provision,
        Some((
            Some(toml::Value::String(PROVISION_FAILURE.into())),
            Some(rule_id!("PC-7"))
        ))
    );
}

#[test]
fn syslog_reads_the_newest_exact_line_again() {
    let mut ops = provisioned(false);
    ops.push(Op::ReadSyslog);
    let steps = planned(ops);
    // The last step but the log oracle that closes every history reading the log.
    assert_eq!(
        steps.last().map(|p| p.fields.action()),
        Some("expect_log_explained")
    );
    let last = steps.iter().rev().nth(1).map(|p| {
        (
            p.fields.action().to_string(),
            p.fields
                .get("text")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            p.fields.get("client").cloned(),
        )
    });
    assert_eq!(
        last,
        Some((
            "expect_syslog".to_string(),
            Some("User \"${u}\" provisioned successfully".to_string()),
            Some(toml::Value::Boolean(true))
        ))
    );
    // Nothing logged yet: nothing to read.
    assert!(planned(vec![Op::ReadSyslog]).is_empty());
}
