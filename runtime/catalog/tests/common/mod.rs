//! Test harness: drives the catalogers over files on disk the way the image reader drives
//! them over a layer (wants, then inspect on at most the wanted bytes, then finish).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test helpers; a failure here is a test failure.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate_catalog::Catalogers;
use tollgate_facts::scan::{Cataloger, FileContent, Inspection, Warning};
use tollgate_facts::{Distro, Package};

/// The fixtures folder (`../shared/fixtures` beside the checkout).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

pub fn pkgdb(relative: &str) -> PathBuf {
    fixtures().join("pkgdb").join(relative)
}

/// Inspects one file on disk as if it were at `image_path` in layer 0.
pub fn inspect_file(catalogers: &Catalogers, image_path: &str, disk: &Path) -> Option<Inspection> {
    let metadata = fs::metadata(disk).unwrap();
    let mode = metadata.permissions().mode() & 0o7777;
    let limit = catalogers.wants(image_path, metadata.len(), mode)?;
    let mut data = Vec::new();
    fs::File::open(disk)
        .unwrap()
        .take(limit)
        .read_to_end(&mut data)
        .unwrap();
    Some(catalogers.inspect(FileContent {
        path: image_path,
        layer: 0,
        mode,
        size: metadata.len(),
        truncated: (data.len() as u64) < metadata.len(),
        data: &data,
    }))
}

/// Catalogs files placed at image paths.
pub fn catalog_files(
    files: &[(&str, PathBuf)],
    distro: Option<&Distro>,
) -> (Vec<Package>, Vec<Warning>) {
    let catalogers = Catalogers::default();
    let mut found: Vec<Inspection> = files
        .iter()
        .filter_map(|(image_path, disk)| inspect_file(&catalogers, image_path, disk))
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    catalogers.finish(found, distro)
}

/// Catalogs a whole root filesystem folder, with the distro from its os-release.
pub fn catalog_root(root: &Path) -> (Vec<Package>, Vec<Warning>) {
    let catalogers = Catalogers::default();
    let found: Vec<Inspection> = tollgate_testkit::regular_files(root)
        .iter()
        .filter_map(|(image_path, disk, _)| inspect_file(&catalogers, image_path, disk))
        .collect();
    let distro = read_os_release(root);
    catalogers.finish(found, distro.as_ref())
}

/// `etc/os-release` (or `usr/lib/os-release`) of a root folder.
pub fn read_os_release(root: &Path) -> Option<Distro> {
    let text = fs::read_to_string(root.join("etc/os-release"))
        .or_else(|_| fs::read_to_string(root.join("usr/lib/os-release")))
        .ok()?;
    let mut distro = Distro::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        match key {
            "ID" => distro.id = value,
            "VERSION_ID" => distro.version = value,
            "VERSION_CODENAME" => distro.codename = value,
            "PRETTY_NAME" => distro.name = value,
            _ => {}
        }
    }
    Some(distro)
}

/// Runs a command and returns its standard output; fails the test when it fails.
pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Reads an `expected-packages.tsv`: rows of tab-separated fields, `#` lines skipped.
pub fn expected_rows(path: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            line.split('\t')
                .map(|field| field.trim_end().to_string())
                .collect()
        })
        .collect()
}
