//! The mobile-client emulator: behaves like the Swivel app (Site ID lookup, provision,
//! download strings by device id, take the string at position *i* for index *i*,
//! compute OTCs) and like an Agent-XML agent for `login`, over HTTP with reqwest. What
//! it sends and how it judges a reply come from the [`crate::codec`], so the load
//! personas speak exactly the same wire. Every call returns an [`Exchange`]: the
//! request, the reply, the judged [`Outcome`] and what the app would show (protocol.md
//! §8). Replies are read as hostile input.
//!
//! - [`client`]: [`MobileClient`], [`Endpoint`], [`ClientOptions`]: one method per call.
//! - `http`: sending with a timeout and a bounded body read.
//! - [`exchange`]: [`Exchange`], one request and its judged reply.
//! - [`app_message`]: the app's messages.
//! - [`app`]: [`EmulatedApp`], the app as a person uses it (settings, provision, OTCs),
//!   the stand-in app of `certify --self-test`; [`app_defects`]: its switches, one per
//!   client rule.

pub mod app;
pub mod app_defects;
pub mod app_message;
pub mod client;
pub mod exchange;
mod http;

#[cfg(test)]
mod tests;

pub use crate::codec::otc_for;
pub use crate::codec::{Call, MalformedReply, Outcome, Reply, ReplyKind, SsdSettings, parse_reply};
pub use app::{AppUser, EmulatedApp};
pub use app_defects::{ALL_APP_DEFECTS, AppDefect, AppDefects};
pub use client::{ClientOptions, EmulatorError, Endpoint, MobileClient};
pub use exchange::Exchange;
