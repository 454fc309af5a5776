//! Combining runs: verdict choice, reasons of cases judged nowhere, the checks that keep
//! foreign runs apart, and the recomputed summary, exit code and rule rows.

use super::*;
use crate::report::samples::sample_report;
use crate::verdict::exit;

/// A complete run holding the sample's cases with the given verdicts (others dropped).
fn run(id: &str, verdicts: &[(&str, Verdict, Option<&str>)]) -> RunReport {
    let mut r = sample_report();
    r.run_id = id.into();
    r.status = RunStatus::Complete;
    r.waiver_problems.clear();
    let template = r.cases[0].clone();
    r.cases = verdicts
        .iter()
        .map(|(case, verdict, reason)| {
            let mut c = template.clone();
            c.id = (*case).into();
            c.rules = vec![format!("PC-{}", case.len())];
            c.verdict = *verdict;
            c.reason = reason.map(Into::into);
            c
        })
        .collect();
    refresh(&mut r, 1000);
    r
}

fn config(label: &str, report: RunReport) -> Configuration {
    Configuration {
        label: label.into(),
        source: format!("reports/{label}"),
        report,
    }
}

fn case<'a>(r: &'a RunReport, id: &str) -> &'a CaseReport {
    r.cases.iter().find(|c| c.id == id).expect("case in report")
}

#[test]
fn each_case_is_taken_from_the_configuration_that_judged_it() {
    let a = run(
        "ra",
        &[
            ("one", Verdict::Pass, None),
            ("two", Verdict::Skipped, Some("needs policy x")),
        ],
    );
    let b = run(
        "rb",
        &[
            ("one", Verdict::Skipped, Some("needs policy y")),
            ("two", Verdict::Pass, None),
        ],
    );
    let out = combine(&[config("A", a), config("B", b)]).unwrap();
    assert_eq!(out.summary.pass, 2);
    assert_eq!(out.summary.skipped, 0);
    assert_eq!(out.summary.exit_code, exit::PASSED);
    assert_eq!(case(&out, "one").configuration.as_deref(), Some("A"));
    assert_eq!(case(&out, "two").configuration.as_deref(), Some("B"));
    let TranscriptEntry::Note { text } = &case(&out, "one").transcript[0] else {
        panic!("a combined case opens with a note")
    };
    assert!(
        text.contains("PASS in configuration A (run ra)")
            && text.contains("B: SKIPPED (needs policy y)"),
        "{text}"
    );
    assert_eq!(out.configurations.len(), 2);
    assert_eq!(
        (out.configurations[0].judged, out.configurations[0].chosen),
        (1, 1)
    );
    assert_eq!(
        out.target.capabilities,
        vec!["configurations:2".to_string()]
    );
    // The rule row is recomputed: PC-3 (both cases cite it) reads PASS, nothing skipped,
    // where each run alone has one of its two cases skipped.
    let row = out.rules.iter().find(|r| r.id == "PC-3").unwrap();
    assert_eq!((row.verdict, row.skipped), (Some(Verdict::Pass), 0));
}

#[test]
fn a_fail_under_any_configuration_stays_a_fail() {
    let a = run("ra", &[("one", Verdict::Pass, None)]);
    let b = run("rb", &[("one", Verdict::Fail, Some("code accepted twice"))]);
    let c = run("rc", &[("one", Verdict::Inconclusive, Some("timed out"))]);
    let out = combine(&[config("A", a), config("B", b), config("C", c)]).unwrap();
    let one = case(&out, "one");
    assert_eq!(one.verdict, Verdict::Fail);
    assert_eq!(one.configuration.as_deref(), Some("B"));
    assert_eq!(one.reason.as_deref(), Some("code accepted twice"));
    assert_eq!(out.summary.exit_code, exit::CONFORMANCE_FAILURE);
}

#[test]
fn a_pass_outweighs_an_inconclusive_elsewhere() {
    let a = run("ra", &[("one", Verdict::Inconclusive, Some("timed out"))]);
    let b = run("rb", &[("one", Verdict::Pass, None)]);
    let out = combine(&[config("A", a), config("B", b)]).unwrap();
    assert_eq!(case(&out, "one").verdict, Verdict::Pass);
    assert_eq!(out.summary.exit_code, exit::PASSED);
}

#[test]
fn a_case_judged_nowhere_names_what_every_configuration_lacked() {
    let a = run("ra", &[("one", Verdict::Skipped, Some("needs 2 nodes"))]);
    let b = run(
        "rb",
        &[("one", Verdict::Skipped, Some("needs session sharing off"))],
    );
    let out = combine(&[config("A", a), config("B", b)]).unwrap();
    let one = case(&out, "one");
    assert_eq!(one.verdict, Verdict::Skipped);
    assert_eq!(one.configuration, None);
    assert_eq!(
        one.reason.as_deref(),
        Some(
            "judged in no configuration: A: SKIPPED (needs 2 nodes); B: SKIPPED (needs session sharing off)"
        )
    );
    assert_eq!(out.summary.skipped, 1);
}

#[test]
fn cases_of_one_run_only_are_kept() {
    let a = run("ra", &[("one", Verdict::Pass, None)]);
    let b = run("rb", &[("three", Verdict::Pass, None)]);
    let out = combine(&[config("A", a), config("B", b)]).unwrap();
    let ids: Vec<&str> = out.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["one", "three"]);
}

#[test]
fn runs_that_cannot_speak_for_one_server_are_refused() {
    let base = || run("ra", &[("one", Verdict::Pass, None)]);
    let other = || run("rb", &[("one", Verdict::Pass, None)]);
    let refused = |mut other: RunReport, change: &dyn Fn(&mut RunReport)| {
        change(&mut other);
        combine(&[config("A", base()), config("B", other)])
            .unwrap_err()
            .to_string()
    };
    let e = refused(other(), &|r| r.profile.name = "mobile-3.6".into());
    assert!(e.starts_with("the wire profile differs: A has"), "{e}");
    let e = refused(other(), &|r| r.target.kind = "swivel".into());
    assert!(e.contains("the target kind differs"), "{e}");
    let e = refused(other(), &|r| {
        r.target.defects = vec!["codes-reusable".into()]
    });
    assert!(
        e.contains("the defect switches differ") || e.contains("defect switches"),
        "{e}"
    );
    let e = refused(other(), &|r| r.status = RunStatus::Interrupted);
    assert_eq!(e, "reports/B is interrupted: combine complete runs only");
    let e = refused(other(), &|r| r.cases[0].rules = vec!["PC-5".into()]);
    assert!(
        e.starts_with("case one differs between A and B (rules)"),
        "{e}"
    );
    let e = refused(other(), &|r| {
        r.cases[0].level = crate::verdict::Level::Should
    });
    assert!(
        e.starts_with("case one differs between A and B (level)"),
        "{e}"
    );

    let e = refused(base(), &|_| {});
    assert_eq!(e, "run ra is given twice (as A and as B)");
    let combined = combine(&[config("A", base()), config("B", other())]).unwrap();
    let e = combine(&[config("A", base()), config("C", combined)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("already a combined report"), "{e}");
    let e = combine(&[config("A", base())]).unwrap_err().to_string();
    assert_eq!(e, "give at least two runs to combine (got 1)");
    let e = combine(&[config("A", base()), config("A", other())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("labelled \"A\""), "{e}");
}

#[test]
fn files_that_are_not_runs_are_refused_with_their_name() {
    let dir = std::env::temp_dir().join(format!("combine-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A sparse 1 GiB report.json: refused from its size, nothing read.
    let huge = dir.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let started = std::time::Instant::now();
    let e = open(&format!("big={}", huge.display()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("a report file is at most"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Not JSON, cut short, and JSON of another kind.
    for (name, text, says) in [
        (
            "garbage.json",
            "\u{0}\u{1}not json",
            "is not a readable report",
        ),
        (
            "cut.json",
            "{\"schema_version\": 2, \"cases\": [",
            "is not a readable report",
        ),
        (
            "other.json",
            "{\"hello\": 1}",
            "neither a conformance report.json",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let e = open(&path.display().to_string()).unwrap_err().to_string();
        assert!(e.contains(says), "{name}: {e}");
        assert!(e.contains(name), "{name}: {e}");
    }
    let e = open(&dir.join("missing").display().to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
