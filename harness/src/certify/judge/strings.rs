//! CLI-3: the app asks for strings only after a PASS to its provision, and always with
//! the device id that PASS gave it. Each strings request of the step is held against the
//! last provision PASS the server gave the app before it.

use super::super::observe::AppCall;
use super::evidence::Evidence;
use super::{Judged, listing};
use crate::codec::Outcome;
use crate::verdict::Verdict;

const EXPECTED: &str =
    "strings requests only after a provision PASS, each with the device id of the app's last PASS";

/// Judges CLI-3 in step `index`.
pub fn cli3(ev: &Evidence, index: usize) -> Judged {
    let mut last_pass: Option<String> = None;
    let mut problems = Vec::new();
    let mut seqs = Vec::new();
    let mut asked = 0;
    for c in &ev.calls {
        match &c.call {
            AppCall::Provision(_) if c.outcome == Outcome::Pass => {
                if let Some(id) = c.reply.as_ref().and_then(|r| r.device_id.clone()) {
                    last_pass = Some(id);
                }
                if c.step == Some(index) {
                    seqs.push(c.seq);
                }
            }
            AppCall::Strings { device_id } if c.step == Some(index) => {
                asked += 1;
                seqs.push(c.seq);
                match (&last_pass, device_id) {
                    (None, _) => problems.push(format!(
                        "strings request #{} came before any provision passed",
                        c.seq
                    )),
                    (Some(_), None) => {
                        problems.push(format!("strings request #{} carried no device id", c.seq))
                    }
                    (Some(pass), Some(id)) if pass != id => problems.push(format!(
                        "strings request #{} carried another device id than the last PASS gave",
                        c.seq
                    )),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs);
    }
    if asked == 0 {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app asked for no strings in this step",
            seqs,
        );
    }
    Judged::new(
        Verdict::Pass,
        EXPECTED,
        format!("{asked} strings request(s), each with the device id of the last PASS"),
        seqs,
    )
}
