//! An "image" holding real PyPI packages at old versions with known advisories: installed
//! from the registry with `pip install --target` (pure-Python wheels, no dependencies), listed
//! by reading each `*.dist-info/METADATA` (the real cataloger lives in another crate), and
//! matched against the PyPA records in `shared/fixtures/osv/pypa/`. The expected advisories
//! are read independently from the records' explicit `versions` lists.
//!
//! Needs `python3 -m pip` and the PyPI registry on first run; the install is kept under the
//! target directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tollgate_facts::{Distro, Ecosystem, FixState, Package};
use tollgate_testkit::{OLD_PYPI_REQUIREMENTS, pip_install_target, pypa_listed_advisories};
use tollgate_vulndb::{Database, import, pep503};

fn pypa_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv/pypa")
}

fn site_packages() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vulndb-pypi-image/site-packages");
    pip_install_target(&dir, &OLD_PYPI_REQUIREMENTS);
    dir
}

/// A minimal cataloger: `Name:` and `Version:` of every `*.dist-info/METADATA`.
fn catalog(site: &Path) -> Vec<Package> {
    let mut packages = Vec::new();
    for entry in std::fs::read_dir(site).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".dist-info") {
            continue;
        }
        let metadata = std::fs::read_to_string(path.join("METADATA")).unwrap();
        let field = |key: &str| {
            metadata
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .map(|value| value.trim().to_string())
                .unwrap()
        };
        packages.push(Package {
            name: pep503(&field("Name:")),
            version: field("Version:"),
            ecosystem: Ecosystem::Python,
            path: path.join("METADATA").to_string_lossy().into_owned(),
            ..Package::default()
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages
}

#[test]
fn installed_pypi_packages_report_exactly_their_advisories() {
    let packages = catalog(&site_packages());
    let found: Vec<(String, String)> = packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("jinja2".into(), "2.10".into()),
            ("requests".into(), "2.19.1".into()),
            ("urllib3".into(), "1.24.1".into())
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("pypa.tgdb");
    let report = import(&[pypa_dir()], &db_path).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let db = Database::open(&db_path).unwrap();
    let distro = Distro {
        id: "debian".into(),
        version: "12".into(),
        ..Distro::default()
    };
    let vulnerabilities = db.match_packages(&packages, Some(&distro));

    for package in &packages {
        let expected = pypa_listed_advisories(&pypa_dir(), &package.name, &package.version, pep503);
        assert!(
            !expected.is_empty(),
            "{} {} has known advisories",
            package.name,
            package.version
        );
        let reported: BTreeSet<String> = vulnerabilities
            .iter()
            .filter(|v| v.package.name == package.name)
            .map(|v| {
                // Each finding is named by its CVE and carries the PYSEC id as an alias.
                assert!(v.id.starts_with("CVE-"), "{v:#?}");
                v.aliases
                    .iter()
                    .find(|alias| alias.starts_with("PYSEC-"))
                    .cloned()
                    .unwrap()
            })
            .collect();
        assert_eq!(reported, expected, "{} {}", package.name, package.version);
    }
    // Spot checks against the records: requests 2.19.1 has CVE-2018-18074 (fixed in 2.20.0)
    // and CVE-2023-32681 (fixed in 2.31.0).
    let requests: Vec<_> = vulnerabilities
        .iter()
        .filter(|v| v.package.name == "requests")
        .collect();
    let ids: Vec<(&str, Option<&str>)> = requests
        .iter()
        .map(|v| (v.id.as_str(), v.fixed_in.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("CVE-2018-18074", Some("2.20.0")),
            ("CVE-2023-32681", Some("2.31.0"))
        ]
    );
    assert!(
        requests
            .iter()
            .all(|v| v.fix_state == FixState::Fixed && v.package.path.ends_with("METADATA"))
    );
}
