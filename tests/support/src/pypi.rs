//! Real PyPI packages at old versions with known advisories, installed from the registry, and
//! the advisories the PyPA records list for them, read independently of the matcher.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use yaml_rust2::YamlLoader;

/// Pure-Python wheels without dependencies, old enough to have several PYSEC advisories each.
pub const OLD_PYPI_REQUIREMENTS: [&str; 3] =
    ["requests==2.19.1", "urllib3==1.24.1", "Jinja2==2.10"];

/// `python3 -m pip install --target SITE REQUIREMENTS` (wheels only, no dependencies, no
/// bytecode), once: a marker written after a successful install makes later calls free.
pub fn pip_install_target(site: &Path, requirements: &[&str]) {
    let marker = site.join(".tollgate-installed");
    if marker.exists() {
        return;
    }
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args([
            "--no-deps",
            "--only-binary=:all:",
            "--no-compile",
            "--target",
        ])
        .arg(site)
        .args(requirements)
        .output()
        .unwrap_or_else(|err| panic!("cannot run python3 -m pip: {err}"));
    assert!(
        output.status.success(),
        "pip install failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    fs::write(&marker, requirements.join("\n"))
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", marker.display()));
}

/// The ids of the PyPA records under `pypa_dir/NAME` (the advisory database's layout) that list
/// `version` of `name` explicitly in `versions`; withdrawn records are left out. `normalise` is
/// the PEP 503 normalisation the caller compares names with.
pub fn pypa_listed_advisories(
    pypa_dir: &Path,
    name: &str,
    version: &str,
    normalise: impl Fn(&str) -> String,
) -> BTreeSet<String> {
    let dir = pypa_dir.join(name);
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()));
    let mut ids = BTreeSet::new();
    for entry in entries {
        let path = entry
            .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
            .path();
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let documents = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let Some(record) = documents.first() else {
            continue;
        };
        if !record["withdrawn"].is_badvalue() {
            continue;
        }
        let affected = record["affected"].as_vec().map_or(&[][..], Vec::as_slice);
        let listed = affected.iter().any(|affected| {
            affected["package"]["name"]
                .as_str()
                .map(&normalise)
                .as_deref()
                == Some(name)
                && affected["versions"]
                    .as_vec()
                    .is_some_and(|versions| versions.iter().any(|v| v.as_str() == Some(version)))
        });
        if let (true, Some(id)) = (listed, record["id"].as_str()) {
            ids.insert(id.to_string());
        }
    }
    ids
}
