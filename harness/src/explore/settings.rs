//! The policies an explored history may change besides validity and self-service: the
//! security string type (SS-6), what the provision message carries (PC-2, URL-1, URL-2),
//! sending the code as a security string (PC-2), the Mobile Client policies (POL-1,
//! PC-8) and logging device information (SP-2). Each [`Setting`] knows the partial policy
//! document `set_policy` sends and the rule the change serves; what it implies for later
//! replies is the model's business ([`super::model`]).

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::rules::{RuleId, rule_id};

/// "Security string type" (SS-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum StringType {
    /// Digits (the default).
    #[default]
    Numeric,
    /// Upper-case letters.
    Upper,
    /// Lower-case letters.
    Lower,
    /// Upper- and lower-case letters.
    Mixed,
    /// Upper-case letters and digits.
    Alphanumeric,
}

impl StringType {
    /// The policy value, which is also `check_strings`'s `charset`.
    pub fn name(self) -> &'static str {
        match self {
            StringType::Numeric => "numeric",
            StringType::Upper => "upper",
            StringType::Lower => "lower",
            StringType::Mixed => "mixed",
            StringType::Alphanumeric => "alphanumeric",
        }
    }
}

/// What the provision message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MessageFormat {
    /// The bare code (the default).
    #[default]
    Code,
    /// A Provision URL carrying the code (URL-1).
    ProvisionUrl,
    /// The complete URL: base, Site ID, username, code (URL-2).
    CompleteUrl,
}

impl MessageFormat {
    /// The policy value.
    pub fn name(self) -> &'static str {
        match self {
            MessageFormat::Code => "code",
            MessageFormat::ProvisionUrl => "provision-url",
            MessageFormat::CompleteUrl => "complete-url",
        }
    }

    /// The rule that says what a message of this format carries.
    pub fn rule(self) -> RuleId {
        match self {
            MessageFormat::Code => rule_id!("PC-2"),
            MessageFormat::ProvisionUrl => rule_id!("URL-1"),
            MessageFormat::CompleteUrl => rule_id!("URL-2"),
        }
    }
}

/// One Mobile Client policy (POL-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MobileItem {
    /// "Allow user to enter PIN".
    EnterPin,
    /// "Allow user to choose how to extract OTC".
    ChooseExtraction,
    /// "Allow user to browse strings".
    BrowseStrings,
    /// "Provision Number Is Numeric" (also PC-8: codes of digits only).
    NumericCodes,
}

impl MobileItem {
    /// The field of the policy document's `mobile_client` group.
    pub fn key(self) -> &'static str {
        match self {
            MobileItem::EnterPin => "allow_pin_entry",
            MobileItem::ChooseExtraction => "allow_choose_extraction",
            MobileItem::BrowseStrings => "allow_browse_strings",
            MobileItem::NumericCodes => "provision_number_numeric",
        }
    }

    /// The policy's id in a reply's policies.
    pub fn id(self) -> &'static str {
        match self {
            MobileItem::EnterPin => "AllowUserToEnterPIN",
            MobileItem::ChooseExtraction => "AllowUserToChooseExtraction",
            MobileItem::BrowseStrings => "AllowUserToBrowseStrings",
            MobileItem::NumericCodes => "ProvisionNumberIsNumeric",
        }
    }
}

/// One policy change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Setting {
    /// The security string type.
    StringType(StringType),
    /// What the provision message carries.
    Message(MessageFormat),
    /// "Send provision code as security string".
    CodeAsString(bool),
    /// A Mobile Client policy.
    Mobile(MobileItem, bool),
    /// "Log device information when provisioning".
    LogDeviceInfo(bool),
}

impl Setting {
    /// The partial policy document `set_policy` sends.
    pub fn patch(self) -> toml::Table {
        let (group, key, value) = match self {
            Setting::StringType(t) => (
                "general",
                "security_string_type",
                toml::Value::String(t.name().into()),
            ),
            Setting::Message(f) => (
                "self_reset",
                "provision_message",
                toml::Value::String(f.name().into()),
            ),
            Setting::CodeAsString(on) => (
                "self_reset",
                "send_code_as_security_string",
                toml::Value::Boolean(on),
            ),
            Setting::Mobile(item, on) => ("mobile_client", item.key(), toml::Value::Boolean(on)),
            Setting::LogDeviceInfo(on) => (
                "self_reset",
                "log_device_information",
                toml::Value::Boolean(on),
            ),
        };
        let mut inner = toml::Table::new();
        inner.insert(key.into(), value);
        let mut patch = toml::Table::new();
        patch.insert(group.into(), toml::Value::Table(inner));
        patch
    }

    /// The rule whose policy it is.
    pub fn rule(self) -> RuleId {
        match self {
            Setting::StringType(_) => rule_id!("SS-6"),
            Setting::Message(f) => f.rule(),
            Setting::CodeAsString(_) => rule_id!("PC-2"),
            Setting::Mobile(MobileItem::NumericCodes, _) => rule_id!("PC-8"),
            Setting::Mobile(..) => rule_id!("POL-1"),
            Setting::LogDeviceInfo(_) => rule_id!("SP-2"),
        }
    }
}

/// Policy changes, each value about equally likely (shrinking toward the defaults).
pub fn setting() -> impl Strategy<Value = Setting> {
    let string_type = prop_oneof![
        Just(StringType::Numeric),
        Just(StringType::Upper),
        Just(StringType::Lower),
        Just(StringType::Mixed),
        Just(StringType::Alphanumeric),
    ];
    let message = prop_oneof![
        Just(MessageFormat::Code),
        Just(MessageFormat::ProvisionUrl),
        Just(MessageFormat::CompleteUrl),
    ];
    let item = prop_oneof![
        Just(MobileItem::EnterPin),
        Just(MobileItem::ChooseExtraction),
        Just(MobileItem::BrowseStrings),
        Just(MobileItem::NumericCodes),
    ];
    prop_oneof![
        2 => string_type.prop_map(Setting::StringType),
        2 => message.prop_map(Setting::Message),
        1 => any::<bool>().prop_map(Setting::CodeAsString),
        2 => (item, any::<bool>()).prop_map(|(i, on)| Setting::Mobile(i, on)),
        1 => any::<bool>().prop_map(Setting::LogDeviceInfo),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_patches_one_field_of_its_group() {
        let patch = Setting::Message(MessageFormat::CompleteUrl).patch();
        assert_eq!(
            toml::Value::Table(patch).to_string(),
            "{ self_reset = { provision_message = \"complete-url\" } }"
        );
        let patch = Setting::Mobile(MobileItem::NumericCodes, true).patch();
        assert_eq!(
            toml::Value::Table(patch).to_string(),
            "{ mobile_client = { provision_number_numeric = true } }"
        );
        assert_eq!(
            Setting::Mobile(MobileItem::NumericCodes, true).rule(),
            rule_id!("PC-8")
        );
    }
}
