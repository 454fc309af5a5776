//! Where a node answers, from its wire: the profile's Agent-XML, Admin XML, TokenIndex,
//! self-service and QR paths under each context (`/pinsafe`, `/proxy`, `/sentry`), the
//! SSD lookup at the server root (at `/ssd/lookup` under the ssd-old-path defect) and the
//! complete-URL landing page. Paths come from a data file, so the plan is checked before
//! any router is built: a path axum would read as a capture, or two endpoints answering
//! one method at one path, is a [`RouteError`] at start-up, never a panic.

use std::collections::BTreeMap;

use crate::wire::ServerWire;

/// The contexts a node answers under (appliance, software install, version 4).
pub const CONTEXTS: [&str; 3] = ["pinsafe", "proxy", "sentry"];
/// Where a complete URL (URL-2) opened in a browser lands.
pub const COMPLETE_LANDING: &str = "/smc/complete/{site}/{user}/{code}";

/// One thing a node answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST <context><paths.agent_xml>`.
    AgentXml,
    /// `POST <context><admin.path>` (users of a real server, protocol.md §12).
    AdminXml,
    /// `GET <context><paths.token_index>`.
    TokenIndex,
    /// `GET` (form) and `POST` (submit) `<context><paths.self_provision>`.
    SelfProvision,
    /// `GET <context><paths.qr_code>`.
    QrCode,
    /// `GET <ssd.path>` at the server root.
    SsdLookup,
    /// `GET /smc/complete/{site}/{user}/{code}`.
    CompleteLanding,
}

impl Endpoint {
    /// The HTTP methods it answers.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Endpoint::AgentXml | Endpoint::AdminXml => &["POST"],
            Endpoint::SelfProvision => &["GET", "POST"],
            Endpoint::TokenIndex
            | Endpoint::QrCode
            | Endpoint::SsdLookup
            | Endpoint::CompleteLanding => &["GET"],
        }
    }

    /// The profile part naming its path.
    pub fn part(self) -> &'static str {
        match self {
            Endpoint::AgentXml => "paths.agent_xml",
            Endpoint::AdminXml => "admin.path",
            Endpoint::TokenIndex => "paths.token_index",
            Endpoint::SelfProvision => "paths.self_provision",
            Endpoint::QrCode => "paths.qr_code",
            Endpoint::SsdLookup => "ssd.path",
            Endpoint::CompleteLanding => "the complete-URL landing page",
        }
    }
}

/// Why a wire's paths cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// A path holds `{` or `}`, which the router reads as a capture.
    #[error("{part} path {path:?} must not contain '{{' or '}}'")]
    Capture {
        /// The profile part.
        part: &'static str,
        /// The full path.
        path: String,
    },
    /// Two endpoints answer one method at one path.
    #[error(
        "{first} and {second} would both answer {method} {path}; give them different paths in the wire profile"
    )]
    Conflict {
        /// The full path.
        path: String,
        /// The method both answer.
        method: &'static str,
        /// The first endpoint's profile part.
        first: &'static str,
        /// The second endpoint's profile part.
        second: &'static str,
    },
}

/// Every full path of a node and the endpoints answering there (at most one per method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePlan {
    routes: BTreeMap<String, Vec<Endpoint>>,
}

impl RoutePlan {
    /// `(full path, endpoints)` in path order.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &[Endpoint])> {
        self.routes.iter().map(|(p, e)| (p.as_str(), e.as_slice()))
    }
}

/// The routes of a node speaking `wire`.
pub fn plan(wire: &ServerWire) -> Result<RoutePlan, RouteError> {
    let paths = wire.paths();
    let mut wanted = Vec::new();
    for context in CONTEXTS {
        for (endpoint, path) in [
            (Endpoint::AgentXml, &paths.agent_xml),
            (Endpoint::AdminXml, &wire.admin().path),
            (Endpoint::TokenIndex, &paths.token_index),
            (Endpoint::SelfProvision, &paths.self_provision),
            (Endpoint::QrCode, &paths.qr_code),
        ] {
            wanted.push((format!("/{context}{path}"), endpoint));
        }
    }
    wanted.push((wire.ssd_path().to_string(), Endpoint::SsdLookup));

    let mut routes: BTreeMap<String, Vec<Endpoint>> = BTreeMap::new();
    for (path, endpoint) in wanted {
        if path.contains(['{', '}']) {
            return Err(RouteError::Capture {
                part: endpoint.part(),
                path,
            });
        }
        add(&mut routes, path, endpoint)?;
    }
    add(
        &mut routes,
        COMPLETE_LANDING.to_string(),
        Endpoint::CompleteLanding,
    )?;
    Ok(RoutePlan { routes })
}

fn add(
    routes: &mut BTreeMap<String, Vec<Endpoint>>,
    path: String,
    endpoint: Endpoint,
) -> Result<(), RouteError> {
    let there = routes.entry(path.clone()).or_default();
    for other in there.iter() {
        if let Some(method) = endpoint
            .methods()
            .iter()
            .find(|m| other.methods().contains(m))
        {
            return Err(RouteError::Conflict {
                path,
                method,
                first: other.part(),
                second: endpoint.part(),
            });
        }
    }
    there.push(endpoint);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defects::{Defect, DefectSet};
    use crate::profile::WireProfile;

    fn paths_of(plan: &RoutePlan) -> Vec<&str> {
        plan.routes().map(|(p, _)| p).collect()
    }

    #[test]
    fn mobile_routes_every_context_and_the_ssd_at_the_root() {
        let wire = ServerWire::faithful(&WireProfile::default_profile());
        let plan = plan(&wire).expect("the built-in profile routes");
        let paths = paths_of(&plan);
        for context in CONTEXTS {
            for tail in [
                "/AgentXML",
                "/AdminXML",
                "/TokenIndex",
                "/reset/provision.jsp",
                "/userportal/getQRCode",
            ] {
                assert!(
                    paths.contains(&format!("/{context}{tail}").as_str()),
                    "{paths:?}"
                );
            }
        }
        assert!(paths.contains(&"/ssdserver/getServerDetails"));
        assert!(!paths.contains(&"/ssd/lookup"));
        assert!(paths.contains(&COMPLETE_LANDING));
        assert_eq!(paths.len(), 3 * 5 + 2);
    }

    #[test]
    fn ssd_old_path_moves_the_lookup() {
        let defects: DefectSet = [Defect::SsdOldPath].into_iter().collect();
        let wire = ServerWire::new(&WireProfile::default_profile(), &defects);
        let plan = plan(&wire).expect("routes");
        let paths = paths_of(&plan);
        assert!(paths.contains(&"/ssd/lookup"));
        assert!(!paths.contains(&"/ssdserver/getServerDetails"));
    }

    #[test]
    fn one_path_may_serve_different_methods() {
        let mut p = WireProfile::default_profile();
        p.paths.token_index = p.paths.agent_xml.clone();
        let plan = plan(&ServerWire::faithful(&p)).expect("GET and POST share a path");
        let shared = plan
            .routes()
            .find(|(path, _)| *path == "/pinsafe/AgentXML")
            .map(|(_, e)| e.to_vec());
        assert_eq!(shared, Some(vec![Endpoint::AgentXml, Endpoint::TokenIndex]));
    }

    #[test]
    fn conflicts_and_captures_are_errors() {
        let mut p = WireProfile::default_profile();
        p.paths.qr_code = p.paths.token_index.clone();
        assert_eq!(
            plan(&ServerWire::faithful(&p)).err().map(|e| e.to_string()),
            Some("paths.token_index and paths.qr_code would both answer GET /pinsafe/TokenIndex; give them different paths in the wire profile".to_string())
        );
        let mut p = WireProfile::default_profile();
        p.ssd.path = "/ssd/{id}".into();
        assert!(matches!(
            plan(&ServerWire::faithful(&p)),
            Err(RouteError::Capture {
                part: "ssd.path",
                ..
            })
        ));
    }
}
