//! Defect switches: each breaks exactly one rule of protocol.md, so the harness can prove
//! that every conformance check is able to fail. One table holds them: each row declares a
//! [`Defect`] variant with its switch name, the rule it breaks (a [`RuleId`], checked when
//! the crate compiles) and what the server then does wrong. `serve --list-defects` prints
//! it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::rules::RuleId;

/// What a defect breaks: one protocol rule, or (for a performance defect) no rule at
/// all but a speed a load gate measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefectKind {
    /// Breaks this protocol.md rule; a conformance case of the rule must catch it.
    Rule(RuleId),
    /// Breaks no rule, only speed; caught by the named load gate (`report compare`).
    Performance {
        /// The gate that must fail, e.g. `p99` of `strings`.
        gate: &'static str,
    },
}

/// One row of the defect table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefectInfo {
    /// The switch.
    pub defect: Defect,
    /// The name given to `--defect`.
    pub name: &'static str,
    /// The protocol.md rule it breaks, or the load gate of a performance defect.
    pub kind: DefectKind,
    /// What the server does wrong with the switch on.
    pub breaks: &'static str,
}

/// A row's kind: `rule: "PC-5"` (checked when the crate compiles) or
/// `performance: "gate"`.
macro_rules! defect_kind {
    (rule, $rule:literal) => {
        DefectKind::Rule(crate::rule_id!($rule))
    };
    (performance, $gate:literal) => {
        DefectKind::Performance { gate: $gate }
    };
}

/// Declares [`Defect`] and [`DEFECTS`] from one list, so a defect cannot lack a row.
macro_rules! defects {
    ($($variant:ident { name: $name:literal, $kind:ident: $what:literal, breaks: $breaks:literal $(,)? }),* $(,)?) => {
        /// One deliberate breakage of one rule (see [`DEFECTS`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Defect {
            $(
                #[doc = concat!($what, ": ", $breaks, ".")]
                $variant,
            )*
        }

        /// Every defect, one row each, in the order `--list-defects` prints them.
        pub const DEFECTS: &[DefectInfo] = &[
            $(DefectInfo {
                defect: Defect::$variant,
                name: $name,
                kind: defect_kind!($kind, $what),
                breaks: $breaks,
            },)*
        ];
    };
}

defects! {
    CodesReusable {
        name: "codes-reusable",
        rule: "PC-5",
        breaks: "a code stays valid after a successful provision",
    },
    CodesNeverExpire {
        name: "codes-never-expire",
        rule: "PC-4",
        breaks: "codes are accepted after their validity period",
    },
    ValidityRangeUnchecked {
        name: "validity-range-unchecked",
        rule: "PC-3",
        breaks: "any provision code validity period is accepted, even outside 10..=1000000",
    },
    FailedAttemptKeepsCode {
        name: "failed-attempt-keeps-code",
        rule: "PC-6",
        breaks: "a failed provision attempt leaves the user's pending code usable",
    },
    NewCodeKeepsOld {
        name: "new-code-keeps-old",
        rule: "PC-7",
        breaks: "issuing a new code leaves the user's older code valid",
    },
    PredictableCodes {
        name: "predictable-codes",
        rule: "PC-8",
        breaks: "codes come from a counter, not a secure random source",
    },
    NonAtomicRedemption {
        name: "non-atomic-redemption",
        rule: "PC-9",
        breaks: "checking and consuming a code are separate steps: concurrent attempts race",
    },
    CodeReturnedInReply {
        name: "code-returned-in-reply",
        rule: "PC-2",
        breaks: "the provision code is returned in the HTTP reply",
    },
    StringsSurviveReprovision {
        name: "strings-survive-reprovision",
        rule: "SS-1",
        breaks: "a provision request leaves the user's current security strings valid",
    },
    OldDeviceKeepsWorking {
        name: "old-device-keeps-working",
        rule: "DEV-1",
        breaks: "the previous device id keeps working after reprovision",
    },
    StringsForAnyDevice {
        name: "strings-for-any-device",
        rule: "SS-2",
        breaks: "a string request naming a user gets that user's strings whatever device id it presents",
    },
    ShortDownload {
        name: "short-download",
        rule: "SS-3",
        breaks: "a download holds 98 strings instead of 99",
    },
    EarlierStringsStayValid {
        name: "earlier-strings-stay-valid",
        rule: "SS-4",
        breaks: "a new download leaves earlier strings valid",
    },
    StringsWithoutMobileRight {
        name: "strings-without-mobile-right",
        rule: "SS-5",
        breaks: "users without the Mobile Client right get strings",
    },
    StringTypeIgnored {
        name: "string-type-ignored",
        rule: "SS-6",
        breaks: "the security string type policy is ignored",
    },
    OtcReusable {
        name: "otc-reusable",
        rule: "OTC-1",
        breaks: "a security string authenticates more than once",
    },
    UnknownUserAccepted {
        name: "unknown-user-accepted",
        rule: "USR-1",
        breaks: "provisioning for an unknown user succeeds",
    },
    SelfProvisionIgnoresPolicy {
        name: "self-provision-ignores-policy",
        rule: "SP-1",
        breaks: "self-provisioning works although the policy says No",
    },
    DeviceInfoAlwaysLogged {
        name: "device-info-always-logged",
        rule: "SP-2",
        breaks: "device information is logged although the policy says No",
    },
    PoliciesNotSent {
        name: "policies-not-sent",
        rule: "POL-1",
        breaks: "Mobile Client policies are left out of the replies",
    },
    SessionsAlwaysShared {
        name: "sessions-always-shared",
        rule: "CL-1",
        breaks: "codes are valid on every node with session sharing off",
    },
    SessionsNeverShared {
        name: "sessions-never-shared",
        rule: "CL-2",
        breaks: "codes stay on their node with session sharing on",
    },
    WrongLogText {
        name: "wrong-log-text",
        rule: "LOG-5",
        breaks: "the provision-success log line has the wrong text",
    },
    UnknownSiteIdAccepted {
        name: "unknown-site-id-accepted",
        rule: "SSD-1",
        breaks: "an unknown Site ID is answered with server settings",
    },
    NoCodeCreated {
        name: "no-code-created",
        rule: "PC-1",
        breaks: "a code is delivered and logged but never stored, so it provisions nothing",
    },
    CodeToWrongTransport {
        name: "code-to-wrong-transport",
        rule: "PC-2",
        breaks: "the code goes to the alert transport although it should be sent as a security string",
    },
    ProvisionUrlWithoutCode {
        name: "provision-url-without-code",
        rule: "URL-1",
        breaks: "the Provision URL's code parameter is empty",
    },
    CompleteUrlWrongLayout {
        name: "complete-url-wrong-layout",
        rule: "URL-2",
        breaks: "the complete URL is <base><username>/<site-id>/<code>",
    },
    QrNotPng {
        name: "qr-not-png",
        rule: "QR-1",
        breaks: "the QR endpoint answers text/plain instead of a PNG",
    },
    QrWrongPayload {
        name: "qr-wrong-payload",
        rule: "QR-1",
        breaks: "the QR image encodes another text than the one asked for",
    },
    StringsNodeLocal {
        name: "strings-node-local",
        rule: "CL-3",
        breaks: "strings are refused on any node but the one that provisioned the device",
    },
    Log1Missing {
        name: "log-1-missing",
        rule: "LOG-1",
        breaks: "the code-created line is not logged",
    },
    Log2Missing {
        name: "log-2-missing",
        rule: "LOG-2",
        breaks: "the can-now-reprovision line is not logged",
    },
    Log3Missing {
        name: "log-3-missing",
        rule: "LOG-3",
        breaks: "the message-queued line is not logged",
    },
    Log4Missing {
        name: "log-4-missing",
        rule: "LOG-4",
        breaks: "the message-sent line is not logged",
    },
    Log4Doubled {
        name: "log-4-doubled",
        rule: "LOG-4",
        breaks: "the message-sent line is logged twice for one message",
    },
    Log6Missing {
        name: "log-6-missing",
        rule: "LOG-6",
        breaks: "the provision-failed line is not logged",
    },
    Log7Missing {
        name: "log-7-missing",
        rule: "LOG-7",
        breaks: "the mobile-request-from-unknown-user line is not logged",
    },
    Log8Missing {
        name: "log-8-missing",
        rule: "LOG-8",
        breaks: "the Agent-XML unknown-user line is not logged",
    },
    Log9Missing {
        name: "log-9-missing",
        rule: "LOG-9",
        breaks: "the strings-fetched line is not logged",
    },
    ActionCaseSensitive {
        name: "action-case-sensitive",
        rule: "WIRE-1",
        breaks: "only the capitalised Provision action is accepted; the app's lowercase provision is unknown",
    },
    StringsNeedUsername {
        name: "strings-need-username",
        rule: "WIRE-3",
        breaks: "a string request without <Username> is refused although <Id> names the device",
    },
    StringsOffByOne {
        name: "strings-off-by-one",
        rule: "WIRE-4",
        breaks: "the indexed strings layout leaves out position 0, so index i sits at position i-1",
    },
    SsdOldPath {
        name: "ssd-old-path",
        rule: "WIRE-5",
        breaks: "the Site ID lookup answers at /ssd/lookup instead of the profile's path",
    },
    PoliciesOldShape {
        name: "policies-old-shape",
        rule: "WIRE-6",
        breaks: "policies travel as <Policy><Id/> siblings although the profile says attributes",
    },
    SyslogNotSys1 {
        name: "syslog-not-sys1",
        rule: "SYS-1",
        breaks: "syslog lines leave out the PINsafe[<thread>] tag, so parsers of PINsafe logs cannot read them",
    },
    SlowStrings {
        name: "slow-strings",
        performance: "p99 of strings",
        breaks: "every SecurityStrings reply is held back 25 ms after it is computed (no rule broken, only speed)",
    },
}

/// How long the slow-strings defect holds back each SecurityStrings reply. Real time on
/// purpose: it stands for a slow repository read, which a load gate must notice.
pub const SLOW_STRINGS_DELAY: std::time::Duration = std::time::Duration::from_millis(25);

// Row i describes the variant of discriminant i (the macro writes both in one order), so
// `Defect::info` indexes the table.
const _: () = {
    let mut i = 0;
    while i < DEFECTS.len() {
        assert!(DEFECTS[i].defect as usize == i);
        i += 1;
    }
};

/// Every defect, in table order.
pub const ALL_DEFECTS: &[Defect] = &{
    let mut all = [Defect::CodesReusable; DEFECTS.len()];
    let mut i = 0;
    while i < DEFECTS.len() {
        all[i] = DEFECTS[i].defect;
        i += 1;
    }
    all
};

impl Defect {
    /// Its row of the table.
    pub fn info(self) -> &'static DefectInfo {
        &DEFECTS[self as usize]
    }

    /// The switch name given to `--defect`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The protocol.md rule this defect breaks; `None` for a performance defect.
    pub fn rule(self) -> Option<RuleId> {
        match self.info().kind {
            DefectKind::Rule(rule) => Some(rule),
            DefectKind::Performance { .. } => None,
        }
    }

    /// What it breaks, as `--list-defects` and reports name it: the rule ID, or
    /// `perf` for a performance defect.
    pub fn breaks_label(self) -> &'static str {
        match self.info().kind {
            DefectKind::Rule(rule) => rule.as_str(),
            DefectKind::Performance { .. } => "perf",
        }
    }

    /// What the server does wrong with this switch on.
    pub fn description(self) -> &'static str {
        self.info().breaks
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--defect` value that names no defect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown defect '{0}'; `serve --list-defects` lists the known ones")]
pub struct UnknownDefect(pub String);

impl FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DEFECTS
            .iter()
            .find(|d| d.name == s)
            .map(|d| d.defect)
            .ok_or_else(|| UnknownDefect(s.to_string()))
    }
}

/// The defects switched on for one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefectSet(BTreeSet<Defect>);

impl DefectSet {
    /// No defect: the faithful server.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether `defect` is on.
    pub fn has(&self, defect: Defect) -> bool {
        self.0.contains(&defect)
    }

    /// The defects that are on, in table order.
    pub fn iter(&self) -> impl Iterator<Item = Defect> + '_ {
        self.0.iter().copied()
    }

    /// Whether no defect is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Defect> for DefectSet {
    fn from_iter<I: IntoIterator<Item = Defect>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_defect_round_trips_through_its_name() {
        for d in ALL_DEFECTS {
            assert_eq!(d.name().parse::<Defect>(), Ok(*d));
        }
    }

    #[test]
    fn names_are_unique_and_rules_are_judged_server_rules() {
        let names: BTreeSet<_> = ALL_DEFECTS.iter().map(|d| d.name()).collect();
        assert_eq!(names.len(), ALL_DEFECTS.len());
        assert_eq!(ALL_DEFECTS.len(), 47);
        for d in ALL_DEFECTS {
            assert_eq!(d.info().defect, *d);
            if let Some(rule) = d.rule() {
                assert!(rule.rule().judged_by_run(), "{d} breaks {rule}");
            }
        }
        assert_eq!(
            Defect::StringsOffByOne.rule(),
            Some(crate::rule_id!("WIRE-4"))
        );
        assert_eq!(Defect::StringsOffByOne.breaks_label(), "WIRE-4");
        // Only performance defects break no rule.
        let perf: Vec<_> = ALL_DEFECTS.iter().filter(|d| d.rule().is_none()).collect();
        assert_eq!(perf, [&Defect::SlowStrings]);
        assert_eq!(Defect::SlowStrings.breaks_label(), "perf");
    }

    #[test]
    fn unknown_name_is_a_clear_error() {
        let err = "codes-forever".parse::<Defect>().unwrap_err();
        assert!(err.to_string().contains("codes-forever"));
    }
}
