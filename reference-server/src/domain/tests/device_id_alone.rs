//! SS-2 and WIRE-3 at the domain level: a device id alone names its user (strings), a
//! username alone names the bound device (TokenIndex), and the device index follows
//! every binding change (reprovision, delete, reset, and the defects that keep an old id).

use super::*;

#[test]
fn ss2_device_id_alone_gets_its_users_strings() {
    let core = server();
    let (alice_device, _) = provisioned(&core, "alice");
    let (bob_device, _) = provisioned(&core, "bob");
    let alice = core.device_security_strings(1, &alice_device).unwrap();
    assert_eq!(alice.strings().len(), 99);
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::strings_fetched("alice")
    );
    core.device_security_strings(1, &bob_device).unwrap();
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::strings_fetched("bob")
    );
    // SS-4: the download replaced alice's earlier strings, whichever way it was asked.
    let again = core.security_strings(1, "alice", &alice_device).unwrap();
    assert_eq!(
        core.agent_login(1, "alice", &otc(&alice.strings(), 1)),
        Err(AgentError::BadOtc)
    );
    assert_eq!(
        core.agent_login(1, "alice", &otc(&again.strings(), 1)),
        Ok(())
    );
}

#[test]
fn dev2_unbound_or_invented_id_alone_is_refused_with_log7() {
    let core = server();
    let (old, _) = provisioned(&core, "alice");
    let (new, _) = provisioned(&core, "alice");
    for id in [old.as_str(), &"0".repeat(32), "not-a-device", ""] {
        let before = texts_of(&core).len();
        assert_eq!(
            core.device_security_strings(1, id),
            Err(MobileError::DeviceNotProvisioned),
            "{id:?}"
        );
        let texts = texts_of(&core);
        assert_eq!(texts.len(), before + 1);
        assert_eq!(texts.last().unwrap(), texts::MOBILE_UNKNOWN_USER);
    }
    assert!(core.device_security_strings(1, &new).is_ok());
}

#[test]
fn ss2_a_username_other_than_the_bound_user_is_refused_with_log7() {
    let core = server();
    let (alice_device, _) = provisioned(&core, "alice");
    provisioned(&core, "bob");
    assert_eq!(
        core.security_strings(1, "bob", &alice_device),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert_eq!(texts_of(&core).last().unwrap(), texts::MOBILE_UNKNOWN_USER);
}

#[test]
fn ss5_id_alone_still_needs_the_mobile_right() {
    let core = server();
    let code = code_for(&core, 1, "carol");
    let device = core.provision(1, &req("carol", &code)).unwrap().device_id;
    assert_eq!(
        core.device_security_strings(1, &device),
        Err(MobileError::NoMobileRight)
    );
}

#[test]
fn token_index_by_username_alone_follows_the_bound_device() {
    let core = server();
    assert_eq!(
        core.user_token_index(1, "alice"),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert_eq!(
        core.user_token_index(1, "nobody"),
        Err(MobileError::UnknownUser)
    );
    let code = code_for(&core, 1, "alice");
    let device = core.provision(1, &req("alice", &code)).unwrap().device_id;
    assert_eq!(
        core.user_token_index(1, "alice"),
        Err(MobileError::NoStrings)
    );
    let strings = core.device_security_strings(1, &device).unwrap().strings();
    assert_eq!(core.user_token_index(1, "alice"), Ok(1));
    core.agent_login(1, "alice", &otc(&strings, 1)).unwrap();
    assert_eq!(core.user_token_index(1, "alice"), Ok(2));
    assert_eq!(core.token_index(1, "alice", &device), Ok(2));
}

#[test]
fn the_index_forgets_deleted_users_and_resets() {
    let core = server();
    let (device, _) = provisioned(&core, "alice");
    core.delete_user("alice").unwrap();
    assert_eq!(
        core.device_security_strings(1, &device),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert_eq!(core.lock().devices.len(), 0);

    let (device, _) = provisioned(&core, "bob");
    core.reset().unwrap();
    assert_eq!(
        core.device_security_strings(1, &device),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert_eq!(core.lock().devices.len(), 0);
}

#[test]
fn the_index_holds_one_id_per_provisioned_user() {
    let core = server();
    for _ in 0..3 {
        provisioned(&core, "alice");
        provisioned(&core, "bob");
    }
    assert_eq!(core.lock().devices.len(), 2);
}

#[test]
fn old_device_keeps_working_keeps_its_id_in_the_index() {
    let core = server_with(1, false, &[Defect::OldDeviceKeepsWorking]);
    let (old, _) = provisioned(&core, "alice");
    let (new, _) = provisioned(&core, "alice");
    assert!(core.device_security_strings(1, &old).is_ok());
    assert!(core.device_security_strings(1, &new).is_ok());
    // Only one predecessor is kept: a third provision drops the first id.
    provisioned(&core, "alice");
    assert!(core.device_security_strings(1, &old).is_err());
    assert_eq!(core.lock().devices.len(), 2);
}

#[test]
fn strings_for_any_device_lets_a_named_user_through_but_not_an_id_alone() {
    let core = server_with(1, false, &[Defect::StringsForAnyDevice]);
    let (alice_device, _) = provisioned(&core, "alice");
    provisioned(&core, "bob");
    // With a username, that user's strings whatever the id.
    assert!(core.security_strings(1, "bob", &alice_device).is_ok());
    assert_eq!(
        texts_of(&core).last().unwrap(),
        &texts::strings_fetched("bob")
    );
    // An invented id alone names nobody.
    assert_eq!(
        core.device_security_strings(1, &"0".repeat(32)),
        Err(MobileError::DeviceNotProvisioned)
    );
}

#[test]
fn strings_node_local_refuses_an_id_alone_on_another_node() {
    let core = server_with(2, false, &[Defect::StringsNodeLocal]);
    let code = code_for(&core, 1, "alice");
    let device = core.provision(1, &req("alice", &code)).unwrap().device_id;
    assert_eq!(
        core.device_security_strings(2, &device),
        Err(MobileError::DeviceNotProvisioned)
    );
    assert!(core.device_security_strings(1, &device).is_ok());
    // The faithful server answers on either node (CL-3).
    let core = server_with(2, false, &[]);
    let code = code_for(&core, 1, "alice");
    let device = core.provision(1, &req("alice", &code)).unwrap().device_id;
    assert!(core.device_security_strings(2, &device).is_ok());
}
