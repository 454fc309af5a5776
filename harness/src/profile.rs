//! Wire profiles, as the harness uses them: the data model, loaders and validation live
//! in the reference server's crate ([`swivel_reference_server::profile`]) because both
//! sides read the same files; each side keeps its own XML code. See that module for the
//! format, and `fixtures/profiles/` for the built-in profiles.

pub use swivel_reference_server::profile::*;
