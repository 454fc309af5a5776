//! The `agentxml-3.6` wire codec (protocol.md §9): a request parser that refuses
//! hostile XML (DOCTYPE, entities, nesting, repeats, truncation, bad UTF-8) and the reply
//! writer used by every Agent-XML and SSD answer.

pub mod request;
pub mod response;

pub use request::{RequestLimits, SasRequest, XmlError, parse_sas_request};
pub use response::{PolicyItem, SasResponse, SsdResponse, SsdServer};
