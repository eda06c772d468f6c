//! Hostile images generated in a temporary folder: entries with `../` and absolute names,
//! hardlinks and symlinks that escape, symlink loops, gzip bombs (per layer and of a whole
//! archive), truncated tars, a manifest that is not JSON, missing blobs, a layer whose content
//! does not match its diff_id, and a million tiny files. Each must end in an error naming the
//! image and the problem, or in a warning and a skipped entry.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: tests fail loudly on unexpected input.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use tollgate_facts::FileKind;
use tollgate_image::{ImageError, ImageRead, Limits, ReadOptions, read_image};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A tar entry to write with its name as raw bytes (the tar crate refuses `..` in `set_path`).
enum Item<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn raw_header(name: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    let field = &mut header.as_old_mut().name;
    field.fill(0);
    field[..name.len()].copy_from_slice(name.as_bytes());
    header
}

fn layer_tar(items: &[Item<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for item in items {
        let (name, kind, data, link): (&str, tar::EntryType, &[u8], Option<&str>) = match item {
            Item::File(name, data) => (name, tar::EntryType::Regular, data, None),
            Item::Dir(name) => (name, tar::EntryType::Directory, b"", None),
            Item::Symlink(name, target) => (name, tar::EntryType::Symlink, b"", Some(target)),
            Item::Hardlink(name, target) => (name, tar::EntryType::Link, b"", Some(target)),
        };
        let mut header = raw_header(
            name,
            kind,
            data.len() as u64,
            if kind == tar::EntryType::Directory {
                0o755
            } else {
                0o644
            },
        );
        if let Some(target) = link {
            let field = &mut header.as_old_mut().linkname;
            field.fill(0);
            field[..target.len()].copy_from_slice(target.as_bytes());
        }
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A layer as stored, and the diff_id the config declares for it.
struct StoredLayer {
    stored: Vec<u8>,
    diff_id: String,
}

fn plain(tar: Vec<u8>) -> StoredLayer {
    StoredLayer {
        diff_id: format!("sha256:{}", sha256(&tar)),
        stored: tar,
    }
}

/// Writes a docker-archive; `manifest` replaces the generated manifest.json when given.
fn docker_archive(
    dir: &Path,
    name: &str,
    layers: &[StoredLayer],
    manifest: Option<&[u8]>,
) -> PathBuf {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|layer| format!("\"{}\"", layer.diff_id))
        .collect();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        diff_ids.join(",")
    );
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("\"l{i}/layer.tar\""))
        .collect();
    let generated = format!(
        r#"[{{"Config":"config.json","RepoTags":["hostile:latest"],"Layers":[{}]}}]"#,
        layer_names.join(",")
    );
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, data).unwrap();
    };
    add("config.json", config.as_bytes());
    for (i, layer) in layers.iter().enumerate() {
        add(&format!("l{i}/layer.tar"), &layer.stored);
    }
    add("manifest.json", manifest.unwrap_or(generated.as_bytes()));
    let path = dir.join(name);
    fs::write(&path, builder.into_inner().unwrap()).unwrap();
    path
}

fn read_with(path: &Path, limits: Limits) -> Result<ImageRead, ImageError> {
    read_image(
        path.to_str().unwrap(),
        &ReadOptions {
            limits,
            ..ReadOptions::default()
        },
    )
}

fn read(path: &Path) -> Result<ImageRead, ImageError> {
    read_with(path, Limits::default())
}

#[test]
fn escaping_member_names_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let layer = layer_tar(&[
        Item::Dir("./etc/"),
        Item::File("../../etc/evil", b"x"),
        Item::File("etc/../../outside", b"x"),
        Item::File("/abs/kept.txt", b"abs"),
        Item::File("./etc/./inner/../passwd", b"root:x:0:0::/root:/bin/sh\n"),
        Item::Hardlink("etc/escape-link", "../../etc/shadow"),
        Item::Hardlink("etc/good-link", "./etc/passwd"),
        Item::Symlink("etc/up", "../../../../../../etc/shadow"),
        Item::Symlink("loop", "loop"),
    ]);
    let path = docker_archive(dir.path(), "escape.tar", &[plain(layer)], None);
    let read = read(&path).unwrap();
    let files: Vec<(&str, FileKind, u64, Option<&str>)> = read
        .image
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.kind, f.size, f.link_target.as_deref()))
        .collect();
    assert_eq!(
        files,
        [
            ("/abs/kept.txt", FileKind::File, 3, None),
            ("/etc", FileKind::Dir, 0, None),
            (
                "/etc/good-link",
                FileKind::Hardlink,
                26,
                Some("/etc/passwd")
            ),
            ("/etc/passwd", FileKind::File, 26, None),
            (
                "/etc/up",
                FileKind::Symlink,
                0,
                Some("../../../../../../etc/shadow")
            ),
            ("/loop", FileKind::Symlink, 0, Some("loop")),
        ]
    );
    let warnings: Vec<(&str, &str)> = read
        .warnings
        .iter()
        .map(|w| (w.path.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                "../../etc/evil",
                "layer 0: the entry climbs out of the image root; skipped"
            ),
            (
                "etc/../../outside",
                "layer 0: the entry climbs out of the image root; skipped"
            ),
            (
                "/etc/escape-link",
                "layer 0: the hardlink's target climbs out of the image root; skipped"
            ),
            (
                "/loop",
                "the symlink cannot be resolved: more than 32 levels of symbolic links (a loop?)"
            ),
        ]
    );
    assert_eq!(
        tollgate_image::resolve_path(&read.image, "/etc/up", 8).unwrap(),
        "/etc/shadow"
    );
    assert_eq!(read.image.users.len(), 1);
}

#[test]
fn osv_scalibr_escape_layer_stays_inside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let raw = fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/images/hostile/unpack/escape.tar"
    ))
    .unwrap();
    let path = docker_archive(dir.path(), "escape.tar", &[plain(raw)], None);
    let read = read(&path).unwrap();
    assert!(
        read.image
            .files
            .iter()
            .all(|f| f.path.starts_with('/') && !f.path.contains(".."))
    );
    let escape = read
        .image
        .files
        .iter()
        .find(|f| f.path == "/escape")
        .unwrap();
    assert_eq!(escape.kind, FileKind::Symlink);
    // `/escape` climbs through `/trampoline -> .` and `..` far past the root: it stays at `/tmp`.
    assert_eq!(
        tollgate_image::resolve_path(&read.image, "/escape", 32).unwrap(),
        "/tmp"
    );
    let paths: Vec<&str> = read.image.files.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.contains(&"/escape/poc.txt") || paths.contains(&"/trampoline"),
        "{paths:?}"
    );
}

#[test]
fn gzip_bomb_stops_at_the_layer_limit() {
    let dir = tempfile::tempdir().unwrap();
    // One 64 MiB file of zeros inflates from a few hundred KiB.
    let size = 64u64 << 20;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut header = raw_header("zeros", tar::EntryType::Regular, size, 0o644);
    header.set_cksum();
    encoder.write_all(header.as_bytes()).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) + 1 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < (size / 100) as usize, "{}", bomb.len());
    let layer = StoredLayer {
        stored: bomb,
        diff_id: "sha256:00".into(),
    };
    let path = docker_archive(dir.path(), "bomb.tar", &[layer], None);
    let limits = Limits {
        max_layer_bytes: 8 << 20,
        ..Limits::default()
    };
    let err = read_with(&path, limits).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`l0/layer.tar`): it inflates past the limit of 8388608 bytes per layer"
    );
    let limits = Limits {
        max_total_bytes: 4 << 20,
        ..Limits::default()
    };
    let err = read_with(&path, limits).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`l0/layer.tar`): the layers inflate past the limit of 4194304 bytes in total"
    );
}

#[test]
fn whole_archive_bomb_stops_at_the_total_limit() {
    let dir = tempfile::tempdir().unwrap();
    let archive = docker_archive(dir.path(), "inner.tar", &[plain(vec![0u8; 8 << 20])], None);
    let compressed = dir.path().join("outer.tar.gz");
    fs::write(&compressed, gzip(&fs::read(&archive).unwrap())).unwrap();
    let err = read_with(
        &compressed,
        Limits {
            max_total_bytes: 1 << 20,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.problem,
        "the archive inflates past the limit of 1048576 bytes"
    );
    // Within the limit the same archive reads: its one layer is an empty tar of zeros.
    let read = read(&compressed).unwrap();
    assert!(read.image.files.is_empty());
}

#[test]
fn truncated_layer_and_truncated_archive() {
    let dir = tempfile::tempdir().unwrap();
    let mut layer = layer_tar(&[Item::File("big", &[7u8; 5000])]);
    layer.truncate(2048);
    let path = docker_archive(dir.path(), "truncated-layer.tar", &[plain(layer)], None);
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`l0/layer.tar`): it is not a valid tar: unexpected EOF during skip"
    );

    let whole = docker_archive(
        dir.path(),
        "whole.tar",
        &[plain(layer_tar(&[Item::File("a", &[1u8; 20_000])]))],
        None,
    );
    let bytes = fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.tar");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read(&cut).unwrap_err();
    assert_eq!(
        err.problem,
        "the archive is truncated: member `l0/layer.tar` ends past the end of the file"
    );

    let gz = dir.path().join("cut.tar.gz");
    let compressed = gzip(&bytes);
    fs::write(&gz, &compressed[..compressed.len() / 2]).unwrap();
    let err = read(&gz).unwrap_err();
    assert!(
        err.problem.starts_with("cannot decompress the archive: "),
        "{}",
        err.problem
    );
}

#[test]
fn layer_without_end_of_archive_marker_is_read_with_a_warning() {
    // As umoci before 0.4.8 wrote them: the stream stops right after the last entry's data,
    // without its padding and without the two zero blocks.
    let dir = tempfile::tempdir().unwrap();
    let full = layer_tar(&[
        Item::File("etc/a", b"first"),
        Item::File("etc/b", &[9u8; 700]),
    ]);
    let data_end = 512 + 512 + 512 + 700; // header a, data a (padded), header b, data b
    let layer = full[..data_end].to_vec();
    let path = docker_archive(dir.path(), "no-trailer.tar", &[plain(layer)], None);
    let read = read(&path).unwrap();
    let sizes: Vec<(&str, u64)> = read
        .image
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    assert!(sizes.contains(&("/etc/a", 5)), "{sizes:?}");
    assert!(sizes.contains(&("/etc/b", 700)), "{sizes:?}");
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert!(
        read.warnings[0]
            .message
            .contains("without its end-of-archive marker")
    );

    // Cut inside the last entry's data: that is truncation, still an error.
    let cut = full[..data_end - 100].to_vec();
    let path = docker_archive(dir.path(), "cut-in-data.tar", &[plain(cut)], None);
    let err = read_with(&path, Limits::default()).unwrap_err();
    assert!(err.problem.contains("not a valid tar"), "{}", err.problem);
}

#[test]
fn manifest_that_is_not_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = docker_archive(
        dir.path(),
        "bad.tar",
        &[plain(layer_tar(&[]))],
        Some(b"{not json"),
    );
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot read image `{}`: `manifest.json` is not JSON: key must be a string at line 1 column 2",
            path.display()
        )
    );
}

#[test]
fn missing_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = br#"[{"Config":"config.json","Layers":["l0/layer.tar","gone/layer.tar"]}]"#;
    let layer = plain(layer_tar(&[Item::File("a", b"a")]));
    let twice = StoredLayer {
        stored: layer.stored.clone(),
        diff_id: layer.diff_id.clone(),
    };
    let path = docker_archive(dir.path(), "missing.tar", &[layer, twice], Some(manifest));
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 1 (`gone/layer.tar`): `gone/layer.tar` is missing from the archive"
    );

    // An OCI layout whose layer blob is gone.
    let layout = dir.path().join("layout");
    fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:11"]}}"#;
    let config_digest = sha256(config);
    fs::write(layout.join("blobs/sha256").join(&config_digest), config).unwrap();
    let layer_digest = "a".repeat(64);
    let manifest = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{config_digest}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:{layer_digest}","size":10}}]}}"#,
        config.len()
    );
    let manifest_digest = sha256(manifest.as_bytes());
    fs::write(
        layout.join("blobs/sha256").join(&manifest_digest),
        &manifest,
    )
    .unwrap();
    fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    fs::write(
        layout.join("index.json"),
        format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{manifest_digest}","size":{}}}]}}"#, manifest.len()),
    )
    .unwrap();
    let err = read(&layout).unwrap_err();
    assert_eq!(
        err.problem,
        format!(
            "layer 0 (`blobs/sha256/{layer_digest}`): `blobs/sha256/{layer_digest}` is missing"
        )
    );
}

#[test]
fn diff_id_mismatch_names_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let tar = layer_tar(&[Item::File("a", b"a")]);
    let declared = format!("sha256:{}", "0".repeat(64));
    let actual = format!("sha256:{}", sha256(&tar));
    let path = docker_archive(
        dir.path(),
        "mismatch.tar",
        &[StoredLayer {
            stored: gzip(&tar),
            diff_id: declared.clone(),
        }],
        None,
    );
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        format!(
            "layer 0 (`l0/layer.tar`): its content does not match the config's diff_id `{declared}`: it hashes to `{actual}`"
        )
    );
}

#[test]
fn symlinked_layer_loop_in_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    let config = br#"{"rootfs":{"diff_ids":["sha256:00"]}}"#;
    let manifest = br#"[{"Config":"config.json","Layers":["a/layer.tar"]}]"#;
    for (name, data) in [
        ("config.json", &config[..]),
        ("manifest.json", &manifest[..]),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append_data(&mut header, name, data).unwrap();
    }
    for (name, target) in [
        ("a/layer.tar", "../b/layer.tar"),
        ("b/layer.tar", "../a/layer.tar"),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, name, target).unwrap();
    }
    let path = dir.path().join("loop.tar");
    fs::write(&path, builder.into_inner().unwrap()).unwrap();
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`a/layer.tar`): `a/layer.tar` is a chain of more than 8 links"
    );
}

#[test]
fn a_million_tiny_files_hit_the_entry_limit() {
    let dir = tempfile::tempdir().unwrap();
    let count = 1_000_001u32;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut hasher = Sha256::new();
    let mut emit = |bytes: &[u8]| {
        hasher.update(bytes);
        encoder.write_all(bytes).unwrap();
    };
    for i in 0..count {
        let mut header = raw_header(
            &format!("d{}/f{i}", i % 1000),
            tar::EntryType::Regular,
            0,
            0o644,
        );
        header.set_cksum();
        emit(header.as_bytes());
    }
    emit(&[0u8; 1024]);
    let diff_id: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let layer = StoredLayer {
        stored: encoder.finish().unwrap(),
        diff_id: format!("sha256:{diff_id}"),
    };
    let path = docker_archive(dir.path(), "million.tar", &[layer], None);
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`l0/layer.tar`): the image has more than 1000000 entries"
    );
}

#[test]
fn huge_long_name_record_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A GNU long-name record the tar reader would hold in memory whole: 32 MiB of name.
    let size = 32u64 << 20;
    let mut header = raw_header("././@LongLink", tar::EntryType::GNULongName, size, 0o644);
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.resize(tar.len() + size as usize, b'a');
    let mut file = raw_header("x", tar::EntryType::Regular, 0, 0o644);
    file.set_cksum();
    tar.extend_from_slice(file.as_bytes());
    tar.extend_from_slice(&[0u8; 1024]);
    let diff_id = format!("sha256:{}", sha256(&tar));
    let path = docker_archive(
        dir.path(),
        "longname.tar",
        &[StoredLayer {
            stored: gzip(&tar),
            diff_id,
        }],
        None,
    );
    let err = read(&path).unwrap_err();
    assert_eq!(
        err.problem,
        "layer 0 (`l0/layer.tar`): a tar header and its extensions take more than 16777216 bytes"
    );
}

#[test]
fn zstd_layers_and_archives_are_sniffed_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let tar = layer_tar(&[
        Item::Dir("etc"),
        Item::File("etc/os-release", b"ID=test\nVERSION_ID=1\n"),
    ]);
    let diff_id = format!("sha256:{}", sha256(&tar));
    let stored = zstd::encode_all(tar.as_slice(), 3).unwrap();
    let raw_digest = format!("sha256:{}", sha256(&stored));
    let path = docker_archive(
        dir.path(),
        "zstd-layer.tar",
        &[StoredLayer {
            stored,
            diff_id: diff_id.clone(),
        }],
        None,
    );
    let layered = read(&path).unwrap();
    let layer = &layered.image.layers[0];
    assert_eq!(
        (layer.diff_id.as_str(), layer.digest.as_str()),
        (diff_id.as_str(), raw_digest.as_str())
    );
    assert_eq!(
        layer.media_type,
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    assert_eq!(
        layered
            .image
            .distro
            .as_ref()
            .map(|d| (d.id.as_str(), d.version.as_str())),
        Some(("test", "1"))
    );

    let whole = dir.path().join("archive.tar.zst");
    fs::write(
        &whole,
        zstd::encode_all(fs::read(&path).unwrap().as_slice(), 3).unwrap(),
    )
    .unwrap();
    assert_eq!(read(&whole).unwrap().image.files, layered.image.files);
}
