//! The `swivel-harness` binary: a thin command-line layer over the library crates.
//! Exit codes (design.md): 0 all passed, 1 conformance failure, 2 usage or environment
//! error, 3 inconclusive only.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(cli::EXIT_ENVIRONMENT);
        }
    };
    match runtime.block_on(cli::dispatch(args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(cli::EXIT_ENVIRONMENT)
        }
    }
}

/// The error and its causes joined by `: `, leaving out a cause whose text the message
/// before it already ends with (many of our errors spell their cause in their own
/// message, so `{:#}` would print it twice).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[test]
    fn a_cause_spelt_in_its_error_is_printed_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot listen on 127.0.0.1:8080: {source}")]
        struct Bind {
            source: std::io::Error,
        }
        let io = std::io::Error::new(std::io::ErrorKind::AddrInUse, "Address already in use");
        let e = anyhow::Error::new(Bind { source: io }).context("cannot start the server");
        assert_eq!(
            error_chain(&e),
            "cannot start the server: cannot listen on 127.0.0.1:8080: Address already in use"
        );
        // A cause not spelt in the message above it is kept.
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_chain(&e), "outer: inner");
    }
}
