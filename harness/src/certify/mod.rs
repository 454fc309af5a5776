//! `swivel-harness certify`: judges a real mobile app by the traffic it sends to a
//! reference server run for it, and by what the tester sees on the phone (protocol.md
//! §11, CLI-1..CLI-12). Data flows:
//!
//! ```text
//! plan (TOML) + conformance statement ─▶ driver ─prepare─▶ server (one node, SSD, run CA, untrusted port)
//!                                           │                    │ tap (raw) + capture.har (redacted)
//!                    tester: console page,  ▼                    ▼
//!                    --auto answers, or ─▶ session ◀── observations ── app on the phone
//!                    the self-test phone    │
//!                                           ▼
//!                        judge (per rule) ─▶ RunReport ─▶ JSON · JUnit · MD · HTML ─▶ evidence bundle (zip)
//! ```
//!
//! - [`conformance`]: what is certified and the features it claims; [`plan`]: the steps.
//! - [`ca`]: the run's CA; [`server`]: the node and ports; [`listener`]: plain and TLS on
//!   one port; [`untrusted`]: the CLI-8 port; [`observe`]: what they saw.
//! - [`session`]: the shared live state; [`prepare`]: the server's part of each step;
//!   [`driver`]: the plan step by step; [`answers`]: `--auto` answer lines.
//! - [`judge`]: one judge per rule; [`report`]: the run report; [`bundle`]: the zip and
//!   its verification; [`console`]: the tester's page; [`selftest`]: the emulated phone.
//! - [`run`]: one whole run.

pub mod answers;
pub mod bundle;
pub mod ca;
pub mod conformance;
pub mod console;
pub mod driver;
pub mod judge;
pub mod listener;
pub mod observe;
pub mod plan;
pub mod prepare;
pub mod report;
pub mod run;
pub mod selftest;
pub mod server;
pub mod session;
pub mod untrusted;

pub use conformance::{Conformance, Feature};
pub use plan::Plan;
pub use run::{CertifyConfig, CertifyError, Finished, Ready, ServerSettings, Tester, certify};
