//! The server's own wire codec, an oracle independent of the harness's: a request
//! parser that refuses hostile XML (DOCTYPE, entities, nesting, repeats, truncation, bad
//! UTF-8) and the reply writers, both following the wire profile the server was started
//! with through [`ServerWire`], the view of it precomputed once at start.
//!
//! - [`request`]: the hostile-input-safe parser (root element from the profile).
//! - [`server_wire`]: [`ServerWire`], names, actions and formats, bent by wire defects.
//! - [`codes`]: canonical error codes and their wire spellings.
//! - [`response`]: the Agent-XML reply writer.
//! - [`ssd`]: the Site ID lookup's reply writer.
//! - [`xml_tree`]: a bounded element tree for nested requests; [`admin`]: Admin XML
//!   (users of a real server, protocol.md §12) read from it, and its replies.

pub mod admin;
pub mod codes;
mod escape;
pub mod request;
pub mod response;
pub mod server_wire;
pub mod ssd;
pub mod xml_tree;

#[cfg(test)]
mod tests;

pub use codes::ErrorCode;
pub use request::{RequestLimits, SasRequest, XmlError, parse_request, parse_sas_request};
pub use response::{PolicyItem, SasResponse};
pub use server_wire::{Action, RequestNames, ServerWire};
