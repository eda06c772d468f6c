//! A real Debian bookworm image, built by `scripts/build-debian-image.sh` (debootstrap
//! `--variant=minbase`, umoci, skopeo; cached under `$TOLLGATE_TEST_IMAGES`), read in all three
//! formats: the facts' file table must equal the root filesystem it was built from, and the
//! config facts must equal what the script set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: tests fail loudly on unexpected input.

use std::collections::BTreeMap;

use tollgate_facts::{FileKind, Image, PasswordState};
use tollgate_image::{ReadOptions, read_image};
use tollgate_testkit::{
    DiskEntry, assert_matches_debian_rootfs, debian_config, debian_image, debian_rootfs,
};

/// The facts' file table in the testkit's terms. Hardlinks count as files: which of the names
/// is the "link" depends on the order the tar was written in.
fn facts_table(image: &Image) -> BTreeMap<String, DiskEntry> {
    image
        .files
        .iter()
        .map(|f| {
            let (kind, link_target) = if f.kind == FileKind::Hardlink {
                (FileKind::File, None)
            } else {
                (f.kind, f.link_target.as_deref().map(str::to_string))
            };
            let entry = DiskEntry {
                kind: kind.as_str(),
                mode: f.mode,
                uid: f.uid,
                gid: f.gid,
                size: f.size,
                link_target,
            };
            (f.path.clone(), entry)
        })
        .collect()
}

fn read(format: &str) -> Image {
    let path = debian_image().join(format);
    let read = read_image(path.to_str().unwrap(), &ReadOptions::default())
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(read.warnings.is_empty(), "{format}: {:?}", read.warnings);
    read.image
}

fn assert_same_filesystem(format: &str, image: &Image) {
    assert_matches_debian_rootfs(format, &facts_table(image));
}

fn assert_config(format: &str, image: &Image) {
    let expected = debian_config();
    let config = &image.config;
    assert_eq!(config.user, expected["user"], "{format}");
    let env: Vec<String> = config.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(env.join(" "), expected["env"], "{format}");
    let ports: Vec<String> = config
        .exposed_ports
        .iter()
        .map(|p| format!("{}/{}", p.number, p.protocol))
        .collect();
    assert_eq!(ports.join(" "), expected["exposed_ports"], "{format}");
    assert_eq!(config.volumes.join(" "), expected["volumes"], "{format}");
    let labels: Vec<String> = config
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(labels.join(" "), expected["labels"], "{format}");
    assert_eq!(
        config.entrypoint.join(" "),
        expected["entrypoint"],
        "{format}"
    );
    assert_eq!(config.cmd.join(" "), expected["cmd"], "{format}");
    assert_eq!(config.workdir, expected["workdir"], "{format}");
    assert_eq!(config.stop_signal, expected["stop_signal"], "{format}");
    assert_eq!(
        config.healthcheck, None,
        "{format}: umoci sets no healthcheck"
    );
    assert_eq!(
        (image.architecture.as_str(), image.os.as_str()),
        ("amd64", "linux"),
        "{format}"
    );
    let distro = image.distro.clone().unwrap();
    assert_eq!(
        (
            distro.id.as_str(),
            distro.version.as_str(),
            distro.codename.as_str()
        ),
        ("debian", "12", "bookworm"),
        "{format}"
    );
    let last = image.history.last().unwrap();
    assert_eq!(
        (last.instruction.as_str(), last.arguments.as_str()),
        ("RUN", "edit files"),
        "{format}"
    );
    let root = image.users.iter().find(|u| u.name == "root").unwrap();
    assert_eq!(
        (root.uid, root.shell.as_str(), root.password),
        (0, "/bin/bash", PasswordState::Locked),
        "{format}"
    );
    assert!(
        image.groups.iter().any(|g| g.name == "sudo" && g.gid == 27),
        "{format}"
    );
}

fn assert_second_layer(format: &str, image: &Image) {
    assert_eq!(image.layers.len(), 2, "{format}");
    let file = |path: &str| image.files.iter().find(|f| f.path == path);
    // Deleted by layer 1.
    for gone in [
        "/usr/share/man",
        "/usr/share/doc/apt",
        "/etc/issue.net",
        "/usr/bin/zdump",
    ] {
        assert!(file(gone).is_none(), "{format}: {gone} was deleted");
    }
    assert!(
        !image
            .files
            .iter()
            .any(|f| f.path.starts_with("/usr/share/man/")),
        "{format}"
    );
    // Replaced and added by layer 1.
    let issue = file("/etc/issue").unwrap();
    assert_eq!((issue.layer, issue.size), (1, 20), "{format}");
    let motd = file("/etc/motd").unwrap();
    assert_eq!(
        (motd.kind, motd.link_target.as_deref(), motd.layer),
        (FileKind::Symlink, Some("/etc/issue"), 1),
        "{format}"
    );
    let helper = file("/usr/local/bin/helper").unwrap();
    assert!(
        helper.setuid && !helper.setgid && helper.mode == 0o4755,
        "{format}"
    );
    let run = file("/srv/app/bin/run").unwrap();
    let again = file("/srv/app/bin/run-again").unwrap();
    assert_eq!((run.uid, run.gid, run.layer), (1000, 1000, 1), "{format}");
    let (link, target) = if run.kind == FileKind::Hardlink {
        (run, again)
    } else {
        (again, run)
    };
    assert_eq!(
        (link.kind, link.size),
        (FileKind::Hardlink, target.size),
        "{format}"
    );
    assert_eq!(
        link.link_target.as_deref(),
        Some(target.path.as_str()),
        "{format}"
    );
    // Untouched base files stay in layer 0.
    assert_eq!(file("/usr/bin/dpkg").unwrap().layer, 0, "{format}");
    assert_eq!(file("/var/lib/dpkg/status").unwrap().layer, 0, "{format}");
}

#[test]
fn docker_archive_matches_the_root_filesystem() {
    let image = read("image.docker.tar");
    assert_same_filesystem("docker-archive", &image);
    assert_config("docker-archive", &image);
    assert_second_layer("docker-archive", &image);
    assert_eq!(image.tags, ["docker.io/tollgate/debian:bookworm"]);
    assert!(
        image.layers.iter().all(|l| l.digest == l.diff_id),
        "skopeo stores docker-archive layers uncompressed"
    );
}

#[test]
fn oci_archive_matches_the_root_filesystem() {
    let image = read("image.oci.tar");
    assert_same_filesystem("oci-archive", &image);
    assert_config("oci-archive", &image);
    assert_second_layer("oci-archive", &image);
    assert_eq!(image.tags, ["bookworm"]);
}

#[test]
fn oci_layout_matches_the_root_filesystem_and_the_archives() {
    let layout = read("oci");
    assert_same_filesystem("oci layout", &layout);
    assert_config("oci layout", &layout);
    assert_second_layer("oci layout", &layout);
    let archive = read("image.oci.tar");
    assert_eq!(layout.layers, archive.layers);
    assert_eq!(layout.digest, archive.digest);
    assert!(layout.layers.iter().all(|l| l.media_type
        == "application/vnd.oci.image.layer.v1.tar+gzip"
        && l.digest != l.diff_id));
    let docker = read("image.docker.tar");
    let diff_ids = |image: &Image| {
        image
            .layers
            .iter()
            .map(|l| l.diff_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        diff_ids(&layout),
        diff_ids(&docker),
        "the same layers, compressed or not"
    );
}

#[test]
fn rootfs_folder_reads_like_the_image() {
    let read = read_image(debian_rootfs().to_str().unwrap(), &ReadOptions::default()).unwrap();
    assert_same_filesystem("rootfs", &read.image);
    assert_eq!(
        read.image.distro.as_ref().map(|d| d.codename.as_str()),
        Some("bookworm")
    );
    assert_eq!(
        read.image.users,
        read_image(
            debian_image().join("oci").to_str().unwrap(),
            &ReadOptions::default()
        )
        .unwrap()
        .image
        .users
    );
}
