//! Package catalogers end to end, through `tollgate facts`: the real Debian image's dpkg packages
//! equal what `dpkg-query` lists on its root filesystem, and an image that adds real PyPI and
//! npm packages (installed by pip and npm themselves) lists exactly what pip and npm list; the
//! Go build info of Debian-built Go programs equals what `go version -m` reads.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use tollgate_e2e::facts_of;
use tollgate_testkit::{debian_image, script_folder};

/// The cached Debian + PyPI + npm image of `scripts/e2e-package-image.sh`.
fn with_language_packages() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| script_folder("e2e-package-image.sh"))
}

fn packages_of<'a>(facts: &'a Value, ecosystem: &str) -> Vec<&'a Value> {
    facts["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == ecosystem)
        .collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// `dpkg-query -W` on the image's root filesystem: (name, version, architecture, source name,
/// source version when it differs from the version), installed packages only.
fn dpkg_query(rootfs: &Path) -> BTreeSet<(String, String, String, String, String)> {
    let output = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Status}\n",
            "--admindir",
        ])
        .arg(rootfs.join("var/lib/dpkg"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "dpkg-query: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(|fields| !matches!(fields[5], "config-files" | "not-installed"))
        .map(|fields| {
            let source_version = if fields[4] == fields[1] {
                ""
            } else {
                fields[4]
            };
            (
                fields[0].to_string(),
                fields[1].to_string(),
                fields[2].to_string(),
                fields[3].to_string(),
                source_version.to_string(),
            )
        })
        .collect()
}

#[test]
fn debian_packages_equal_dpkg_query_on_the_root_filesystem() {
    let expected = dpkg_query(&tollgate_testkit::debian_rootfs());
    assert!(
        expected.len() > 80,
        "a minbase Debian has about 90 packages, dpkg-query listed {}",
        expected.len()
    );
    let facts = facts_of(&debian_image().join("image.oci.tar"));
    let debs = packages_of(&facts, "deb");
    let actual: BTreeSet<_> = debs
        .iter()
        .map(|p| {
            (
                text(&p["name"]),
                text(&p["version"]),
                text(&p["architecture"]),
                text(&p["source_name"]),
                text(&p["source_version"]),
            )
        })
        .collect();
    assert_eq!(actual.len(), debs.len(), "a package is listed twice");
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    // Where each came from, and its distro for the matcher.
    for package in &debs {
        assert_eq!(package["path"], "/var/lib/dpkg/status", "{package}");
        assert_eq!(package["layer"], 0, "{package}");
        // The purl spec percent-encodes `+` in names and versions (`libstdc%2B%2B6`).
        let encoded = |field: &str| text(&package[field]).replace('+', "%2B");
        let purl = text(&package["purl"]);
        assert!(
            purl.starts_with(&format!(
                "pkg:deb/debian/{}@{}?arch=",
                encoded("name"),
                encoded("version")
            )),
            "{package}"
        );
        assert!(purl.contains("distro=debian-12"), "{package}");
    }
    // Only OS packages in a minbase Debian: no language ecosystem may invent packages.
    let others: Vec<_> = facts["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] != "deb")
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `python3 -m pip list --path DIR --format json` as (normalised name, version).
fn pip_list(dir: &Path) -> BTreeSet<(String, String)> {
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "list",
            "--disable-pip-version-check",
            "--format",
            "json",
            "--path",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pip list: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (pep503(&text(&p["name"])), text(&p["version"])))
        .collect()
}

/// `npm ls --all --json --prefix DIR`, every node of the tree as (name, version).
fn npm_ls(dir: &Path) -> BTreeSet<(String, String)> {
    let output = Command::new("npm")
        .args(["ls", "--all", "--json", "--prefix"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "npm ls: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found = BTreeSet::new();
    let mut pending = vec![tree];
    while let Some(node) = pending.pop() {
        if let Some(dependencies) = node["dependencies"].as_object() {
            for (name, child) in dependencies {
                found.insert((name.clone(), text(&child["version"])));
                pending.push(child.clone());
            }
        }
    }
    found
}

#[test]
fn pypi_and_npm_packages_equal_what_pip_and_npm_list() {
    let folder = with_language_packages();
    let facts = facts_of(&folder.join("oci"));

    let python = packages_of(&facts, "python");
    let actual: BTreeSet<_> = python
        .iter()
        .map(|p| (text(&p["name"]), text(&p["version"])))
        .collect();
    let expected = pip_list(&folder.join("pylib"));
    assert_eq!(
        expected.len(),
        3,
        "pip installed python-dateutil, six and idna: {expected:?}"
    );
    assert_eq!(actual, expected, "python packages");
    assert_eq!(
        actual.len(),
        python.len(),
        "a python package is listed twice"
    );
    for package in &python {
        assert!(
            text(&package["path"]).starts_with("/opt/pylib/"),
            "{package}"
        );
        assert_eq!(package["layer"], 2, "the pip layer: {package}");
    }
    let dateutil = python
        .iter()
        .find(|p| p["name"] == "python-dateutil")
        .unwrap();
    assert_eq!(dateutil["purl"], "pkg:pypi/python-dateutil@2.9.0.post0");

    let npm = packages_of(&facts, "npm");
    let mut listed: Vec<_> = npm
        .iter()
        .map(|p| (text(&p["name"]), text(&p["version"])))
        .collect();
    listed.sort();
    let expected = npm_ls(&folder.join("web"));
    assert_eq!(
        expected.len(),
        4,
        "npm installed is-odd, is-number twice and ms: {expected:?}"
    );
    let actual: BTreeSet<_> = listed.iter().cloned().collect();
    assert_eq!(actual, expected, "npm packages");
    assert_eq!(
        listed.len(),
        expected.len(),
        "an npm package is listed twice: {listed:?}"
    );
    for package in &npm {
        assert!(
            text(&package["path"]).starts_with("/srv/web/node_modules/"),
            "{package}"
        );
        assert_eq!(package["layer"], 3, "the npm layer: {package}");
    }
    let nested = npm
        .iter()
        .find(|p| p["name"] == "is-number" && p["version"] == "6.0.0")
        .unwrap();
    assert_eq!(
        nested["path"],
        "/srv/web/node_modules/is-odd/node_modules/is-number/package.json"
    );

    // The Debian packages are still there, from the base layer.
    assert_eq!(
        packages_of(&facts, "deb").len(),
        dpkg_query(&tollgate_testkit::debian_rootfs()).len()
    );
}

/// What `go version -m BINARY` says the binary was built from: the Go standard library at
/// the toolchain's version, then the main module and the dependencies, when recorded.
fn go_version_m(binary: &Path) -> BTreeSet<(String, String)> {
    let output = Command::new("go")
        .arg("version")
        .arg("-m")
        .arg(binary)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "go version -m: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut modules = BTreeSet::new();
    let toolchain = text.lines().next().unwrap().rsplit(' ').next().unwrap();
    modules.insert((
        "stdlib".to_string(),
        toolchain.trim_start_matches("go").to_string(),
    ));
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if matches!(fields.first(), Some(&"mod" | &"dep"))
            && fields.len() >= 3
            && fields[2] != "(devel)"
        {
            modules.insert((fields[1].to_string(), fields[2].to_string()));
        }
    }
    modules
}

#[test]
fn go_build_info_of_debian_built_binaries_equals_go_version_m() {
    // umoci and skopeo are Go programs from Debian packages the test suite installs.
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("usr/bin")).unwrap();
    for name in ["umoci", "skopeo"] {
        fs::copy(
            Path::new("/usr/bin").join(name),
            root.path().join("usr/bin").join(name),
        )
        .unwrap();
    }
    let facts = facts_of(root.path());
    for name in ["umoci", "skopeo"] {
        let path = format!("/usr/bin/{name}");
        let listed: BTreeSet<_> = packages_of(&facts, "go")
            .iter()
            .filter(|p| p["path"] == path.as_str())
            .map(|p| (text(&p["name"]), text(&p["version"])))
            .collect();
        let expected = go_version_m(&Path::new("/usr/bin").join(name));
        assert!(
            expected.iter().any(|(module, _)| module == "stdlib"),
            "{expected:?}"
        );
        assert_eq!(listed, expected, "{path}");
    }
}
