//! HTTP integration tests of the reference server, one test binary (`--test http`).
//!
//! Every test starts its own cluster on 127.0.0.1 ephemeral ports, speaking the default
//! wire profile `mobile-3.6` unless it asks for another, with the default users
//! of `fixtures/users.toml`, a manual clock (moved through `POST /control/clock/advance`,
//! never by sleeping) and short read timeouts, drives it over real HTTP with reqwest or
//! raw TCP, and shuts it down. Tests are named after the protocol.md rule IDs they check.
//!
//! - [`flows`]: end-to-end flows (acceptance flow, clusters, expiry, pages, SSD, QR).
//! - [`logs`]: LOG-1..LOG-9 texts, nodes and clock stamps.
//! - [`policies`]: PC-3 validation of the policy API.
//! - [`control`]: the control API's token guard and routes.
//! - [`hostile`]: hostile clients; each is answered fast and the node survives.
//! - [`concurrency`]: PC-9 with 50 concurrent attempts.
//! - [`defects`]: every defect switch, shown to break its rule over HTTP.
//! - [`snapshots`]: insta snapshots of normalised replies, under both built-in profiles.
//! - [`wire`]: the default wire `mobile-3.6` (WIRE-1..WIRE-6) and edited profiles.
//! - [`agentxml`]: the important flows under the earlier spelling `agentxml-3.6`.
//! - [`admin_xml`]: Admin XML (users of a real server, §12): create, provision, delete,
//!   secrets, hostile bodies, reprovision per node; a server without a control API.

mod admin_xml;
mod agentxml;
mod concurrency;
mod control;
mod defects;
mod flows;
mod hostile;
mod logs;
mod policies;
mod snapshots;
mod support;
mod wire;
