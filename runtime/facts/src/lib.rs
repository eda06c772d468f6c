//! The image facts model: what a policy can look at, as Rust types with one JSON form.
//!
//! Every runtime crate speaks these types: the image reader fills files, config, history,
//! layers, users and groups; the catalogers fill packages; the vulnerability matcher fills
//! vulnerabilities; the secret scanner fills secrets; the VM reads all of them.
//!
//! Architecture Invariant: these types, the JSON Schema derived from them
//! (`tollgate facts --schema`) and the schema declarations in `stdlib/std/schema.tg` agree field
//! for field. A test in the CLI crate proves it.
//!
//! On input every field may be left out (it defaults to empty or `none`) so that a hand-written
//! facts file can be as small as `{"config": {"user": "root"}}`; unknown fields are refused,
//! so a typo in a facts file is an error rather than a silently empty category.

mod duration;
mod enums;
pub mod scan;
mod time;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use duration::{Duration, DurationParseError};
pub use enums::{Ecosystem, FileKind, FixState, PasswordState, Severity};
pub use time::{Date, Timestamp};

/// The root of the facts: one container image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Image {
    /// The reference the image was read from (a file path, or `path:tag`).
    pub reference: String,
    /// The image's digest: the sha256 of its manifest, or of its config when it has none.
    pub digest: String,
    /// The repository tags the archive or layout records for this image.
    pub tags: Vec<String>,
    /// When the image was built, from its config.
    pub created: Option<Timestamp>,
    /// CPU architecture (`amd64`, `arm64` ...).
    pub architecture: String,
    /// Operating system (`linux`).
    pub os: String,
    /// Total size in bytes of the compressed layers.
    pub size: u64,
    /// The distribution, from `/etc/os-release` and its fallbacks.
    pub distro: Option<Distro>,
    /// The image config.
    pub config: Config,
    /// The build history, one entry per Dockerfile instruction.
    pub history: Vec<HistoryEntry>,
    /// The layers, base first.
    pub layers: Vec<Layer>,
    /// Every entry of the squashed filesystem.
    pub files: Vec<File>,
    /// Installed packages of every ecosystem.
    pub packages: Vec<Package>,
    /// Vulnerabilities of installed packages, from the vulnerability database.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Credentials found in files, redacted.
    pub secrets: Vec<Secret>,
    /// Users from `/etc/passwd` and `/etc/shadow`.
    pub users: Vec<User>,
    /// Groups from `/etc/group`.
    pub groups: Vec<Group>,
    /// The `--baseline` image, or none.
    pub baseline: Option<Box<Image>>,
    /// The vulnerability database the image was matched against, or none.
    pub database: Option<DatabaseInfo>,
}

/// A Linux distribution release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Distro {
    /// `ID` from os-release: `debian`, `alpine`, `ubuntu`, `rhel` ...
    pub id: String,
    /// `VERSION_ID`: `12`, `3.11.5`, `22.04` ...
    pub version: String,
    /// `VERSION_CODENAME`: `bookworm`, `jammy` ...
    pub codename: String,
    /// `PRETTY_NAME`.
    pub name: String,
}

/// The image config (the `config` object of an OCI image config).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `USER`: a name, a uid, or `name:group`; empty means root.
    pub user: String,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// `ENTRYPOINT`.
    pub entrypoint: Vec<String>,
    /// `CMD`.
    pub cmd: Vec<String>,
    /// `WORKDIR`.
    pub workdir: String,
    /// `EXPOSE`d ports.
    pub exposed_ports: Vec<Port>,
    /// `VOLUME`s.
    pub volumes: Vec<String>,
    /// `LABEL`s.
    pub labels: BTreeMap<String, String>,
    /// `HEALTHCHECK`, or none when the image sets none.
    pub healthcheck: Option<Healthcheck>,
    /// `STOPSIGNAL`.
    pub stop_signal: String,
    /// `SHELL`.
    pub shell: Vec<String>,
}

/// An exposed port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Port {
    /// The port number.
    pub number: i64,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// A `HEALTHCHECK`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Healthcheck {
    /// The test: `["NONE"]`, `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    pub test: Vec<String>,
    /// Time between checks.
    pub interval: Option<Duration>,
    /// Time a check may take.
    pub timeout: Option<Duration>,
    /// Grace period after start.
    pub start_period: Option<Duration>,
    /// Failures before the container is unhealthy.
    pub retries: i64,
    /// Whether the test is `NONE` (health checking disabled).
    pub disabled: bool,
}

/// One entry of the build history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryEntry {
    /// When the step ran.
    pub created: Option<Timestamp>,
    /// The raw `created_by` text.
    pub created_by: String,
    /// Whether the step produced no layer.
    pub empty_layer: bool,
    /// The Dockerfile instruction, upper case (`RUN`, `COPY`, `ENV` ...), parsed from
    /// `created_by` in both the classic and the BuildKit form; empty when unknown.
    pub instruction: String,
    /// The instruction's arguments.
    pub arguments: String,
    /// The entry's comment.
    pub comment: String,
    /// The entry's author.
    pub author: String,
}

/// A layer of the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Layer {
    /// Position, base layer first, from 0.
    pub index: i64,
    /// Digest of the layer blob as stored (compressed).
    pub digest: String,
    /// Digest of the uncompressed layer tar.
    pub diff_id: String,
    /// Size in bytes of the stored blob.
    pub size: u64,
    /// The media type the manifest declares.
    pub media_type: String,
}

/// An entry of the squashed filesystem.
///
/// The optional texts are `Box<str>`, 16 bytes where `Option<String>` takes 24: an image can
/// list hundreds of thousands of files, and a policy's lookups sweep the whole array, so its
/// size is memory traffic (112 bytes a file instead of 136 made the evaluation benchmark's
/// sweeps about a fifth faster).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct File {
    /// Absolute, normalised path (`/usr/bin/passwd`).
    pub path: String,
    /// What kind of entry it is.
    pub kind: FileKind,
    /// Permission bits, including setuid, setgid and sticky (`0o4755` is 2541).
    pub mode: u32,
    /// Owner uid.
    pub uid: u64,
    /// Owner gid.
    pub gid: u64,
    /// Size in bytes (of the target's content for a hardlink).
    pub size: u64,
    /// Target of a symlink or hardlink.
    pub link_target: Option<Box<str>>,
    /// Index of the layer the entry comes from.
    pub layer: i64,
    /// Whether the setuid bit is set.
    pub setuid: bool,
    /// Whether the setgid bit is set.
    pub setgid: bool,
    /// sha256 of the content, hex, when a policy asks for it.
    pub sha256: Option<Box<str>>,
    /// The content as text (invalid UTF-8 replaced), when a policy asks for it.
    pub content: Option<Box<str>>,
    /// Whether `content` was cut at the capture limit.
    pub truncated: bool,
}

/// An installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Package {
    /// Name as the ecosystem spells it (PEP 503-normalised for Python).
    pub name: String,
    /// Version in the ecosystem's own syntax (`1:2.3-4`, `3.11.5-r0`, `2.31.0`).
    pub version: String,
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Package URL per the purl spec.
    pub purl: String,
    /// Source package name (dpkg `Source:`, apk origin, rpm source rpm name).
    pub source_name: String,
    /// Source package version, when it differs from `version`.
    pub source_version: String,
    /// Architecture (`amd64`, `x86_64`, `noarch` ...).
    pub architecture: String,
    /// License identifiers or expressions as declared.
    pub licenses: Vec<String>,
    /// The file that declared the package.
    pub path: String,
    /// Index of the layer that file comes from.
    pub layer: i64,
    /// For OS packages, the distribution release they belong to, as an OSV ecosystem
    /// (`Debian:12`, `Alpine:v3.11`); empty otherwise.
    pub distro: String,
}

/// The fields that identify a package, embedded where a record refers to one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PackageRef {
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Package URL.
    pub purl: String,
    /// The file that declared the package.
    pub path: String,
    /// Layer of that file.
    pub layer: i64,
}

/// A vulnerability affecting an installed package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Vulnerability {
    /// The record's id (`CVE-2024-0727`, `GHSA-...`, `PYSEC-...`).
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// The affected package.
    pub package: PackageRef,
    /// Severity, from the CVSS vector when there is one.
    pub severity: Severity,
    /// CVSS base score.
    pub cvss_score: Option<f64>,
    /// CVSS vector.
    pub cvss_vector: Option<String>,
    /// The first version that fixes it, or none.
    pub fixed_in: Option<String>,
    /// Whether a fix exists.
    pub fix_state: FixState,
    /// When the record was published.
    pub published: Option<Timestamp>,
    /// When the record was last modified.
    pub modified: Option<Timestamp>,
    /// One-line summary.
    pub summary: String,
    /// Reference URLs.
    pub urls: Vec<String>,
}

/// A credential found in a file. Its value never appears here: only a redacted excerpt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Secret {
    /// The scanner rule that found it (`aws-access-key-id`).
    pub rule: String,
    /// Category (`cloud`, `vcs`, `private-key` ...).
    pub category: String,
    /// The rule's severity.
    pub severity: Severity,
    /// Path of the file.
    pub path: String,
    /// 1-based line number.
    pub line: i64,
    /// Layer the file comes from.
    pub layer: i64,
    /// The line with the secret's value redacted.
    pub excerpt: String,
    /// Whether the file is still in the final filesystem (a later layer may delete it, but
    /// the layer still ships it).
    pub present: bool,
}

/// A user from `/etc/passwd`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: i64,
    /// Primary group id.
    pub gid: i64,
    /// GECOS field.
    pub gecos: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
    /// The password's state from `/etc/shadow` (never the hash).
    pub password: PasswordState,
}

/// A group from `/etc/group`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: i64,
    /// Member login names.
    pub members: Vec<String>,
}

/// Metadata of the vulnerability database used for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseInfo {
    /// When the database was built.
    pub built: Option<Timestamp>,
    /// The newest `modified` time of any record.
    pub newest: Option<Timestamp>,
    /// The sources it was built from (ecosystems or feed names).
    pub sources: Vec<String>,
    /// Number of records.
    pub records: i64,
}

/// An error reading facts JSON, with the position of the problem.
#[derive(Debug, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
pub struct FactsJsonError {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Image {
    /// Reads facts from their JSON form.
    pub fn from_json(text: &str) -> Result<Image, FactsJsonError> {
        serde_json::from_str(text).map_err(|err| FactsJsonError {
            message: strip_position(&err.to_string()),
            line: err.line(),
            column: err.column(),
        })
    }

    /// The JSON Schema of the facts.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Image)).unwrap_or(serde_json::Value::Null)
    }
}

/// serde_json appends " at line L column C" to its messages; we report the position apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_facts_file_reads() {
        let image = Image::from_json(r#"{"config": {"user": "root"}}"#).unwrap();
        assert_eq!(image.config.user, "root");
        assert!(image.packages.is_empty());
        assert_eq!(image.baseline, None);
    }

    #[test]
    fn design_example_reads() {
        let text = r#"{
          "reference": "registry.example.com/shop/api:1.4.2",
          "distro": { "id": "debian", "version": "12", "codename": "bookworm" },
          "config": {
            "user": "root",
            "exposed_ports": [ { "number": 8080, "protocol": "tcp" } ],
            "env": { "PATH": "/usr/bin:/bin" },
            "labels": { "org.opencontainers.image.vendor": "example" }
          },
          "packages": [
            { "name": "openssl", "version": "3.0.11-1~deb12u2", "ecosystem": "deb",
              "source_name": "openssl", "licenses": ["Apache-2.0"], "path": "/var/lib/dpkg/status" }
          ],
          "vulnerabilities": [
            { "id": "CVE-2024-0727", "aliases": ["DSA-5621-1"], "severity": "medium",
              "package": { "name": "openssl", "version": "3.0.11-1~deb12u2", "ecosystem": "deb" },
              "fixed_in": "3.0.13-1~deb12u1", "fix_state": "fixed" }
          ],
          "files": [ { "path": "/usr/bin/passwd", "kind": "file", "mode": 2541, "uid": 0, "gid": 0,
                       "size": 68248, "setuid": true, "layer": 0 } ]
        }"#;
        let image = Image::from_json(text).unwrap();
        assert_eq!(image.vulnerabilities[0].severity, Severity::Medium);
        assert_eq!(image.vulnerabilities[0].fix_state, FixState::Fixed);
        assert_eq!(image.packages[0].ecosystem, Ecosystem::Deb);
        assert_eq!(image.files[0].mode, 0o4755);
        assert_eq!(image.config.exposed_ports[0].number, 8080);
    }

    #[test]
    fn malformed_json_has_position() {
        let err = Image::from_json("{\n  \"config\": {\"user\": 3}\n}").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("invalid type"), "{}", err.message);
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn unknown_field_is_refused() {
        let err = Image::from_json(r#"{"confg": {}}"#).unwrap_err();
        assert!(
            err.message.contains("unknown field `confg`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn json_round_trip() {
        let mut image = Image::default();
        image.config.healthcheck = Some(Healthcheck {
            interval: Some(Duration::from_seconds(30)),
            ..Healthcheck::default()
        });
        image.created = Some("2024-01-02T03:04:05Z".parse().unwrap());
        let text = serde_json::to_string(&image).unwrap();
        assert!(text.contains("\"interval\":\"30s\""), "{text}");
        assert_eq!(Image::from_json(&text).unwrap(), image);
    }
}
