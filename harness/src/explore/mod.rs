//! `explore`: random histories checked against a model, shrunk, and written back as
//! cases. Proptest generates histories from a fixed seed ([`ops::history`]); each runs
//! against the target as a compiled case ([`drive`]); a failing one is re-run from a
//! fresh state (if it then passes the finding is INCONCLUSIVE, both runs kept), shrunk
//! with proptest's own value-tree shrinking where a candidate counts only if it fails the
//! same rule with the same kind of mismatch ([`search::shrink`]), and written as a case
//! ([`written`]). Bounded by cases, time and requests; an interrupt stops it between
//! histories with the report intact ([`report`]).

pub mod drive;
pub mod model;
pub mod ops;
pub mod plan;
pub mod render;
pub mod report;
pub mod search;
pub mod settings;
pub mod topology;
pub mod written;

pub use report::{ExploreReport, Finding, FindingStatus};
pub use search::{ExploreOptions, explore};
pub use topology::{Topology, TopologyError};
