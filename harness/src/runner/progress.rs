//! Progress while a run goes: a bar on a terminal, one line per finished case otherwise
//! (CI logs), both on stderr so stdout keeps only the summary.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::report::CaseReport;

/// Reports finished cases.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    /// A bar when stderr is a terminal, lines otherwise; nothing when `quiet`.
    pub fn new(total: usize, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} cases {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            total: if quiet { 0 } else { total },
            done: 0,
        }
    }

    /// One case finished.
    pub fn finished(&mut self, case: &CaseReport) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{} {}", case.verdict, case.id));
                bar.inc(1);
            }
            None if self.total > 0 => {
                let width = self.total.to_string().len();
                let _ = writeln!(
                    std::io::stderr(),
                    "[{:>width$}/{}] {:<12} {} ({} ms){}",
                    self.done,
                    self.total,
                    case.verdict.as_str(),
                    case.id,
                    case.duration_ms,
                    case.reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default(),
                );
            }
            None => {}
        }
    }

    /// The run ended.
    pub fn close(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
