//! What the model allows of a concurrent segment: the interleavings it enumerates, the
//! outcome vectors they give, the rule the step checks, and the state it continues from.

use super::concurrent::interleavings;
use super::*;
use crate::explore::ops::{Branch, BranchOp, CodeRef, DeviceRef, OtcRef};

fn planned(ops: Vec<Op>) -> (Vec<Planned>, Model) {
    let history = History {
        nodes: 1,
        sharing: false,
        ops,
    };
    crate::explore::plan::plan(&history)
}

fn code(node: u8) -> BranchOp {
    BranchOp::Provision {
        code: CodeRef::Latest,
        node,
    }
}

fn fresh() -> BranchOp {
    BranchOp::Login {
        otc: OtcRef::Fresh,
        node: 0,
    }
}

fn segment(left: &[BranchOp], right: &[BranchOp]) -> Op {
    Op::Concurrent {
        user: User::U,
        left: Branch::new(left),
        right: Branch::new(right),
    }
}

fn reprovision() -> Op {
    Op::Reprovision {
        user: User::U,
        node: 0,
    }
}

/// Provisioned, one download: `u` holds a device and a string set with index 1 used.
fn downloaded() -> Vec<Op> {
    vec![
        reprovision(),
        Op::Provision {
            user: User::U,
            code: CodeRef::Latest,
            node: 0,
            device_os: false,
        },
        Op::Strings {
            user: User::U,
            device: DeviceRef::Current,
            node: 0,
        },
    ]
}

fn concurrent_step(steps: &[Planned]) -> &Planned {
    steps
        .iter()
        .find(|p| p.fields.action() == "concurrently")
        .unwrap_or_else(|| panic!("no concurrently step in {steps:?}"))
}

fn allowed(p: &Planned) -> Vec<Vec<String>> {
    let list = p.fields.get("allowed").and_then(|v| v.as_array()).cloned();
    list.unwrap_or_default()
        .iter()
        .map(|v| {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

fn keys(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn interleavings_keep_each_branch_in_order_and_number_the_binomial() {
    assert_eq!(interleavings(4, 4).len(), 70);
    assert_eq!(interleavings(1, 3).len(), 4);
    assert_eq!(interleavings(2, 0), vec![vec![false, false]]);
    let all = interleavings(2, 2);
    assert_eq!(all.len(), 6);
    assert_eq!(all.first(), Some(&vec![false, false, true, true]));
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), 6);
    assert!(all.iter().all(|o| o.iter().filter(|r| **r).count() == 2));
}

#[test]
fn two_provisions_with_one_fresh_code_allow_exactly_one_pass() {
    let (steps, model) = planned(vec![reprovision(), segment(&[code(0)], &[code(0)])]);
    let step = concurrent_step(&steps);
    assert_eq!(
        allowed(step),
        vec![
            keys(&["FAIL:PROVISION_FAILURE", "PASS"]),
            keys(&["PASS", "FAIL:PROVISION_FAILURE"]),
        ]
    );
    assert_eq!(step.rule, Some(rule_id!("PC-9")));
    // Either way the code is spent and one device is bound, to one variable: the model
    // goes on.
    let saves: BTreeSet<String> = ["left", "right"]
        .iter()
        .filter_map(|side| step.fields.get(side)?.as_array()?.first()?.get("save"))
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    assert_eq!(saves.len(), 1);
    assert!(model.unknown.is_empty());
}

#[test]
fn two_logins_with_one_otc_allow_exactly_one_pass_under_otc_1() {
    let mut ops = downloaded();
    ops.push(segment(&[fresh()], &[fresh()]));
    let (steps, model) = planned(ops);
    let step = concurrent_step(&steps);
    assert_eq!(
        allowed(step),
        vec![
            keys(&["FAIL:AGENT_ERROR_BAD_OTC", "PASS"]),
            keys(&["PASS", "FAIL:AGENT_ERROR_BAD_OTC"]),
        ]
    );
    assert_eq!(step.rule, Some(rule_id!("OTC-1")));
    assert!(model.unknown.is_empty());
}

#[test]
fn a_provision_racing_a_login_leaves_the_user_unknown_and_unplanned() {
    let mut ops = downloaded();
    ops.push(segment(&[code(0)], &[fresh()]));
    ops.push(Op::Login {
        user: User::U,
        otc: OtcRef::Fresh,
        node: 0,
    });
    ops.push(Op::Reprovision {
        user: User::V,
        node: 0,
    });
    let (steps, model) = planned(ops);
    let step = concurrent_step(&steps);
    // The provision fails (the code was spent) and ends the strings (SS-1) either before
    // or after the login.
    assert_eq!(
        allowed(step),
        vec![
            keys(&["FAIL:PROVISION_FAILURE", "FAIL:AGENT_ERROR_BAD_OTC"]),
            keys(&["FAIL:PROVISION_FAILURE", "PASS"]),
        ]
    );
    assert!(model.unknown.contains(&User::U));
    // Nothing after the segment for `u`; `v` goes on.
    assert!(steps.iter().all(|p| p.op != 4));
    assert!(steps.iter().any(|p| p.op == 5));
}

#[test]
fn a_download_with_the_previous_device_is_refused_in_every_order_under_dev_1() {
    let mut ops = downloaded();
    ops.push(reprovision());
    ops.push(Op::Provision {
        user: User::U,
        code: CodeRef::Latest,
        node: 0,
        device_os: false,
    });
    let previous = BranchOp::Strings {
        device: DeviceRef::Previous,
        node: 0,
    };
    ops.push(segment(&[previous], &[previous, previous]));
    let (steps, model) = planned(ops);
    let step = concurrent_step(&steps);
    let refused = "FAIL:DEVICE_NOT_PROVISIONED";
    assert_eq!(allowed(step), vec![keys(&[refused, refused, refused])]);
    assert_eq!(step.rule, Some(rule_id!("DEV-1")));
    assert!(model.unknown.is_empty());
}

#[test]
fn a_segment_with_nothing_to_present_plans_nothing() {
    let (steps, model) = planned(vec![segment(&[code(0)], &[fresh()])]);
    assert!(steps.is_empty());
    assert!(model.unknown.is_empty());
}

#[test]
fn the_compiled_case_reads_back_with_nested_requests() {
    let history = History {
        nodes: 2,
        sharing: true,
        ops: vec![reprovision(), segment(&[code(0), code(1)], &[code(1)])],
    };
    let compiled = crate::explore::plan::compile(&history, &crate::explore::plan::Head::probe());
    let compiled = compiled.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        compiled.text.contains("do = \"concurrently\""),
        "{}",
        compiled.text
    );
    assert!(
        compiled
            .case
            .steps
            .iter()
            .any(|s| s.name() == "concurrently"),
        "{}",
        compiled.text
    );
}

#[test]
fn a_branch_serializes_as_its_requests_alone() {
    let branch = Branch::new(&[fresh(), code(1)]);
    let json = serde_json::to_string(&branch).unwrap_or_default();
    assert_eq!(
        json,
        r#"[{"Login":{"otc":"Fresh","node":0}},{"Provision":{"code":"Latest","node":1}}]"#
    );
    let back: Branch = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, branch);
    assert_eq!(back.ops().len(), 2);
}
