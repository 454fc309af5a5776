//! The declarative conformance suites. This crate holds data only: the `*.toml` suites
//! beside it are embedded at build time for the harness's runner (issue 3 adds them).

/// Every embedded suite as (file name, TOML text). Empty until the first suites land.
pub const SUITES: &[(&str, &str)] = &[];
