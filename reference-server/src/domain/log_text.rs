//! What a log entry says, kept as the parts it is made of until someone reads it. The
//! lines of the mobile hot paths (LOG-5, LOG-6, LOG-7, LOG-9) are written under the
//! core's lock on every request; storing the user's shared name (`Arc<str>`, a reference
//! count) instead of formatting a line there keeps that lock short and allocates
//! nothing. The administrator's lines (LOG-1 to LOG-4) are kept the same way, with the
//! destination of LOG-3 and LOG-4 shared by the lines of one delivery: when such an
//! entry leaves the full ring, on the mobile hot paths, dropping it frees nothing but
//! reference counts, and the four lines of one code touch one name. The text is spelled
//! by [`super::log::texts`] when the log is read, byte for byte the same as if it had
//! been formatted when written.

use std::fmt;
use std::sync::Arc;

use super::log::texts;

/// The text of one log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogText {
    /// LOG-1 for the user ([`texts::code_created`]).
    CodeCreated(Arc<str>),
    /// LOG-2 for the user ([`texts::can_reprovision`]).
    CanReprovision(Arc<str>),
    /// LOG-3 for the user and destination ([`texts::message_queued`]).
    MessageQueued(Arc<str>, Arc<str>),
    /// LOG-4 for the user and destination ([`texts::message_sent`]).
    MessageSent(Arc<str>, Arc<str>),
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
            LogText::CodeCreated(user) => texts::code_created(user),
            LogText::CanReprovision(user) => texts::can_reprovision(user),
            LogText::MessageQueued(user, destination) => texts::message_queued(user, destination),
            LogText::MessageSent(user, destination) => texts::message_sent(user, destination),
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
    use proptest::prelude::*;

    use super::*;

    /// Every kept form for `user` and `destination`, with the text formatted when written
    /// that it replaces.
    fn table(user: &str, destination: &str) -> Vec<(LogText, String)> {
        let u: Arc<str> = Arc::from(user);
        let d: Arc<str> = Arc::from(destination);
        vec![
            (
                LogText::CodeCreated(Arc::clone(&u)),
                texts::code_created(user),
            ),
            (
                LogText::CanReprovision(Arc::clone(&u)),
                texts::can_reprovision(user),
            ),
            (
                LogText::MessageQueued(Arc::clone(&u), Arc::clone(&d)),
                texts::message_queued(user, destination),
            ),
            (
                LogText::MessageSent(Arc::clone(&u), d),
                texts::message_sent(user, destination),
            ),
            (
                LogText::Provisioned(Arc::clone(&u)),
                texts::provisioned(user),
            ),
            (
                LogText::ProvisionFailed(Arc::clone(&u)),
                texts::provision_failed(user),
            ),
            (
                LogText::MobileUnknownUser,
                texts::MOBILE_UNKNOWN_USER.to_string(),
            ),
            // LOG-8 is rare (Agent-XML, unknown user) and still formatted when written.
            (
                LogText::from(texts::agent_unknown_user(user)),
                texts::agent_unknown_user(user),
            ),
            (LogText::StringsFetched(u), texts::strings_fetched(user)),
        ]
    }

    /// Renders every row three ways (`render`, `Display`, `From<String>` of the written
    /// text) and compares each with the text formatted when written.
    fn check(user: &str, destination: &str) {
        for (kept, written) in table(user, destination) {
            assert_eq!(kept.render(), written, "{kept:?}");
            assert_eq!(kept.to_string(), written, "{kept:?}");
            assert_eq!(LogText::from(written.clone()).render(), written);
        }
    }

    #[test]
    fn each_kept_line_renders_as_its_formatted_text() {
        check("alice", "alice@example.test");
        check("bob", "+447700900123");
        check("", "");
        check("{u}\"%s", "{d}, destination: x.");
        check("zoë-Ω", "ü@exämple.test");
        // The spelling of protocol.md §7 itself, for one user and destination.
        let spelled: Vec<String> = table("alice", "alice@example.test")
            .into_iter()
            .map(|(kept, _)| kept.render())
            .collect();
        assert_eq!(
            spelled,
            [
                "Provision code created for user \"alice\"",
                "User \"alice\" can now reprovision their mobile device.",
                "Message added to message queue for user: alice, destination: alice@example.test.",
                "Message sent to user: alice, destination: alice@example.test.",
                "User \"alice\" provisioned successfully",
                "User \"alice\" provision failed, A valid session could not be loaded or created for the user.",
                "Mobile request from unknown user; the user needs to reprovision",
                "AgentXML request failed, error: No suitable authentication method for the user \"alice\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred.",
                "Security strings fetched for user alice",
            ]
        );
    }

    proptest! {
        #[test]
        fn kept_lines_render_as_formatted_for_any_user_and_destination(
            user in any::<String>(),
            destination in any::<String>(),
        ) {
            check(&user, &destination);
        }
    }
}
