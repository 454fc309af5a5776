#![allow(clippy::unwrap_used, clippy::expect_used)]
//! temporary probe
use std::time::Instant;
use swivel_reference_server::domain::policy::StringType;
use swivel_reference_server::domain::strings::StringBook;
fn main() {
    let b = StringBook::new([7; 32], 1, StringType::Numeric, 99);
    let n = 20000;
    let t = Instant::now();
    let mut total = 0;
    for _ in 0..n {
        total += b.strings().len();
    }
    println!(
        "strings(): {:.2} us ({total})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for i in 1..=n {
        total += b.chars_at((i % 99 + 1) as u8).unwrap()[0] as usize;
    }
    println!(
        "chars_at avg: {:.2} us ({total})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
