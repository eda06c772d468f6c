//! The RubyGems ordering (`Gem::Version#<=>`): the version is split into numeric and
//! alphabetic segments (`1.0.b1` is `1, 0, "b", 1`; a `-` means `.pre.`); trailing zeros of
//! the release part and of the pre-release part are dropped; a string segment marks a
//! pre-release and sorts before any number.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, is_zero};

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Number(&'a str),
    Word(&'a str),
}

fn segments(version: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let bytes = version.as_bytes();
    let mut position = 0;
    while let Some(&byte) = bytes.get(position) {
        if byte == b'-' {
            // `-` stands for `.pre.`
            out.push(Segment::Word("pre"));
            position += 1;
        } else if byte.is_ascii_digit() {
            let len = bytes
                .get(position..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            out.push(Segment::Number(
                version.get(position..position + len).unwrap_or("0"),
            ));
            position += len;
        } else if byte.is_ascii_alphabetic() {
            let len = bytes
                .get(position..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            out.push(Segment::Word(
                version.get(position..position + len).unwrap_or(""),
            ));
            position += len;
        } else {
            position += 1;
        }
    }
    canonical(out)
}

/// Drops trailing zeros from the release part and from the pre-release part.
fn canonical(segments: Vec<Segment<'_>>) -> Vec<Segment<'_>> {
    let split = segments
        .iter()
        .position(|segment| matches!(segment, Segment::Word(_)))
        .unwrap_or(segments.len());
    let mut release: Vec<Segment<'_>> = Vec::new();
    let mut pre: Vec<Segment<'_>> = Vec::new();
    for (index, segment) in segments.into_iter().enumerate() {
        if index < split {
            release.push(segment)
        } else {
            pre.push(segment)
        }
    }
    for part in [&mut release, &mut pre] {
        while part
            .last()
            .is_some_and(|last| matches!(last, Segment::Number(digits) if is_zero(digits)))
        {
            part.pop();
        }
    }
    release.extend(pre);
    release
}

/// Compares two RubyGems versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = segments(a.trim());
    let b = segments(b.trim());
    let count = a.len().max(b.len());
    for position in 0..count {
        let a = a.get(position).unwrap_or(&Segment::Number("0"));
        let b = b.get(position).unwrap_or(&Segment::Number("0"));
        let ordering = match (a, b) {
            (Segment::Number(a), Segment::Number(b)) => cmp_digits(a, b),
            (Segment::Word(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Word(_)) => Ordering::Greater,
            (Segment::Word(a), Segment::Word(b)) => a.cmp(b),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// Checks a version against `Gem::Version`'s pattern.
pub fn validate(version: &str) -> Result<(), String> {
    let version = version.trim();
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("version does not start with a digit".to_string());
    }
    if let Some(bad) = version
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
    {
        return Err(format!("invalid character `{bad}`"));
    }
    Ok(())
}
