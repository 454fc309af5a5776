//! What the policies a history changes imply ([`Setting`]): the message that carries a
//! code goes to the transport "send code as security string" picks (PC-2) and holds a
//! Provision URL or complete URL with the code in it (URL-1, URL-2); a successful
//! provision logs the device information the client sent only when "log device
//! information" is on (SP-2); replies carry the Mobile Client policies the history set
//! (POL-1) in the profile's shape (WIRE-6); strings are of the security string type
//! (SS-6). The model checks only values the history itself set (or the case's declared
//! starting policies), never a server's defaults.

use std::collections::BTreeMap;

use super::{Model, Plan};
use crate::explore::ops::User;
use crate::explore::plan::StepFields;
use crate::explore::settings::{MessageFormat, MobileItem, Setting, StringType};
use crate::rules::rule_id;

/// The `<DeviceOS>` a provision sends when it sends one.
pub const DEVICE_OS: &str = "HarnessOS 7.1";
/// The default base of the complete URL (URL-2).
const COMPLETE_URL_BASE: &str = "http://smc.swivelsecure.com/smc/complete/";
/// What a Provision URL starts with (URL-1; as the written suite `delivery` says).
const PROVISION_URL_PREFIX: &str = "swivelsecure://provision/";

/// The policies as the history has left them.
#[derive(Debug, Clone, Default)]
pub(super) struct PolicyState {
    pub(super) string_type: StringType,
    pub(super) message: MessageFormat,
    code_as_string: bool,
    /// Whether the history set "send code as security string" (then every message's
    /// transport is checked).
    transport_set: bool,
    /// The Mobile Client policies the history set.
    mobile: BTreeMap<MobileItem, bool>,
    pub(super) log_device_info: bool,
}

impl PolicyState {
    /// Whether a new code goes to the user's string transport (PC-2).
    pub(super) fn code_goes_to_strings(&self) -> bool {
        self.code_as_string
    }

    /// Whether codes must be digits only (PC-8).
    pub(super) fn numeric_codes(&self) -> bool {
        self.mobile
            .get(&MobileItem::NumericCodes)
            .copied()
            .unwrap_or(false)
    }
}

impl Model {
    /// A policy change: accepted, and remembered for what it implies.
    pub(super) fn set_policy(&mut self, out: &mut Plan, setting: Setting) {
        out.step(
            StepFields::new("set_policy")
                .value("policy", toml::Value::Table(setting.patch()))
                .expect("accepted"),
            setting.rule(),
        );
        let p = &mut self.policy;
        match setting {
            Setting::StringType(t) => p.string_type = t,
            Setting::Message(f) => p.message = f,
            Setting::CodeAsString(on) => {
                p.code_as_string = on;
                p.transport_set = true;
                self.uses_string_transport = true;
            }
            Setting::Mobile(item, on) => {
                p.mobile.insert(item, on);
            }
            Setting::LogDeviceInfo(on) => p.log_device_info = on,
        }
    }

    /// The `read_code` of a code just issued for `user` into `var`, and what the message
    /// must show: its transport once the history chose one (PC-2), and the URL the
    /// message format asks for, holding the code (URL-1, URL-2).
    pub(super) fn read_delivered(&mut self, out: &mut Plan, user: User, var: &str) {
        let alias = user.alias();
        let format = self.policy.message;
        let url = (format != MessageFormat::Code).then(|| self.var(&format!("url_{alias}_")));
        let mut read = StepFields::new("read_code").user(alias).save(var);
        if let Some(url) = &url {
            read = read.text("save_url", url);
        }
        out.step(read, rule_id!("PC-1"));
        if self.policy.transport_set {
            let transport = if self.policy.code_as_string {
                "string"
            } else {
                "alert"
            };
            out.step(
                StepFields::new("expect_outbox")
                    .user(alias)
                    .text("transport", transport),
                rule_id!("PC-2"),
            );
        }
        let Some(url) = url else {
            return;
        };
        let (prefix, needle) = match format {
            MessageFormat::ProvisionUrl => {
                (PROVISION_URL_PREFIX.to_string(), format!("${{{var}}}"))
            }
            MessageFormat::CompleteUrl | MessageFormat::Code => (
                format!("{COMPLETE_URL_BASE}${{site_id}}/${{{alias}}}/"),
                format!("/${{{var}}}"),
            ),
        };
        out.step(
            StepFields::new("expect_outbox")
                .user(alias)
                .text("url_prefix", &prefix),
            format.rule(),
        );
        out.step(
            StepFields::new("contains")
                .text("text", &format!("${{{url}}}"))
                .text("needle", &needle)
                .boolean("present", true)
                .text("what", "the code in the message's URL"),
            format.rule(),
        );
        self.user(user).url = Some(url);
    }

    /// After a successful provision of `alias` that sent [`DEVICE_OS`] or not: the device
    /// information in the log exactly when the policy says so (SP-2), checked first, as
    /// it is what a line with information it should not have breaks; then the LOG-5 line,
    /// read in part while the policy is on (the information is appended to it, and a
    /// profile's app may send a `<DeviceOS>` of its own).
    pub(super) fn expect_provisioned(&self, out: &mut Plan, alias: &str, device_os: bool) {
        let line = format!("User \"${{{alias}}}\" provisioned successfully");
        let logged = self.policy.log_device_info;
        if device_os {
            out.step(
                StepFields::new("expect_log")
                    .text("text", DEVICE_OS)
                    .boolean("partial", true)
                    .boolean("absent", !logged),
                rule_id!("SP-2"),
            );
        }
        if logged {
            out.step(
                StepFields::new("expect_log")
                    .text("text", &line)
                    .boolean("partial", true),
                rule_id!("LOG-5"),
            );
        } else {
            out.expect_log(&line, rule_id!("LOG-5"));
        }
    }

    /// The checks of a reply saved under `reply`: every Mobile Client policy the history
    /// set, with its value (POL-1), then the policies' shape (WIRE-6).
    pub(super) fn check_reply_policies(&self, out: &mut Plan, reply: &str) {
        for (item, on) in &self.policy.mobile {
            out.step(
                StepFields::new("check_policy")
                    .text("reply", reply)
                    .text("policy", item.id())
                    .text("content", if *on { "ON" } else { "OFF" }),
                rule_id!("POL-1"),
            );
        }
        out.step(
            StepFields::new("check_policies_shape").text("reply", reply),
            rule_id!("WIRE-6"),
        );
    }
}
