//! Case variables: `${name}` in step fields is replaced by a captured value (a code, a
//! device id, a saved reply field) or by a user's real username under its alias.

use std::collections::HashMap;

/// A reference to a variable nobody set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("variable ${{{0}}} is not set at this step")]
pub struct UnsetVariable(pub String);

/// The variables of one running case.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: HashMap<String, String>,
}

impl Vars {
    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Replaces every `${name}` in `text`; `$$` stands for a literal `$`.
    pub fn expand(&self, text: &str) -> Result<String, UnsetVariable> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                rest = tail;
            } else if let Some(body) = after.strip_prefix('{') {
                let Some(end) = body.find('}') else {
                    out.push('$');
                    rest = after;
                    continue;
                };
                let name = &body[..end];
                out.push_str(
                    self.get(name)
                        .ok_or_else(|| UnsetVariable(name.to_string()))?,
                );
                rest = &body[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The variable names `${...}` that `text` refers to.
pub fn references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let body = &rest[pos + 2..];
        match body.find('}') {
            Some(end) => {
                names.push(body[..end].to_string());
                rest = &body[end + 1..];
            }
            None => break,
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_reports_unset() {
        let mut v = Vars::default();
        v.set("u", "alice-1");
        v.set("code", "ABC");
        assert_eq!(
            v.expand("User \"${u}\" code ${code} $$5").unwrap(),
            "User \"alice-1\" code ABC $5"
        );
        assert_eq!(v.expand("${nope}"), Err(UnsetVariable("nope".into())));
        assert_eq!(v.expand("cost $5 {x}").unwrap(), "cost $5 {x}");
        assert_eq!(references("a ${x} b ${y}"), vec!["x", "y"]);
    }
}
