//! The Maven ordering (`ComparableVersion` of Maven 3): the version is split at `.`, `-` and
//! digit/letter transitions into a tree of items (a `-` or a transition opens a sub-list);
//! trailing "null" items (`0`, `""`, `ga`, `final`, `release`) are dropped; qualifiers order
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, and
//! unknown qualifiers after them alphabetically; numbers beat qualifiers; comparison is
//! case-insensitive.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, is_zero};

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

/// The sortable form of a qualifier: its index among the known ones, or after them by name.
fn comparable_qualifier(qualifier: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|known| *known == qualifier) {
        Some(index) => (index, ""),
        None => (QUALIFIERS.len(), qualifier),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match (value, followed_by_digit) {
        ("a", true) => "alpha",
        ("b", true) => "beta",
        ("m", true) => "milestone",
        ("ga" | "final" | "release", _) => "",
        ("cr", _) => "rc",
        (other, _) => other,
    };
    Item::Str(value.to_string())
}

fn parse_item(text: &str, is_digit: bool) -> Item {
    if is_digit {
        let trimmed = text.trim_start_matches('0');
        Item::Int(trimmed.to_string())
    } else {
        string_item(text, false)
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(digits) => is_zero(digits),
        Item::Str(value) => comparable_qualifier(value).0 == RELEASE_INDEX,
        Item::List(items) => items.is_empty(),
    }
}

fn normalize(items: &mut Vec<Item>, is_root: bool) {
    // Walk back from the end: drop null items, step over non-null sub-lists, stop at the
    // first non-null number or qualifier.
    let mut position = items.len();
    while position > 0 {
        position -= 1;
        let Some(item) = items.get(position) else {
            break;
        };
        if is_null(item) {
            items.remove(position);
        } else if !matches!(item, Item::List(_)) {
            break;
        }
    }
    // A sub-list left holding only a sub-list (`1-ga-1` after `ga` is dropped) is that
    // sub-list: the Maven version-order specification trims null values at every hyphen, so
    // `1-ga-1` equals `1-1`. The root stays as it is (`0.0.0-2021` is below `20`).
    if !is_root && let [Item::List(inner)] = items.as_mut_slice() {
        let inner = std::mem::take(inner);
        *items = inner;
    }
}

/// Parses into the item tree. Sub-lists are built with an explicit stack of paths.
fn parse(version: &str) -> Vec<Item> {
    let version = version.trim().to_lowercase();
    // The stack holds the lists under construction; each closes into its parent at the end.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    let chars: Vec<(usize, char)> = version.char_indices().collect();
    for &(index, character) in &chars {
        let current = &version;
        if character == '.' {
            let item = if index == start {
                Item::Int(String::new())
            } else {
                parse_item(current.get(start..index).unwrap_or(""), is_digit)
            };
            push(&mut stack, item);
            start = index + 1;
        } else if character == '-' {
            let item = if index == start {
                Item::Int(String::new())
            } else {
                parse_item(current.get(start..index).unwrap_or(""), is_digit)
            };
            push(&mut stack, item);
            start = index + 1;
            stack.push(Vec::new());
        } else if character.is_ascii_digit() {
            if !is_digit && index > start {
                push(
                    &mut stack,
                    string_item(current.get(start..index).unwrap_or(""), true),
                );
                start = index;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && index > start {
                push(
                    &mut stack,
                    parse_item(current.get(start..index).unwrap_or(""), true),
                );
                start = index;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if version.len() > start {
        push(
            &mut stack,
            parse_item(version.get(start..).unwrap_or(""), is_digit),
        );
    }
    // Close the lists innermost first, normalising each.
    while stack.len() > 1 {
        let mut list = stack.pop().unwrap_or_default();
        normalize(&mut list, false);
        if let Some(parent) = stack.last_mut() {
            parent.push(Item::List(list));
        }
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root, true);
    root
}

fn push(stack: &mut [Vec<Item>], item: Item) {
    if let Some(list) = stack.last_mut() {
        list.push(item);
    }
}

/// Compares an item with "nothing" (the other version ran out).
fn compare_with_nothing(item: &Item) -> Ordering {
    match item {
        Item::Int(digits) => {
            if is_zero(digits) {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(value) => comparable_qualifier(value).cmp(&(RELEASE_INDEX, "")),
        Item::List(items) => items.first().map_or(Ordering::Equal, compare_with_nothing),
    }
}

fn compare_items(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(a), Item::Int(b)) => cmp_digits(a, b),
        (Item::Int(_), _) => Ordering::Greater,
        (Item::Str(_), Item::Int(_)) => Ordering::Less,
        (Item::Str(a), Item::Str(b)) => comparable_qualifier(a).cmp(&comparable_qualifier(b)),
        (Item::Str(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Int(_)) => Ordering::Less,
        (Item::List(_), Item::Str(_)) => Ordering::Greater,
        (Item::List(a), Item::List(b)) => compare_lists(a, b),
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    let count = a.len().max(b.len());
    for position in 0..count {
        let ordering = match (a.get(position), b.get(position)) {
            (Some(a), Some(b)) => compare_items(a, b),
            (Some(a), None) => compare_with_nothing(a),
            (None, Some(b)) => compare_with_nothing(b).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// Compares two Maven versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    compare_lists(&parse(a), &parse(b))
}

/// Maven accepts any string as a version; only empty or blank ones are refused.
pub fn validate(version: &str) -> Result<(), String> {
    if version.trim().is_empty() {
        return Err("empty version".to_string());
    }
    if version.chars().any(char::is_whitespace) {
        return Err("version contains whitespace".to_string());
    }
    Ok(())
}
