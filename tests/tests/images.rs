//! Image reading end to end, through `tollgate facts` and `tollgate check`: the real Debian image
//! (built by `scripts/build-debian-image.sh`, cached) in all three formats gives the file table of
//! the root filesystem it was built from and the config the script set; the Alpine example gives
//! its 14 apk packages; every hostile fixture ends in exit 0 or a clean exit 2 naming the image,
//! never a crash, and nothing is written to the working directory.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tollgate_e2e::{facts_of, fixtures, repo_root, tollgate_in};
use tollgate_testkit::{DiskEntry, assert_matches_debian_rootfs, debian_config, debian_image};

/// The facts' file table in the testkit's terms. Hardlinks count as files: which name is the
/// link depends on the order the tar was written in.
fn facts_table(facts: &Value) -> BTreeMap<String, DiskEntry> {
    facts["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let kind = f["kind"].as_str().unwrap();
            let (kind, link_target) = if kind == "hardlink" {
                ("file", None)
            } else {
                (kind, f["link_target"].as_str().map(str::to_string))
            };
            let number = |field: &str| f[field].as_u64().unwrap();
            let entry = DiskEntry {
                kind: ["file", "dir", "symlink", "char", "block", "fifo"]
                    .into_iter()
                    .find(|known| *known == kind)
                    .unwrap_or_else(|| panic!("unknown kind `{kind}`")),
                mode: u32::try_from(number("mode")).unwrap(),
                uid: number("uid"),
                gid: number("gid"),
                size: number("size"),
                link_target,
            };
            (f["path"].as_str().unwrap().to_string(), entry)
        })
        .collect()
}

fn assert_same_filesystem(format: &str, facts: &Value) {
    let table = facts_table(facts);
    assert_eq!(
        table.len(),
        facts["files"].as_array().unwrap().len(),
        "{format}: a path is listed twice"
    );
    assert_matches_debian_rootfs(format, &table);
}

fn joined(values: &Value) -> String {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn pairs(map: &Value) -> String {
    map.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_config(format: &str, facts: &Value) {
    let expected = debian_config();
    let config = &facts["config"];
    assert_eq!(config["user"], expected["user"].as_str(), "{format}");
    assert_eq!(pairs(&config["env"]), expected["env"], "{format}");
    let ports: Vec<String> = config["exposed_ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}/{}", p["number"], p["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(ports.join(" "), expected["exposed_ports"], "{format}");
    assert_eq!(joined(&config["volumes"]), expected["volumes"], "{format}");
    assert_eq!(pairs(&config["labels"]), expected["labels"], "{format}");
    assert_eq!(
        joined(&config["entrypoint"]),
        expected["entrypoint"],
        "{format}"
    );
    assert_eq!(joined(&config["cmd"]), expected["cmd"], "{format}");
    assert_eq!(config["workdir"], expected["workdir"].as_str(), "{format}");
    assert_eq!(
        config["stop_signal"],
        expected["stop_signal"].as_str(),
        "{format}"
    );
    assert!(
        config["healthcheck"].is_null(),
        "{format}: umoci sets no healthcheck"
    );
    assert_eq!(
        (&facts["architecture"], &facts["os"]),
        (&Value::from("amd64"), &Value::from("linux")),
        "{format}"
    );
    let distro = &facts["distro"];
    assert_eq!(
        (&distro["id"], &distro["version"], &distro["codename"]),
        (&"debian".into(), &"12".into(), &"bookworm".into())
    );
    let layers = facts["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "{format}: debootstrap and the edit layer");
    let last = facts["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["instruction"], &last["arguments"]),
        (&"RUN".into(), &"edit files".into()),
        "{format}"
    );
    let file = |path: &str| {
        facts["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .cloned()
    };
    assert_eq!(
        file("/etc/issue").unwrap()["layer"],
        1,
        "{format}: replaced by layer 1"
    );
    assert_eq!(
        file("/usr/bin/dpkg").unwrap()["layer"],
        0,
        "{format}: untouched base file"
    );
    assert!(
        file("/etc/issue.net").is_none(),
        "{format}: deleted by layer 1"
    );
    let helper = file("/usr/local/bin/helper").unwrap();
    assert_eq!(
        (&helper["setuid"], &helper["setgid"]),
        (&Value::Bool(true), &Value::Bool(false)),
        "{format}"
    );
    let root = facts["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "root")
        .unwrap()
        .clone();
    assert_eq!(
        (&root["uid"], &root["password"]),
        (&Value::from(0), &Value::from("locked")),
        "{format}"
    );
}

#[test]
fn debian_docker_archive_facts_match_the_root_filesystem_and_config() {
    let facts = facts_of(&debian_image().join("image.docker.tar"));
    assert_same_filesystem("docker-archive", &facts);
    assert_config("docker-archive", &facts);
    assert_eq!(
        facts["tags"],
        serde_json::json!(["docker.io/tollgate/debian:bookworm"])
    );
}

#[test]
fn debian_oci_archive_facts_match_the_root_filesystem_and_config() {
    let facts = facts_of(&debian_image().join("image.oci.tar"));
    assert_same_filesystem("oci-archive", &facts);
    assert_config("oci-archive", &facts);
}

#[test]
fn debian_oci_layout_facts_match_the_root_filesystem_and_config() {
    let facts = facts_of(&debian_image().join("oci"));
    assert_same_filesystem("oci layout", &facts);
    assert_config("oci layout", &facts);
}

#[test]
fn alpine_example_lists_its_fourteen_apk_packages() {
    let facts = facts_of(&repo_root().join("examples/alpine-3.11.docker.tar.gz"));
    let expected: Vec<(String, String, String, String)> =
        fs::read_to_string(fixtures().join("pkgdb/apk/alpine-3.11.5/expected-packages.tsv"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (
                    fields[0].to_string(),
                    fields[1].to_string(),
                    fields[2].to_string(),
                    fields[3].to_string(),
                )
            })
            .collect();
    assert_eq!(expected.len(), 14);
    let packages = facts["packages"].as_array().unwrap();
    let mut actual: Vec<(String, String, String, String)> = packages
        .iter()
        .map(|p| {
            assert_eq!(p["ecosystem"], "apk", "{p}");
            assert_eq!(p["path"], "/lib/apk/db/installed", "{p}");
            let field = |name: &str| p[name].as_str().unwrap().to_string();
            (
                field("name"),
                field("version"),
                field("architecture"),
                field("source_name"),
            )
        })
        .collect();
    actual.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(actual, expected);
    let musl = packages.iter().find(|p| p["name"] == "musl").unwrap();
    assert_eq!(
        musl["purl"],
        "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=alpine-3.11.5"
    );
    assert_eq!(facts["distro"]["id"], "alpine");
    assert_eq!(facts["distro"]["version"], "3.11.5");
}

/// Every hostile image fixture.
fn hostile_images() -> Vec<PathBuf> {
    let mut images = Vec::new();
    let mut folders = vec![fixtures().join("images/hostile")];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                images.push(path);
            }
        }
    }
    images.sort();
    images
}

/// A policy that reads every category and never fires, so exit 1 (findings) cannot hide a
/// crash and exit 0 means the image was read.
const QUIET_POLICY: &str = "//! Reads files, packages and secrets; fires on nothing.\nmodule e2e.quiet\n\n\
deny impossible\n    when count(f in image.files where f.size < 0) + count(p in image.packages where p.name == \"\") \
+ count(s in image.secrets where s.line < 0) > 0\n    message \"never\"\n";

#[test]
fn hostile_images_end_in_a_clean_exit_and_write_nothing() {
    let images = hostile_images();
    assert!(
        images.len() >= 15,
        "the hostile set has 15 archives, found {}",
        images.len()
    );
    let mut read = 0;
    for image in &images {
        for run in run_hostile(image) {
            if run.code == 0 {
                assert!(
                    run.json().is_object(),
                    "{}: exit 0 without JSON: {}",
                    image.display(),
                    run.stdout
                );
                read += 1;
            } else {
                let file_name = image.file_name().unwrap().to_str().unwrap();
                assert!(
                    run.stderr.contains(file_name),
                    "{}: the error names no image: {}",
                    image.display(),
                    run.stderr
                );
            }
        }
    }
    // Most of the set are readable (if odd) layer tars; a reader that refused all of them
    // would pass the loop above and still be wrong.
    assert!(read > 0, "no hostile image was read at all");
}

/// One tar member: name, type flag (`b'0'` file, `b'2'` symlink, `b'5'` directory), link
/// target and content.
type Member<'a> = (&'a str, u8, &'a str, &'a [u8]);

/// A ustar archive of `members`, written by hand so that it can hold what `tar` refuses to
/// write (`../` and absolute names).
fn ustar(members: &[Member<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in members {
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        let mode = if *kind == b'5' {
            "0000755\0"
        } else {
            "0000644\0"
        };
        header[100..108].copy_from_slice(mode.as_bytes());
        header[108..116].copy_from_slice(b"0000000\0");
        header[116..124].copy_from_slice(b"0000000\0");
        header[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        header[136..148].copy_from_slice(b"00000000000\0");
        header[148..156].copy_from_slice(b"        ");
        header[156] = *kind;
        header[157..157 + link.len()].copy_from_slice(link.as_bytes());
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn sha256_hex(data: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blob");
    fs::write(&file, data).unwrap();
    let output = Command::new("sha256sum").arg(&file).output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A docker-archive holding one layer, with a valid config and diff_id.
fn docker_archive(layer: &[u8]) -> Vec<u8> {
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
        sha256_hex(layer)
    );
    let manifest =
        r#"[{"Config":"config.json","RepoTags":["hostile:latest"],"Layers":["layer.tar"]}]"#;
    ustar(&[
        ("manifest.json", b'0', "", manifest.as_bytes()),
        ("config.json", b'0', "", config.as_bytes()),
        ("layer.tar", b'0', "", layer),
    ])
}

/// Runs `facts` and `check` on `image` from an empty folder inside an empty folder; returns
/// the two runs after asserting neither crashed and nothing was written to either folder.
fn run_hostile(image: &Path) -> Vec<tollgate_e2e::Run> {
    let outer = tempfile::tempdir().unwrap();
    let work = outer.path().join("work");
    fs::create_dir(&work).unwrap();
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("quiet.tg");
    fs::write(&policy, QUIET_POLICY).unwrap();
    let name = image.to_str().unwrap();
    let runs = vec![
        tollgate_in(&work, &["facts", name]),
        tollgate_in(
            &work,
            &[
                "check",
                name,
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                "json",
            ],
        ),
    ];
    for run in &runs {
        assert!(
            matches!(run.code, 0 | 2),
            "{name}: exit {} (101 is a panic, -1 a signal): {}",
            run.code,
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
    let left: Vec<_> = fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        left,
        std::slice::from_ref(&work),
        "{name}: tollgate wrote beside its working directory"
    );
    assert_eq!(
        fs::read_dir(&work).unwrap().count(),
        0,
        "{name}: tollgate wrote into its working directory"
    );
    runs
}

#[test]
fn escaping_names_and_symlinks_are_read_inside_the_image_root() {
    let layer = ustar(&[
        ("../../escape.txt", b'0', "", b"out of the root\n"),
        ("/absolute.txt", b'0', "", b"absolute\n"),
        ("etc/", b'5', "", b""),
        ("etc/passwd-link", b'2', "../../../../etc/passwd", b""),
        ("loop-a", b'2', "loop-b", b""),
        ("loop-b", b'2', "loop-a", b""),
        ("ok.txt", b'0', "", b"fine\n"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("escape.docker.tar");
    fs::write(&image, docker_archive(&layer)).unwrap();
    let runs = run_hostile(&image);
    let facts = runs[0].json();
    assert_eq!(runs[0].code, 0, "{}", runs[0].stderr);
    let paths: Vec<&str> = facts["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/ok.txt"), "{paths:?}");
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with('/') && !p.contains("..")),
        "every path stays under `/`: {paths:?}"
    );
    assert!(
        runs[0].stderr.contains("loop-"),
        "the symlink cycle is reported: {}",
        runs[0].stderr
    );
}

#[test]
fn broken_archives_end_in_an_error_naming_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("not-json.tar");
    fs::write(
        &not_json,
        ustar(&[("manifest.json", b'0', "", b"this is not { json")]),
    )
    .unwrap();
    let alpine = fs::read(repo_root().join("examples/alpine-3.11.docker.tar.gz")).unwrap();
    let truncated = dir.path().join("truncated.tar.gz");
    fs::write(&truncated, &alpine[..alpine.len() / 2]).unwrap();
    let layer = ustar(&[("ok.txt", b'0', "", b"fine\n")]);
    let mut archive = docker_archive(&layer);
    archive.truncate(1024 + 512 * 3); // manifest and config kept, the layer cut short
    let cut_layer = dir.path().join("cut-layer.tar");
    fs::write(&cut_layer, archive).unwrap();
    // An OCI layout whose layer blob is missing.
    let layout = dir.path().join("missing-blob");
    let copy = Command::new("cp")
        .arg("-a")
        .arg(fixtures().join("images/ggcr/layout/test_index_one_image"))
        .arg(&layout)
        .status()
        .unwrap();
    assert!(copy.success());
    let index: Value =
        serde_json::from_str(&fs::read_to_string(layout.join("index.json")).unwrap()).unwrap();
    let blob = |digest: &Value| {
        layout
            .join("blobs/sha256")
            .join(digest.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let manifest: Value =
        serde_json::from_slice(&fs::read(blob(&index["manifests"][0]["digest"])).unwrap()).unwrap();
    fs::remove_file(blob(&manifest["layers"][0]["digest"])).unwrap();

    for image in [&not_json, &truncated, &cut_layer, &layout] {
        for run in run_hostile(image) {
            assert_eq!(run.code, 2, "{}: {}", image.display(), run.stderr);
            let file_name = image.file_name().unwrap().to_str().unwrap();
            assert!(
                run.stderr.contains(file_name),
                "{}: the error names no image: {}",
                image.display(),
                run.stderr
            );
        }
    }
}
