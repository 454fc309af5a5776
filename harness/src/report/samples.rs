//! Test fixtures for the renderers: one fixed [`RunReport`] with every verdict, and bodies
//! full of characters that need escaping (`<`, `&`, `|`, quotes, backticks, newlines).

use super::model::*;
use crate::rules::{RuleId, rule_id};
use crate::verdict::{Level, Verdict};

const NODE1: &str = "http://127.0.0.1:8080/pinsafe";

fn exchange(
    step: usize,
    action: &str,
    request: &str,
    status: Option<u16>,
    response: &str,
) -> TranscriptEntry {
    TranscriptEntry::Http {
        step,
        action: action.into(),
        node: Some(1),
        method: "POST".into(),
        url: format!("{NODE1}/AgentXML"),
        request: request.into(),
        status,
        response: response.into(),
        outcome: match status {
            Some(200) => "PASS".into(),
            Some(n) => format!("HTTP:{n}"),
            None => "TRANSPORT:TIMEOUT".into(),
        },
        app_message: if status == Some(200) {
            "Device Provisioned".into()
        } else {
            "Error Server Connection".into()
        },
        elapsed_ms: 12,
    }
}

fn provision_request() -> String {
    "<SASRequest><Version>3.6</Version><Action>Provision</Action><Username>alice</Username>\
     <ProvisionCode>[code]</ProvisionCode><DeviceOS>iOS \"17\" & 'up' | beta</DeviceOS></SASRequest>\n"
        .into()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

#[allow(clippy::too_many_arguments)]
fn case(
    id: &str,
    suite: &str,
    title: &str,
    rules: &[&str],
    level: Level,
    tags: &[&str],
    verdict: Verdict,
    reason: Option<&str>,
    transcript: Vec<TranscriptEntry>,
) -> CaseReport {
    CaseReport {
        id: id.into(),
        suite: suite.into(),
        title: title.into(),
        rules: s(rules),
        level,
        tags: s(tags),
        verdict,
        reason: reason.map(Into::into),
        requirement: String::new(),
        expected: String::new(),
        actual: String::new(),
        duration_ms: 0,
        attempts: 1,
        transcript,
        configuration: None,
    }
}

fn pass_case() -> CaseReport {
    let mut c = case(
        "provision-basic",
        "provisioning",
        "A reprovisioned user provisions once",
        &["PC-1", "LOG-5"],
        Level::Must,
        &["smoke"],
        Verdict::Pass,
        None,
        vec![
            TranscriptEntry::Control {
                step: 1,
                action: "reprovision alice".into(),
                detail: "code [code] sent to alice@example.invalid".into(),
            },
            exchange(
                2,
                "provision on node 1",
                &provision_request(),
                Some(200),
                "<SASResponse><Version>3.6</Version>\n<Result>PASS</Result><Id>[device-id]</Id></SASResponse>",
            ),
            TranscriptEntry::Log {
                step: 3,
                lines: s(&[
                    "node 1 @ 2026-11-29T19:30:13Z: User \"alice\" provisioned successfully",
                ]),
            },
            TranscriptEntry::Check {
                step: 3,
                what: "log line LOG-5".into(),
                expected: "User \"alice\" provisioned successfully".into(),
                actual: "User \"alice\" provisioned successfully".into(),
                verdict: Verdict::Pass,
            },
        ],
    );
    c.requirement = "PC-1: An administrator's Reprovision action creates a provision code.".into();
    c.expected = "PASS with a device id".into();
    c.actual = "PASS with a device id".into();
    c.duration_ms = 120;
    c
}

fn fail_case() -> CaseReport {
    let second = TranscriptEntry::Http {
        step: 3,
        action: "provision again with the same code".into(),
        node: Some(1),
        method: "POST".into(),
        url: format!("{NODE1}/AgentXML"),
        request: provision_request(),
        status: Some(200),
        response: "<SASResponse><Result>PASS</Result><Id>[device-id-2]</Id></SASResponse>".into(),
        outcome: "PASS".into(),
        app_message: "Device Provisioned".into(),
        elapsed_ms: 9,
    };
    let mut c = case(
        "reuse-sequential",
        "codes",
        "A used code is refused",
        &["PC-5", "LOG-6"],
        Level::Must,
        &["reuse", "codes"],
        Verdict::Fail,
        Some("code accepted twice"),
        vec![
            exchange(
                2,
                "provision on node 1",
                &provision_request(),
                Some(200),
                "<Result>PASS</Result>",
            ),
            second,
            TranscriptEntry::Check {
                step: 3,
                what: "second attempt refused".into(),
                expected: "FAIL:PROVISION_FAILURE".into(),
                actual: "PASS".into(),
                verdict: Verdict::Fail,
            },
        ],
    );
    c.requirement = "PC-5: A code is single use: once a provisioning attempt succeeded with it, it is refused ever after (\"not valid or has already been used\").".into();
    c.expected = "second attempt refused: FAIL:PROVISION_FAILURE, log LOG-6".into();
    c.actual = "second attempt accepted: PASS | device id [device-id-2]\nno LOG-6 line".into();
    c.duration_ms = 85;
    c
}

fn non_strict_case() -> CaseReport {
    let mut c = case(
        "failed-attempt-consumes",
        "codes",
        "A wrong code consumes the pending one",
        &["PC-6"],
        Level::Should,
        &["codes"],
        Verdict::NonStrict,
        Some("right code still usable after a wrong one"),
        vec![
            TranscriptEntry::Clock {
                step: 2,
                advanced_secs: 30,
            },
            exchange(
                3,
                "provision with the right code",
                &provision_request(),
                Some(200),
                "```\n<Result>PASS</Result>\n```",
            ),
        ],
    );
    c.requirement =
        "PC-6: A failed attempt for a user also consumes that user's pending code.".into();
    c.expected = "FAIL:PROVISION_FAILURE".into();
    c.actual = "PASS (the server lets the user retry)".into();
    c.duration_ms = 40;
    c
}

fn info_case() -> CaseReport {
    let mut c = case(
        "enumeration-oracle",
        "security",
        "Unknown user vs wrong code",
        &["USR-3"],
        Level::Info,
        &["security"],
        Verdict::Info,
        None,
        vec![TranscriptEntry::Note {
            text: "compared 2 replies <unknown> & <wrong>".into(),
        }],
    );
    c.requirement = "USR-3: Whether a requester can tell an unknown user from a wrong code.".into();
    c.expected = "recorded only".into();
    c.actual = "distinguishable: LOG_USER_NOT_FOUND vs PROVISION_FAILURE (same status 200)".into();
    c.duration_ms = 30;
    c
}

fn skipped_case() -> CaseReport {
    let reason = "waived: WAIVER-12 until 2027-01-31 (ticket OPS-7 | cluster lab down)";
    let mut c = case(
        "cluster-no-sharing",
        "cluster",
        "Code valid only on its node",
        &["CL-1", "LOG-6"],
        Level::Must,
        &["cluster"],
        Verdict::Skipped,
        Some(reason),
        vec![TranscriptEntry::Note {
            text: reason.into(),
        }],
    );
    c.requirement = "CL-1: Without session sharing, a code is valid only on its node.".into();
    c
}

fn inconclusive_case() -> CaseReport {
    let mut c = case(
        "strings-download",
        "strings",
        "A download holds 99 strings",
        &["SS-3"],
        Level::Must,
        &[],
        Verdict::Inconclusive,
        Some("timeout after 5000 ms on node 1 (confirmed by rerun)"),
        vec![
            exchange(
                2,
                "download strings",
                "<SASRequest><Action>SecurityStrings</Action></SASRequest>",
                Some(502),
                "<html><script>alert('x')</script></pre></html>",
            ),
            exchange(3, "download strings (rerun)", "<SASRequest/>", None, ""),
            TranscriptEntry::Note {
                text: "rerun 2 of 2".into(),
            },
        ],
    );
    c.requirement = "SS-3: A download holds 99 strings.".into();
    c.expected = "99 strings".into();
    c.actual = "no reply within 5000 ms".into();
    c.duration_ms = 5004;
    c.attempts = 2;
    c
}

fn not_run_case() -> CaseReport {
    let mut c = case(
        "qr-code",
        "url",
        "QR image of the complete URL",
        &["QR-1"],
        Level::Must,
        &[],
        Verdict::NotRun,
        Some("run interrupted before this case started"),
        Vec::new(),
    );
    c.requirement = "QR-1: From 3.10.4 a QR image of the complete URL is served.".into();
    c
}

fn rule(id: RuleId, text: &str, cases: &[&str], verdict: Option<Verdict>) -> RuleRow {
    let skipped = if verdict.is_some() {
        cases.iter().filter(|c| **c == "cluster-no-sharing").count()
    } else {
        0
    };
    RuleRow {
        id,
        level: id.level(),
        text: text.into(),
        evidence: "[DOC]".into(),
        cases: s(cases),
        verdict,
        skipped,
    }
}

/// A fixed run: 7 cases, one per verdict, interrupted before the last.
pub(crate) fn sample_report() -> RunReport {
    RunReport {
        schema_version: SCHEMA_VERSION,
        run_id: "20261129T193012Z-a1b2".into(),
        tool: ToolInfo {
            name: "swivel-harness".into(),
            version: "0.1.0".into(),
        },
        started_at: "2026-11-29T19:30:12Z".into(),
        finished_at: Some("2026-11-29T19:30:17Z".into()),
        status: RunStatus::Interrupted,
        target: TargetInfo {
            listeners: Vec::new(),
            policies: Default::default(),
            users_left: Vec::new(),
            kind: "external".into(),
            nodes: s(&[NODE1, "http://127.0.0.1:8081/pinsafe"]),
            capabilities: s(&[
                "control-api",
                "clock-control",
                "policy-control",
                "nodes:2",
                "session-sharing:off",
            ]),
            defects: Vec::new(),
        },
        profile: ProfileInfo {
            name: "agentxml-3.6".into(),
            source: "built-in".into(),
            hint_parts: s(&["mobile action names", "<Id> element of the provision reply"]),
            assumed_parts: s(&[
                "failure reply <Result>FAIL</Result><Error>CODE</Error>",
                "HTTP 413 | 405 | 415",
            ]),
        },
        selection: Selection {
            suites: s(&["codes", "security"]),
            waivers: Some("waivers.toml".into()),
            ..Selection::default()
        },
        summary: Summary {
            total: 7,
            pass: 1,
            non_strict: 1,
            fail: 1,
            info: 1,
            inconclusive: 1,
            skipped: 1,
            not_run: 1,
            exit_code: 2,
            duration_ms: 5279,
        },
        rules: vec![
            rule(
                rule_id!("PC-1"),
                "A Reprovision action creates a code.",
                &["provision-basic"],
                Some(Verdict::Pass),
            ),
            rule(
                rule_id!("PC-5"),
                "A code is single use.",
                &["reuse-sequential"],
                Some(Verdict::Fail),
            ),
            rule(
                rule_id!("PC-6"),
                "A failed attempt consumes the code.",
                &["failed-attempt-consumes"],
                Some(Verdict::NonStrict),
            ),
            rule(
                rule_id!("PC-7"),
                "A new code replaces the older one.",
                &[],
                None,
            ),
            rule(
                rule_id!("USR-3"),
                "Unknown user vs wrong code | oracle.",
                &["enumeration-oracle"],
                Some(Verdict::Info),
            ),
            rule(
                rule_id!("CL-1"),
                "Without session sharing, a code is valid only on its node.",
                &["cluster-no-sharing"],
                Some(Verdict::Skipped),
            ),
            rule(
                rule_id!("LOG-6"),
                "Log line when provision failed.",
                &["reuse-sequential", "cluster-no-sharing"],
                Some(Verdict::Fail),
            ),
        ],
        cases: vec![
            pass_case(),
            fail_case(),
            non_strict_case(),
            info_case(),
            skipped_case(),
            inconclusive_case(),
            not_run_case(),
        ],
        waiver_problems: s(&["waiver for `old-case` matched no selected case"]),
        configurations: Vec::new(),
    }
}
