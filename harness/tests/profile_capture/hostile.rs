//! Hostile and foreign capture files: not JSON, 1 GB, deeply nested, base64 bodies,
//! unrelated traffic, no file at all. Each ends in a clear error (exit 2) or a count of
//! ignored entries, never a panic.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{check_json, harness, mobile, workdir};

fn check(path: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "profile",
        "check",
        "--capture",
        path.to_str().unwrap(),
        "--out-dir",
    ];
    let out = workdir().join("hostile-reports");
    args.push(out.to_str().unwrap());
    args.extend_from_slice(extra);
    harness(&args)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_file_that_is_not_json_is_a_clear_error() {
    let path = workdir().join("not-json.har");
    std::fs::write(&path, "<html>SECRETVALUE1 is not a capture</html>").unwrap();
    let out = check(&path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("is not a HAR file") && err.contains("not valid JSON"),
        "{err}"
    );
    assert!(
        !err.contains("SECRETVALUE1"),
        "the error quotes the file: {err}"
    );
    for missing in [workdir().join("no-such.har"), workdir().to_path_buf()] {
        let out = check(&missing, &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("cannot read the capture"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_1_gb_file_is_refused_without_being_read() {
    let path = workdir().join("huge.har");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: a gigabyte on paper, nothing on disk.
    file.set_len(1 << 30).unwrap();
    let started = Instant::now();
    let out = check(&path, &[]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("1073741824 bytes, over the limit"), "{err}");
    let _ = std::fs::remove_file(&path);
    // The cap is an option.
    let small = workdir().join("small.har");
    std::fs::write(&small, r#"{"log":{"entries":[]}}"#).unwrap();
    let out = check(&small, &["--max-capture-bytes", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("over the limit of 10 bytes"));
}

#[test]
fn deep_nesting_is_skipped_or_refused_never_a_crash() {
    let nest = |key: &str| {
        format!(
            r#"{{"log":{{"{key}":{}{}}}}}"#,
            "[".repeat(200_000),
            "]".repeat(200_000)
        )
    };
    let path = workdir().join("deep-ignored.har");
    std::fs::write(&path, nest("_tool")).unwrap();
    let out = check(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 entries"));
    let path = workdir().join("deep-entries.har");
    std::fs::write(&path, nest("entries")).unwrap();
    let out = check(&path, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not follow HAR 1.2"),
        "{}",
        stderr(&out)
    );
}

/// The mobile capture with every body base64-encoded, as tools do for binary bodies.
fn base64_copy() -> std::path::PathBuf {
    use base64::Engine as _;
    let mut har: Value = serde_json::from_slice(&std::fs::read(mobile().path()).unwrap()).unwrap();
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    for entry in har["log"]["entries"].as_array_mut().unwrap() {
        if let Some(text) = entry["response"]["content"]["text"].as_str().map(b64) {
            entry["response"]["content"]["text"] = json!(text);
            entry["response"]["content"]["encoding"] = json!("base64");
        }
        if let Some(text) = entry["request"]["postData"]["text"].as_str().map(b64) {
            entry["request"]["postData"]["text"] = json!(text);
            entry["request"]["postData"]["encoding"] = json!("base64");
            entry["request"]["postData"]["params"] = json!([]);
        }
    }
    let path = workdir().join("base64.har");
    std::fs::write(&path, serde_json::to_vec(&har).unwrap()).unwrap();
    path
}

#[test]
fn base64_bodies_are_decoded_and_checked_like_text() {
    let (code, plain) = check_json(mobile().path_str(), "mobile-3.6", "plain");
    let (code64, encoded) = check_json(base64_copy().to_str().unwrap(), "mobile-3.6", "base64");
    assert_eq!((code, code64), (Some(0), Some(0)));
    assert_eq!(plain["parts"], encoded["parts"]);
    assert_eq!(
        plain["capture"]["classified"],
        encoded["capture"]["classified"]
    );
}

#[test]
fn unrelated_traffic_is_counted_as_ignored() {
    let entry = |method: &str, url: &str, body: &str, reply: &str| {
        json!({
            "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
            "request": {"method": method, "url": url, "httpVersion": "HTTP/2",
                        "headers": [{"name": "content-type", "value": "application/json"}],
                        "postData": {"mimeType": "application/json", "text": body}},
            "response": {"status": 200, "content": {"size": 2, "mimeType": "text/html", "text": reply}},
        })
    };
    let mut entries = vec![
        entry(
            "GET",
            "https://example.com/",
            "",
            "<html><body>hi</body></html>",
        ),
        entry(
            "POST",
            "https://api.example.com/v1/events",
            r#"{"a":1}"#,
            "{}",
        ),
        entry("GET", "wss://example.com/socket", "", ""),
        entry(
            "POST",
            "https://example.com/form",
            "<xml><nothing/></xml>",
            "ok",
        ),
        entry("GET", "not a url at all", "", ""),
    ];
    let only = workdir().join("unrelated.har");
    std::fs::write(&only, json!({"log": {"entries": entries}}).to_string()).unwrap();
    let (code, report) = check_json(only.to_str().unwrap(), "mobile-3.6", "unrelated");
    assert_eq!(code, Some(0), "nothing contradicts: nothing is shown");
    assert_eq!(report["capture"]["entries"], 5);
    let ignored: u64 = report["capture"]["ignored"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(ignored, 5, "{report}");
    assert_eq!(report["summary"]["matches"], 0);

    // Mixed into a real capture, they are counted and change no verdict.
    let mut har: Value = serde_json::from_slice(&std::fs::read(mobile().path()).unwrap()).unwrap();
    let real = har["log"]["entries"].as_array().unwrap().len();
    entries.extend(har["log"]["entries"].as_array().unwrap().iter().cloned());
    har["log"]["entries"] = json!(entries);
    let mixed = workdir().join("mixed.har");
    std::fs::write(&mixed, har.to_string()).unwrap();
    let (code, mixed_report) = check_json(mixed.to_str().unwrap(), "mobile-3.6", "mixed");
    let (_, plain) = check_json(mobile().path_str(), "mobile-3.6", "plain-for-mixed");
    assert_eq!(code, Some(0));
    assert_eq!(mixed_report["capture"]["entries"], real + 5);
    assert_eq!(mixed_report["parts"], plain["parts"]);
}
