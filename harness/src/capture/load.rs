//! Reading a capture file safely: a file over the size cap is refused from its metadata
//! (and again if it grows while read), so a 1 GB file is never read into memory; the
//! JSON is parsed with serde_json's nesting limit, so deep nesting is an error and not
//! a stack overflow; and no error message quotes the file's contents (they may hold
//! codes or device ids), only where the problem is.

use std::io::Read;
use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use swivel_reference_server::har::Har;

/// Default cap on a capture file's size.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureFileError {
    /// Missing, unreadable, or not a regular file.
    #[error("cannot read the capture {path}: {source}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Over the size cap.
    #[error(
        "the capture {path} is {size} bytes, over the limit of {limit} bytes; split it (or raise --max-capture-bytes)"
    )]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// Its size (at least this much).
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// Not JSON, or not HAR.
    #[error("the capture {path} is not a HAR file: {problem}")]
    NotHar {
        /// The path given.
        path: PathBuf,
        /// What is wrong and where, never quoting the contents.
        problem: String,
    },
}

/// A capture read into memory.
#[derive(Debug, Clone)]
pub struct LoadedCapture {
    /// The parsed file.
    pub har: Har,
    /// Its file name, without the directory.
    pub file_name: String,
    /// SHA-256 of the bytes read, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Reads and parses the HAR file at `path`, refusing files over `max_bytes`.
pub fn load(path: &Path, max_bytes: u64) -> Result<LoadedCapture, CaptureFileError> {
    let read_error = |source| CaptureFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let too_large = |size| CaptureFileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit: max_bytes,
    };
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    let har = parse(&bytes).map_err(|problem| CaptureFileError::NotHar {
        path: path.to_path_buf(),
        problem,
    })?;
    Ok(LoadedCapture {
        har,
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    })
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    digest::digest(&digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses HAR JSON; the error says what and where without quoting the input.
pub fn parse(bytes: &[u8]) -> Result<Har, String> {
    serde_json::from_slice::<Har>(bytes).map_err(|e| describe(&e))
}

fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = e.to_string();
    let at = format!("line {} column {}", e.line(), e.column());
    match e.classify() {
        Category::Io => format!("it could not be read ({at})"),
        Category::Eof => format!("the JSON ends early, at {at} (truncated?)"),
        Category::Syntax if message.contains("recursion limit") => format!(
            "it nests deeper than serde_json's limit of 128 levels, at {at}; a HAR file nests 6"
        ),
        Category::Syntax => format!("it is not valid JSON (syntax error at {at})"),
        // serde's own words name fields (`missing field `log``) but quote values in
        // double quotes; those are left out.
        Category::Data if !message.contains('"') => {
            let what = message.split(" at line ").next().unwrap_or(&message);
            format!("it does not follow HAR 1.2 ({what}, at {at})")
        }
        Category::Data => {
            format!("it does not follow HAR 1.2 (a value of the wrong type at {at})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_where_but_never_quote_the_file() {
        let not_json = parse(b"SECRETCODE1 is not json").unwrap_err();
        assert!(not_json.contains("not valid JSON"), "{not_json}");
        assert!(!not_json.contains("SECRETCODE1"));
        let wrong =
            parse(br#"{"log":{"entries":[{"response":{"status":"SECRETCODE1"}}]}}"#).unwrap_err();
        assert!(wrong.contains("wrong type"), "{wrong}");
        assert!(!wrong.contains("SECRETCODE1"), "{wrong}");
        let missing = parse(b"{}").unwrap_err();
        assert!(missing.contains("missing field `log`"), "{missing}");
        // Deep nesting: skipped without recursion in a field of another tool's, a clear
        // error where HAR expects an object; never a stack overflow.
        let nest = |inner: &str| {
            format!(
                "{{\"log\":{{{inner}{}{}}}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
        };
        let skipped = parse(nest("\"_x\":").as_bytes()).unwrap();
        assert!(skipped.log.entries.is_empty());
        let typed = parse(nest("\"entries\":").as_bytes()).unwrap_err();
        assert!(typed.contains("does not follow HAR 1.2"), "{typed}");
        let top = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(
            parse(top.as_bytes())
                .unwrap_err()
                .contains("does not follow HAR 1.2")
        );
        assert!(
            parse(br#"{"log":{"entries":[]"#)
                .unwrap_err()
                .contains("ends early")
        );
    }

    #[test]
    fn sha256_of_the_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
