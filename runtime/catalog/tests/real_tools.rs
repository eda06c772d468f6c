//! The catalogers against the package managers themselves, on real installs: a debootstrap
//! Debian root against `dpkg-query`, real PyPI packages against `pip list`, real npm packages
//! against `npm ls`, and real Go binaries against `go version -m`.
//!
//! Needs debootstrap, golang-go and skopeo (`.ci/apt-packages`), pip and npm, and the
//! network to the Debian mirror and the registries the first time; built trees are cached
//! under `target/test-images`.
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
use std::path::Path;
use std::process::Command;

use common::{catalog_files, catalog_root, run};
use serde_json::Value;
use tollgate_facts::{Ecosystem, Package};
use tollgate_testkit::{cached_tree, debian_rootfs};

#[test]
fn debian_root_equals_dpkg_query() {
    let root = debian_rootfs();
    let query = run(Command::new("dpkg-query")
        .arg("-W")
        .arg("-f")
        .arg("${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n")
        .arg("--admindir")
        .arg(root.join("var/lib/dpkg")));
    let expected: BTreeSet<Vec<String>> = query
        .lines()
        .map(|line| {
            line.split('\t')
                .map(|field| field.trim_end().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|row| row[5] == "ii")
        .map(|row| row[..5].to_vec())
        .collect();
    assert!(
        expected.len() > 80,
        "a minbase system has about 90 packages, dpkg-query listed {}",
        expected.len()
    );
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let debs: Vec<&Package> = packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .collect();
    let actual: BTreeSet<Vec<String>> = debs
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
    assert_eq!(debs.len(), expected.len());
    for package in &debs {
        assert_eq!(package.distro, "Debian:12");
        assert!(
            package.purl.starts_with("pkg:deb/debian/"),
            "{}",
            package.purl
        );
        assert!(
            package.purl.contains("distro=debian-12"),
            "{}",
            package.purl
        );
    }
    // Every bookworm package ships a machine-readable copyright file, except a few old ones.
    let with_licenses = debs.iter().filter(|p| !p.licenses.is_empty()).count();
    assert!(
        with_licenses * 10 >= debs.len() * 9,
        "{with_licenses} of {} have licenses",
        debs.len()
    );
    let bash = debs.iter().find(|p| p.name == "bash").unwrap();
    assert!(
        bash.licenses
            .iter()
            .any(|license| license.starts_with("GPL-3")),
        "{:?}",
        bash.licenses
    );
}

fn pep_503(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn pypi_packages_equal_pip_list() {
    // Small pure-Python distributions at old pinned versions; python-dateutil pulls in six.
    let root = cached_tree("catalog-pypi-root", |partial| {
        run(Command::new("pip")
            .args([
                "install",
                "--quiet",
                "--no-compile",
                "--disable-pip-version-check",
                "--target",
            ])
            .arg(partial.join("opt/app/site-packages"))
            .args([
                "idna==2.10",
                "attrs==20.3.0",
                "python-dateutil==2.8.1",
                "zope.interface==5.4.0",
            ]));
    });
    let site = root.join("opt/app/site-packages");
    let listed: Value = serde_json::from_str(&run(Command::new("pip")
        .args([
            "list",
            "--disable-pip-version-check",
            "--format",
            "json",
            "--path",
        ])
        .arg(&site)))
    .unwrap();
    let expected: BTreeSet<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                pep_503(entry["name"].as_str().unwrap()),
                entry["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let actual: BTreeSet<(String, String)> = packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Python)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(packages.len(), expected.len());
    let zope = packages
        .iter()
        .find(|p| p.name == "zope-interface")
        .unwrap();
    assert_eq!(zope.purl, "pkg:pypi/zope-interface@5.4.0");
}

fn npm_tree(node: &Value, into: &mut BTreeSet<(String, String)>) {
    let Some(dependencies) = node.get("dependencies").and_then(Value::as_object) else {
        return;
    };
    for (name, child) in dependencies {
        if let Some(version) = child.get("version").and_then(Value::as_str) {
            into.insert((name.clone(), version.to_string()));
        }
        npm_tree(child, into);
    }
}

#[test]
fn npm_packages_equal_npm_ls() {
    // debug 2.6.9 needs ms 2.0.0 while the top level has ms 2.1.3: npm nests one of them.
    let root = cached_tree("catalog-npm-root", |partial| {
        let app = partial.join("srv/app");
        fs::create_dir_all(&app).unwrap();
        run(Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&app)
            .args([
                "debug@2.6.9",
                "ms@2.1.3",
                "@sindresorhus/is@4.6.0",
                "cowsay@1.5.0",
            ]));
    });
    let listed: Value = serde_json::from_str(&run(Command::new("npm")
        .args(["ls", "--all", "--json", "--prefix"])
        .arg(root.join("srv/app"))))
    .unwrap();
    let mut expected = BTreeSet::new();
    npm_tree(&listed, &mut expected);
    assert!(expected.len() >= 10, "{expected:?}");
    let (packages, warnings) = catalog_root(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let npm: Vec<&Package> = packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Npm)
        .collect();
    let actual: BTreeSet<(String, String)> = npm
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(actual, expected);
    assert!(npm.iter().any(|p| p.name == "ms"
        && p.version == "2.0.0"
        && p.path.contains("/debug/node_modules/ms/")));
    let scoped = npm.iter().find(|p| p.name == "@sindresorhus/is").unwrap();
    assert_eq!(scoped.purl, "pkg:npm/%40sindresorhus/is@4.6.0");
    assert_eq!(scoped.licenses, ["MIT"]);
}

/// What `go version -m` reports for a binary: the standard library version, the main
/// module and the dependencies with replacements applied.
fn go_version_m(binary: &Path) -> BTreeSet<(String, String)> {
    let output = run(Command::new("go").arg("version").arg("-m").arg(binary));
    let mut lines = output.lines();
    let go_version = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_start_matches("go")
        .to_string();
    let mut modules: Vec<(String, String)> = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match fields[0] {
            "mod" | "dep" => modules.push((
                fields[1].to_string(),
                fields.get(2).unwrap_or(&"").to_string(),
            )),
            "=>" if !fields.get(2).unwrap_or(&"").is_empty() => {
                *modules.last_mut().unwrap() = (fields[1].to_string(), fields[2].to_string());
            }
            _ => {}
        }
    }
    modules.push(("stdlib".to_string(), go_version));
    modules.into_iter().collect()
}

fn cataloged_go(binary: &Path) -> BTreeSet<(String, String)> {
    let (packages, warnings) = catalog_files(&[("/usr/bin/program", binary.to_path_buf())], None);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        packages
            .iter()
            .all(|p| p.ecosystem == Ecosystem::Go && p.path == "/usr/bin/program")
    );
    packages.into_iter().map(|p| (p.name, p.version)).collect()
}

#[test]
fn debian_go_binaries_equal_go_version_m() {
    for binary in ["/usr/bin/skopeo", "/usr/bin/umoci"] {
        let binary = Path::new(binary);
        let expected = go_version_m(binary);
        assert!(expected.iter().any(|(name, _)| name == "stdlib"));
        assert_eq!(cataloged_go(binary), expected, "{}", binary.display());
    }
}

#[test]
fn go_module_binary_with_a_replaced_dependency_equals_go_version_m() {
    let binary = cached_tree("catalog-go-module", |partial| {
        let lib = partial.join("src/lib");
        fs::create_dir_all(&lib).unwrap();
        fs::write(lib.join("go.mod"), "module example.com/greeting\n\ngo 1.19\n").unwrap();
        fs::write(lib.join("greeting.go"), "package greeting\n\nfunc Hello() string { return \"hello\" }\n").unwrap();
        let app = partial.join("src/app");
        fs::create_dir_all(&app).unwrap();
        fs::write(
            app.join("go.mod"),
            "module example.com/tollgate/app\n\ngo 1.19\n\nrequire example.com/greeting v1.4.2\n\n\
             replace example.com/greeting v1.4.2 => example.com/greeting-fork v1.4.3\n",
        )
        .unwrap();
        // The fork is vendored locally under its own module path so no network is needed.
        let fork = partial.join("src/fork");
        fs::create_dir_all(&fork).unwrap();
        fs::write(fork.join("go.mod"), "module example.com/greeting-fork\n\ngo 1.19\n").unwrap();
        fs::write(fork.join("greeting.go"), "package greeting\n\nfunc Hello() string { return \"hi\" }\n").unwrap();
        fs::write(
            app.join("main.go"),
            "package main\n\nimport \"example.com/greeting\"\n\nfunc main() { println(greeting.Hello()) }\n",
        )
        .unwrap();
        let vendor = app.join("vendor/example.com/greeting");
        fs::create_dir_all(&vendor).unwrap();
        fs::copy(fork.join("greeting.go"), vendor.join("greeting.go")).unwrap();
        fs::write(
            app.join("vendor/modules.txt"),
            "# example.com/greeting v1.4.2 => example.com/greeting-fork v1.4.3\n## explicit; go 1.19\nexample.com/greeting\n",
        )
        .unwrap();
        run(Command::new("go")
            .current_dir(&app)
            .env("GOFLAGS", "-mod=vendor")
            .env("GOPROXY", "off")
            .env("GOCACHE", partial.join("cache"))
            .env("GOPATH", partial.join("gopath"))
            .args(["build", "-o"])
            .arg(partial.join("app")));
        let _ = fs::remove_dir_all(partial.join("cache"));
    })
    .join("app");
    let expected = go_version_m(&binary);
    assert!(
        expected.contains(&(
            "example.com/greeting-fork".to_string(),
            "v1.4.3".to_string()
        )),
        "the test binary should carry a replaced dependency: {expected:?}"
    );
    assert_eq!(cataloged_go(&binary), expected);
}

#[test]
fn rust_binary_with_cargo_auditable_section() {
    // No Debian package is built with cargo auditable yet: add its section, as it writes it
    // (zlib-compressed JSON in `.dep-v0`), to a real ELF program with objcopy.
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"packages":[
        {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
        {"name":"serde","version":"1.0.193","source":"crates.io"},
        {"name":"itoa","version":"1.0.9","source":"crates.io","kind":"runtime"},
        {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"}]}"#;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, json.as_bytes()).unwrap();
    fs::write(dir.path().join("audit.z"), encoder.finish().unwrap()).unwrap();
    let binary = dir.path().join("app");
    run(Command::new("objcopy")
        .arg(format!(
            "--add-section=.dep-v0={}",
            dir.path().join("audit.z").display()
        ))
        .arg("--set-section-flags=.dep-v0=noload,readonly")
        .arg("/usr/bin/ls")
        .arg(&binary));
    let (packages, warnings) = catalog_files(&[("/usr/local/bin/app", binary)], None);
    assert!(warnings.is_empty(), "{warnings:?}");
    let found: Vec<(&str, &str, &str)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("serde", "1.0.193", "pkg:cargo/serde@1.0.193"),
            ("itoa", "1.0.9", "pkg:cargo/itoa@1.0.9")
        ]
    );
    assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Cargo));
}
