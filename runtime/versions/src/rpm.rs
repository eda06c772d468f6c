//! The rpm ordering (RHEL, AlmaLinux, Rocky, Fedora, SUSE, Mariner): `[epoch:]version[-release]`,
//! each part compared with `rpmvercmp`: alphanumeric segments, separators ignored, digits
//! beat letters, `~` sorts before everything (pre-releases) and `^` after the base version
//! but before anything longer (snapshots).

use std::cmp::Ordering;

use crate::digits::{all_digits, cmp_digits};

struct Evr<'a> {
    epoch: &'a str,
    version: &'a str,
    release: Option<&'a str>,
}

fn split(text: &str) -> Evr<'_> {
    let text = text.trim();
    let (epoch, rest) = match text.split_once(':') {
        Some((epoch, rest)) => (epoch, rest),
        None => ("0", text),
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((version, release)) => (version, Some(release)),
        None => (rest, None),
    };
    Evr {
        epoch,
        version,
        release,
    }
}

/// Compares two `[epoch:]version[-release]` strings as rpm's `labelCompare` does.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = split(a);
    let b = split(b);
    let epoch = if all_digits(a.epoch) && all_digits(b.epoch) {
        cmp_digits(a.epoch, b.epoch)
    } else {
        rpmvercmp(a.epoch, b.epoch)
    };
    epoch
        .then_with(|| rpmvercmp(a.version, b.version))
        .then_with(|| match (a.release, b.release) {
            (Some(a), Some(b)) => rpmvercmp(a, b),
            // A version without a release sorts before the same version with one.
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
}

/// rpm's segment comparison of one part.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let mut one = a.as_bytes();
    let mut two = b.as_bytes();
    let separator = |byte: &u8| !byte.is_ascii_alphanumeric() && *byte != b'~' && *byte != b'^';
    loop {
        one = skip_while(one, separator);
        two = skip_while(two, separator);
        let (first_one, first_two) = (one.first().copied(), two.first().copied());
        if first_one == Some(b'~') || first_two == Some(b'~') {
            if first_one != Some(b'~') {
                return Ordering::Greater;
            }
            if first_two != Some(b'~') {
                return Ordering::Less;
            }
            one = one.get(1..).unwrap_or_default();
            two = two.get(1..).unwrap_or_default();
            continue;
        }
        if first_one == Some(b'^') || first_two == Some(b'^') {
            if first_one.is_none() {
                return Ordering::Less;
            }
            if first_two.is_none() {
                return Ordering::Greater;
            }
            if first_one != Some(b'^') {
                return Ordering::Greater;
            }
            if first_two != Some(b'^') {
                return Ordering::Less;
            }
            one = one.get(1..).unwrap_or_default();
            two = two.get(1..).unwrap_or_default();
            continue;
        }
        let (Some(lead), Some(_)) = (first_one, first_two) else {
            break;
        };
        let numeric = lead.is_ascii_digit();
        let class = |byte: &u8| {
            if numeric {
                byte.is_ascii_digit()
            } else {
                byte.is_ascii_alphabetic()
            }
        };
        let one_len = one.iter().take_while(|byte| class(byte)).count();
        let two_len = two.iter().take_while(|byte| class(byte)).count();
        let (seg_one, rest_one) = one.split_at_checked(one_len).unwrap_or((one, &[]));
        let (seg_two, rest_two) = two.split_at_checked(two_len).unwrap_or((two, &[]));
        if seg_two.is_empty() {
            // Different segment types: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ordering = if numeric {
            cmp_digits(
                std::str::from_utf8(seg_one).unwrap_or_default(),
                std::str::from_utf8(seg_two).unwrap_or_default(),
            )
        } else {
            seg_one.cmp(seg_two)
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
        one = rest_one;
        two = rest_two;
    }
    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (false, _) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}

fn skip_while(mut bytes: &[u8], skip: impl Fn(&u8) -> bool) -> &[u8] {
    while let Some((first, rest)) = bytes.split_first() {
        if !skip(first) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// Checks an `[epoch:]version-release` string.
pub fn validate(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("empty version".to_string());
    }
    if text.chars().any(char::is_whitespace) {
        return Err("version contains whitespace".to_string());
    }
    let parts = split(text);
    if text.contains(':') && !all_digits(parts.epoch) {
        return Err(format!("epoch `{}` is not a number", parts.epoch));
    }
    if parts.version.is_empty() {
        return Err("empty version part".to_string());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._+~^".contains(c);
    if let Some(bad) = parts
        .version
        .chars()
        .chain(parts.release.unwrap_or("").chars())
        .find(|c| !allowed(*c))
    {
        return Err(format!("invalid character `{bad}`"));
    }
    Ok(())
}
