//! Unit tests of the domain core, named after the rule IDs they check. Time moves by
//! advancing the manual clock; nothing sleeps.

use std::sync::Arc;

use super::log::texts;
use super::outbox::TransportRole;
use super::policy::{Policies, ProvisionMessage, StringType};
use super::provision::ProvisionRequest;
use super::strings::otc_for;
use super::users::{Transport, TransportKind, UserSpec};
use super::*;
use crate::clock::ManualClock;
use crate::defects::Defect;

fn spec(name: &str, mobile: bool) -> UserSpec {
    UserSpec {
        username: name.into(),
        pin: "3759".into(),
        mobile_client: mobile,
        groups: None,
        alert_transport: Some(Transport {
            kind: TransportKind::Email,
            destination: format!("{name}@example.test"),
        }),
        string_transport: Some(Transport {
            kind: TransportKind::Sms,
            destination: "+440000000000".into(),
        }),
    }
}

fn server_with(nodes: u16, sharing: bool, defects: &[Defect]) -> Core {
    let config = CoreConfig {
        nodes,
        session_sharing: sharing,
        defects: defects.iter().copied().collect(),
        ..CoreConfig::default()
    };
    Core::new(
        config,
        Arc::new(ManualClock::fixed()),
        vec![spec("alice", true), spec("bob", true), spec("carol", false)],
    )
    .unwrap()
}

fn server() -> Core {
    server_with(1, false, &[])
}

/// Issues a code on `node` and reads it from the outbox, as a test reads a mailbox.
fn code_for(core: &Core, node: u16, user: &str) -> String {
    core.admin_reprovision(node, user).unwrap();
    core.outbox(Some(user), 10)
        .last()
        .unwrap()
        .code
        .clone()
        .unwrap()
}

fn req(user: &str, code: &str) -> ProvisionRequest {
    ProvisionRequest {
        username: user.into(),
        code: code.into(),
        device_info: Some("iOS 17.2".into()),
    }
}

fn texts_of(core: &Core) -> Vec<String> {
    core.log_since(0, 1000)
        .into_iter()
        .map(|e| e.text)
        .collect()
}

/// Provisions `user` on node 1 and downloads strings; returns (device id, strings).
fn provisioned(core: &Core, user: &str) -> (String, Vec<String>) {
    let code = code_for(core, 1, user);
    let device = core.provision(1, &req(user, &code)).unwrap().device_id;
    let strings = core.security_strings(1, user, &device).unwrap().strings();
    (device, strings)
}

/// The OTC + index the user would type for string `index` (1-based).
fn otc(strings: &[String], index: usize) -> String {
    let s = &strings[index - 1];
    let chars: [u8; 10] = s.as_bytes()[..10].try_into().unwrap();
    format!("{}{}", otc_for("3759", &chars).unwrap(), &s[10..])
}

#[test]
fn pc1_reprovision_creates_a_code_and_logs_log1_to_log4() {
    let core = server();
    core.admin_reprovision(1, "alice").unwrap();
    assert_eq!(
        texts_of(&core),
        vec![
            texts::code_created("alice"),
            texts::message_queued("alice", "alice@example.test"),
            texts::message_sent("alice", "alice@example.test"),
            texts::can_reprovision("alice"),
        ]
    );
}

#[test]
fn pc2_code_goes_to_alert_transport_or_string_transport_by_policy() {
    let core = server();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    assert_eq!(m.transport, TransportRole::Alert);
    assert_eq!(m.destination, "alice@example.test");
    assert!(m.body.contains(m.code.as_deref().unwrap()));

    let mut p = Policies::default();
    p.self_reset.send_code_as_security_string = true;
    core.set_policies(p).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    assert_eq!(m.transport, TransportRole::String);
    assert_eq!(m.destination, "+440000000000");
}

#[test]
fn pc2_user_without_transport_is_refused_and_nothing_changes() {
    let core = server();
    let mut s = spec("dave", true);
    s.alert_transport = None;
    core.create_user(&s).unwrap();
    let err = core.admin_reprovision(1, "dave").unwrap_err();
    assert_eq!(err, AdminError::NoTransport("dave".into(), "alert"));
    assert!(texts_of(&core).is_empty());
    assert_eq!(core.user_view("dave").unwrap().pending_codes, vec![0, 0]);
}

#[test]
fn pc3_validity_outside_range_is_refused_and_old_value_kept() {
    let core = server();
    for bad in [9, 1_000_001, 0] {
        let mut p = core.policies();
        p.self_reset.provision_code_validity_secs = bad;
        assert!(core.set_policies(p).is_err());
        assert_eq!(core.policies().self_reset.provision_code_validity_secs, 600);
    }
    for good in [10, 1_000_000] {
        let mut p = core.policies();
        p.self_reset.provision_code_validity_secs = good;
        core.set_policies(p).unwrap();
        assert_eq!(
            core.policies().self_reset.provision_code_validity_secs,
            good
        );
    }
}

#[test]
fn pc4_code_valid_until_one_second_before_expiry() {
    let core = server();
    let code = code_for(&core, 1, "alice");
    core.advance_clock(599);
    assert!(core.provision(1, &req("alice", &code)).is_ok());

    let code = code_for(&core, 1, "alice");
    core.advance_clock(600);
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::provision_failed("alice")
    );
}

#[test]
fn pc4_validity_follows_the_policy() {
    let core = server();
    let mut p = core.policies();
    p.self_reset.provision_code_validity_secs = 10;
    core.set_policies(p).unwrap();
    let code = code_for(&core, 1, "alice");
    core.advance_clock(10);
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
}

#[test]
fn pc5_code_is_single_use() {
    let core = server();
    let code = code_for(&core, 1, "alice");
    assert!(core.provision(1, &req("alice", &code)).is_ok());
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::provision_failed("alice")
    );
}

#[test]
fn pc6_failed_attempt_consumes_pending_code() {
    let core = server();
    let code = code_for(&core, 1, "alice");
    assert_eq!(
        core.provision(1, &req("alice", "WRONGCODE1")),
        Err(MobileError::ProvisionFailure)
    );
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
}

#[test]
fn pc7_new_code_replaces_older() {
    let core = server();
    let old = code_for(&core, 1, "alice");
    let new = code_for(&core, 1, "alice");
    assert_ne!(old, new);
    assert_eq!(core.user_view("alice").unwrap().pending_codes, vec![0, 1]);
    // Trying the old code fails and, by PC-6, consumes the new one too.
    assert!(core.provision(1, &req("alice", &old)).is_err());
    let newest = code_for(&core, 1, "alice");
    assert!(core.provision(1, &req("alice", &newest)).is_ok());
}

#[test]
fn pc8_codes_are_numeric_when_policy_says_so() {
    let core = server();
    let mut p = core.policies();
    p.mobile_client.provision_number_numeric = true;
    core.set_policies(p).unwrap();
    let code = code_for(&core, 1, "alice");
    assert_eq!(code.len(), 10);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn pc9_check_consumes_so_a_second_check_fails() {
    let core = server();
    let code = code_for(&core, 1, "alice");
    let first = core.provision_check(1, &req("alice", &code));
    let second = core.provision_check(1, &req("alice", &code));
    assert!(first.is_ok());
    assert_eq!(second.unwrap_err(), MobileError::ProvisionFailure);
}

#[test]
fn dev1_new_provision_unbinds_previous_device() {
    let core = server();
    let (old_device, _) = provisioned(&core, "alice");
    let (new_device, _) = provisioned(&core, "alice");
    assert_ne!(old_device, new_device);
    assert_eq!(
        core.security_strings(1, "alice", &old_device),
        Err(MobileError::DeviceNotProvisioned)
    );
}

#[test]
fn dev2_unbound_device_is_refused_with_log7() {
    let core = server();
    provisioned(&core, "alice");
    let invented = "0".repeat(32);
    assert_eq!(
        core.security_strings(1, "alice", &invented),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert_eq!(texts_of(&core).last().unwrap(), texts::MOBILE_UNKNOWN_USER);
    assert_eq!(
        core.token_index(1, "alice", "junk"),
        Err(MobileError::DeviceNotProvisioned)
    );
}

#[test]
fn ss1_provision_request_invalidates_strings_even_when_it_fails() {
    let core = server();
    let (_, strings) = provisioned(&core, "alice");
    assert!(core.provision(1, &req("alice", "WRONGCODE1")).is_err());
    assert_eq!(
        core.agent_login(1, "alice", &otc(&strings, 1)),
        Err(AgentError::BadOtc)
    );
    assert_eq!(core.user_view("alice").unwrap().strings_remaining, 0);
}

#[test]
fn ss1_successful_reprovision_invalidates_old_otc() {
    let core = server();
    let (_, strings) = provisioned(&core, "alice");
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert_eq!(
        core.agent_login(1, "alice", &otc(&strings, 2)),
        Err(AgentError::BadOtc)
    );
}

#[test]
fn ss2_strings_only_for_the_bound_device_of_that_user() {
    let core = server();
    let (alice_device, _) = provisioned(&core, "alice");
    provisioned(&core, "bob");
    assert_eq!(
        core.security_strings(1, "bob", &alice_device),
        Err(MobileError::DeviceNotProvisioned)
    );
}

#[test]
fn ss3_download_holds_99_indexed_strings() {
    let core = server();
    let (_, strings) = provisioned(&core, "alice");
    assert_eq!(strings.len(), 99);
    for (i, s) in strings.iter().enumerate() {
        assert_eq!(s.len(), 12);
        assert_eq!(s[10..].parse::<usize>().unwrap(), i + 1);
    }
}

#[test]
fn ss4_new_download_replaces_earlier_strings() {
    let core = server();
    let (device, first) = provisioned(&core, "alice");
    let second = core
        .security_strings(1, "alice", &device)
        .unwrap()
        .strings();
    assert_ne!(first, second);
    assert_eq!(
        core.agent_login(1, "alice", &otc(&first, 1)),
        Err(AgentError::BadOtc)
    );
    assert_eq!(core.agent_login(1, "alice", &otc(&second, 1)), Ok(()));
}

#[test]
fn ss5_no_strings_without_mobile_right() {
    let core = server();
    let code = code_for(&core, 1, "carol");
    let device = core.provision(1, &req("carol", &code)).unwrap().device_id;
    assert_eq!(
        core.security_strings(1, "carol", &device),
        Err(MobileError::NoMobileRight)
    );
}

#[test]
fn ss6_strings_follow_the_string_type_policy() {
    let core = server();
    let mut p = core.policies();
    p.general.security_string_type = StringType::Upper;
    core.set_policies(p).unwrap();
    let (_, strings) = provisioned(&core, "alice");
    assert!(
        strings
            .iter()
            .all(|s| s[..10].bytes().all(|b| b.is_ascii_uppercase()))
    );
}

#[test]
fn otc1_string_authenticates_once() {
    let core = server();
    let (device, strings) = provisioned(&core, "alice");
    assert_eq!(core.token_index(1, "alice", &device), Ok(1));
    assert_eq!(core.agent_login(1, "alice", &otc(&strings, 1)), Ok(()));
    assert_eq!(
        core.agent_login(1, "alice", &otc(&strings, 1)),
        Err(AgentError::BadOtc)
    );
    assert_eq!(core.token_index(1, "alice", &device), Ok(2));
    // Wrong OTC for an unused index.
    assert_eq!(
        core.agent_login(1, "alice", "000099"),
        Err(AgentError::BadOtc)
    );
    assert_eq!(core.agent_login(1, "alice", "x"), Err(AgentError::BadOtc));
}

#[test]
fn usr1_unknown_user_provision_fails_with_log7() {
    let core = server();
    assert_eq!(
        core.provision(1, &req("nobody", "ABCDEFGHJK")),
        Err(MobileError::UnknownUser)
    );
    assert_eq!(
        texts_of(&core),
        vec![texts::MOBILE_UNKNOWN_USER.to_string()]
    );
}

#[test]
fn usr2_agent_login_for_unknown_user_logs_log8() {
    let core = server();
    assert_eq!(
        core.agent_login(1, "nobody", "123401"),
        Err(AgentError::UnknownUser)
    );
    assert_eq!(texts_of(&core), vec![texts::agent_unknown_user("nobody")]);
}

#[test]
fn sp1_self_provision_refused_unless_policy_allows() {
    let core = server();
    assert_eq!(
        core.self_provision(1, "alice"),
        Err(SelfProvisionError::NotAllowed)
    );
    assert!(core.outbox(Some("alice"), 10).is_empty());
    let mut p = core.policies();
    p.self_reset.allow_self_provision = true;
    core.set_policies(p).unwrap();
    assert!(matches!(
        core.self_provision(1, "alice"),
        Ok(admin::SelfProvisionOutcome::Sent(_))
    ));
    assert_eq!(
        core.self_provision(1, "nobody"),
        Ok(admin::SelfProvisionOutcome::UnknownUser)
    );
    let code = core.outbox(Some("alice"), 10).pop().unwrap().code.unwrap();
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn sp2_device_information_logged_only_when_policy_says_yes() {
    let core = server();
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::provisioned("alice")
    );

    let mut p = core.policies();
    p.self_reset.log_device_information = true;
    core.set_policies(p).unwrap();
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert_eq!(
        texts_of(&core).last().unwrap(),
        "User \"alice\" provisioned successfully, device information: iOS 17.2"
    );
}

#[test]
fn pol1_mobile_policies_reach_the_client() {
    let core = server();
    let mut p = core.policies();
    p.mobile_client.allow_browse_strings = true;
    core.set_policies(p).unwrap();
    let code = code_for(&core, 1, "alice");
    let ok = core.provision(1, &req("alice", &code)).unwrap();
    assert!(ok.policies.contains(&(
        "AllowUserToBrowseStrings",
        true,
        "Allow user to browse strings"
    )));
    let dl = core.security_strings(1, "alice", &ok.device_id).unwrap();
    assert_eq!(dl.policies, ok.policies);
}

#[test]
fn cl1_without_sharing_code_valid_only_on_its_node() {
    let core = server_with(2, false, &[]);
    let code = code_for(&core, 1, "alice");
    assert_eq!(
        core.provision(2, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::provision_failed("alice")
    );
    assert_eq!(core.log_since(0, 100).last().unwrap().node, 2);
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn cl2_with_sharing_code_valid_on_every_node_once() {
    let core = server_with(2, true, &[]);
    let code = code_for(&core, 1, "alice");
    assert!(core.provision(2, &req("alice", &code)).is_ok());
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
}

#[test]
fn cl3_device_provisioned_on_one_node_downloads_on_another() {
    let core = server_with(2, false, &[]);
    let code = code_for(&core, 1, "alice");
    let device = core.provision(1, &req("alice", &code)).unwrap().device_id;
    assert_eq!(
        core.security_strings(2, "alice", &device)
            .unwrap()
            .strings()
            .len(),
        99
    );
}

#[test]
fn url1_and_url2_messages_carry_urls() {
    let core = server();
    let mut p = core.policies();
    p.self_reset.provision_message = ProvisionMessage::CompleteUrl;
    core.set_policies(p.clone()).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    let code = m.code.unwrap();
    assert_eq!(
        m.url.as_deref(),
        Some(format!("http://smc.swivelsecure.com/smc/complete/HARNESS01/alice/{code}").as_str())
    );
    assert!(m.body.contains(m.url.as_deref().unwrap()));

    p.self_reset.provision_message = ProvisionMessage::ProvisionUrl;
    core.set_policies(p).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    assert!(m.url.unwrap().starts_with("swivelsecure://provision/"));
}

#[test]
fn ssd1_unknown_site_id_is_refused() {
    let core = server();
    core.register_site("HARNESS01", site::SiteRecord::default());
    assert!(core.lookup_site("HARNESS01").is_some());
    assert!(core.lookup_site("NOPE").is_none());
}

#[test]
fn log_entries_carry_node_and_clock_time() {
    let core = server_with(2, false, &[]);
    core.advance_clock(42);
    core.admin_reprovision(2, "alice").unwrap();
    let e = &core.log_since(0, 10)[0];
    assert_eq!(e.node, 2);
    assert_eq!(e.at_ms, core.now());
}

#[test]
fn reset_restores_initial_users_and_policies() {
    let core = server();
    core.create_user(&spec("zed", true)).unwrap();
    let mut p = core.policies();
    p.self_reset.allow_self_provision = true;
    core.set_policies(p).unwrap();
    provisioned(&core, "alice");
    core.reset().unwrap();
    assert!(core.user_view("zed").is_err());
    assert!(!core.user_view("alice").unwrap().provisioned);
    assert_eq!(core.policies(), Policies::default());
    assert!(core.log_since(0, 10).is_empty());
}

#[test]
fn deleted_user_loses_codes_and_messages() {
    let core = server();
    code_for(&core, 1, "alice");
    core.delete_user("alice").unwrap();
    assert!(core.outbox(Some("alice"), 10).is_empty());
    assert!(core.delete_user("alice").is_err());
}

#[test]
fn node_outside_cluster_is_refused() {
    let core = server_with(2, false, &[]);
    assert_eq!(
        core.admin_reprovision(3, "alice"),
        Err(AdminError::NoSuchNode(3, 2))
    );
}

mod defects;
mod device_id_alone;
mod model;
