//! Case selection (`--suite`, `--case`, `--tag`, `--rule`): within one option any value
//! may match; across options all must. A value ending in `*` matches by prefix.

use crate::report::Selection;
use crate::scenario::Case;
use crate::scenario::step::matches;

fn any_matches(patterns: &[String], values: &[&str]) -> bool {
    patterns.is_empty()
        || patterns
            .iter()
            .any(|p| values.iter().any(|v| matches(p, v)))
}

/// Whether `case` is selected.
pub fn is_selected(selection: &Selection, case: &Case) -> bool {
    any_matches(&selection.suites, &[case.suite.as_str()])
        && any_matches(&selection.cases, &[case.id.as_str()])
        && any_matches(
            &selection.tags,
            &case.tags.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        && any_matches(
            &selection.rules,
            &case.rules.iter().map(String::as_str).collect::<Vec<_>>(),
        )
}

/// The selected cases, in order.
pub fn select(selection: &Selection, cases: Vec<Case>) -> Vec<Case> {
    cases
        .into_iter()
        .filter(|c| is_selected(selection, c))
        .collect()
}
