//! [`NodeState`], what every handler of one node sees, in one shared allocation: axum
//! copies a router's state for every request, and this makes that copy one reference
//! count instead of one per part. The core's own count sits beside its lock, which every
//! mobile request takes, so copying the core per request made the two server threads
//! pass that cache line back and forth twice more per request.

use std::ops::Deref;
use std::sync::Arc;

use super::NodeLimits;
use crate::domain::Core;
use crate::wire::ServerWire;

/// The parts of a node's state.
#[derive(Debug)]
pub struct Node {
    /// The shared server.
    pub core: Core,
    /// This node's index (1-based).
    pub node: u16,
    /// Body limits.
    pub limits: NodeLimits,
    /// The wire every node of the server speaks, shared.
    pub wire: Arc<ServerWire>,
}

/// What every handler of one node sees; derefs to [`Node`].
#[derive(Debug, Clone)]
pub struct NodeState(Arc<Node>);

impl NodeState {
    /// The state of node `node` of `core`, speaking `wire`.
    pub fn new(core: Core, node: u16, limits: NodeLimits, wire: Arc<ServerWire>) -> Self {
        Self(Arc::new(Node {
            core,
            node,
            limits,
            wire,
        }))
    }
}

impl Deref for NodeState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.0
    }
}
