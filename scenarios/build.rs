//! Embeds every `suites/*.toml` file: generates the `SUITES` table so a new suite file is
//! picked up without editing code.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("suites");
    println!("cargo::rerun-if-changed=suites");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut table = String::from("&[\n");
    for name in &names {
        let _ = writeln!(
            table,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/suites/{name}\"))),"
        );
    }
    table.push(']');
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("suites.rs"), table) {
        panic!("cannot write the suites table: {e}");
    }
}
