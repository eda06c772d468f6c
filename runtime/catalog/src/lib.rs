//! Package catalogers for every ecosystem, behind one [`Cataloger`] object.
//!
//! The image reader calls [`Catalogers::wants`] for every regular file of every layer (a few
//! path-suffix checks, no allocation), [`Catalogers::inspect`] on the files it wanted during
//! its single streaming pass (from several threads), and [`Catalogers::finish`] once the layers
//! are squashed. Parsers are written from scratch for untrusted input: they never panic, and a
//! malformed database yields a warning naming the file while the other packages are still
//! listed. `docs/catalogers.md` describes what each cataloger reads and reports.

mod apk;
mod binary;
mod composer;
mod dotnet;
mod dpkg;
mod gem;
mod java;
mod npm;
mod purl;
mod python;
mod rpm;
mod stanza;

use std::collections::HashMap;

use tollgate_facts::scan::{Cataloger, FileContent, Inspection, Warning};
use tollgate_facts::{Distro, Ecosystem, Package};

pub use purl::{distro_ecosystem, package_url};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// The kinds of file a cataloger reads, decided from the path alone (and the mode bits for
/// executables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    DpkgStatus,
    DpkgStatusD,
    DpkgCopyright,
    ApkInstalled,
    RpmSqlite,
    RpmBerkeley,
    RpmNdb,
    PythonMetadata,
    NpmPackageJson,
    Gemspec,
    ComposerInstalled,
    DotnetDeps,
    JavaArchive,
    Executable,
}

impl FileKind {
    /// The ecosystem whose packages the file declares.
    fn ecosystem(self) -> Ecosystem {
        match self {
            FileKind::DpkgStatus | FileKind::DpkgStatusD | FileKind::DpkgCopyright => {
                Ecosystem::Deb
            }
            FileKind::ApkInstalled => Ecosystem::Apk,
            FileKind::RpmSqlite | FileKind::RpmBerkeley | FileKind::RpmNdb => Ecosystem::Rpm,
            FileKind::PythonMetadata => Ecosystem::Python,
            FileKind::NpmPackageJson => Ecosystem::Npm,
            FileKind::Gemspec => Ecosystem::Gem,
            FileKind::ComposerInstalled => Ecosystem::Composer,
            FileKind::DotnetDeps => Ecosystem::Nuget,
            FileKind::JavaArchive => Ecosystem::Java,
            // Go and Rust binaries: either ecosystem enables the executable scan.
            FileKind::Executable => Ecosystem::Go,
        }
    }

    /// How many bytes of the file the cataloger buffers. Databases are read whole up to a
    /// bound that real systems stay far below; metadata files whose useful part comes first
    /// are cut short.
    fn byte_limit(self) -> u64 {
        match self {
            FileKind::DpkgStatus | FileKind::ApkInstalled => 64 * MIB,
            FileKind::DpkgStatusD => MIB,
            FileKind::DpkgCopyright => 256 * KIB,
            FileKind::RpmSqlite | FileKind::RpmBerkeley | FileKind::RpmNdb => 512 * MIB,
            // Headers come before the long description: the rest is never read.
            FileKind::PythonMetadata => 256 * KIB,
            FileKind::NpmPackageJson => 4 * MIB,
            FileKind::Gemspec => 256 * KIB,
            FileKind::ComposerInstalled | FileKind::DotnetDeps => 32 * MIB,
            FileKind::JavaArchive => JAVA_ARCHIVE_LIMIT,
            FileKind::Executable => EXECUTABLE_LIMIT,
        }
    }

    /// Whether a file cut at the byte limit still gives a useful (partial) answer; for the
    /// others, truncation is reported.
    fn truncation_is_expected(self) -> bool {
        matches!(self, FileKind::PythonMetadata | FileKind::Executable)
    }
}

/// Largest Java archive read; nested archives have their own limits in `java`.
const JAVA_ARCHIVE_LIMIT: u64 = 128 * MIB;
/// Largest executable read for Go or Rust build information; a bigger one is read up to this
/// bound and searched there.
const EXECUTABLE_LIMIT: u64 = 192 * MIB;
/// Executables smaller than this cannot be Go or Rust programs with build information (a
/// static Go "hello world" is over 1 MiB); skipping them keeps scripts and tiny tools out.
const EXECUTABLE_MIN_SIZE: u64 = 64 * KIB;

/// Every cataloger behind one [`Cataloger`] object, optionally restricted to the ecosystems a
/// compiled policy asks for.
#[derive(Debug, Clone)]
pub struct Catalogers {
    enabled: Vec<Ecosystem>,
}

impl Catalogers {
    /// Catalogers for the given ecosystems, or for all of them when `None`. Go and Cargo
    /// share the executable scan: asking for either reads binaries, and only the packages of
    /// the asked ecosystems are reported.
    pub fn new(ecosystems: Option<&[Ecosystem]>) -> Catalogers {
        let enabled = match ecosystems {
            Some(list) => list.to_vec(),
            None => Ecosystem::ALL.to_vec(),
        };
        Catalogers { enabled }
    }

    fn enables(&self, ecosystem: Ecosystem) -> bool {
        self.enabled.contains(&ecosystem)
    }

    fn enables_kind(&self, kind: FileKind) -> bool {
        match kind {
            FileKind::Executable => self.enables(Ecosystem::Go) || self.enables(Ecosystem::Cargo),
            other => self.enables(other.ecosystem()),
        }
    }

    fn kind_of(&self, path: &str, size: u64, mode: u32) -> Option<FileKind> {
        let kind = match classify_path(path) {
            Some(kind) => kind,
            None if is_executable_candidate(path, size, mode) => FileKind::Executable,
            None => return None,
        };
        self.enables_kind(kind).then_some(kind)
    }
}

impl Default for Catalogers {
    fn default() -> Catalogers {
        Catalogers::new(None)
    }
}

impl Cataloger for Catalogers {
    fn wants(&self, path: &str, size: u64, mode: u32) -> Option<u64> {
        let kind = self.kind_of(path, size, mode)?;
        Some(kind.byte_limit().min(size))
    }

    fn inspect(&self, file: FileContent<'_>) -> Inspection {
        let mut inspection = Inspection {
            path: file.path.to_string(),
            layer: file.layer,
            ..Inspection::default()
        };
        let Some(kind) = self.kind_of(file.path, file.size, file.mode) else {
            return inspection;
        };
        if file.truncated && !kind.truncation_is_expected() {
            inspection.warnings.push(warning(
                file.path,
                format!(
                    "file is larger than the {} byte limit; only its first part was read",
                    kind.byte_limit()
                ),
            ));
        }
        let mut out = Found::default();
        match kind {
            FileKind::DpkgStatus | FileKind::DpkgStatusD => dpkg::parse_status(file.data, &mut out),
            FileKind::DpkgCopyright => dpkg::parse_copyright(file.path, file.data, &mut out),
            FileKind::ApkInstalled => apk::parse_installed(file.data, &mut out),
            FileKind::RpmSqlite => rpm::parse_sqlite(file.data, &mut out),
            FileKind::RpmBerkeley => rpm::parse_berkeley(file.data, &mut out),
            FileKind::RpmNdb => rpm::parse_ndb(file.data, &mut out),
            FileKind::PythonMetadata => python::parse_metadata(file.data, &mut out),
            FileKind::NpmPackageJson => npm::parse_package_json(file.data, &mut out),
            FileKind::Gemspec => gem::parse_gemspec(file.data, &mut out),
            FileKind::ComposerInstalled => composer::parse_installed(file.data, &mut out),
            FileKind::DotnetDeps => dotnet::parse_deps(file.data, &mut out),
            FileKind::JavaArchive => java::parse_archive(file.path, file.data, &mut out),
            FileKind::Executable => binary::parse_executable(file.data, &mut out),
        }
        for mut package in out.packages {
            if !self.enables(package.ecosystem) {
                continue;
            }
            if package.path.is_empty() {
                package.path = file.path.to_string();
            }
            package.layer = file.layer;
            inspection.packages.push(package);
        }
        inspection.license_hints = out.license_hints;
        inspection.warnings.extend(
            out.problems
                .into_iter()
                .map(|message| warning(file.path, message)),
        );
        inspection
    }

    fn finish(
        &self,
        found: Vec<Inspection>,
        distro: Option<&Distro>,
    ) -> (Vec<Package>, Vec<Warning>) {
        let mut hints: HashMap<String, Vec<String>> = HashMap::new();
        for inspection in &found {
            for (name, licenses) in &inspection.license_hints {
                hints
                    .entry(name.clone())
                    .or_insert_with(|| licenses.clone());
            }
        }
        let os_ecosystem = distro.map(distro_ecosystem).unwrap_or_default();
        let mut packages = Vec::new();
        let mut warnings = Vec::new();
        for inspection in found {
            warnings.extend(inspection.warnings);
            for mut package in inspection.packages {
                if package.ecosystem == Ecosystem::Deb
                    && package.licenses.is_empty()
                    && let Some(licenses) = hints.get(&package.name)
                {
                    package.licenses = licenses.clone();
                }
                if package.ecosystem.is_os() {
                    package.distro = os_ecosystem.clone();
                }
                package.purl = package_url(&package, distro);
                packages.push(package);
            }
        }
        (packages, warnings)
    }
}

/// What one parser found in one file: packages (path and layer are filled in by the caller
/// unless a parser sets a more precise path, as for nested Java archives), license hints and
/// problems (messages only: the caller names the file).
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) packages: Vec<Package>,
    pub(crate) license_hints: Vec<(String, Vec<String>)>,
    pub(crate) problems: Vec<String>,
}

impl Found {
    pub(crate) fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }
}

/// A file's bytes as text: borrowed when they are valid UTF-8 (the fast, common case),
/// else with invalid sequences replaced.
pub(crate) fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    }
}

fn warning(path: &str, message: String) -> Warning {
    Warning {
        path: path.to_string(),
        message,
    }
}

/// Splits a path into its parent folder and its file name.
fn split_name(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(at) => (
            path.get(..at).unwrap_or(""),
            path.get(at + 1..).unwrap_or(""),
        ),
        None => ("", path),
    }
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text
            .get(text.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// The file kind a path declares by its name alone.
fn classify_path(path: &str) -> Option<FileKind> {
    // Paths are absolute and normalised; accept a relative one too.
    let path = path.strip_prefix('/').unwrap_or(path);
    let (parent, name) = split_name(path);
    match name {
        "status" if parent == "var/lib/dpkg" => return Some(FileKind::DpkgStatus),
        "installed" if parent == "lib/apk/db" || parent == "usr/lib/apk/db" => {
            return Some(FileKind::ApkInstalled);
        }
        "copyright" => {
            let package = parent.strip_prefix("usr/share/doc/")?;
            return (!package.is_empty() && !package.contains('/'))
                .then_some(FileKind::DpkgCopyright);
        }
        "rpmdb.sqlite" if parent.ends_with("/rpm") => return Some(FileKind::RpmSqlite),
        "Packages" if parent.ends_with("/rpm") => return Some(FileKind::RpmBerkeley),
        "Packages.db" if parent.ends_with("/rpm") => return Some(FileKind::RpmNdb),
        "METADATA" if parent.ends_with(".dist-info") && !python::is_vendored(parent) => {
            return Some(FileKind::PythonMetadata);
        }
        "PKG-INFO" if parent.ends_with(".egg-info") && !python::is_vendored(parent) => {
            return Some(FileKind::PythonMetadata);
        }
        "package.json" if npm::is_installed_package_dir(parent) => {
            return Some(FileKind::NpmPackageJson);
        }
        "installed.json" if parent == "vendor/composer" || parent.ends_with("/vendor/composer") => {
            return Some(FileKind::ComposerInstalled);
        }
        _ => {}
    }
    if parent == "var/lib/dpkg/status.d" {
        // Distroless keeps one stanza file per package, next to `.md5sums` lists.
        return (!name.ends_with(".md5sums") && !name.starts_with('.'))
            .then_some(FileKind::DpkgStatusD);
    }
    if name.ends_with(".egg-info") && !python::is_vendored(path) {
        return Some(FileKind::PythonMetadata);
    }
    if name.ends_with(".gemspec") && split_name(parent).1 == "specifications" {
        return Some(FileKind::Gemspec);
    }
    if name.ends_with(".deps.json") {
        return Some(FileKind::DotnetDeps);
    }
    if java::ARCHIVE_SUFFIXES
        .iter()
        .any(|suffix| ends_with_ignore_case(name, suffix))
    {
        return Some(FileKind::JavaArchive);
    }
    None
}

/// Whether a file may be a Go or Rust program: any execute bit, not tiny, and not a kind of
/// file that is executable by accident (shared objects and scripts by name).
fn is_executable_candidate(path: &str, size: u64, mode: u32) -> bool {
    if mode & 0o111 == 0 || size < EXECUTABLE_MIN_SIZE {
        return false;
    }
    let name = split_name(path).1;
    !(name.ends_with(".so")
        || name.contains(".so.")
        || name.ends_with(".sh")
        || name.ends_with(".py"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_by_name() {
        assert_eq!(
            classify_path("/var/lib/dpkg/status"),
            Some(FileKind::DpkgStatus)
        );
        assert_eq!(classify_path("/var/lib/dpkg/status-old"), None);
        assert_eq!(
            classify_path("/var/lib/dpkg/status.d/libc6"),
            Some(FileKind::DpkgStatusD)
        );
        assert_eq!(classify_path("/var/lib/dpkg/status.d/libc6.md5sums"), None);
        assert_eq!(
            classify_path("/usr/share/doc/bash/copyright"),
            Some(FileKind::DpkgCopyright)
        );
        assert_eq!(
            classify_path("/usr/share/doc/bash/examples/copyright"),
            None
        );
        assert_eq!(
            classify_path("/lib/apk/db/installed"),
            Some(FileKind::ApkInstalled)
        );
        assert_eq!(
            classify_path("/usr/lib/apk/db/installed"),
            Some(FileKind::ApkInstalled)
        );
        assert_eq!(
            classify_path("/var/lib/rpm/rpmdb.sqlite"),
            Some(FileKind::RpmSqlite)
        );
        assert_eq!(
            classify_path("/usr/lib/sysimage/rpm/Packages.db"),
            Some(FileKind::RpmNdb)
        );
        assert_eq!(
            classify_path("/var/lib/rpm/Packages"),
            Some(FileKind::RpmBerkeley)
        );
        assert_eq!(
            classify_path("/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"),
            Some(FileKind::PythonMetadata)
        );
        assert_eq!(
            classify_path("/usr/lib/python2.7/Python-2.7.egg-info"),
            Some(FileKind::PythonMetadata)
        );
        assert_eq!(
            classify_path("/app/node_modules/@scope/x/package.json"),
            Some(FileKind::NpmPackageJson)
        );
        assert_eq!(classify_path("/app/package.json"), None);
        assert_eq!(classify_path("/app/node_modules/x/test/package.json"), None);
        assert_eq!(
            classify_path("/app/App.deps.json"),
            Some(FileKind::DotnetDeps)
        );
        assert_eq!(
            classify_path("/opt/app/lib/Foo.JAR"),
            Some(FileKind::JavaArchive)
        );
        assert_eq!(
            classify_path("/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"),
            Some(FileKind::Gemspec)
        );
        assert_eq!(
            classify_path("/srv/vendor/composer/installed.json"),
            Some(FileKind::ComposerInstalled)
        );
    }

    #[test]
    fn ecosystem_filter_restricts_wants() {
        let deb_only = Catalogers::new(Some(&[Ecosystem::Deb]));
        assert_eq!(
            deb_only.wants("/var/lib/dpkg/status", 100, 0o644),
            Some(100)
        );
        assert_eq!(deb_only.wants("/lib/apk/db/installed", 100, 0o644), None);
        assert_eq!(deb_only.wants("/usr/bin/skopeo", 30 * MIB, 0o755), None);
        let all = Catalogers::default();
        assert_eq!(
            all.wants("/usr/bin/skopeo", 30 * MIB, 0o755),
            Some(30 * MIB)
        );
        assert_eq!(all.wants("/usr/bin/skopeo", 30 * MIB, 0o644), None);
        assert_eq!(all.wants("/usr/lib/libfoo.so.1", 30 * MIB, 0o755), None);
        assert_eq!(
            all.wants("/usr/bin/huge", 4096 * MIB, 0o755),
            Some(EXECUTABLE_LIMIT)
        );
    }
}
