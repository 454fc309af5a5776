//! Makes goose's own `report.html` open without a network. Goose 0.19 loads its chart
//! library (ECharts) from a public CDN with a `<script src="https://…">` tag; on an
//! isolated network its charts stay empty, elsewhere opening the page reaches a third
//! party. This rewrite removes every external script tag, puts in its place a tiny inline
//! stand-in for the library that writes "see load-report.html" where each chart would
//! be (goose's tables are untouched), and adds a Content-Security-Policy that refuses
//! any other request the page might make.

use std::path::Path;

use super::{HTML_FILE, LoadReportError, write_atomic};

/// What may load: inline scripts and styles only.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   img-src data:; base-uri 'none'; form-action 'none'";

/// The marker left in a rewritten page (so a second rewrite changes nothing).
const MARKER: &str = "swivel-harness: offline";

/// Stands in for the chart library: each chart box gets a line pointing at our report.
fn stand_in() -> String {
    format!(
        "<script>/* {MARKER}: goose's chart library came from a CDN and was removed so this \
         page makes no network request; the charts are in {HTML_FILE}. */\
         var echarts={{init:function(el){{el.style.height='auto';el.style.width='auto';\
         el.style.color='#222';el.style.padding='0.6em';\
         el.textContent='Chart left out so that this page makes no network request: \
         see {HTML_FILE} beside this file.';var n=function(){{}};\
         return {{setOption:n,resize:n,on:n,dispose:n}};}}}};</script>"
    )
}

/// Byte range of the next `<script …>…</script>` whose opening tag has a `src` outside
/// the page (http, https or protocol-relative), from `from`.
fn next_external_script(html: &str, from: usize) -> Option<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let mut at = from;
    while let Some(rel) = lower.get(at..)?.find("<script") {
        let start = at + rel;
        let open_end = start + lower.get(start..)?.find('>')? + 1;
        let tag = lower.get(start..open_end)?;
        let close = lower
            .get(open_end..)?
            .find("</script>")
            .map_or(open_end, |i| open_end + i + "</script>".len());
        let external = ["src=\"http", "src='http", "src=http", "src=\"//", "src='//"]
            .iter()
            .any(|p| tag.contains(p));
        if external {
            return Some((start, close));
        }
        at = close.max(open_end);
    }
    None
}

/// The page without external scripts, with the stand-in and the policy; `None` when it
/// was rewritten already. Also returns how many external scripts were removed.
pub fn make_offline(html: &str) -> Option<(String, usize)> {
    if html.contains(MARKER) {
        return None;
    }
    let mut out = String::with_capacity(html.len() + 1024);
    let mut removed = 0;
    let mut at = 0;
    while let Some((start, end)) = next_external_script(html, at) {
        out.push_str(html.get(at..start).unwrap_or_default());
        at = end;
        removed += 1;
    }
    out.push_str(html.get(at..).unwrap_or_default());
    let head = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">{}",
        stand_in()
    );
    let lower = out.to_ascii_lowercase();
    // Right after <head …>, so the policy covers everything after it.
    let insert_at = lower
        .find("<head")
        .and_then(|h| lower.get(h..).and_then(|r| r.find('>')).map(|e| h + e + 1))
        .unwrap_or(0);
    out.insert_str(insert_at, &head);
    Some((out, removed))
}

/// Rewrites goose's HTML report at `path` in place (atomically); returns how many
/// external scripts were removed (0 when the page was rewritten already).
pub fn rewrite_file(path: &Path) -> Result<usize, LoadReportError> {
    let html = std::fs::read_to_string(path).map_err(|source| LoadReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    match make_offline(&html) {
        None => Ok(0),
        Some((page, removed)) => {
            write_atomic(path, page.as_bytes())?;
            Ok(removed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cdn_script_goes_and_the_stand_in_and_policy_come() {
        let page = "<!DOCTYPE html><html><head><title>x</title><style>a{}</style>\n    \
            <script src=\"https://cdn.jsdelivr.net/npm/echarts@5.2.2/dist/echarts.min.js\"></script>\n\
            </head><body><script type=\"text/javascript\">var c = echarts.init(d);</script>\
            <SCRIPT SRC='//cdn.example/x.js'></SCRIPT></body></html>";
        let (out, removed) = make_offline(page).unwrap();
        assert_eq!(removed, 2);
        assert!(!out.contains("cdn."));
        assert!(out.contains("echarts.init(d)"), "inline scripts stay");
        assert!(out.contains("<head><meta http-equiv=\"Content-Security-Policy\""));
        assert!(out.contains("var echarts="));
        assert!(
            make_offline(&out).is_none(),
            "a second rewrite changes nothing"
        );
    }
}
