//! The characters of a string book (SS-3, SS-6): drawn uniformly from the string type's
//! alphabet out of a ChaCha12 stream, a block of random bytes at a time. A byte below
//! the largest multiple of the alphabet's size maps to `alphabet[byte % size]`, a byte
//! above it is skipped, so every character is equally likely (no modulo bias).
//!
//! This is every download's hot path (990 characters), so the mapping is a 256-entry
//! table per string type, built at compile time (0 marks a skipped byte), applied to a
//! 256-byte block without a branch per character.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha12Rng;

use super::policy::StringType;

/// Random bytes drawn at a time: four ChaCha blocks, what the generator makes per round.
const BLOCK: usize = 256;

/// Byte → character of `alphabet`, or 0 for a byte that must be skipped.
const fn table(alphabet: &[u8]) -> [u8; 256] {
    let size = if alphabet.is_empty() {
        1
    } else {
        alphabet.len()
    };
    let limit = 256 - 256 % size;
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < limit && !alphabet.is_empty() {
        table[byte] = alphabet[byte % size];
        byte += 1;
    }
    table
}

static NUMERIC: [u8; 256] = table(StringType::Numeric.alphabet());
static UPPER: [u8; 256] = table(StringType::Upper.alphabet());
static LOWER: [u8; 256] = table(StringType::Lower.alphabet());
static MIXED: [u8; 256] = table(StringType::Mixed.alphabet());
static ALPHANUMERIC: [u8; 256] = table(StringType::Alphanumeric.alphabet());

fn table_of(string_type: StringType) -> &'static [u8; 256] {
    match string_type {
        StringType::Numeric => &NUMERIC,
        StringType::Upper => &UPPER,
        StringType::Lower => &LOWER,
        StringType::Mixed => &MIXED,
        StringType::Alphanumeric => &ALPHANUMERIC,
    }
}

/// Fills `out` with the first `out.len()` characters of the stream of (`seed`,
/// `generation`) for `string_type`: string i (from 0) is `out[10 i..10 i + 10]`.
pub(crate) fn fill(seed: [u8; 32], generation: u32, string_type: StringType, out: &mut [u8]) {
    let mut rng = ChaCha12Rng::from_seed(seed);
    rng.set_stream(u64::from(generation));
    let table = table_of(string_type);
    let mut block = [0u8; BLOCK];
    let mut kept = [0u8; BLOCK];
    let mut n = 0;
    while n < out.len() {
        rng.fill_bytes(&mut block);
        let mut k = 0;
        for &byte in &block {
            let c = table[usize::from(byte)];
            // A skipped byte is written too, and overwritten by the next character; `k`
            // is at most the byte's position here, so the mask never wraps.
            kept[k & (BLOCK - 1)] = c;
            k += usize::from(c != 0);
        }
        let take = k.min(out.len() - n);
        let (Some(to), Some(from)) = (out.get_mut(n..n + take), kept.get(..take)) else {
            break;
        };
        to.copy_from_slice(from);
        n += take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time reading of the same rule, as first written: `fill` must give
    /// exactly its characters (a download and a later login recompute the same strings).
    fn reference(seed: [u8; 32], generation: u32, t: StringType, count: usize) -> Vec<u8> {
        let mut rng = ChaCha12Rng::from_seed(seed);
        rng.set_stream(u64::from(generation));
        let alphabet = t.alphabet();
        let size = alphabet.len().clamp(1, 256) as u16;
        let limit = 256 - 256 % size;
        let mut block = [0u8; 64];
        let mut pos = 64;
        let mut out = Vec::new();
        while out.len() < count {
            if pos == block.len() {
                rng.fill_bytes(&mut block);
                pos = 0;
            }
            let byte = u16::from(block[pos]);
            pos += 1;
            if byte < limit {
                out.push(alphabet[usize::from(byte) % alphabet.len()]);
            }
        }
        out
    }

    #[test]
    fn fill_gives_the_byte_at_a_time_characters() {
        for t in [
            StringType::Numeric,
            StringType::Upper,
            StringType::Lower,
            StringType::Mixed,
            StringType::Alphanumeric,
        ] {
            for (seed, generation) in [([7u8; 32], 1), ([200u8; 32], 77), ([0u8; 32], 0)] {
                for count in [0, 1, 10, 255, 256, 990, 2550] {
                    let mut out = vec![0u8; count];
                    fill(seed, generation, t, &mut out);
                    assert_eq!(out, reference(seed, generation, t, count), "{t:?} {count}");
                }
            }
        }
    }

    #[test]
    fn tables_skip_exactly_the_bytes_above_the_last_multiple() {
        assert_eq!(NUMERIC.iter().filter(|&&c| c == 0).count(), 6);
        assert_eq!(MIXED.iter().filter(|&&c| c == 0).count(), 256 % 52);
        assert_eq!(NUMERIC[249], b'9');
        assert_eq!(NUMERIC[250], 0);
    }
}
