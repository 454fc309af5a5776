//! CLI-5, CLI-6, CLI-7 from the OTCs the tester typed and the downloads the server gave:
//! an OTC is the PIN positions of string *i* of some download followed by *i* (CLI-5);
//! within one download the indexes rise and none repeats (CLI-6); after a new download
//! the app offers OTCs from it, and it downloads before it runs out instead of offering
//! spent strings (CLI-7).

use std::collections::BTreeMap;

use super::super::prepare::LEFT_UNUSED;
use super::evidence::{Evidence, StringSet, otc_match, split_otc};
use super::{Judged, listing};
use crate::verdict::Verdict;

/// Strings in a download.
const STRINGS: usize = 99;

/// Every OTC answer of the run up to step `upto` (inclusive): (step, time, otc).
fn otcs_until(ev: &Evidence, upto: usize) -> Vec<(usize, u64, Option<String>)> {
    ev.steps
        .iter()
        .enumerate()
        .take(upto + 1)
        .flat_map(|(i, s)| s.otcs().into_iter().map(move |(at, otc)| (i, at, otc)))
        .collect()
}

/// The newest set an OTC matches.
fn newest(otc: &str, ev: &Evidence, sets: &[StringSet]) -> Option<usize> {
    otc_match(otc, &ev.facts.pin, sets, ev).into_iter().max()
}

/// Judges CLI-5 in step `index`.
pub fn cli5(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str = "each OTC is the PIN positions of string i (digit 0: the 10th character) followed by the two digits of i";
    let sets = ev.sets();
    let seqs: Vec<u64> = sets.iter().map(|s| s.seq).collect();
    let otcs: Vec<String> = ev
        .steps
        .get(index)
        .map(|s| s.otcs().into_iter().filter_map(|(_, o)| o).collect())
        .unwrap_or_default();
    if otcs.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "no OTC was typed in this step",
            seqs,
        );
    }
    if sets.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app has downloaded no strings: an OTC cannot be checked",
            seqs,
        );
    }
    let mut problems = Vec::new();
    for otc in &otcs {
        match split_otc(otc) {
            None => problems.push(format!("{otc:?} does not end in a two-digit index 01..99")),
            Some((_, i)) if newest(otc, ev, &sets).is_none() => problems.push(format!(
                "{otc} is not the PIN positions of string {i:02} of any download followed by {i:02}"
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!("{} OTC(s), each made from its string and index", otcs.len()),
            seqs,
        )
    } else {
        Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs)
    }
}

/// Judges CLI-6 in step `index`.
pub fn cli6(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str =
        "within one download each index used once, successive OTCs on rising indexes";
    let sets = ev.sets();
    let mut highest: BTreeMap<usize, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut judged = 0;
    for (step, _, otc) in otcs_until(ev, index) {
        let Some(otc) = otc else { continue };
        let (Some(set), Some((_, i))) = (newest(&otc, ev, &sets), split_otc(&otc)) else {
            continue;
        };
        let top = highest.entry(set).or_insert(0);
        if step == index {
            judged += 1;
            if i == *top {
                problems.push(format!("index {i:02} was used again"));
            } else if i < *top {
                problems.push(format!("index {i:02} came after {:02}: not rising", *top));
            }
        }
        *top = (*top).max(i);
    }
    let seqs = sets.iter().map(|s| s.seq).collect();
    if !problems.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs);
    }
    if judged == 0 {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "no OTC of this step could be placed in a download (see CLI-5)",
            seqs,
        );
    }
    Judged::new(
        Verdict::Pass,
        EXPECTED,
        format!("{judged} OTC(s), each on a new, higher index of its download"),
        seqs,
    )
}

/// Judges CLI-7 in step `index`.
pub fn cli7(ev: &Evidence, index: usize) -> Judged {
    let running_out = ev
        .plan
        .steps
        .get(index)
        .is_some_and(|s| s.kind == super::super::plan::StepKind::RunningOut);
    if running_out {
        running_out_case(ev, index)
    } else {
        refresh_case(ev, index)
    }
}

fn refresh_case(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str =
        "after the new download, OTCs from it and never from the set it replaced";
    let sets = ev.sets();
    let Some(new) = sets.iter().rposition(|s| s.step == Some(index)) else {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app downloaded no strings in this step",
            Vec::new(),
        );
    };
    let seqs = vec![sets.get(new).map_or(0, |s| s.seq)];
    let otcs: Vec<String> = ev
        .steps
        .get(index)
        .map(|s| s.otcs().into_iter().filter_map(|(_, o)| o).collect())
        .unwrap_or_default();
    if otcs.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "no OTC was typed after the download",
            seqs,
        );
    }
    let mut problems = Vec::new();
    let mut from_new = 0;
    for otc in &otcs {
        match newest(otc, ev, &sets) {
            Some(set) if set >= new => from_new += 1,
            Some(_) => problems.push(format!("{otc} comes from a set the new download replaced")),
            None => {}
        }
    }
    if !problems.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs);
    }
    if from_new == 0 {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "no OTC of this step matches a download (see CLI-5)",
            seqs,
        );
    }
    Judged::new(
        Verdict::Pass,
        EXPECTED,
        format!("{from_new} OTC(s) from the new download"),
        seqs,
    )
}

fn running_out_case(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str = "the app offers the last unused strings, then downloads new ones and offers OTCs from them; never a spent string";
    let sets = ev.sets();
    let Some(view) = ev.steps.get(index) else {
        return Judged::new(Verdict::Inconclusive, EXPECTED, "no such step", Vec::new());
    };
    let Some(spent) = sets
        .iter()
        .rposition(|s| s.step.is_some_and(|st| st < index))
    else {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app held no strings when the step began",
            Vec::new(),
        );
    };
    let mut seqs: Vec<u64> = sets.iter().skip(spent).map(|s| s.seq).collect();
    seqs.dedup();
    let first_unused = STRINGS - LEFT_UNUSED + 1;
    let mut offered: Vec<usize> = Vec::new();
    let mut problems = Vec::new();
    let mut from_new = 0;
    let mut ran_out = false;
    for (after, otc) in view.otcs() {
        let Some(otc) = otc else {
            if offered.len() >= LEFT_UNUSED && !sets.iter().any(|s| s.step == Some(index)) {
                ran_out = true;
            }
            continue;
        };
        let Some(i) = split_otc(&otc).map(|(_, i)| i) else {
            continue;
        };
        match newest(&otc, ev, &sets) {
            Some(set) if set > spent => from_new += 1,
            Some(set) if set == spent => {
                let downloaded_before = sets.iter().any(|s| s.step == Some(index) && s.seq < after);
                if i < first_unused || offered.contains(&i) {
                    problems.push(format!("{otc} uses string {i:02}, which was already spent"));
                } else if downloaded_before {
                    problems.push(format!("{otc} comes from the set a new download replaced"));
                }
                offered.push(i);
            }
            Some(_) => problems.push(format!("{otc} comes from an older, replaced set")),
            None => {}
        }
    }
    if ran_out {
        problems.push("the app ran out of strings without downloading new ones".into());
    }
    if !problems.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs);
    }
    if from_new == 0 {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "no OTC from a new download was typed in this step",
            seqs,
        );
    }
    Judged::new(
        Verdict::Pass,
        EXPECTED,
        format!(
            "{} of the last strings, then a new download and {from_new} OTC(s) from it",
            offered.len()
        ),
        seqs,
    )
}
