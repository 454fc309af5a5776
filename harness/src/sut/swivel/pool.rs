//! A prepared pool of users (`--user-pool FILE`), for a real server without a repository
//! agent: users an administrator created beforehand, each with the Mobile Client right
//! and an e-mail alert transport pointing at the harness's mail sink. The file is the
//! load pool's (`username,pin,email` per line, `load_test::pool`), with the e-mail
//! required. Each user is handed out once per run, so no two cases (or reruns) share a
//! user's codes and devices.

use std::path::Path;
use std::sync::Mutex;

use crate::load_test::pool::{PoolUser, Shard, from_file};

/// Why a pool file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PoolError(pub String);

/// The pool: users not yet handed out.
#[derive(Debug)]
pub struct UserPool {
    free: Mutex<Vec<PoolUser>>,
    total: usize,
}

impl UserPool {
    /// Reads a pool file; every user needs an e-mail address.
    pub fn read(path: &Path) -> Result<UserPool, PoolError> {
        let users = from_file(path, Shard::default()).map_err(PoolError)?;
        UserPool::new(users).map_err(|e| PoolError(format!("user pool {}: {e}", path.display())))
    }

    /// A pool of `users`, handed out in their order.
    pub fn new(mut users: Vec<PoolUser>) -> Result<UserPool, String> {
        if let Some(u) = users.iter().find(|u| u.email.is_none()) {
            return Err(format!(
                "user {} has no e-mail address (username,pin,email): a real server's codes reach the harness by e-mail",
                u.username
            ));
        }
        users.reverse();
        let total = users.len();
        Ok(UserPool {
            free: Mutex::new(users),
            total,
        })
    }

    /// Hands out the next unused user; `None` when every user has been used.
    pub fn take(&self) -> Option<PoolUser> {
        self.free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
    }

    /// How many users the pool started with.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether the pool started empty.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, email: Option<&str>) -> PoolUser {
        PoolUser {
            username: name.into(),
            pin: "1234".into(),
            email: email.map(str::to_string),
        }
    }

    #[test]
    fn users_are_handed_out_once_in_order() {
        let pool = UserPool::new(vec![
            user("ann", Some("a@x.test")),
            user("ben", Some("b@x.test")),
        ])
        .unwrap();
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.take().unwrap().username, "ann");
        assert_eq!(pool.take().unwrap().username, "ben");
        assert!(pool.take().is_none());
    }

    #[test]
    fn a_user_without_e_mail_is_named() {
        let err = UserPool::new(vec![user("ann", None)]).unwrap_err();
        assert!(err.starts_with("user ann has no e-mail address"), "{err}");
    }
}
