//! The user pool a load run provisions: created in the embedded server (or through the
//! control API), or read from a file of existing users. `--shard I/N` keeps every N-th
//! user starting at I, so shards never share a user; inside a run, goose user k owns the
//! pool entries whose position modulo the user count is k, so no two goose users
//! provision the same Swivel user at once.

use std::path::Path;

/// One pool user.
#[derive(Clone, PartialEq, Eq)]
pub struct PoolUser {
    /// Username.
    pub username: String,
    /// PIN (a secret: Debug leaves it out).
    pub pin: String,
    /// Where the user's alert transport sends mail, when the file says (a real server's
    /// codes reach the harness's mail sink by this address).
    pub email: Option<String>,
}

impl std::fmt::Debug for PoolUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A shard of a distributed run: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This process's shard, 1..=count.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("--shard wants I/N with 1 <= I <= N, e.g. 2/4; got {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 1, count: 1 }
    }
}

impl Shard {
    /// Whether pool position `position` belongs to this shard.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

/// Users the harness creates: `load-s<shard>-<n>`, PIN 3759.
pub fn generated(count: usize, shard: Shard) -> Vec<PoolUser> {
    generated_as("load", count, shard)
}

/// Users the harness creates: `<prefix>-s<shard>-<n>`, PIN 3759 (on a shared server the
/// prefix carries a run tag, so that no run meets another's users).
pub fn generated_as(prefix: &str, count: usize, shard: Shard) -> Vec<PoolUser> {
    (0..count)
        .map(|n| PoolUser {
            username: format!("{prefix}-s{}-{n}", shard.index),
            pin: "3759".into(),
            email: None,
        })
        .collect()
}

/// Reads a pool file: one `username,pin[,email]` per line; `#` comments and blank lines
/// skipped. Keeps this shard's lines.
pub fn from_file(path: &Path, shard: Shard) -> Result<Vec<PoolUser>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("user pool {}: {e}", path.display()))?;
    let mut users = Vec::new();
    let mut position = 0;
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| {
            format!(
                "user pool {} line {}: want username,pin[,email]: {why}",
                path.display(),
                line_no + 1
            )
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let (username, pin, email) = match fields.as_slice() {
            [u, p] => (*u, *p, None),
            [u, p, e] => (*u, *p, Some(*e)),
            _ => return Err(bad(&format!("{} fields", fields.len()))),
        };
        if username.is_empty() {
            return Err(bad("no username"));
        }
        if pin.is_empty() || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the PIN must be digits"));
        }
        if email.is_some_and(|e| !e.contains('@')) {
            return Err(bad("the e-mail address has no @"));
        }
        if shard.owns(position) {
            users.push(PoolUser {
                username: username.into(),
                pin: pin.into(),
                email: email.map(str::to_string),
            });
        }
        position += 1;
    }
    if users.is_empty() {
        return Err(format!(
            "user pool {} has no users for shard {}/{}",
            path.display(),
            shard.index,
            shard.count
        ));
    }
    Ok(users)
}

/// The pool positions goose user `user` (0-based) owns when `users` goose users share a
/// pool of `pool_len`.
pub fn owned_by(user: usize, users: usize, pool_len: usize) -> Vec<usize> {
    let users = users.max(1);
    (0..pool_len)
        .filter(|p| p % users == user % users)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let shards: Vec<Shard> = ["1/3", "2/3", "3/3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for p in 0..30 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn goose_users_own_disjoint_positions() {
        let a = owned_by(0, 3, 10);
        let b = owned_by(1, 3, 10);
        assert_eq!(a, vec![0, 3, 6, 9]);
        assert!(a.iter().all(|p| !b.contains(p)));
    }

    #[test]
    fn pool_file_is_parsed_and_sharded() {
        let path = std::env::temp_dir().join(format!("swivel-pool-{}.csv", std::process::id()));
        std::fs::write(
            &path,
            "# users\nalice,3759\nbob,1234,bob@x.test\n\ncarol,4321\n",
        )
        .unwrap();
        let all = from_file(&path, Shard::default()).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].email.as_deref(), Some("bob@x.test"));
        assert!(!format!("{:?}", all[1]).contains("1234"));
        let second: Shard = "2/2".parse().unwrap();
        assert_eq!(from_file(&path, second).unwrap()[0].username, "bob");
        std::fs::write(&path, "alice\n").unwrap();
        assert!(
            from_file(&path, Shard::default())
                .unwrap_err()
                .contains("line 1")
        );
        let _ = std::fs::remove_file(&path);
    }
}
