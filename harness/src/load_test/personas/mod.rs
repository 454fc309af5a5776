//! The load personas, one per file (goose examples' style): each is a small goose
//! program of checked protocol steps. [`build`] returns a persona's scenarios.

pub mod cluster_spread;
pub mod mixed_day;
pub mod provision_storm;
pub mod self_service;
pub mod string_refresh;

use goose::prelude::*;

use super::flows::Ctx;

/// Every persona: name, one-line description.
pub const PERSONAS: &[(&str, &str)] = &[
    (
        provision_storm::NAME,
        "issue a code, provision, download strings, try the used code again (refused)",
    ),
    (
        string_refresh::NAME,
        "provisioned devices download strings and log in with an OTC (a used OTC is refused)",
    ),
    (
        self_service::NAME,
        "self-provision requests: the page, the code from the outbox or the mail, provision",
    ),
    (
        mixed_day::NAME,
        "a weighted mix: string refresh 5, provision storm 2, reprovision check 2, self-service 1",
    ),
    (
        cluster_spread::NAME,
        "users spread over nodes: a code issued on one node presented to another",
    ),
];

/// Whether the persona needs self-provisioning allowed by policy.
pub fn needs_self_provision(name: &str) -> bool {
    name == self_service::NAME || name == mixed_day::NAME
}

/// The scenarios of persona `name`.
pub fn build(name: &str, ctx: &Ctx) -> Result<Vec<Scenario>, GooseError> {
    Ok(match name {
        provision_storm::NAME => vec![provision_storm::scenario(ctx)],
        string_refresh::NAME => vec![string_refresh::scenario(ctx)],
        self_service::NAME => vec![self_service::scenario(ctx)],
        mixed_day::NAME => mixed_day::scenarios(ctx)?,
        cluster_spread::NAME => vec![cluster_spread::scenario(ctx)],
        other => {
            return Err(GooseError::InvalidOption {
                option: "--profile".into(),
                value: other.into(),
                detail: format!(
                    "no such load persona; known: {}",
                    PERSONAS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    })
}
