//! What a call is and how it ended: [`Call`] names the calls of a wire profile and
//! [`Outcome`] is the judgement of a reply, the same for the emulator (`run`) and the
//! load personas (`load`). Scenarios compare [`Outcome::key`] against their `expect`.

use std::fmt;

use serde::Serialize;

/// The call an exchange made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Call {
    /// Agent-XML `ping`.
    Ping,
    /// Agent-XML `Provision`.
    Provision,
    /// Agent-XML `SecurityStrings`.
    SecurityStrings,
    /// `GET TokenIndex`.
    TokenIndex,
    /// Agent-XML `login` (as an agent, with the secret).
    Login,
    /// The Site ID lookup (`GET <root><ssd.path>`).
    SsdLookup,
    /// `POST /reset/provision.jsp`.
    SelfProvision,
    /// `GET /userportal/getQRCode`.
    QrCode,
    /// A raw Agent-XML body (probes).
    Raw,
    /// A plain GET (landing pages).
    Get,
}

impl Call {
    /// A short name for transcripts.
    pub fn name(self) -> &'static str {
        match self {
            Call::Ping => "ping",
            Call::Provision => "provision",
            Call::SecurityStrings => "security-strings",
            Call::TokenIndex => "token-index",
            Call::Login => "login",
            Call::SsdLookup => "ssd-lookup",
            Call::SelfProvision => "self-provision",
            Call::QrCode => "qr-code",
            Call::Raw => "raw",
            Call::Get => "get",
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an exchange ended, judged the way the app would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Outcome {
    /// The expected success reply.
    Pass,
    /// A refusal; the canonical error code, or "" when the reply named none.
    Fail(String),
    /// A non-2xx status without a FAIL reply, or a 2xx that is not the expected kind of
    /// content (e.g. a QR reply that is not `image/png`).
    Http(u16),
    /// A 2xx whose body could not be read as the expected reply (not XML, no `<Result>`,
    /// too large, not an integer, …).
    Malformed(String),
    /// No reply: connection refused or reset, TLS failure, timeout, invalid URL.
    Transport(String),
    /// The client refused to send, as the app would (e.g. no username configured).
    NotSent(String),
}

impl Outcome {
    /// The comparison key scenarios use: `PASS`, `FAIL:<code>` (`FAIL:` when the reply
    /// named no code), `HTTP:<status>`, `MALFORMED`, `TRANSPORT`, `NOT-SENT`.
    pub fn key(&self) -> String {
        match self {
            Outcome::Pass => "PASS".to_string(),
            Outcome::Fail(code) => format!("FAIL:{code}"),
            Outcome::Http(status) => format!("HTTP:{status}"),
            Outcome::Malformed(_) => "MALFORMED".to_string(),
            Outcome::Transport(_) => "TRANSPORT".to_string(),
            Outcome::NotSent(_) => "NOT-SENT".to_string(),
        }
    }

    /// Whether no reply arrived (the runner reruns such cases before calling them
    /// INCONCLUSIVE).
    pub fn is_transport(&self) -> bool {
        matches!(self, Outcome::Transport(_))
    }

    /// Whether this is [`Outcome::Pass`].
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Malformed(why) | Outcome::Transport(why) | Outcome::NotSent(why) => {
                write!(f, "{}: {why}", self.key())
            }
            _ => f.write_str(&self.key()),
        }
    }
}
