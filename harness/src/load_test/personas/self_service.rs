//! `self-service`: users provision themselves. Each iteration posts the self-service page
//! (the policy allows it for the run), reads the code from the user's outbox and
//! provisions with it (SP-1, PC-1).

use goose::prelude::*;

use crate::load_test::LoadContext;
use crate::load_test::flows::{Ctx, next_position, provision_ok, read_code, self_provision};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "self-service";

/// One iteration.
pub async fn iteration(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    self_provision(user, ctx, p, 0).await?;
    let code = read_code(user, ctx, p).await?;
    provision_ok(user, ctx, p, 0, &code, "provision").await?;
    Ok(())
}

/// The scenario.
pub fn scenario(ctx: &Ctx) -> Scenario {
    Scenario::new(NAME).register_transaction(load_transaction!(ctx, "self-provision", iteration))
}
