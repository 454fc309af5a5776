//! Which element (or attribute, or parameter) name plays which role, when a capture may
//! spell things unlike the profile at hand: each role is looked for first under the
//! profile's own name, then under that name in another letter case, then by keyword
//! (`user` in `UserName`, `ssl` in `usingSSL`). A name plays at most one role.

/// One role to find.
#[derive(Debug, Clone, Copy)]
pub struct Role<'a> {
    /// The profile's name for it, if the profile has one.
    pub hint: Option<&'a str>,
    /// Keywords: a name equal to one (any case), or containing one of three or more
    /// letters, plays the role.
    pub keywords: &'a [&'a str],
}

impl<'a> Role<'a> {
    /// A role with the profile's name `hint`.
    pub fn new(hint: &'a str, keywords: &'a [&'a str]) -> Self {
        Self {
            hint: Some(hint),
            keywords,
        }
    }

    /// A role the profile has no name for (an optional part it lacks).
    pub fn unnamed(hint: Option<&'a str>, keywords: &'a [&'a str]) -> Self {
        Self { hint, keywords }
    }
}

fn keyword_matches(name: &str, keyword: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == keyword || (keyword.len() >= 3 && name.contains(keyword))
}

/// For each role, the name that plays it (index into `names`), if any.
pub fn assign(names: &[&str], roles: &[Role<'_>]) -> Vec<Option<usize>> {
    let mut taken = vec![false; names.len()];
    let mut found: Vec<Option<usize>> = vec![None; roles.len()];
    type Test<'t> = &'t dyn Fn(&Role<'_>, &str) -> bool;
    let exact: Test = &|role, name| role.hint == Some(name);
    let any_case: Test = &|role, name| role.hint.is_some_and(|h| h.eq_ignore_ascii_case(name));
    let keyword: Test = &|role, name| role.keywords.iter().any(|k| keyword_matches(name, k));
    for test in [exact, any_case, keyword] {
        for (r, role) in roles.iter().enumerate() {
            if found[r].is_some() {
                continue;
            }
            if let Some(n) = (0..names.len()).find(|&n| !taken[n] && test(role, names[n])) {
                taken[n] = true;
                found[r] = Some(n);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_first_then_case_then_keywords() {
        let names = ["hostname", "usingSSL", "Port", "connectionType", "pin"];
        let roles = [
            Role::new("Host", &["host"]),
            Role::new("SSL", &["ssl", "https"]),
            Role::new("port", &["port"]),
            Role::new("Context", &["context", "connectiontype"]),
            Role::unnamed(None, &["pin"]),
            Role::unnamed(None, &["oath"]),
        ];
        assert_eq!(
            assign(&names, &roles),
            [Some(0), Some(1), Some(2), Some(3), Some(4), None]
        );
        // A short keyword must match the whole name: `id` is not in `PushId`.
        let names = ["PushId", "Id"];
        let roles = [Role::unnamed(None, &["id"])];
        assert_eq!(assign(&names, &roles), [Some(1)]);
    }
}
