//! Which OSV ecosystems the OS packages of an image are looked up in, from the image's
//! `/etc/os-release`: Ubuntu (with its Pro/ESM stream), SUSE Linux Enterprise and openSUSE,
//! CBL-Mariner and Azure Linux, Red Hat, Rocky and AlmaLinux. One database holds a record
//! per ecosystem string as OSV writes them; each image must find exactly its own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::collections::BTreeSet;

use serde_json::json;
use tollgate_facts::{Distro, Ecosystem, Package};
use tollgate_vulndb::{Database, import};

mod common;

use common::package;

/// Every ecosystem string a record is filed under in the test database: the releases each
/// image must match and, next to them, the neighbours it must not.
const ECOSYSTEMS: &[&str] = &[
    "Ubuntu:22.04:LTS",
    "Ubuntu:Pro:22.04:LTS",
    "Ubuntu:Pro:FIPS:22.04:LTS",
    "Ubuntu:20.04:LTS",
    "Ubuntu:Pro:20.04:LTS",
    "Ubuntu:16.04:LTS",
    "Ubuntu:Pro:16.04:LTS",
    "Ubuntu:Pro:18.04:LTS",
    "Debian:12",
    "SUSE:Linux Enterprise Server 15 SP5",
    "SUSE:Linux Enterprise Module for Basesystem 15 SP5",
    "SUSE:Linux Enterprise Server 15 SP5-LTSS",
    "SUSE:Linux Enterprise Server 15 SP4",
    "SUSE:Linux Enterprise Module for Basesystem 15 SP4",
    "SUSE:Linux Enterprise Micro 5.5",
    "openSUSE:Leap 15.5",
    "openSUSE:Leap 15.5 NonFree",
    "openSUSE:Leap 15.4",
    "openSUSE:Leap Micro 5.5",
    "openSUSE:Tumbleweed",
    "Azure Linux:2",
    "Azure Linux:3",
    "Red Hat:enterprise_linux:9::baseos",
    "Red Hat:enterprise_linux:9::appstream",
    "Red Hat:enterprise_linux:8::baseos",
    "Red Hat:rhel_eus:9.2::baseos",
    "Rocky Linux:9",
    "Rocky Linux:8",
    "AlmaLinux:9",
];

/// Real os-release files, as the distributions' container images ship them. The values are
/// those published by the vendors and recorded in public test suites: Ubuntu's `ubuntu:22.04`
/// and `ubuntu:16.04` images; SUSE's `registry.suse.com/bci/bci-base:15.5` (SLES 15 SP5,
/// also in quay/claircore's SUSE tests); `opensuse/leap:15.5` and `opensuse/tumbleweed`;
/// Microsoft's `mcr.microsoft.com/cbl-mariner/base/core:2.0` and
/// `mcr.microsoft.com/azurelinux/base/core:3.0` (as in Azure/AgentBaker's tests); Red Hat's
/// `ubi9/ubi:9.4`; `rockylinux:9.3` and `almalinux:9.4`.
const UBUNTU_22_04: &str = r#"PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
"#;

const UBUNTU_16_04: &str = r#"NAME="Ubuntu"
VERSION="16.04.7 LTS (Xenial Xerus)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 16.04.7 LTS"
VERSION_ID="16.04"
HOME_URL="http://www.ubuntu.com/"
SUPPORT_URL="http://help.ubuntu.com/"
BUG_REPORT_URL="http://bugs.launchpad.net/ubuntu/"
VERSION_CODENAME=xenial
UBUNTU_CODENAME=xenial
"#;

const SLES_15_SP5: &str = r#"NAME="SLES"
VERSION="15-SP5"
VERSION_ID="15.5"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"
ID="sles"
ID_LIKE="suse"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:15:sp5"
DOCUMENTATION_URL="https://documentation.suse.com/"
"#;

const OPENSUSE_LEAP_15_5: &str = r#"NAME="openSUSE Leap"
VERSION="15.5"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.5"
PRETTY_NAME="openSUSE Leap 15.5"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:leap:15.5"
BUG_REPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org/"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Leap"
LOGO="distributor-logo-Leap"
"#;

const OPENSUSE_TUMBLEWEED: &str = r#"NAME="openSUSE Tumbleweed"
# VERSION="20240801"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
VERSION_ID="20240801"
PRETTY_NAME="openSUSE Tumbleweed"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:tumbleweed:20240801"
BUG_REPORT_URL="https://bugzilla.opensuse.org"
SUPPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Tumbleweed"
LOGO="distributor-logo-Tumbleweed"
"#;

const CBL_MARINER_2: &str = r#"NAME="Common Base Linux Mariner"
VERSION="2.0.20240123"
ID=mariner
VERSION_ID="2.0"
PRETTY_NAME="CBL-Mariner/Linux"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/cbl-mariner"
BUG_REPORT_URL="https://aka.ms/cbl-mariner"
SUPPORT_URL="https://aka.ms/cbl-mariner"
"#;

const AZURE_LINUX_3: &str = r#"NAME="Microsoft Azure Linux"
VERSION="3.0.20240727"
ID=azurelinux
VERSION_ID="3.0"
PRETTY_NAME="Microsoft Azure Linux 3.0"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/azurelinux"
BUG_REPORT_URL="https://aka.ms/azurelinux"
SUPPORT_URL="https://aka.ms/azurelinux"
"#;

const RHEL_9_4: &str = r#"NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.4
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
"#;

const ROCKY_9_3: &str = r#"NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
"#;

const ALMALINUX_9_4: &str = r#"NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
ANSI_COLOR="0;34"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
DOCUMENTATION_URL="https://wiki.almalinux.org/"
BUG_REPORT_URL="https://bugs.almalinux.org/"
ALMALINUX_MANTISBT_PROJECT="AlmaLinux-9"
ALMALINUX_MANTISBT_PROJECT_VERSION="9.4"
REDHAT_SUPPORT_PRODUCT="AlmaLinux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
SUPPORT_END=2032-06-01
"#;

/// The fields of os-release the facts keep (`ID`, `VERSION_ID`, `VERSION_CODENAME`,
/// `PRETTY_NAME`), read as the image reader does: `KEY=value`, optionally quoted.
fn os_release(text: &str) -> Distro {
    let field = |key: &str| {
        text.lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .find(|(name, _)| name.trim() == key)
            .map(|(_, value)| value.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    Distro {
        id: field("ID"),
        version: field("VERSION_ID"),
        codename: field("VERSION_CODENAME"),
        name: field("PRETTY_NAME"),
    }
}

/// One record per ecosystem, for the same package names, affecting every version below epoch 999.
fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    for (index, ecosystem) in ECOSYSTEMS.iter().enumerate() {
        let record = json!({
            "id": format!("R-{index}"),
            "modified": "2024-06-01T00:00:00Z",
            "summary": ecosystem,
            "affected": [
                { "package": { "ecosystem": ecosystem, "name": "openssl" },
                  "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "999:999" }] }] },
                { "package": { "ecosystem": ecosystem, "name": "openssl-3" },
                  "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "999:999" }] }] }
            ]
        });
        std::fs::write(records.join(format!("{index}.json")), record.to_string()).unwrap();
    }
    let path = dir.path().join("db");
    let report = import(&[records], &path).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.records, ECOSYSTEMS.len());
    let db = Database::open(&path).unwrap();
    (dir, db)
}

/// The ecosystems whose records a package matched (each record's summary names its own).
fn matched_ecosystems(
    db: &Database,
    package: &Package,
    distro: Option<&Distro>,
) -> BTreeSet<String> {
    db.match_packages(std::slice::from_ref(package), distro)
        .into_iter()
        .map(|finding| finding.summary)
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

/// (os-release, an installed package of that image, the ecosystems it must be found in).
fn cases() -> Vec<(&'static str, Package, BTreeSet<String>)> {
    let deb = |version| package(Ecosystem::Deb, "libssl3", "openssl", version);
    let rpm = |name, version| package(Ecosystem::Rpm, name, "", version);
    vec![
        (
            UBUNTU_22_04,
            deb("3.0.2-0ubuntu1.15"),
            set(&["Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS"]),
        ),
        (
            UBUNTU_16_04,
            package(
                Ecosystem::Deb,
                "libssl1.0.0",
                "openssl",
                "1.0.2g-1ubuntu4.20+esm11",
            ),
            set(&["Ubuntu:16.04:LTS", "Ubuntu:Pro:16.04:LTS"]),
        ),
        (
            SLES_15_SP5,
            rpm("openssl-3", "3.0.8-150500.5.14.1"),
            set(&[
                "SUSE:Linux Enterprise Server 15 SP5",
                "SUSE:Linux Enterprise Module for Basesystem 15 SP5",
                "SUSE:Linux Enterprise Server 15 SP5-LTSS",
            ]),
        ),
        (
            OPENSUSE_LEAP_15_5,
            rpm("openssl-3", "3.0.8-150500.5.14.1"),
            set(&["openSUSE:Leap 15.5", "openSUSE:Leap 15.5 NonFree"]),
        ),
        (
            OPENSUSE_TUMBLEWEED,
            rpm("openssl-3", "3.1.4-9.1"),
            set(&["openSUSE:Tumbleweed"]),
        ),
        (
            CBL_MARINER_2,
            rpm("openssl", "1.1.1k-28.cm2"),
            set(&["Azure Linux:2"]),
        ),
        (
            AZURE_LINUX_3,
            rpm("openssl", "3.3.0-1.azl3"),
            set(&["Azure Linux:3"]),
        ),
        (
            RHEL_9_4,
            rpm("openssl", "1:3.0.7-27.el9"),
            set(&[
                "Red Hat:enterprise_linux:9::baseos",
                "Red Hat:enterprise_linux:9::appstream",
            ]),
        ),
        (
            ROCKY_9_3,
            rpm("openssl", "1:3.0.7-24.el9"),
            set(&["Rocky Linux:9"]),
        ),
        (
            ALMALINUX_9_4,
            rpm("openssl", "1:3.0.7-27.el9"),
            set(&["AlmaLinux:9"]),
        ),
    ]
}

#[test]
fn each_distro_release_finds_exactly_its_own_ecosystems() {
    let (_dir, db) = database();
    for (text, package, expected) in cases() {
        let distro = os_release(text);
        let found = matched_ecosystems(&db, &package, Some(&distro));
        assert_eq!(found, expected, "{} {}", distro.id, distro.version);
    }
}

/// The catalog writes each OS package's OSV ecosystem into `package.distro` from the same
/// os-release (`tollgate_catalog::distro_ecosystem`); its spellings must find the same
/// records as the image's distro does.
#[test]
fn the_catalogs_ecosystem_spellings_find_the_same_records() {
    let (_dir, db) = database();
    let catalog_spelling = [
        "Ubuntu:22.04:LTS",
        "Ubuntu:16.04:LTS",
        // From `PRETTY_NAME`, as the schema describes SUSE's releases.
        "SUSE:SUSE Linux Enterprise Server 15 SP5",
        "openSUSE:openSUSE Leap 15.5",
        "openSUSE:openSUSE Tumbleweed",
        // From `VERSION_ID`: OSV's releases are the major version only.
        "Azure Linux:2.0",
        "Azure Linux:3.0",
        "Red Hat:enterprise_linux:9",
        "Rocky Linux:9",
        "AlmaLinux:9",
    ];
    for ((_, mut package, expected), spelling) in cases().into_iter().zip(catalog_spelling) {
        package.distro = spelling.to_string();
        assert_eq!(
            matched_ecosystems(&db, &package, None),
            expected,
            "{spelling}"
        );
    }
}

#[test]
fn packages_of_another_kind_or_an_unknown_distro_find_nothing() {
    let (_dir, db) = database();
    // A deb package on an rpm distribution, an rpm package on Ubuntu.
    let sles = os_release(SLES_15_SP5);
    let deb = package(Ecosystem::Deb, "libssl3", "openssl", "3.0.2-0ubuntu1.15");
    assert!(matched_ecosystems(&db, &deb, Some(&sles)).is_empty());
    let ubuntu = os_release(UBUNTU_22_04);
    let rpm = package(Ecosystem::Rpm, "openssl", "", "1:3.0.7-27.el9");
    assert!(matched_ecosystems(&db, &rpm, Some(&ubuntu)).is_empty());
    // A distribution OSV does not cover.
    let arch = Distro {
        id: "arch".into(),
        version: String::new(),
        ..Distro::default()
    };
    assert!(matched_ecosystems(&db, &rpm, Some(&arch)).is_empty());
}
