//! `cluster-spread`: users spread over the nodes. Each iteration issues a code on the
//! user's home node and presents it to the next node: without session sharing it must be
//! refused there and still work at home (CL-1); with sharing it works on the other node
//! and is then refused at home (CL-2). Cross-node attempts and refusals are counted.

use goose::prelude::*;

use crate::load_test::LoadContext;
use crate::load_test::flows::{Ctx, issue_code, next_position, provision_ok, provision_refused};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "cluster-spread";

/// One iteration.
pub async fn iteration(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    let home = p % ctx.nodes.len();
    let other = (home + 1) % ctx.nodes.len();
    let code = issue_code(user, ctx, p, home).await?;
    if ctx.session_sharing {
        let result = provision_ok(user, ctx, p, other, &code, "provision (other node)").await;
        ctx.stats.cross_node(result.is_err());
        result?;
        provision_refused(
            user,
            ctx,
            p,
            home,
            &code,
            "provision (home node, used code)",
            "CL-2",
        )
        .await?;
    } else {
        let result =
            provision_refused(user, ctx, p, other, &code, "provision (other node)", "CL-1").await;
        ctx.stats.cross_node(result.is_ok());
        result?;
        provision_ok(user, ctx, p, home, &code, "provision (home node)").await?;
    }
    Ok(())
}

/// The scenario.
pub fn scenario(ctx: &Ctx) -> Scenario {
    Scenario::new(NAME).register_transaction(load_transaction!(
        ctx,
        "cross-node provision",
        iteration
    ))
}
