//! Security strings (SS-3, SS-4, SS-6) and one-time codes (OTC-1). A device stores a
//! 32-byte seed and a small "book" per download instead of 99 strings: the strings of a
//! download are derived from (seed, generation) with ChaCha12 ([`string_chars`]), so a
//! million provisioned users fit in memory and a login recomputes the one string it needs.

use super::policy::StringType;
use super::string_chars;

/// Strings in one download (SS-3).
pub const STRINGS_PER_DOWNLOAD: u8 = 99;
/// Characters of a string before its two-digit index (SS-3).
pub const STRING_CHARS: usize = 10;
/// The characters of a normal download.
const DOWNLOAD_CHARS: usize = STRINGS_PER_DOWNLOAD as usize * STRING_CHARS;
/// The most characters a book can hold: 255 strings (its count is a `u8`).
const MAX_CHARS: usize = 255 * STRING_CHARS;

/// One download's worth of strings: enough to recompute them and to know which were
/// used. 56 bytes instead of 99 × 12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringBook {
    pub(crate) seed: [u8; 32],
    pub(crate) generation: u32,
    pub(crate) string_type: StringType,
    pub(crate) count: u8,
    /// Bit i set: the string with index i + 1 has authenticated (OTC-1).
    pub(crate) used: u128,
}

impl StringBook {
    /// A fresh, unused book.
    pub fn new(seed: [u8; 32], generation: u32, string_type: StringType, count: u8) -> Self {
        Self {
            seed,
            generation,
            string_type,
            count,
            used: 0,
        }
    }

    /// The strings as the app receives them: 10 characters then the index, 01..=count.
    pub fn strings(&self) -> Vec<String> {
        self.with_chars(|chars| {
            (1..=self.count)
                .zip(chars.chunks_exact(STRING_CHARS))
                .map(|(index, string)| {
                    let mut s = String::with_capacity(STRING_CHARS + 2);
                    s.extend(string.iter().map(|&b| char::from(b)));
                    s.push(char::from(b'0' + index / 10));
                    s.push(char::from(b'0' + index % 10));
                    s
                })
                .collect()
        })
    }

    /// The strings joined by `separator`, written straight into one buffer: what a
    /// download reply carries, without 99 separate allocations.
    pub fn joined(&self, separator: char) -> String {
        let mut out = String::with_capacity(usize::from(self.count) * (STRING_CHARS + 3));
        self.write_joined(&mut out, separator.encode_utf8(&mut [0; 4]));
        out
    }

    /// Appends the strings joined by `separator` to `out` (the reply writer's buffer).
    pub fn write_joined(&self, out: &mut String, separator: &str) {
        out.push_str(&self.text("", separator));
    }

    /// `lead`, then the strings joined by `separator`: a reply's whole text, written in
    /// place in one buffer (each string as 10 characters and 2 digits at a fixed offset).
    pub fn text(&self, lead: &str, separator: &str) -> String {
        let (lead, separator) = (lead.as_bytes(), separator.as_bytes());
        let count = usize::from(self.count);
        let record = STRING_CHARS + 2 + separator.len();
        let mut text = vec![0u8; lead.len() + count * record - separator.len().min(count * record)];
        let (head, body) = text.split_at_mut(lead.len());
        head.copy_from_slice(lead);
        self.with_chars(|chars| {
            let strings = (1..=self.count).zip(chars.chunks_exact(STRING_CHARS));
            for (slot, (index, string)) in body.chunks_mut(record).zip(strings) {
                let (chars, rest) = slot.split_at_mut(STRING_CHARS.min(slot.len()));
                chars.copy_from_slice(string);
                if let [tens, units, tail @ ..] = rest {
                    *tens = b'0' + index / 10;
                    *units = b'0' + index % 10;
                    // The last string has no separator after it.
                    if tail.len() == separator.len() {
                        tail.copy_from_slice(separator);
                    }
                }
            }
        });
        // ASCII characters and digits around `&str` lead and separators: always UTF-8,
        // checked in one pass rather than pushed a `char` at a time.
        String::from_utf8(text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// The 10 characters of the string with `index` (1-based), if the book holds it.
    pub fn chars_at(&self, index: u8) -> Option<[u8; STRING_CHARS]> {
        if index == 0 || index > self.count {
            return None;
        }
        let mut chars = [0u8; MAX_CHARS];
        let end = usize::from(index) * STRING_CHARS;
        let chars = chars.get_mut(..end)?;
        string_chars::fill(self.seed, self.generation, self.string_type, chars);
        chars.get(end - STRING_CHARS..)?.try_into().ok()
    }

    /// Whether the string with `index` has authenticated already.
    pub fn is_used(&self, index: u8) -> bool {
        index >= 1 && self.used & (1u128 << (index - 1)) != 0
    }

    /// Marks the string with `index` as used.
    pub fn mark_used(&mut self, index: u8) {
        if (1..=self.count).contains(&index) {
            self.used |= 1u128 << (index - 1);
        }
    }

    /// The lowest unused index, if any string is left (TokenIndex).
    pub fn next_unused(&self) -> Option<u8> {
        (1..=self.count).find(|&i| !self.is_used(i))
    }

    /// The characters of every string of the book, in `buffer`.
    fn fill<'b>(&self, buffer: &'b mut [u8; MAX_CHARS]) -> &'b [u8] {
        let chars = &mut buffer[..usize::from(self.count) * STRING_CHARS];
        string_chars::fill(self.seed, self.generation, self.string_type, chars);
        chars
    }

    /// Calls `with` on the characters of every string of the book, generated into a
    /// buffer on the stack just large enough for a normal download.
    fn with_chars<T>(&self, with: impl FnOnce(&[u8]) -> T) -> T {
        let len = usize::from(self.count) * STRING_CHARS;
        let mut usual = [0u8; DOWNLOAD_CHARS];
        match usual.get_mut(..len) {
            Some(chars) => {
                string_chars::fill(self.seed, self.generation, self.string_type, chars);
                with(chars)
            }
            None => {
                let mut buffer = [0u8; MAX_CHARS];
                with(self.fill(&mut buffer))
            }
        }
    }
}

/// The OTC for a string: the characters at the PIN's positions, a PIN digit 0 standing
/// for the 10th character (OTC-1). `None` if the PIN holds a non-digit.
pub fn otc_for(pin: &str, chars: &[u8; STRING_CHARS]) -> Option<String> {
    pin.bytes()
        .map(|d| {
            let digit = usize::from(d.checked_sub(b'0').filter(|v| *v <= 9)?);
            let position = if digit == 0 { 10 } else { digit };
            Some(char::from(chars[position - 1]))
        })
        .collect()
}

/// Splits what the user typed into the OTC and the two-digit index (3.10+ form, no comma).
pub fn split_otc_input(input: &str) -> Option<(&str, u8)> {
    let split = input.len().checked_sub(2)?;
    if !input.is_char_boundary(split) {
        return None;
    }
    let (otc, index) = input.split_at(split);
    if !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((otc, index.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(t: StringType) -> StringBook {
        StringBook::new([7; 32], 1, t, STRINGS_PER_DOWNLOAD)
    }

    #[test]
    fn otc1_documented_example() {
        let chars: [u8; 10] = *b"4918276305";
        assert_eq!(otc_for("3759", &chars).as_deref(), Some("1620"));
        // A PIN digit 0 stands for the 10th character.
        assert_eq!(otc_for("0", &chars).as_deref(), Some("5"));
    }

    #[test]
    fn ss3_download_holds_99_strings_of_10_chars_and_index() {
        let strings = book(StringType::Numeric).strings();
        assert_eq!(strings.len(), 99);
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(s.len(), 12);
            assert_eq!(&s[10..], format!("{:02}", i + 1));
            assert!(s[..10].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn joined_is_the_strings_joined() {
        let b = book(StringType::Alphanumeric);
        assert_eq!(b.joined(';'), b.strings().join(";"));
        assert_eq!(b.text("0;", "--"), format!("0;{}", b.strings().join("--")));
        assert_eq!(b.text("", ""), b.strings().concat());
        let empty = StringBook::new([1; 32], 1, StringType::Numeric, 0);
        assert_eq!(empty.text("x", ";"), "x");
        let one = StringBook::new([1; 32], 1, StringType::Numeric, 1);
        assert_eq!(one.text("", ";"), one.strings().join(";"));
    }

    #[test]
    fn chars_at_matches_the_downloaded_string() {
        let b = book(StringType::Mixed);
        let strings = b.strings();
        for index in [1u8, 50, 99] {
            let chars = b.chars_at(index).unwrap();
            assert_eq!(chars, strings[usize::from(index) - 1].as_bytes()[..10]);
        }
        assert_eq!(b.chars_at(0), None);
        assert_eq!(b.chars_at(100), None);
    }

    #[test]
    fn ss4_new_generation_gives_new_strings() {
        let a = StringBook::new([7; 32], 1, StringType::Numeric, 99).strings();
        let b = StringBook::new([7; 32], 2, StringType::Numeric, 99).strings();
        assert_ne!(a, b);
    }

    #[test]
    fn ss6_string_types_use_their_alphabet() {
        for t in [
            StringType::Numeric,
            StringType::Upper,
            StringType::Lower,
            StringType::Mixed,
            StringType::Alphanumeric,
        ] {
            for s in book(t).strings() {
                assert!(
                    s[..10].bytes().all(|b| t.alphabet().contains(&b)),
                    "{t:?}: {s}"
                );
            }
        }
    }

    #[test]
    fn used_bits_and_next_unused() {
        let mut b = book(StringType::Numeric);
        assert_eq!(b.next_unused(), Some(1));
        b.mark_used(1);
        b.mark_used(2);
        assert!(b.is_used(2));
        assert_eq!(b.next_unused(), Some(3));
        for i in 1..=99 {
            b.mark_used(i);
        }
        assert_eq!(b.next_unused(), None);
    }

    #[test]
    fn otc_input_splits_off_the_index() {
        assert_eq!(split_otc_input("162007"), Some(("1620", 7)));
        assert_eq!(split_otc_input("1"), None);
        assert_eq!(split_otc_input("1620a7"), None);
        assert_eq!(split_otc_input("16é07"), Some(("16é", 7)));
    }
}
