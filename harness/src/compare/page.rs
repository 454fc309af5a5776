//! What the comparison pages share: the self-contained HTML page frame (inline CSS, a
//! Content-Security-Policy refusing every request) and the escaping of text for HTML
//! and for Markdown table cells.

pub(crate) use crate::load_test::report::markdown::cell as md;
pub(crate) use crate::report::escape_html as esc;

/// Nothing may load except inline styles.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:64em;\
color:#222;padding:0 1em}table{border-collapse:collapse;margin:.5em 0 1.5em}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.PASS{color:#05620b;font-weight:bold}\
.FAIL{color:#a00;font-weight:bold}.WITHIN-NOISE{color:#8a5a00;font-weight:bold}\
ul.d{margin:.2em 0;padding-left:1.2em;font-size:.9em}code{font-size:.92em}";

/// A whole page around `body` (already HTML).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{CSS}</style></head><body><h1>{t}</h1>{body}</body></html>\n",
        t = esc(title)
    )
}

/// A status word styled by its class (`PASS`, `FAIL`, `WITHIN-NOISE`).
pub(crate) fn status(word: &str) -> String {
    format!("<span class=\"{w}\">{w}</span>", w = esc(word))
}
