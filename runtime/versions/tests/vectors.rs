//! The published version-ordering vectors in `shared/fixtures/versions/` (osv-scalibr's and
//! osv.dev's): every `A <op> B` line of every file must hold, in both directions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::cmp::Ordering;
use std::path::PathBuf;

use tollgate_facts::Ecosystem;
use tollgate_versions::{compare, parse_valid};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/versions")
}

/// Checks every vector of one file; returns how many lines were checked.
fn check_file(ecosystem: Ecosystem, name: &str) -> usize {
    let path = fixtures().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(
            parts.len(),
            3,
            "{name}:{}: malformed vector `{line}`",
            number + 1
        );
        let expected = match parts[1] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            other => panic!("{name}:{}: unknown operator `{other}`", number + 1),
        };
        let forward = compare(ecosystem, parts[0], parts[2]);
        let backward = compare(ecosystem, parts[2], parts[0]);
        if forward != expected || backward != expected.reverse() {
            failures.push(format!(
                "{name}:{}: `{line}` gave {forward:?}/{backward:?}",
                number + 1
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn dpkg_vectors() {
    assert_eq!(
        check_file(Ecosystem::Deb, "scalibr/debian-versions.txt"),
        30
    );
    assert_eq!(
        check_file(Ecosystem::Deb, "scalibr/debian-versions-generated.txt"),
        14_442
    );
}

#[test]
fn apk_vectors() {
    assert_eq!(
        check_file(Ecosystem::Apk, "scalibr/alpine-versions.txt"),
        778
    );
    assert_eq!(
        check_file(Ecosystem::Apk, "scalibr/alpine-versions-generated.txt"),
        13_979
    );
}

#[test]
fn rpm_vectors() {
    assert_eq!(
        check_file(Ecosystem::Rpm, "scalibr/redhat-versions.txt"),
        165
    );
}

#[test]
fn pep440_vectors() {
    assert_eq!(
        check_file(Ecosystem::Python, "scalibr/pypi-versions.txt"),
        37
    );
    assert_eq!(
        check_file(Ecosystem::Python, "scalibr/pypi-versions-generated.txt"),
        12_375
    );
}

#[test]
fn semver_vectors() {
    for ecosystem in [Ecosystem::Npm, Ecosystem::Cargo, Ecosystem::Go] {
        assert_eq!(check_file(ecosystem, "scalibr/semver-versions.txt"), 86);
    }
}

#[test]
fn maven_vectors() {
    assert_eq!(
        check_file(Ecosystem::Java, "scalibr/maven-versions.txt"),
        102
    );
}

#[test]
fn rubygems_vectors() {
    assert_eq!(
        check_file(Ecosystem::Gem, "scalibr/rubygems-versions.txt"),
        25
    );
}

#[test]
fn alpine_valid_and_invalid_strings() {
    let read = |name: &str| {
        std::fs::read_to_string(fixtures().join(name))
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let valid = read("osv.dev-alpine-valid_versions.txt");
    assert!(valid.len() > 150);
    for version in &valid {
        assert_eq!(parse_valid(Ecosystem::Apk, version), Ok(()), "{version}");
    }
    let invalid = read("osv.dev-alpine-invalid_versions.txt");
    assert_eq!(invalid.len(), 11);
    for version in &invalid {
        assert!(
            parse_valid(Ecosystem::Apk, version).is_err(),
            "{version} should be invalid"
        );
    }
}
