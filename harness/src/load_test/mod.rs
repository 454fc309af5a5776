//! Load profiles for provisioning traffic, run in-process by goose 0.19. Each persona
//! ([`personas`]) is a goose scenario whose every transaction checks the protocol result
//! (PASS, 99 strings, OTC accepted, expected refusals refused); protocol errors, HTTP
//! errors and transport errors are counted apart ([`stats`]) and every request is kept as
//! a raw sample ([`samples`]). [`report`] turns a run into its own self-contained report
//! (and makes goose's HTML work offline). [`pool`] assigns each goose user its own Swivel
//! users (and each `--shard` its own slice), [`merge`] combines the request logs of
//! several shards into one exact report. [`context`] says where codes come from: the
//! control API of a reference server, or Admin XML and the mail sink of a real server,
//! whose users [`real_pool`] creates and deletes.

pub mod context;
pub mod flows;
pub mod merge;
pub mod personas;
pub mod pool;
pub mod real_pool;
pub mod report;
pub mod samples;
pub mod stats;

pub use context::{CodeSource, LoadContext, MailCodes};
pub use stats::{LoadStats, LoadSummary};
