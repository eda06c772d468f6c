//! The dpkg ordering (Debian, Ubuntu): `[epoch:]upstream[-revision]`, compared part by part
//! with dpkg's `verrevcmp`: non-digit runs character by character, where `~` sorts before
//! everything (even the end of the string) and letters before other characters, then digit
//! runs by numeric value.

use std::cmp::Ordering;

use crate::digits::{all_digits, cmp_digits};

/// A dpkg version split into its three parts.
struct DpkgVersion<'a> {
    epoch: &'a str,
    upstream: &'a str,
    revision: &'a str,
}

fn split(version: &str) -> DpkgVersion<'_> {
    let version = version.trim();
    let (epoch, rest) = match version.split_once(':') {
        Some((epoch, rest)) => (epoch, rest),
        None => ("0", version),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((upstream, revision)) => (upstream, revision),
        None => (rest, ""),
    };
    DpkgVersion {
        epoch,
        upstream,
        revision,
    }
}

/// Compares two dpkg versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = split(a);
    let b = split(b);
    compare_epoch(a.epoch, b.epoch)
        .then_with(|| verrevcmp(a.upstream, b.upstream))
        .then_with(|| verrevcmp(a.revision, b.revision))
}

fn compare_epoch(a: &str, b: &str) -> Ordering {
    // A non-numeric epoch is invalid; it still gets a deterministic place after numeric ones.
    match (all_digits(a), all_digits(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => verrevcmp(a, b),
    }
}

/// The weight of one character in a non-digit run; `None` is the end of the run.
fn order(byte: Option<u8>) -> i32 {
    match byte {
        None => 0,
        Some(b'~') => -1,
        Some(byte) if byte.is_ascii_digit() => 0,
        Some(byte) if byte.is_ascii_alphabetic() => i32::from(byte),
        Some(byte) => i32::from(byte) + 256,
    }
}

/// dpkg's `verrevcmp` over one part (upstream version or revision).
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let mut a = a.as_bytes();
    let mut b = b.as_bytes();
    while !a.is_empty() || !b.is_empty() {
        // Non-digit prefix, character by character.
        loop {
            let a_first = a.first().copied().filter(|byte| !byte.is_ascii_digit());
            let b_first = b.first().copied().filter(|byte| !byte.is_ascii_digit());
            if a_first.is_none() && b_first.is_none() {
                break;
            }
            let ordering = order(a_first).cmp(&order(b_first));
            if ordering != Ordering::Equal {
                return ordering;
            }
            if a_first.is_some() {
                a = a.get(1..).unwrap_or_default();
            }
            if b_first.is_some() {
                b = b.get(1..).unwrap_or_default();
            }
        }
        let a_digits = a.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let b_digits = b.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let (a_run, a_rest) = a.split_at_checked(a_digits).unwrap_or((a, &[]));
        let (b_run, b_rest) = b.split_at_checked(b_digits).unwrap_or((b, &[]));
        let ordering = cmp_digits(
            std::str::from_utf8(a_run).unwrap_or_default(),
            std::str::from_utf8(b_run).unwrap_or_default(),
        );
        if ordering != Ordering::Equal {
            return ordering;
        }
        a = a_rest;
        b = b_rest;
    }
    Ordering::Equal
}

/// Checks a version against dpkg's syntax rules.
pub fn validate(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("empty version".to_string());
    }
    if version.chars().any(char::is_whitespace) {
        return Err("version contains whitespace".to_string());
    }
    let parts = split(version);
    if version.contains(':') && !all_digits(parts.epoch) {
        return Err(format!("epoch `{}` is not a number", parts.epoch));
    }
    if !parts.upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("version does not start with a digit".to_string());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
    if let Some(bad) = parts.upstream.chars().find(|c| !allowed(*c)) {
        return Err(format!("invalid character `{bad}` in upstream version"));
    }
    if let Some(bad) = parts
        .revision
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".+~".contains(*c)))
    {
        return Err(format!("invalid character `{bad}` in revision"));
    }
    Ok(())
}
