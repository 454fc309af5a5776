//! The one-time code a user types for a security string (OTC-1): the characters at the
//! user's PIN positions among the string's first ten (a PIN digit 0 stands for the 10th
//! character), followed by the string's two-digit index (3.10+ form, no comma).

/// Characters of a string that carry OTC characters.
const STRING_CHARS: usize = 10;
/// Characters of the index that follows them.
const INDEX_CHARS: usize = 2;

/// The OTC for `string` under `pin`, e.g. PIN 3759 on `491827630507` → `162007`.
/// `None` when the PIN is not all ASCII digits (or empty), or the string is not ten
/// characters followed by a two-digit index.
pub fn otc_for(pin: &str, string: &str) -> Option<String> {
    let chars: Vec<char> = string.chars().collect();
    if chars.len() != STRING_CHARS + INDEX_CHARS {
        return None;
    }
    let suffix: String = chars.get(STRING_CHARS..)?.iter().collect();
    if !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    app_otc(pin, string, suffix.parse().ok()?)
}

/// The OTC the app makes for `index` from the string it took for that index (CLI-5):
/// the characters at the PIN positions among the string's first ten, followed by the
/// two digits of `index` itself. The app trusts the position: it never reads the
/// string's own index suffix, so a reply whose positions are shifted gives OTCs the
/// server refuses. `None` when the PIN is not all digits, the string has fewer than ten
/// characters, or `index` is not 1..=99.
pub fn app_otc(pin: &str, string: &str, index: usize) -> Option<String> {
    if pin.is_empty() || !(1..=99).contains(&index) {
        return None;
    }
    let chars: Vec<char> = string.chars().take(STRING_CHARS).collect();
    if chars.len() != STRING_CHARS {
        return None;
    }
    let mut otc = String::with_capacity(pin.len() + INDEX_CHARS);
    for digit in pin.chars() {
        let position = match digit.to_digit(10)? {
            0 => STRING_CHARS,
            d => usize::try_from(d).ok()?,
        };
        otc.push(*chars.get(position - 1)?);
    }
    otc.push_str(&format!("{index:02}"));
    Some(otc)
}

#[cfg(test)]
mod tests {
    use super::{app_otc, otc_for};

    #[test]
    fn the_app_appends_the_index_it_asked_for() {
        assert_eq!(
            app_otc("3759", "491827630507", 7).as_deref(),
            Some("162007")
        );
        // A string of index 06 found at position 5 still gets 05: the server refuses it.
        assert_eq!(
            app_otc("3759", "491827630506", 5).as_deref(),
            Some("162005")
        );
        assert_eq!(app_otc("0", "123456789X", 1).as_deref(), Some("X01"));
        assert_eq!(app_otc("3759", "", 1), None);
        assert_eq!(app_otc("3759", "491827630507", 0), None);
        assert_eq!(app_otc("3759", "491827630507", 100), None);
        assert_eq!(app_otc("3x", "491827630507", 1), None);
    }

    #[test]
    fn protocol_example() {
        // PIN 3759 on 4918276305: 3rd, 7th, 5th, 9th characters = 1620.
        assert_eq!(otc_for("3759", "491827630507").as_deref(), Some("162007"));
    }

    #[test]
    fn pin_digit_zero_is_the_tenth_character() {
        assert_eq!(otc_for("0", "123456789X01").as_deref(), Some("X01"));
        assert_eq!(otc_for("90210", "ABCDEFGHIJ42").as_deref(), Some("IJBAJ42"));
    }

    #[test]
    fn letters_are_kept() {
        assert_eq!(otc_for("12", "abcdefghij99").as_deref(), Some("ab99"));
    }

    #[test]
    fn bad_inputs_give_none() {
        assert_eq!(otc_for("", "491827630507"), None);
        assert_eq!(otc_for("37a9", "491827630507"), None);
        assert_eq!(otc_for("3759", "4918276305"), None);
        assert_eq!(otc_for("3759", "49182763050"), None);
        assert_eq!(otc_for("3759", "4918276305077"), None);
        assert_eq!(otc_for("3759", "4918276305x7"), None);
    }
}
