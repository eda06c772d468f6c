//! Benchmarks: importing all of `shared/fixtures/osv/`; loading an index of 200,000 generated
//! records; matching 10,000 packages against it.
//!
//! Run: `cargo bench -p tollgate-vulndb --bench vulndb`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: benchmark setup; a failure should stop the run loudly.

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_facts::{Distro, Ecosystem, Package};
use tollgate_vulndb::{Database, import};

const RECORDS: usize = 200_000;
const PACKAGES: usize = 10_000;
/// Distinct package names per ecosystem in the records: about 1.4 records per name, as in
/// osv.dev's data (PyPI: about 13,000 records over 9,000 projects).
const NAMES: usize = 20_000;
/// Packages draw names from a pool half again as large, so a third of them have no record
/// at all, as in a real image where most packages are not vulnerable.
const PACKAGE_NAMES: usize = 30_000;

/// (OSV ecosystem, facts ecosystem, version shape)
const ECOSYSTEMS: [(&str, Ecosystem); 7] = [
    ("PyPI", Ecosystem::Python),
    ("npm", Ecosystem::Npm),
    ("crates.io", Ecosystem::Cargo),
    ("Go", Ecosystem::Go),
    ("Maven", Ecosystem::Java),
    ("Debian:12", Ecosystem::Deb),
    ("Alpine:v3.19", Ecosystem::Apk),
];

fn version(ecosystem: Ecosystem, seed: usize) -> String {
    let (major, minor, patch) = (seed % 7, (seed / 7) % 13, (seed / 91) % 17);
    match ecosystem {
        Ecosystem::Deb => format!(
            "{major}.{minor}.{patch}-{}+deb12u{}",
            seed % 3 + 1,
            seed % 4
        ),
        Ecosystem::Apk => format!("{major}.{minor}.{patch}-r{}", seed % 5),
        Ecosystem::Go => format!("v{major}.{minor}.{patch}"),
        _ => format!("{major}.{minor}.{patch}"),
    }
}

/// A zip of 200,000 OSV records over seven ecosystems, built once and kept.
fn generated_zip() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vulndb-bench-200k.zip");
    if path.exists() {
        return path;
    }
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..RECORDS {
        let (osv_ecosystem, ecosystem) = ECOSYSTEMS[index % ECOSYSTEMS.len()];
        let name = format!("package-{}", (index / ECOSYSTEMS.len()) % NAMES);
        let introduced = version(ecosystem, index % 500);
        let fixed = version(ecosystem, index % 500 + 300);
        let record = serde_json::json!({
            "id": format!("GEN-{index}"),
            "modified": "2026-01-01T00:00:00Z",
            "aliases": [format!("CVE-2026-{index}")],
            "summary": "generated",
            "severity": [{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }],
            "affected": [{
                "package": { "ecosystem": osv_ecosystem, "name": name },
                "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": introduced }, { "fixed": fixed }] }]
            }]
        });
        writer
            .start_file(format!("GEN-{index}.json"), options)
            .unwrap();
        writer.write_all(record.to_string().as_bytes()).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn generated_db(dir: &Path) -> PathBuf {
    let output = dir.join("generated.tgdb");
    let report = import(&[generated_zip()], &output).unwrap();
    assert_eq!(report.records, RECORDS);
    output
}

fn packages() -> Vec<Package> {
    (0..PACKAGES)
        .map(|index| {
            let (_, ecosystem) = ECOSYSTEMS[index % ECOSYSTEMS.len()];
            Package {
                name: format!("package-{}", (index * 7919) % PACKAGE_NAMES),
                source_name: String::new(),
                version: version(ecosystem, index % 900),
                ecosystem,
                ..Package::default()
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv");
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("vulndb");
    group.sample_size(10);
    group.bench_function("import all fixture OSV data (8,301 files)", |b| {
        b.iter(|| {
            import(
                black_box(std::slice::from_ref(&fixtures)),
                &dir.path().join("fixtures.tgdb"),
            )
            .unwrap()
        })
    });
    let db_path = generated_db(dir.path());
    group.sample_size(50);
    group.bench_function("load index of 200,000 records", |b| {
        b.iter(|| Database::open(black_box(&db_path)).unwrap())
    });
    let db = Database::open(&db_path).unwrap();
    let packages = packages();
    let distro = Distro {
        id: "debian".into(),
        version: "12".into(),
        ..Distro::default()
    };
    let found = db.match_packages(&packages, Some(&distro)).len();
    eprintln!(
        "matching {PACKAGES} packages against {RECORDS} records finds {found} vulnerabilities"
    );
    group.bench_function("match 10,000 packages against 200,000 records", |b| {
        b.iter(|| db.match_packages(black_box(&packages), Some(&distro)))
    });
    group.finish();
}

criterion_group!(vulndb, benches);
criterion_main!(vulndb);
