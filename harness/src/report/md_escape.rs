//! Markdown escaping for the Markdown report: inline text (table cells, labelled lines,
//! list items) and fenced code blocks whose fence is longer than any backtick run in the
//! body.

use super::text;

/// `s` safe as inline Markdown: characters Markdown or HTML would interpret are escaped,
/// `|` becomes `\|` (table cells) and line breaks become `<br>`.
pub(crate) fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
        at_start = false;
    }
    out
}

/// `s` escaped for raw HTML inside Markdown (`<summary>`): `&`, `<`, `>`, `"`.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block holding `body` verbatim (or `*(empty)*` for an empty body).
pub(crate) fn fenced(body: &str) -> String {
    if body.is_empty() {
        return "*(empty)*\n".to_string();
    }
    let fence = "`".repeat(text::longest_run(body, '`').max(2) + 1);
    let lang = if body.trim_start().starts_with('<') {
        "xml"
    } else {
        "text"
    };
    let nl = if body.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{lang}\n{body}{nl}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_escapes() {
        assert_eq!(inline("a|b\nc"), "a\\|b<br>c");
        assert_eq!(inline("<x> & *y*"), "&lt;x&gt; &amp; \\*y\\*");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("a-b"), "a-b");
        assert_eq!(inline("r\r\nn"), "r<br>n");
    }

    #[test]
    fn fences_outgrow_backticks() {
        assert_eq!(fenced("a"), "```text\na\n```\n");
        assert_eq!(fenced("```\n<x/>"), "````text\n```\n<x/>\n````\n");
        assert_eq!(fenced("<x/>\n"), "```xml\n<x/>\n```\n");
        assert_eq!(fenced(""), "*(empty)*\n");
    }
}
