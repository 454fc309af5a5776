//! Calibrating a wire profile from a capture (a HAR 1.2 file from a browser, mitmproxy,
//! Charles, Proxyman or `serve --capture`): `profile check` says part by part whether a
//! profile matches what the capture shows, `profile infer` writes a profile that does.
//! Parts are named as the profile names them (`actions.provision`, `paths.agent_xml`,
//! `strings.layout`, `ssd.path`, …), so a check's rows line up with a profile's
//! evidence labels.
//!
//! ```text
//! HAR file ─load─▶ entries ─exchange─▶ Exchange ─classify─▶ Classified{kind, XML}
//!     ─observe─▶ Observations{findings per part} ─check─▶ CheckReport (table, MD, JSON)
//!                                               └─infer─▶ WireProfile (TOML, CAPTURE)
//! ```
//!
//! - [`load`]: reading a file safely (size cap, nesting limit, errors that quote nothing).
//! - [`exchange`]: an entry's method, URL, query and decoded bodies.
//! - [`classify`]: which call an exchange is; the rest is counted as ignored.
//! - [`roles`]: finding names that the capture spells unlike the profile.
//! - [`observe`]: what the capture shows, part by part.
//! - [`check`]: the profile against the findings; [`render`]: its table, MD and JSON.
//! - [`infer`]: a profile from a base and the findings.
//! - [`privacy`]: no value from the capture reaches an output.

pub mod check;
pub mod classify;
pub mod exchange;
pub mod infer;
pub mod load;
pub mod observe;
pub mod privacy;
pub mod render;
pub mod roles;

pub use check::{CheckReport, PartRow, Verdict, check};
pub use infer::{Inferred, infer};
pub use load::{CaptureFileError, DEFAULT_MAX_BYTES, LoadedCapture, load};
pub use observe::{Finding, Observations, Shown, observe};
