//! The negative tests: CLI-8 (the untrusted certificate), CLI-9 (no retry of a refused
//! code), CLI-10 (no OTCs after the device id was refused) and CLI-11 (the §8 message of
//! each refusal). Each passes only on both kinds of evidence: the traffic shows the
//! situation arose and nothing wrong followed within the quiet time, and the tester said
//! what the app showed. Silence alone is INCONCLUSIVE.

use super::super::observe::AppCall;
use super::super::session::MessageSeen;
use super::evidence::{Evidence, otc_match};
use super::transcript::refused;
use super::{Judged, listing};
use crate::verdict::Verdict;

const ASK: &str = "silence alone is not a pass: the tester must say what the app showed";

/// Judges CLI-8 in step `index`.
pub fn cli8(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str = "the app starts a TLS handshake with the untrusted port, refuses the certificate, sends no request, and shows an error";
    let conns: Vec<_> = ev
        .untrusted
        .iter()
        .filter(|u| u.step == Some(index))
        .collect();
    let seqs: Vec<u64> = conns.iter().map(|u| u.seq).collect();
    let sent: Vec<String> = conns
        .iter()
        .filter(|u| u.seen.tls && u.seen.request_bytes > 0)
        .map(|u| {
            format!(
                "it sent {:?} ({} bytes) over TLS to a server whose certificate does not verify",
                u.seen.request_line.as_deref().unwrap_or(""),
                u.seen.request_bytes
            )
        })
        .collect();
    if !sent.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&sent), seqs);
    }
    if conns
        .iter()
        .any(|u| !u.seen.tls && u.seen.request_bytes > 0)
    {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app spoke plain HTTP to the untrusted port: set SSL on and try again",
            seqs,
        );
    }
    let attempts: Vec<_> = conns.iter().filter(|u| u.seen.tls).collect();
    let Some(first) = attempts.first() else {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app never started a TLS handshake with the untrusted port: check its settings",
            seqs,
        );
    };
    let why = first
        .seen
        .handshake_error
        .clone()
        .unwrap_or_else(|| "the handshake ended without a request".into());
    match ev.steps.get(index).and_then(|s| s.message()) {
        None => Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!("no request was sent ({why}), but {ASK}"),
            seqs,
        ),
        Some(MessageSeen::Nothing) => Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!("no request was sent ({why}), but the tester saw no error on the phone"),
            seqs,
        ),
        Some(_) => Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!(
                "{} handshake(s), none followed by a request ({why}); the tester saw the app refuse",
                attempts.len()
            ),
            seqs,
        ),
    }
}

/// Judges CLI-9 in step `index`.
pub fn cli9(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str = "one provision request with the refused code per user action, no retry by the app itself within the quiet time";
    let code = ev
        .steps
        .get(index)
        .and_then(|s| s.presentation.code.clone())
        .unwrap_or_default();
    let el = &ev.facts.profile.elements;
    let provisions: Vec<_> = ev
        .in_step(index)
        .filter_map(|c| match &c.call {
            AppCall::Provision(p) => Some((c, p.get(&el.provision_code).unwrap_or("").to_string())),
            _ => None,
        })
        .collect();
    let seqs: Vec<u64> = provisions.iter().map(|(c, _)| c.seq).collect();
    let with_code: Vec<_> = provisions.iter().filter(|(_, c)| *c == code).collect();
    if with_code.is_empty() {
        let actual = if provisions.is_empty() {
            "the app sent no provision request in this step"
        } else {
            "the app sent other codes than the one given: check what was typed"
        };
        return Judged::new(Verdict::Inconclusive, EXPECTED, actual, seqs);
    }
    if with_code.iter().any(|(c, _)| !refused(&c.outcome)) {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the server did not refuse the code, so there was no refusal to retry",
            seqs,
        );
    }
    if with_code.len() > 1 {
        return Judged::new(
            Verdict::NonStrict,
            EXPECTED,
            format!(
                "the app sent the refused code {} times for one action",
                with_code.len()
            ),
            seqs,
        );
    }
    match ev.steps.get(index).and_then(|s| s.message()) {
        None => Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!("one refused request, no retry; {ASK}"),
            seqs,
        ),
        Some(_) => Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!(
                "one refused request and no retry in the {} s after it; the tester answered",
                ev.plan.quiet_secs
            ),
            seqs,
        ),
    }
}

/// Judges CLI-10 in step `index`.
pub fn cli10(ev: &Evidence, index: usize) -> Judged {
    const EXPECTED: &str = "after its device id is refused the app offers no OTC from its old strings and asks to be provisioned again";
    let refusals: Vec<u64> = ev
        .in_step(index)
        .filter(|c| {
            matches!(c.call, AppCall::Strings { .. } | AppCall::TokenIndex) && refused(&c.outcome)
        })
        .map(|c| c.seq)
        .collect();
    let Some(view) = ev.steps.get(index) else {
        return Judged::new(Verdict::Inconclusive, EXPECTED, "no such step", refusals);
    };
    if refusals.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app made no request the server could refuse (update the strings in the app)",
            Vec::new(),
        );
    }
    let sets = ev.sets();
    let offered: Vec<String> = view
        .otcs()
        .into_iter()
        .filter_map(|(_, o)| o)
        .map(|otc| {
            if otc_match(&otc, &ev.facts.pin, &sets, ev).is_empty() {
                format!("it still offered an OTC ({otc})")
            } else {
                format!("it still offered {otc}, from its old strings")
            }
        })
        .collect();
    if !offered.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&offered), refusals);
    }
    let said_no_otc = view.otcs().iter().any(|(_, o)| o.is_none());
    match (said_no_otc, view.message()) {
        (true, Some(MessageSeen::Shown | MessageSeen::Other(_))) => Judged::new(
            Verdict::Pass,
            EXPECTED,
            "the server refused the device id; the app offered no OTC and asked to be provisioned again",
            refusals,
        ),
        (true, Some(MessageSeen::Nothing)) => Judged::new(
            Verdict::Fail,
            EXPECTED,
            "the app showed nothing after its device id was refused: it must ask to be provisioned again",
            refusals,
        ),
        _ => Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!(
                "the server refused the device id, but {ASK} (an OTC, or none, and the message)"
            ),
            refusals,
        ),
    }
}

/// Judges CLI-11 in step `index`.
pub fn cli11(ev: &Evidence, index: usize) -> Judged {
    let Some(view) = ev.steps.get(index) else {
        return Judged::new(Verdict::Inconclusive, "", "no such step", Vec::new());
    };
    let message = view.presentation.message.clone().unwrap_or_default();
    let expected = format!("the app shows {message:?} (protocol.md §8)");
    let kind = ev.plan.steps.get(index).map(|s| s.kind);
    let evidence: Vec<u64> = if kind == Some(super::super::plan::StepKind::UntrustedCertificate) {
        ev.untrusted
            .iter()
            .filter(|u| u.step == Some(index) && u.seen.tls && u.seen.request_bytes == 0)
            .map(|u| u.seq)
            .collect()
    } else {
        ev.in_step(index)
            .filter(|c| refused(&c.outcome))
            .map(|c| c.seq)
            .collect()
    };
    if evidence.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            &expected,
            "no refusal happened in this step, so no message can be judged",
            Vec::new(),
        );
    }
    let shots = if view.screenshots.is_empty() {
        String::new()
    } else {
        format!(" (screenshot: {})", view.screenshots.join(", "))
    };
    match view.message() {
        None => Judged::new(
            Verdict::Inconclusive,
            &expected,
            format!("the refusal happened, but {ASK}"),
            evidence,
        ),
        Some(MessageSeen::Shown) => Judged::new(
            Verdict::Pass,
            &expected,
            format!("the tester saw {message:?}{shots}"),
            evidence,
        ),
        Some(MessageSeen::Other(text)) => Judged::new(
            Verdict::NonStrict,
            &expected,
            format!("the app showed {text:?}{shots}"),
            evidence,
        ),
        Some(MessageSeen::Nothing) => Judged::new(
            Verdict::NonStrict,
            &expected,
            format!("the app showed no message{shots}"),
            evidence,
        ),
    }
}
