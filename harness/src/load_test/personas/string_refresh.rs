//! `string-refresh`: provisioned devices top up their strings and log in. Each goose user
//! provisions one device when it starts; each iteration downloads 99 strings, logs in
//! with the OTC of the first (PASS) and tries the same OTC again (refused, OTC-1).

use goose::prelude::*;

use crate::load_test::LoadContext;
use crate::load_test::flows::{
    Ctx, LoginCheck, issue_code, login, next_position, provision_ok, state, strings_ok,
};
use crate::load_transaction;

/// Persona name.
pub const NAME: &str = "string-refresh";

/// Provisions this goose user's device.
pub async fn provision_device(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let p = next_position(user, ctx)?;
    let code = issue_code(user, ctx, p, 0).await?;
    let device = provision_ok(user, ctx, p, 0, &code, "provision").await?;
    state(user, ctx).device = Some((p, device));
    Ok(())
}

/// One iteration.
pub async fn iteration(user: &mut GooseUser, ctx: &LoadContext) -> TransactionResult {
    let Some((p, device)) = state(user, ctx).device.clone() else {
        // The start-up provision failed (and was counted); try again.
        return provision_device(user, ctx).await;
    };
    let strings = strings_ok(user, ctx, p, 0, &device).await?;
    login(
        user,
        ctx,
        p,
        0,
        &strings,
        1,
        LoginCheck {
            accept: true,
            name: "login",
            rule: "OTC-1",
        },
    )
    .await?;
    login(
        user,
        ctx,
        p,
        0,
        &strings,
        1,
        LoginCheck {
            accept: false,
            name: "login (used OTC)",
            rule: "OTC-1",
        },
    )
    .await?;
    Ok(())
}

/// The scenario.
pub fn scenario(ctx: &Ctx) -> Scenario {
    Scenario::new(NAME)
        .register_transaction(
            load_transaction!(ctx, "provision device", provision_device).set_on_start(),
        )
        .register_transaction(load_transaction!(
            ctx,
            "refresh strings and log in",
            iteration
        ))
}
