//! The user repository's records: username, PIN, groups (with or without the Mobile
//! Client right) and the alert and security-string transports messages go to.

use serde::{Deserialize, Serialize};

/// The group a user created with the Mobile Client right joins by default.
pub const MOBILE_GROUP: &str = "MobileUsers";
/// The group a user created without the Mobile Client right joins by default.
pub const PLAIN_GROUP: &str = "Users";

/// How a transport delivers messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// E-mail.
    Email,
    /// Text message.
    Sms,
}

/// A transport and the user's address on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transport {
    /// E-mail or SMS.
    pub kind: TransportKind,
    /// The address: an e-mail address or a phone number.
    pub destination: String,
}

/// What it takes to create a user (control API, users file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// The username, as the app and the repository spell it.
    pub username: String,
    /// The PIN: 4 to 10 digits.
    pub pin: String,
    /// Whether the user's groups grant the Mobile Client right (SS-5).
    pub mobile_client: bool,
    /// Explicit group names; when absent the user joins MobileUsers or Users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Where alerts, including provision codes, go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_transport: Option<Transport>,
    /// Where security strings go (and codes when "send as security string" is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_transport: Option<Transport>,
}

/// A user spec the repository refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// Empty, too long, or with control characters or whitespace.
    #[error(
        "username must be 1 to 64 characters with no whitespace or control characters; got {0:?}"
    )]
    BadUsername(String),
    /// The PIN is not 4 to 10 digits.
    #[error("PIN must be 4 to 10 digits")]
    BadPin,
    /// A transport address is empty, too long or has control characters.
    #[error("transport destination must be 1 to 254 printable characters; got {0:?}")]
    BadDestination(String),
    /// A username already in the repository.
    #[error("user \"{0}\" already exists")]
    Exists(String),
    /// A username not in the repository.
    #[error("user \"{0}\" does not exist")]
    NotFound(String),
}

/// A user as the repository holds it. Kept small: a million users must fit (see
/// BENCHMARKS.md), so groups are reduced to the one right the protocol cares about.
#[derive(Debug, Clone)]
pub struct User {
    pub(crate) pin: Box<str>,
    pub(crate) groups: Box<[Box<str>]>,
    pub(crate) mobile_client: bool,
    pub(crate) alert_transport: Option<Transport>,
    pub(crate) string_transport: Option<Transport>,
}

impl User {
    /// Validates a spec and builds the record.
    pub fn from_spec(spec: &UserSpec) -> Result<User, UserError> {
        validate_username(&spec.username)?;
        let pin_ok =
            (4..=10).contains(&spec.pin.len()) && spec.pin.bytes().all(|b| b.is_ascii_digit());
        if !pin_ok {
            return Err(UserError::BadPin);
        }
        for t in [&spec.alert_transport, &spec.string_transport]
            .into_iter()
            .flatten()
        {
            let d = &t.destination;
            if d.is_empty() || d.len() > 254 || d.chars().any(char::is_control) {
                return Err(UserError::BadDestination(d.clone()));
            }
        }
        let groups = match &spec.groups {
            Some(g) => g.iter().map(|s| s.as_str().into()).collect(),
            None => {
                let g = if spec.mobile_client {
                    MOBILE_GROUP
                } else {
                    PLAIN_GROUP
                };
                vec![g.into()].into_boxed_slice()
            }
        };
        Ok(User {
            pin: spec.pin.as_str().into(),
            groups,
            mobile_client: spec.mobile_client,
            alert_transport: spec.alert_transport.clone(),
            string_transport: spec.string_transport.clone(),
        })
    }

    /// The PIN digits.
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// Whether the user's groups grant the Mobile Client right.
    pub fn has_mobile_right(&self) -> bool {
        self.mobile_client
    }

    /// The user's groups.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|g| &**g)
    }

    /// The alert transport.
    pub fn alert_transport(&self) -> Option<&Transport> {
        self.alert_transport.as_ref()
    }

    /// The security-string transport.
    pub fn string_transport(&self) -> Option<&Transport> {
        self.string_transport.as_ref()
    }
}

/// A username is 1 to 64 characters, none of them whitespace or control characters.
pub fn validate_username(name: &str) -> Result<(), UserError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(UserError::BadUsername(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, pin: &str) -> UserSpec {
        UserSpec {
            username: name.into(),
            pin: pin.into(),
            mobile_client: true,
            groups: None,
            alert_transport: Some(Transport {
                kind: TransportKind::Email,
                destination: "a@example.test".into(),
            }),
            string_transport: None,
        }
    }

    #[test]
    fn valid_spec_joins_the_mobile_group() {
        let u = User::from_spec(&spec("alice", "1234")).unwrap();
        assert!(u.has_mobile_right());
        assert_eq!(u.groups().collect::<Vec<_>>(), vec![MOBILE_GROUP]);
    }

    #[test]
    fn bad_pins_and_names_are_refused() {
        assert_eq!(
            User::from_spec(&spec("alice", "12a4")).unwrap_err(),
            UserError::BadPin
        );
        assert_eq!(
            User::from_spec(&spec("alice", "123")).unwrap_err(),
            UserError::BadPin
        );
        assert!(matches!(
            User::from_spec(&spec("al ice", "1234")),
            Err(UserError::BadUsername(_))
        ));
        assert!(matches!(
            User::from_spec(&spec("", "1234")),
            Err(UserError::BadUsername(_))
        ));
    }
}
