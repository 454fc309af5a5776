//! Defect switches: each breaks exactly one rule of protocol.md, so the harness can prove
//! that every conformance check is able to fail. `serve --list-defects` prints this table.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One deliberate breakage of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// PC-5: a code stays valid after a successful provision.
    CodesReusable,
    /// PC-4: codes are accepted after their validity period.
    CodesNeverExpire,
    /// PC-3: any validity period is accepted by the policy.
    ValidityRangeUnchecked,
    /// PC-6: a failed attempt leaves the user's pending code usable.
    FailedAttemptKeepsCode,
    /// PC-7: issuing a new code leaves the older one valid too.
    NewCodeKeepsOld,
    /// PC-8: codes come from a predictable sequence instead of a secure random source.
    PredictableCodes,
    /// PC-9: the check and the consumption of a code are separate steps, so two
    /// concurrent attempts can both succeed.
    NonAtomicRedemption,
    /// PC-2: the code is returned in the HTTP reply to the requester.
    CodeReturnedInReply,
    /// SS-1: a provision request leaves the user's current strings valid.
    StringsSurviveReprovision,
    /// DEV-1: the previous device id keeps working after a new provision.
    OldDeviceKeepsWorking,
    /// SS-2: a string request naming a `<Username>` gets that user's strings whatever
    /// `<Id>` it presents (an unbound one, or another user's).
    StringsForAnyDevice,
    /// SS-3: downloads hold 98 strings.
    ShortDownload,
    /// SS-4: a new download leaves earlier strings valid.
    EarlierStringsStayValid,
    /// SS-5: users without the Mobile Client right get strings.
    StringsWithoutMobileRight,
    /// SS-6: the security string type policy is ignored (always numeric).
    StringTypeIgnored,
    /// OTC-1: a string authenticates more than once.
    OtcReusable,
    /// USR-1: provisioning for an unknown user succeeds.
    UnknownUserAccepted,
    /// SP-1: self-provisioning works even when the policy says No.
    SelfProvisionIgnoresPolicy,
    /// SP-2: device information is logged even when the policy says No.
    DeviceInfoAlwaysLogged,
    /// POL-1: Mobile Client policies are left out of the replies.
    PoliciesNotSent,
    /// CL-1: codes are shared between nodes even with session sharing off.
    SessionsAlwaysShared,
    /// CL-2: codes stay on their node even with session sharing on.
    SessionsNeverShared,
    /// LOG-5: the success log line has the wrong text.
    WrongLogText,
    /// SSD-1: an unknown Site ID is answered with this server's settings.
    UnknownSiteIdAccepted,
    /// PC-1: a code is delivered but never stored, so it provisions nothing.
    NoCodeCreated,
    /// PC-2: with "send provision code as security string" Yes, the code still goes to
    /// the alert transport.
    CodeToWrongTransport,
    /// URL-1: the Provision URL's `code=` parameter is empty.
    ProvisionUrlWithoutCode,
    /// URL-2: the complete URL puts the username before the Site ID.
    CompleteUrlWrongLayout,
    /// QR-1: the QR endpoint answers plain text instead of a PNG.
    QrNotPng,
    /// QR-1: the QR image encodes another text than the one asked for.
    QrWrongPayload,
    /// CL-3: strings are released only on the node that provisioned the device.
    StringsNodeLocal,
    /// LOG-1: the code-created line is not written.
    Log1Missing,
    /// LOG-2: the can-reprovision line is not written.
    Log2Missing,
    /// LOG-3: the message-queued line is not written.
    Log3Missing,
    /// LOG-4: the message-sent line is not written.
    Log4Missing,
    /// LOG-6: the provision-failed line is not written.
    Log6Missing,
    /// LOG-7: the mobile-request-from-unknown-user line is not written.
    Log7Missing,
    /// LOG-8: the Agent-XML unknown-user line is not written.
    Log8Missing,
    /// LOG-9: the strings-fetched line is not written.
    Log9Missing,
    /// WIRE-1: only the capitalised `Provision` is accepted; the app's `provision` is an
    /// unknown action.
    ActionCaseSensitive,
    /// WIRE-3: a string request without `<Username>` is refused (missing element).
    StringsNeedUsername,
    /// WIRE-4: under the indexed layout the leading position is left out, so index i sits
    /// at position i − 1.
    StringsOffByOne,
    /// WIRE-5: the Site ID lookup answers at `/ssd/lookup`, not at the profile's path.
    SsdOldPath,
    /// WIRE-6: policies travel as `<Policy><Id/>…` siblings although the profile says
    /// attributes.
    PoliciesOldShape,
}

/// Every defect, in the order `--list-defects` prints them.
pub const ALL_DEFECTS: &[Defect] = &[
    Defect::CodesReusable,
    Defect::CodesNeverExpire,
    Defect::ValidityRangeUnchecked,
    Defect::FailedAttemptKeepsCode,
    Defect::NewCodeKeepsOld,
    Defect::PredictableCodes,
    Defect::NonAtomicRedemption,
    Defect::CodeReturnedInReply,
    Defect::StringsSurviveReprovision,
    Defect::OldDeviceKeepsWorking,
    Defect::StringsForAnyDevice,
    Defect::ShortDownload,
    Defect::EarlierStringsStayValid,
    Defect::StringsWithoutMobileRight,
    Defect::StringTypeIgnored,
    Defect::OtcReusable,
    Defect::UnknownUserAccepted,
    Defect::SelfProvisionIgnoresPolicy,
    Defect::DeviceInfoAlwaysLogged,
    Defect::PoliciesNotSent,
    Defect::SessionsAlwaysShared,
    Defect::SessionsNeverShared,
    Defect::WrongLogText,
    Defect::UnknownSiteIdAccepted,
    Defect::NoCodeCreated,
    Defect::CodeToWrongTransport,
    Defect::ProvisionUrlWithoutCode,
    Defect::CompleteUrlWrongLayout,
    Defect::QrNotPng,
    Defect::QrWrongPayload,
    Defect::StringsNodeLocal,
    Defect::Log1Missing,
    Defect::Log2Missing,
    Defect::Log3Missing,
    Defect::Log4Missing,
    Defect::Log6Missing,
    Defect::Log7Missing,
    Defect::Log8Missing,
    Defect::Log9Missing,
    Defect::ActionCaseSensitive,
    Defect::StringsNeedUsername,
    Defect::StringsOffByOne,
    Defect::SsdOldPath,
    Defect::PoliciesOldShape,
];

impl Defect {
    /// The switch name given to `--defect`.
    pub fn name(self) -> &'static str {
        match self {
            Defect::CodesReusable => "codes-reusable",
            Defect::CodesNeverExpire => "codes-never-expire",
            Defect::ValidityRangeUnchecked => "validity-range-unchecked",
            Defect::FailedAttemptKeepsCode => "failed-attempt-keeps-code",
            Defect::NewCodeKeepsOld => "new-code-keeps-old",
            Defect::PredictableCodes => "predictable-codes",
            Defect::NonAtomicRedemption => "non-atomic-redemption",
            Defect::CodeReturnedInReply => "code-returned-in-reply",
            Defect::StringsSurviveReprovision => "strings-survive-reprovision",
            Defect::OldDeviceKeepsWorking => "old-device-keeps-working",
            Defect::StringsForAnyDevice => "strings-for-any-device",
            Defect::ShortDownload => "short-download",
            Defect::EarlierStringsStayValid => "earlier-strings-stay-valid",
            Defect::StringsWithoutMobileRight => "strings-without-mobile-right",
            Defect::StringTypeIgnored => "string-type-ignored",
            Defect::OtcReusable => "otc-reusable",
            Defect::UnknownUserAccepted => "unknown-user-accepted",
            Defect::SelfProvisionIgnoresPolicy => "self-provision-ignores-policy",
            Defect::DeviceInfoAlwaysLogged => "device-info-always-logged",
            Defect::PoliciesNotSent => "policies-not-sent",
            Defect::SessionsAlwaysShared => "sessions-always-shared",
            Defect::SessionsNeverShared => "sessions-never-shared",
            Defect::WrongLogText => "wrong-log-text",
            Defect::UnknownSiteIdAccepted => "unknown-site-id-accepted",
            Defect::NoCodeCreated => "no-code-created",
            Defect::CodeToWrongTransport => "code-to-wrong-transport",
            Defect::ProvisionUrlWithoutCode => "provision-url-without-code",
            Defect::CompleteUrlWrongLayout => "complete-url-wrong-layout",
            Defect::QrNotPng => "qr-not-png",
            Defect::QrWrongPayload => "qr-wrong-payload",
            Defect::StringsNodeLocal => "strings-node-local",
            Defect::Log1Missing => "log-1-missing",
            Defect::Log2Missing => "log-2-missing",
            Defect::Log3Missing => "log-3-missing",
            Defect::Log4Missing => "log-4-missing",
            Defect::Log6Missing => "log-6-missing",
            Defect::Log7Missing => "log-7-missing",
            Defect::Log8Missing => "log-8-missing",
            Defect::Log9Missing => "log-9-missing",
            Defect::ActionCaseSensitive => "action-case-sensitive",
            Defect::StringsNeedUsername => "strings-need-username",
            Defect::StringsOffByOne => "strings-off-by-one",
            Defect::SsdOldPath => "ssd-old-path",
            Defect::PoliciesOldShape => "policies-old-shape",
        }
    }

    /// The protocol.md rule this defect breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Defect::CodesReusable => "PC-5",
            Defect::CodesNeverExpire => "PC-4",
            Defect::ValidityRangeUnchecked => "PC-3",
            Defect::FailedAttemptKeepsCode => "PC-6",
            Defect::NewCodeKeepsOld => "PC-7",
            Defect::PredictableCodes => "PC-8",
            Defect::NonAtomicRedemption => "PC-9",
            Defect::CodeReturnedInReply => "PC-2",
            Defect::StringsSurviveReprovision => "SS-1",
            Defect::OldDeviceKeepsWorking => "DEV-1",
            Defect::StringsForAnyDevice => "SS-2",
            Defect::ShortDownload => "SS-3",
            Defect::EarlierStringsStayValid => "SS-4",
            Defect::StringsWithoutMobileRight => "SS-5",
            Defect::StringTypeIgnored => "SS-6",
            Defect::OtcReusable => "OTC-1",
            Defect::UnknownUserAccepted => "USR-1",
            Defect::SelfProvisionIgnoresPolicy => "SP-1",
            Defect::DeviceInfoAlwaysLogged => "SP-2",
            Defect::PoliciesNotSent => "POL-1",
            Defect::SessionsAlwaysShared => "CL-1",
            Defect::SessionsNeverShared => "CL-2",
            Defect::WrongLogText => "LOG-5",
            Defect::UnknownSiteIdAccepted => "SSD-1",
            Defect::NoCodeCreated => "PC-1",
            Defect::CodeToWrongTransport => "PC-2",
            Defect::ProvisionUrlWithoutCode => "URL-1",
            Defect::CompleteUrlWrongLayout => "URL-2",
            Defect::QrNotPng => "QR-1",
            Defect::QrWrongPayload => "QR-1",
            Defect::StringsNodeLocal => "CL-3",
            Defect::Log1Missing => "LOG-1",
            Defect::Log2Missing => "LOG-2",
            Defect::Log3Missing => "LOG-3",
            Defect::Log4Missing => "LOG-4",
            Defect::Log6Missing => "LOG-6",
            Defect::Log7Missing => "LOG-7",
            Defect::Log8Missing => "LOG-8",
            Defect::Log9Missing => "LOG-9",
            Defect::ActionCaseSensitive => "WIRE-1",
            Defect::StringsNeedUsername => "WIRE-3",
            Defect::StringsOffByOne => "WIRE-4",
            Defect::SsdOldPath => "WIRE-5",
            Defect::PoliciesOldShape => "WIRE-6",
        }
    }

    /// What the server does wrong with this switch on.
    pub fn description(self) -> &'static str {
        match self {
            Defect::CodesReusable => "a code stays valid after a successful provision",
            Defect::CodesNeverExpire => "codes are accepted after their validity period",
            Defect::ValidityRangeUnchecked => {
                "any provision code validity period is accepted, even outside 10..=1000000"
            }
            Defect::FailedAttemptKeepsCode => {
                "a failed provision attempt leaves the user's pending code usable"
            }
            Defect::NewCodeKeepsOld => "issuing a new code leaves the user's older code valid",
            Defect::PredictableCodes => "codes come from a counter, not a secure random source",
            Defect::NonAtomicRedemption => {
                "checking and consuming a code are separate steps: concurrent attempts race"
            }
            Defect::CodeReturnedInReply => "the provision code is returned in the HTTP reply",
            Defect::StringsSurviveReprovision => {
                "a provision request leaves the user's current security strings valid"
            }
            Defect::OldDeviceKeepsWorking => {
                "the previous device id keeps working after reprovision"
            }
            Defect::StringsForAnyDevice => {
                "a string request naming a user gets that user's strings whatever device id it presents"
            }
            Defect::ShortDownload => "a download holds 98 strings instead of 99",
            Defect::EarlierStringsStayValid => "a new download leaves earlier strings valid",
            Defect::StringsWithoutMobileRight => {
                "users without the Mobile Client right get strings"
            }
            Defect::StringTypeIgnored => "the security string type policy is ignored",
            Defect::OtcReusable => "a security string authenticates more than once",
            Defect::UnknownUserAccepted => "provisioning for an unknown user succeeds",
            Defect::SelfProvisionIgnoresPolicy => {
                "self-provisioning works although the policy says No"
            }
            Defect::DeviceInfoAlwaysLogged => {
                "device information is logged although the policy says No"
            }
            Defect::PoliciesNotSent => "Mobile Client policies are left out of the replies",
            Defect::SessionsAlwaysShared => {
                "codes are valid on every node with session sharing off"
            }
            Defect::SessionsNeverShared => "codes stay on their node with session sharing on",
            Defect::WrongLogText => "the provision-success log line has the wrong text",
            Defect::UnknownSiteIdAccepted => "an unknown Site ID is answered with server settings",
            Defect::NoCodeCreated => {
                "a code is delivered and logged but never stored, so it provisions nothing"
            }
            Defect::CodeToWrongTransport => {
                "the code goes to the alert transport although it should be sent as a security string"
            }
            Defect::ProvisionUrlWithoutCode => "the Provision URL's code parameter is empty",
            Defect::CompleteUrlWrongLayout => {
                "the complete URL is <base><username>/<site-id>/<code>"
            }
            Defect::QrNotPng => "the QR endpoint answers text/plain instead of a PNG",
            Defect::QrWrongPayload => "the QR image encodes another text than the one asked for",
            Defect::StringsNodeLocal => {
                "strings are refused on any node but the one that provisioned the device"
            }
            Defect::Log1Missing => "the code-created line is not logged",
            Defect::Log2Missing => "the can-now-reprovision line is not logged",
            Defect::Log3Missing => "the message-queued line is not logged",
            Defect::Log4Missing => "the message-sent line is not logged",
            Defect::Log6Missing => "the provision-failed line is not logged",
            Defect::Log7Missing => "the mobile-request-from-unknown-user line is not logged",
            Defect::Log8Missing => "the Agent-XML unknown-user line is not logged",
            Defect::Log9Missing => "the strings-fetched line is not logged",
            Defect::ActionCaseSensitive => {
                "only the capitalised Provision action is accepted; the app's lowercase provision is unknown"
            }
            Defect::StringsNeedUsername => {
                "a string request without <Username> is refused although <Id> names the device"
            }
            Defect::StringsOffByOne => {
                "the indexed strings layout leaves out position 0, so index i sits at position i-1"
            }
            Defect::SsdOldPath => {
                "the Site ID lookup answers at /ssd/lookup instead of the profile's path"
            }
            Defect::PoliciesOldShape => {
                "policies travel as <Policy><Id/> siblings although the profile says attributes"
            }
        }
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
        ALL_DEFECTS
            .iter()
            .copied()
            .find(|d| d.name() == s)
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
    fn names_are_unique_and_rules_are_protocol_ids() {
        let names: BTreeSet<_> = ALL_DEFECTS.iter().map(|d| d.name()).collect();
        assert_eq!(names.len(), ALL_DEFECTS.len());
        assert!(ALL_DEFECTS.len() >= 12);
        for d in ALL_DEFECTS {
            assert!(d.rule().contains('-'), "{d} has rule {}", d.rule());
        }
    }

    #[test]
    fn unknown_name_is_a_clear_error() {
        let err = "codes-forever".parse::<Defect>().unwrap_err();
        assert!(err.to_string().contains("codes-forever"));
    }
}
