//! Conformance reports: one serde model ([`model`]) rendered four ways (JSON, JUnit XML,
//! Markdown, self-contained HTML) and written atomically into `reports/<run-id>/` after
//! every finished case, so an interrupted run still leaves a valid report. The rule
//! matrix comes from [`coverage()`], which `list --rules` uses too.

pub mod coverage;
pub mod model;

pub(crate) mod html;
mod html_case;
mod json;
mod junit;
mod markdown;
mod md_case;
mod md_escape;
mod text;
mod writer;
pub(crate) mod xml;

#[cfg(test)]
pub(crate) mod samples;

pub use coverage::{CaseRef, Coverage, coverage, rule_verdict};
pub use html::{escape_html, render_html};
pub use json::render_json;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use model::*;
pub use text::skipped_by_need;
pub use writer::{LATEST, ReportError, ReportWriter, new_run_id};
