//! What a target offers: capabilities, nodes and session sharing. The runner compares it
//! with a case's needs before preparing anything; a case needing what the target lacks is
//! SKIPPED with a reason naming each missing piece.

use std::collections::BTreeSet;

use crate::scenario::{Capability, Needs, Sharing};

/// Nodes a target offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// As many as a case declares (the embedded target starts them).
    AsDeclared,
    /// This many.
    Exactly(usize),
}

/// Session sharing a target offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSharing {
    /// What a case declares (the embedded target starts it so).
    AsDeclared,
    /// On.
    On,
    /// Off.
    Off,
    /// Not known (no control API to ask, nothing said on the command line).
    Unknown,
}

impl SessionSharing {
    /// On or off when known (a target file, a control API), else unknown.
    pub fn known(sharing: Option<bool>) -> Self {
        match sharing {
            Some(true) => SessionSharing::On,
            Some(false) => SessionSharing::Off,
            None => SessionSharing::Unknown,
        }
    }
}

/// What a target offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Capabilities.
    pub capabilities: BTreeSet<Capability>,
    /// Nodes.
    pub nodes: Nodes,
    /// Session sharing.
    pub session_sharing: SessionSharing,
}

impl Offer {
    /// Why a case with `needs` cannot run here, naming everything missing; `None` when it
    /// can.
    pub fn lacks(&self, needs: &Needs) -> Option<String> {
        let mut reasons = Vec::new();
        let missing: Vec<Capability> = needs
            .capabilities
            .difference(&self.capabilities)
            .copied()
            .collect();
        if !missing.is_empty() {
            let named: Vec<String> = missing
                .iter()
                .map(|c| format!("{c} ({})", c.what()))
                .collect();
            reasons.push(format!(
                "needs capabilit{} {}, which this target lacks",
                if missing.len() == 1 { "y" } else { "ies" },
                named.join(", ")
            ));
        }
        if let Nodes::Exactly(have) = self.nodes
            && usize::from(needs.nodes) > have
        {
            reasons.push(format!(
                "needs {} nodes, the target has {have}",
                needs.nodes
            ));
        }
        let wanted = match needs.session_sharing {
            Sharing::Any => None,
            Sharing::On => Some((SessionSharing::On, "on")),
            Sharing::Off => Some((SessionSharing::Off, "off")),
        };
        if let Some((want, word)) = wanted
            && self.session_sharing != SessionSharing::AsDeclared
            && self.session_sharing != want
        {
            let have = match self.session_sharing {
                SessionSharing::On => "on",
                SessionSharing::Off => "off",
                _ => "unknown",
            };
            reasons.push(format!(
                "needs session sharing {word}, the target's is {have}"
            ));
        }
        (!reasons.is_empty()).then(|| format!("case {}", reasons.join("; ")))
    }

    /// The offer as reports list it: capability names, then `nodes:N` and
    /// `session-sharing:on|off|any|unknown`.
    pub fn labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = Capability::ALL
            .iter()
            .filter(|c| self.capabilities.contains(c))
            .map(|c| c.name().to_string())
            .collect();
        labels.push(match self.nodes {
            Nodes::AsDeclared => "nodes:any".into(),
            Nodes::Exactly(n) => format!("nodes:{n}"),
        });
        labels.push(
            match self.session_sharing {
                SessionSharing::AsDeclared => "session-sharing:any",
                SessionSharing::On => "session-sharing:on",
                SessionSharing::Off => "session-sharing:off",
                SessionSharing::Unknown => "session-sharing:unknown",
            }
            .into(),
        );
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(caps: &[Capability], nodes: u16, sharing: Sharing) -> Needs {
        Needs {
            capabilities: caps.iter().copied().collect(),
            nodes,
            session_sharing: sharing,
        }
    }

    fn external(caps: &[Capability], nodes: usize, sharing: SessionSharing) -> Offer {
        Offer {
            capabilities: caps.iter().copied().collect(),
            nodes: Nodes::Exactly(nodes),
            session_sharing: sharing,
        }
    }

    #[test]
    fn a_missing_capability_is_named() {
        let offer = external(&[Capability::ControlApi], 1, SessionSharing::Unknown);
        let why = offer
            .lacks(&needs(&[Capability::ClockControl], 1, Sharing::Any))
            .unwrap();
        assert_eq!(
            why,
            "case needs capability clock-control (a clock the harness can move), which this target lacks"
        );
        assert_eq!(
            offer.lacks(&needs(&[Capability::ControlApi], 1, Sharing::Any)),
            None
        );
    }

    #[test]
    fn nodes_and_sharing_are_compared() {
        let offer = external(&[], 1, SessionSharing::Off);
        let why = offer
            .lacks(&needs(
                &[Capability::ControlApi, Capability::MailSink],
                2,
                Sharing::On,
            ))
            .unwrap();
        assert!(
            why.starts_with("case needs capabilities control-api ("),
            "{why}"
        );
        assert!(why.contains("mail-sink ("), "{why}");
        assert!(
            why.ends_with(
                "which this target lacks; needs 2 nodes, the target has 1; needs session sharing on, the target's is off"
            ),
            "{why}"
        );
    }

    #[test]
    fn the_embedded_offer_starts_what_is_declared() {
        let offer = Offer {
            capabilities: BTreeSet::from([Capability::ControlApi]),
            nodes: Nodes::AsDeclared,
            session_sharing: SessionSharing::AsDeclared,
        };
        assert_eq!(
            offer.lacks(&needs(&[Capability::ControlApi], 3, Sharing::On)),
            None
        );
        assert_eq!(
            offer.labels(),
            ["control-api", "nodes:any", "session-sharing:any"]
        );
    }
}
