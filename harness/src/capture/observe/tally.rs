//! Counting what a capture shows for a part: each value (or "absent") with how often it
//! was seen, in first-seen order so ties go to the earliest. The most frequent value is
//! what the part is taken to be; the others are reported beside it.

/// Counts of the values seen for one part; `None` counts "the part is absent".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    counts: Vec<(Option<String>, usize)>,
}

impl Tally {
    /// Counts one sighting.
    pub fn add(&mut self, value: Option<&str>) {
        match self.counts.iter_mut().find(|(v, _)| v.as_deref() == value) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((value.map(str::to_string), 1)),
        }
    }

    /// Sightings in all.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The most frequent value and its count (`None` value: absent).
    pub fn mode(&self) -> Option<(Option<&str>, usize)> {
        let mut best: Option<(Option<&str>, usize)> = None;
        for (value, n) in &self.counts {
            if best.is_none_or(|(_, m)| *n > m) {
                best = Some((value.as_deref(), *n));
            }
        }
        best
    }

    /// Every distinct value with its count.
    pub fn values(&self) -> impl Iterator<Item = (Option<&str>, usize)> {
        self.counts.iter().map(|(v, n)| (v.as_deref(), *n))
    }

    /// "all 12 provision requests" or "10 of 12 provision requests (also: `x` ×2)".
    pub fn describe(&self, what: &str) -> String {
        let total = self.total();
        let Some((mode, n)) = self.mode() else {
            return format!("no {what}");
        };
        if n == total {
            return format!("all {total} {what}");
        }
        let others: Vec<String> = self
            .values()
            .filter(|(v, _)| *v != mode)
            .take(3)
            .map(|(v, k)| format!("{} ×{k}", shown(v)))
            .collect();
        format!("{n} of {total} {what} (also: {})", others.join(", "))
    }
}

/// A value as reports show it: `` `x` ``, `(empty)` or `(absent)`.
pub fn shown(value: Option<&str>) -> String {
    match value {
        None => "(absent)".to_string(),
        Some("") => "(empty)".to_string(),
        Some(v) => format!("`{v}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_prefers_the_most_frequent_then_the_first_seen() {
        let mut t = Tally::default();
        t.add(Some("b"));
        t.add(Some("a"));
        t.add(None);
        assert_eq!(t.mode(), Some((Some("b"), 1)));
        t.add(None);
        assert_eq!(t.mode(), Some((None, 2)));
        assert_eq!(
            t.describe("replies"),
            "2 of 4 replies (also: `b` ×1, `a` ×1)"
        );
        let mut one = Tally::default();
        one.add(Some(""));
        assert_eq!(one.describe("replies"), "all 1 replies");
        assert_eq!(Tally::default().mode(), None);
    }
}
