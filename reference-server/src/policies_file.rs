//! The policies file (`serve --policies FILE`): the server's policies at start, in the
//! shape of the control API's policies JSON as TOML (`[self_reset]`,
//! `[mobile_client]`, `[general]` tables of [`Policies`]). Any part left out keeps its
//! default, an unknown key is an error naming it, and the result is checked as the
//! control API checks a change (PC-3). The tables may also sit under a `[policies]`
//! table (`[policies.self_reset]`), so a harness target file that carries the server's
//! policies beside its other settings can be passed as it is; of its other keys only
//! `[strings_transport]` is read ([`parse_strings_transport`]): a second SMTP transport
//! the server has, which Admin XML may name as a user's string transport.
//!
//! ```toml
//! [self_reset]
//! provision_code_validity_secs = 10
//! allow_self_provision = true
//! ```

use std::path::{Path, PathBuf};

use crate::domain::NamedSmtpTransport;
use crate::domain::policy::{Policies, PolicyError};

/// The table that holds the policies in a file that carries other settings too.
pub const POLICIES_TABLE: &str = "policies";

/// A file whose `[policies]` table holds the policies; its other keys are not read.
#[derive(serde::Deserialize)]
struct Wrapped {
    policies: Policies,
}

/// Why a policies file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PoliciesFileError {
    /// The file could not be read.
    #[error("cannot read policies file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not TOML, or not the policies' shape (an unknown key, a wrong type).
    #[error("invalid policies file {origin}: {message}")]
    Parse {
        /// The file.
        origin: String,
        /// What is wrong, with the key and its line.
        message: String,
    },
    /// A value the console would refuse.
    #[error("invalid policies file {origin}: `{key}`: {problem}")]
    Invalid {
        /// The file.
        origin: String,
        /// The policy, `<group>.<field>`.
        key: &'static str,
        /// Why it is refused.
        problem: PolicyError,
    },
}

/// Reads policies TOML; `origin` names the source in errors. `range_checked` is false
/// only under the validity-range-unchecked defect.
pub fn parse_policies(
    text: &str,
    origin: &str,
    range_checked: bool,
) -> Result<Policies, PoliciesFileError> {
    let parse_error = |message: String| PoliciesFileError::Parse {
        origin: origin.to_string(),
        message: message.trim_end().to_string(),
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
    // Read from the text, not from the table, so that errors keep their line.
    let policies: Policies = if table.contains_key(POLICIES_TABLE) {
        toml::from_str::<Wrapped>(text)
            .map_err(|e| parse_error(e.to_string()))?
            .policies
    } else if table.contains_key(STRINGS_TRANSPORT_TABLE) {
        // The policies beside a transport: read without it (errors then name the key
        // but not its line).
        let mut rest = table;
        rest.remove(STRINGS_TRANSPORT_TABLE);
        toml::Value::Table(rest)
            .try_into()
            .map_err(|e: toml::de::Error| parse_error(e.to_string()))?
    } else {
        toml::from_str(text).map_err(|e| parse_error(e.to_string()))?
    };
    policies
        .validate(range_checked)
        .map_err(|problem| PoliciesFileError::Invalid {
            origin: origin.to_string(),
            key: problem.key(),
            problem,
        })?;
    Ok(policies)
}

/// Reads a policies file's text, once, for [`parse_policies`] and
/// [`parse_strings_transport`] (and a target file's other keys).
pub fn read_policies_file(path: &Path) -> Result<String, PoliciesFileError> {
    std::fs::read_to_string(path).map_err(|source| PoliciesFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The table naming a second SMTP transport (`name`, `attribute`).
pub const STRINGS_TRANSPORT_TABLE: &str = "strings_transport";

/// The `[strings_transport]` table of a policies or target file, if it has one.
pub fn parse_strings_transport(
    text: &str,
    origin: &str,
) -> Result<Option<NamedSmtpTransport>, PoliciesFileError> {
    let parse_error = |message: String| PoliciesFileError::Parse {
        origin: origin.to_string(),
        message: message.trim_end().to_string(),
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
    let Some(value) = table.get(STRINGS_TRANSPORT_TABLE) else {
        return Ok(None);
    };
    let transport: NamedSmtpTransport = value
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| parse_error(format!("[{STRINGS_TRANSPORT_TABLE}]: {e}")))?;
    if transport.name.trim().is_empty() || transport.attribute.trim().is_empty() {
        return Err(parse_error(format!(
            "[{STRINGS_TRANSPORT_TABLE}]: name and attribute must not be empty"
        )));
    }
    Ok(Some(transport))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policies, PoliciesFileError> {
        parse_policies(text, "p.toml", true)
    }

    #[test]
    fn partial_tables_merge_over_the_defaults() {
        let p =
            parse("[self_reset]\nprovision_code_validity_secs = 10\nallow_self_provision = true\n")
                .unwrap();
        assert_eq!(p.self_reset.provision_code_validity_secs, 10);
        assert!(p.self_reset.allow_self_provision);
        assert_eq!(p.mobile_client, Policies::default().mobile_client);
        assert_eq!(parse("").unwrap(), Policies::default());
    }

    #[test]
    fn a_policies_table_beside_other_settings_is_read() {
        let text = "nodes = [\"http://h/pinsafe\"]\n[admin]\nsecret = \"s\"\n\
                    [policies.self_reset]\nprovision_code_validity_secs = 10\n\
                    [policies.general]\nsecurity_string_type = \"upper\"\n";
        let p = parse(text).unwrap();
        assert_eq!(p.self_reset.provision_code_validity_secs, 10);
        assert_eq!(
            p.general.security_string_type,
            crate::domain::policy::StringType::Upper
        );
    }

    #[test]
    fn a_strings_transport_table_is_read_and_checked() {
        let text = "[strings_transport]\nname = \"SMTP-STRINGS\"\nattribute = \"email2\"\n";
        let t = parse_strings_transport(text, "t.toml").unwrap().unwrap();
        assert_eq!(
            (t.name.as_str(), t.attribute.as_str()),
            ("SMTP-STRINGS", "email2")
        );
        assert_eq!(parse_strings_transport("", "t.toml").unwrap(), None);
        let e = parse_strings_transport("[strings_transport]\nname = \"X\"\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("attribute"), "{e}");
        let e = parse_strings_transport(
            "[strings_transport]\nname = \"\"\nattribute = \"a\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("must not be empty"), "{e}");
        // The policies beside it are read as before.
        assert_eq!(parse(text).unwrap(), Policies::default());
        let beside = format!("{text}[self_reset]\nallow_self_provision = true\n");
        assert!(parse(&beside).unwrap().self_reset.allow_self_provision);
        let e = parse(&format!("{text}[self_reset]\nbogus = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let e = parse("[self_reset]\nbogus = 1\n").unwrap_err().to_string();
        assert!(e.contains("p.toml") && e.contains("bogus"), "{e}");
        let e = parse("[policies.self_reset]\nallow_self_provision = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("allow_self_provision") || e.contains("line 2"),
            "{e}"
        );
        let e = parse("[self_reset]\nprovision_code_validity_secs = 9\n").unwrap_err();
        assert!(matches!(
            e,
            PoliciesFileError::Invalid {
                key: "self_reset.provision_code_validity_secs",
                problem: PolicyError::ValidityOutOfRange(9),
                ..
            }
        ));
        assert!(
            e.to_string()
                .contains("`self_reset.provision_code_validity_secs`: Provision Code Validity"),
            "{e}"
        );
        assert!(
            parse_policies(
                "[self_reset]\nprovision_code_validity_secs = 9\n",
                "p",
                false
            )
            .is_ok()
        );
    }
}
