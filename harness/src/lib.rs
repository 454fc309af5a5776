//! swivel-harness: the conformance harness for the Swivel mobile-client provisioning
//! protocol. Data flows as design.md draws it:
//!
//! ```text
//! scenarios/*.toml ─parse─▶ scenario::Case ─runner─▶ target (embedded or external) ─HTTP─▶ nodes
//!                                               │
//!                                               ▼
//!                          report::CaseReport{transcript, verdict} ─render─▶ JSON · JUnit · MD · HTML
//! ```
//!
//! - [`rules`]: the rule catalogue of protocol.md (IDs, levels, texts).
//! - [`verdict`]: levels (MUST/SHOULD/INFO) and verdicts, and how one maps to the other.
//! - [`profile`]: wire profiles (`mobile-3.6`, `agentxml-3.6` or a file), shared with the server.
//! - [`codec`]: the transport-free client codec: requests from the profile, replies judged.
//! - [`emulator`]: the mobile-client emulator over reqwest (what the app sends and shows).
//! - [`control`]: a client of the reference server's control API.
//! - [`target`]: where cases run: a fresh embedded reference server, or an external one.
//! - [`scenario`]: the declarative suite format and its parser.
//! - [`runner`]: selection, parallel execution, timeouts, reruns, waivers.
//! - [`report`]: the one serde report model and its renderers.
//! - [`redact`]: keeps secrets out of everything meant for sharing.
//! - [`load_test`]: goose load personas, their raw samples and the self-contained load report.
//! - [`compare`]: `report compare`: two load runs (gated) or two conformance runs.
//! - [`sinks`]: the syslog and SMTP receivers that read what a real server sends out.
//! - [`capture`]: `profile check` and `profile infer`: a wire profile against a HAR capture.
//! - [`certify`]: `certify`: a real app judged by its traffic and the tester's answers.

pub mod capture;
pub mod certify;
pub mod codec;
pub mod combine;
pub mod compare;
pub mod control;
pub mod emulator;
pub mod explore;
pub mod load_test;
pub mod profile;
pub mod redact;
pub mod report;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod sinks;
pub mod sut;
pub mod verdict;
