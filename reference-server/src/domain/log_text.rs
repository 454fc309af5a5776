//! What a log entry says, kept as the parts it is made of until someone reads it. The
//! lines of the mobile hot paths (LOG-5, LOG-6, LOG-7, LOG-9) are written under the
//! core's lock on every request; storing the user's shared name (`Arc<str>`, a reference
//! count) instead of formatting a line there keeps that lock short and allocates
//! nothing. The text is spelled by [`super::log::texts`] when the log is read, byte for
//! byte the same as if it had been formatted when written.

use std::fmt;
use std::sync::Arc;

use super::log::texts;

/// The text of one log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogText {
    /// LOG-5 for the user ([`texts::provisioned`]).
    Provisioned(Arc<str>),
    /// LOG-6 for the user ([`texts::provision_failed`]).
    ProvisionFailed(Arc<str>),
    /// LOG-7 ([`texts::MOBILE_UNKNOWN_USER`]).
    MobileUnknownUser,
    /// LOG-9 for the user ([`texts::strings_fetched`]).
    StringsFetched(Arc<str>),
    /// Any other line, formatted when written.
    Formatted(Box<str>),
}

impl LogText {
    /// The line as the log shows it.
    pub(crate) fn render(&self) -> String {
        match self {
            LogText::Provisioned(user) => texts::provisioned(user),
            LogText::ProvisionFailed(user) => texts::provision_failed(user),
            LogText::MobileUnknownUser => texts::MOBILE_UNKNOWN_USER.to_string(),
            LogText::StringsFetched(user) => texts::strings_fetched(user),
            LogText::Formatted(text) => text.to_string(),
        }
    }
}

impl From<String> for LogText {
    fn from(text: String) -> Self {
        LogText::Formatted(text.into())
    }
}

impl fmt::Display for LogText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kept_line_renders_as_its_formatted_text() {
        let alice: Arc<str> = Arc::from("alice");
        assert_eq!(
            LogText::Provisioned(Arc::clone(&alice)).render(),
            texts::provisioned("alice")
        );
        assert_eq!(
            LogText::ProvisionFailed(Arc::clone(&alice)).render(),
            texts::provision_failed("alice")
        );
        assert_eq!(
            LogText::StringsFetched(alice).render(),
            texts::strings_fetched("alice")
        );
        assert_eq!(
            LogText::MobileUnknownUser.render(),
            texts::MOBILE_UNKNOWN_USER
        );
        assert_eq!(LogText::from("x".to_string()).to_string(), "x");
    }
}
