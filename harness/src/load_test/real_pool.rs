//! The load pool on a real Swivel server (protocol.md §12): generated users are created
//! through Admin XML before the run, in batches, each with an e-mail alert transport
//! (`<username>@swivel-harness.test`) registered in the mail sink, and deleted after the
//! run, best effort; users of a pool file exist already and only their e-mail addresses
//! are registered (every one needs one: a real server's codes reach the harness by mail).

use crate::codec::admin::{AdminOutcome, AdminReply, AdminUser};
use crate::load_test::pool::PoolUser;
use crate::sut::{BackstageError, SwivelSpec};

/// Users created or deleted per Admin XML request.
pub const BATCH: usize = 50;
/// The domain of generated users' e-mail addresses (a reserved test domain: nothing is
/// ever delivered there but through the server's SMTP transport to the mail sink).
pub const EMAIL_DOMAIN: &str = "swivel-harness.test";

/// Why the pool could not be set up on the server.
#[derive(Debug, thiserror::Error)]
pub enum RealPoolError {
    /// The target has no mail sink to read codes from.
    #[error("a load against a real server reads its codes by e-mail: give --smtp-bind ADDR")]
    NoMailSink,
    /// Generated users need Admin XML.
    #[error(
        "a load against a real server needs its users: --admin-secret S (a repository agent creates them over Admin XML) or --user-pool FILE (username,pin,email of existing users)"
    )]
    NoAdmin,
    /// A pool file user without an e-mail address.
    #[error(
        "user pool: user {0} has no e-mail address (username,pin,email): a real server's codes reach the harness by e-mail"
    )]
    NoEmail(String),
    /// An Admin XML request failed or was refused as a whole.
    #[error("creating the user pool through Admin XML: {0}")]
    Admin(#[from] BackstageError),
    /// Some users were not created.
    #[error(
        "Admin XML did not create {count} of the pool's users, e.g. {first}: {why} (the users it did create were deleted again)"
    )]
    NotCreated {
        /// How many failed.
        count: usize,
        /// The first that failed.
        first: String,
        /// Its reason.
        why: String,
    },
}

/// The e-mail address of a generated user.
pub fn email_of(username: &str) -> String {
    format!("{username}@{EMAIL_DOMAIN}")
}

/// Registers every pool user's e-mail address in the target's mail sink, so that mail
/// to it is matched to the user; every user needs one.
pub fn register(target: &SwivelSpec, users: &[PoolUser]) -> Result<(), RealPoolError> {
    let mail = target.mail.as_ref().ok_or(RealPoolError::NoMailSink)?;
    for u in users {
        let email = u
            .email
            .as_deref()
            .ok_or_else(|| RealPoolError::NoEmail(u.username.clone()))?;
        mail.register_user(&u.username, email);
    }
    Ok(())
}

/// Creates `users` through Admin XML in batches of [`BATCH`] (a user without an e-mail
/// address gets [`email_of`] its name) and registers their addresses. On any failure the
/// users created so far are deleted again and the error names the first that failed.
pub async fn create(target: &SwivelSpec, users: &mut [PoolUser]) -> Result<(), RealPoolError> {
    let admin = target.admin.as_ref().ok_or(RealPoolError::NoAdmin)?;
    for u in users.iter_mut() {
        if u.email.is_none() {
            u.email = Some(email_of(&u.username));
        }
    }
    register(target, users)?;
    let mut created: Vec<PoolUser> = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    for batch in users.chunks(BATCH) {
        let request: Vec<AdminUser> = batch
            .iter()
            .map(|u| AdminUser::mobile(&u.username, &u.pin, u.email.as_deref().unwrap_or("")))
            .collect();
        let reply = match admin.create_many(target, &request).await {
            Ok(reply) => reply,
            Err(e) => {
                let _ = delete(target, &created).await;
                return Err(e.into());
            }
        };
        if let AdminReply::Refused(why) = &reply {
            let _ = delete(target, &created).await;
            return Err(BackstageError::Refused {
                what: "Admin XML create".into(),
                message: why.clone().unwrap_or_else(|| "refused as a whole".into()),
            }
            .into());
        }
        for u in batch {
            match reply.outcome(&u.username) {
                Some(AdminOutcome::Pass) => created.push(u.clone()),
                Some(AdminOutcome::Fail(why)) => failed.push((
                    u.username.clone(),
                    why.clone().unwrap_or_else(|| "failed".into()),
                )),
                None => failed.push((u.username.clone(), "the reply names no result".into())),
            }
        }
    }
    match failed.first() {
        None => Ok(()),
        Some((first, why)) => {
            let _ = delete(target, &created).await;
            Err(RealPoolError::NotCreated {
                count: failed.len(),
                first: first.clone(),
                why: why.clone(),
            })
        }
    }
}

/// Deletes `users` through Admin XML in batches, best effort; returns one line per
/// problem (a failed request, or a user not deleted), for warnings.
pub async fn delete(target: &SwivelSpec, users: &[PoolUser]) -> Vec<String> {
    let Some(admin) = &target.admin else {
        return vec!["no Admin XML access to delete the users with".into()];
    };
    let mut problems = Vec::new();
    for batch in users.chunks(BATCH) {
        let names: Vec<&str> = batch.iter().map(|u| u.username.as_str()).collect();
        match admin.delete_many(target, &names).await {
            Err(e) => problems.push(format!("{} user(s) not deleted: {e}", names.len())),
            Ok(AdminReply::Refused(why)) => problems.push(format!(
                "{} user(s) not deleted: Admin XML refused the request: {}",
                names.len(),
                why.unwrap_or_else(|| "no reason given".into())
            )),
            Ok(reply) => {
                for name in names {
                    if !reply.passed(name) {
                        problems.push(format!("user {name} not deleted"));
                    }
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_users_get_an_address_in_the_test_domain() {
        assert_eq!(email_of("load-x-s1-0"), "load-x-s1-0@swivel-harness.test");
    }
}
