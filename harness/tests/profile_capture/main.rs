//! Calibrating a wire profile from a capture (issue 11), end to end with the binary: for
//! each built-in profile the reference server runs with `--wire-profile P --capture
//! c.har` (HTTPS, so every Site ID flag shows), the conformance suite runs against it,
//! and then `profile infer` recovers P part for part from the other profile, `profile
//! check` of the other profile names exactly the parts where the two differ, a capture
//! edited to spell the action `Provision` contradicts that part alone, no secret of an
//! unredacted capture reaches any output of `check`, `infer` or `redact`, and hostile
//! files end in a clear error or a count, never a panic.

// Test helpers may panic on failure: that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod acceptance;
mod hostile;
mod support;
