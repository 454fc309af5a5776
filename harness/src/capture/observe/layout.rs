//! The shapes inside PASS replies: how `<SecurityStrings>` is laid out (separator,
//! `indexed` or `packed`, what position 0 holds) and how Mobile Client policies travel
//! (`attributes`: a container of items with attributes; `elements`: sibling items with
//! child elements). Only names, spellings and shapes are kept, never a string.

use std::collections::BTreeMap;

use super::Builder;
use crate::capture::roles::{Role, assign};
use crate::codec::xml::Element;
use crate::profile::Policies;

const STRINGS: &str = "PASS string replies";
const POLICIES: &str = "replies with policies";

/// The parts of the `attributes` shape and of the `elements` shape that the other lacks.
const ATTRIBUTE_PARTS: [&str; 6] = [
    "policies.container",
    "policies.id_attribute",
    "policies.section_attribute",
    "policies.show_attribute",
    "policies.section_value",
    "policies.show_value",
];
const ELEMENT_PARTS: [&str; 3] = ["policies.id", "policies.content", "policies.description"];

/// The two-digit index a string ends with.
fn index_of(string: &str) -> Option<usize> {
    let n = string.chars().count();
    if n < 3 {
        return None;
    }
    let tail: String = string.chars().skip(n - 2).collect();
    tail.parse()
        .ok()
        .filter(|_| tail.chars().all(|c| c.is_ascii_digit()))
}

/// One strings reply.
pub(super) fn strings(b: &mut Builder<'_>, text: &str) {
    let text = text.trim();
    let hinted = b.hint.strings.separator.as_str();
    let separator = if !hinted.is_empty() && text.contains(hinted) {
        hinted.to_string()
    } else {
        // The most frequent character that is neither a letter nor a digit.
        let mut counts: BTreeMap<char, usize> = BTreeMap::new();
        for c in text
            .chars()
            .filter(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            *counts.entry(c).or_insert(0) += 1;
        }
        match counts.into_iter().max_by_key(|(_, n)| *n) {
            Some((c, _)) => c.to_string(),
            None => return,
        }
    };
    b.count("strings.separator", STRINGS, Some(&separator));
    let positions: Vec<&str> = text.split(separator.as_str()).collect();
    let offsets: Vec<isize> = positions
        .iter()
        .enumerate()
        .filter_map(|(p, s)| index_of(s).map(|i| i as isize - p as isize))
        .collect();
    let layout = match offsets.first() {
        Some(0) if offsets.iter().all(|o| *o == 0) => "indexed",
        Some(1) if offsets.iter().all(|o| *o == 1) => "packed",
        Some(_) => {
            b.note(
                "a strings reply holds strings whose index is not at position i (indexed) or i - 1 (packed)"
                    .to_string(),
            );
            return;
        }
        // No index suffixes to go by: an empty position 0 is the only sign.
        None if positions.first().is_some_and(|p| p.is_empty()) => "indexed",
        None => "packed",
    };
    b.count("strings.layout", STRINGS, Some(layout));
    if layout == "indexed" {
        let zero = positions.first().copied().unwrap_or_default();
        // A value that is data (a string, a code) is withheld by the secrets guard.
        b.count("strings.position_zero", STRINGS, Some(zero));
    } else {
        b.count("strings.position_zero", STRINGS, None);
    }
}

/// The policies of one PASS provision or strings reply.
pub(super) fn policies(b: &mut Builder<'_>, reply: &Element) {
    let hint = &b.hint.policies;
    // `attributes`: a child whose children all share one name and carry attributes.
    let container = reply.children.iter().find(|c| {
        !c.children.is_empty()
            && c.children.iter().all(|i| i.name == c.children[0].name)
            && c.children.iter().all(|i| !i.attributes.is_empty())
    });
    // `elements`: children of the root with children of their own, all of one name.
    let items: Vec<&Element> = reply
        .children
        .iter()
        .filter(|c| !c.children.is_empty() && Some(*c) != container)
        .collect();
    let elements_name = items.first().map(|i| i.name.clone());
    let items: Vec<&Element> = items
        .into_iter()
        .filter(|i| Some(&i.name) == elements_name.as_ref())
        .collect();
    match (container, items.is_empty()) {
        (Some(container), _) if container.children.len() >= items.len() => {
            attributes(b, container, hint);
        }
        (_, false) => elements(b, &items, hint),
        _ => {}
    }
}

fn attributes(b: &mut Builder<'_>, container: &Element, hint: &Policies) {
    b.count("policies.shape", POLICIES, Some("attributes"));
    b.count("policies.container", POLICIES, Some(&container.name));
    b.count("policies.item", POLICIES, Some(&container.children[0].name));
    for part in ELEMENT_PARTS {
        b.count(part, POLICIES, None);
    }
    let (id, section, show) = match hint {
        Policies::Attributes {
            id_attribute,
            section_attribute,
            show_attribute,
            ..
        } => (
            Some(id_attribute.as_str()),
            Some(section_attribute.as_str()),
            Some(show_attribute.as_str()),
        ),
        Policies::Elements { .. } => (None, None, None),
    };
    let first = &container.children[0];
    let names: Vec<&str> = first.attributes.iter().map(|(n, _)| n.as_str()).collect();
    let roles = assign(
        &names,
        &[
            Role::unnamed(id, &["id", "name"]),
            Role::unnamed(section, &["section"]),
            Role::unnamed(show, &["show", "visible"]),
        ],
    );
    let parts = [
        ("policies.id_attribute", None),
        ("policies.section_attribute", Some("policies.section_value")),
        ("policies.show_attribute", Some("policies.show_value")),
    ];
    for ((part, value_part), found) in parts.into_iter().zip(roles) {
        let Some(i) = found else { continue };
        let attribute = names[i];
        b.count(part, POLICIES, Some(attribute));
        let Some(value_part) = value_part else {
            continue;
        };
        // The value every item carries; a value that varies is no part of a profile.
        let values: Vec<&str> = container
            .children
            .iter()
            .filter_map(|item| item.attribute(attribute))
            .collect();
        match values.first() {
            Some(v) if values.iter().all(|x| x == v) => b.count(value_part, POLICIES, Some(v)),
            _ => b.note(format!(
                "{value_part}: the policies' {attribute} attribute varies from item to item"
            )),
        }
    }
}

fn elements(b: &mut Builder<'_>, items: &[&Element], hint: &Policies) {
    b.count("policies.shape", POLICIES, Some("elements"));
    b.count("policies.item", POLICIES, Some(&items[0].name));
    for part in ATTRIBUTE_PARTS {
        b.count(part, POLICIES, None);
    }
    let (id, content, description) = match hint {
        Policies::Elements {
            id,
            content,
            description,
            ..
        } => (
            Some(id.as_str()),
            Some(content.as_str()),
            Some(description.as_str()),
        ),
        Policies::Attributes { .. } => (None, None, None),
    };
    let names: Vec<&str> = items[0].children.iter().map(|c| c.name.as_str()).collect();
    let roles = assign(
        &names,
        &[
            Role::unnamed(id, &["id", "name"]),
            Role::unnamed(content, &["content", "value"]),
            Role::unnamed(description, &["description", "desc"]),
        ],
    );
    for (part, found) in ELEMENT_PARTS.into_iter().zip(roles) {
        if let Some(i) = found {
            b.count(part, POLICIES, Some(names[i]));
        }
    }
}
