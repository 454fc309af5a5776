//! The declarative conformance suites. This crate holds data only: every
//! `suites/*.toml` file is embedded at build time (see `build.rs`), in file-name order.
//! The format is documented in `scenarios/README.md`.

/// Every embedded suite as (file name, TOML text).
pub const SUITES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/suites.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
        let on_disk = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "toml")
            })
            .count();
        assert_eq!(SUITES.len(), on_disk);
        assert!(SUITES.len() >= 10);
    }
}
