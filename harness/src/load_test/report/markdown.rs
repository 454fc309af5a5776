//! `load-report.md`: the load report's figures as Markdown tables (summary, thresholds,
//! per transaction, per node, protocol checks, the time series bucket by bucket, and the
//! settings), for CI job summaries and PR comments. Table cells are escaped.

use std::fmt::Write as _;

use super::LoadReport;
use super::figures::GroupRow;

/// `s` safe inside a Markdown table cell.
pub(crate) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

fn group_table(out: &mut String, what: &str, rows: &[GroupRow]) {
    let _ = writeln!(
        out,
        "| {what} | requests | req/s | protocol errors | HTTP errors | transport errors | mean ms | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        let l = &r.latency;
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            cell(&r.name),
            r.requests,
            r.rps,
            r.errors.protocol,
            r.errors.http,
            r.errors.transport,
            l.mean,
            l.p50,
            l.p95,
            l.p99,
            l.max
        );
    }
    out.push('\n');
}

/// The Markdown report.
pub fn render(r: &LoadReport) -> String {
    let f = &r.figures;
    let mut out = format!(
        "# Load report: {}\n\nRun `{}`, started {}, target {}, wire profile `{}`, shard {}. Result: **{}**.\n\n",
        cell(&r.persona),
        r.run_id.replace('`', "'"),
        cell(&r.started_at),
        cell(&r.target_kind),
        r.wire_profile.replace('`', "'"),
        cell(&r.shard),
        if r.passed { "PASS" } else { "FAIL" }
    );
    let _ = writeln!(
        out,
        "## Summary\n\n| requests | duration | req/s | protocol errors | HTTP errors | transport errors | p50 ms | p95 ms | p99 ms | max ms |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n| {} | {:.1} s | {:.1} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
        f.requests,
        f.duration_ms as f64 / 1000.0,
        f.rps,
        f.errors.protocol,
        f.errors.http,
        f.errors.transport,
        f.latency.p50,
        f.latency.p95,
        f.latency.p99,
        f.latency.max
    );
    out.push_str("## Thresholds\n\n| rule | observed | outcome |\n|---|---|---|\n");
    for t in &r.thresholds {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&t.rule),
            cell(&t.observed),
            if t.passed { "PASS" } else { "FAIL" }
        );
    }
    let total = r.protocol.protocol_error_total;
    let _ = writeln!(
        out,
        "| protocol errors \\<= {} (--max-protocol-errors) | {total} | {} |\n",
        r.max_protocol_errors,
        if total <= r.max_protocol_errors {
            "PASS"
        } else {
            "FAIL"
        }
    );
    out.push_str("## Per transaction (goose request name)\n\n");
    group_table(&mut out, "transaction", &f.transactions);
    out.push_str("## Per node\n\n");
    group_table(&mut out, "node", &f.nodes);
    out.push_str("## Protocol checks\n\n");
    out.push_str(&r.protocol.to_markdown());
    if !r.sinks.is_empty() {
        out.push_str("\n## Sinks\n\n");
        out.push_str(&super::sinks::markdown(&r.sinks));
    }
    let s = &f.series;
    let _ = writeln!(
        out,
        "\n## Over time\n\nBuckets of {:.0} s from the start of the load test.\n\n| from s | req/s | p50 ms | p95 ms | p99 ms | protocol errors/s | HTTP errors/s | transport errors/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|",
        s.bucket_ms as f64 / 1000.0
    );
    for (i, start) in s.start_ms.iter().enumerate() {
        let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "| {:.0} | {:.1} | {} | {} | {} | {:.1} | {:.1} | {:.1} |",
            *start as f64 / 1000.0,
            at(&s.requests_per_s),
            opt(s.p50_ms.get(i).copied().flatten()),
            opt(s.p95_ms.get(i).copied().flatten()),
            opt(s.p99_ms.get(i).copied().flatten()),
            at(&s.protocol_errors_per_s),
            at(&s.http_errors_per_s),
            at(&s.transport_errors_per_s)
        );
    }
    for (title, list) in [("transaction", &s.transactions), ("node", &s.nodes)] {
        let _ = write!(
            out,
            "\nRequests per second and p99 (ms) per {title}:\n\n| from s |"
        );
        for n in list.iter() {
            let _ = write!(out, " {} req/s | p99 |", cell(&n.name));
        }
        out.push_str("\n|---:|");
        out.push_str(&"---:|---:|".repeat(list.len()));
        out.push('\n');
        for (i, start) in s.start_ms.iter().enumerate() {
            let _ = write!(out, "| {:.0} |", *start as f64 / 1000.0);
            for n in list.iter() {
                let _ = write!(
                    out,
                    " {:.1} | {} |",
                    n.requests_per_s.get(i).copied().unwrap_or(0.0),
                    opt(n.p99_ms.get(i).copied().flatten())
                );
            }
            out.push('\n');
        }
    }
    out.push_str("\n## Settings\n\n| setting | value |\n|---|---|\n");
    for s in &r.settings {
        let _ = writeln!(out, "| {} | {} |", cell(&s.name), cell(&s.value));
    }
    if !r.files.is_empty() {
        out.push_str("\n## Files of this run\n\n| file | note |\n|---|---|\n");
        for s in &r.files {
            let _ = writeln!(out, "| {} | {} |", cell(&s.name), cell(&s.value));
        }
    }
    let _ = writeln!(
        out,
        "\n{}; percentiles by nearest rank over every request's response time.",
        r.tool
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_carries_the_same_figures() {
        let (report, _) = super::super::tests::sample_report();
        let md = render(&report);
        let strings = report
            .figures
            .transactions
            .iter()
            .find(|t| t.name == "strings")
            .unwrap();
        assert!(md.contains(&format!("| strings | {} |", strings.requests)));
        assert!(md.contains(&format!("{:.2}", strings.latency.p99)));
        assert!(md.contains("login \\<1\\>"));
        assert!(md.contains("| error-rate\\<1% | 0.25% | PASS |"));
        assert!(md.contains("| node 2 |"));
        assert!(md.contains("target swivel"));
        assert!(md.contains("| codes that never arrived (waited 10 s) | 3 |"));
        assert!(md.contains("## Sinks"));
        assert!(md.contains("| messages accepted 7 | messages too large 1 |"));
        assert_eq!(cell("a|b"), "a\\|b");
    }
}
