//! Judging a reply per call kind, the way the app would read it: an XML reply's
//! `<Result>` decides PASS or FAIL (with the canonical error code), a non-2xx without a
//! FAIL reply is an HTTP outcome, a 2xx that cannot be read is MALFORMED, and no reply
//! at all is TRANSPORT. Non-XML calls (TokenIndex, self-service, QR, plain GET) have
//! their own small rules below.

use super::exchange::{Call, Outcome};
use super::http::Fetched;
use super::qr::decode_qr_png;
use super::reply::{Reply, ReplyKind, parse_reply};
use super::xml::clip;
use crate::profile::WireProfile;

/// The outcome a self-service refusal (HTTP 403) is reported as.
pub const SELF_PROVISION_REFUSED: &str = "SELF_PROVISION_REFUSED";
/// The first bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The outcome of `call` given what `fetched` holds.
pub(crate) fn classify(
    call: Call,
    fetched: &Fetched,
    profile: &WireProfile,
    max_body_bytes: usize,
) -> (Outcome, Option<Reply>) {
    if let Some(error) = &fetched.transport_error {
        return (Outcome::Transport(error.clone()), None);
    }
    let Some(status) = fetched.status else {
        return (Outcome::Transport("no reply".to_string()), None);
    };
    let ok = (200..300).contains(&status);
    if fetched.truncated && call != Call::Get {
        let outcome = if ok {
            Outcome::Malformed(format!(
                "reply body is larger than the {max_body_bytes}-byte limit; reading stopped"
            ))
        } else {
            Outcome::Http(status)
        };
        return (outcome, None);
    }
    match call {
        Call::Ping | Call::Provision | Call::SecurityStrings | Call::Login | Call::Raw => {
            xml_outcome(status, fetched, ReplyKind::Sas, profile)
        }
        Call::SsdLookup => match xml_outcome(status, fetched, ReplyKind::Ssd, profile) {
            (Outcome::Pass, Some(reply)) if reply.ssd.is_none() => (
                Outcome::Malformed(format!(
                    "SSD reply passes but has no <{}>",
                    profile.elements.ssd_server
                )),
                Some(reply),
            ),
            other => other,
        },
        Call::TokenIndex => token_index_outcome(status, fetched, profile),
        Call::SelfProvision => (
            match status {
                _ if ok => Outcome::Pass,
                403 => Outcome::Fail(SELF_PROVISION_REFUSED.to_string()),
                _ => Outcome::Http(status),
            },
            None,
        ),
        Call::QrCode => match qr_outcome(status, fetched) {
            Outcome::Pass => match decode_qr_png(&fetched.body) {
                Ok(text) => (
                    Outcome::Pass,
                    Some(Reply {
                        qr_text: Some(text),
                        ..Reply::default()
                    }),
                ),
                Err(why) => (Outcome::Malformed(format!("QR image: {why}")), None),
            },
            other => (other, None),
        },
        Call::Get => (
            if ok {
                Outcome::Pass
            } else {
                Outcome::Http(status)
            },
            None,
        ),
    }
}

/// An XML reply: PASS/FAIL from `<Result>`. A non-2xx counts as a refusal only when
/// it carries a FAIL reply (the reference server answers 415 that way).
fn xml_outcome(
    status: u16,
    fetched: &Fetched,
    kind: ReplyKind,
    profile: &WireProfile,
) -> (Outcome, Option<Reply>) {
    let ok = (200..300).contains(&status);
    match parse_reply(&fetched.body, kind, profile) {
        Ok(reply) => {
            let outcome = if reply.result == profile.results.fail {
                Outcome::Fail(reply.error.clone().unwrap_or_default())
            } else if !ok {
                Outcome::Http(status)
            } else if reply.result == profile.results.pass {
                Outcome::Pass
            } else {
                Outcome::Malformed(format!(
                    "<{}> is '{}', neither '{}' nor '{}'",
                    profile.elements.result,
                    clip(&reply.result),
                    profile.results.pass,
                    profile.results.fail
                ))
            };
            (outcome, Some(reply))
        }
        Err(_) if !ok => (Outcome::Http(status), None),
        Err(malformed) => (Outcome::Malformed(malformed.0), None),
    }
}

/// TokenIndex: a plain integer on 2xx; a refusal is `CODE: text` with a 4xx status.
fn token_index_outcome(
    status: u16,
    fetched: &Fetched,
    profile: &WireProfile,
) -> (Outcome, Option<Reply>) {
    let text = String::from_utf8_lossy(&fetched.body);
    let text = text.trim();
    if (200..300).contains(&status) {
        return match text.parse::<u32>() {
            Ok(index) => (
                Outcome::Pass,
                Some(Reply {
                    result: profile.results.pass.clone(),
                    token_index: Some(index),
                    ..Reply::default()
                }),
            ),
            Err(_) => (
                Outcome::Malformed(format!(
                    "TokenIndex reply '{}' is not an integer",
                    clip(text)
                )),
                None,
            ),
        };
    }
    let (head, rest) = text.split_once(':').unwrap_or((text, ""));
    let head = head.trim();
    if looks_like_error_code(head) {
        let code = profile.errors.canonical(head);
        let reply = Reply {
            result: profile.results.fail.clone(),
            error: Some(code.clone()),
            message: Some(rest.trim().to_string()).filter(|m| !m.is_empty()),
            ..Reply::default()
        };
        (Outcome::Fail(code), Some(reply))
    } else {
        (Outcome::Http(status), None)
    }
}

/// `UPPER_SNAKE` words of at least two characters: what error codes look like, and what
/// ordinary error pages ("Not Found", "<html>") do not.
fn looks_like_error_code(word: &str) -> bool {
    word.len() >= 2
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// QR: a 2xx `image/png` whose body is a PNG.
fn qr_outcome(status: u16, fetched: &Fetched) -> Outcome {
    if !(200..300).contains(&status) {
        return Outcome::Http(status);
    }
    let is_png_type = fetched
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("image/png"));
    if !is_png_type {
        return Outcome::Http(status);
    }
    if fetched.body.starts_with(PNG_SIGNATURE) {
        Outcome::Pass
    } else {
        Outcome::Malformed("QR reply is image/png but its body is not a PNG".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(status: u16, body: &str) -> Fetched {
        Fetched {
            status: Some(status),
            body: body.as_bytes().to_vec(),
            bytes_read: body.len(),
            ..Fetched::default()
        }
    }

    fn judge(call: Call, f: &Fetched) -> Outcome {
        classify(call, f, &WireProfile::default_profile(), 1 << 20).0
    }

    const FAIL_415: &str =
        "<SASResponse><Result>FAIL</Result><Error>BAD_REQUEST</Error></SASResponse>";

    #[test]
    fn xml_calls() {
        let pass = fetched(200, "<SASResponse><Result>PASS</Result></SASResponse>");
        assert_eq!(judge(Call::Ping, &pass), Outcome::Pass);
        assert_eq!(
            judge(Call::Raw, &fetched(415, FAIL_415)),
            Outcome::Fail("BAD_REQUEST".into())
        );
        assert_eq!(
            judge(
                Call::Ping,
                &fetched(500, "<SASResponse><Result>PASS</Result></SASResponse>")
            ),
            Outcome::Http(500)
        );
        assert_eq!(
            judge(Call::Ping, &fetched(413, "too large")),
            Outcome::Http(413)
        );
        assert_eq!(
            judge(
                Call::Login,
                &fetched(200, "<SASResponse><Result>FAIL</Result></SASResponse>")
            ),
            Outcome::Fail(String::new())
        );
        assert!(matches!(
            judge(Call::Login, &fetched(200, "<SASResponse><Result>MAYBE</Result></SASResponse>")),
            Outcome::Malformed(m) if m.contains("MAYBE")
        ));
    }

    #[test]
    fn ssd_pass_without_server_is_malformed() {
        let f = fetched(200, "<SSDResponse><Result>PASS</Result></SSDResponse>");
        assert!(matches!(judge(Call::SsdLookup, &f), Outcome::Malformed(_)));
        let unknown = fetched(
            404,
            "<SSDResponse><Result>FAIL</Result><Error>UNKNOWN_SERVER_ID</Error></SSDResponse>",
        );
        assert_eq!(
            judge(Call::SsdLookup, &unknown),
            Outcome::Fail("UNKNOWN_SERVER_ID".into())
        );
        assert_eq!(
            judge(Call::SsdLookup, &fetched(404, "nope")),
            Outcome::Http(404)
        );
    }

    #[test]
    fn token_index_replies() {
        let (outcome, reply) = classify(
            Call::TokenIndex,
            &fetched(200, "7\n"),
            &WireProfile::default_profile(),
            1024,
        );
        assert_eq!(outcome, Outcome::Pass);
        assert_eq!(reply.unwrap().token_index, Some(7));
        assert!(matches!(
            judge(Call::TokenIndex, &fetched(200, "seven")),
            Outcome::Malformed(_)
        ));
        assert_eq!(
            judge(
                Call::TokenIndex,
                &fetched(403, "DEVICE_NOT_PROVISIONED: unknown device\n")
            ),
            Outcome::Fail("DEVICE_NOT_PROVISIONED".into())
        );
        assert_eq!(
            judge(Call::TokenIndex, &fetched(404, "Not Found: x")),
            Outcome::Http(404)
        );
        assert_eq!(
            judge(Call::TokenIndex, &fetched(500, "")),
            Outcome::Http(500)
        );
    }

    #[test]
    fn self_provision_qr_and_get() {
        assert_eq!(
            judge(Call::SelfProvision, &fetched(200, "<html>")),
            Outcome::Pass
        );
        assert_eq!(
            judge(Call::SelfProvision, &fetched(403, "no")),
            Outcome::Fail(SELF_PROVISION_REFUSED.into())
        );
        assert_eq!(
            judge(Call::SelfProvision, &fetched(400, "")),
            Outcome::Http(400)
        );
        let mut png = fetched(200, "");
        png.body = swivel_reference_server::http::qr::qr_png("payload").unwrap();
        png.content_type = Some("image/png".into());
        assert_eq!(judge(Call::QrCode, &png), Outcome::Pass);
        // A PNG signature alone is no QR image.
        png.body = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert!(
            matches!(judge(Call::QrCode, &png), Outcome::Malformed(m) if m.contains("QR image"))
        );
        png.body = b"GIF89a".to_vec();
        assert!(matches!(judge(Call::QrCode, &png), Outcome::Malformed(_)));
        png.content_type = Some("text/html".into());
        assert_eq!(judge(Call::QrCode, &png), Outcome::Http(200));
        assert_eq!(judge(Call::Get, &fetched(302, "")), Outcome::Http(302));
        assert_eq!(judge(Call::Get, &fetched(200, "x")), Outcome::Pass);
    }

    #[test]
    fn truncated_and_transport() {
        let mut big = fetched(200, "<SASResponse>");
        big.truncated = true;
        assert!(
            matches!(judge(Call::Provision, &big), Outcome::Malformed(m) if m.contains("limit"))
        );
        big.status = Some(413);
        assert_eq!(judge(Call::Provision, &big), Outcome::Http(413));
        let gone = Fetched {
            transport_error: Some("cannot connect".into()),
            ..Fetched::default()
        };
        assert_eq!(
            judge(Call::Ping, &gone),
            Outcome::Transport("cannot connect".into())
        );
    }
}
