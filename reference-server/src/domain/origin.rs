//! [`Origin`]: where an operation of the core was asked for, the node that received it
//! and, for a request over HTTP, the client's address. The node decides which session
//! store a code lives in (CL-1); the client only travels into the log entries the
//! request causes, so that the syslog outlet can write it (SYS-1). Every operation that
//! takes an origin also takes a bare node number (`core.provision(1, …)`), which is a
//! request without a known client: the control API, tests and benches.

use std::net::SocketAddr;

/// The node (1-based) and, when known, the client a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The node that received the request.
    pub node: u16,
    /// The client's address and port, when the request came over a node's listener.
    pub client: Option<SocketAddr>,
}

impl Origin {
    /// A request to `node` from `client`.
    pub fn new(node: u16, client: Option<SocketAddr>) -> Self {
        Self { node, client }
    }
}

impl From<u16> for Origin {
    fn from(node: u16) -> Self {
        Self { node, client: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_node_has_no_client() {
        let o: Origin = 3.into();
        assert_eq!((o.node, o.client), (3, None));
        let addr: SocketAddr = "127.0.0.9:4711".parse().unwrap();
        assert_eq!(Origin::new(2, Some(addr)).client, Some(addr));
    }
}
