//! The NuGet ordering (`NuGetVersion`): up to four numeric parts (missing ones are 0), then
//! a SemVer 2.0 pre-release compared case-insensitively; build metadata is ignored.

use std::cmp::Ordering;

use crate::digits::{all_digits, cmp_digits};
use crate::semver::compare_prerelease;

fn split(version: &str) -> (Vec<&str>, Option<&str>) {
    let version = version.trim();
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let version = version
        .split_once('+')
        .map_or(version, |(before, _)| before);
    let (numbers, pre) = match version.split_once('-') {
        Some((numbers, pre)) => (numbers, Some(pre)),
        None => (version, None),
    };
    (numbers.split('.').collect(), pre)
}

/// Compares two NuGet versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (a_numbers, a_pre) = split(a);
    let (b_numbers, b_pre) = split(b);
    for position in 0..a_numbers.len().max(b_numbers.len()).max(4) {
        let a_part = a_numbers.get(position).copied().unwrap_or("0");
        let b_part = b_numbers.get(position).copied().unwrap_or("0");
        let ordering = match (
            all_digits(a_part) || a_part.is_empty(),
            all_digits(b_part) || b_part.is_empty(),
        ) {
            (true, true) => cmp_digits(a_part, b_part),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a_part.cmp(b_part),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    match (a_pre, b_pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => compare_prerelease(a, b, true),
    }
}

/// Checks a version against NuGet's syntax.
pub fn validate(version: &str) -> Result<(), String> {
    let (numbers, pre) = split(version);
    if numbers.is_empty() || numbers.len() > 4 {
        return Err("expected one to four numeric parts".to_string());
    }
    if let Some(bad) = numbers.iter().find(|part| !all_digits(part)) {
        return Err(format!("`{bad}` is not a number"));
    }
    if let Some(pre) = pre
        && pre.split('.').any(|part| {
            part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    {
        return Err(format!("invalid pre-release `{pre}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Orderings from NuGet's package-versioning documentation.
    #[test]
    fn nuget_orderings() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta",
            "1.0.0-rc.2",
            "1.0.0-rc.10",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.10",
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
        assert_eq!(compare("1.0.0-ALPHA", "1.0.0-alpha"), Ordering::Equal);
        assert_eq!(compare("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0+build.7", "1.0.0"), Ordering::Equal);
        assert_eq!(validate("1.2.3.4-beta.1+sha.abc"), Ok(()));
        assert!(validate("1.2.3.4.5").is_err());
    }
}
