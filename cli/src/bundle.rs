//! Policy bundles: a compiled policy, its sources and a manifest of their sha256 digests in one
//! deterministic `.tar.gz`, optionally signed with ed25519 (`tollgate build`), and loading one
//! back for `tollgate check` without the compiler. A bundle is untrusted input: reading one caps
//! the entry count and sizes, refuses any path that is not plain and relative, writes nothing to
//! disk, and refuses a bundle whose files do not match its manifest. The format and the trust
//! model are described in `docs/bundles.md`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};
use std::process::Command;

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tollgate_bytecode::{FORMAT_VERSION, Program};
use tollgate_vm::Vm;

use crate::error::{CliError, CliResult};
use crate::program::CompiledPolicy;
use crate::repo::{MANIFEST, Manifest};

/// The manifest entry: what the bundle holds and the sha256 of every other file.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The detached ed25519 signature over the bytes of `manifest.json` (64 raw bytes).
pub const SIGNATURE: &str = "manifest.sig";
/// The compiled program, in the bytecode crate's versioned serialization.
pub const PROGRAM: &str = "program.bin";
/// The folder of the policy sources inside a bundle.
pub const SOURCES: &str = "src/";

/// The layout version of the bundle itself (entries and manifest fields).
pub const BUNDLE_FORMAT: u32 = 1;
/// The version of the policy language the sources are written in.
pub const LANGUAGE_VERSION: u32 = 1;

/// Reading limits: a bundle is untrusted, so a hostile one must not exhaust memory.
const MAX_ENTRIES: usize = 4096;
const MAX_ENTRY_BYTES: u64 = 32 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// The uncompressed tar stream may hold headers and padding beyond the file contents.
const MAX_STREAM_BYTES: u64 = MAX_TOTAL_BYTES + MAX_ENTRIES as u64 * 2048;

/// The fixed modification time of every entry (2000-01-01), so builds are reproducible.
const ENTRY_MTIME: u64 = 946_684_800;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// [`BUNDLE_FORMAT`] of the tollgate that wrote it.
    pub bundle_format: u32,
    /// The policy name from `tollgate.toml`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The policy version from `tollgate.toml`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `git rev-parse HEAD` in the policy folder, when it is inside a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_revision: Option<String>,
    /// The tollgate that built the bundle.
    pub tollgate_version: String,
    /// [`LANGUAGE_VERSION`] of the sources.
    pub language_version: u32,
    /// The bytecode format version of `program.bin`.
    pub bytecode_version: u32,
    /// Every other entry (except the signature) -> its sha256, lowercase hex.
    pub files: BTreeMap<String, String>,
}

/// What goes into a bundle.
pub struct BundleContents<'a> {
    pub program: &'a Program,
    /// Source path relative to its source root (the compiler's path) -> text.
    pub sources: BTreeMap<String, String>,
    /// The text of `tollgate.toml`, when the policy is a repository.
    pub manifest_toml: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub git_revision: Option<String>,
}

/// Lowercase hex sha256 of `bytes` (sha2 0.11 digests do not format with `{:x}`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// `git rev-parse HEAD` run in `folder`; `None` outside a git checkout or without git.
pub fn git_revision(folder: &Path) -> Option<String> {
    let output = Command::new("git")
        .arg("rev-parse")
        .arg("HEAD")
        .current_dir(folder)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let revision = String::from_utf8(output.stdout).ok()?.trim().to_string();
    let is_hex = !revision.is_empty() && revision.chars().all(|c| c.is_ascii_hexdigit());
    is_hex.then_some(revision)
}

/// Reads an ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
pub fn read_signing_key(path: &Path) -> CliResult<SigningKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| CliError::io("read signing key", path, &err))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|err| {
        CliError::new(format!("invalid signing key `{}`: {err}", path.display()))
            .with_help("give an ed25519 private key in PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it")
    })
}

/// Reads an ed25519 public key in SPKI PEM (`openssl pkey -pubout`).
pub fn read_verifying_key(path: &Path) -> CliResult<VerifyingKey> {
    let text =
        std::fs::read_to_string(path).map_err(|err| CliError::io("read verify key", path, &err))?;
    VerifyingKey::from_public_key_pem(&text).map_err(|err| {
        CliError::new(format!("invalid verify key `{}`: {err}", path.display()))
            .with_help("give an ed25519 public key in PEM, as `openssl pkey -pubout` writes it")
    })
}

/// The entries of a bundle, sorted by path, and its manifest.
fn entries(
    contents: &BundleContents<'_>,
    signing_key: Option<&SigningKey>,
) -> CliResult<BTreeMap<String, Vec<u8>>> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert(PROGRAM.to_string(), contents.program.to_bytes());
    for (relative, text) in &contents.sources {
        files.insert(format!("{SOURCES}{relative}"), text.as_bytes().to_vec());
    }
    if let Some(text) = &contents.manifest_toml {
        files.insert(MANIFEST.to_string(), text.as_bytes().to_vec());
    }
    let manifest = BundleManifest {
        bundle_format: BUNDLE_FORMAT,
        name: contents.name.clone(),
        version: contents.version.clone(),
        git_revision: contents.git_revision.clone(),
        tollgate_version: env!("CARGO_PKG_VERSION").to_string(),
        language_version: LANGUAGE_VERSION,
        bytecode_version: FORMAT_VERSION,
        files: files
            .iter()
            .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
            .collect(),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|err| CliError::new(format!("cannot write the bundle manifest: {err}")))?;
    manifest_bytes.push(b'\n');
    if let Some(key) = signing_key {
        files.insert(
            SIGNATURE.to_string(),
            key.sign(&manifest_bytes).to_bytes().to_vec(),
        );
    }
    files.insert(MANIFEST_JSON.to_string(), manifest_bytes);
    Ok(files)
}

/// The bundle as `.tar.gz` bytes: sorted entries, fixed mtimes, owners and modes, so the same
/// policy (and key) always gives the same bytes.
pub fn write(
    contents: &BundleContents<'_>,
    signing_key: Option<&SigningKey>,
) -> CliResult<Vec<u8>> {
    let files = entries(contents, signing_key)?;
    let failed = |err: std::io::Error| CliError::new(format!("cannot write the bundle: {err}"));
    let encoder = GzEncoder::new(Vec::new(), Compression::best());
    let mut builder = tar::Builder::new(encoder);
    for (path, bytes) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(ENTRY_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("").map_err(failed)?;
        header.set_groupname("").map_err(failed)?;
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .map_err(failed)?;
    }
    let encoder = builder.into_inner().map_err(failed)?;
    encoder.finish().map_err(failed)
}

/// Whether `path` names a bundle (by its extension) rather than policy sources.
pub fn is_bundle(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    (name.ends_with(".tar.gz") || name.ends_with(".tgz")) && path.is_file()
}

/// A bundle's entry path, if it is plain and relative: no root, no `..`, no prefix (a leading
/// `./`, as `tar -C DIR .` writes, is harmless and dropped).
fn plain_path(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Reads every regular file of a `.tar.gz` into memory, within the limits.
fn read_entries(bytes: &[u8], shown: &str) -> CliResult<BTreeMap<String, Vec<u8>>> {
    let unreadable = |err: std::io::Error| {
        CliError::new(format!(
            "cannot read bundle `{shown}`: {}",
            crate::error::lower_first(&err.to_string())
        ))
        .with_help("the file is truncated or not a `.tar.gz` bundle")
    };
    let stream = GzDecoder::new(bytes).take(MAX_STREAM_BYTES);
    let mut archive = tar::Archive::new(stream);
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut total: u64 = 0;
    for (index, entry) in archive.entries().map_err(unreadable)?.enumerate() {
        let entry = entry.map_err(unreadable)?;
        if index >= MAX_ENTRIES {
            return Err(CliError::new(format!(
                "bundle `{shown}` has more than {MAX_ENTRIES} entries"
            )));
        }
        let raw_path = entry.path().map_err(unreadable)?.into_owned();
        // Folders carry no data and nothing is written to disk, so they are skipped.
        if entry.header().entry_type() == tar::EntryType::Directory {
            continue;
        }
        let Some(path) = plain_path(&raw_path) else {
            return Err(CliError::new(format!(
                "bundle `{shown}` holds an unsafe path `{}`",
                raw_path.display()
            ))
            .with_help("bundle paths must be relative and must not contain `..`"));
        };
        match entry.header().entry_type() {
            tar::EntryType::Regular => {}
            other => {
                return Err(CliError::new(format!(
                    "bundle `{shown}` holds `{path}`, which is not a regular file ({other:?})"
                )));
            }
        }
        let size = entry.header().size().map_err(unreadable)?;
        if size > MAX_ENTRY_BYTES {
            return Err(CliError::new(format!(
                "bundle `{shown}`: entry `{path}` is too large ({size} bytes, at most {MAX_ENTRY_BYTES})"
            )));
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL_BYTES {
            return Err(CliError::new(format!(
                "bundle `{shown}` is too large (more than {MAX_TOTAL_BYTES} bytes uncompressed)"
            )));
        }
        let mut contents = Vec::new();
        // `take` guards against a header that understates its data.
        entry
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut contents)
            .map_err(unreadable)?;
        if contents.len() as u64 != size {
            return Err(CliError::new(format!(
                "cannot read bundle `{shown}`: entry `{path}` is truncated"
            )));
        }
        if files.insert(path.clone(), contents).is_some() {
            return Err(CliError::new(format!(
                "bundle `{shown}` holds `{path}` twice"
            )));
        }
    }
    // tar stops at its end marker; reading on to the end of the gzip stream makes the decoder
    // check the gzip CRC, so a changed byte anywhere in the compressed data is caught.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink()).map_err(unreadable)?;
    Ok(files)
}

/// A bundle read, checked against its manifest, and (with a key) its signature verified.
#[derive(Debug)]
pub struct VerifiedBundle {
    pub program: Program,
    /// Source path (without `src/`) -> text.
    pub sources: BTreeMap<String, String>,
    pub manifest_toml: Option<String>,
}

/// Reads and verifies a bundle from its bytes. `shown` names it in messages.
pub fn verify(
    bytes: &[u8],
    shown: &str,
    verify_key: Option<&VerifyingKey>,
) -> CliResult<VerifiedBundle> {
    let mut files = read_entries(bytes, shown)?;
    let Some(manifest_bytes) = files.remove(MANIFEST_JSON) else {
        return Err(
            CliError::new(format!("bundle `{shown}` has no `{MANIFEST_JSON}`"))
                .with_help("build bundles with `tollgate build`"),
        );
    };
    let signature = files.remove(SIGNATURE);
    // The signature is checked first: with a key, nothing of an unverified manifest is trusted.
    if let Some(key) = verify_key {
        let Some(signature) = signature else {
            return Err(
                CliError::new(format!("bundle `{shown}` is not signed")).with_help(
                    "`--verify-key` accepts only bundles built with `tollgate build --sign KEY`",
                ),
            );
        };
        let signature = Signature::from_slice(&signature).map_err(|_| {
            CliError::new(format!(
                "bundle `{shown}`: `{SIGNATURE}` is not an ed25519 signature"
            ))
        })?;
        key.verify_strict(&manifest_bytes, &signature).map_err(|_| {
            CliError::new(format!("bundle `{shown}`: the signature does not match the verify key"))
                .with_help("the bundle was signed with another key, or its manifest was changed after signing")
        })?;
    }
    let manifest: BundleManifest = serde_json::from_slice(&manifest_bytes).map_err(|err| {
        CliError::new(format!(
            "bundle `{shown}`: invalid `{MANIFEST_JSON}`: {err}"
        ))
    })?;
    if manifest.bundle_format != BUNDLE_FORMAT {
        return Err(CliError::new(format!(
            "bundle `{shown}` has bundle format {} (this tollgate reads format {BUNDLE_FORMAT})",
            manifest.bundle_format
        ))
        .with_help("rebuild the bundle with this tollgate"));
    }
    for path in files.keys() {
        if !manifest.files.contains_key(path) {
            return Err(CliError::new(format!(
                "bundle `{shown}` holds `{path}`, which its manifest does not list"
            )));
        }
    }
    for (path, expected) in &manifest.files {
        let Some(bytes) = files.get(path) else {
            return Err(CliError::new(format!(
                "bundle `{shown}` lacks `{path}`, which its manifest lists"
            )));
        };
        let actual = sha256_hex(bytes);
        if &actual != expected {
            return Err(CliError::new(format!(
                "bundle `{shown}`: `{path}` does not match its manifest (sha256 {actual}, expected {expected})"
            ))
            .with_help("the bundle was changed after it was built; rebuild it"));
        }
    }
    if manifest.bytecode_version != FORMAT_VERSION {
        return Err(CliError::new(format!(
            "bundle `{shown}` holds bytecode format version {} (this tollgate {} reads version {FORMAT_VERSION})",
            manifest.bytecode_version,
            env!("CARGO_PKG_VERSION")
        ))
        .with_help(format!(
            "rebuild the bundle with this tollgate (it was built by tollgate {})",
            manifest.tollgate_version
        )));
    }
    if manifest.language_version != LANGUAGE_VERSION {
        return Err(CliError::new(format!(
            "bundle `{shown}` is written in language version {} (this tollgate reads version {LANGUAGE_VERSION})",
            manifest.language_version
        ))
        .with_help("rebuild the bundle with this tollgate"));
    }
    let Some(program_bytes) = files.remove(PROGRAM) else {
        return Err(CliError::new(format!(
            "bundle `{shown}` has no `{PROGRAM}`"
        )));
    };
    let program = Program::from_bytes(&program_bytes)
        .map_err(|err| CliError::new(format!("bundle `{shown}`: `{PROGRAM}`: {err}")))?;
    let manifest_toml =
        match files.remove(MANIFEST) {
            Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
                CliError::new(format!("bundle `{shown}`: `{MANIFEST}` is not UTF-8"))
            })?),
            None => None,
        };
    let mut sources = BTreeMap::new();
    for (path, bytes) in files {
        let Some(relative) = path.strip_prefix(SOURCES) else {
            return Err(CliError::new(format!(
                "bundle `{shown}` holds an unexpected file `{path}`"
            )));
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::new(format!("bundle `{shown}`: source `{path}` is not UTF-8"))
        })?;
        sources.insert(relative.to_string(), text);
    }
    Ok(VerifiedBundle {
        program,
        sources,
        manifest_toml,
    })
}

/// Loads the bundle at `path` for `tollgate check`: verified, linked, never recompiled.
pub fn load(path: &Path, verify_key: Option<&Path>) -> CliResult<CompiledPolicy> {
    let shown = path.display().to_string();
    let key = verify_key.map(read_verifying_key).transpose()?;
    let metadata =
        std::fs::metadata(path).map_err(|err| CliError::io("read bundle", path, &err))?;
    if metadata.len() > MAX_TOTAL_BYTES {
        return Err(CliError::new(format!(
            "bundle `{shown}` is too large ({} bytes)",
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|err| CliError::io("read bundle", path, &err))?;
    let bundle = verify(&bytes, &shown, key.as_ref())?;
    let manifest = match &bundle.manifest_toml {
        Some(text) => Some(toml::from_str::<Manifest>(text).map_err(|err| {
            CliError::new(format!(
                "bundle `{shown}`: invalid `{MANIFEST}`: {}",
                err.message()
            ))
        })?),
        None => None,
    };
    let linked = Vm::link(&bundle.program)
        .map_err(|err| CliError::new(format!("cannot load bundle `{shown}`: {err}")))?;
    let files = bundle
        .sources
        .into_iter()
        .map(|(relative, text)| {
            let display = format!("{shown}!/{SOURCES}{relative}");
            (relative, (display, text))
        })
        .collect();
    Ok(CompiledPolicy {
        linked,
        typed: None,
        files,
        manifest,
        origin: shown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_only() {
        assert_eq!(
            plain_path(Path::new("src/acme/prod.tg")).as_deref(),
            Some("src/acme/prod.tg")
        );
        assert_eq!(plain_path(Path::new("/etc/passwd")), None);
        assert_eq!(plain_path(Path::new("src/../../x")), None);
        assert_eq!(plain_path(Path::new("./x")).as_deref(), Some("x"));
        assert_eq!(plain_path(Path::new("")), None);
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        // The sha256 of the empty string, from FIPS 180-2.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (path, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            // set_path refuses `..`, so write the name bytes directly as a hostile tool would.
            let name = &mut header.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn hostile_paths_are_refused() {
        for path in ["../evil", "/abs", "src/../../evil"] {
            let bytes = tar_gz(&[(path, b"x")]);
            let err = verify(&bytes, "b.tar.gz", None).unwrap_err();
            assert!(
                err.message.contains("unsafe path"),
                "{path}: {}",
                err.message
            );
        }
    }

    #[test]
    fn a_bundle_without_manifest_is_refused() {
        let bytes = tar_gz(&[("program.bin", b"x")]);
        let err = verify(&bytes, "b.tar.gz", None).unwrap_err();
        assert!(
            err.message.contains("has no `manifest.json`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), b"".as_slice())).collect();
        let err = verify(&tar_gz(&entries), "b.tar.gz", None).unwrap_err();
        assert!(
            err.message.contains("more than 4096 entries"),
            "{}",
            err.message
        );
    }

    #[test]
    fn written_bundles_verify_and_are_deterministic() {
        let program = Program::default();
        let contents = BundleContents {
            program: &program,
            sources: BTreeMap::from([("p.tg".to_string(), "rule x {}\n".to_string())]),
            manifest_toml: None,
            name: None,
            version: None,
            git_revision: None,
        };
        let key = SigningKey::from_bytes(&[7; 32]);
        let first = write(&contents, Some(&key)).unwrap();
        assert_eq!(first, write(&contents, Some(&key)).unwrap());
        let bundle = verify(&first, "b.tar.gz", Some(&key.verifying_key())).unwrap();
        assert_eq!(bundle.program, program);
        assert_eq!(
            bundle.sources.get("p.tg").map(String::as_str),
            Some("rule x {}\n")
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        let err = verify(&first, "b.tar.gz", Some(&other.verifying_key())).unwrap_err();
        assert!(
            err.message.contains("signature does not match"),
            "{}",
            err.message
        );
    }
}
