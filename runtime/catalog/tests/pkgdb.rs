//! Every real package database and metadata file in `shared/fixtures/pkgdb`, cataloged as the
//! image reader would, with exact expected results (the `expected-packages.tsv` files where a
//! fixture has one, else the values the fixture declares).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: tests fail by panicking.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{catalog_files, catalog_root, expected_rows, pkgdb};
use tollgate_facts::{Distro, Ecosystem, Package};

fn names(packages: &[Package]) -> Vec<&str> {
    packages
        .iter()
        .map(|package| package.name.as_str())
        .collect()
}

fn debian(version: &str) -> Distro {
    Distro {
        id: "debian".into(),
        version: version.into(),
        ..Distro::default()
    }
}

#[test]
fn dpkg_ubuntu_status_equals_dpkg_query() {
    let root = pkgdb("dpkg/ubuntu-18.04-trivy");
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected: BTreeSet<Vec<String>> = expected_rows(&root.join("expected-packages.tsv"))
        .into_iter()
        .filter(|row| row[5].trim() == "ii")
        .map(|row| row[..5].to_vec())
        .collect();
    assert_eq!(expected.len(), 90);
    let actual: BTreeSet<Vec<String>> = packages
        .iter()
        .map(|p| {
            let source_version = if p.source_version.is_empty() {
                &p.version
            } else {
                &p.source_version
            };
            vec![
                p.name.clone(),
                p.version.clone(),
                p.architecture.clone(),
                p.source_name.clone(),
                source_version.clone(),
            ]
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(packages.len(), 90);
    assert!(
        !names(&packages).contains(&"git"),
        "the `rc` package is not installed"
    );
    let bsdutils = packages.iter().find(|p| p.name == "bsdutils").unwrap();
    assert_eq!(bsdutils.path, "/var/lib/dpkg/status");
    assert_eq!(bsdutils.ecosystem, Ecosystem::Deb);
}

#[test]
fn dpkg_image_with_copyright_gets_licenses_distro_and_purl() {
    let root = pkgdb("dpkg/syft-image-dpkg");
    let (packages, warnings) = catalog_root(&root);
    assert_eq!(packages.len(), 1);
    let pam = &packages[0];
    assert_eq!(
        (pam.name.as_str(), pam.version.as_str()),
        ("libpam-runtime", "1.1.8-3.6")
    );
    assert_eq!(pam.source_name, "pam");
    assert_eq!(pam.licenses, ["GPL-2", "LGPL-2.1"]);
    assert_eq!(pam.distro, "Debian:12");
    assert_eq!(
        pam.purl,
        "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam"
    );
    // The first stanza has an empty `Package:`: reported, the rest still listed.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "/var/lib/dpkg/status");
    assert!(
        warnings[0].message.contains("no `Package` name"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn dpkg_distroless_status_d() {
    let root = pkgdb("dpkg/distroless-status.d");
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), 1);
    let sqlite = &packages[0];
    assert_eq!(sqlite.name, "libsqlite3-0");
    assert_eq!(sqlite.version, "3.34.1-3");
    assert_eq!(sqlite.architecture, "arm64");
    assert_eq!(sqlite.source_name, "sqlite3");
    assert_eq!(sqlite.path, "/var/lib/dpkg/status.d/libsqlite3-0");
    assert_eq!(sqlite.licenses, ["public-domain", "GPL-2+"]);
}

fn status_variant(name: &str) -> (Vec<Package>, Vec<tollgate_facts::scan::Warning>) {
    catalog_files(
        &[(
            "/var/lib/dpkg/status",
            pkgdb(&format!("dpkg/syft-status-variants/{name}")),
        )],
        Some(&debian("12")),
    )
}

#[test]
fn dpkg_status_variants() {
    let (packages, warnings) = status_variant("deinstall");
    assert_eq!(names(&packages), ["linux-image-6.14.0-1012-aws"]);
    assert!(warnings.is_empty(), "{warnings:?}");

    let (packages, warnings) = status_variant("corrupt");
    assert!(packages.is_empty());
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.path == "/var/lib/dpkg/status"));

    let (packages, warnings) = status_variant("empty");
    assert!(packages.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");

    let (packages, _) = status_variant("single");
    assert_eq!(names(&packages), ["apt"]);
    assert_eq!(packages[0].distro, "Debian:12");

    let (packages, _) = status_variant("installed-size-4KB");
    assert_eq!(packages.len(), 1);

    let (packages, warnings) = status_variant("opkg-status");
    assert_eq!(names(&packages), ["dropbear", "busybox", "kernel-modules"]);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn dpkg_copyright_files_give_license_hints() {
    let cases: [(&str, &[&str]); 4] = [
        ("trivy-all-patterns-copyright", &["GPLv2+"]),
        ("trivy-common-license-copyright", &["GPL-2"]),
        (
            "trivy-license-pattern-and-classifier-copyright",
            &["GPL-1+ or Artistic, and BSD-4-clause-POWERDOG", "Zlib"],
        ),
        ("trivy-no-license-copyright", &[]),
    ];
    for (file, expected) in cases {
        let status = tempfile::NamedTempFile::new().unwrap();
        fs::write(
            status.path(),
            "Package: pkg\nStatus: install ok installed\nVersion: 1\n\n",
        )
        .unwrap();
        let (packages, _) = catalog_files(
            &[
                ("/var/lib/dpkg/status", status.path().to_path_buf()),
                (
                    "/usr/share/doc/pkg/copyright",
                    pkgdb(&format!("dpkg/copyright/{file}")),
                ),
            ],
            None,
        );
        assert_eq!(packages[0].licenses, expected, "{file}");
    }
}

#[test]
fn apk_alpine_3_11_equals_expected() {
    let root = pkgdb("apk/alpine-3.11.5");
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected: Vec<Vec<String>> = expected_rows(&root.join("expected-packages.tsv"));
    let actual: Vec<Vec<String>> = packages
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.version.clone(),
                p.architecture.clone(),
                p.source_name.clone(),
            ]
        })
        .collect();
    assert_eq!(actual, expected);
    let musl = &packages[0];
    assert_eq!(
        musl.purl,
        "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=alpine-3.11.5"
    );
    assert_eq!(musl.distro, "Alpine:v3.11");
    assert_eq!(musl.licenses, ["MIT"]);
    assert_eq!(musl.path, "/lib/apk/db/installed");
    let libssl = packages.iter().find(|p| p.name == "libssl1.1").unwrap();
    assert_eq!(
        libssl.purl,
        "pkg:apk/alpine/libssl1.1@1.1.1d-r3?arch=x86_64&distro=alpine-3.11.5&upstream=openssl"
    );
}

fn apk(file: &str) -> (Vec<Package>, Vec<tollgate_facts::scan::Warning>) {
    catalog_files(&[("/usr/lib/apk/db/installed", pkgdb(file))], None)
}

#[test]
fn apk_record_without_version_is_skipped_with_a_warning() {
    let (packages, warnings) = apk("apk/trivy-apk-installed");
    let record_count = fs::read_to_string(pkgdb("apk/trivy-apk-installed"))
        .unwrap()
        .matches("\nP:")
        .count()
        + usize::from(
            fs::read_to_string(pkgdb("apk/trivy-apk-installed"))
                .unwrap()
                .starts_with("P:"),
        );
    assert_eq!(packages.len(), record_count - 1);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "/usr/lib/apk/db/installed");
    assert!(
        warnings[0]
            .message
            .contains("`invalidPackageWithoutAVersion`"),
        "{}",
        warnings[0].message
    );
    assert!(
        packages
            .iter()
            .any(|p| p.name == "musl" && p.version == "1.1.14-r10")
    );
}

#[test]
fn apk_other_databases() {
    let (packages, warnings) = apk("apk/syft-corrupt");
    assert_eq!(names(&packages), ["alpine-baselayout-data"]);
    assert_eq!(packages[0].source_name, "alpine-baselayout");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("line 1"),
        "{}",
        warnings[0].message
    );

    let (packages, warnings) = apk("apk/syft-single");
    assert_eq!(names(&packages), ["musl-utils"]);
    assert!(warnings.is_empty());
    assert_eq!(packages[0].licenses, ["MIT BSD GPL2+"]);

    let (packages, _) = apk("apk/syft-multiple-1");
    assert_eq!(packages.len(), 4);
    let (packages, _) = apk("apk/syft-multiple-2");
    assert_eq!(packages.len(), 14);
    for file in [
        "apk/syft-base",
        "apk/syft-empty-deps-and-provides",
        "apk/syft-extra-file-attributes",
    ] {
        let (packages, warnings) = apk(file);
        assert_eq!(packages.len(), 1, "{file}");
        assert!(warnings.is_empty(), "{file}: {warnings:?}");
    }
}

/// An rpm expected-packages row: name, epoch, version, release, arch, sourcerpm, license.
fn rpm_rows(packages: &[Package]) -> BTreeSet<Vec<String>> {
    packages
        .iter()
        .map(|p| {
            let (epoch, rest) = match p.version.split_once(':') {
                Some((epoch, rest)) => (epoch.to_string(), rest),
                None => ("(none)".to_string(), p.version.as_str()),
            };
            let (version, release) = rest.rsplit_once('-').unwrap();
            let source_version = if p.source_version.is_empty() {
                rest
            } else {
                &p.source_version
            };
            vec![
                p.name.clone(),
                epoch,
                version.to_string(),
                release.to_string(),
                p.architecture.clone(),
                format!("{}-{}.src.rpm", p.source_name, source_version),
                p.licenses.join(" "),
            ]
        })
        .collect()
}

fn check_rpm(folder: &str, image_path: &str, file: &str, count: usize) -> Vec<Package> {
    let folder = pkgdb(folder);
    let (packages, warnings) = catalog_files(&[(image_path, folder.join(file))], None);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), count);
    let expected: BTreeSet<Vec<String>> = expected_rows(&folder.join("expected-packages.tsv"))
        .into_iter()
        .collect();
    assert_eq!(rpm_rows(&packages), expected);
    packages
}

#[test]
fn rpm_sqlite_equals_rpm_query() {
    let packages = check_rpm(
        "rpm/sqlite-cbl-mariner-2.0",
        "/var/lib/rpm/rpmdb.sqlite",
        "rpmdb.sqlite",
        129,
    );
    let ca = packages
        .iter()
        .find(|p| p.name == "ca-certificates-base")
        .unwrap();
    assert_eq!(ca.version, "1:2.0.0-1.cm2");
    assert_eq!(ca.source_name, "ca-certificates");
    let mariner = Distro {
        id: "mariner".into(),
        version: "2.0".into(),
        ..Distro::default()
    };
    let (packages, _) = catalog_files(
        &[(
            "/var/lib/rpm/rpmdb.sqlite",
            pkgdb("rpm/sqlite-cbl-mariner-2.0/rpmdb.sqlite"),
        )],
        Some(&mariner),
    );
    let ca = packages
        .iter()
        .find(|p| p.name == "ca-certificates-base")
        .unwrap();
    assert_eq!(
        ca.purl,
        "pkg:rpm/mariner/ca-certificates-base@2.0.0-1.cm2?arch=noarch&distro=mariner-2.0&epoch=1&upstream=ca-certificates"
    );
    assert_eq!(ca.distro, "Azure Linux:2.0");
}

#[test]
fn rpm_berkeley_db_equals_rpm_query() {
    check_rpm("rpm/bdb-libuuid", "/var/lib/rpm/Packages", "Packages", 1);
}

#[test]
fn rpm_ndb_equals_expected() {
    check_rpm(
        "rpm/ndb-sle15-bci",
        "/usr/lib/sysimage/rpm/Packages.db",
        "Packages.db",
        35,
    );
}

#[test]
fn rpm_ndb_with_a_damaged_blob_lists_the_others() {
    let mut data = fs::read(pkgdb("rpm/ndb-sle15-bci/Packages.db")).unwrap();
    // The first slot's blob starts at block 0x100 (16-byte blocks): break its frame magic.
    assert_eq!(&data[0x1000..0x1004], b"BlbS");
    data[0x1000] = b'X';
    let damaged = tempfile::NamedTempFile::new().unwrap();
    fs::write(damaged.path(), &data).unwrap();
    let (packages, warnings) = catalog_files(
        &[(
            "/usr/lib/sysimage/rpm/Packages.db",
            damaged.path().to_path_buf(),
        )],
        None,
    );
    assert_eq!(packages.len(), 34);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "/usr/lib/sysimage/rpm/Packages.db");
}

#[test]
fn rpm_garbage_databases_warn() {
    let garbage = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        garbage.path(),
        b"SQLite format 3\0 but not really a database at all",
    )
    .unwrap();
    for image_path in [
        "/var/lib/rpm/rpmdb.sqlite",
        "/var/lib/rpm/Packages",
        "/var/lib/rpm/Packages.db",
    ] {
        let (packages, warnings) =
            catalog_files(&[(image_path, garbage.path().to_path_buf())], None);
        assert!(packages.is_empty());
        assert_eq!(warnings.len(), 1, "{image_path}: {warnings:?}");
        assert_eq!(warnings[0].path, image_path);
    }
}

#[test]
fn rpm_header_blob_decodes() {
    let blob = tempfile::tempdir().unwrap();
    // One header alone, framed as an NDB database with one slot, exercises the decoder on the
    // raw go-rpmdb blob.
    let header = fs::read(pkgdb("rpm/header-blob.bin")).unwrap();
    let mut ndb = vec![0u8; 4096];
    ndb[..4].copy_from_slice(b"RpmP");
    ndb[12..16].copy_from_slice(&1u32.to_le_bytes());
    ndb[32..36].copy_from_slice(b"Slot");
    ndb[36..40].copy_from_slice(&1u32.to_le_bytes());
    ndb[40..44].copy_from_slice(&(4096u32 / 16).to_le_bytes());
    ndb.extend_from_slice(b"BlbS");
    ndb.extend_from_slice(&1u32.to_le_bytes());
    ndb.extend_from_slice(&0u32.to_le_bytes());
    ndb.extend_from_slice(&(header.len() as u32).to_le_bytes());
    ndb.extend_from_slice(&header);
    let path = blob.path().join("Packages.db");
    fs::write(&path, &ndb).unwrap();
    let (packages, warnings) = catalog_files(&[("/var/lib/rpm/Packages.db", path)], None);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].name, "publicsuffix-list-dafsa");
    assert_eq!(packages[0].version, "20210518-2.fc35");
    assert_eq!(packages[0].architecture, "noarch");
    assert_eq!(packages[0].source_name, "publicsuffix-list");
}

#[test]
fn python_metadata_files() {
    let (packages, warnings) = catalog_files(
        &[
            (
                "/usr/lib/python3/site-packages/Pygments-2.6.1.dist-info/METADATA",
                pkgdb("python/dist-info/METADATA"),
            ),
            (
                "/usr/lib/python3/site-packages/requests-2.22.0.egg-info/PKG-INFO",
                pkgdb("python/egg-info/PKG-INFO"),
            ),
            (
                "/usr/lib/python2.7/Python-2.7.egg-info",
                pkgdb("python/Python-2.7.egg-info"),
            ),
            (
                "/usr/lib/python3/site-packages/no_version-py3.8.egg-info",
                pkgdb("python/no-version-py3.8.egg-info"),
            ),
        ],
        None,
    );
    let found: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("python", "2.7.13"),
            ("pygments", "2.6.1"),
            ("requests", "2.22.0")
        ]
    );
    assert_eq!(packages[1].licenses, ["BSD License"]);
    assert_eq!(packages[1].purl, "pkg:pypi/pygments@2.6.1");
    assert_eq!(packages[2].licenses, ["Apache 2.0"]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].path.ends_with("no_version-py3.8.egg-info"));
}

#[test]
fn npm_installed_packages() {
    let (packages, warnings) = catalog_files(
        &[
            (
                "/app/node_modules/cowsay/package.json",
                pkgdb("npm/node_modules/cowsay/package.json"),
            ),
            (
                "/app/node_modules/@actions/core/package.json",
                pkgdb("npm/node_modules/@actions/core/package.json"),
            ),
            (
                "/app/node_modules/broken/package.json",
                pkgdb("npm/corrupt-package.json"),
            ),
            ("/app/package.json", pkgdb("npm/pkg-json/package.json")),
            (
                "/app/node_modules/a/node_modules/b/package.json",
                pkgdb("npm/pkg-json/package-license-objects.json"),
            ),
        ],
        None,
    );
    let found: Vec<(&str, &str, &str)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        found[0],
        ("@actions/core", "1.6.0", "pkg:npm/%40actions/core@1.6.0")
    );
    assert_eq!(found[1].0, "npm");
    assert_eq!(found[2], ("cowsay", "1.4.0", "pkg:npm/cowsay@1.4.0"));
    assert_eq!(packages.len(), 3);
    assert_eq!(packages[1].licenses, ["MIT", "Apache-2.0"]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "/app/node_modules/broken/package.json");
}

#[test]
fn ruby_gemspecs() {
    let (packages, warnings) = catalog_files(
        &[
            (
                "/usr/lib/ruby/gems/2.7.0/specifications/bundler-2.1.4.gemspec",
                pkgdb("ruby/bundler.gemspec"),
            ),
            (
                "/usr/lib/ruby/gems/2.7.0/specifications/formatador-1.1.0.gemspec",
                pkgdb("ruby/formatador.gemspec"),
            ),
        ],
        None,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let found: Vec<(&str, &str, &str)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("bundler", "2.1.4", "pkg:gem/bundler@2.1.4"),
            ("formatador", "1.1.0", "pkg:gem/formatador@1.1.0")
        ]
    );
    assert_eq!(packages[0].licenses, ["MIT"]);
}

fn jar(file: &str) -> (Vec<Package>, Vec<tollgate_facts::scan::Warning>) {
    catalog_files(
        &[(
            &*format!("/opt/app/lib/{file}"),
            pkgdb(&format!("java/jars/{file}")),
        )],
        None,
    )
}

#[test]
fn java_archives() {
    let (packages, warnings) = jar("jackson-annotations-2.15.0-rc2.jar");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), 1);
    assert_eq!(
        packages[0].name,
        "com.fasterxml.jackson.core:jackson-annotations"
    );
    assert_eq!(packages[0].version, "2.15.0-rc2");
    assert_eq!(
        packages[0].purl,
        "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.15.0-rc2"
    );
    assert_eq!(
        packages[0].licenses,
        ["https://www.apache.org/licenses/LICENSE-2.0.txt"]
    );

    let (packages, _) = jar("scalibr-simple.jar");
    assert_eq!(names(&packages), ["com.some.package:package-name"]);

    let (packages, warnings) = jar("scalibr-complex.jar");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), 2);
    assert_eq!(
        packages[1].path,
        "/opt/app/lib/scalibr-complex.jar!/BOOT-INF/lib/inner.jar"
    );

    let (packages, warnings) = jar("trivy-nested.jar");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(packages.len() >= 2, "{packages:?}");

    let (packages, warnings) = jar("trivy-test.jar");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(packages.len(), 1);
    assert_eq!(
        (packages[0].name.as_str(), packages[0].version.as_str()),
        ("org.springframework.core", "2.5.6.SEC03")
    );

    let (packages, warnings) = jar("scalibr-empty.jar");
    assert!(packages.is_empty() && warnings.is_empty());

    let (packages, warnings) = jar("scalibr-invalid_jar.jar");
    assert!(packages.is_empty());
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].path, "/opt/app/lib/scalibr-invalid_jar.jar");

    let (_, warnings) = jar("scalibr-nested_at_10.jar");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("nested deeper"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn composer_and_dotnet_documents() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.json");
    fs::write(
        &v1,
        r#"[{"name": "monolog/monolog", "version": "1.25.3", "license": ["MIT"]}, {"name": "x"}]"#,
    )
    .unwrap();
    let v2 = dir.path().join("v2.json");
    fs::write(&v2, r#"{"packages": [{"name": "psr/log", "version": "1.1.4", "license": ["MIT"]}], "dev": true}"#).unwrap();
    let deps = dir.path().join("app.deps.json");
    fs::write(
        &deps,
        r#"{"libraries": {"App/1.0.0": {"type": "project"}, "Newtonsoft.Json/13.0.1": {"type": "package"}}}"#,
    )
    .unwrap();
    let (packages, warnings) = catalog_files(
        &[
            ("/a/vendor/composer/installed.json", v1),
            ("/b/vendor/composer/installed.json", v2),
            ("/app/App.deps.json", deps),
        ],
        None,
    );
    let found: Vec<&str> = packages.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(
        found,
        [
            "pkg:composer/monolog/monolog@1.25.3",
            "pkg:nuget/Newtonsoft.Json@13.0.1",
            "pkg:composer/psr/log@1.1.4"
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "/a/vendor/composer/installed.json");
}
