//! The refusals of the domain core, one enum per caller: the mobile app, an Agent-XML
//! agent, and the administrator (control API). The HTTP layer maps each to its wire form.

use super::policy::PolicyError;
use super::users::UserError;

/// Why a mobile request (provision, strings, token index) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobileError {
    /// USR-1: the username is not in the repository.
    #[error("user not found")]
    UnknownUser,
    /// PC-4, PC-5, PC-6, CL-1: wrong, used, expired or other-node code.
    #[error("provision code not valid or has already been used")]
    ProvisionFailure,
    /// DEV-2, SS-2: the device id is not the one bound to the user.
    #[error("device is not provisioned for this user")]
    DeviceNotProvisioned,
    /// SS-5: the user's groups lack the Mobile Client right.
    #[error("user does not have the Mobile Client right")]
    NoMobileRight,
    /// TokenIndex before a download or after every string was used.
    #[error("no unused security strings; download strings first")]
    NoStrings,
}

/// Why an Agent-XML login was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// USR-2: the username is not in the repository.
    #[error("user not found")]
    UnknownUser,
    /// OTC-1: wrong, used or malformed OTC, or no valid strings.
    #[error("one-time code not accepted")]
    BadOtc,
}

/// Why an administrator action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// A user record problem (bad spec, exists, not found).
    #[error(transparent)]
    User(#[from] UserError),
    /// PC-2: the user has no transport to receive the code.
    #[error("user \"{0}\" has no {1} transport to deliver the provision code to")]
    NoTransport(String, &'static str),
    /// A node index outside 1..=N.
    #[error("node {0} does not exist (this server has {1} nodes)")]
    NoSuchNode(u16, u16),
    /// Policies the console refuses (the configured ones at start).
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// Why a self-provision request was refused (SP-1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelfProvisionError {
    /// The policy "Allow user self-provision of mobile client" is No.
    #[error("self-provisioning of mobile clients is not allowed by policy")]
    NotAllowed,
    /// The user has no transport to receive the code.
    #[error("no transport to deliver the provision code to")]
    NoTransport,
}
