//! CLI-1: with a Site ID the app looks it up and then uses exactly the scheme, host, port
//! and context the SSD returned. Every request of the step after the lookup is checked:
//! the scheme it spoke on the port (plain or TLS), its `Host` header, and its path.

use super::super::observe::AppCall;
use super::evidence::Evidence;
use super::{Judged, listing};
use crate::codec::Outcome;
use crate::verdict::Verdict;

const EXPECTED: &str = "a Site ID lookup for the run's Site ID, then every request over the scheme, to the host and port and below the context the SSD returned";

/// Judges CLI-1 in step `index`.
pub fn cli1(ev: &Evidence, index: usize) -> Judged {
    let f = &ev.facts;
    let calls: Vec<_> = ev.in_step(index).collect();
    let Some(lookup) = calls
        .iter()
        .find(|c| matches!(c.call, AppCall::SsdLookup { .. }))
    else {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app made no Site ID lookup in this step",
            calls.iter().map(|c| c.seq).collect(),
        );
    };
    let mut seqs = vec![lookup.seq];
    if let AppCall::SsdLookup { site_id } = &lookup.call
        && site_id.as_deref() != Some(f.site_id.as_str())
    {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!(
                "the app looked up the Site ID {:?}, not {:?}: check what was entered",
                site_id.as_deref().unwrap_or(""),
                f.site_id
            ),
            seqs,
        );
    }
    if lookup.outcome != Outcome::Pass {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            format!("the lookup did not pass ({})", lookup.outcome),
            seqs,
        );
    }
    let after: Vec<_> = calls
        .iter()
        .filter(|c| c.seq > lookup.seq && !matches!(c.call, AppCall::SsdLookup { .. }))
        .collect();
    if after.is_empty() {
        return Judged::new(
            Verdict::Inconclusive,
            EXPECTED,
            "the app sent nothing to the server after the lookup",
            seqs,
        );
    }
    let context = format!("/{}/", f.context.trim_matches('/'));
    let mut problems = Vec::new();
    for c in &after {
        seqs.push(c.seq);
        let s = &c.seen;
        let what = format!("{} {}", c.call.name(), s.path);
        if s.scheme != f.scheme {
            problems.push(format!(
                "{what} went over {} where the SSD said {}",
                s.scheme, f.scheme
            ));
        }
        match host_port(s.header("host").unwrap_or(""), &s.scheme) {
            Some((host, port)) => {
                if !host.eq_ignore_ascii_case(&f.host) || port != f.port {
                    problems.push(format!(
                        "{what} was addressed to {host}:{port} where the SSD said {}:{}",
                        f.host, f.port
                    ));
                }
            }
            None => problems.push(format!("{what} carried no usable Host header")),
        }
        if !s.path.starts_with(&context) {
            problems.push(format!(
                "{what} is not below the context {context} the SSD returned"
            ));
        }
    }
    if problems.is_empty() {
        Judged::new(
            Verdict::Pass,
            EXPECTED,
            format!(
                "looked up {}, then {} request(s) over {} to {}:{} below {context}",
                f.site_id,
                after.len(),
                f.scheme,
                f.host,
                f.port
            ),
            seqs,
        )
    } else {
        Judged::new(Verdict::Fail, EXPECTED, listing(&problems), seqs)
    }
}

/// Host and port of a `Host` header (the scheme's default port when none is given).
fn host_port(header: &str, scheme: &str) -> Option<(String, u16)> {
    let header = header.trim();
    if header.is_empty() {
        return None;
    }
    let default = if scheme == "https" { 443 } else { 80 };
    if let Some(rest) = header.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default,
        };
        return Some((host.to_string(), port));
    }
    match header.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((header.to_string(), default)),
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_headers() {
        assert_eq!(host_port("a:1", "http"), Some(("a".into(), 1)));
        assert_eq!(host_port("a", "https"), Some(("a".into(), 443)));
        assert_eq!(host_port("[::1]:8", "http"), Some(("::1".into(), 8)));
        assert_eq!(host_port("", "http"), None);
        assert_eq!(host_port("a:x", "http"), None);
    }
}
