//! `self-service`: users provision themselves. Each iteration posts the self-service page
//! (the policy allows it for the run), reads the code the server sent the user (the
//! outbox, or the mail sink on a real server) and provisions with it (SP-1, PC-1).

use goose::prelude::*;

use crate::load_test::LoadContext;
use crate::load_test::flows::{Ctx, next_position, provision_ok, self_service_code};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "self-service";

/// One iteration.
pub async fn iteration(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    let code = self_service_code(user, ctx, p, 0).await?;
    provision_ok(user, ctx, p, 0, &code, "provision").await?;
    Ok(())
}

/// The scenario.
pub fn scenario(ctx: &Ctx) -> Scenario {
    Scenario::new(NAME).register_transaction(load_transaction!(ctx, "self-provision", iteration))
}
