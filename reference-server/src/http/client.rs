//! [`Client`]: the address of the client a request came from, read from the
//! `ConnectInfo<SocketAddr>` extension the accept loop puts on every request
//! ([`crate::transport::serve`]). Infallible: a request served some other way (a router
//! called directly, as the benches do) has no client, and its log entries name none.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::NodeState;
use crate::domain::Origin;

/// The client's address, when the request came over a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client(pub Option<SocketAddr>);

impl Client {
    /// The client of a request whose parts are `parts`.
    pub fn of(parts: &Parts) -> Self {
        Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        )
    }

    /// The request's origin: node `node` of `state`, this client.
    pub fn at(self, state: &NodeState) -> Origin {
        Origin::new(state.node, self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}
