//! [`ServerWire`] from both built-in profiles and from edited ones: request root and
//! actions, the strings layouts, and each wire defect switch bending exactly its part.

use super::*;
use crate::defects::{Defect, DefectSet};
use crate::domain::mobile::StringsDownload;
use crate::domain::policy::StringType;
use crate::domain::site::SiteRecord;
use crate::domain::strings::StringBook;
use crate::profile::WireProfile;

fn profile(name: &str) -> WireProfile {
    WireProfile::builtin(name).expect("a built-in profile")
}

fn with(defect: Defect) -> ServerWire {
    ServerWire::new(
        &WireProfile::default_profile(),
        &[defect].into_iter().collect::<DefectSet>(),
    )
}

fn mobile() -> ServerWire {
    ServerWire::faithful(&profile("mobile-3.6"))
}

fn agentxml() -> ServerWire {
    ServerWire::faithful(&profile("agentxml-3.6"))
}

fn download() -> StringsDownload {
    StringsDownload::of_book(StringBook::new([7; 32], 1, StringType::Numeric, 99))
}

#[test]
fn mobile_accepts_provision_and_its_alias_agentxml_only_the_capital() {
    let (m, a) = (mobile(), agentxml());
    assert_eq!(m.action("provision"), Some(Action::Provision));
    assert_eq!(m.action("Provision"), Some(Action::Provision));
    assert_eq!(a.action("Provision"), Some(Action::Provision));
    assert_eq!(a.action("provision"), None);
    for w in [&m, &a] {
        assert_eq!(w.action("SecurityStrings"), Some(Action::SecurityStrings));
        assert_eq!(w.action("login"), Some(Action::Login));
        assert_eq!(w.action("ping"), Some(Action::Ping));
        assert_eq!(w.action("Ping"), None);
        assert_eq!(w.action("PROVISION"), None);
    }
    assert_eq!(
        m.known_actions(),
        "provision, Provision, SecurityStrings, login and ping"
    );
    assert_eq!(
        a.known_actions(),
        "Provision, SecurityStrings, login and ping"
    );
}

#[test]
fn request_habits_follow_the_profile() {
    let (m, a) = (mobile(), agentxml());
    assert!(!m.strings_username() && !m.token_index_id());
    assert!(a.strings_username() && a.token_index_id());
    assert_eq!(m.ssd_path(), "/ssdserver/getServerDetails");
    assert_eq!(a.ssd_path(), "/ssd/lookup");
    assert_eq!(m.name(), "mobile-3.6");
}

#[test]
fn the_request_root_comes_from_the_profile() {
    let mut p = WireProfile::default_profile();
    p.elements.request_root = "MobileRequest".into();
    p.elements.action = "Op".into();
    let w = ServerWire::faithful(&p);
    let limits = RequestLimits::default();
    let request = w
        .parse_request(b"<MobileRequest><Op>ping</Op></MobileRequest>", &limits)
        .expect("the profile's root parses");
    assert_eq!(request.get(&w.names().action), Some("ping"));
    assert_eq!(
        w.parse_request(b"<SASRequest><Op>ping</Op></SASRequest>", &limits)
            .err(),
        Some(XmlError::WrongRoot {
            found: "SASRequest".into(),
            expected: "MobileRequest".into()
        })
    );
    // Hostile input is refused the same way whatever the root.
    let doctype = b"<!DOCTYPE MobileRequest [<!ENTITY a \"b\">]><MobileRequest/>";
    assert_eq!(
        w.parse_request(doctype, &limits).err(),
        Some(XmlError::DoctypeRefused)
    );
    assert_eq!(
        w.parse_request(b"<MobileRequest><Op>ping</Op>", &limits)
            .err(),
        Some(XmlError::Truncated)
    );
}

#[test]
fn indexed_layout_puts_index_i_at_position_i() {
    let text = mobile().join_strings(&download());
    let positions: Vec<&str> = text.split(';').collect();
    assert_eq!(positions.len(), 100);
    assert_eq!(positions[0], "");
    for (i, s) in positions.iter().enumerate().skip(1) {
        assert_eq!(s.len(), 12, "{s}");
        assert_eq!(s[10..], format!("{i:02}"));
    }
    assert_eq!(text[1..], download().joined(';'));
}

#[test]
fn packed_layout_puts_index_i_at_position_i_minus_1() {
    let text = agentxml().join_strings(&download());
    assert_eq!(text, download().joined(';'));
    assert_eq!(text.split(';').count(), 99);
}

#[test]
fn position_zero_and_separator_come_from_the_profile() {
    let mut p = WireProfile::default_profile();
    p.strings.separator = "|".into();
    p.strings.position_zero = Some("v1".into());
    let text = ServerWire::faithful(&p).join_strings(&download());
    assert!(text.starts_with("v1|"), "{text}");
    assert_eq!(text.split('|').count(), 100);
}

#[test]
fn action_case_sensitive_breaks_wire1() {
    let w = with(Defect::ActionCaseSensitive);
    assert_eq!(mobile().action("provision"), Some(Action::Provision));
    assert_eq!(w.action("provision"), None);
    assert_eq!(w.action("Provision"), Some(Action::Provision));
    assert_eq!(w.action("ping"), Some(Action::Ping));
}

#[test]
fn strings_need_username_breaks_wire3() {
    assert!(!mobile().strings_username());
    assert!(with(Defect::StringsNeedUsername).strings_username());
}

#[test]
fn strings_off_by_one_breaks_wire4() {
    let text = with(Defect::StringsOffByOne).join_strings(&download());
    let positions: Vec<&str> = text.split(';').collect();
    assert_eq!(positions.len(), 99);
    // A client taking position 5 for index 5 gets the string of index 6.
    assert!(positions[5].ends_with("06"), "{}", positions[5]);
}

#[test]
fn ssd_old_path_breaks_wire5() {
    assert_eq!(with(Defect::SsdOldPath).ssd_path(), "/ssd/lookup");
    // Only the path moves: the reply keeps the profile's shape.
    let found = with(Defect::SsdOldPath).ssd_found(&SiteRecord::default());
    assert!(found.contains("<getServerDetailsResponse>"), "{found}");
}

#[test]
fn policies_old_shape_breaks_wire6() {
    let reply = SasResponse {
        policies: vec![PolicyItem::new(
            "AllowUserToEnterPIN",
            "OFF",
            "Allow user to enter PIN",
        )],
        ..SasResponse::pass()
    };
    let faithful = reply.to_xml(&mobile());
    assert!(
        faithful.contains("<Policies><Policy id=\"AllowUserToEnterPIN\""),
        "{faithful}"
    );
    let broken = reply.to_xml(&with(Defect::PoliciesOldShape));
    assert!(
        broken.contains(
            "<Policy><Id>AllowUserToEnterPIN</Id><Content>OFF</Content><Description>Allow user to enter PIN</Description></Policy>"
        ),
        "{broken}"
    );
    assert!(!broken.contains("<Policies>"), "{broken}");
}

#[test]
fn other_defects_leave_the_wire_alone() {
    for defect in crate::defects::ALL_DEFECTS {
        let bent = with(*defect) != mobile();
        let wire_defect = matches!(
            defect,
            Defect::ActionCaseSensitive
                | Defect::StringsNeedUsername
                | Defect::StringsOffByOne
                | Defect::SsdOldPath
                | Defect::PoliciesOldShape
        );
        assert_eq!(bent, wire_defect, "{defect}");
    }
}
