//! The Packagist (Composer) ordering: Composer normalises a version (drops a leading `v`,
//! pads the numeric part to four components) and compares with PHP's `version_compare`:
//! the string is canonicalised (`-`, `_`, `+` become `.`, and a `.` is put between digits
//! and letters), then parts compare as numbers, or by the special forms
//! `dev < alpha = a < beta = b < RC = rc < (number) < pl = p`, any other word first.

use std::cmp::Ordering;

use crate::digits::cmp_digits;

/// Composer's normal form, as far as the ordering needs it.
fn normalize(version: &str) -> String {
    let version = version.trim();
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let numeric_len = version
        .bytes()
        .take_while(|byte| byte.is_ascii_digit() || *byte == b'.')
        .count();
    let (numeric, rest) = version
        .split_at_checked(numeric_len)
        .unwrap_or((version, ""));
    let numeric = numeric.trim_end_matches('.');
    let mut parts: Vec<&str> = numeric.split('.').filter(|part| !part.is_empty()).collect();
    if !parts.is_empty() {
        while parts.len() < 4 {
            parts.push("0");
        }
    }
    let mut out = parts.join(".");
    if !rest.is_empty() {
        out.push('-');
        out.push_str(rest.trim_start_matches(['-', '.', '_']));
    }
    out
}

/// PHP's canonical form, split into parts.
fn canonical_parts(version: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut last_class = 0u8;
    for character in version.chars() {
        let class = if character.is_ascii_digit() {
            1
        } else if "-_+.".contains(character) {
            0
        } else {
            2
        };
        if class == 0 {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
        } else {
            if last_class != 0 && class != last_class && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            current.push(character);
        }
        last_class = class;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn special_form(part: &str) -> i32 {
    match part.to_ascii_lowercase().as_str() {
        "dev" => 0,
        "alpha" | "a" => 1,
        "beta" | "b" => 2,
        "rc" => 3,
        "#" => 4,
        "pl" | "p" => 5,
        _ => -6,
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    let a_number = a.starts_with(|c: char| c.is_ascii_digit());
    let b_number = b.starts_with(|c: char| c.is_ascii_digit());
    match (a_number, b_number) {
        (true, true) => cmp_digits(a, b),
        (false, false) => special_form(a).cmp(&special_form(b)),
        (true, false) => special_form("#").cmp(&special_form(b)),
        (false, true) => special_form(a).cmp(&special_form("#")),
    }
}

/// Compares two Composer versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a_parts = canonical_parts(&normalize(a));
    let b_parts = canonical_parts(&normalize(b));
    let mut a_iter = a_parts.iter();
    let mut b_iter = b_parts.iter();
    loop {
        match (a_iter.next(), b_iter.next()) {
            (None, None) => return Ordering::Equal,
            (Some(a), Some(b)) => {
                let ordering = compare_part(a, b);
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            // The longer version wins with a number, and with a word only when it sorts
            // after a number (`p`, `pl`).
            (Some(a), None) => return compare_part(a, "#"),
            (None, Some(b)) => return compare_part("#", b),
        }
    }
}

/// Checks a version against Composer's accepted shapes (loosely).
pub fn validate(version: &str) -> Result<(), String> {
    let version = version.trim();
    let body = version.strip_prefix(['v', 'V']).unwrap_or(version);
    if !body.starts_with(|c: char| c.is_ascii_digit()) && !body.starts_with("dev-") {
        return Err("version does not start with a digit or `dev-`".to_string());
    }
    if let Some(bad) = body
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-+".contains(*c)))
    {
        return Err(format!("invalid character `{bad}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Orderings from Composer's documentation and PHP's `version_compare` manual.
    #[test]
    fn composer_orderings() {
        let chain = [
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-pl1",
            "1.0.1",
            "1.10.0",
        ];
        for pair in chain.windows(2) {
            assert_eq!(
                compare(pair[0], pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
            assert_eq!(
                compare(pair[1], pair[0]),
                Ordering::Greater,
                "{} > {}",
                pair[1],
                pair[0]
            );
        }
        assert_eq!(compare("v1.0.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0-beta.2", "1.0.0-beta.10"), Ordering::Less);
        assert_eq!(compare("2.0.0-b1", "2.0.0-beta1"), Ordering::Equal);
        assert_eq!(validate("dev-main"), Ok(()));
        assert!(validate("main").is_err());
    }
}
