//! The users file (`fixtures/users.toml`, `serve --users FILE`): a TOML list of
//! `[[users]]` tables, each a [`UserSpec`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::users::UserSpec;

/// The default users shipped in `fixtures/users.toml`, embedded so `serve` works from any
/// directory.
pub const DEFAULT_USERS_TOML: &str = include_str!("../../fixtures/users.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    users: Vec<UserSpec>,
}

/// Why a users file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum UsersFileError {
    /// The file could not be read.
    #[error("cannot read users file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid users file.
    #[error("invalid users file {origin}: {message}")]
    Parse {
        /// The file, or "built-in".
        origin: String,
        /// What is wrong, with line and column.
        message: String,
    },
}

/// Parses users TOML; `origin` names the source in errors.
pub fn parse_users(text: &str, origin: &str) -> Result<Vec<UserSpec>, UsersFileError> {
    toml::from_str::<UsersFile>(text)
        .map(|f| f.users)
        .map_err(|e| UsersFileError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })
}

/// Loads a users file.
pub fn load_users(path: &Path) -> Result<Vec<UserSpec>, UsersFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| UsersFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_users(&text, &path.display().to_string())
}

/// The built-in default users.
pub fn default_users() -> Result<Vec<UserSpec>, UsersFileError> {
    parse_users(DEFAULT_USERS_TOML, "fixtures/users.toml (built in)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::users::User;

    #[test]
    fn default_users_are_valid_and_include_one_without_mobile_right() {
        let users = default_users().unwrap();
        assert!(users.len() >= 3);
        for u in &users {
            User::from_spec(u).unwrap();
        }
        assert!(users.iter().any(|u| !u.mobile_client));
    }

    #[test]
    fn unknown_field_is_reported_with_origin() {
        let err = parse_users(
            "[[users]]\nusername='a'\npin='1234'\nmobile_client=true\ncolour='red'\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.toml") && err.contains("colour"), "{err}");
    }
}
