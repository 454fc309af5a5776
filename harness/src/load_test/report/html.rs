//! `load-report.html`: the load report as one self-contained HTML5 page. Inline CSS and
//! inline SVG charts only: no script, no font, image or style sheet fetched, and a
//! Content-Security-Policy (`default-src 'none'`) that makes a browser refuse any request
//! the page might otherwise make. Every piece of text is escaped.

use std::fmt::Write as _;

use super::LoadReport;
use super::figures::{GroupRow, LoadFigures, NamedSeries};
use super::svg::{Line, line_chart};
use crate::report::escape_html as esc;

/// Nothing may load except inline styles.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;\
color:#222;padding:0 1em}table{border-collapse:collapse;margin:.5em 0 1.5em}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}td.n{text-align:right;\
font-variant-numeric:tabular-nums}.pass{color:#05620b;font-weight:bold}.fail{color:#a00;\
font-weight:bold}svg.chart{max-width:100%;height:auto;display:block;margin:.5em 0 1.5em}\
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}";

fn verdict(passed: bool) -> &'static str {
    if passed {
        r#"<span class="pass">PASS</span>"#
    } else {
        r#"<span class="fail">FAIL</span>"#
    }
}

fn group_table(title: &str, what: &str, rows: &[GroupRow]) -> String {
    let mut out = format!(
        "<h3>{}</h3><table><tr><th>{}</th><th>requests</th><th>req/s</th><th>protocol errors</th>\
         <th>HTTP errors</th><th>transport errors</th><th>mean ms</th><th>p50 ms</th>\
         <th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>",
        esc(title),
        esc(what)
    );
    for r in rows {
        let l = &r.latency;
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{:.1}</td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td><td class=n>{:.2}</td><td class=n>{:.2}</td>\
             <td class=n>{:.2}</td><td class=n>{:.2}</td><td class=n>{:.2}</td></tr>",
            esc(&r.name),
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
    out.push_str("</table>");
    out
}

/// Bucket midpoints in seconds (where each bucket's value is drawn).
fn x_axis(f: &LoadFigures) -> Vec<f64> {
    let half = f.series.bucket_ms as f64 / 2.0;
    f.series
        .start_ms
        .iter()
        .map(|s| (*s as f64 + half) / 1000.0)
        .collect()
}

fn rates(series: &[NamedSeries]) -> Vec<Line<'_>> {
    series
        .iter()
        .map(|s| Line {
            label: &s.name,
            values: s.requests_per_s.iter().map(|v| Some(*v)).collect(),
        })
        .collect()
}

fn p99s(series: &[NamedSeries]) -> Vec<Line<'_>> {
    series
        .iter()
        .map(|s| Line {
            label: &s.name,
            values: s.p99_ms.clone(),
        })
        .collect()
}

fn charts(f: &LoadFigures) -> String {
    let x = x_axis(f);
    let s = &f.series;
    let some = |v: &[f64]| v.iter().map(|v| Some(*v)).collect::<Vec<_>>();
    let mut out = format!(
        "<h2>Over time</h2><p>Buckets of {:.0} s; each point is drawn at its bucket's middle.</p>",
        s.bucket_ms as f64 / 1000.0
    );
    let mut rps = vec![Line {
        label: "all requests",
        values: some(&s.requests_per_s),
    }];
    rps.extend(rates(&s.transactions));
    out.push_str("<h3>Requests per second</h3>");
    out.push_str(&line_chart(
        "Requests per second over time, in all and per transaction",
        "requests/s",
        &x,
        &rps,
    ));
    out.push_str("<h3>Latency</h3>");
    out.push_str(&line_chart(
        "Latency p50, p95 and p99 over time, all requests",
        "ms",
        &x,
        &[
            Line {
                label: "p50",
                values: s.p50_ms.clone(),
            },
            Line {
                label: "p95",
                values: s.p95_ms.clone(),
            },
            Line {
                label: "p99",
                values: s.p99_ms.clone(),
            },
        ],
    ));
    out.push_str("<h3>Latency p99 per transaction</h3>");
    out.push_str(&line_chart(
        "Latency p99 per transaction over time",
        "ms",
        &x,
        &p99s(&s.transactions),
    ));
    out.push_str("<h3>Errors per second, by kind</h3>");
    out.push_str(&line_chart(
        "Protocol, HTTP and transport errors per second over time",
        "errors/s",
        &x,
        &[
            Line {
                label: "protocol",
                values: some(&s.protocol_errors_per_s),
            },
            Line {
                label: "HTTP",
                values: some(&s.http_errors_per_s),
            },
            Line {
                label: "transport",
                values: some(&s.transport_errors_per_s),
            },
        ],
    ));
    let real_nodes = s
        .nodes
        .iter()
        .filter(|n| n.name != crate::load_test::samples::CONTROL_NODE)
        .count();
    if real_nodes > 1 {
        out.push_str("<h3>Requests per second per node</h3>");
        out.push_str(&line_chart(
            "Requests per second per node over time",
            "requests/s",
            &x,
            &rates(&s.nodes),
        ));
        out.push_str("<h3>Latency p99 per node</h3>");
        out.push_str(&line_chart(
            "Latency p99 per node over time",
            "ms",
            &x,
            &p99s(&s.nodes),
        ));
    }
    out
}

/// The page.
pub fn render(r: &LoadReport) -> String {
    let f = &r.figures;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>Load report: {persona} {run}</title><style>{CSS}</style></head><body>\
         <h1>Load report: {persona}</h1><p>Run <code>{run}</code>, started {start}, \
         target {kind}, wire profile <code>{profile}</code>, shard {shard}. Result: {verdict}.</p>",
        persona = esc(&r.persona),
        kind = esc(&r.target_kind),
        run = esc(&r.run_id),
        start = esc(&r.started_at),
        profile = esc(&r.wire_profile),
        shard = esc(&r.shard),
        verdict = verdict(r.passed),
    );
    let _ = write!(
        out,
        "<h2>Summary</h2><table><tr><th>requests</th><th>duration</th><th>req/s</th>\
         <th>protocol errors</th><th>HTTP errors</th><th>transport errors</th><th>p50 ms</th>\
         <th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr><tr><td class=n>{}</td>\
         <td class=n>{:.1} s</td><td class=n>{:.1}</td><td class=n>{}</td><td class=n>{}</td>\
         <td class=n>{}</td><td class=n>{:.2}</td><td class=n>{:.2}</td><td class=n>{:.2}</td>\
         <td class=n>{:.2}</td></tr></table>",
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
    out.push_str(
        "<h2>Thresholds</h2><table><tr><th>rule</th><th>observed</th><th>outcome</th></tr>",
    );
    for t in &r.thresholds {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&t.rule),
            esc(&t.observed),
            verdict(t.passed)
        );
    }
    let p = &r.protocol;
    let _ = write!(
        out,
        "<tr><td><code>protocol errors &lt;= {}</code> (--max-protocol-errors)</td><td>{}</td>\
         <td>{}</td></tr></table>",
        r.max_protocol_errors,
        p.protocol_error_total,
        verdict(p.protocol_error_total <= r.max_protocol_errors)
    );
    out.push_str(&charts(f));
    out.push_str("<h2>Per transaction and per node</h2>");
    out.push_str(&group_table(
        "Per transaction (goose request name)",
        "transaction",
        &f.transactions,
    ));
    out.push_str(&group_table(
        "Per node (the control API apart)",
        "node",
        &f.nodes,
    ));
    let _ = write!(
        out,
        "<h2>Protocol checks</h2><table><tr><th>counter</th><th>value</th></tr>\
         <tr><td>checks passed</td><td class=n>{}</td></tr>\
         <tr><td>of which expected refusals</td><td class=n>{}</td></tr>\
         <tr><td>protocol errors</td><td class=n>{}</td></tr>\
         <tr><td>HTTP errors</td><td class=n>{}</td></tr>\
         <tr><td>transport errors</td><td class=n>{}</td></tr>\
         <tr><td>cross-node attempts</td><td class=n>{}</td></tr>\
         <tr><td>of which refused</td><td class=n>{}</td></tr>",
        p.checks_passed,
        p.expected_refusals,
        p.protocol_error_total,
        p.http_errors,
        p.transport_errors,
        p.cross_node_attempts,
        p.cross_node_refused
    );
    if let Some(wait) = p.code_wait_s {
        let _ = write!(
            out,
            "<tr><td>codes that never arrived (waited {wait} s)</td><td class=n>{}</td></tr>",
            p.codes_not_arrived
        );
    }
    out.push_str("</table>");
    if !p.protocol_errors.is_empty() {
        out.push_str("<table><tr><th>protocol error</th><th>count</th></tr>");
        for (kind, n) in &p.protocol_errors {
            let _ = write!(out, "<tr><td>{}</td><td class=n>{n}</td></tr>", esc(kind));
        }
        out.push_str("</table>");
    }
    out.push_str(&super::sinks::html(&r.sinks));
    out.push_str("<h2>Settings</h2><table>");
    for s in &r.settings {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&s.name),
            esc(&s.value)
        );
    }
    out.push_str("</table>");
    if !r.files.is_empty() {
        out.push_str("<h2>Files of this run</h2><table>");
        for s in &r.files {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(&s.name),
                esc(&s.value)
            );
        }
        out.push_str("</table>");
    }
    let _ = writeln!(
        out,
        "<p><small>{}; percentiles by nearest rank over every request's response time.</small></p></body></html>",
        esc(&r.tool)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_self_contained_and_draws_every_chart() {
        let (report, _) = super::super::tests::sample_report();
        let page = render(&report);
        assert!(page.contains("default-src 'none'"));
        for forbidden in ["<script", "src=", "href=", "url(", "@import"] {
            assert!(!page.contains(forbidden), "{forbidden} in the page");
        }
        // rps, latency, p99 per transaction, errors, and two per-node charts.
        assert_eq!(page.matches("<svg").count(), 6);
        assert!(page.contains("login &lt;1&gt;"));
        assert!(page.contains("node 2"));
        assert!(page.contains("error-rate&lt;1%"));
        assert!(page.contains("target swivel"));
        assert!(page.contains("codes that never arrived (waited 10 s)</td><td class=n>3</td>"));
        assert!(page.contains("<h2>Sinks</h2>"));
    }
}
