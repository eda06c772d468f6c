//! Policy bundles end to end: `tollgate build` then `tollgate check --policy FILE.tar.gz` gives
//! the findings of the sources, builds are reproducible, keys made by the real `openssl` sign
//! and verify (and openssl verifies our signatures), and a bundle with one changed byte, a wrong
//! key, a missing signature or a truncated archive is refused with exit code 2.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tollgate_e2e::{Run, data, tollgate};

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn acme() -> String {
    path(&data("policies/acme.tg"))
}

fn shop_api() -> String {
    path(&data("facts/shop-api.json"))
}

/// Runs a command that must succeed, returning its standard output.
fn run_tool(program: &str, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `tollgate build POLICY -o DIR/NAME` plus `extra`; asserts success and returns the bundle path.
fn build(policy: &str, dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let out_text = path(&out);
    let mut args = vec!["build", policy, "-o", &out_text];
    args.extend_from_slice(extra);
    let run = tollgate(&args);
    assert_eq!(run.code, 0, "build failed: {}", run.stderr);
    assert!(run.stdout.contains("built"), "{}", run.stdout);
    out
}

fn check(policy: &str, facts: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check", "--policy", policy, "--facts", facts, "--format", "json",
    ];
    args.extend_from_slice(extra);
    tollgate(&args)
}

/// Unpacks a bundle with the system `tar` into a fresh folder.
fn unpack(bundle: &Path, dir: &Path, name: &str) -> PathBuf {
    let target = dir.join(name);
    std::fs::create_dir_all(&target).unwrap();
    run_tool("tar", &["-xzf", &path(bundle), "-C", &path(&target)], dir);
    target
}

/// Packs a folder back into a `.tar.gz` with the system `tar`.
fn repack(folder: &Path, out: &Path) {
    run_tool(
        "tar",
        &["-czf", &path(out), "-C", &path(folder), "."],
        folder,
    );
}

/// XORs one byte of `file` (at `offset` from its start) with 1.
fn flip_byte(file: &Path, offset: usize) {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[offset] ^= 1;
    std::fs::write(file, bytes).unwrap();
}

fn openssl_key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    run_tool(
        "openssl",
        &["genpkey", "-algorithm", "ed25519", "-out", &path(&private)],
        dir,
    );
    run_tool(
        "openssl",
        &[
            "pkey",
            "-in",
            &path(&private),
            "-pubout",
            "-out",
            &path(&public),
        ],
        dir,
    );
    (private, public)
}

fn assert_refused(run: &Run, message: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(message),
        "expected `{message}` in:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "a refused bundle produces no report: {}",
        run.stdout
    );
}

#[test]
fn bundle_round_trip_gives_the_findings_of_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = build(&acme(), dir.path(), "acme.tar.gz", &[]);
    let from_sources = check(&acme(), &shop_api(), &[]);
    let from_bundle = check(&path(&bundle), &shop_api(), &[]);
    assert_eq!(from_sources.code, 1, "{}", from_sources.stderr);
    assert_eq!(from_bundle.code, 1, "{}", from_bundle.stderr);
    let (sources, bundled) = (from_sources.json(), from_bundle.json());
    assert_eq!(bundled["verdict"], "fail");
    let findings = bundled["results"][0]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["message"] == "image runs as root"),
        "{findings:?}"
    );
    assert_eq!(sources["results"], bundled["results"]);
    assert_eq!(sources["summary"], bundled["summary"]);
    // Params still apply to a bundle: the override removes the port 22 finding.
    let overridden = check(
        &path(&bundle),
        &shop_api(),
        &["--param", "acme.prod.allowed_ports=22,80,443,8080"],
    );
    let findings = overridden.json()["results"][0]["findings"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        !findings
            .iter()
            .any(|f| f["message"] == "port 22/tcp is exposed"),
        "{findings:?}"
    );
}

#[test]
fn builds_are_reproducible_and_the_manifest_hashes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = build(&acme(), dir.path(), "first.tgz", &[]);
    let second = build(&acme(), dir.path(), "second.tgz", &[]);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );

    let unpacked = unpack(&first, dir.path(), "unpacked");
    let listing = run_tool("tar", &["-tzvf", &path(&first)], dir.path());
    let names: Vec<&str> = listing
        .lines()
        .map(|line| line.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(
        names,
        ["manifest.json", "program.bin", "src/acme.tg"],
        "sorted entries:\n{listing}"
    );
    assert!(
        listing.lines().all(|line| line.contains("2000-01-01")),
        "fixed mtimes:\n{listing}"
    );

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(unpacked.join("manifest.json")).unwrap())
            .unwrap();
    // Format 2 added condition coverage probes.
    assert_eq!(manifest["bytecode_version"], 2);
    assert_eq!(manifest["language_version"], 1);
    assert_eq!(manifest["bundle_format"], 1);
    assert_eq!(manifest["tollgate_version"], env!("CARGO_PKG_VERSION"));
    // The source is bundled byte for byte, and its hash is what `sha256sum` computes.
    assert_eq!(
        std::fs::read(unpacked.join("src/acme.tg")).unwrap(),
        std::fs::read(data("policies/acme.tg")).unwrap()
    );
    for file in ["program.bin", "src/acme.tg"] {
        let sum = run_tool("sha256sum", &[file], &unpacked);
        assert_eq!(
            manifest["files"][file],
            sum.split_whitespace().next().unwrap(),
            "{file}"
        );
    }
    assert_eq!(manifest["files"].as_object().unwrap().len(), 2);
    let program = std::fs::read(unpacked.join("program.bin")).unwrap();
    assert!(
        program.starts_with(b"TGBCODE\0\x02\0\0\0"),
        "the bytecode crate's serialization"
    );
}

#[test]
fn a_repository_bundle_keeps_name_version_revision_profiles_and_mappings() {
    let dir = tempfile::tempdir().unwrap();
    let repo = data("repo");
    let bundle = build(&path(&repo), dir.path(), "repo.tar.gz", &[]);
    let unpacked = unpack(&bundle, dir.path(), "unpacked");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(unpacked.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["name"], "acme");
    assert_eq!(manifest["version"], "1.0.0");
    // The revision of the checkout the tests run in; a source tree without git records none.
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&repo)
        .output()
        .unwrap();
    if head.status.success() {
        assert_eq!(
            manifest["git_revision"],
            String::from_utf8(head.stdout).unwrap().trim()
        );
    } else {
        assert!(manifest.get("git_revision").is_none(), "{manifest}");
    }
    assert_eq!(
        std::fs::read(unpacked.join("tollgate.toml")).unwrap(),
        std::fs::read(repo.join("tollgate.toml")).unwrap()
    );
    assert!(unpacked.join("src/base.tg").is_file() && unpacked.join("src/prod.tg").is_file());
    for facts in ["prod-api.json", "dev-tool.json"] {
        let facts = path(&data(&format!("facts/{facts}")));
        for extra in [&[][..], &["--profile", "staging"][..]] {
            let from_sources = check(&path(&repo), &facts, extra);
            let from_bundle = check(&path(&bundle), &facts, extra);
            assert_eq!(
                from_sources.code, from_bundle.code,
                "{facts} {extra:?}: {}",
                from_bundle.stderr
            );
            assert_eq!(
                from_sources.json()["results"],
                from_bundle.json()["results"],
                "{facts} {extra:?}"
            );
        }
    }
}

#[test]
fn a_bundle_with_one_changed_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = build(&acme(), dir.path(), "acme.tar.gz", &[]);
    for (case, file) in [("program", "program.bin"), ("source", "src/acme.tg")] {
        let unpacked = unpack(&bundle, dir.path(), case);
        let length = std::fs::metadata(unpacked.join(file)).unwrap().len() as usize;
        flip_byte(&unpacked.join(file), length / 2);
        let tampered = dir.path().join(format!("{case}.tar.gz"));
        repack(&unpacked, &tampered);
        let run = check(&path(&tampered), &shop_api(), &[]);
        assert_refused(&run, &format!("`{file}` does not match its manifest"));
    }
    // A changed digest in the manifest no longer matches its file either.
    let unpacked = unpack(&bundle, dir.path(), "manifest");
    let manifest = std::fs::read_to_string(unpacked.join("manifest.json")).unwrap();
    let digest_at = manifest.find("\"program.bin\": \"").unwrap() + "\"program.bin\": \"".len();
    flip_byte(&unpacked.join("manifest.json"), digest_at);
    let tampered = dir.path().join("manifest.tar.gz");
    repack(&unpacked, &tampered);
    assert_refused(
        &check(&path(&tampered), &shop_api(), &[]),
        "`program.bin` does not match its manifest",
    );
    // A changed byte of the compressed file itself breaks the gzip checksum or the tar stream.
    let raw = dir.path().join("raw.tar.gz");
    std::fs::copy(&bundle, &raw).unwrap();
    let length = std::fs::metadata(&raw).unwrap().len() as usize;
    flip_byte(&raw, length / 2);
    assert_refused(&check(&path(&raw), &shop_api(), &[]), "cannot read bundle");
}

#[test]
fn an_extra_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = build(&acme(), dir.path(), "acme.tar.gz", &[]);
    let unpacked = unpack(&bundle, dir.path(), "extra");
    std::fs::write(unpacked.join("src/backdoor.tg"), "module backdoor\n").unwrap();
    let tampered = dir.path().join("extra.tar.gz");
    repack(&unpacked, &tampered);
    assert_refused(
        &check(&path(&tampered), &shop_api(), &[]),
        "holds `src/backdoor.tg`, which its manifest does not list",
    );
}

#[test]
fn a_truncated_bundle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = build(&acme(), dir.path(), "acme.tar.gz", &[]);
    let bytes = std::fs::read(&bundle).unwrap();
    let truncated = dir.path().join("truncated.tar.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let run = check(&path(&truncated), &shop_api(), &[]);
    assert_refused(&run, &format!("cannot read bundle `{}`", path(&truncated)));
}

#[test]
fn openssl_keys_sign_and_verify_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = openssl_key_pair(dir.path(), "release");
    let bundle = build(
        &acme(),
        dir.path(),
        "signed.tar.gz",
        &["--sign", &path(&private)],
    );
    let run = check(
        &path(&bundle),
        &shop_api(),
        &["--verify-key", &path(&public)],
    );
    assert_eq!(run.code, 1, "verified and evaluated: {}", run.stderr);
    assert_eq!(
        run.json()["results"],
        check(&acme(), &shop_api(), &[]).json()["results"]
    );
    // A signed bundle still loads without a key.
    assert_eq!(check(&path(&bundle), &shop_api(), &[]).code, 1);

    // openssl itself accepts the detached signature over manifest.json.
    let unpacked = unpack(&bundle, dir.path(), "unpacked");
    let verified = run_tool(
        "openssl",
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            &path(&public),
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.sig",
        ],
        &unpacked,
    );
    assert!(
        verified.contains("Signature Verified Successfully"),
        "{verified}"
    );

    // A changed byte of the signed manifest (here the tollgate version, which no digest covers).
    let manifest = std::fs::read_to_string(unpacked.join("manifest.json")).unwrap();
    flip_byte(
        &unpacked.join("manifest.json"),
        manifest.find("\"tollgate_version\"").unwrap() + 1,
    );
    let tampered = dir.path().join("tampered.tar.gz");
    repack(&unpacked, &tampered);
    let run = check(
        &path(&tampered),
        &shop_api(),
        &["--verify-key", &path(&public)],
    );
    assert_refused(&run, "the signature does not match the verify key");
}

#[test]
fn a_wrong_key_or_a_missing_signature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (private, _) = openssl_key_pair(dir.path(), "release");
    let (_, other_public) = openssl_key_pair(dir.path(), "other");
    let signed = build(
        &acme(),
        dir.path(),
        "signed.tar.gz",
        &["--sign", &path(&private)],
    );
    let run = check(
        &path(&signed),
        &shop_api(),
        &["--verify-key", &path(&other_public)],
    );
    assert_refused(&run, "the signature does not match the verify key");

    let unsigned = build(&acme(), dir.path(), "unsigned.tar.gz", &[]);
    let run = check(
        &path(&unsigned),
        &shop_api(),
        &["--verify-key", &path(&other_public)],
    );
    assert_refused(&run, &format!("bundle `{}` is not signed", path(&unsigned)));

    // A key with sources instead of a bundle is refused, never silently ignored.
    let run = check(
        &acme(),
        &shop_api(),
        &["--verify-key", &path(&other_public)],
    );
    assert_refused(&run, "applies only to a bundle");
    // A private key where a public key belongs, and a public key where a private one does.
    let run = check(
        &path(&signed),
        &shop_api(),
        &["--verify-key", &path(&private)],
    );
    assert_refused(&run, "invalid verify key");
    let run = tollgate(&[
        "build",
        &acme(),
        "-o",
        &path(&dir.path().join("x.tgz")),
        "--sign",
        &path(&other_public),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid signing key"), "{}", run.stderr);
}

#[test]
fn emit_asm_prints_the_program_without_output_file() {
    let run = tollgate(&["build", &acme(), "--emit-asm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("; tollgate bytecode, format 2\n"),
        "{}",
        run.stdout
    );
    for rule in [
        "deny acme.prod.fixable_vulns",
        "deny acme.prod.root_user",
        "warn acme.prod.unexpected_ports",
    ] {
        assert!(
            run.stdout.contains(rule),
            "{rule} missing from:\n{}",
            run.stdout
        );
    }
    // The policy imports no stdlib module: its params are its own.
    let params: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("param "))
        .collect();
    assert_eq!(params.len(), 2, "{params:?}");
    assert!(
        params.iter().all(|line| line.contains(" acme.prod.")),
        "{params:?}"
    );
}

#[test]
fn emit_asm_with_output_writes_the_listing_there() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.asm");
    let run = tollgate(&["build", &acme(), "-o", &path(&out), "--emit-asm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listing = std::fs::read_to_string(&out).unwrap();
    let printed = tollgate(&["build", &acme(), "--emit-asm"]);
    assert_eq!(
        listing, printed.stdout,
        "the file holds the printed listing"
    );
    assert!(
        run.stdout.contains("wrote the bytecode listing"),
        "{}",
        run.stdout
    );
}

#[test]
fn build_without_output_or_emit_asm_is_a_usage_error() {
    let run = tollgate(&["build", &acme()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
}

#[test]
fn test_on_a_bundle_explains_that_it_needs_sources() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = build(&acme(), dir.path(), "acme.tar.gz", &[]);
    let run = tollgate(&["test", &path(&bundle)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("needs policy sources"),
        "{}",
        run.stderr
    );
}
