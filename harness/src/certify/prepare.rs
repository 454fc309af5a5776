//! What the server does before each step, and what the tester is shown: a fresh code for
//! a provision (with its complete URL for a link or QR entry), a wrong, used or expired
//! code, the strings spent down to the last two (running out), the user provisioned on
//! another device (unbound device); then the step's instruction with its placeholders
//! (`{code}`, `{site_id}`, `{host}`, `{port}`, …) filled in.

use super::judge::evidence::{Evidence, latest_strings};
use super::plan::{CodeKind, Entry, Step, StepKind};
use super::session::{Presentation, Session, StepStatus};
use crate::codec::otc::app_otc;
use crate::codec::strings::string_for_index;
use swivel_reference_server::domain::codes::random_code;
use swivel_reference_server::domain::provision::ProvisionRequest;
use swivel_reference_server::domain::site::complete_url;

/// Strings a running-out step leaves unused.
pub const LEFT_UNUSED: usize = 2;
/// Strings in a download.
const STRINGS: usize = 99;

/// Prepares step `index` on the server and returns what the tester is shown.
pub fn prepare(session: &Session, index: usize) -> Presentation {
    let Some(step) = session.plan.steps.get(index) else {
        return Presentation::default();
    };
    let facts = &session.facts;
    let core = session.core();
    let mut notes = Vec::new();
    let mut code = None;
    let mut link = None;
    let issue = |notes: &mut Vec<String>| -> Option<String> {
        match core.admin_reprovision(1u16, &facts.username) {
            Ok(issued) => {
                notes.push(format!("issued a provision code for {}", facts.username));
                Some(issued.code)
            }
            Err(e) => {
                notes.push(format!("could not issue a code: {e}"));
                None
            }
        }
    };
    match step.kind {
        StepKind::Provision => {
            code = issue(&mut notes);
            if matches!(step.entry, Some(Entry::ProvisionUrl | Entry::Qr)) {
                link = code.as_deref().map(|c| {
                    complete_url(&facts.complete_url_base, &facts.site_id, &facts.username, c)
                });
            }
        }
        StepKind::Otcs | StepKind::Refresh => {}
        StepKind::RunningOut => notes.push(spend(session)),
        StepKind::UnboundDevice => {
            let other = issue(&mut notes);
            let request = ProvisionRequest {
                username: facts.username.clone(),
                code: other.unwrap_or_default(),
                device_info: Some("certify: another device".into()),
            };
            notes.push(match core.provision(1u16, &request) {
                Ok(_) => format!(
                    "provisioned {} on another device: the app's device id is no longer bound",
                    facts.username
                ),
                Err(e) => format!("could not provision another device: {e}"),
            });
        }
        StepKind::RefusedCode => {
            code = match step.code {
                Some(CodeKind::Wrong) => {
                    let pending = issue(&mut notes);
                    let mut wrong = random_code(false);
                    while Some(&wrong) == pending.as_ref() {
                        wrong = random_code(false);
                    }
                    notes.push("the code shown is not the one issued".into());
                    Some(wrong)
                }
                Some(CodeKind::Used) => {
                    let used = last_provision_code(session, index);
                    notes.push(match &used {
                        Some(_) => {
                            "the code shown is the one an earlier provision step issued".into()
                        }
                        None => "no earlier provision step issued a code".into(),
                    });
                    used
                }
                Some(CodeKind::Expired) | None => {
                    let fresh = issue(&mut notes);
                    let validity = core.policies().self_reset.provision_code_validity_secs;
                    core.advance_clock(validity + 1);
                    notes.push(format!(
                        "moved the server's clock on by {} s: the code has expired",
                        validity + 1
                    ));
                    fresh
                }
            };
        }
        StepKind::UntrustedCertificate => code = issue(&mut notes),
    }
    let instruction = render(step, session, code.as_deref(), link.as_deref());
    Presentation {
        instruction,
        code,
        link,
        message: step.message.clone(),
        otcs: step.otc_count(),
        notes,
    }
}

/// The code the last earlier provision step gave.
fn last_provision_code(session: &Session, before: usize) -> Option<String> {
    let state = session.lock();
    (0..before).rev().find_map(|i| {
        let step = session.plan.steps.get(i)?;
        let st = state.steps.get(i)?;
        (step.kind == StepKind::Provision && st.status == StepStatus::Done)
            .then(|| st.presentation.code.clone())
            .flatten()
    })
}

/// Uses every string of the app's current set but the last [`LEFT_UNUSED`], as logins
/// elsewhere would.
fn spend(session: &Session) -> String {
    let evidence = Evidence::snapshot(session);
    let Some(set) = latest_strings(&evidence) else {
        return "the app has downloaded no strings yet: nothing to spend".into();
    };
    let facts = &session.facts;
    let mut spent = 0;
    for index in 1..=STRINGS - LEFT_UNUSED {
        let Some(string) = string_for_index(&set.text, index, &facts.profile) else {
            continue;
        };
        let Some(otc) = app_otc(&facts.pin, string, index) else {
            continue;
        };
        if session
            .core()
            .agent_login(1u16, &facts.username, &otc)
            .is_ok()
        {
            spent += 1;
        }
    }
    format!(
        "used {spent} more strings of the app's current set: only indexes {} and {STRINGS} are left",
        STRINGS - 1
    )
}

fn render(step: &Step, session: &Session, code: Option<&str>, link: Option<&str>) -> String {
    let f = &session.facts;
    let ssl = if f.scheme == "https" { "on" } else { "off" };
    let pairs = [
        ("{site_id}", f.site_id.clone()),
        ("{untrusted_site_id}", f.untrusted_site_id.clone()),
        ("{username}", f.username.clone()),
        ("{pin}", f.pin.clone()),
        ("{code}", code.unwrap_or("(none)").to_string()),
        ("{link}", link.unwrap_or("(none)").to_string()),
        ("{host}", f.host.clone()),
        ("{port}", f.port.to_string()),
        ("{untrusted_port}", f.untrusted_port.to_string()),
        ("{context}", f.context.clone()),
        ("{ssl}", ssl.to_string()),
        ("{ssd_url}", f.ssd_root.clone()),
        ("{otcs}", step.otc_count().to_string()),
        ("{message}", step.message.clone().unwrap_or_default()),
    ];
    let mut text = step.instruction.clone();
    for (key, value) in pairs {
        text = text.replace(key, &value);
    }
    text
}
