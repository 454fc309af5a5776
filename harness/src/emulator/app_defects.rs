//! App-defect switches of the emulated app ([`super::app::EmulatedApp`]): each breaks one
//! client rule of protocol.md §11, so that `certify --self-test` can show every check of
//! certification fail on an app that misbehaves in exactly that way. Named after what the
//! app does wrong; one row per MUST or SHOULD client rule (CLI-12 is INFO: nothing to
//! break). The matrix test (`harness/tests/certify.rs`) writes `reports/app-defect-matrix.md`.

use std::fmt;

use crate::rules::RuleId;
use swivel_reference_server::rule_id;

/// One way the emulated app misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppDefect {
    /// CLI-1: after the Site ID lookup, uses http where the SSD said https (and back).
    WrongScheme,
    /// CLI-2: the provision request also carries the user's e-mail address.
    ExtraIdentity,
    /// CLI-3: asks for strings before its provision passed, with a device id of its own.
    StringsBeforeProvision,
    /// CLI-4: puts the PIN into the `<DeviceOS>` it sends.
    SendPin,
    /// CLI-5: takes the character after each PIN position (digit 0 → the 1st).
    WrongPinPosition,
    /// CLI-6: never moves on from the index it used.
    ReuseIndex,
    /// CLI-7: never downloads by itself; after index 99 it starts the same strings again.
    NoRefresh,
    /// CLI-8: accepts any certificate.
    IgnoreTlsErrors,
    /// CLI-9: after a refused provision, sends the same code three more times.
    RetryStorm,
    /// CLI-10: after its device id is refused, keeps offering OTCs from its old strings.
    KeepsOldStrings,
    /// CLI-11: shows "Something went wrong" for every refusal.
    WrongMessage,
}

/// Every app defect, in rule order.
pub const ALL_APP_DEFECTS: &[AppDefect] = &[
    AppDefect::WrongScheme,
    AppDefect::ExtraIdentity,
    AppDefect::StringsBeforeProvision,
    AppDefect::SendPin,
    AppDefect::WrongPinPosition,
    AppDefect::ReuseIndex,
    AppDefect::NoRefresh,
    AppDefect::IgnoreTlsErrors,
    AppDefect::RetryStorm,
    AppDefect::KeepsOldStrings,
    AppDefect::WrongMessage,
];

/// What the `wrong-message` app shows instead of the §8 text.
pub const GENERIC_ERROR: &str = "Something went wrong";

impl AppDefect {
    /// The switch's name, e.g. `send-pin`.
    pub fn name(self) -> &'static str {
        match self {
            AppDefect::WrongScheme => "wrong-scheme",
            AppDefect::ExtraIdentity => "extra-identity",
            AppDefect::StringsBeforeProvision => "strings-before-provision",
            AppDefect::SendPin => "send-pin",
            AppDefect::WrongPinPosition => "wrong-pin-position",
            AppDefect::ReuseIndex => "reuse-index",
            AppDefect::NoRefresh => "no-refresh",
            AppDefect::IgnoreTlsErrors => "ignore-tls-errors",
            AppDefect::RetryStorm => "retry-storm",
            AppDefect::KeepsOldStrings => "keeps-old-strings",
            AppDefect::WrongMessage => "wrong-message",
        }
    }

    /// The client rule it breaks.
    pub fn rule(self) -> RuleId {
        match self {
            AppDefect::WrongScheme => rule_id!("CLI-1"),
            AppDefect::ExtraIdentity => rule_id!("CLI-2"),
            AppDefect::StringsBeforeProvision => rule_id!("CLI-3"),
            AppDefect::SendPin => rule_id!("CLI-4"),
            AppDefect::WrongPinPosition => rule_id!("CLI-5"),
            AppDefect::ReuseIndex => rule_id!("CLI-6"),
            AppDefect::NoRefresh => rule_id!("CLI-7"),
            AppDefect::IgnoreTlsErrors => rule_id!("CLI-8"),
            AppDefect::RetryStorm => rule_id!("CLI-9"),
            AppDefect::KeepsOldStrings => rule_id!("CLI-10"),
            AppDefect::WrongMessage => rule_id!("CLI-11"),
        }
    }

    /// What it does wrong, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            AppDefect::WrongScheme => {
                "after the Site ID lookup the app uses http where the SSD said https"
            }
            AppDefect::ExtraIdentity => "the provision request also carries the user's e-mail",
            AppDefect::StringsBeforeProvision => {
                "the app asks for strings before its provision passed"
            }
            AppDefect::SendPin => "the PIN travels in the <DeviceOS> element",
            AppDefect::WrongPinPosition => "the OTC takes the character after each PIN position",
            AppDefect::ReuseIndex => "every OTC uses the same index",
            AppDefect::NoRefresh => {
                "the app never downloads by itself and starts its spent strings again"
            }
            AppDefect::IgnoreTlsErrors => "the app accepts a certificate that does not verify",
            AppDefect::RetryStorm => "a refused code is sent three more times by itself",
            AppDefect::KeepsOldStrings => {
                "after its device id is refused the app still offers OTCs from its old strings"
            }
            AppDefect::WrongMessage => "every refusal shows \"Something went wrong\"",
        }
    }

    /// The defect called `name`.
    pub fn from_name(name: &str) -> Option<AppDefect> {
        ALL_APP_DEFECTS.iter().copied().find(|d| d.name() == name)
    }
}

impl fmt::Display for AppDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The app defects switched on (none: a faithful app).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppDefects(Vec<AppDefect>);

impl AppDefects {
    /// A faithful app.
    pub fn none() -> Self {
        Self::default()
    }

    /// These defects.
    pub fn of(defects: impl IntoIterator<Item = AppDefect>) -> Self {
        let mut v: Vec<AppDefect> = defects.into_iter().collect();
        v.sort();
        v.dedup();
        Self(v)
    }

    /// Whether `defect` is on.
    pub fn has(&self, defect: AppDefect) -> bool {
        self.0.contains(&defect)
    }

    /// The names of the switches on.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|d| d.name().to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Level, Subject};

    #[test]
    fn one_defect_per_judged_client_rule() {
        let mut rules: Vec<RuleId> = ALL_APP_DEFECTS.iter().map(|d| d.rule()).collect();
        rules.dedup();
        assert_eq!(rules.len(), ALL_APP_DEFECTS.len());
        let judged: Vec<RuleId> = crate::rules::all()
            .iter()
            .filter(|r| r.subject == Subject::Client && r.level != Level::Info)
            .map(|r| r.id)
            .collect();
        assert_eq!(rules, judged);
        for d in ALL_APP_DEFECTS {
            assert_eq!(AppDefect::from_name(d.name()), Some(*d));
        }
        assert_eq!(AppDefect::from_name("nope"), None);
    }
}
