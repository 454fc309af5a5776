//! A prepared pool of users (`--user-pool FILE`), for a real server without a repository
//! agent: users an administrator created beforehand, each with the Mobile Client right
//! and an e-mail alert transport pointing at the harness's mail sink. Each is handed out
//! once per run, so no two cases (or reruns) share a user's codes and devices.
//!
//! The file has one user per line, `username,pin,email`; blank lines and lines starting
//! with `#` are skipped.

use std::path::Path;
use std::sync::Mutex;

/// One prepared user.
#[derive(Clone, PartialEq, Eq)]
pub struct PoolUser {
    /// Username on the server.
    pub username: String,
    /// Its PIN (a secret: never printed).
    pub pin: String,
    /// Where its alert transport sends mail.
    pub email: String,
}

impl std::fmt::Debug for PoolUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Why a pool file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("user pool {path}: {message}")]
pub struct PoolError {
    /// The file.
    pub path: String,
    /// What is wrong (line numbers from 1).
    pub message: String,
}

/// The pool: users not yet handed out.
#[derive(Debug)]
pub struct UserPool {
    free: Mutex<Vec<PoolUser>>,
    total: usize,
}

impl UserPool {
    /// Reads a pool file.
    pub fn read(path: &Path) -> Result<UserPool, PoolError> {
        let err = |message: String| PoolError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        UserPool::parse(&text).map_err(err)
    }

    /// Parses a pool's text.
    pub fn parse(text: &str) -> Result<UserPool, String> {
        let mut users = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [username, pin, email] = fields.as_slice() else {
                return Err(format!(
                    "line {}: expected username,pin,email ({} fields found)",
                    i + 1,
                    fields.len()
                ));
            };
            if username.is_empty() || !email.contains('@') {
                return Err(format!(
                    "line {}: a username and an e-mail address are required",
                    i + 1
                ));
            }
            if pin.is_empty() || !pin.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("line {}: the PIN must be digits", i + 1));
            }
            users.push(PoolUser {
                username: (*username).to_string(),
                pin: (*pin).to_string(),
                email: (*email).to_string(),
            });
        }
        if users.is_empty() {
            return Err("holds no user".into());
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

    /// Whether the pool started empty (never: `parse` refuses it).
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_handed_out_once_in_file_order() {
        let pool = UserPool::parse("# prepared\nann,1234,ann@x.test\n\nben, 5678 ,ben@x.test\n")
            .unwrap();
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.take().unwrap().username, "ann");
        let ben = pool.take().unwrap();
        assert_eq!((ben.username.as_str(), ben.pin.as_str()), ("ben", "5678"));
        assert!(pool.take().is_none());
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(
            UserPool::parse("ann,1234\n").unwrap_err(),
            "line 1: expected username,pin,email (2 fields found)"
        );
        assert_eq!(
            UserPool::parse("ann,12a4,ann@x.test").unwrap_err(),
            "line 1: the PIN must be digits"
        );
        assert_eq!(UserPool::parse("# none\n").unwrap_err(), "holds no user");
    }

    #[test]
    fn debug_hides_the_pin() {
        let pool = UserPool::parse("ann,987654,ann@x.test").unwrap();
        let shown = format!("{:?}", pool.take().unwrap());
        assert!(!shown.contains("987654"), "{shown}");
    }
}
