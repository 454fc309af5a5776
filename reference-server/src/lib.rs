//! The swivel-harness reference server: an in-memory Swivel mobile-provisioning server
//! that follows every rule of `shared/protocol.md`, with a cluster mode, an injected
//! clock, a token-protected control API and defect switches that break one rule each.
//!
//! Layers, innermost first:
//! - [`clock`]: the injected time source; no rule reads the wall clock directly.
//! - [`domain`]: users, policies, provision codes, devices, strings, log and outbox, with
//!   no HTTP in it. Every operation names the rule IDs it implements.
//! - [`rules`]: the rule catalogue of protocol.md (generated from `fixtures/rules.toml`)
//!   and [`RuleId`](rules::RuleId), the typed rule ID everything cites.
//! - [`defects`]: the switches that each break exactly one rule, one table row each.
//! - [`profile`]: wire profiles (`mobile-3.6`, `agentxml-3.6`, or a file), the data the
//!   harness reads too; the server's own XML code below follows the loaded one.
//! - [`wire`]: the server's codec (a hostile-input-safe request parser and the
//!   reply writers), speaking the loaded profile through [`wire::ServerWire`], the view of
//!   it precomputed once at start.
//! - [`http`]: axum routers for a node (Agent-XML, TokenIndex, self-service, QR, SSD,
//!   landing page, at the profile's paths) and for the control API.
//! - [`transport`]: the accept loop (plain or TLS, with read timeouts and graceful stop).
//! - [`outlets`]: what a real server sends outside, imitated: SYS-1 lines to a syslog
//!   host, e-mail transports' messages to an SMTP relay (protocol.md §12).
//! - [`cluster`]: starts N nodes, the control listener (optional) and the outlets over
//!   one repository.
//! - [`har`]: HTTP Archive (HAR 1.2) files, which `serve --capture` writes, and their
//!   redaction.

pub mod clock;
pub mod cluster;
pub mod defects;
pub mod domain;
pub mod har;
pub mod http;
pub mod outlets;
pub mod policies_file;
pub mod profile;
pub mod rules;
pub mod transport;
pub mod users_file;
pub mod wire;
