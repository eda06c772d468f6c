//! The real OSV data in `shared/fixtures/osv/`: the whole folder imports with exact counts,
//! and real records match hand-made packages exactly (Debian DLAs against Debian 9, the
//! Alpine record against 3.11 and 3.16, AlmaLinux epochs, RustSec's `0.0.0-0`, Go, PyPI).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::path::PathBuf;
use std::sync::OnceLock;

use tollgate_facts::{Distro, Ecosystem, FixState, Package, Severity};
use tollgate_vulndb::{Database, DbError, ImportReport, import};

mod common;

use common::package;

fn osv_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv")
}

/// The whole fixture folder imported once for this test binary.
fn fixture_db() -> &'static (tempfile::TempDir, ImportReport, PathBuf) {
    static DB: OnceLock<(tempfile::TempDir, ImportReport, PathBuf)> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("osv.tgdb");
        let report = import(&[osv_dir()], &path).unwrap();
        (dir, report, path)
    })
}

fn open() -> Database {
    Database::open(&fixture_db().2).unwrap()
}

fn distro(id: &str, version: &str) -> Distro {
    Distro {
        id: id.into(),
        version: version.into(),
        ..Distro::default()
    }
}

#[test]
fn whole_fixture_folder_imports_with_exact_counts() {
    let (_, report, _) = fixture_db();
    // 8,301 JSON/YAML files: 8,259 records, 40 withdrawn (13 RustSec, 17 Go, 10 PyPA), and
    // the two schema files, which are not records.
    assert_eq!(report.files, 8301);
    assert_eq!(report.records, 8259);
    assert_eq!(report.withdrawn, 40);
    assert_eq!(report.duplicates, 0);
    assert_eq!(report.git_ranges_skipped, 1391);
    let mut failed: Vec<&str> = report
        .failures
        .iter()
        .map(|failure| failure.file.as_str())
        .collect();
    failed.sort_unstable();
    assert_eq!(failed.len(), 2, "{:#?}", report.failures);
    assert!(failed[0].ends_with("schema/ecosystems.json"), "{failed:?}");
    assert!(failed[1].ends_with("schema/osv-schema.json"), "{failed:?}");
    assert!(
        report
            .failures
            .iter()
            .all(|failure| failure.message.contains("missing field `id`")),
        "{:#?}",
        report.failures
    );
    assert_eq!(report.ecosystems["PyPI"], 2651);
    assert_eq!(report.ecosystems["Go"], 4274);
    assert_eq!(report.ecosystems["crates.io"], 1193);
    assert_eq!(report.ecosystems["AlmaLinux:9"], 134);
    assert_eq!(report.ecosystems["Debian:9"], 4);
    assert_eq!(report.ecosystems["Alpine:v3.16"], 1);
    // RUSTSEC-2026-0266 is the newest record.
    assert_eq!(report.newest_modified, "2026-08-21T06:28:40Z");
}

#[test]
fn info_reports_counts_and_dates() {
    let (_, report, _) = fixture_db();
    let info = open().info();
    assert_eq!(info.records, 8259);
    assert_eq!(info.git_ranges_skipped, 1391);
    assert_eq!(info.withdrawn_skipped, 40);
    assert_eq!(info.ecosystems.get("Go"), Some(&4274));
    assert_eq!(info.ecosystems.len(), report.ecosystems.len());
    assert_eq!(
        info.newest_modified.unwrap().to_string(),
        "2026-08-21T06:28:40Z"
    );
    let facts = open().facts_info();
    assert_eq!(facts.records, 8259);
    assert!(
        facts.sources.contains(&"Debian".to_string())
            && facts.sources.contains(&"PyPI".to_string())
    );
    assert!(facts.built.is_some());
}

#[test]
fn debian_dlas_match_debian_9_source_packages() {
    let db = open();
    let stretch = distro("debian", "9");
    let packages = [
        package(Ecosystem::Deb, "libssl1.1", "openssl", "1.1.0l-1~deb9u5"),
        package(Ecosystem::Deb, "libxml2", "", "2.9.4+dfsg1-2.2+deb9u7"),
        package(Ecosystem::Deb, "dpkg", "", "1.18.25"),
        package(Ecosystem::Deb, "tzdata", "", "2021a-0+deb9u4"),
    ];
    let found = db.match_packages(&packages, Some(&stretch));
    let summary: Vec<(&str, &str, &str, Option<&str>)> = found
        .iter()
        .map(|v| {
            (
                v.id.as_str(),
                v.aliases.join(",").leak() as &str,
                v.package.name.as_str(),
                v.fixed_in.as_deref(),
            )
        })
        .collect();
    // libxml2 and tzdata are at their fixed versions: only openssl and dpkg are affected.
    assert_eq!(
        summary,
        [
            (
                "CVE-2022-1292",
                "DLA-3008-1",
                "libssl1.1",
                Some("1.1.0l-1~deb9u6")
            ),
            ("CVE-2022-1664", "DLA-3022-1", "dpkg", Some("1.18.26")),
        ]
    );
    assert!(found.iter().all(|v| v.fix_state == FixState::Fixed));
    assert_eq!(found[0].summary, "openssl - security update");
    assert_eq!(
        found[0].published.unwrap().to_string(),
        "2022-05-14T00:00:00Z"
    );
    // The same packages on Debian 12 match nothing: the records are for Debian 9.
    assert!(
        db.match_packages(&packages, Some(&distro("debian", "12")))
            .is_empty()
    );
    // A package's own `distro` field wins over the image's.
    let mut tagged = packages[0].clone();
    tagged.distro = "Debian:9".into();
    assert_eq!(db.match_packages(&[tagged], None).len(), 1);
}

#[test]
fn alpine_record_does_not_match_alpine_3_11() {
    let db = open();
    let musl = package(Ecosystem::Apk, "musl", "musl", "1.1.24-r2");
    assert!(
        db.match_packages(
            std::slice::from_ref(&musl),
            Some(&distro("alpine", "3.11.5"))
        )
        .is_empty()
    );
    let musl_316 = package(Ecosystem::Apk, "musl-utils", "musl", "1.2.3-r0");
    let found = db.match_packages(&[musl_316], Some(&distro("alpine", "3.16.2")));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "CVE-2025-26519");
    assert_eq!(found[0].aliases, ["ALPINE-CVE-2025-26519"]);
    assert_eq!(found[0].fixed_in.as_deref(), Some("1.2.3-r4"));
    // At the fix, nothing.
    let fixed = package(Ecosystem::Apk, "musl", "musl", "1.2.3-r4");
    assert!(
        db.match_packages(&[fixed], Some(&distro("alpine", "3.16.2")))
            .is_empty()
    );
}

#[test]
fn almalinux_epochs_decide() {
    let db = open();
    let alma = distro("almalinux", "9.0");
    let ids = |version: &str| -> Vec<(String, Option<String>)> {
        db.match_packages(
            &[package(Ecosystem::Rpm, "openssl-libs", "openssl", version)],
            Some(&alma),
        )
        .into_iter()
        .map(|v| (v.id, v.fixed_in))
        .collect()
    };
    let both = vec![
        (
            "ALSA-2022:6224".to_string(),
            Some("1:3.0.1-41.el9_0".to_string()),
        ),
        (
            "ALSA-2022:7288".to_string(),
            Some("1:3.0.1-43.el9_0".to_string()),
        ),
    ];
    assert_eq!(ids("1:3.0.1-40.el9_0"), both);
    // Without an epoch (0), even a much later release is older than `1:...`.
    assert_eq!(ids("3.0.1-99.el9_0"), both);
    assert_eq!(ids("1:3.0.1-42.el9_0"), both[1..]);
    assert!(ids("1:3.0.1-43.el9_0").is_empty());
    // The record's own rating comes from its `Important:` style summary.
    let found = db.match_packages(
        &[package(
            Ecosystem::Rpm,
            "openssl-libs",
            "",
            "1:3.0.1-40.el9_0",
        )],
        Some(&alma),
    );
    assert!(
        found.iter().all(|v| v.severity != Severity::Unknown),
        "{found:#?}"
    );
}

#[test]
fn rustsec_zero_zero_zero_dash_zero_introduces_everything() {
    let db = open();
    let found = db.match_packages(&[package(Ecosystem::Cargo, "openssl", "", "0.8.3")], None);
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    assert!(ids.contains(&"CVE-2016-10931"), "{ids:?}");
    let openssl = found.iter().find(|v| v.id == "CVE-2016-10931").unwrap();
    assert!(
        openssl.aliases.contains(&"RUSTSEC-2016-0001".to_string())
            && openssl.aliases.contains(&"GHSA-34p9-f4q3-c4r7".to_string())
    );
    assert_eq!(openssl.fixed_in.as_deref(), Some("0.9.0"));
    // CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H scores 8.1.
    assert_eq!(openssl.cvss_score, Some(8.1));
    assert_eq!(openssl.severity, Severity::High);
    // 0.9.0 is fixed for this advisory.
    let later = db.match_packages(&[package(Ecosystem::Cargo, "openssl", "", "0.9.0")], None);
    assert!(later.iter().all(|v| v.id != "CVE-2016-10931"));
}

#[test]
fn go_modules_match_with_v_prefixed_versions() {
    let db = open();
    let found = |version: &str| -> Vec<(String, Option<String>)> {
        db.match_packages(
            &[package(Ecosystem::Go, "golang.org/x/text", "", version)],
            None,
        )
        .into_iter()
        .map(|v| (v.id, v.fixed_in))
        .collect()
    };
    // GO-2020-0015 (fixed 0.3.3), GO-2021-0113 (0.3.7), GO-2022-1059 (0.3.8), GO-2026-5970 (0.39.0).
    let owned = |items: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
        items
            .iter()
            .map(|(id, fixed)| (id.to_string(), Some(fixed.to_string())))
            .collect()
    };
    assert_eq!(
        found("v0.3.5"),
        owned(&[
            ("CVE-2021-38561", "0.3.7"),
            ("CVE-2022-32149", "0.3.8"),
            ("CVE-2026-56852", "0.39.0")
        ])
    );
    assert_eq!(found("v0.3.8"), owned(&[("CVE-2026-56852", "0.39.0")]));
    assert!(found("v0.39.0").is_empty());
}

#[test]
fn zip_archives_import_like_folders() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<PathBuf> = std::fs::read_dir(osv_dir().join("debian"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in &names {
        writer
            .start_file(path.file_name().unwrap().to_string_lossy(), options)
            .unwrap();
        std::io::Write::write_all(&mut writer, &std::fs::read(path).unwrap()).unwrap();
    }
    writer.start_file("broken.json", options).unwrap();
    std::io::Write::write_all(&mut writer, b"{\"id\": ").unwrap();
    writer.finish().unwrap();
    let output = dir.path().join("debian.tgdb");
    let report = import(&[zip_path], &output).unwrap();
    assert_eq!(report.records, 5);
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].file.ends_with("all.zip:broken.json"),
        "{:?}",
        report.failures
    );
    let info = Database::open(&output).unwrap().info();
    assert_eq!(info.ecosystems.get("Debian:9"), Some(&4));
    assert_eq!(info.ecosystems.get("Debian:7"), Some(&1));
}

#[test]
fn other_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let not_db = dir.path().join("x.tgdb");
    std::fs::write(&not_db, b"hello").unwrap();
    let err = Database::open(&not_db).unwrap_err();
    assert!(matches!(err, DbError::NotADatabase { .. }));
    assert!(
        err.to_string()
            .contains("is not a tollgate vulnerability database"),
        "{err}"
    );
    let mut bytes = std::fs::read(&fixture_db().2).unwrap();
    bytes[16] = 99;
    std::fs::write(&not_db, &bytes).unwrap();
    let err = Database::open(&not_db).unwrap_err();
    assert!(err.to_string().contains("format version 99"), "{err}");
    assert!(
        err.to_string()
            .contains("rebuild it with `tollgate db import`"),
        "{err}"
    );
    // Truncated: the section table points past the end.
    let bytes = std::fs::read(&fixture_db().2).unwrap();
    std::fs::write(&not_db, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Database::open(&not_db).unwrap_err(),
        DbError::Corrupt { .. }
    ));
    // A name index (section 7, descriptor at 64 + 7 * 16) of three slots: not a power of
    // two, so probing could not wrap; refused rather than read.
    let mut bytes = std::fs::read(&fixture_db().2).unwrap();
    bytes[64 + 7 * 16 + 8..64 + 8 * 16].copy_from_slice(&(3u64 * 12).to_le_bytes());
    std::fs::write(&not_db, &bytes).unwrap();
    let err = Database::open(&not_db).unwrap_err();
    assert!(err.to_string().contains("name index"), "{err}");
    // A name index whose slots all point at the wrong entries finds nothing, and does not
    // crash: every slot is checked against the ecosystem's entries and the name.
    let mut bytes = std::fs::read(&fixture_db().2).unwrap();
    let descriptor = 64 + 7 * 16;
    let offset = u64::from_le_bytes(bytes[descriptor..descriptor + 8].try_into().unwrap()) as usize;
    let len =
        u64::from_le_bytes(bytes[descriptor + 8..descriptor + 16].try_into().unwrap()) as usize;
    for slot in bytes[offset..offset + len].chunks_mut(12) {
        if slot[8..12] != [0; 4] {
            slot[4..8].copy_from_slice(&0u32.to_le_bytes());
        }
    }
    std::fs::write(&not_db, &bytes).unwrap();
    let damaged = Database::open(&not_db).unwrap();
    let lxml = Package {
        name: "lxml".into(),
        version: "4.6.2".into(),
        ecosystem: Ecosystem::Python,
        ..Package::default()
    };
    assert!(
        !open()
            .match_packages(std::slice::from_ref(&lxml), None)
            .is_empty()
    );
    assert!(damaged.match_packages(&[lxml], None).is_empty());
    assert!(matches!(
        import(&[dir.path().join("missing")], &dir.path().join("o")),
        Err(DbError::Read { .. })
    ));
}
