//! Vulnerabilities end to end: an image (a root filesystem folder) holding real PyPI packages
//! installed from the registry at old versions, a database imported by `tollgate db import`
//! from the real PyPA advisory records, and `tollgate facts --db` / `tollgate check --db`
//! reporting exactly the advisories those records list for the installed versions.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate_e2e::{fixtures, tollgate};
use tollgate_testkit::{OLD_PYPI_REQUIREMENTS, pip_install_target, pypa_listed_advisories};
use tollgate_vulndb::pep503;

/// A root filesystem with the packages installed where Debian's python3 looks for them.
fn rootfs() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-pypi-rootfs");
    pip_install_target(
        &root.join("usr/lib/python3/dist-packages"),
        &OLD_PYPI_REQUIREMENTS,
    );
    root
}

fn database(dir: &Path) -> PathBuf {
    let db = dir.join("pypa.db");
    let pypa = fixtures().join("osv/pypa");
    let run = tollgate(&[
        "db",
        "import",
        &pypa.display().to_string(),
        "-o",
        &db.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    db
}

/// The PYSEC ids among a vulnerability's id and aliases.
fn pysec_ids(vulnerability: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let id = vulnerability["id"].as_str().unwrap();
    if id.starts_with("PYSEC-") {
        ids.insert(id.to_string());
    }
    for alias in vulnerability["aliases"].as_array().unwrap() {
        let alias = alias.as_str().unwrap();
        if alias.starts_with("PYSEC-") {
            ids.insert(alias.to_string());
        }
    }
    ids
}

#[test]
fn real_pypi_packages_report_exactly_their_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let root = rootfs();
    let run = tollgate(&[
        "facts",
        &root.display().to_string(),
        "--db",
        &db.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let facts = run.json();
    assert!(
        facts["database"]["records"].as_i64().unwrap() > 2_000,
        "{}",
        facts["database"]
    );

    let installed: BTreeMap<String, String> = facts["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "python")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        installed,
        BTreeMap::from([
            ("jinja2".to_string(), "2.10".to_string()),
            ("requests".to_string(), "2.19.1".to_string()),
            ("urllib3".to_string(), "1.24.1".to_string()),
        ])
    );
    for (name, version) in &installed {
        let expected = pypa_listed_advisories(&fixtures().join("osv/pypa"), name, version, pep503);
        assert!(
            !expected.is_empty(),
            "{name} {version} has advisories in the fixtures"
        );
        let reported: BTreeSet<String> = facts["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["package"]["name"] == name.as_str())
            .flat_map(pysec_ids)
            .collect();
        assert_eq!(reported, expected, "{name} {version}");
        // one finding per vulnerability: aliases are merged, not repeated
        let findings = facts["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["package"]["name"] == name.as_str())
            .count();
        assert_eq!(findings, expected.len(), "{name}: one finding per advisory");
    }
    // requests 2.19.1 leaks Authorization headers on https->http redirects: CVE-2018-18074,
    // fixed in 2.20.0.
    let requests = facts["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["package"]["name"] == "requests" && pysec_ids(v).contains("PYSEC-2018-28"))
        .expect("PYSEC-2018-28 for requests");
    assert_eq!(requests["fixed_in"], "2.20.0", "{requests}");
    assert_eq!(requests["fix_state"], "fixed", "{requests}");

    // The same through a policy: a check with the database fails on the fixable ones.
    let policy = dir.path().join("vulns.tg");
    std::fs::write(
        &policy,
        "//! Fixable PyPI vulnerabilities.\nmodule e2e.vulns\n\n\
         deny fixable\n    for v in image.vulnerabilities\n    where v.fixed_in != none\n    \
         message \"{v.id} in {v.package.name} {v.package.version}; fixed in {v.fixed_in}\"\n",
    )
    .unwrap();
    let run = tollgate(&[
        "check",
        &root.display().to_string(),
        "--db",
        &db.display().to_string(),
        "--policy",
        &policy.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let messages: Vec<&str> = report["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("in requests 2.19.1; fixed in 2.20.0")),
        "{messages:#?}"
    );
    let fixable = facts["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["fixed_in"].is_null())
        .count();
    assert_eq!(messages.len(), fixable);
}
