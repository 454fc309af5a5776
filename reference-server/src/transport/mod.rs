//! Network transport for the reference server: the accept loop that serves an axum
//! router over plain TCP or TLS, with header and body read timeouts, a connection cap and
//! graceful shutdown.

pub mod listener;
pub mod tls;

pub use listener::{ServeLimits, serve};
pub use tls::{TlsError, TlsMaterial, TlsSource, tls_acceptor};
