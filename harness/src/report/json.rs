//! The JSON report (`report.json`): the [`RunReport`] model serialized as pretty JSON. It is
//! the machine-readable record the other formats are derived from; its layout is
//! documented in `reports/README.md` and versioned by [`SCHEMA_VERSION`].

use super::model::{RunReport, SCHEMA_VERSION};

/// `report` as pretty-printed JSON with a trailing newline.
pub fn render_json(report: &RunReport) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // The model holds only strings, numbers, options and lists, so this cannot happen;
        // should it ever, the file still parses and says what went wrong.
        Err(e) => {
            let fallback = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "run_id": report.run_id,
                "error": format!("the report could not be serialized: {e}"),
            });
            format!("{fallback:#}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::sample_report;

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!("sample_json", render_json(&sample_report()));
    }

    #[test]
    fn json_round_trips() {
        let r = sample_report();
        let text = render_json(&r);
        assert!(text.ends_with("}\n"));
        let back: RunReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "interrupted");
        assert_eq!(v["cases"][1]["verdict"], "FAIL");
        assert_eq!(v["cases"][0]["transcript"][1]["kind"], "exchange");
        assert_eq!(v["cases"][6]["verdict"], "NOT-RUN");
    }

    /// reports/README.md documents every field, transcript kind and verdict the JSON holds.
    #[test]
    fn readme_documents_every_field() {
        fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        out.push(k.clone());
                        keys(v, out);
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
                _ => {}
            }
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let report = sample_report();
        let value: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
        let mut names = Vec::new();
        keys(&value, &mut names);
        for kind in ["exchange", "control", "clock", "log", "check", "note"] {
            names.push(format!("\"kind\": \"{kind}\""));
        }
        for v in crate::report::text::VERDICTS {
            names.push(v.as_str().to_string());
        }
        for name in names {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{} does not document `{name}`",
                path.display()
            );
        }
    }
}
