//! `mixed-day`: a working day's mix, by goose scenario weights: string refresh 5,
//! provision storm 2, reprovision check 2 (an OTC from before a reprovision must be
//! refused, SS-1), self-service 1.

use goose::prelude::*;

use super::{provision_storm, self_service, string_refresh};
use crate::load_test::LoadContext;
use crate::load_test::flows::{
    Ctx, LoginCheck, issue_code, login, next_position, provision_ok, strings_ok,
};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "mixed-day";

/// Reprovision check: strings from before a reprovision no longer authenticate (SS-1).
pub async fn reprovision_check(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    let code = issue_code(user, ctx, p, 0).await?;
    let device = provision_ok(user, ctx, p, 0, &code, "provision").await?;
    let strings = strings_ok(user, ctx, p, 0, &device).await?;
    let code = issue_code(user, ctx, p, 0).await?;
    provision_ok(user, ctx, p, 0, &code, "provision").await?;
    login(
        user,
        ctx,
        p,
        0,
        &strings,
        2,
        LoginCheck {
            accept: false,
            name: "login (string from before reprovision)",
            rule: "SS-1",
        },
    )
    .await?;
    Ok(())
}

/// The weighted scenarios.
pub fn scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, GooseError> {
    Ok(vec![
        string_refresh::scenario(ctx).set_weight(5)?,
        provision_storm::scenario(ctx).set_weight(2)?,
        Scenario::new("reprovision-check")
            .register_transaction(load_transaction!(
                ctx,
                "reprovision check",
                reprovision_check
            ))
            .set_weight(2)?,
        self_service::scenario(ctx).set_weight(1)?,
    ])
}
