//! A check for people and programs: a table for the terminal, a Markdown report and
//! JSON (the [`CheckReport`] model as it is). All three hold names, spellings and
//! counts only; the command scans them for the capture's values before writing.

use super::check::{CheckReport, PartRow, Verdict};

fn cell(text: Option<&str>) -> String {
    text.unwrap_or("-").to_string()
}

/// A Markdown table cell: `|` and markup characters escaped, one line.
fn md(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

fn summary_line(report: &CheckReport) -> String {
    let s = &report.summary;
    format!(
        "{} parts: {} match, {} contradicted, {} not shown",
        report.parts.len(),
        s.matches,
        s.contradicted,
        s.not_shown
    )
}

fn counts(map: &std::collections::BTreeMap<String, usize>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table printed on the terminal: the parts the capture shows, then the names of
/// those it does not.
pub fn table(report: &CheckReport) -> String {
    let c = &report.capture;
    let mut out = format!(
        "profile {} ({}) against capture {} (sha256 {})\n{} entries: classified {}; ignored {}\n\n",
        report.profile,
        report.profile_source,
        c.file,
        c.sha256,
        c.entries,
        counts(&c.classified),
        counts(&c.ignored),
    );
    let shown: Vec<&PartRow> = report
        .parts
        .iter()
        .filter(|r| r.verdict != Verdict::NotShown)
        .collect();
    let header = ["PART", "VERDICT", "PROFILE", "CAPTURE", "SEEN IN"];
    let rows: Vec<[String; 5]> = shown
        .iter()
        .map(|r| {
            [
                r.part.clone(),
                r.verdict.label().to_string(),
                cell(r.profile.as_deref()),
                cell(r.capture.as_deref()),
                cell(r.seen.as_deref()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, text) in widths.iter_mut().zip(row) {
            *w = (*w).max(text.chars().count()).min(48);
        }
    }
    let line = |cells: [&str; 5]| {
        let mut l = String::new();
        for (i, (text, w)) in cells.iter().zip(widths).enumerate() {
            if i == 4 {
                l.push_str(text);
            } else {
                l.push_str(&format!("{text:<w$}  "));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    out.push_str(&line(header));
    for row in &rows {
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    let hidden: Vec<&str> = report
        .parts
        .iter()
        .filter(|r| r.verdict == Verdict::NotShown)
        .map(|r| r.part.as_str())
        .collect();
    if !hidden.is_empty() {
        out.push_str(&format!(
            "\nnot shown by the capture: {}\n",
            hidden.join(", ")
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str(&format!("\n{}\n", summary_line(report)));
    out
}

/// The Markdown report.
pub fn markdown(report: &CheckReport) -> String {
    let c = &report.capture;
    let mut out = format!(
        "# Wire profile `{}` against capture `{}`\n\n",
        md(&report.profile),
        md(&c.file)
    );
    out.push_str(&format!(
        "- profile: `{}` ({})\n- capture: `{}`, {} bytes, SHA-256 `{}`\n- entries: {}; classified: {}; ignored: {}\n- **{}**\n\n",
        md(&report.profile),
        md(&report.profile_source),
        md(&c.file),
        c.bytes,
        c.sha256,
        c.entries,
        md(&counts(&c.classified)),
        md(&counts(&c.ignored)),
        summary_line(report)
    ));
    out.push_str(
        "A part **matches** when the capture shows the profile's value, is **CONTRADICTED** when it shows another (or the part absent, or a part the profile lacks), and is **not shown** when no exchange bears on it. Values are names and spellings only.\n\n",
    );
    out.push_str(
        "| part | evidence | verdict | profile | capture | seen in |\n|---|---|---|---|---|---|\n",
    );
    for r in &report.parts {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            md(&r.part),
            md(r.evidence.as_deref().unwrap_or("-")),
            r.verdict.label(),
            md(&cell(r.profile.as_deref())),
            md(&cell(r.capture.as_deref())),
            md(&cell(r.seen.as_deref())),
        ));
    }
    if !report.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for note in &report.notes {
            out.push_str(&format!("- {}\n", md(note)));
        }
    }
    out
}

/// The JSON report.
pub fn json(report: &CheckReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
