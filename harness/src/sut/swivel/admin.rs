//! Admin XML (protocol.md §12) as the `swivel` target uses it: create and delete the
//! users of a case, and the administrator's Reprovision, through an agent that acts as a
//! repository. The request and reply shapes are the wire profile's `[admin]` section
//! (ASSUMED until a capture confirms them), built and read by `codec::admin`; this module
//! only sends them and turns each per-user result into a [`BackstageError`].

use super::SwivelSpec;
use crate::sut::backstage::{BackstageError, NewUser};

/// The secret of the repository agent Admin XML requests carry.
#[derive(Clone)]
pub struct AdminAccess {
    /// The agent's shared secret.
    pub secret: String,
}

impl std::fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminAccess { secret: <redacted> }")
    }
}

impl AdminAccess {
    /// Creates `user` in the agent's repository.
    pub async fn create(&self, _spec: &SwivelSpec, _user: &NewUser) -> Result<(), BackstageError> {
        Err(not_wired("create"))
    }

    /// Deletes `username`.
    pub async fn delete(&self, _spec: &SwivelSpec, _username: &str) -> Result<(), BackstageError> {
        Err(not_wired("delete"))
    }

    /// The administrator's Reprovision of `username`, sent to node `node`.
    pub async fn reprovision(
        &self,
        _spec: &SwivelSpec,
        _username: &str,
        _node: u16,
    ) -> Result<(), BackstageError> {
        Err(not_wired("reprovision"))
    }
}

fn not_wired(what: &str) -> BackstageError {
    BackstageError::Failed {
        what: format!("Admin XML {what}"),
        message: "not wired yet".into(),
    }
}
