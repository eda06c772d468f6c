//! Test inputs shared by the tests of several crates (the image reader, the catalogers, the
//! secret scanner and the end-to-end suite), so that CI builds one real Debian image, not one
//! per crate, and every suite walks a root filesystem the same way.
//!
//! Test support only: a failure here is a failed test, so the functions panic with a message
//! that says what could not be built or read.
// reason: test support; a panic with its message is how a test reports a broken input.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod pypi;
mod rng;

pub use pypi::{OLD_PYPI_REQUIREMENTS, pip_install_target, pypa_listed_advisories};
pub use rng::Rng;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared real-data fixtures (`../shared/fixtures` beside the checkout).
pub fn fixtures() -> PathBuf {
    repo_root().join("../shared/fixtures")
}

/// The folder where built test inputs are cached between runs: `$TOLLGATE_TEST_IMAGES`, else
/// `target/test-images`. Canonical, so tools given it never resolve `..` through a symlink.
pub fn test_images() -> PathBuf {
    let dir = std::env::var_os("TOLLGATE_TEST_IMAGES")
        .map_or_else(|| repo_root().join("target/test-images"), PathBuf::from);
    fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
    dir.canonicalize()
        .unwrap_or_else(|err| panic!("cannot resolve {}: {err}", dir.display()))
}

/// Runs `scripts/NAME`, which builds (or finds cached) a test image and prints its folder.
pub fn script_folder(script: &str) -> PathBuf {
    let path = repo_root().join("scripts").join(script);
    let output = Command::new(&path)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", path.display()));
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The real Debian bookworm image of `scripts/image-test-images.sh` (debootstrap
/// `--variant=minbase`, then umoci and skopeo), built once and shared by every crate's
/// tests. The folder holds the image in three formats, `rootfs/` and `config.env`.
pub fn debian_image() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| script_folder("image-test-images.sh"))
}

/// The root filesystem the Debian image was built from.
pub fn debian_rootfs() -> PathBuf {
    debian_image().join("rootfs")
}

/// The config values `scripts/build-debian-image.sh` set on the Debian image
/// (`config.env`: one `KEY=VALUE` a line).
pub fn debian_config() -> HashMap<String, String> {
    let path = debian_image().join("config.env");
    fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
        .lines()
        .filter_map(|line| {
            line.split_once('=')
                .map(|(key, value)| (key.to_string(), value.to_string()))
        })
        .collect()
}

/// One entry of a root filesystem as the facts describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskEntry {
    /// The facts' spelling of the kind: `dir`, `file`, `symlink`, `char`, `block`, `fifo`.
    pub kind: &'static str,
    /// Permission bits with setuid, setgid and sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Bytes for regular files, 0 otherwise.
    pub size: u64,
    /// Where a symlink points, as written.
    pub link_target: Option<String>,
}

/// Every entry under `root` by its path in the image (`/etc/passwd`). Symlinks are not
/// followed. Hardlinked files appear as plain files under each name.
pub fn disk_table(root: &Path) -> BTreeMap<String, DiskEntry> {
    let mut rows = BTreeMap::new();
    let mut folders = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let entries = fs::read_dir(&folder)
            .unwrap_or_else(|err| panic!("cannot list {}: {err}", folder.display()));
        for entry in entries {
            let entry =
                entry.unwrap_or_else(|err| panic!("cannot list {}: {err}", folder.display()));
            let path = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            let meta = fs::symlink_metadata(entry.path())
                .unwrap_or_else(|err| panic!("cannot stat {}: {err}", entry.path().display()));
            let file_type = meta.file_type();
            let (kind, size, link_target) = if file_type.is_dir() {
                folders.push((entry.path(), path.clone()));
                ("dir", 0, None)
            } else if file_type.is_symlink() {
                let target = fs::read_link(entry.path())
                    .unwrap_or_else(|err| panic!("cannot read {}: {err}", entry.path().display()));
                ("symlink", 0, Some(target.to_string_lossy().into_owned()))
            } else if file_type.is_file() {
                ("file", meta.len(), None)
            } else if file_type.is_char_device() {
                ("char", 0, None)
            } else if file_type.is_block_device() {
                ("block", 0, None)
            } else {
                ("fifo", 0, None)
            };
            let row = DiskEntry {
                kind,
                mode: meta.mode() & 0o7777,
                uid: u64::from(meta.uid()),
                gid: u64::from(meta.gid()),
                size,
                link_target,
            };
            rows.insert(path, row);
        }
    }
    rows
}

/// Every regular file under `root`: (path in the image, path on disk, size), in path order.
/// Symlinks are not followed, as in an image.
pub fn regular_files(root: &Path) -> Vec<(String, PathBuf, u64)> {
    disk_table(root)
        .into_iter()
        .filter(|(_, entry)| entry.kind == "file")
        .map(|(inside, entry)| {
            let on_disk = root.join(inside.trim_start_matches('/'));
            (inside, on_disk, entry.size)
        })
        .collect()
}

/// Builds a cached tree once under [`test_images`]: `build` fills a fresh folder that is then
/// renamed into place, so an interrupted build never leaves a half tree behind.
pub fn cached_tree(name: &str, build: impl FnOnce(&Path)) -> PathBuf {
    let target = test_images().join(name);
    if target.exists() {
        return target;
    }
    let partial = test_images().join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&partial);
    build(&partial);
    // Another test process may have finished the same tree first: theirs is as good.
    if fs::rename(&partial, &target).is_err() {
        let _ = fs::remove_dir_all(&partial);
        assert!(
            target.exists(),
            "cannot move {} into place",
            partial.display()
        );
    }
    target
}

/// The first `limit` bytes of a file, as the image reader hands a consumer at most the bytes
/// it asked for.
pub fn read_head(path: &Path, limit: u64) -> Vec<u8> {
    use std::io::Read;
    let mut data = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(limit).read_to_end(&mut data))
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    data
}

/// Fails unless the facts' file table equals the Debian image's root filesystem: the same
/// paths, and the same kind, mode, owner, size and link target for each. `what` names the
/// image format in the message.
pub fn assert_matches_debian_rootfs(what: &str, facts: &BTreeMap<String, DiskEntry>) {
    let disk = disk_table(&debian_rootfs());
    assert!(
        disk.len() > 5000,
        "a minbase Debian has thousands of entries, found {}",
        disk.len()
    );
    let missing: Vec<&String> = disk
        .keys()
        .filter(|path| !facts.contains_key(*path))
        .collect();
    let extra: Vec<&String> = facts
        .keys()
        .filter(|path| !disk.contains_key(*path))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, extra {extra:?}"
    );
    let differing: Vec<(&String, &DiskEntry, Option<&DiskEntry>)> = disk
        .iter()
        .filter(|(path, row)| facts.get(*path) != Some(*row))
        .map(|(path, row)| (path, row, facts.get(path)))
        .take(10)
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: (path, disk, facts) {differing:?}"
    );
}
