//! The apk ordering (Alpine): `number{.number}[letter]{_suffix[number]}[~hash][-rN]`.
//! Suffixes sort `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.
//! Versions that do not follow the grammar still compare: when both are invalid the strings
//! are compared byte-wise, as apk-tools 2.x does; otherwise the parts that parsed decide.

use std::cmp::Ordering;

use crate::digits::{all_digits, cmp_digits};

/// Suffix names in ascending order; a version without a suffix sorts between `rc` and `cvs`.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// The weight of "no suffix here": after `rc` (3), before `cvs` (4).
const NO_SUFFIX_WEIGHT: u8 = 7;

struct Component<'a> {
    digits: &'a str,
    index: usize,
}

struct ApkVersion<'a> {
    original: &'a str,
    invalid: bool,
    components: Vec<Component<'a>>,
    letter: Option<u8>,
    /// (weight, number) where weights are doubled so that "no suffix" fits between.
    suffixes: Vec<(u8, &'a str)>,
    build: &'a str,
    remainder: &'a str,
}

fn parse(original: &str) -> ApkVersion<'_> {
    let mut rest = original;
    let mut components = Vec::new();
    // number components: `(\d+\.?)*`
    loop {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            break;
        }
        let (digits, after) = rest.split_at_checked(digits_len).unwrap_or((rest, ""));
        components.push(Component {
            digits,
            index: components.len(),
        });
        rest = after;
        match rest.strip_prefix('.') {
            Some(after_dot) => rest = after_dot,
            None => break,
        }
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            // A trailing dot ends the numbers with an empty component.
            components.push(Component {
                digits: "",
                index: components.len(),
            });
            break;
        }
    }
    let mut letter = None;
    if let Some(&first) = rest.as_bytes().first()
        && first.is_ascii_lowercase()
    {
        letter = Some(first);
        rest = rest.get(1..).unwrap_or("");
    }
    let mut suffixes = Vec::new();
    let mut search = rest;
    while let Some(at) = search.find('_') {
        let after = search.get(at + 1..).unwrap_or("");
        let Some((weight, name)) = SUFFIXES
            .iter()
            .enumerate()
            .find(|(_, name)| after.starts_with(**name))
        else {
            search = after;
            continue;
        };
        let after_name = after.get(name.len()..).unwrap_or("");
        let number_len = after_name.bytes().take_while(u8::is_ascii_digit).count();
        let number = after_name.get(..number_len).unwrap_or("");
        let weight = u8::try_from(weight).unwrap_or(u8::MAX);
        suffixes.push((
            if weight < 4 {
                weight * 2
            } else {
                weight * 2 + 1
            },
            number,
        ));
        let matched_len = 1 + name.len() + number_len;
        if at == 0 && search.len() == rest.len() {
            rest = rest.get(matched_len..).unwrap_or("");
            search = rest;
        } else {
            search = after_name.get(number_len..).unwrap_or("");
        }
    }
    if let Some(hash) = rest.strip_prefix('~') {
        let hex_len = hash
            .bytes()
            .take_while(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte))
            .count();
        if hex_len > 0 {
            rest = hash.get(hex_len..).unwrap_or("");
        }
    }
    let mut invalid = false;
    let mut build = "0";
    if !rest.is_empty() {
        match rest.strip_prefix("-r") {
            Some(after) => {
                let number_len = after.bytes().take_while(u8::is_ascii_digit).count();
                build = after.get(..number_len).unwrap_or("");
                rest = after.get(number_len..).unwrap_or("");
            }
            None => invalid = true,
        }
    }
    ApkVersion {
        original,
        invalid,
        components,
        letter,
        suffixes,
        build,
        remainder: rest,
    }
}

fn compare_component(a: Option<&Component<'_>>, b: Option<&Component<'_>>) -> Ordering {
    let zero = Component {
        digits: "0",
        index: 0,
    };
    let a = a.unwrap_or(&zero);
    let b = b.unwrap_or(&zero);
    // After the first component, a leading zero makes the comparison textual (apk's
    // "fractional" rule: 1.02 < 1.1).
    if a.index != 0 && b.index != 0 && (a.digits.starts_with('0') || b.digits.starts_with('0')) {
        return a.digits.cmp(b.digits);
    }
    cmp_digits(a.digits, b.digits)
}

/// Compares two apk versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = parse(a.trim());
    let b = parse(b.trim());
    if a.invalid && b.invalid {
        return a.original.cmp(b.original);
    }
    let count = a.components.len().max(b.components.len());
    for position in 0..count {
        let ordering = compare_component(a.components.get(position), b.components.get(position));
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    let letters = match (a.letter, b.letter) {
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (a, b) => a.cmp(&b),
    };
    if letters != Ordering::Equal {
        return letters;
    }
    let count = a.suffixes.len().max(b.suffixes.len());
    for position in 0..count {
        let (a_weight, a_number) = a
            .suffixes
            .get(position)
            .copied()
            .unwrap_or((NO_SUFFIX_WEIGHT, "0"));
        let (b_weight, b_number) = b
            .suffixes
            .get(position)
            .copied()
            .unwrap_or((NO_SUFFIX_WEIGHT, "0"));
        let ordering = a_weight
            .cmp(&b_weight)
            .then_with(|| cmp_digits(a_number, b_number));
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    let build = cmp_digits(a.build, b.build);
    if build != Ordering::Equal {
        return build;
    }
    // Trailing garbage sorts before a clean end.
    match (a.remainder.is_empty(), b.remainder.is_empty()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// Checks a version against apk's grammar. Real data also writes the release as `.rN`
/// (`10.2.22.r0`); that is accepted as `-rN`.
pub fn validate(version: &str) -> Result<(), String> {
    let normalised = match version.rsplit_once(".r") {
        Some((head, release)) if all_digits(release) && !head.is_empty() => {
            format!("{head}-r{release}")
        }
        _ => version.to_string(),
    };
    let mut rest = normalised.as_str();
    let mut first = true;
    loop {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return Err(if first {
                "version does not start with a number".to_string()
            } else {
                "empty number component".to_string()
            });
        }
        rest = rest.get(digits_len..).unwrap_or("");
        first = false;
        match rest.strip_prefix('.') {
            Some(after) => rest = after,
            None => break,
        }
    }
    if rest.starts_with(|c: char| c.is_ascii_lowercase()) {
        rest = rest.get(1..).unwrap_or("");
        // `6.6.2p1`: apk-tools accepts digits right after the letter.
        rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    while let Some(after) = rest.strip_prefix('_') {
        let Some(name) = SUFFIXES.iter().find(|name| after.starts_with(**name)) else {
            return Err(format!("unknown suffix in `{after}`"));
        };
        let after = after.get(name.len()..).unwrap_or("");
        let digits_len = after.bytes().take_while(u8::is_ascii_digit).count();
        rest = after.get(digits_len..).unwrap_or("");
    }
    if let Some(hash) = rest.strip_prefix('~') {
        let hex_len = hash
            .bytes()
            .take_while(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte))
            .count();
        if hex_len == 0 {
            return Err("empty commit hash after `~`".to_string());
        }
        rest = hash.get(hex_len..).unwrap_or("");
    }
    if let Some(build) = rest.strip_prefix("-r") {
        if !all_digits(build) {
            return Err(format!("invalid release `-r{build}`"));
        }
        rest = "";
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected `{rest}`"))
    }
}
