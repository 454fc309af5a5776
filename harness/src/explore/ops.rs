//! The operations of an explored history and how proptest generates them. Operations name
//! users, codes, devices and strings symbolically (the latest code of a user, a stale one,
//! garbage, another user's; the current or the previous device; a fresh, reused or old
//! OTC), because the server mints the real values: the model ([`super::model`]) turns each
//! symbol into the variable an earlier step saved from the server's reply. Policy
//! changes beyond validity and self-service are [`Setting`]s ([`super::settings`]); the
//! probes look once at one thing (Site ID lookup, QR image, an unknown user's agent
//! login, the syslog sink, a dozen codes judged together).

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::settings::Setting;
use super::settings::setting;

/// A user of the history: `u` and `v` hold the Mobile Client right, `w` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum User {
    /// First user.
    U,
    /// Second user (whose codes `u` may present).
    V,
    /// A user without the Mobile Client right (SS-5).
    W,
}

impl User {
    /// The alias the case uses.
    pub fn alias(self) -> &'static str {
        match self {
            User::U => "u",
            User::V => "v",
            User::W => "w",
        }
    }

    /// Another user with the Mobile Client right, whose code is "another user's".
    pub fn other(self) -> User {
        match self {
            User::U => User::V,
            User::V | User::W => User::U,
        }
    }
}

/// Which code a provision presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CodeRef {
    /// The newest code issued for the user.
    Latest,
    /// The code issued before the newest one.
    Stale,
    /// A code nobody issued.
    Garbage,
    /// The newest code of another user.
    OtherUsers,
}

/// Which device a string download presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceRef {
    /// The device the last successful provision bound.
    Current,
    /// The device bound before it.
    Previous,
    /// A device id nobody bound, sent with the user's name (SS-2).
    Invented,
}

/// Which OTC a login offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OtcRef {
    /// An unused index of the newest download.
    Fresh,
    /// An index of the newest download that already authenticated.
    Reused,
    /// An unused index of the download before the newest.
    Old,
}

/// How far the clock moves, relative to the expiry of the newest code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClockStep {
    /// To one second before the newest code expires.
    EdgeMinus,
    /// To the second it expires.
    Edge,
    /// To one second after.
    EdgePlus,
    /// A day.
    Large,
}

/// A validity period to set (two allowed, two outside 10..=1000000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Validity {
    /// The lowest allowed.
    Min,
    /// The default.
    Default,
    /// One below the range.
    BelowRange,
    /// One above the range.
    AboveRange,
}

impl Validity {
    /// The seconds it sets.
    pub fn secs(self) -> u64 {
        match self {
            Validity::Min => 10,
            Validity::Default => 600,
            Validity::BelowRange => 9,
            Validity::AboveRange => 1_000_001,
        }
    }

    /// Whether PC-3 allows it.
    pub fn allowed(self) -> bool {
        (10..=1_000_000).contains(&self.secs())
    }
}

/// One operation of a history. `node` is an index taken modulo the node count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// The administrator's Reprovision on a node.
    Reprovision {
        /// Whose.
        user: User,
        /// Node index.
        node: u8,
    },
    /// The self-service request on a node.
    SelfService {
        /// Whose.
        user: User,
        /// Node index.
        node: u8,
    },
    /// Turns "Allow user self-provision" on or off.
    SetSelfService(bool),
    /// A provision with a code.
    Provision {
        /// Who provisions.
        user: User,
        /// Which code.
        code: CodeRef,
        /// Node index.
        node: u8,
        /// Whether the request carries `<DeviceOS>` (SP-2).
        device_os: bool,
    },
    /// A provision for a username the repository does not hold.
    ProvisionUnknown {
        /// Node index.
        node: u8,
    },
    /// Two simultaneous provisions with the user's newest code over two nodes.
    RaceProvision {
        /// Who provisions.
        user: User,
    },
    /// A string download.
    Strings {
        /// Whose.
        user: User,
        /// Which device.
        device: DeviceRef,
        /// Node index.
        node: u8,
    },
    /// An agent login with an OTC.
    Login {
        /// Who logs in.
        user: User,
        /// Which OTC.
        otc: OtcRef,
        /// Node index.
        node: u8,
    },
    /// Moves the clock.
    Advance(ClockStep),
    /// Sets the validity period.
    SetValidity(Validity),
    /// Changes another policy.
    SetPolicy(Setting),
    /// The app's Site ID lookup, of the server's own Site ID or of an unknown one.
    SiteLookup {
        /// Whether the Site ID is the server's.
        known: bool,
    },
    /// The user portal's QR image of the user's newest URL (or of a complete URL).
    QrCode {
        /// Whose URL.
        user: User,
        /// Node index.
        node: u8,
    },
    /// An agent login for a username the repository does not hold (USR-2, LOG-8).
    LoginUnknown {
        /// Node index.
        node: u8,
    },
    /// Reads the newest log line the model expected from the syslog sink (SYS-1).
    ReadSyslog,
    /// Issues a dozen codes for a user and judges them together (PC-8).
    CheckCodes {
        /// Whose.
        user: User,
    },
    /// Two branches of one user's mobile requests at once, checked for linearizability
    /// (no policy, clock or probe inside: those are barriers between segments).
    Concurrent {
        /// Whose requests.
        user: User,
        /// The first branch.
        left: Branch,
        /// The second branch.
        right: Branch,
    },
}

/// A mobile request of a concurrent branch; its code, device or OTC is resolved against
/// the state before the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BranchOp {
    /// A provision with a code.
    Provision {
        /// Which code.
        code: CodeRef,
        /// Node index.
        node: u8,
    },
    /// A string download.
    Strings {
        /// Which device (the current or the previous one).
        device: DeviceRef,
        /// Node index.
        node: u8,
    },
    /// An agent login.
    Login {
        /// Which OTC.
        otc: OtcRef,
        /// Node index.
        node: u8,
    },
}

/// The most requests a branch holds.
pub const BRANCH_MAX: usize = 4;

/// One to [`BRANCH_MAX`] requests in order (a fixed array, so that [`Op`] stays `Copy`;
/// the slots past `len` hold a filler and are never read).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Vec<BranchOp>", from = "Vec<BranchOp>")]
pub struct Branch {
    len: u8,
    slots: [BranchOp; BRANCH_MAX],
}

impl Branch {
    /// A branch of the first [`BRANCH_MAX`] of `ops`.
    pub fn new(ops: &[BranchOp]) -> Self {
        let filler = BranchOp::Login {
            otc: OtcRef::Fresh,
            node: 0,
        };
        let mut slots = [filler; BRANCH_MAX];
        let n = ops.len().min(BRANCH_MAX);
        slots[..n].copy_from_slice(&ops[..n]);
        Self {
            len: u8::try_from(n).unwrap_or(0),
            slots,
        }
    }

    /// Its requests, in order.
    pub fn ops(&self) -> &[BranchOp] {
        &self.slots[..usize::from(self.len).min(BRANCH_MAX)]
    }
}

impl From<Branch> for Vec<BranchOp> {
    fn from(branch: Branch) -> Self {
        branch.ops().to_vec()
    }
}

impl From<Vec<BranchOp>> for Branch {
    fn from(ops: Vec<BranchOp>) -> Self {
        Branch::new(&ops)
    }
}

impl std::fmt::Debug for Branch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ops()).finish()
    }
}

/// A history: the cluster it starts with, then the operations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct History {
    /// Nodes (1 to 3).
    pub nodes: u16,
    /// Whether the nodes share sessions.
    pub sharing: bool,
    /// The operations, in order.
    pub ops: Vec<Op>,
}

fn user() -> impl Strategy<Value = User> {
    prop_oneof![4 => Just(User::U), 2 => Just(User::V), 1 => Just(User::W)]
}

fn node() -> impl Strategy<Value = u8> {
    0u8..3
}

fn op() -> impl Strategy<Value = Op> {
    let code = prop_oneof![
        6 => Just(CodeRef::Latest),
        2 => Just(CodeRef::Stale),
        1 => Just(CodeRef::Garbage),
        1 => Just(CodeRef::OtherUsers),
    ];
    let device = prop_oneof![
        6 => Just(DeviceRef::Current),
        2 => Just(DeviceRef::Previous),
        1 => Just(DeviceRef::Invented),
    ];
    let otc = prop_oneof![
        4 => Just(OtcRef::Fresh),
        2 => Just(OtcRef::Reused),
        2 => Just(OtcRef::Old),
    ];
    let clock = prop_oneof![
        Just(ClockStep::EdgeMinus),
        Just(ClockStep::Edge),
        Just(ClockStep::EdgePlus),
        Just(ClockStep::Large),
    ];
    let device_os = prop_oneof![3 => Just(false), 1 => Just(true)];
    let validity = prop_oneof![
        2 => Just(Validity::Min),
        2 => Just(Validity::Default),
        1 => Just(Validity::BelowRange),
        1 => Just(Validity::AboveRange),
    ];
    prop_oneof![
        6 => (user(), node()).prop_map(|(user, node)| Op::Reprovision { user, node }),
        1 => (user(), node()).prop_map(|(user, node)| Op::SelfService { user, node }),
        1 => any::<bool>().prop_map(Op::SetSelfService),
        8 => (user(), code, node(), device_os).prop_map(|(user, code, node, device_os)| Op::Provision { user, code, node, device_os }),
        1 => node().prop_map(|node| Op::ProvisionUnknown { node }),
        1 => user().prop_map(|user| Op::RaceProvision { user }),
        6 => (user(), device, node()).prop_map(|(user, device, node)| Op::Strings { user, device, node }),
        6 => (user(), otc, node()).prop_map(|(user, otc, node)| Op::Login { user, otc, node }),
        2 => clock.prop_map(Op::Advance),
        1 => validity.prop_map(Op::SetValidity),
        2 => setting().prop_map(Op::SetPolicy),
        1 => probe(),
        1 => concurrent(),
    ]
}

/// A concurrent segment of `u` or `v`: two branches of one to four mobile requests, each
/// shrinking toward fewer and simpler requests.
fn concurrent() -> impl Strategy<Value = Op> {
    let request = prop_oneof![
        3 => (
            prop_oneof![3 => Just(CodeRef::Latest), 1 => Just(CodeRef::Stale)],
            node()
        )
            .prop_map(|(code, node)| BranchOp::Provision { code, node }),
        2 => (
            prop_oneof![3 => Just(DeviceRef::Current), 1 => Just(DeviceRef::Previous)],
            node()
        )
            .prop_map(|(device, node)| BranchOp::Strings { device, node }),
        3 => (
            prop_oneof![3 => Just(OtcRef::Fresh), 1 => Just(OtcRef::Reused), 1 => Just(OtcRef::Old)],
            node()
        )
            .prop_map(|(otc, node)| BranchOp::Login { otc, node }),
    ];
    let branch = || {
        proptest::collection::vec(request.clone(), 1..=BRANCH_MAX).prop_map(|ops| Branch::new(&ops))
    };
    (
        prop_oneof![2 => Just(User::U), 1 => Just(User::V)],
        branch(),
        branch(),
    )
        .prop_map(|(user, left, right)| Op::Concurrent { user, left, right })
}

/// The operations that look at one thing once: a Site ID lookup, a QR image, an unknown
/// user's agent login, the syslog sink, a dozen codes.
fn probe() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(|known| Op::SiteLookup { known }),
        (user(), node()).prop_map(|(user, node)| Op::QrCode { user, node }),
        node().prop_map(|node| Op::LoginUnknown { node }),
        Just(Op::ReadSyslog),
        user().prop_map(|user| Op::CheckCodes { user }),
    ]
}

/// Histories of `min..=max` operations over one to three nodes; node count, sharing and
/// the operations all shrink (nodes toward one, operations toward fewer and simpler).
pub fn history(min: usize, max: usize) -> impl Strategy<Value = History> {
    let max = max.max(min.max(1));
    (
        1u16..=3,
        any::<bool>(),
        proptest::collection::vec(op(), min.max(1)..=max),
    )
        .prop_map(|(nodes, sharing, ops)| History {
            nodes,
            sharing,
            ops,
        })
}
