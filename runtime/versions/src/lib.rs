//! Version orderings of every package ecosystem: dpkg, apk, rpm, PEP 440, SemVer (npm,
//! crates.io, Go), Maven, RubyGems, Packagist and NuGet. The policy language's `version`
//! comparisons and the vulnerability matcher use this one implementation.

use std::cmp::Ordering;

use tollgate_facts::Ecosystem;

/// Compares two versions with `ecosystem`'s ordering. Never panics: a version the ecosystem's
/// syntax does not accept still gets a total, deterministic order.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    // Placeholder until the per-ecosystem orderings land (issue 6).
    let _ = ecosystem;
    a.cmp(b)
}
