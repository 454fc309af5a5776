//! A load comparison as Markdown (also the terminal output) and as one self-contained
//! HTML page: the verdict, the failed gates and the changes within the noise first, then
//! per transaction the throughput, errors and gates, then every latency percentile with
//! its sample counts and 95% interval.

use std::fmt::Write as _;

use super::load::{LatencyDelta, LoadComparison, LoadSide, TransactionDelta};
use super::page::{esc, md, page, status};

fn verdict(c: &LoadComparison) -> &'static str {
    if c.passed { "PASS" } else { "FAIL" }
}

fn side(s: &LoadSide) -> String {
    format!(
        "{}{}, {} requests over {:.1} s",
        s.source,
        s.persona
            .as_ref()
            .map_or_else(String::new, |p| format!(" (persona {p})")),
        s.requests,
        s.duration_ms as f64 / 1000.0
    )
}

fn gates_line(c: &LoadComparison) -> String {
    let g = &c.gates;
    format!(
        "Gates per transaction: p99 may grow by at most {}% (changes under {} ms never fail), throughput may drop by at most {}%, at most {} more error(s). A change beyond a limit FAILs only when its whole 95% interval lies beyond the limit; otherwise it is WITHIN-NOISE. Method: {}.",
        g.max_p99_regression_pct,
        g.min_latency_change_ms,
        g.max_throughput_drop_pct,
        g.max_new_errors,
        c.method
    )
}

fn gate(t: &TransactionDelta, name: &str) -> &'static str {
    t.gates
        .iter()
        .find(|g| g.gate == name)
        .map_or("–", |g| g.status.as_str())
}

fn opt_pct(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".into(), |p| format!("{p:+.1}%"))
}

fn ci_pct(l: &LatencyDelta) -> String {
    l.ci_pct.map_or_else(
        || "n/a".into(),
        |c| format!("{:+.1}% .. {:+.1}%", c[0], c[1]),
    )
}

fn rows(c: &LoadComparison) -> impl Iterator<Item = &TransactionDelta> {
    std::iter::once(&c.overall).chain(&c.transactions)
}

/// Markdown.
pub fn markdown(c: &LoadComparison) -> String {
    let mut out = format!(
        "# Load comparison: {}\n\n- baseline: {}\n- new: {}\n\n{}\n\n",
        verdict(c),
        md(&side(&c.baseline)),
        md(&side(&c.new)),
        gates_line(c)
    );
    for (title, lines) in [
        ("Failed gates", &c.failures),
        (
            "Beyond a limit but within the noise (not failures)",
            &c.within_noise,
        ),
        ("Notes", &c.notes),
    ] {
        if !lines.is_empty() {
            let _ = writeln!(out, "## {title}\n");
            for l in lines {
                let _ = writeln!(out, "- {}", md(l));
            }
            out.push('\n');
        }
    }
    out.push_str("## Per transaction\n\n| transaction | requests | req/s | throughput change (95% CI) | errors | p99 gate | throughput gate | errors gate |\n|---|---:|---:|---|---:|---|---|---|\n");
    for t in rows(c) {
        let th = &t.throughput;
        let _ = writeln!(
            out,
            "| {} | {} → {} | {:.1} → {:.1} | {:+.1}% ({:+.1}% .. {:+.1}%) | {} → {} | {} | {} | {} |",
            md(&t.name),
            t.baseline_requests,
            t.new_requests,
            th.baseline_rps,
            th.new_rps,
            th.change_pct,
            th.ci_pct[0],
            th.ci_pct[1],
            t.baseline_errors.total(),
            t.new_errors.total(),
            gate(t, "p99"),
            gate(t, "throughput"),
            gate(t, "errors")
        );
    }
    out.push_str("\n## Latency\n\nSamples: each run's requests of the transaction (the counts above).\n\n| transaction | percentile | baseline ms | new ms | change ms | change | 95% CI ms | 95% CI |\n|---|---:|---:|---:|---:|---:|---|---|\n");
    for t in rows(c) {
        for l in &t.latency {
            let _ = writeln!(
                out,
                "| {} | p{} | {:.2} | {:.2} | {:+.2} | {} | {:+.2} .. {:+.2} | {} |",
                md(&t.name),
                l.percentile,
                l.baseline_ms,
                l.new_ms,
                l.change_ms,
                opt_pct(l.change_pct),
                l.ci_ms[0],
                l.ci_ms[1],
                ci_pct(l)
            );
        }
    }
    for (title, list) in [
        ("Only in the baseline", &c.only_in_baseline),
        ("Only in the new run", &c.only_in_new),
    ] {
        if !list.is_empty() {
            let _ = writeln!(
                out,
                "\n## {title}\n\n| transaction | requests | errors |\n|---|---:|---:|"
            );
            for o in list {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    md(&o.name),
                    o.requests,
                    o.errors.total()
                );
            }
        }
    }
    out
}

/// The HTML page.
pub fn html(c: &LoadComparison) -> String {
    let mut body = format!(
        "<p>Result: {}</p><ul><li>baseline: {}</li><li>new: {}</li></ul><p>{}</p>",
        status(verdict(c)),
        esc(&side(&c.baseline)),
        esc(&side(&c.new)),
        esc(&gates_line(c))
    );
    for (title, lines) in [
        ("Failed gates", &c.failures),
        (
            "Beyond a limit but within the noise (not failures)",
            &c.within_noise,
        ),
        ("Notes", &c.notes),
    ] {
        if !lines.is_empty() {
            let _ = write!(body, "<h2>{}</h2><ul>", esc(title));
            for l in lines {
                let _ = write!(body, "<li>{}</li>", esc(l));
            }
            body.push_str("</ul>");
        }
    }
    body.push_str("<h2>Per transaction</h2><table><tr><th>transaction</th><th>requests</th><th>req/s</th><th>throughput change (95% CI)</th><th>errors</th><th>gates</th></tr>");
    for t in rows(c) {
        let th = &t.throughput;
        let mut gates = String::new();
        for g in &t.gates {
            let _ = write!(
                gates,
                "{} {}: {}<br>",
                esc(&g.gate),
                status(g.status.as_str()),
                esc(&g.detail)
            );
        }
        if t.gates.is_empty() {
            gates.push_str("(no gate: every request together)");
        }
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=n>{} → {}</td><td class=n>{:.1} → {:.1}</td>\
             <td class=n>{:+.1}% ({:+.1}% .. {:+.1}%)</td><td class=n>{} → {}</td><td>{gates}</td></tr>",
            esc(&t.name),
            t.baseline_requests,
            t.new_requests,
            th.baseline_rps,
            th.new_rps,
            th.change_pct,
            th.ci_pct[0],
            th.ci_pct[1],
            t.baseline_errors.total(),
            t.new_errors.total()
        );
    }
    body.push_str("</table><h2>Latency</h2><table><tr><th>transaction</th><th>percentile</th><th>baseline ms</th><th>new ms</th><th>change ms</th><th>change</th><th>95% CI ms</th><th>95% CI</th></tr>");
    for t in rows(c) {
        for l in &t.latency {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>p{}</td><td class=n>{:.2}</td><td class=n>{:.2}</td>\
                 <td class=n>{:+.2}</td><td class=n>{}</td><td class=n>{:+.2} .. {:+.2}</td><td class=n>{}</td></tr>",
                esc(&t.name),
                l.percentile,
                l.baseline_ms,
                l.new_ms,
                l.change_ms,
                opt_pct(l.change_pct),
                l.ci_ms[0],
                l.ci_ms[1],
                esc(&ci_pct(l))
            );
        }
    }
    body.push_str("</table>");
    for (title, list) in [
        ("Only in the baseline", &c.only_in_baseline),
        ("Only in the new run", &c.only_in_new),
    ] {
        if !list.is_empty() {
            let _ = write!(
                body,
                "<h2>{}</h2><table><tr><th>transaction</th><th>requests</th><th>errors</th></tr>",
                esc(title)
            );
            for o in list {
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                    esc(&o.name),
                    o.requests,
                    o.errors.total()
                );
            }
            body.push_str("</table>");
        }
    }
    page(&format!("Load comparison: {}", verdict(c)), &body)
}
