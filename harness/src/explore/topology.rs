//! The cluster a history runs on. On the embedded server every history starts a cluster
//! of its own, so node count and session sharing are generated and shrink with the
//! operations (toward one node). A running server cannot change shape: its histories
//! take the target's own node count and sharing, fixed, so none is SKIPPED for asking
//! for another cluster and a shrunk history still runs there.

use proptest::strategy::{BoxedStrategy, Strategy};

use super::ops::{History, Op, history};
use crate::sut::TargetSpec;

/// Node count and sharing: generated, or fixed by the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Each history draws its own (the embedded server).
    Generated,
    /// The target's (a running server).
    Fixed {
        /// Nodes.
        nodes: u16,
        /// Session sharing.
        sharing: bool,
    },
}

/// Why a target cannot be explored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// A multi-node target whose sharing nobody stated.
    #[error(
        "the target has {0} nodes and its session sharing is unknown: give --session-sharing on|off (or session_sharing in the target file)"
    )]
    UnknownSharing(usize),
    /// A real server.
    #[error(
        "explore drives a target whose clock it moves (the embedded server, or a reference server's control API); a real Swivel server (--target-kind swivel) is not supported yet: its clock steps would be real waits, and an outcome near an expiry would need accepting either way within the request's invoke-complete window, which the model does not do yet"
    )]
    RealServer,
    /// No node.
    #[error("the target lists no nodes")]
    NoNodes,
}

impl Topology {
    /// The topology histories get on `target`.
    pub fn of(target: &TargetSpec) -> Result<Self, TopologyError> {
        match target {
            TargetSpec::Embedded { .. } => Ok(Topology::Generated),
            TargetSpec::Swivel(_) => Err(TopologyError::RealServer),
            TargetSpec::External(spec) => {
                let nodes = u16::try_from(spec.nodes.len()).unwrap_or(u16::MAX);
                match (nodes, spec.session_sharing) {
                    (0, _) => Err(TopologyError::NoNodes),
                    (1, sharing) => Ok(Topology::Fixed {
                        nodes: 1,
                        sharing: sharing.unwrap_or(false),
                    }),
                    (_, Some(sharing)) => Ok(Topology::Fixed { nodes, sharing }),
                    (_, None) => Err(TopologyError::UnknownSharing(spec.nodes.len())),
                }
            }
        }
    }

    /// Histories of `min..=max` operations on this topology. On a running server the
    /// syslog probe is left out: such a target gives the harness no syslog sink of its
    /// own, so a history holding one would be SKIPPED whole.
    pub fn histories(self, min: usize, max: usize) -> BoxedStrategy<History> {
        match self {
            Topology::Generated => history(min, max).boxed(),
            Topology::Fixed { nodes, sharing } => history(min, max)
                .prop_map(move |h| History {
                    nodes,
                    sharing,
                    ops: h
                        .ops
                        .into_iter()
                        .filter(|op| !matches!(op, Op::ReadSyslog))
                        .collect(),
                })
                .boxed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;

    #[test]
    fn a_fixed_topology_holds_while_shrinking() {
        let mut runner = TestRunner::deterministic();
        let strategy = Topology::Fixed {
            nodes: 2,
            sharing: true,
        }
        .histories(5, 10);
        let mut tree = strategy.new_tree(&mut runner).unwrap();
        for _ in 0..50 {
            let h = tree.current();
            assert_eq!((h.nodes, h.sharing), (2, true));
            assert!(!h.ops.contains(&Op::ReadSyslog));
            if !tree.simplify() {
                break;
            }
        }
    }
}
