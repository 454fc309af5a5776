//! The strings reply as a client reads it (SS-3, WIRE-4): `<SecurityStrings>` split on
//! the profile's separator, and the string of index *i* taken from the position the
//! profile's layout gives (position *i* under `indexed`, as the real app does, with no
//! look at the string's own index suffix). [`check_layout`] is the one judge of the
//! layout, used by the scenario check and the load personas alike.

use crate::profile::{StringsLayout, WireProfile};

/// The split positions of a strings reply.
pub fn positions<'t>(text: &'t str, profile: &WireProfile) -> Vec<&'t str> {
    text.split(profile.strings.separator.as_str()).collect()
}

/// The string a client takes for `index` (1-based): whatever sits at that position.
pub fn string_for_index<'t>(text: &'t str, index: usize, profile: &WireProfile) -> Option<&'t str> {
    if index == 0 {
        return None;
    }
    positions(text, profile)
        .get(profile.strings.layout.position_of(index))
        .copied()
}

/// The strings of indexes 1..=n in order, as a client would take them (positions past
/// the end are left out).
pub fn strings_in_order<'t>(text: &'t str, profile: &WireProfile) -> Vec<&'t str> {
    let all = positions(text, profile);
    match profile.strings.layout {
        StringsLayout::Indexed => all.into_iter().skip(1).collect(),
        StringsLayout::Packed => all,
    }
}

/// Checks that `text` holds `count` strings of `chars` characters plus a two-digit
/// index, each at the position the layout gives its index, and (under `indexed`) the
/// expected position 0. The error says what a client would get wrong.
pub fn check_layout(
    text: &str,
    profile: &WireProfile,
    count: usize,
    chars: usize,
) -> Result<(), String> {
    let all = positions(text, profile);
    let layout = profile.strings.layout;
    let lead = match layout {
        StringsLayout::Indexed => 1,
        StringsLayout::Packed => 0,
    };
    if all.len() != count + lead {
        return Err(format!(
            "{} positions after splitting on '{}', where {} strings in the {} layout give {}",
            all.len(),
            profile.strings.separator,
            count,
            layout.name(),
            count + lead
        ));
    }
    if let (StringsLayout::Indexed, Some(zero)) = (layout, &profile.strings.position_zero)
        && all.first().copied() != Some(zero.as_str())
    {
        return Err(format!(
            "position 0 holds {} characters where the profile says {:?}",
            all.first().map_or(0, |s| s.chars().count()),
            zero
        ));
    }
    for index in 1..=count {
        let position = layout.position_of(index);
        let string = all.get(position).copied().unwrap_or_default();
        let want = format!("{index:02}");
        let ok =
            string.len() == chars + 2 && string.is_char_boundary(chars) && string[chars..] == want;
        if !ok {
            return Err(format!(
                "position {position}, which a client takes for index {want}, holds {}",
                describe(string, chars)
            ));
        }
    }
    Ok(())
}

/// A string's length and index suffix, never its secret characters.
fn describe(s: &str, chars: usize) -> String {
    if s.is_empty() {
        return "nothing".to_string();
    }
    let suffix: String = s
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let suffix_is_index = suffix.len() == 2 && suffix.bytes().all(|b| b.is_ascii_digit());
    if suffix_is_index {
        format!(
            "{} characters ending in index {suffix} (expected {} characters)",
            s.chars().count(),
            chars + 2
        )
    } else {
        format!(
            "{} characters with no two-digit index at the end",
            s.chars().count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexed(n: usize) -> String {
        let mut text = String::new();
        for i in 1..=n {
            text.push(';');
            text.push_str(&format!("49182763{i:02}{i:02}"));
        }
        text
    }

    #[test]
    fn indexed_layout_position_i_is_index_i() {
        let p = WireProfile::default_profile();
        let text = indexed(99);
        assert_eq!(positions(&text, &p).len(), 100);
        assert_eq!(string_for_index(&text, 5, &p), Some("491827630505"));
        assert_eq!(strings_in_order(&text, &p).len(), 99);
        assert_eq!(check_layout(&text, &p, 99, 10), Ok(()));
    }

    #[test]
    fn off_by_one_and_short_replies_are_caught() {
        let p = WireProfile::default_profile();
        // Index 01 at position 0, as the agentxml-3.6 layout writes it.
        let packed = indexed(99).trim_start_matches(';').to_string();
        let err = check_layout(&packed, &p, 99, 10).unwrap_err();
        assert!(err.contains("99 positions"), "{err}");
        assert_eq!(string_for_index(&packed, 5, &p), Some("491827630606"));
        let err = check_layout(&indexed(98), &p, 99, 10).unwrap_err();
        assert!(err.contains("99 positions"), "{err}");
        let shifted = format!("x{}", indexed(99));
        assert!(
            check_layout(&shifted, &p, 99, 10)
                .unwrap_err()
                .contains("position 0")
        );
        let agentxml = WireProfile::resolve("agentxml-3.6").unwrap();
        assert_eq!(check_layout(&packed, &agentxml, 99, 10), Ok(()));
        assert_eq!(
            string_for_index(&packed, 5, &agentxml),
            Some("491827630505")
        );
        assert!(check_layout(&indexed(99), &agentxml, 99, 10).is_err());
    }

    #[test]
    fn errors_never_show_a_string() {
        let p = WireProfile::default_profile();
        let text = indexed(99).replace("491827630303", "491827630399");
        let err = check_layout(&text, &p, 99, 10).unwrap_err();
        assert!(!err.contains("4918"), "{err}");
        assert!(err.contains("index 99"), "{err}");
    }
}
