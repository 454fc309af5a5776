//! Every defect switch, shown over HTTP: one probe per rule performs the HTTP steps that
//! check the rule, in the default wire (`mobile-3.6`), and says whether it held. Each test runs the probe against a faithful
//! server (the rule must hold) and against a server with just that defect (the rule must
//! break). `probe` matches on `Defect` without a wildcard, so a new defect does not
//! compile until it has a probe, and `every_defect_has_an_http_test` fails until it has
//! a test.

use reqwest::StatusCode;
use serde_json::json;
use swivel_reference_server::defects::{ALL_DEFECTS, Defect, SLOW_STRINGS_DELAY};

use crate::support::{ALICE_PIN, DEVICE_OS, Opts, SITE_ID, Server, otc, start, tag};

/// Ok when the rule held; Err describes how it broke.
type Verdict = Result<(), String>;

fn holds(ok: bool, broken: impl FnOnce() -> String) -> Verdict {
    if ok { Ok(()) } else { Err(broken()) }
}

/// The cluster a defect's probe runs on (with or without the defect).
fn shape(defect: Defect) -> Opts {
    match defect {
        Defect::SessionsNeverShared => Opts::cluster(2, true),
        _ => Opts::cluster(2, false),
    }
}

/// The probe of the rule `defect` breaks.
async fn probe(defect: Defect, s: &Server) -> Verdict {
    match defect {
        Defect::CodesReusable => pc5_code_single_use(s).await,
        Defect::CodesNeverExpire => pc4_code_expires(s).await,
        Defect::ValidityRangeUnchecked => pc3_validity_range(s).await,
        Defect::FailedAttemptKeepsCode => pc6_failed_attempt_consumes(s).await,
        Defect::NewCodeKeepsOld => pc7_new_code_replaces_old(s).await,
        Defect::PredictableCodes => pc8_codes_unpredictable(s).await,
        Defect::NonAtomicRedemption => pc9_one_concurrent_winner(s).await,
        Defect::CodeReturnedInReply => pc2_code_never_in_a_reply(s).await,
        Defect::StringsSurviveReprovision => ss1_provision_request_ends_strings(s).await,
        Defect::OldDeviceKeepsWorking => dev1_old_device_unbound(s).await,
        Defect::StringsForAnyDevice => ss2_strings_only_for_bound_device(s).await,
        Defect::ShortDownload => ss3_ninety_nine_strings(s).await,
        Defect::EarlierStringsStayValid => ss4_new_download_replaces(s).await,
        Defect::StringsWithoutMobileRight => ss5_no_strings_without_right(s).await,
        Defect::StringTypeIgnored => ss6_string_type_followed(s).await,
        Defect::OtcReusable => otc1_string_authenticates_once(s).await,
        Defect::UnknownUserAccepted => usr1_unknown_user_refused(s).await,
        Defect::SelfProvisionIgnoresPolicy => sp1_self_provision_needs_policy(s).await,
        Defect::DeviceInfoAlwaysLogged => sp2_device_info_only_by_policy(s).await,
        Defect::PoliciesNotSent => pol1_policies_sent(s).await,
        Defect::SessionsAlwaysShared => cl1_code_stays_on_its_node(s).await,
        Defect::SessionsNeverShared => cl2_code_valid_on_every_node(s).await,
        Defect::WrongLogText => log5_success_text(s).await,
        Defect::UnknownSiteIdAccepted => ssd1_unknown_site_refused(s).await,
        Defect::NoCodeCreated => pc1_reprovision_creates_a_code(s).await,
        Defect::CodeToWrongTransport => pc2_code_as_security_string(s).await,
        Defect::ProvisionUrlWithoutCode => url1_provision_url_carries_the_code(s).await,
        Defect::CompleteUrlWrongLayout => url2_complete_url_layout(s).await,
        Defect::QrNotPng => qr1_qr_code_is_a_png(s).await,
        Defect::QrWrongPayload => qr1_qr_code_encodes_the_payload(s).await,
        Defect::StringsNodeLocal => cl3_strings_from_another_node(s).await,
        Defect::Log1Missing => logged(s, "Provision code created for user \"alice\"").await,
        Defect::Log2Missing => {
            logged(s, "User \"alice\" can now reprovision their mobile device.").await
        }
        Defect::Log3Missing => {
            logged(
                s,
                "Message added to message queue for user: alice, destination: alice@example.test.",
            )
            .await
        }
        Defect::Log4Missing => {
            logged(
                s,
                "Message sent to user: alice, destination: alice@example.test.",
            )
            .await
        }
        Defect::Log4Doubled => logged_once(s, LOG4_ALICE).await,
        Defect::Log6Missing => logged(s, LOG6_ALICE).await,
        Defect::Log7Missing => {
            logged(
                s,
                "Mobile request from unknown user; the user needs to reprovision",
            )
            .await
        }
        Defect::Log8Missing => logged(s, LOG8_NOBODY).await,
        Defect::Log9Missing => logged(s, "Security strings fetched for user alice").await,
        Defect::ActionCaseSensitive => wire1_app_provision_accepted(s).await,
        Defect::StringsNeedUsername => wire3_strings_by_id_alone(s).await,
        Defect::StringsOffByOne => wire4_position_i_is_index_i(s).await,
        Defect::SsdOldPath => wire5_ssd_at_the_profile_path(s).await,
        Defect::PoliciesOldShape => wire6_policies_as_attributes(s).await,
        Defect::SlowStrings => perf_strings_not_held_back(s).await,
        Defect::SyslogNotSys1 => sys1_lines_carry_the_pinsafe_tag(s).await,
    }
}

/// Runs the probe on a faithful and on a defective server.
async fn check(defect: Defect) {
    let clean = start(shape(defect)).await;
    let verdict = probe(defect, &clean).await;
    clean.shutdown().await;
    assert_eq!(
        verdict,
        Ok(()),
        "{} ({}) fails on the faithful server",
        defect.breaks_label(),
        defect.name()
    );

    let broken = start(shape(defect).with_defect(defect)).await;
    let verdict = probe(defect, &broken).await;
    broken.shutdown().await;
    assert!(
        verdict.is_err(),
        "{} still holds with the {} defect",
        defect.breaks_label(),
        defect.name()
    );
}

async fn pc5_code_single_use(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    s.provision(1, "alice", &code).await.assert_pass();
    let again = s.provision(1, "alice", &code).await;
    holds(again.outcome() == "FAIL PROVISION_FAILURE", || {
        format!("a used code provisioned again: {}", again.outcome())
    })
}

async fn pc4_code_expires(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    s.advance(600).await;
    let late = s.provision(1, "alice", &code).await;
    holds(late.outcome() == "FAIL PROVISION_FAILURE", || {
        format!("an expired code: {}", late.outcome())
    })
}

async fn pc3_validity_range(s: &Server) -> Verdict {
    let (status, body) = s
        .put_policies(json!({"self_reset": {"provision_code_validity_secs": 9}}))
        .await;
    let kept = s.policies().await["self_reset"]["provision_code_validity_secs"].clone();
    holds(status == StatusCode::BAD_REQUEST && kept == 600, || {
        format!("validity 9: {status} {body}, now {kept}")
    })
}

async fn pc6_failed_attempt_consumes(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    s.provision(1, "alice", "WRONGCODE1")
        .await
        .assert_fail("PROVISION_FAILURE");
    let right = s.provision(1, "alice", &code).await;
    holds(right.outcome() == "FAIL PROVISION_FAILURE", || {
        format!("the code after a failed attempt: {}", right.outcome())
    })
}

async fn pc7_new_code_replaces_old(s: &Server) -> Verdict {
    let old = s.issue_code("alice", 1).await;
    let new = s.issue_code("alice", 1).await;
    assert_ne!(old, new);
    let reply = s.provision(1, "alice", &old).await;
    holds(reply.outcome() == "FAIL PROVISION_FAILURE", || {
        format!("the replaced code: {}", reply.outcome())
    })
}

async fn pc8_codes_unpredictable(s: &Server) -> Verdict {
    let mut codes = Vec::new();
    for user in ["alice", "bob", "alice", "erin"] {
        codes.push(s.issue_code(user, 1).await);
    }
    let numbers: Option<Vec<u64>> = codes.iter().map(|c| c.parse().ok()).collect();
    let counter = numbers.is_some_and(|n| n.windows(2).all(|w| w[1] == w[0] + 1));
    holds(!counter && codes.iter().all(|c| c.len() == 10), || {
        format!("codes follow a counter: {codes:?}")
    })
}

async fn pc9_one_concurrent_winner(s: &Server) -> Verdict {
    let mut winners = Vec::new();
    for _ in 0..5 {
        let code = s.issue_code("alice", 1).await;
        let replies = crate::concurrency::race(s, "alice", &code, &[1]).await;
        let passed = crate::concurrency::passes(&replies);
        winners.push(passed);
        if passed != 1 {
            break;
        }
    }
    holds(winners.iter().all(|&w| w == 1), || {
        format!("PASS counts of concurrent rounds: {winners:?}")
    })
}

async fn pc2_code_never_in_a_reply(s: &Server) -> Verdict {
    let mut broken = Vec::new();
    let reply = s.reprovision("alice", 1).await;
    let code = s.outbox_code("alice").await;
    if reply.get("code").is_some() || reply.to_string().contains(&code) {
        broken.push(format!("control reprovision reply {reply}"));
    }
    let (status, _) = s
        .put_policies(json!({"self_reset": {"allow_self_provision": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = s.self_provision(1, "bob").await;
    assert_eq!(page.status, StatusCode::OK);
    let code = s.outbox_code("bob").await;
    if page.body.contains(&code) {
        broken.push("self-service page shows the code".to_string());
    }
    holds(broken.is_empty(), || broken.join("; "))
}

async fn ss1_provision_request_ends_strings(s: &Server) -> Verdict {
    let (_, strings) = s.with_strings("alice").await;
    s.provision(1, "alice", "WRONGCODE1")
        .await
        .assert_fail("PROVISION_FAILURE");
    let login = s.login(1, "alice", &otc(&strings, 1, ALICE_PIN)).await;
    holds(login.outcome() == "FAIL AGENT_ERROR_BAD_OTC", || {
        format!("an OTC after a provision request: {}", login.outcome())
    })
}

async fn dev1_old_device_unbound(s: &Server) -> Verdict {
    let old = s.provisioned("alice").await;
    let new = s.provisioned("alice").await;
    assert_ne!(old, new);
    let reply = s.strings(1, "alice", &old).await;
    holds(reply.outcome() == "FAIL DEVICE_NOT_PROVISIONED", || {
        format!("strings for the previous device: {}", reply.outcome())
    })
}

/// A user cannot fetch another person's strings: naming bob with alice's device id.
async fn ss2_strings_only_for_bound_device(s: &Server) -> Verdict {
    let alice = s.provisioned("alice").await;
    s.provisioned("bob").await;
    let reply = s.strings_named(1, "bob", &alice).await;
    holds(reply.outcome() == "FAIL DEVICE_NOT_PROVISIONED", || {
        format!("bob's strings with alice's device id: {}", reply.outcome())
    })
}

async fn ss3_ninety_nine_strings(s: &Server) -> Verdict {
    let (_, strings) = s.with_strings("alice").await;
    let indexes_ok = strings
        .iter()
        .enumerate()
        .all(|(i, s)| s.len() == 12 && s[10..] == format!("{:02}", i + 1));
    holds(strings.len() == 99 && indexes_ok, || {
        format!("a download of {} strings", strings.len())
    })
}

async fn ss4_new_download_replaces(s: &Server) -> Verdict {
    let (device, first) = s.with_strings("alice").await;
    let second = s.strings(1, "alice", &device).await;
    second.assert_pass();
    let login = s.login(1, "alice", &otc(&first, 1, ALICE_PIN)).await;
    holds(login.outcome() == "FAIL AGENT_ERROR_BAD_OTC", || {
        format!("an OTC from a replaced download: {}", login.outcome())
    })
}

async fn ss5_no_strings_without_right(s: &Server) -> Verdict {
    let device = s.provisioned("carol").await;
    let reply = s.strings(1, "carol", &device).await;
    holds(reply.outcome() == "FAIL NO_MOBILE_RIGHT", || {
        format!("strings for carol: {}", reply.outcome())
    })
}

async fn ss6_string_type_followed(s: &Server) -> Verdict {
    let (status, _) = s
        .put_policies(json!({"general": {"security_string_type": "lower"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, strings) = s.with_strings("alice").await;
    holds(
        strings
            .iter()
            .all(|s| s[..10].bytes().all(|b| b.is_ascii_lowercase())),
        || format!("lower-case policy, strings {:?}", &strings[..3]),
    )
}

async fn otc1_string_authenticates_once(s: &Server) -> Verdict {
    let (_, strings) = s.with_strings("alice").await;
    let code = otc(&strings, 1, ALICE_PIN);
    s.login(1, "alice", &code).await.assert_pass();
    let again = s.login(1, "alice", &code).await;
    holds(again.outcome() == "FAIL AGENT_ERROR_BAD_OTC", || {
        format!("the same OTC twice: {}", again.outcome())
    })
}

async fn usr1_unknown_user_refused(s: &Server) -> Verdict {
    let reply = s.provision(1, "nobody", "ANYTHING12").await;
    holds(reply.outcome() == "FAIL LOG_USER_NOT_FOUND", || {
        format!("provision for an unknown user: {}", reply.outcome())
    })
}

async fn sp1_self_provision_needs_policy(s: &Server) -> Verdict {
    let page = s.self_provision(1, "alice").await;
    let sent = s.outbox("alice").await.len();
    holds(page.status == StatusCode::FORBIDDEN && sent == 0, || {
        format!(
            "self-provision with policy No: {}, {sent} message(s)",
            page.status
        )
    })
}

async fn sp2_device_info_only_by_policy(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    s.provision_with_device_os(1, "alice", &code)
        .await
        .assert_pass();
    let texts = s.log_texts().await;
    holds(!texts.iter().any(|t| t.contains(DEVICE_OS)), || {
        format!("device information logged: {texts:?}")
    })
}

async fn pol1_policies_sent(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let provisioned = s.provision(1, "alice", &code).await;
    provisioned.assert_pass();
    let download = s
        .strings(1, "alice", provisioned.id().expect("a device id"))
        .await;
    let counts = (provisioned.policy_count(), download.policy_count());
    holds(counts == (4, 4), || {
        format!("<Policy> elements in provision and strings replies: {counts:?}")
    })
}

async fn cl1_code_stays_on_its_node(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(2, "alice", &code).await;
    holds(reply.outcome() == "FAIL PROVISION_FAILURE", || {
        format!(
            "node 1's code on node 2 without sharing: {}",
            reply.outcome()
        )
    })
}

async fn cl2_code_valid_on_every_node(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(2, "alice", &code).await;
    holds(reply.passed(), || {
        format!("node 1's code on node 2 with sharing: {}", reply.outcome())
    })
}

async fn log5_success_text(s: &Server) -> Verdict {
    s.provisioned("alice").await;
    let texts = s.log_texts().await;
    let last = texts.last().cloned().unwrap_or_default();
    holds(last == "User \"alice\" provisioned successfully", || {
        format!("success logged as {last:?}")
    })
}

async fn ssd1_unknown_site_refused(s: &Server) -> Verdict {
    let reply = s.ssd_lookup(1, "NOPE").await;
    let ssd = &s.profile.ssd;
    holds(
        reply.status.as_u16() == ssd.unknown_status
            && tag(&reply.body, &ssd.result) == Some(ssd.fail.as_str())
            && tag(&reply.body, &ssd.server).is_none(),
        || format!("unknown Site ID: {} {}", reply.status, reply.body),
    )
}

async fn pc1_reprovision_creates_a_code(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(1, "alice", &code).await;
    holds(reply.passed(), || {
        format!("the code a reprovision delivered: {}", reply.outcome())
    })
}

async fn pc2_code_as_security_string(s: &Server) -> Verdict {
    let (status, _) = s
        .put_policies(json!({"self_reset": {"send_code_as_security_string": true}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().expect("a message");
    let texts = s.log_texts().await;
    let sent = "Message sent to user: alice, destination: +447700900001.";
    holds(
        message["transport"] == "string"
            && message["destination"] == "+447700900001"
            && texts.iter().any(|t| t == sent),
        || format!("code as security string: {message}, log {texts:?}"),
    )
}

async fn url1_provision_url_carries_the_code(s: &Server) -> Verdict {
    let (status, _) = s
        .put_policies(json!({"self_reset": {"provision_message": "provision-url"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().expect("a message");
    let url = message["url"].as_str().unwrap_or_default().to_string();
    // The code as the app would take it from the link, not from the outbox.
    let from_url = url
        .split_once("&code=")
        .map(|(_, rest)| rest.split('&').next().unwrap_or_default())
        .unwrap_or_default();
    if !url.starts_with("swivelsecure://provision/") || from_url.is_empty() {
        return Err(format!("Provision URL {url:?} carries no code"));
    }
    let reply = s.provision(1, "alice", from_url).await;
    holds(reply.passed(), || {
        format!("the code of {url:?}: {}", reply.outcome())
    })
}

async fn url2_complete_url_layout(s: &Server) -> Verdict {
    let (status, _) = s
        .put_policies(json!({"self_reset": {"provision_message": "complete-url"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    s.reprovision("alice", 1).await;
    let message = s.outbox("alice").await.pop().expect("a message");
    let code = message["code"].as_str().unwrap_or_default();
    let expected = format!("http://smc.swivelsecure.com/smc/complete/{SITE_ID}/alice/{code}");
    holds(message["url"] == expected.as_str(), || {
        format!("complete URL {}, expected {expected}", message["url"])
    })
}

/// The reference renderer is deterministic: the image must be exactly the QR of the text.
async fn qr1_qr_code_encodes_the_payload(s: &Server) -> Verdict {
    let text = format!("http://smc.swivelsecure.com/smc/complete/{SITE_ID}/alice/ABCDEFGHJK");
    let body = s
        .http
        .get(format!("{}/pinsafe/userportal/getQRCode", s.node_url(1)))
        .query(&[("text", text.as_str())])
        .send()
        .await
        .expect("the node answered")
        .bytes()
        .await
        .expect("the body was read");
    let expected = swivel_reference_server::http::qr::qr_png(&text).expect("the text encodes");
    holds(body[..] == expected[..], || {
        format!("the image ({} bytes) is not the QR of {text:?}", body.len())
    })
}

async fn qr1_qr_code_is_a_png(s: &Server) -> Verdict {
    let response = s
        .http
        .get(format!("{}/pinsafe/userportal/getQRCode", s.node_url(1)))
        .query(&[(
            "text",
            format!("http://smc.swivelsecure.com/smc/complete/{SITE_ID}/alice/ABCDEFGHJK"),
        )])
        .send()
        .await
        .expect("the node answered");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.bytes().await.expect("the body was read");
    holds(
        status == StatusCode::OK
            && content_type == "image/png"
            && body.starts_with(b"\x89PNG\r\n\x1a\n"),
        || format!("QR reply: {status} {content_type:?}, {} bytes", body.len()),
    )
}

async fn cl3_strings_from_another_node(s: &Server) -> Verdict {
    let device = s.provisioned("alice").await;
    let reply = s.strings(2, "alice", &device).await;
    holds(reply.passed() && reply.strings().len() == 99, || {
        format!("strings on node 2 for node 1's device: {}", reply.outcome())
    })
}

/// The provision request of protocol.md §9 exactly as the app sends it: lowercase
/// action, no prolog, `application/xml; charset=utf-8`, no `<DeviceOS>`, no secret.
async fn wire1_app_provision_accepted(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let body = format!(
        "<SASRequest><Version>3.6</Version><Action>provision</Action><Username>alice</Username><ProvisionCode>{code}</ProvisionCode></SASRequest>"
    );
    let reply = s.post_xml(1, &body).await;
    holds(reply.passed() && reply.id().is_some(), || {
        format!("the app's provision request: {}", reply.outcome())
    })
}

async fn wire3_strings_by_id_alone(s: &Server) -> Verdict {
    let device = s.provisioned("alice").await;
    let reply = s.strings_by_id(1, &device).await;
    holds(reply.passed() && reply.strings().len() == 99, || {
        format!("strings for <Id> alone: {}", reply.outcome())
    })
}

/// A client takes position 5 for index 5: its OTC must log in.
async fn wire4_position_i_is_index_i(s: &Server) -> Verdict {
    let device = s.provisioned("alice").await;
    let positions = s.strings_by_id(1, &device).await.positions();
    let Some(fifth) = positions.get(5) else {
        return Err(format!("{} positions", positions.len()));
    };
    let code: String = otc(std::slice::from_ref(fifth), 1, ALICE_PIN)
        .chars()
        .take(ALICE_PIN.len())
        .collect();
    let login = s.login(1, "alice", &format!("{code}05")).await;
    holds(
        positions.len() == 100 && positions[0].is_empty() && login.passed(),
        || {
            format!(
                "{} positions, position 0 {:?}, OTC from position 5: {}",
                positions.len(),
                positions[0],
                login.outcome()
            )
        },
    )
}

/// SYS-1: a syslog line names the application and thread (`PINsafe[<thread>]:`). The
/// probe starts its own server like `s` (same defects) sending to a socket it reads.
async fn sys1_lines_carry_the_pinsafe_tag(s: &Server) -> Verdict {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("a loopback UDP socket");
    let own = start(crate::support::Opts {
        defects: s.cluster.core.config().defects.iter().collect(),
        syslog: Some(socket.local_addr().expect("its address")),
        ..crate::support::Opts::default()
    })
    .await;
    let _ = own.issue_code("alice", 1).await;
    let mut buf = vec![0u8; 8192];
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), socket.recv(&mut buf)).await;
    own.shutdown().await;
    let Ok(Ok(n)) = got else {
        return Err("no syslog line arrived".into());
    };
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    holds(line.contains(" PINsafe[http-nio-"), || {
        format!("syslog line without the PINsafe tag: {line}")
    })
}

/// slow-strings breaks no rule, only speed: every download takes at least the defect's
/// delay. The fastest of five downloads tells the servers apart without judging a
/// machine's speed: a loopback download is far quicker than 25 ms, the held-back one
/// never is.
async fn perf_strings_not_held_back(s: &Server) -> Verdict {
    let device = s.provisioned("alice").await;
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let reply = s.strings_by_id(1, &device).await;
        fastest = fastest.min(started.elapsed());
        if reply.positions().len() != 100 {
            return Err(format!("{} positions", reply.positions().len()));
        }
    }
    holds(fastest < SLOW_STRINGS_DELAY, || {
        format!("the fastest of 5 string downloads took {fastest:?}")
    })
}

async fn wire5_ssd_at_the_profile_path(s: &Server) -> Verdict {
    let reply = s.ssd_lookup(1, SITE_ID).await;
    holds(
        reply.status == StatusCode::OK && tag(&reply.body, "responseCode") == Some("0"),
        || {
            format!(
                "GET {}: {} {}",
                s.profile.ssd.path, reply.status, reply.body
            )
        },
    )
}

async fn wire6_policies_as_attributes(s: &Server) -> Verdict {
    let code = s.issue_code("alice", 1).await;
    let reply = s.provision(1, "alice", &code).await;
    let attributes = reply.body.matches("<Policy id=\"").count();
    holds(
        reply.passed() && reply.body.contains("<Policies>") && attributes == 4,
        || format!("policies in the provision reply: {}", reply.body),
    )
}

/// LOG-6 for alice.
const LOG6_ALICE: &str =
    "User \"alice\" provision failed, A valid session could not be loaded or created for the user.";

/// LOG-8 for the unknown user `nobody`.
const LOG8_NOBODY: &str = "AgentXML request failed, error: No suitable authentication method for the user \"nobody\" was found. The user may be missing from the user repository or a synchronisation has not yet occurred.";

/// Requests that write every line of protocol.md §7, then whether `text` was logged.
async fn logged(s: &Server, text: &str) -> Verdict {
    s.reprovision("alice", 1).await; // LOG-1, LOG-3, LOG-4, LOG-2
    s.provision(1, "alice", "WRONGCODE1")
        .await
        .assert_fail("PROVISION_FAILURE"); // LOG-6
    s.with_strings("alice").await; // LOG-5, LOG-9
    s.provision(1, "nobody", "ABCDEFGHJK")
        .await
        .assert_fail("LOG_USER_NOT_FOUND"); // LOG-7
    s.login(1, "nobody", "123401")
        .await
        .assert_fail("LOG_USER_NOT_FOUND"); // LOG-8
    let texts = s.log_texts().await;
    holds(texts.iter().any(|t| t == text), || {
        format!("{text:?} not in the log {texts:#?}")
    })
}

/// The message-sent line of alice's one reprovision.
const LOG4_ALICE: &str = "Message sent to user: alice, destination: alice@example.test.";

/// One reprovision, one message: its message-sent line exactly once (LOG-4).
async fn logged_once(s: &Server, text: &str) -> Verdict {
    s.reprovision("alice", 1).await;
    let texts = s.log_texts().await;
    let n = texts.iter().filter(|t| *t == text).count();
    holds(n == 1, || format!("{text:?} logged {n} times: {texts:#?}"))
}

macro_rules! defect_tests {
    ($($test:ident => $defect:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                check(Defect::$defect).await;
            }
        )*

        /// The defects with a test above.
        const TESTED: &[Defect] = &[$(Defect::$defect),*];
    };
}

defect_tests! {
    pc5_codes_reusable => CodesReusable,
    pc4_codes_never_expire => CodesNeverExpire,
    pc3_validity_range_unchecked => ValidityRangeUnchecked,
    pc6_failed_attempt_keeps_code => FailedAttemptKeepsCode,
    pc7_new_code_keeps_old => NewCodeKeepsOld,
    pc8_predictable_codes => PredictableCodes,
    pc9_non_atomic_redemption => NonAtomicRedemption,
    pc2_code_returned_in_reply => CodeReturnedInReply,
    ss1_strings_survive_reprovision => StringsSurviveReprovision,
    dev1_old_device_keeps_working => OldDeviceKeepsWorking,
    ss2_strings_for_any_device => StringsForAnyDevice,
    ss3_short_download => ShortDownload,
    ss4_earlier_strings_stay_valid => EarlierStringsStayValid,
    ss5_strings_without_mobile_right => StringsWithoutMobileRight,
    ss6_string_type_ignored => StringTypeIgnored,
    otc1_otc_reusable => OtcReusable,
    usr1_unknown_user_accepted => UnknownUserAccepted,
    sp1_self_provision_ignores_policy => SelfProvisionIgnoresPolicy,
    sp2_device_info_always_logged => DeviceInfoAlwaysLogged,
    pol1_policies_not_sent => PoliciesNotSent,
    cl1_sessions_always_shared => SessionsAlwaysShared,
    cl2_sessions_never_shared => SessionsNeverShared,
    log5_wrong_log_text => WrongLogText,
    ssd1_unknown_site_id_accepted => UnknownSiteIdAccepted,
    pc1_no_code_created => NoCodeCreated,
    pc2_code_to_wrong_transport => CodeToWrongTransport,
    url1_provision_url_without_code => ProvisionUrlWithoutCode,
    url2_complete_url_wrong_layout => CompleteUrlWrongLayout,
    qr1_qr_not_png => QrNotPng,
    qr1_qr_wrong_payload => QrWrongPayload,
    cl3_strings_node_local => StringsNodeLocal,
    log1_log_1_missing => Log1Missing,
    log2_log_2_missing => Log2Missing,
    log3_log_3_missing => Log3Missing,
    log4_log_4_missing => Log4Missing,
    log4_log_4_doubled => Log4Doubled,
    log6_log_6_missing => Log6Missing,
    log7_log_7_missing => Log7Missing,
    log8_log_8_missing => Log8Missing,
    log9_log_9_missing => Log9Missing,
    wire1_action_case_sensitive => ActionCaseSensitive,
    wire3_strings_need_username => StringsNeedUsername,
    wire4_strings_off_by_one => StringsOffByOne,
    wire5_ssd_old_path => SsdOldPath,
    wire6_policies_old_shape => PoliciesOldShape,
    perf_slow_strings => SlowStrings,
    sys1_syslog_not_sys1 => SyslogNotSys1,
}

#[test]
fn every_defect_has_an_http_test() {
    for defect in ALL_DEFECTS {
        assert!(
            TESTED.contains(defect),
            "defect {} ({}) has no HTTP test in tests/http/defects.rs",
            defect.name(),
            defect.breaks_label()
        );
    }
    let mut unique = TESTED.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), TESTED.len(), "a defect is tested twice");
    assert_eq!(TESTED.len(), ALL_DEFECTS.len());
}
