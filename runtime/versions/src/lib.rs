//! Version orderings of every package ecosystem: dpkg, apk, rpm, PEP 440, SemVer (npm,
//! crates.io, Go), Maven, RubyGems, Packagist and NuGet. The policy language's `version`
//! comparisons and the vulnerability matcher use this one implementation.
//!
//! Every ordering is total and deterministic on any input, including strings the ecosystem
//! would reject, and never panics: versions come from untrusted images and databases. Each
//! module documents how it places invalid versions. Numbers of any length compare by value.

pub mod apk;
pub mod composer;
mod digits;
pub mod dpkg;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;

use tollgate_facts::Ecosystem;

/// Compares two versions with `ecosystem`'s ordering. Never panics: a version the ecosystem's
/// syntax does not accept still gets a total, deterministic order.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    match ecosystem {
        Ecosystem::Deb => dpkg::compare(a, b),
        Ecosystem::Apk => apk::compare(a, b),
        Ecosystem::Rpm => rpm::compare(a, b),
        Ecosystem::Python => pep440::compare(a, b),
        Ecosystem::Npm | Ecosystem::Cargo | Ecosystem::Go => semver::compare(a, b),
        Ecosystem::Java => maven::compare(a, b),
        Ecosystem::Gem => rubygems::compare(a, b),
        Ecosystem::Composer => composer::compare(a, b),
        Ecosystem::Nuget => nuget::compare(a, b),
        // No known syntax: rpm's segment comparison is a sensible natural order
        // (numbers by value, letters alphabetically, punctuation ignored).
        Ecosystem::Unknown => rpm::rpmvercmp(a, b),
    }
}

/// Checks that `version` is well-formed in `ecosystem`'s syntax; the error says what is
/// wrong, in the diagnostic style (lowercase, no final period).
pub fn parse_valid(ecosystem: Ecosystem, version: &str) -> Result<(), String> {
    match ecosystem {
        Ecosystem::Deb => dpkg::validate(version),
        Ecosystem::Apk => apk::validate(version),
        Ecosystem::Rpm => rpm::validate(version),
        Ecosystem::Python => pep440::validate(version),
        Ecosystem::Npm | Ecosystem::Cargo | Ecosystem::Go => semver::validate(version),
        Ecosystem::Java => maven::validate(version),
        Ecosystem::Gem => rubygems::validate(version),
        Ecosystem::Composer => composer::validate(version),
        Ecosystem::Nuget => nuget::validate(version),
        Ecosystem::Unknown if version.trim().is_empty() => Err("empty version".to_string()),
        Ecosystem::Unknown => Ok(()),
    }
}
