//! The tester's answers without a person (`certify --auto FILE|-`): one JSON object per
//! line, read as they come (a file at once, stdin as an automation writes it), each
//! applied when its step is active (queued until then):
//!
//! ```text
//! {"step": "otcs", "otc": "162007"}
//! {"step": "unbound-device", "no_otc": true}
//! {"step": "wrong-code", "message": "shown"}
//! {"step": "wrong-code", "message": "other", "text": "Code rejected"}
//! {"step": "untrusted-certificate", "message": "nothing"}
//! {"step": "refresh", "done": true}
//! ```
//!
//! Blank lines and lines starting with `#` are skipped; a line that is not an answer is
//! reported with its number and skipped, never fatal.

use serde::Deserialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::session::{Answer, MessageSeen, Session};

/// One line as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    step: String,
    #[serde(default)]
    otc: Option<String>,
    #[serde(default)]
    no_otc: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    done: bool,
}

/// The answers of one line: `(step, answers)`.
pub fn parse_line(line: &str) -> Result<Option<(String, Vec<Answer>)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let parsed: Line = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let mut answers = Vec::new();
    if let Some(otc) = parsed.otc {
        answers.push(Answer::Otc(otc));
    }
    if parsed.no_otc {
        answers.push(Answer::NoOtc);
    }
    match parsed.message.as_deref() {
        None => {}
        Some("shown") => answers.push(Answer::Message(MessageSeen::Shown)),
        Some("nothing") => answers.push(Answer::Message(MessageSeen::Nothing)),
        Some("other") => answers.push(Answer::Message(MessageSeen::Other(
            parsed.text.unwrap_or_default(),
        ))),
        Some(other) => {
            return Err(format!(
                "message {other:?}: use \"shown\", \"other\" (with \"text\") or \"nothing\""
            ));
        }
    }
    if parsed.done {
        answers.push(Answer::Done);
    }
    if answers.is_empty() {
        return Err("the line answers nothing (otc, no_otc, message or done)".into());
    }
    Ok(Some((parsed.step, answers)))
}

/// Reads answers from `reader` until it ends, handing each to `session`; problems go to
/// `warn` with their line number.
pub async fn feed<R: AsyncBufRead + Unpin>(
    reader: R,
    session: &Session,
    warn: &(dyn Fn(String) + Sync),
) {
    let mut lines = reader.lines();
    let mut number = 0;
    while let Ok(Some(line)) = lines.next_line().await {
        number += 1;
        match parse_line(&line) {
            Ok(None) => {}
            Ok(Some((step, answers))) => {
                for answer in answers {
                    if let Err(e) = session.answer(&step, answer, "auto") {
                        warn(format!("answers line {number}: {e}"));
                    }
                }
            }
            Err(e) => warn(format!("answers line {number}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_answers() {
        assert_eq!(parse_line("  "), Ok(None));
        assert_eq!(parse_line("# note"), Ok(None));
        assert_eq!(
            parse_line(r#"{"step":"otcs","otc":"162007"}"#),
            Ok(Some(("otcs".into(), vec![Answer::Otc("162007".into())])))
        );
        assert_eq!(
            parse_line(r#"{"step":"w","message":"other","text":"Nope","done":true}"#),
            Ok(Some((
                "w".into(),
                vec![
                    Answer::Message(MessageSeen::Other("Nope".into())),
                    Answer::Done
                ]
            )))
        );
        assert!(parse_line(r#"{"step":"w","message":"maybe"}"#).is_err());
        assert!(parse_line(r#"{"step":"w"}"#).is_err());
        assert!(parse_line(r#"{"step":"w","otc":"1","pin":"1234"}"#).is_err());
        assert!(parse_line("not json").is_err());
    }
}
