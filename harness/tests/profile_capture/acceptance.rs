//! The acceptance cases of issue 11, over captures the reference server recorded while
//! the conformance suite ran against it.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{
    Capture, agentxml, check_json, contradicted, harness, mobile, mobile_with_secrets, secrets_of,
    stdout, workdir,
};
use swivel_harness::profile::{Evidence, WireProfile};

fn parts(p: &WireProfile) -> BTreeMap<String, String> {
    p.parts().into_iter().collect()
}

/// The parts whose values differ between `a` and `b`, or that only one of them has.
fn differing(a: &WireProfile, b: &WireProfile) -> BTreeSet<String> {
    let (pa, pb) = (parts(a), parts(b));
    pa.keys()
        .chain(pb.keys())
        .filter(|k| pa.get(*k) != pb.get(*k))
        .cloned()
        .collect()
}

fn builtin(name: &str) -> WireProfile {
    WireProfile::builtin(name).unwrap()
}

fn cases() -> [(&'static Capture, &'static str, &'static str); 2] {
    [
        (mobile(), "mobile-3.6", "agentxml-3.6"),
        (agentxml(), "agentxml-3.6", "mobile-3.6"),
    ]
}

#[test]
fn infer_from_the_other_builtin_recovers_each_profile_part_for_part() {
    for (capture, name, other) in cases() {
        let out = workdir().join(format!("inferred-{name}.toml"));
        let run = harness(&[
            "profile",
            "infer",
            "--capture",
            capture.path_str(),
            "--base",
            other,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
        let inferred = WireProfile::resolve(out.to_str().unwrap()).unwrap();
        let (want, base) = (builtin(name), builtin(other));
        assert_eq!(
            parts(&inferred),
            parts(&want),
            "infer from {other} on the {name} capture"
        );

        // Every part it changed is labelled CAPTURE and listed with the file and its hash;
        // parts the capture does not show keep the base's label.
        let record = inferred.captures.last().unwrap();
        assert_eq!(record.file, capture.file_name());
        assert_eq!(record.sha256, capture.sha256());
        for part in differing(&want, &base) {
            if parts(&want).contains_key(&part) {
                assert_eq!(
                    inferred.evidence_of(&part),
                    Some(Evidence::Capture),
                    "{part}"
                );
                assert!(
                    record.changed.contains(&part),
                    "{part} not listed as changed"
                );
            } else {
                assert!(
                    record.removed.contains(&part),
                    "{part} not listed as removed"
                );
            }
        }
        assert!(record.confirmed.contains(&"actions.login".to_string()));
        for kept in ["mail.code", "elements.push_id", "elements.request_id"] {
            assert_eq!(inferred.evidence_of(kept), base.evidence_of(kept), "{kept}");
        }
    }
}

#[test]
fn check_of_the_other_builtin_names_exactly_the_parts_where_the_two_differ() {
    for (capture, name, other) in cases() {
        let (code, report) = check_json(capture.path_str(), other, &format!("other-{name}"));
        assert_eq!(code, Some(1), "a contradicted part exits 1");
        let found: BTreeSet<String> = contradicted(&report).into_iter().collect();
        assert_eq!(
            found,
            differing(&builtin(name), &builtin(other)),
            "{name} capture"
        );

        let (code, report) = check_json(capture.path_str(), name, &format!("same-{name}"));
        assert_eq!(code, Some(0), "{report}");
        assert!(contradicted(&report).is_empty());
        assert!(
            report["summary"]["matches"].as_u64().unwrap() > 60,
            "{report}"
        );
        // The classified kinds cover every call the issue names.
        for kind in [
            "Site ID lookup",
            "provision",
            "security strings",
            "login",
            "ping",
            "token index",
            "self-service",
            "QR code",
        ] {
            assert!(
                report["capture"]["classified"][kind].as_u64() > Some(0),
                "{kind} not classified in {report}"
            );
        }
    }
}

#[test]
fn a_capture_spelling_the_action_provision_contradicts_that_part_alone_and_infer_changes_it() {
    let text = std::fs::read_to_string(mobile().path()).unwrap();
    let edited = text.replace("<Action>provision</Action>", "<Action>Provision</Action>");
    assert!(edited.matches("<Action>Provision</Action>").count() > 10);
    let path = workdir().join("edited.har");
    std::fs::write(&path, edited).unwrap();
    let path = path.to_str().unwrap();

    let (code, report) = check_json(path, "mobile-3.6", "edited");
    assert_eq!(code, Some(1));
    assert_eq!(contradicted(&report), ["actions.provision"]);

    let out = workdir().join("edited.toml");
    let run = harness(&[
        "profile",
        "infer",
        "--capture",
        path,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    assert!(stdout(&run).contains("changed actions.provision: `provision` -> `Provision`"));
    let inferred = WireProfile::resolve(out.to_str().unwrap()).unwrap();
    assert_eq!(inferred.actions.provision, "Provision");
    assert_eq!(
        inferred.evidence_of("actions.provision"),
        Some(Evidence::Capture)
    );
    // Checked against the profile it inferred, the capture contradicts nothing.
    let (code, report) = check_json(path, out.to_str().unwrap(), "edited-again");
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn no_code_device_id_string_pin_or_secret_reaches_any_output() {
    let capture = mobile_with_secrets();
    let secrets = secrets_of(capture);
    for kind in ["code", "device id", "string", "otc", "secret"] {
        assert!(
            secrets.iter().any(|(k, _)| k == kind),
            "the unredacted capture should hold a {kind}"
        );
    }
    let dir = workdir().join("leak-check");
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut keep = |what: &str, run: &std::process::Output| {
        outputs.push((format!("{what} stdout"), stdout(run)));
        outputs.push((
            format!("{what} stderr"),
            String::from_utf8_lossy(&run.stderr).into_owned(),
        ));
    };
    let run = harness(&[
        "profile",
        "check",
        "--capture",
        capture.path_str(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    keep("check", &run);
    let inferred = dir.join("inferred.toml");
    let run = harness(&[
        "profile",
        "infer",
        "--capture",
        capture.path_str(),
        "--base",
        "agentxml-3.6",
        "--out",
        inferred.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    keep("infer", &run);
    let redacted = dir.join("redacted.har");
    let run = harness(&[
        "profile",
        "redact",
        capture.path_str(),
        "--out",
        redacted.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    keep("redact", &run);
    for file in [
        "profile-check.md",
        "profile-check.json",
        "inferred.toml",
        "redacted.har",
    ] {
        outputs.push((
            file.to_string(),
            std::fs::read_to_string(dir.join(file)).unwrap(),
        ));
    }
    let sha = capture.sha256();
    for (what, text) in &outputs {
        // The capture's hash is no value of it (and could hold any digits by chance).
        let text = text.replace(&sha, "");
        for (kind, value) in &secrets {
            assert!(
                !text.contains(value.as_str()),
                "a {kind} of the capture is in {what}"
            );
        }
    }
    // The redacted copy still classifies as the original does, verdict for verdict.
    let (_, original) = check_json(capture.path_str(), "mobile-3.6", "original");
    let (_, copy) = check_json(redacted.to_str().unwrap(), "mobile-3.6", "redacted");
    assert_eq!(original["parts"], copy["parts"]);
    assert_eq!(
        original["capture"]["classified"],
        copy["capture"]["classified"]
    );
}

#[test]
fn serve_masks_every_secret_position_of_its_capture() {
    let text = std::fs::read_to_string(mobile().path()).unwrap();
    assert!(!text.contains("swivel-harness-secret"));
    for (kind, value) in secrets_of(mobile()) {
        let masked = value
            .chars()
            .all(|c| !c.is_ascii_alphanumeric() || c == 'x' || c.is_ascii_digit());
        let digits = value.chars().filter(char::is_ascii_digit).count();
        assert!(
            masked && digits <= 2,
            "an unmasked {kind} in the capture: {value}"
        );
    }
    assert!(text.contains("secrets masked"));
}
