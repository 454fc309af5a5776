//! Each defect switch, shown to break its rule at the domain level: the same steps that
//! pass on the faithful server (see the rule tests beside this file) go wrong here.

use super::*;

fn with(defect: Defect) -> Core {
    server_with(2, false, &[defect])
}

#[test]
fn codes_reusable_breaks_pc5() {
    let core = with(Defect::CodesReusable);
    let code = code_for(&core, 1, "alice");
    assert!(core.provision(1, &req("alice", &code)).is_ok());
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn codes_never_expire_breaks_pc4() {
    let core = with(Defect::CodesNeverExpire);
    let code = code_for(&core, 1, "alice");
    core.advance_clock(100_000);
    core.purge_expired_codes();
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn validity_range_unchecked_breaks_pc3() {
    let core = with(Defect::ValidityRangeUnchecked);
    let mut p = core.policies();
    p.self_reset.provision_code_validity_secs = 9;
    assert!(core.set_policies(p).is_ok());
}

#[test]
fn failed_attempt_keeps_code_breaks_pc6() {
    let core = with(Defect::FailedAttemptKeepsCode);
    let code = code_for(&core, 1, "alice");
    assert!(core.provision(1, &req("alice", "WRONGCODE1")).is_err());
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn new_code_keeps_old_breaks_pc7() {
    let core = with(Defect::NewCodeKeepsOld);
    let old = code_for(&core, 1, "alice");
    code_for(&core, 1, "alice");
    assert!(core.provision(1, &req("alice", &old)).is_ok());
}

#[test]
fn predictable_codes_breaks_pc8() {
    let core = with(Defect::PredictableCodes);
    let first = code_for(&core, 1, "alice");
    let second = code_for(&core, 1, "bob");
    assert_eq!(first, "0000000001");
    assert_eq!(second, "0000000002");
}

#[test]
fn non_atomic_redemption_breaks_pc9() {
    let core = with(Defect::NonAtomicRedemption);
    assert!(core.provision_is_racy());
    let code = code_for(&core, 1, "alice");
    // Two requests both pass the check before either commits.
    let a = core.provision_check(1, &req("alice", &code)).unwrap();
    let b = core.provision_check(1, &req("alice", &code)).unwrap();
    assert!(core.provision_commit(a).is_ok());
    assert!(core.provision_commit(b).is_ok());
}

#[test]
fn code_returned_in_reply_is_visible_to_callers() {
    // PC-2: the domain always hands the code to its caller; the HTTP layers show it only
    // with this defect (tested there). Here: the switch is readable.
    assert!(with(Defect::CodeReturnedInReply).has_defect(Defect::CodeReturnedInReply));
}

#[test]
fn strings_survive_reprovision_breaks_ss1() {
    let core = with(Defect::StringsSurviveReprovision);
    let (_, strings) = provisioned(&core, "alice");
    assert!(core.provision(1, &req("alice", "WRONGCODE1")).is_err());
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert_eq!(core.agent_login(1, "alice", &otc(&strings, 1)), Ok(()));
}

#[test]
fn old_device_keeps_working_breaks_dev1() {
    let core = with(Defect::OldDeviceKeepsWorking);
    let (old, _) = provisioned(&core, "alice");
    provisioned(&core, "alice");
    assert!(core.security_strings(1, "alice", &old).is_ok());
}

#[test]
fn strings_for_any_device_breaks_ss2() {
    let core = with(Defect::StringsForAnyDevice);
    provisioned(&core, "alice");
    assert!(core.security_strings(1, "alice", "invented").is_ok());
}

#[test]
fn short_download_breaks_ss3() {
    let core = with(Defect::ShortDownload);
    let (_, strings) = provisioned(&core, "alice");
    assert_eq!(strings.len(), 98);
}

#[test]
fn earlier_strings_stay_valid_breaks_ss4() {
    let core = with(Defect::EarlierStringsStayValid);
    let (device, first) = provisioned(&core, "alice");
    core.security_strings(1, "alice", &device).unwrap();
    assert_eq!(core.agent_login(1, "alice", &otc(&first, 1)), Ok(()));
}

#[test]
fn strings_without_mobile_right_breaks_ss5() {
    let core = with(Defect::StringsWithoutMobileRight);
    let code = code_for(&core, 1, "carol");
    let device = core.provision(1, &req("carol", &code)).unwrap().device_id;
    assert!(core.security_strings(1, "carol", &device).is_ok());
}

#[test]
fn string_type_ignored_breaks_ss6() {
    let core = with(Defect::StringTypeIgnored);
    let mut p = core.policies();
    p.general.security_string_type = StringType::Upper;
    core.set_policies(p).unwrap();
    let (_, strings) = provisioned(&core, "alice");
    assert!(strings[0][..10].bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn otc_reusable_breaks_otc1() {
    let core = with(Defect::OtcReusable);
    let (_, strings) = provisioned(&core, "alice");
    assert_eq!(core.agent_login(1, "alice", &otc(&strings, 1)), Ok(()));
    assert_eq!(core.agent_login(1, "alice", &otc(&strings, 1)), Ok(()));
}

#[test]
fn unknown_user_accepted_breaks_usr1() {
    let core = with(Defect::UnknownUserAccepted);
    assert!(core.provision(1, &req("nobody", "ANYTHING12")).is_ok());
}

#[test]
fn self_provision_ignores_policy_breaks_sp1() {
    let core = with(Defect::SelfProvisionIgnoresPolicy);
    assert!(core.self_provision(1, "alice").is_ok());
}

#[test]
fn device_info_always_logged_breaks_sp2() {
    let core = with(Defect::DeviceInfoAlwaysLogged);
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert!(texts_of(&core).last().unwrap().contains("iOS 17.2"));
}

#[test]
fn policies_not_sent_breaks_pol1() {
    let core = with(Defect::PoliciesNotSent);
    let code = code_for(&core, 1, "alice");
    assert!(
        core.provision(1, &req("alice", &code))
            .unwrap()
            .policies
            .is_empty()
    );
}

#[test]
fn sessions_always_shared_breaks_cl1() {
    let core = with(Defect::SessionsAlwaysShared);
    let code = code_for(&core, 1, "alice");
    assert!(core.provision(2, &req("alice", &code)).is_ok());
}

#[test]
fn sessions_never_shared_breaks_cl2() {
    let core = server_with(2, true, &[Defect::SessionsNeverShared]);
    let code = code_for(&core, 1, "alice");
    assert_eq!(
        core.provision(2, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );
}

#[test]
fn wrong_log_text_breaks_log5() {
    let core = with(Defect::WrongLogText);
    let code = code_for(&core, 1, "alice");
    core.provision(1, &req("alice", &code)).unwrap();
    assert_ne!(
        texts_of(&core).last().unwrap(),
        &texts::provisioned("alice")
    );
}

#[test]
fn unknown_site_id_accepted_breaks_ssd1() {
    let core = with(Defect::UnknownSiteIdAccepted);
    assert!(core.lookup_site("NOPE").is_some());
}

#[test]
fn no_code_created_breaks_pc1() {
    let core = with(Defect::NoCodeCreated);
    let code = code_for(&core, 1, "alice");
    // Delivered and logged as usual...
    assert_eq!(
        texts_of(&core),
        vec![
            texts::code_created("alice"),
            texts::message_queued("alice", "alice@example.test"),
            texts::message_sent("alice", "alice@example.test"),
            texts::can_reprovision("alice"),
        ]
    );
    // ...but no store holds the code, so it provisions nothing.
    assert_eq!(
        core.user_view("alice").unwrap().pending_codes,
        vec![0, 0, 0]
    );
    assert_eq!(
        core.provision(1, &req("alice", &code)),
        Err(MobileError::ProvisionFailure)
    );

    // Self-provision alike.
    let mut p = core.policies();
    p.self_reset.allow_self_provision = true;
    core.set_policies(p).unwrap();
    assert!(matches!(
        core.self_provision(1, "bob"),
        Ok(admin::SelfProvisionOutcome::Sent(_))
    ));
    let code = core.outbox(Some("bob"), 10).pop().unwrap().code.unwrap();
    assert_eq!(
        core.provision(1, &req("bob", &code)),
        Err(MobileError::ProvisionFailure)
    );
}

#[test]
fn code_to_wrong_transport_breaks_pc2() {
    let core = with(Defect::CodeToWrongTransport);
    let mut p = core.policies();
    p.self_reset.send_code_as_security_string = true;
    core.set_policies(p).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    assert_eq!(m.transport, TransportRole::Alert);
    assert_eq!(m.destination, "alice@example.test");
    let log = texts_of(&core);
    assert!(log.contains(&texts::message_queued("alice", "alice@example.test")));
    assert!(log.contains(&texts::message_sent("alice", "alice@example.test")));
    // Only the transport is wrong: the code itself works.
    assert!(core.provision(1, &req("alice", &m.code.unwrap())).is_ok());
}

#[test]
fn provision_url_without_code_breaks_url1() {
    let core = with(Defect::ProvisionUrlWithoutCode);
    let mut p = core.policies();
    p.self_reset.provision_message = ProvisionMessage::ProvisionUrl;
    core.set_policies(p).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    let code = m.code.unwrap();
    let url = m.url.unwrap();
    assert!(url.starts_with("swivelsecure://provision/"), "{url}");
    assert!(url.ends_with("&username=alice&code="), "{url}");
    assert!(!m.body.contains(&code));
    // The outbox's parsed code still works: only the URL lost it.
    assert!(core.provision(1, &req("alice", &code)).is_ok());
}

#[test]
fn complete_url_wrong_layout_breaks_url2() {
    let core = with(Defect::CompleteUrlWrongLayout);
    let mut p = core.policies();
    p.self_reset.provision_message = ProvisionMessage::CompleteUrl;
    core.set_policies(p).unwrap();
    core.admin_reprovision(1, "alice").unwrap();
    let m = core.outbox(Some("alice"), 10).pop().unwrap();
    let code = m.code.unwrap();
    assert_eq!(
        m.url.as_deref(),
        Some(format!("http://smc.swivelsecure.com/smc/complete/alice/HARNESS01/{code}").as_str())
    );
}

#[tokio::test]
async fn qr_not_png_breaks_qr1() {
    // QR-1 lives only in the HTTP layer: call the handler itself with the defect on.
    use crate::http::portal::qr_code;
    use crate::http::{NodeLimits, NodeState};
    use axum::extract::{Query, State};
    use axum::http::{StatusCode, header};

    let node = NodeState::new(
        with(Defect::QrNotPng),
        1,
        NodeLimits::default(),
        std::sync::Arc::new(crate::wire::ServerWire::faithful(
            &crate::profile::WireProfile::default_profile(),
        )),
    );
    let params = [("text".to_string(), "http://x/S/alice/C".to_string())].into();
    let response = qr_code(State(node), Query(params)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/plain");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"QR");
}

#[tokio::test]
async fn qr_wrong_payload_breaks_qr1() {
    use crate::http::portal::qr_code;
    use crate::http::qr::qr_png;
    use crate::http::{NodeLimits, NodeState};
    use axum::extract::{Query, State};

    let text = "http://x/S/alice/C";
    let node = NodeState::new(
        with(Defect::QrWrongPayload),
        1,
        NodeLimits::default(),
        std::sync::Arc::new(crate::wire::ServerWire::faithful(
            &crate::profile::WireProfile::default_profile(),
        )),
    );
    let params = [("text".to_string(), text.to_string())].into();
    let response = qr_code(State(node), Query(params)).await;
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert!(body.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_ne!(&body[..], &qr_png(text).unwrap()[..]);
}

#[test]
fn strings_node_local_breaks_cl3() {
    let core = with(Defect::StringsNodeLocal);
    let code = code_for(&core, 1, "alice");
    let device = core.provision(1, &req("alice", &code)).unwrap().device_id;
    assert_eq!(
        core.security_strings(2, "alice", &device),
        Err(MobileError::DeviceNotProvisioned)
    );
    // Only the other node refuses.
    assert!(core.security_strings(1, "alice", &device).is_ok());
}

/// Requests that write every line of protocol.md §7 at least once; returns the log.
fn log_tour(core: &Core) -> Vec<String> {
    core.admin_reprovision(1, "alice").unwrap(); // LOG-1, LOG-3, LOG-4, LOG-2
    assert!(core.provision(1, &req("alice", "WRONGCODE1")).is_err()); // LOG-6
    let (device, _) = provisioned(core, "alice"); // LOG-5, LOG-9
    assert!(core.security_strings(1, "alice", &device).is_ok()); // LOG-9
    assert!(core.provision(1, &req("nobody", "ABCDEFGHJK")).is_err()); // LOG-7
    assert!(core.agent_login(1, "nobody", "123401").is_err()); // LOG-8
    texts_of(core)
}

/// With `defect` on, the log is the faithful server's minus every `line`, nothing else.
fn drops_only(defect: Defect, line: &str) {
    let faithful = log_tour(&server_with(2, false, &[]));
    assert!(faithful.iter().any(|t| t == line), "{faithful:#?}");
    let expected: Vec<String> = faithful.into_iter().filter(|t| t != line).collect();
    assert_eq!(log_tour(&with(defect)), expected);
}

#[test]
fn log1_missing_breaks_log1() {
    drops_only(Defect::Log1Missing, &texts::code_created("alice"));
}

#[test]
fn log2_missing_breaks_log2() {
    drops_only(Defect::Log2Missing, &texts::can_reprovision("alice"));
}

#[test]
fn log3_missing_breaks_log3() {
    drops_only(
        Defect::Log3Missing,
        &texts::message_queued("alice", "alice@example.test"),
    );
}

#[test]
fn log4_missing_breaks_log4() {
    drops_only(
        Defect::Log4Missing,
        &texts::message_sent("alice", "alice@example.test"),
    );
}

#[test]
fn log4_doubled_writes_the_message_sent_line_twice() {
    let line = texts::message_sent("alice", "alice@example.test");
    let faithful = log_tour(&server_with(2, false, &[]));
    let doubled = log_tour(&with(Defect::Log4Doubled));
    let count = |lines: &[String]| lines.iter().filter(|t| **t == line).count();
    assert!(count(&faithful) > 0, "{faithful:#?}");
    assert_eq!(count(&doubled), 2 * count(&faithful));
    // Nothing else changes.
    let others =
        |lines: Vec<String>| -> Vec<String> { lines.into_iter().filter(|t| *t != line).collect() };
    assert_eq!(others(doubled), others(faithful));
}

#[test]
fn log6_missing_breaks_log6() {
    drops_only(Defect::Log6Missing, &texts::provision_failed("alice"));
}

#[test]
fn log7_missing_breaks_log7() {
    drops_only(Defect::Log7Missing, texts::MOBILE_UNKNOWN_USER);
}

#[test]
fn log8_missing_breaks_log8() {
    drops_only(Defect::Log8Missing, &texts::agent_unknown_user("nobody"));
}

#[test]
fn log9_missing_breaks_log9() {
    drops_only(Defect::Log9Missing, &texts::strings_fetched("alice"));
}
