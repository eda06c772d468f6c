//! Shared by the tests and the benchmark: the Debian root file system (built once with
//! debootstrap and cached) and a walk over its regular files.

#![allow(dead_code)] // reason: each test binary uses part of this module

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (`runtime/secrets/../..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A clean Debian bookworm minbase root file system: the image reader's cached build
/// (`target/test-images/debian-*/rootfs`, from `scripts/build-debian-image.sh`) when it
/// exists, else `target/test-images/debian-rootfs`, built here with debootstrap when absent.
pub fn debian_rootfs() -> PathBuf {
    let images = std::env::var_os("TOLLGATE_TEST_IMAGES").map_or_else(
        || workspace_root().join("target/test-images"),
        PathBuf::from,
    );
    if let Ok(entries) = std::fs::read_dir(&images) {
        let mut built: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|dir| {
                dir.join("config.env").is_file() && dir.join("rootfs/etc/debian_version").is_file()
            })
            .collect();
        built.sort();
        if let Some(dir) = built.pop() {
            return dir.join("rootfs");
        }
    }
    let root = images.join("debian-rootfs");
    if root.join("etc/debian_version").is_file() {
        return root;
    }
    std::fs::create_dir_all(&images).unwrap();
    let partial = images.join(format!(".debian-rootfs.{}", std::process::id()));
    let status = Command::new("debootstrap")
        .args(["--variant=minbase", "bookworm"])
        .arg(&partial)
        .arg("http://deb.debian.org/debian")
        .status()
        .expect("debootstrap must be installed (see .ci/apt-packages)");
    assert!(status.success(), "debootstrap failed: {status}");
    // Another process may have finished first; either tree is a clean bookworm.
    if std::fs::rename(&partial, &root).is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    root
}

/// Every regular file under `root`: (path in the image, path on disk, size). Symlinks
/// are not followed.
pub fn regular_files(root: &Path) -> Vec<(String, PathBuf, u64)> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                let inside = format!("/{}", path.strip_prefix(root).unwrap().to_string_lossy());
                files.push((inside, path, size));
            }
        }
    }
    files.sort();
    files
}

/// Reads at most `limit` bytes of a file.
pub fn read_head(path: &Path, limit: u64) -> Vec<u8> {
    use std::io::Read;
    let mut data = Vec::new();
    std::fs::File::open(path)
        .unwrap()
        .take(limit)
        .read_to_end(&mut data)
        .unwrap();
    data
}
