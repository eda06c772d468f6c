//! The SemVer 2.0 ordering (npm, crates.io, Go modules): `MAJOR.MINOR.PATCH[-pre][+build]`,
//! build metadata ignored. Parsing is lenient so that every string orders: a leading `v` or
//! `=` is dropped (Go's `v1.2.3`), missing components count as 0, and anything after the
//! third number that is not a pre-release is treated as build metadata. Go's
//! `+incompatible` is build metadata and its pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`) are ordinary pre-releases, so both order as Go does.

use std::cmp::Ordering;

use crate::digits::{all_digits, cmp_digits};

struct SemVer<'a> {
    core: [&'a str; 3],
    pre: Option<&'a str>,
    /// Text that is neither a number, a pre-release nor build metadata.
    junk: &'a str,
}

fn parse(text: &str) -> SemVer<'_> {
    let text = text.trim();
    let text = text.strip_prefix('=').unwrap_or(text).trim_start();
    let mut rest = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let mut core = ["0", "0", "0"];
    for (position, slot) in core.iter_mut().enumerate() {
        if position > 0 {
            match rest.strip_prefix('.') {
                Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                _ => break,
            }
        }
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            break;
        }
        *slot = rest.get(..len).unwrap_or("0");
        rest = rest.get(len..).unwrap_or("");
    }
    let (before_build, _build) = rest.split_once('+').unwrap_or((rest, ""));
    let (pre, junk) = match before_build.strip_prefix('-') {
        Some(pre) => (Some(pre), ""),
        // `1.1.3.4.5`: extra components are build metadata.
        None if before_build.starts_with('.') => (None, ""),
        None => (None, before_build),
    };
    SemVer { core, pre, junk }
}

/// Compares two SemVer versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a_parsed = parse(a);
    let b_parsed = parse(b);
    for (a_part, b_part) in a_parsed.core.iter().zip(b_parsed.core.iter()) {
        let ordering = cmp_digits(a_part, b_part);
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    let ordering = match (a_parsed.pre, b_parsed.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => compare_prerelease(a, b, false),
    };
    // Unparseable tails decide last, textually, so garbage still has a total order.
    ordering.then_with(|| a_parsed.junk.cmp(b_parsed.junk))
}

/// Compares dot-separated pre-release identifiers: numeric ones by value and before
/// alphanumeric ones, which compare in ASCII order (case-insensitively for NuGet).
pub(crate) fn compare_prerelease(a: &str, b: &str, ignore_case: bool) -> Ordering {
    let mut a_parts = a.split('.');
    let mut b_parts = b.split('.');
    loop {
        let ordering = match (a_parts.next(), b_parts.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => match (all_digits(a), all_digits(b)) {
                (true, true) => cmp_digits(a, b),
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) if ignore_case => {
                    a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())
                }
                (false, false) => a.cmp(b),
            },
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
}

/// Checks a version against SemVer 2.0 (a leading `v` is accepted, as Go writes it).
pub fn validate(text: &str) -> Result<(), String> {
    let rest = text.strip_prefix('v').unwrap_or(text);
    let (rest, build) = match rest.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3 {
        return Err(format!("`{core}` is not MAJOR.MINOR.PATCH"));
    }
    for number in numbers {
        if !all_digits(number) {
            return Err(format!("`{number}` is not a number"));
        }
        if number.len() > 1 && number.starts_with('0') {
            return Err(format!("`{number}` has a leading zero"));
        }
    }
    let identifier_ok = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
    };
    if let Some(pre) = pre
        && let Some(bad) = pre.split('.').find(|part| {
            !identifier_ok(part) || (all_digits(part) && part.len() > 1 && part.starts_with('0'))
        })
    {
        return Err(format!("invalid pre-release identifier `{bad}`"));
    }
    if let Some(build) = build
        && let Some(bad) = build.split('.').find(|part| !identifier_ok(part))
    {
        return Err(format!("invalid build identifier `{bad}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's module versions: `v` prefix, `+incompatible`, and the three pseudo-version forms
    /// (`vX.0.0-yyyymmddhhmmss-abcdef`, `vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef`,
    /// `vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef`), as the Go modules reference orders them.
    #[test]
    fn go_module_versions() {
        let chain = [
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-aaaaaaaaaaaa",
            "v0.1.0",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4-pre",
            "v1.2.4-pre.0.20200101000000-abcdefabcdef",
            "v1.2.4",
            "v2.0.0+incompatible",
            "v2.0.1",
        ];
        for pair in chain.windows(2) {
            assert_eq!(
                compare(pair[0], pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(compare("v2.0.0+incompatible", "2.0.0"), Ordering::Equal);
        assert_eq!(validate("v0.0.0-20191109021931-daa7c04131f5"), Ok(()));
        assert_eq!(validate("v2.0.0+incompatible"), Ok(()));
        assert!(validate("v1.2").is_err());
    }
}
