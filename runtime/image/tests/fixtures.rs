//! Reads the real image fixtures in `../shared/fixtures/images/` and checks the exact facts:
//! docker-archives (legacy, gzipped as a whole, Docker 25+, layer symlinks, whiteouts,
//! overwrites), OCI layouts and archives (tags, nested and multi-platform indexes, artifacts),
//! and the malformed ones, which must fail with a message naming the problem.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: tests fail loudly on unexpected input.

use std::path::PathBuf;

use tollgate_facts::scan::{Cataloger, FileContent, Inspection, SecretScanner, Warning};
use tollgate_facts::{Distro, FileKind, Image, Package, PasswordState, Secret};
use tollgate_image::{ContentDemand, ImageRead, ReadOptions, read_image, resolve_path};

fn fixture(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/images");
    root.join(name).to_string_lossy().into_owned()
}

fn read(name: &str) -> ImageRead {
    read_image(&fixture(name), &ReadOptions::default()).unwrap_or_else(|err| panic!("{err}"))
}

fn problem(name: &str) -> String {
    let reference = fixture(name);
    let err =
        read_image(&reference, &ReadOptions::default()).expect_err("the image must be refused");
    assert_eq!(err.image, reference);
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read image `{reference}`: ")),
        "{err}"
    );
    err.problem
}

/// (path, kind, mode, size, link target, layer) of every file.
fn table(image: &Image) -> Vec<(String, FileKind, u32, u64, Option<String>, i64)> {
    image
        .files
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.kind,
                f.mode,
                f.size,
                f.link_target.as_deref().map(str::to_string),
                f.layer,
            )
        })
        .collect()
}

fn row(
    path: &str,
    kind: FileKind,
    mode: u32,
    size: u64,
    link: Option<&str>,
    layer: i64,
) -> (String, FileKind, u32, u64, Option<String>, i64) {
    (
        path.to_string(),
        kind,
        mode,
        size,
        link.map(str::to_string),
        layer,
    )
}

#[test]
fn alpine_docker_archive_gzipped_whole() {
    let read = read_image(
        &fixture("alpine-3.11.docker.tar.gz"),
        &ReadOptions {
            contents: ContentDemand {
                content: vec!["/etc/alpine-release".into()],
                sha256: vec!["/lib/apk/db/*".into()],
                max_bytes: 4,
            },
            ..ReadOptions::default()
        },
    )
    .unwrap();
    let image = &read.image;
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        image.digest,
        "sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72"
    );
    assert_eq!(image.tags, ["alpine:3.11"]);
    assert_eq!(
        image.created.unwrap().to_string(),
        "2020-03-23T21:19:34.196162891Z"
    );
    assert_eq!(
        (image.architecture.as_str(), image.os.as_str()),
        ("amd64", "linux")
    );
    assert_eq!(
        image.distro,
        Some(Distro {
            id: "alpine".into(),
            version: "3.11.5".into(),
            codename: String::new(),
            name: "Alpine Linux v3.11".into()
        })
    );
    assert_eq!(image.layers.len(), 1);
    let layer = &image.layers[0];
    // sha256 of the uncompressed layer.tar, which the archive stores as is.
    assert_eq!(
        layer.diff_id,
        "sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203"
    );
    assert_eq!(layer.digest, layer.diff_id);
    assert_eq!(
        (layer.size, layer.media_type.as_str()),
        (5_861_888, "application/vnd.docker.image.rootfs.diff.tar")
    );
    assert_eq!(image.size, 5_861_888);
    assert_eq!(image.config.cmd, ["/bin/sh"]);
    assert_eq!(
        image.config.env["PATH"],
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    );
    assert_eq!(image.config.user, "");
    let history: Vec<(&str, &str, bool)> = image
        .history
        .iter()
        .map(|h| (h.instruction.as_str(), h.arguments.as_str(), h.empty_layer))
        .collect();
    assert_eq!(
        history,
        [
            (
                "ADD",
                "file:0c4555f363c2672e350001f1293e689875a3760afe7b3f9146886afe67121cba in /",
                false
            ),
            ("CMD", "[\"/bin/sh\"]", true)
        ]
    );

    // 488 members in the layer tar, none of them the root itself.
    assert_eq!(image.files.len(), 488);
    let count = |kind| image.files.iter().filter(|f| f.kind == kind).count();
    assert_eq!(
        (
            count(FileKind::File),
            count(FileKind::Dir),
            count(FileKind::Symlink)
        ),
        (72, 90, 326)
    );
    let installed = image
        .files
        .iter()
        .find(|f| f.path == "/lib/apk/db/installed")
        .unwrap();
    assert_eq!(
        (
            installed.kind,
            installed.mode,
            installed.size,
            installed.layer
        ),
        (FileKind::File, 0o644, 11_439, 0)
    );
    assert_eq!(
        installed.sha256.as_deref(),
        Some("9d2bb1326a054b87942b848b97c5f0adfcf67ff16077a0c9ee12525e2a52012f")
    );
    assert_eq!(installed.content, None);
    let release = image
        .files
        .iter()
        .find(|f| f.path == "/etc/alpine-release")
        .unwrap();
    assert_eq!(
        (
            release.content.as_deref(),
            release.truncated,
            release.sha256.as_deref()
        ),
        (Some("3.11"), true, None)
    );
    let shell = image.files.iter().find(|f| f.path == "/bin/sh").unwrap();
    assert_eq!(
        (shell.kind, shell.link_target.as_deref()),
        (FileKind::Symlink, Some("/bin/busybox"))
    );
    let shadow = image
        .files
        .iter()
        .find(|f| f.path == "/etc/shadow")
        .unwrap();
    assert_eq!((shadow.mode, shadow.gid), (0o640, 42));
    assert!(
        image
            .files
            .windows(2)
            .all(|pair| pair[0].path < pair[1].path),
        "files are in path order"
    );

    assert_eq!(image.users.len(), 27);
    let root = &image.users[0];
    assert_eq!(
        (
            root.name.as_str(),
            root.uid,
            root.gid,
            root.home.as_str(),
            root.shell.as_str()
        ),
        ("root", 0, 0, "/root", "/bin/ash")
    );
    assert_eq!(root.password, PasswordState::Locked);
    assert!(
        image
            .users
            .iter()
            .all(|user| user.password == PasswordState::Locked)
    );
    assert_eq!(image.groups.len(), 47);
    assert_eq!(image.groups[1].name, "bin");
    assert_eq!(image.groups[1].members, ["root", "bin", "daemon"]);
}

/// A cataloger and scanner that record what the reader hands them.
struct Recorder;

impl Cataloger for Recorder {
    fn wants(&self, path: &str, _size: u64, _mode: u32) -> Option<u64> {
        (path == "/lib/apk/db/installed").then_some(100)
    }
    fn inspect(&self, file: FileContent<'_>) -> Inspection {
        let text = String::from_utf8_lossy(file.data);
        Inspection {
            path: file.path.to_string(),
            layer: file.layer,
            packages: vec![Package {
                name: text
                    .lines()
                    .find_map(|l| l.strip_prefix("P:"))
                    .unwrap_or("")
                    .into(),
                path: file.path.into(),
                ..Package::default()
            }],
            warnings: vec![Warning {
                path: file.path.into(),
                message: format!(
                    "{} of {} bytes, truncated {}",
                    file.data.len(),
                    file.size,
                    file.truncated
                ),
            }],
            ..Inspection::default()
        }
    }
    fn finish(
        &self,
        found: Vec<Inspection>,
        distro: Option<&Distro>,
    ) -> (Vec<Package>, Vec<Warning>) {
        let mut packages = Vec::new();
        let mut warnings = Vec::new();
        for inspection in found {
            packages.extend(inspection.packages.into_iter().map(|mut p| {
                p.distro = distro.map(|d| d.version.clone()).unwrap_or_default();
                p
            }));
            warnings.extend(inspection.warnings);
        }
        (packages, warnings)
    }
}

impl SecretScanner for Recorder {
    fn wants(&self, path: &str, _size: u64) -> Option<u64> {
        path.starts_with("/etc/").then_some(1 << 20)
    }
    fn scan(&self, file: FileContent<'_>) -> Vec<Secret> {
        if file.path == "/etc/shadow" {
            vec![Secret {
                rule: "shadow".into(),
                path: file.path.into(),
                layer: file.layer,
                line: 1,
                ..Secret::default()
            }]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn consumers_run_during_the_pass() {
    let options = ReadOptions {
        catalog: Some(&Recorder),
        secrets: Some(&Recorder),
        ..ReadOptions::default()
    };
    let read = read_image(&fixture("alpine-3.11.docker.tar.gz"), &options).unwrap();
    let packages: Vec<(&str, &str, &str)> = read
        .image
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.path.as_str(), p.distro.as_str()))
        .collect();
    assert_eq!(packages, [("musl", "/lib/apk/db/installed", "3.11.5")]);
    assert_eq!(
        read.warnings,
        [Warning {
            path: "/lib/apk/db/installed".into(),
            message: "100 of 11439 bytes, truncated true".into()
        }]
    );
    assert_eq!(read.image.secrets.len(), 1);
    assert_eq!(
        (
            read.image.secrets[0].path.as_str(),
            read.image.secrets[0].present
        ),
        ("/etc/shadow", true)
    );
}

#[test]
fn whiteout_file_removes_lower_entry() {
    let read = read("ggcr/mutate/whiteout_image.tar");
    assert_eq!(
        table(&read.image),
        [row("/bar.txt", FileKind::File, 0o555, 4, None, 0)]
    );
    assert_eq!(read.image.layers.len(), 3);
    // The third layer is an empty tar: 10240 zero bytes.
    assert_eq!(
        read.image.layers[2].diff_id,
        "sha256:84ff92691f909a05b224e1c56abb4864f01b4f8e3c854e4bb4c7baf1d3f6d652"
    );
    assert_eq!(read.image.tags, ["bazel/pkg/v1/mutate:whiteout_image"]);
}

#[test]
fn later_layer_replaces_file_with_symlink() {
    let read = read("ggcr/mutate/overwritten_file.tar");
    assert_eq!(
        table(&read.image),
        [
            row("/bar.txt", FileKind::File, 0o555, 4, None, 1),
            row("/foo.txt", FileKind::Symlink, 0o755, 0, Some("bar.txt"), 1)
        ]
    );
}

#[test]
fn whited_out_folder_is_recreated_and_gzip_layers_sniffed() {
    let read = read("ggcr/mutate/whiteout_dir.tar");
    let image = &read.image;
    assert_eq!(
        table(image),
        [
            row("/a", FileKind::Dir, 0o755, 0, None, 3),
            row("/a/baz", FileKind::File, 0o644, 0, None, 3),
            row("/b", FileKind::Dir, 0o755, 0, None, 1),
            row("/b/bar", FileKind::File, 0o644, 0, None, 1),
        ]
    );
    // The config is stored as `sha256:<hex>`; its name is its digest.
    assert_eq!(
        image.digest,
        "sha256:92f1e3d53acdc7e137e73869abc4e87aba6614440a31723423790ca0d5db9111"
    );
    let layer = &image.layers[0];
    assert_eq!(
        layer.media_type,
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    // A legacy archive does not give the blob's digest: it is the hash of the stored bytes.
    assert_eq!(
        layer.digest,
        "sha256:e351ee8e5cab41e244c9a219e949dcc90cfa157f0a216157e3406eeef976a953"
    );
    assert_ne!(layer.digest, layer.diff_id);
    assert_eq!(image.size, 129 + 128 + 95 + 129);
}

#[test]
fn layer_stored_as_symlink_to_another_layer() {
    let read = read_image(
        &format!("{}:test_image_3", fixture("ggcr/tarball/test_link.tar")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        table(&read.image),
        [
            row("/bar", FileKind::File, 0o555, 4, None, 0),
            row("/foo", FileKind::File, 0o555, 4, None, 0),
            row("/test", FileKind::File, 0o640, 6, None, 1)
        ]
    );
    assert_eq!(read.image.tags, ["bazel/v1/tarball:test_image_3"]);
    assert_eq!(
        read.image.reference,
        format!("{}:test_image_3", fixture("ggcr/tarball/test_link.tar"))
    );
    let other = read_image(
        &format!(
            "{}:bazel/v1/tarball:test_image_1",
            fixture("ggcr/tarball/test_link.tar")
        ),
        &ReadOptions::default(),
    );
    // `PATH:TAG` splits at the last colon, so a full `repo:tag` after the path is not a tag.
    assert!(other.is_err());
    let first = read_image(
        &format!("{}:test_image_1", fixture("ggcr/tarball/test_link.tar")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(first.image.files.len(), 2);
    assert_eq!(
        problem("ggcr/tarball/test_link.tar"),
        "it holds 2 images; pick one with `PATH:TAG` (tags: bazel/v1/tarball:test_image_1, bazel/v1/tarball:test_image_3)"
    );
}

#[test]
fn bundle_of_two_images_by_tag() {
    let one = read_image(
        &format!("{}:test_image_1", fixture("ggcr/tarball/test_bundle.tar")),
        &ReadOptions::default(),
    )
    .unwrap();
    let two = read_image(
        &format!("{}:test_image_2", fixture("ggcr/tarball/test_bundle.tar")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(one.image.tags, ["test_image_1"]);
    assert_eq!(two.image.tags, ["test_image_2"]);
    assert_ne!(one.image.layers[0].diff_id, two.image.layers[0].diff_id);
    let err = read_image(
        &format!("{}:nope", fixture("ggcr/tarball/test_bundle.tar")),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.problem,
        "no image is tagged `nope` (tags: test_image_1, test_image_2)"
    );
}

#[test]
fn docker_25_archive_with_oci_layout_beside_it() {
    let read = read("ggcr/tarball/hello-world-v25.tar");
    let image = &read.image;
    assert_eq!(
        table(image),
        [row("/hello", FileKind::File, 0o755, 9136, None, 0)]
    );
    assert_eq!(
        image.layers[0].digest,
        "sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43"
    );
    assert_eq!(
        image.layers[0].media_type,
        "application/vnd.oci.image.layer.v1.tar"
    );
    assert_eq!(image.layers[0].size, 10752);
    assert_eq!(image.architecture, "arm64");
    assert!(image.tags.is_empty());
}

#[test]
fn oci_layout_with_gzip_layer() {
    let read = read("trivy-oci/test.oci");
    let image = &read.image;
    assert_eq!(
        table(image),
        [row("/hello", FileKind::File, 0o775, 13336, None, 0)]
    );
    assert_eq!(
        image.digest,
        "sha256:afb744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab"
    );
    let layer = &image.layers[0];
    assert_eq!(
        layer.digest,
        "sha256:cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c"
    );
    assert_eq!(
        (layer.size, layer.media_type.as_str()),
        (2610, "application/vnd.oci.image.layer.v1.tar+gzip")
    );
    let tagged = read_image(
        &format!("{}:0.0.1", fixture("trivy-oci/test_image_tag.oci")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(tagged.image.tags, ["0.0.1"]);
    assert_eq!(tagged.image.files, image.files);
}

#[test]
fn oci_archive_and_duplicate_index_entries() {
    let archive = read("stereoscope/valid-oci.tar");
    let folder = read("stereoscope/valid_oci_dir");
    assert_eq!(archive.image.files.len(), 1);
    assert_eq!(archive.image.files[0].path, "/README.md");
    // The folder lists one manifest twice, tagged `latest` and `1.0`.
    assert_eq!(folder.image.tags, ["latest", "1.0"]);
    assert_eq!(folder.image.files[0].path, "/README.md");
}

#[test]
fn multi_platform_layout_defaults_to_linux_amd64() {
    let read = read("stereoscope/multiplatform_oci_dir");
    let paths: Vec<&str> = read.image.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/linux", "/linux/amd64", "/linux/amd64/README.md"]);
    assert_eq!(read.image.architecture, "amd64");
    let options = ReadOptions {
        platform: Some("linux/arm64".into()),
        ..ReadOptions::default()
    };
    let arm = read_image(&fixture("stereoscope/multiplatform_oci_dir"), &options).unwrap();
    assert_eq!(arm.image.architecture, "arm64");
    assert!(
        arm.image
            .files
            .iter()
            .any(|f| f.path == "/linux/arm64/README.md")
    );
    let options = ReadOptions {
        platform: Some("windows/amd64".into()),
        ..ReadOptions::default()
    };
    let err = read_image(&fixture("stereoscope/multiplatform_oci_dir"), &options).unwrap_err();
    assert_eq!(
        err.problem,
        "no image is for platform `windows/amd64` (platforms: linux/amd64, linux/arm64)"
    );
}

#[test]
fn regclient_repository_by_tag_and_platform() {
    let v1 = read_image(
        &format!("{}:v1", fixture("regclient-testrepo")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        table(&v1.image),
        [
            row("/base.txt", FileKind::File, 0o644, 2, None, 0),
            row("/layer1", FileKind::File, 0o644, 2, None, 1)
        ]
    );
    assert_eq!(v1.image.tags, ["v1"]);
    let options = ReadOptions {
        platform: Some("linux/arm64".into()),
        ..ReadOptions::default()
    };
    let arm = read_image(&format!("{}:v1", fixture("regclient-testrepo")), &options).unwrap();
    assert_eq!(arm.image.architecture, "arm64");
    assert_ne!(arm.image.digest, v1.image.digest);
    assert!(problem("regclient-testrepo").starts_with(
        "it holds several images; pick one with `PATH:TAG` or a platform (tags: a-docker, "
    ));
}

#[test]
fn artifacts_and_broken_layouts_are_refused() {
    assert_eq!(
        problem("ggcr/layout/test_index_media_type"),
        "`sha256:b544f71ecd82372bc9a3c0dbef378abfd2734fe437df81ff6e242a0d720d8e3e` is an artifact (config media type `application/vnd.cncf.helm.config.v1+json`), not a container image"
    );
    assert_eq!(
        problem("ggcr/layout/test_gc_image_unknown_mediatype"),
        "the manifest `sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720` cannot be read: `blobs/sha256/32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720` is missing"
    );
    assert_eq!(
        problem("trivy-oci/test_bad_index_json.oci"),
        "`index.json` is not JSON: expected ident at line 1 column 2"
    );
    assert_eq!(
        problem("trivy-oci/test_index_json_dir.oci"),
        "`index.json` is not a file"
    );
    assert!(problem("trivy-oci/test_invalid_oci_image.oci").ends_with("is missing"));
    assert_eq!(
        problem("trivy-oci/test_no_valid_manifests.oci"),
        "`index.json` lists no images"
    );
    assert_eq!(
        problem("stereoscope/invalid_file"),
        "`index.json` is not JSON: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        problem("stereoscope/no_manifests"),
        "`index.json` is an image manifest, not an index"
    );
    assert_eq!(
        problem("ggcr/tarball/no_manifest.tar"),
        "the archive has no `manifest.json` or `index.json`: it is not an image"
    );
    assert_eq!(
        problem("ggcr/tarball/content.tar"),
        "the archive has no `manifest.json` or `index.json`: it is not an image"
    );
    assert_eq!(
        problem("ggcr/tarball/null_manifest.tar"),
        "`manifest.json` is not a list of images"
    );
    assert_eq!(
        problem("hostile/layerscanning/empty.tar"),
        "it is an empty archive: no manifest.json or index.json"
    );
    assert_eq!(
        problem("does-not-exist.tar"),
        "cannot open it: no such file or directory (os error 2)"
    );
    let one_image = read("ggcr/layout/test_index_one_image");
    assert_eq!(one_image.image.layers.len(), 1);
    let tagged = read_image(
        &format!("{}:1", fixture("ggcr/layout/test_index")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        tagged.image.digest,
        "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"
    );
}

#[test]
fn osv_scalibr_layer_fixtures() {
    let basic = read("hostile/layerscanning/basic.tar");
    let paths: Vec<&str> = basic.image.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/larger-sample.txt", "/sample.txt"]);
    let overwrite = read("hostile/layerscanning/overwrite-file.tar");
    assert_eq!(overwrite.image.files.len(), 1);
    assert_eq!(
        (
            overwrite.image.files[0].path.as_str(),
            overwrite.image.files[0].layer
        ),
        ("/sample.txt", 1)
    );
    let permissions = read("hostile/unpack/permissions.tar");
    assert_eq!(
        table(&permissions.image),
        [row("/sample.txt", FileKind::File, 0, 17, None, 0)]
    );
    let almost_empty = read("containers-image/almostempty.tar");
    assert_eq!(
        table(&almost_empty.image),
        [row("/emptyfile", FileKind::File, 0o664, 0, None, 0)]
    );
    assert_eq!(almost_empty.image.tags, ["emptyimage:latest"]);
}

#[test]
fn symlinks_resolve_inside_the_root_only() {
    let basic = read("hostile/layerscanning/symlink-basic.tar");
    assert!(basic.warnings.is_empty());
    for link in [
        "absolute-symlink.txt",
        "chain-symlink.txt",
        "relative-dot-symlink.txt",
        "relative-symlink.txt",
    ] {
        assert_eq!(
            resolve_path(&basic.image, &format!("/dir1/{link}"), 8).unwrap(),
            "/dir1/sample.txt",
            "{link}"
        );
    }
    let attack = read("hostile/layerscanning/symlink-attack.tar");
    assert!(attack.warnings.is_empty());
    assert_eq!(
        resolve_path(&attack.image, "/dir1/attack-symlink.txt", 8).unwrap(),
        "/secret.txt"
    );
    assert_eq!(
        resolve_path(&attack.image, "/dir1/attack-symlink-absolute.txt", 8).unwrap(),
        "/secret.txt"
    );
    let mixed = read("hostile/unpack/symlinks.tar");
    assert_eq!(
        resolve_path(
            &mixed.image,
            "/dir2/dir3/absolute-symlink-inside-root.txt",
            8
        )
        .unwrap(),
        "/dir1/sample.txt"
    );
    assert_eq!(
        resolve_path(&mixed.image, "/dir2/dir3/absolute-chain-symlink.txt", 8).unwrap(),
        "/dir1/sample.txt"
    );
    let dangling = read("hostile/layerscanning/symlink-dangling.tar");
    assert!(
        dangling.warnings.is_empty(),
        "dangling symlinks are normal: {:?}",
        dangling.warnings
    );
    assert_eq!(
        read("hostile/unpack/dangling-symlinks.tar").image,
        dangling
            .image
            .clone()
            .with_reference_of(&read("hostile/unpack/dangling-symlinks.tar").image)
    );
}

#[test]
fn symlink_cycle_and_depth_are_warnings() {
    let cycle = read("hostile/layerscanning/symlink-cycle.tar");
    let warned: Vec<&str> = cycle.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        warned,
        [
            "/dir1/absolute-symlink.txt",
            "/dir1/chain-symlink.txt",
            "/dir1/sample.txt"
        ]
    );
    assert_eq!(
        cycle.warnings[0].message,
        "the symlink cannot be resolved: more than 32 levels of symbolic links (a loop?)"
    );
    assert_eq!(cycle.image.files.len(), 4);
    let options = ReadOptions {
        limits: tollgate_image::Limits {
            max_symlink_depth: 6,
            ..Default::default()
        },
        ..ReadOptions::default()
    };
    let deep = read_image(
        &fixture("hostile/layerscanning/symlink-depth-exceeded.tar"),
        &options,
    )
    .unwrap();
    let warned: Vec<&str> = deep.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(warned, ["/dir1/symlink7.txt"]);
    assert_eq!(
        resolve_path(&deep.image, "/dir1/symlink6.txt", 6).unwrap(),
        "/dir1/sample.txt"
    );
    assert!(
        resolve_path(&deep.image, "/dir1/symlink7.txt", 6)
            .unwrap_err()
            .contains("more than 6 levels")
    );
}

/// Facts equal but for where they were read from.
trait WithReference {
    fn with_reference_of(self, other: &Image) -> Image;
}

impl WithReference for Image {
    fn with_reference_of(mut self, other: &Image) -> Image {
        self.reference.clone_from(&other.reference);
        self
    }
}
