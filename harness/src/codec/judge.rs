//! Judging a reply per call kind, the way the app would read it, from what arrived and
//! nothing else (no transport here): an XML reply's `<Result>` decides PASS or FAIL
//! (with the canonical error code), a non-2xx without a FAIL reply is an HTTP outcome, a
//! 2xx that cannot be read is MALFORMED, and no reply at all is TRANSPORT. A Site ID
//! lookup passes on the profile's pass value and is refused on any other, as the app
//! reads it. Non-XML calls (TokenIndex, self-service, QR, plain GET) have their own
//! small rules below. The emulator and the load personas both call [`judge`].

use super::qr::decode_qr_png;
use super::reply::{Reply, ReplyKind, parse_reply};
use super::xml::clip;
use super::{Call, Outcome};
use crate::profile::WireProfile;

/// What came back for one request, as far as it got.
#[derive(Debug, Default, Clone)]
pub struct Received {
    /// Status, once the reply head arrived.
    pub status: Option<u16>,
    /// `Content-Type` of the reply.
    pub content_type: Option<String>,
    /// Body bytes kept (at most the reader's cap).
    pub body: Vec<u8>,
    /// Body bytes received, including any beyond the cap.
    pub bytes_read: usize,
    /// Whether reading stopped at the cap.
    pub truncated: bool,
    /// Why no complete reply arrived (connect error, reset, timeout).
    pub transport_error: Option<String>,
}

/// The outcome a self-service refusal (HTTP 403) is reported as.
pub const SELF_PROVISION_REFUSED: &str = "SELF_PROVISION_REFUSED";
/// The first bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The outcome of `call` given what `fetched` holds, and the reply when it was one.
pub fn judge(
    call: Call,
    fetched: &Received,
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
        Call::SsdLookup => ssd_outcome(status, fetched, profile),
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

/// A Site ID lookup: the profile's pass value with server settings passes; any other
/// result is a refusal (the app shows "Unknown Server ID" whatever the code), named by
/// the reply's error element where the shape has one.
fn ssd_outcome(status: u16, fetched: &Received, profile: &WireProfile) -> (Outcome, Option<Reply>) {
    let ok = (200..300).contains(&status);
    match parse_reply(&fetched.body, ReplyKind::Ssd, profile) {
        Ok(reply) if reply.result == profile.ssd.pass => {
            let outcome = if !ok {
                Outcome::Http(status)
            } else if reply.ssd.is_none() {
                Outcome::Malformed(format!(
                    "SSD reply passes but has no <{}>",
                    profile.ssd.server
                ))
            } else {
                Outcome::Pass
            };
            (outcome, Some(reply))
        }
        Ok(reply) => {
            let code = reply
                .error
                .clone()
                .unwrap_or_else(|| "UNKNOWN_SERVER_ID".to_string());
            (Outcome::Fail(code), Some(reply))
        }
        Err(_) if !ok => (Outcome::Http(status), None),
        Err(malformed) => (Outcome::Malformed(malformed.0), None),
    }
}

/// An XML reply: PASS/FAIL from `<Result>`. A non-2xx counts as a refusal only when
/// it carries a FAIL reply (the reference server answers 415 that way).
fn xml_outcome(
    status: u16,
    fetched: &Received,
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
    fetched: &Received,
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
fn qr_outcome(status: u16, fetched: &Received) -> Outcome {
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

    fn fetched(status: u16, body: &str) -> Received {
        Received {
            status: Some(status),
            body: body.as_bytes().to_vec(),
            bytes_read: body.len(),
            ..Received::default()
        }
    }

    fn outcome(call: Call, f: &Received) -> Outcome {
        judge(call, f, &WireProfile::default_profile(), 1 << 20).0
    }

    fn agentxml() -> WireProfile {
        WireProfile::resolve("agentxml-3.6").unwrap()
    }

    const FAIL_415: &str =
        "<SASResponse><Result>FAIL</Result><Error>BAD_REQUEST</Error></SASResponse>";

    #[test]
    fn xml_calls() {
        let pass = fetched(200, "<SASResponse><Result>PASS</Result></SASResponse>");
        assert_eq!(outcome(Call::Ping, &pass), Outcome::Pass);
        assert_eq!(
            outcome(Call::Raw, &fetched(415, FAIL_415)),
            Outcome::Fail("BAD_REQUEST".into())
        );
        assert_eq!(
            outcome(
                Call::Ping,
                &fetched(500, "<SASResponse><Result>PASS</Result></SASResponse>")
            ),
            Outcome::Http(500)
        );
        assert_eq!(
            outcome(Call::Ping, &fetched(413, "too large")),
            Outcome::Http(413)
        );
        assert_eq!(
            outcome(
                Call::Login,
                &fetched(200, "<SASResponse><Result>FAIL</Result></SASResponse>")
            ),
            Outcome::Fail(String::new())
        );
        assert!(matches!(
            outcome(Call::Login, &fetched(200, "<SASResponse><Result>MAYBE</Result></SASResponse>")),
            Outcome::Malformed(m) if m.contains("MAYBE")
        ));
    }

    #[test]
    fn ssd_replies_in_both_shapes() {
        let a = agentxml();
        let ssd = |f: &Received, p: &WireProfile| judge(Call::SsdLookup, f, p, 1 << 20).0;
        let f = fetched(200, "<SSDResponse><Result>PASS</Result></SSDResponse>");
        assert!(matches!(ssd(&f, &a), Outcome::Malformed(_)));
        let unknown = fetched(
            404,
            "<SSDResponse><Result>FAIL</Result><Error>UNKNOWN_SERVER_ID</Error></SSDResponse>",
        );
        assert_eq!(ssd(&unknown, &a), Outcome::Fail("UNKNOWN_SERVER_ID".into()));
        assert_eq!(ssd(&fetched(404, "nope"), &a), Outcome::Http(404));
        // mobile-3.6: any responseCode but 0 is the app's "Unknown Server ID".
        let refused = fetched(
            200,
            "<getServerDetailsResponse><responseCode>7</responseCode></getServerDetailsResponse>",
        );
        assert_eq!(
            outcome(Call::SsdLookup, &refused),
            Outcome::Fail("UNKNOWN_SERVER_ID".into())
        );
        let passes_bare = fetched(
            200,
            "<getServerDetailsResponse><responseCode>0</responseCode></getServerDetailsResponse>",
        );
        assert!(matches!(
            outcome(Call::SsdLookup, &passes_bare),
            Outcome::Malformed(_)
        ));
        // The earlier shape under the mobile profile is not a reply a real app can read.
        assert!(matches!(
            outcome(Call::SsdLookup, &unknown),
            Outcome::Http(404)
        ));
    }

    #[test]
    fn token_index_replies() {
        let (got, reply) = judge(
            Call::TokenIndex,
            &fetched(200, "7\n"),
            &WireProfile::default_profile(),
            1024,
        );
        assert_eq!(got, Outcome::Pass);
        assert_eq!(reply.unwrap().token_index, Some(7));
        assert!(matches!(
            outcome(Call::TokenIndex, &fetched(200, "seven")),
            Outcome::Malformed(_)
        ));
        assert_eq!(
            outcome(
                Call::TokenIndex,
                &fetched(403, "DEVICE_NOT_PROVISIONED: unknown device\n")
            ),
            Outcome::Fail("DEVICE_NOT_PROVISIONED".into())
        );
        assert_eq!(
            outcome(Call::TokenIndex, &fetched(404, "Not Found: x")),
            Outcome::Http(404)
        );
        assert_eq!(
            outcome(Call::TokenIndex, &fetched(500, "")),
            Outcome::Http(500)
        );
    }

    #[test]
    fn self_provision_qr_and_get() {
        assert_eq!(
            outcome(Call::SelfProvision, &fetched(200, "<html>")),
            Outcome::Pass
        );
        assert_eq!(
            outcome(Call::SelfProvision, &fetched(403, "no")),
            Outcome::Fail(SELF_PROVISION_REFUSED.into())
        );
        assert_eq!(
            outcome(Call::SelfProvision, &fetched(400, "")),
            Outcome::Http(400)
        );
        let mut png = fetched(200, "");
        png.body = swivel_reference_server::http::qr::qr_png("payload").unwrap();
        png.content_type = Some("image/png".into());
        assert_eq!(outcome(Call::QrCode, &png), Outcome::Pass);
        // A PNG signature alone is no QR image.
        png.body = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert!(
            matches!(outcome(Call::QrCode, &png), Outcome::Malformed(m) if m.contains("QR image"))
        );
        png.body = b"GIF89a".to_vec();
        assert!(matches!(outcome(Call::QrCode, &png), Outcome::Malformed(_)));
        png.content_type = Some("text/html".into());
        assert_eq!(outcome(Call::QrCode, &png), Outcome::Http(200));
        assert_eq!(outcome(Call::Get, &fetched(302, "")), Outcome::Http(302));
        assert_eq!(outcome(Call::Get, &fetched(200, "x")), Outcome::Pass);
    }

    #[test]
    fn truncated_and_transport() {
        let mut big = fetched(200, "<SASResponse>");
        big.truncated = true;
        assert!(
            matches!(outcome(Call::Provision, &big), Outcome::Malformed(m) if m.contains("limit"))
        );
        big.status = Some(413);
        assert_eq!(outcome(Call::Provision, &big), Outcome::Http(413));
        let gone = Received {
            transport_error: Some("cannot connect".into()),
            ..Received::default()
        };
        assert_eq!(
            outcome(Call::Ping, &gone),
            Outcome::Transport("cannot connect".into())
        );
    }
}
