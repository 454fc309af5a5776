//! The mobile-client emulator: behaves like the Swivel app (settings or Site ID,
//! provision, download strings, compute OTCs) and like an Agent-XML agent for `login`,
//! over HTTP with reqwest, speaking whatever [`crate::profile::WireProfile`] it is given.
//! Every call returns an [`Exchange`]: the request, the reply, the judged [`Outcome`]
//! and what the app would show (protocol.md §8). Replies are read as hostile input.
//!
//! - [`client`]: [`MobileClient`], [`Endpoint`], [`ClientOptions`]: one method per call.
//! - [`request`]: the request bodies, escaped.
//! - `http`: sending with a timeout and a bounded body read.
//! - `xml`: the safe reply reader; [`reply`]: what a reply says ([`Reply`]).
//! - [`classify`]: reply → [`Outcome`] per call kind.
//! - [`exchange`]: [`Exchange`], [`Call`], [`Outcome`].
//! - [`app_message`]: the app's messages; [`otc`]: OTC-1; [`qr`]: reading QR images.

pub mod app_message;
pub mod classify;
pub mod client;
pub mod exchange;
mod http;
pub mod otc;
pub mod qr;
pub mod reply;
pub mod request;
mod xml;

#[cfg(test)]
mod tests;

pub use client::{ClientOptions, EmulatorError, Endpoint, MobileClient};
pub use exchange::{Call, Exchange, Outcome};
pub use otc::otc_for;
pub use reply::{Reply, ReplyKind, SsdSettings, parse_reply};
pub use xml::MalformedReply;
