//! Tests of the rule matrix: the verdict rules on hand-made case lists, and the matrix of
//! hand-made case reports (the shapes a clean run and a run against a server with session
//! sharing on produce).

use super::*;
use crate::rules::rule_id;
use Level::{Info, Must, Should};
use Verdict::{Fail, Inconclusive, NonStrict, NotRun, Pass, Skipped};

#[test]
fn fail_and_non_strict_win_over_everything() {
    assert_eq!(
        rule_verdict(Must, &[(Must, Pass), (Must, Fail), (Must, Skipped)]),
        (Some(Fail), 1)
    );
    assert_eq!(
        rule_verdict(Should, &[(Should, Pass), (Should, NonStrict)]),
        (Some(NonStrict), 0)
    );
    assert_eq!(
        rule_verdict(Must, &[(Must, NonStrict), (Must, Fail)]),
        (Some(Fail), 0)
    );
}

#[test]
fn a_passed_case_makes_pass_with_the_skipped_ones_counted_beside_it() {
    // LOG-6 against a server with session sharing on: the no-sharing case is skipped.
    assert_eq!(
        rule_verdict(
            Must,
            &[(Must, Pass), (Must, Pass), (Must, Pass), (Must, Skipped)]
        ),
        (Some(Pass), 1)
    );
    assert_eq!(rule_verdict(Must, &[(Must, Pass)]), (Some(Pass), 0));
}

#[test]
fn skipped_only_when_no_case_was_judged() {
    assert_eq!(
        rule_verdict(Must, &[(Must, Skipped), (Must, Skipped)]),
        (Some(Skipped), 2)
    );
    // An INFO probe that ran does not judge a MUST rule whose own cases were skipped.
    assert_eq!(
        rule_verdict(Must, &[(Must, Skipped), (Info, Verdict::Info)]),
        (Some(Skipped), 1)
    );
}

#[test]
fn inconclusive_only_when_nothing_passed_or_failed() {
    assert_eq!(
        rule_verdict(Must, &[(Must, Pass), (Must, Inconclusive)]),
        (Some(Pass), 0)
    );
    assert_eq!(
        rule_verdict(Must, &[(Must, Inconclusive), (Must, Skipped)]),
        (Some(Inconclusive), 1)
    );
    assert_eq!(
        rule_verdict(Must, &[(Must, NotRun), (Must, Skipped)]),
        (Some(NotRun), 1)
    );
    assert_eq!(
        rule_verdict(Must, &[(Must, Pass), (Must, NotRun)]),
        (Some(Pass), 0)
    );
}

#[test]
fn info_cases_do_not_decide_a_must_or_should_rule() {
    assert_eq!(
        rule_verdict(Must, &[(Must, Pass), (Info, Verdict::Info)]),
        (Some(Pass), 0)
    );
    assert_eq!(
        rule_verdict(Should, &[(Info, Verdict::Info), (Should, Pass)]),
        (Some(Pass), 0)
    );
    // Cited only by INFO cases, a MUST rule is recorded, not judged.
    assert_eq!(
        rule_verdict(Must, &[(Info, Verdict::Info)]),
        (Some(Verdict::Info), 0)
    );
}

#[test]
fn an_info_rule_reads_info() {
    assert_eq!(
        rule_verdict(Info, &[(Info, Verdict::Info), (Info, Pass)]),
        (Some(Verdict::Info), 0)
    );
    assert_eq!(
        rule_verdict(Info, &[(Info, Verdict::Info), (Info, Skipped)]),
        (Some(Verdict::Info), 1)
    );
    assert_eq!(rule_verdict(Info, &[(Info, Skipped)]), (Some(Skipped), 1));
}

#[test]
fn no_case_means_not_covered() {
    assert_eq!(rule_verdict(Must, &[]), (None, 0));
}

fn report(id: &str, rules: &[&str], level: Level, verdict: Verdict) -> CaseReport {
    CaseReport {
        id: id.into(),
        suite: "s".into(),
        title: id.into(),
        rules: rules.iter().map(|r| (*r).to_string()).collect(),
        level,
        tags: Vec::new(),
        verdict,
        reason: None,
        requirement: String::new(),
        expected: String::new(),
        actual: String::new(),
        duration_ms: 0,
        attempts: 1,
        transcript: Vec::new(),
        configuration: None,
    }
}

fn row<'a>(c: &'a Coverage, id: &str) -> &'a RuleRow {
    c.rows.iter().find(|r| r.id == id).unwrap()
}

#[test]
fn matrix_of_a_run_against_a_server_with_session_sharing_on() {
    let cases = [
        report("reuse", &["PC-9", "LOG-6"], Must, Pass),
        report("wrong-code", &["PC-6", "LOG-6"], Should, Pass),
        report("expired", &["PC-4", "LOG-6"], Must, Pass),
        report("other-node", &["CL-1", "LOG-6"], Must, Skipped),
        report("probe", &["PC-9", "PC-1"], Info, Verdict::Info),
        report("issue", &["PC-1"], Must, Pass),
        report("oracle", &["USR-3"], Info, Verdict::Info),
    ];
    let c = coverage(cases.iter().map(CaseRef::from));
    let log6 = row(&c, "LOG-6");
    assert_eq!((log6.verdict, log6.skipped), (Some(Pass), 1));
    assert_eq!(log6.cases, ["reuse", "wrong-code", "expired", "other-node"]);
    assert_eq!(row(&c, "CL-1").verdict, Some(Skipped));
    assert_eq!(row(&c, "PC-1").verdict, Some(Pass));
    assert_eq!(row(&c, "PC-9").verdict, Some(Pass));
    assert_eq!(row(&c, "USR-3").verdict, Some(Verdict::Info));
    let pc7 = row(&c, "PC-7");
    assert_eq!((pc7.verdict, pc7.cases.len()), (None, 0));
    // Client rules and rules awaiting a judge are listed apart.
    assert_eq!(c.rows.len(), 47);
    assert!(c.rows.iter().all(|r| r.id.rule().judged_by_run()));
    assert_eq!(c.certification.len(), 12);
    assert!(c.awaiting.is_empty());
    assert_eq!(c.uncovered(), 47 - 7);
}

#[test]
fn list_matrix_has_cases_and_no_verdicts() {
    let cases = [report("reuse", &["PC-9"], Must, Pass)];
    let mut c = coverage(cases.iter().map(|r| CaseRef {
        verdict: None,
        ..CaseRef::from(r)
    }));
    let pc9 = c.rows.remove(8);
    assert_eq!(pc9.id, rule_id!("PC-9"));
    assert_eq!((pc9.cases.len(), pc9.verdict, pc9.skipped), (1, None, 0));
}
