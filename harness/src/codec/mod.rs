//! The client codec: everything a client needs to speak a wire profile, without any
//! transport. Requests are written from the profile ([`request`]), replies are read
//! ([`reply`]) and judged ([`judge`]) from status and body, strings are taken by
//! position ([`strings`]) and turned into OTCs ([`otc`]). The emulator sends with
//! reqwest and the load personas with goose, both through this module, so a spelling or
//! a rule changes in one place and `load` can never judge differently from `run`.
//!
//! - [`call`]: [`Call`] and [`Outcome`].
//! - [`request`]: [`WireRequest`] and one builder per call.
//! - `xml`: the hostile-input-safe reply reader; [`reply`]: what a reply says.
//! - [`judge`]: reply → [`Outcome`] per call kind.
//! - [`strings`]: the strings layout; [`otc`]: OTC-1; [`qr`]: reading QR images.
//! - [`admin`]: Admin XML (users of a real server, protocol.md §12): request bodies
//!   from the profile's `[admin]` section, replies read into per-user results.

pub mod admin;
pub mod call;
pub mod judge;
pub mod otc;
pub mod qr;
pub mod reply;
pub mod request;
pub mod strings;
pub(crate) mod xml;

pub use call::{Call, Outcome};
pub use judge::{Received, judge};
pub use otc::otc_for;
pub use reply::{Reply, ReplyKind, SsdSettings, parse_reply};
pub use request::{ProvisionExtras, WireRequest};
pub use xml::MalformedReply;
