//! `provision-storm`: the rollout morning. Each iteration issues a code (control API, or
//! Admin XML and the mail sink on a real server), provisions with it (PASS with a device
//! id), downloads strings (99), then presents the same code again, which must be refused
//! (PC-5).

use goose::prelude::*;

use crate::load_test::LoadContext;
use crate::load_test::flows::{
    Ctx, issue_code, next_position, provision_ok, provision_refused, strings_ok,
};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "provision-storm";

/// One iteration.
pub async fn iteration(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    let code = issue_code(user, ctx, p, 0).await?;
    let device = provision_ok(user, ctx, p, 0, &code, "provision").await?;
    strings_ok(user, ctx, p, 0, &device).await?;
    provision_refused(user, ctx, p, 0, &code, "provision (used code)", "PC-5").await?;
    Ok(())
}

/// The scenario.
pub fn scenario(ctx: &Ctx) -> Scenario {
    Scenario::new(NAME).register_transaction(load_transaction!(ctx, "provision storm", iteration))
}
