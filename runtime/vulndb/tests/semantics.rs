//! OSV range semantics, alias merging, severity and fix state, on small hand-written
//! records that each exercise one rule of the OSV schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use serde_json::json;
use tollgate_facts::{Distro, Ecosystem, FixState, Package, Severity, Vulnerability};
use tollgate_vulndb::{Database, import};

fn database(records: &[serde_json::Value]) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let records_dir = dir.path().join("records");
    std::fs::create_dir(&records_dir).unwrap();
    for (index, record) in records.iter().enumerate() {
        std::fs::write(
            records_dir.join(format!("{index}.json")),
            record.to_string(),
        )
        .unwrap();
    }
    let path = dir.path().join("db");
    let report = import(&[records_dir], &path).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let db = Database::open(&path).unwrap();
    (dir, db)
}

fn record(id: &str, ecosystem: &str, name: &str, ranges: serde_json::Value) -> serde_json::Value {
    json!({
        "id": id, "modified": "2024-01-01T00:00:00Z",
        "affected": [{ "package": { "ecosystem": ecosystem, "name": name }, "ranges": ranges }]
    })
}

fn pkg(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem,
        ..Package::default()
    }
}

fn matched(db: &Database, package: Package) -> Vec<Vulnerability> {
    db.match_packages(&[package], None)
}

fn affected(db: &Database, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
    !matched(db, pkg(ecosystem, name, version)).is_empty()
}

#[test]
fn introduced_fixed_last_affected_and_limit() {
    let (_dir, db) = database(&[
        record(
            "A-1",
            "PyPI",
            "fixed-pkg",
            json!([{ "type": "ECOSYSTEM", "events": [{ "introduced": "1.0" }, { "fixed": "1.5" }] }]),
        ),
        record(
            "A-2",
            "PyPI",
            "last-pkg",
            json!([{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "last_affected": "2.0" }] }]),
        ),
        record(
            "A-3",
            "PyPI",
            "limit-pkg",
            json!([{ "type": "ECOSYSTEM", "events": [{ "introduced": "1.0" }, { "limit": "3.0" }] }]),
        ),
        // Fixed, then re-introduced and fixed again: the events are sorted before evaluation.
        record(
            "A-4",
            "PyPI",
            "twice-pkg",
            json!([{ "type": "ECOSYSTEM", "events": [
            { "introduced": "3.0" }, { "fixed": "3.2" }, { "introduced": "1.0" }, { "fixed": "1.1" }
        ] }]),
        ),
        // Two ranges: affected if either says so.
        record(
            "A-5",
            "npm",
            "ranges-pkg",
            json!([
                { "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": "1.2.3" }] },
                { "type": "SEMVER", "events": [{ "introduced": "2.0.0-rc.1" }, { "fixed": "2.0.1" }] }
            ]),
        ),
    ]);
    let py = |name: &str, version: &str| affected(&db, Ecosystem::Python, name, version);
    assert!(
        !py("fixed-pkg", "0.9")
            && py("fixed-pkg", "1.0")
            && py("fixed-pkg", "1.5rc1")
            && !py("fixed-pkg", "1.5")
    );
    assert!(
        py("last-pkg", "0.1")
            && py("last-pkg", "2.0")
            && py("last-pkg", "2.0.0")
            && !py("last-pkg", "2.0.1")
    );
    assert!(!py("limit-pkg", "0.5") && py("limit-pkg", "2.9") && !py("limit-pkg", "3.0"));
    assert!(
        py("twice-pkg", "1.0.5")
            && !py("twice-pkg", "1.1")
            && !py("twice-pkg", "2.0")
            && py("twice-pkg", "3.1")
            && !py("twice-pkg", "3.2")
    );
    let npm = |version: &str| affected(&db, Ecosystem::Npm, "ranges-pkg", version);
    assert!(
        npm("1.0.0")
            && !npm("1.2.3")
            && !npm("2.0.0-beta")
            && npm("2.0.0-rc.2")
            && npm("2.0.0")
            && !npm("2.0.1")
    );
    // `fixed_in` is the smallest fix above the installed version, and the state follows.
    let fixed = matched(&db, pkg(Ecosystem::Npm, "ranges-pkg", "2.0.0"));
    assert_eq!(
        (fixed[0].fixed_in.as_deref(), fixed[0].fix_state),
        (Some("2.0.1"), FixState::Fixed)
    );
    let unfixed = matched(&db, pkg(Ecosystem::Python, "last-pkg", "1.0"));
    assert_eq!(
        (unfixed[0].fixed_in.as_deref(), unfixed[0].fix_state),
        (None, FixState::NotFixed)
    );
}

#[test]
fn versions_lists_and_git_ranges() {
    let (_dir, db) = database(&[json!({
        "id": "V-1", "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": { "ecosystem": "PyPI", "name": "Listed_Pkg" },
            "ranges": [{ "type": "GIT", "repo": "https://example.invalid/r", "events": [{ "introduced": "0" }, { "fixed": "abc123" }] }],
            "versions": ["1.0", "1.1"]
        }]
    })]);
    // PEP 503 names on both sides; PEP 440 equality for listed versions.
    assert!(affected(&db, Ecosystem::Python, "listed-pkg", "1.1"));
    assert!(affected(&db, Ecosystem::Python, "Listed.Pkg", "1.0.0"));
    assert!(!affected(&db, Ecosystem::Python, "listed-pkg", "1.2"));
    let found = matched(&db, pkg(Ecosystem::Python, "listed-pkg", "1.0"));
    assert_eq!(found[0].fix_state, FixState::Unknown);
    assert_eq!(db.info().git_ranges_skipped, 1);
}

#[test]
fn aliases_merge_into_one_finding_named_by_its_cve() {
    let debian = |id: &str, extra: serde_json::Value| {
        let mut value = json!({
            "id": id, "modified": "2024-02-01T00:00:00Z", "published": "2024-01-10T00:00:00Z",
            "affected": [{ "package": { "ecosystem": "Debian:12", "name": "openssl" },
                "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "3.0.13-1~deb12u1" }] }] }]
        });
        for (key, item) in extra.as_object().unwrap() {
            value[key] = item.clone();
        }
        value
    };
    let (_dir, db) = database(&[
        debian(
            "DSA-5621-1",
            json!({ "upstream": ["CVE-2024-0727"], "summary": "openssl - security update" }),
        ),
        debian(
            "DEBIAN-CVE-2024-0727",
            json!({ "upstream": ["CVE-2024-0727"],
            "severity": [{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H" }] }),
        ),
        debian(
            "GHSA-9v9h-cgj8-h64p",
            json!({ "aliases": ["CVE-2024-0727"], "published": "2024-01-09T00:00:00Z" }),
        ),
        debian(
            "DSA-9999-1",
            json!({ "upstream": ["CVE-2024-1111", "CVE-2024-2222"] }),
        ),
    ]);
    let package = Package {
        name: "libssl3".into(),
        source_name: "openssl".into(),
        version: "3.0.11-1~deb12u2".into(),
        ecosystem: Ecosystem::Deb,
        ..Package::default()
    };
    let distro = Distro {
        id: "debian".into(),
        version: "12".into(),
        ..Distro::default()
    };
    let found = db.match_packages(&[package], Some(&distro));
    let ids: Vec<(&str, Vec<String>)> = found
        .iter()
        .map(|v| (v.id.as_str(), v.aliases.clone()))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "CVE-2024-0727",
                vec![
                    "DEBIAN-CVE-2024-0727".into(),
                    "DSA-5621-1".into(),
                    "GHSA-9v9h-cgj8-h64p".into()
                ]
            ),
            // An advisory for two CVEs is not either of them.
            ("DSA-9999-1", vec![]),
        ]
    );
    let merged = &found[0];
    assert_eq!(merged.cvss_score, Some(5.5));
    assert_eq!(merged.severity, Severity::Medium);
    assert_eq!(merged.fixed_in.as_deref(), Some("3.0.13-1~deb12u1"));
    assert_eq!(merged.summary, "openssl - security update");
    assert_eq!(
        merged.published.unwrap().to_string(),
        "2024-01-09T00:00:00Z"
    );
}

#[test]
fn severity_falls_back_from_v3_to_v4_to_the_records_rating() {
    let with = |id: &str, extra: serde_json::Value| {
        let mut value = record(
            id,
            "crates.io",
            id,
            json!([{ "type": "SEMVER", "events": [{ "introduced": "0.0.0-0" }] }]),
        );
        for (key, item) in extra.as_object().unwrap() {
            value[key] = item.clone();
        }
        value
    };
    let (_dir, db) = database(&[
        with(
            "v3",
            json!({ "severity": [
            { "type": "CVSS_V4", "score": "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N" },
            { "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }
        ] }),
        ),
        with(
            "v4",
            json!({ "severity": [{ "type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" }] }),
        ),
        with(
            "word",
            json!({ "database_specific": { "severity": "MODERATE" } }),
        ),
        with("none", json!({})),
    ]);
    let rate = |name: &str| {
        let found = matched(&db, pkg(Ecosystem::Cargo, name, "1.0.0"));
        (found[0].severity, found[0].cvss_score, found[0].fix_state)
    };
    assert_eq!(
        rate("v3"),
        (Severity::Critical, Some(9.8), FixState::NotFixed)
    );
    // CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N scores 9.3 in FIRST's
    // calculator and its examples document.
    assert_eq!(
        rate("v4"),
        (Severity::Critical, Some(9.3), FixState::NotFixed)
    );
    assert_eq!(rate("word"), (Severity::Medium, None, FixState::NotFixed));
    assert_eq!(rate("none"), (Severity::Unknown, None, FixState::NotFixed));
}

#[test]
fn wont_fix_and_case_insensitive_registries() {
    let (_dir, db) = database(&[
        json!({ "id": "W-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{ "package": { "ecosystem": "Ubuntu:22.04:LTS", "name": "zlib" },
                "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }] }],
                "ecosystem_specific": { "status": "ignored" } }] }),
        record(
            "N-1",
            "NuGet",
            "Newtonsoft.Json",
            json!([{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "13.0.1" }] }]),
        ),
    ]);
    let ubuntu = Distro {
        id: "ubuntu".into(),
        version: "22.04".into(),
        ..Distro::default()
    };
    let zlib = Package {
        name: "zlib1g".into(),
        source_name: "zlib".into(),
        version: "1:1.2.11.dfsg-2ubuntu9".into(),
        ecosystem: Ecosystem::Deb,
        ..Package::default()
    };
    let found = db.match_packages(&[zlib], Some(&ubuntu));
    assert_eq!(found[0].fix_state, FixState::WontFix);
    assert!(affected(&db, Ecosystem::Nuget, "newtonsoft.json", "12.0.3"));
    assert!(!affected(
        &db,
        Ecosystem::Nuget,
        "Newtonsoft.Json",
        "13.0.1"
    ));
}
