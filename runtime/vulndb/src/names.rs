//! Which OSV ecosystem and package name a package is looked up under, and which version
//! ordering an OSV ecosystem uses.

use std::borrow::Cow;

use tollgate_facts::{Distro, Ecosystem, Package};

/// The OSV ecosystem names (before any `:release`) and the ordering each uses.
const ORDERINGS: &[(&str, Ecosystem)] = &[
    ("AlmaLinux", Ecosystem::Rpm),
    ("Alpine", Ecosystem::Apk),
    ("Azure Linux", Ecosystem::Rpm),
    ("Chainguard", Ecosystem::Apk),
    ("Debian", Ecosystem::Deb),
    ("Go", Ecosystem::Go),
    ("Mageia", Ecosystem::Rpm),
    ("Mariner", Ecosystem::Rpm),
    ("Maven", Ecosystem::Java),
    ("NuGet", Ecosystem::Nuget),
    ("Packagist", Ecosystem::Composer),
    ("Photon OS", Ecosystem::Rpm),
    ("PyPI", Ecosystem::Python),
    ("Red Hat", Ecosystem::Rpm),
    ("Rocky Linux", Ecosystem::Rpm),
    ("RubyGems", Ecosystem::Gem),
    ("SUSE", Ecosystem::Rpm),
    ("Ubuntu", Ecosystem::Deb),
    ("Wolfi", Ecosystem::Apk),
    ("crates.io", Ecosystem::Cargo),
    ("openEuler", Ecosystem::Rpm),
    ("npm", Ecosystem::Npm),
    ("openSUSE", Ecosystem::Rpm),
];

/// The version ordering of an OSV ecosystem (`Debian:12` orders as dpkg).
pub(crate) fn ordering_of(osv_ecosystem: &str) -> Ecosystem {
    let base = osv_ecosystem.split(':').next().unwrap_or(osv_ecosystem);
    ORDERINGS
        .iter()
        .find(|(name, _)| *name == base)
        .map_or(Ecosystem::Unknown, |(_, ecosystem)| *ecosystem)
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(character.to_lowercase());
            in_separator = false;
        }
    }
    out
}

/// A package name as the index stores it for `osv_ecosystem`: PyPI names PEP 503-normalised,
/// NuGet and Packagist names lowercased (both registries ignore case).
pub(crate) fn osv_name<'a>(osv_ecosystem: &str, name: &'a str) -> Cow<'a, str> {
    match osv_ecosystem.split(':').next().unwrap_or(osv_ecosystem) {
        "PyPI" => Cow::Owned(pep503(name)),
        "NuGet" | "Packagist" => Cow::Owned(name.to_lowercase()),
        _ => Cow::Borrowed(name),
    }
}

/// Which ecosystems of the index a package is looked up in, and under which name.
#[derive(Debug)]
pub(crate) struct Target<'p> {
    pub name: &'p str,
    pub accepts: Accepts,
}

/// The OSV ecosystems one package may be recorded under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Accepts {
    /// One ecosystem (`Debian:12`; `PyPI`, borrowed, as most are).
    Exact(Cow<'static, str>),
    /// An Ubuntu release (`22.04`): `Ubuntu:22.04`, `Ubuntu:22.04:LTS` and the Ubuntu Pro
    /// (ESM) stream of the same release, `Ubuntu:Pro:22.04:LTS`. Pro records describe the
    /// same packages with the same versions; for releases past standard support they are the
    /// only records there are. The other Pro streams (`Ubuntu:Pro:FIPS:22.04:LTS`,
    /// `Realtime` ...) carry other builds and are not included.
    Ubuntu(String),
    /// A Red Hat Enterprise Linux major release (`9`): `Red Hat:enterprise_linux:9` and its
    /// repositories (`Red Hat:enterprise_linux:9::appstream`), not the extended-support
    /// streams (`rhel_eus`, `rhel_aus` ...), whose versions are not the mainline's.
    RedHat(String),
    /// A SUSE Linux Enterprise service pack (`15 SP5`): every SLE product and module of that
    /// service pack, which share their package builds. SUSE files most base packages under
    /// the module that ships them (`SUSE:Linux Enterprise Module for Basesystem 15 SP5`), not
    /// under `SUSE:Linux Enterprise Server 15 SP5`, and a service pack past general support
    /// under its long-term stream (`... 15 SP5-LTSS`); all of them are included. SLE Micro
    /// is versioned on its own and is not. The schema says the release is os-release's
    /// `PRETTY_NAME` (`SUSE Linux Enterprise Server 15 SP5`), the data drops the `SUSE `:
    /// both are read.
    Suse(String),
    /// An openSUSE release as the data names it (`Leap 15.5`, `Leap Micro 5.5`,
    /// `Tumbleweed`): `openSUSE:Leap 15.5`, its `NonFree` repository, and the `PRETTY_NAME`
    /// spelling `openSUSE:openSUSE Leap 15.5`.
    OpenSuse(String),
    /// An Azure Linux major release (`3`; CBL-Mariner `2`): OSV files both names under
    /// `Azure Linux:<major>` (`Azure Linux:2` is CBL-Mariner 2.0); a `Mariner:2.0` or
    /// `Azure Linux:3.0` spelling is read as the same release.
    AzureLinux(String),
}

impl Accepts {
    pub(crate) fn accepts(&self, osv_ecosystem: &str) -> bool {
        match self {
            Accepts::Exact(name) => osv_ecosystem == name.as_ref(),
            Accepts::Ubuntu(version) => {
                let parts: Vec<&str> = osv_ecosystem.split(':').collect();
                match parts.as_slice() {
                    ["Ubuntu", release] | ["Ubuntu", release, "LTS"] => release == version,
                    ["Ubuntu", "Pro", release, "LTS"] => release == version,
                    _ => false,
                }
            }
            Accepts::RedHat(major) => {
                let mut parts = osv_ecosystem.split(':');
                parts.next() == Some("Red Hat")
                    && parts.next() == Some("enterprise_linux")
                    && parts.next() == Some(major.as_str())
            }
            Accepts::Suse(release) => osv_ecosystem
                .strip_prefix("SUSE:")
                .and_then(suse_release)
                .is_some_and(|found| {
                    found.strip_suffix("-LTSS").unwrap_or(found) == release.as_str()
                }),
            Accepts::OpenSuse(release) => osv_ecosystem
                .strip_prefix("openSUSE:")
                .is_some_and(|found| opensuse_release(found) == release.as_str()),
            Accepts::AzureLinux(wanted) => {
                let release = osv_ecosystem
                    .strip_prefix("Azure Linux:")
                    .or_else(|| osv_ecosystem.strip_prefix("Mariner:"));
                release.is_some_and(|release| major(release) == wanted.as_str())
            }
        }
    }

    /// The version ordering of the packages these ecosystems describe.
    fn ordering(&self) -> Ecosystem {
        match self {
            Accepts::Exact(name) => ordering_of(name),
            Accepts::Ubuntu(_) => Ecosystem::Deb,
            Accepts::RedHat(_)
            | Accepts::Suse(_)
            | Accepts::OpenSuse(_)
            | Accepts::AzureLinux(_) => Ecosystem::Rpm,
        }
    }
}

/// The service pack of a SUSE Linux Enterprise product name (`Linux Enterprise Server 15 SP5`
/// gives `15 SP5`, `Linux Enterprise Module for Basesystem 15` gives `15`); none for SLE Micro
/// and for names that are not SLE products.
fn suse_release(product: &str) -> Option<&str> {
    let product = product
        .trim()
        .strip_prefix("SUSE ")
        .unwrap_or(product.trim());
    let rest = product.strip_prefix("Linux Enterprise ")?;
    if rest.starts_with("Micro") {
        return None;
    }
    // The release starts at the first word that starts with a digit.
    let mut offset = 0;
    for word in rest.split(' ') {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return rest.get(offset..);
        }
        offset += word.len() + 1;
    }
    None
}

/// An openSUSE release without the `PRETTY_NAME` spelling's `openSUSE ` and the `NonFree`
/// repository's suffix.
fn opensuse_release(release: &str) -> &str {
    let release = release.trim();
    let release = release.strip_prefix("openSUSE ").unwrap_or(release);
    release.strip_suffix(" NonFree").unwrap_or(release)
}

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

fn major_minor(version: &str) -> String {
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        (Some(major), None) => major.to_string(),
        _ => String::new(),
    }
}

/// The ecosystems of a package whose facts name its OSV ecosystem (`package.distro`, as the
/// catalog writes it from the image's distro). Families whose packages live in several OSV
/// ecosystems widen to all of them, and the spellings derived from os-release's
/// `PRETTY_NAME` (`SUSE:SUSE Linux Enterprise Server 15 SP5`, `openSUSE:openSUSE Leap 15.5`)
/// or `VERSION_ID` (`Azure Linux:2.0`, which OSV calls `Azure Linux:2`) are read as what they
/// mean.
fn ecosystem_accepts(osv_ecosystem: &str) -> Accepts {
    let osv_ecosystem = osv_ecosystem.trim();
    let parts: Vec<&str> = osv_ecosystem.split(':').collect();
    match parts.as_slice() {
        ["Ubuntu", release] | ["Ubuntu", release, "LTS"] | ["Ubuntu", "Pro", release, "LTS"] => {
            Accepts::Ubuntu(release.to_string())
        }
        ["Red Hat", "enterprise_linux", major] => Accepts::RedHat(major.to_string()),
        ["SUSE", product] => match suse_release(product) {
            Some(release) => Accepts::Suse(release.to_string()),
            None => Accepts::Exact(Cow::Owned(format!(
                "SUSE:{}",
                product
                    .trim()
                    .strip_prefix("SUSE ")
                    .unwrap_or(product.trim())
            ))),
        },
        ["openSUSE", release] => Accepts::OpenSuse(opensuse_release(release).to_string()),
        ["Azure Linux" | "Mariner", release] => Accepts::AzureLinux(major(release).to_string()),
        _ => Accepts::Exact(Cow::Owned(osv_ecosystem.to_string())),
    }
}

/// The ecosystems of the OS packages of an image with `distro` (os-release's `ID`,
/// `VERSION_ID` and `PRETTY_NAME`), or none for a distribution OSV does not cover.
pub(crate) fn distro_accepts(distro: &Distro) -> Option<Accepts> {
    let version = distro.version.trim();
    let exact = |name: String| Some(Accepts::Exact(Cow::Owned(name)));
    let id = distro.id.trim();
    // Rolling releases have no meaningful VERSION_ID.
    match id {
        "opensuse-tumbleweed" => return Some(Accepts::OpenSuse("Tumbleweed".to_string())),
        "wolfi" => return Some(Accepts::Exact(Cow::Borrowed("Wolfi"))),
        "chainguard" => return Some(Accepts::Exact(Cow::Borrowed("Chainguard"))),
        _ => {}
    }
    if version.is_empty() {
        return None;
    }
    match id {
        "debian" => exact(format!("Debian:{}", major(version))),
        "ubuntu" => Some(Accepts::Ubuntu(version.to_string())),
        "alpine" => exact(format!("Alpine:v{}", major_minor(version))),
        "almalinux" => exact(format!("AlmaLinux:{}", major(version))),
        "rocky" => exact(format!("Rocky Linux:{}", major(version))),
        "rhel" => Some(Accepts::RedHat(major(version).to_string())),
        "mageia" => exact(format!("Mageia:{version}")),
        "opensuse-leap" => Some(Accepts::OpenSuse(format!("Leap {version}"))),
        "opensuse-leap-micro" => Some(Accepts::OpenSuse(format!("Leap Micro {version}"))),
        // SLES, SLED, SLE HPC and SLES for SAP: `VERSION_ID` 15.5 is 15 SP5, 15 is 15 GA.
        "sles" | "sled" | "sle_hpc" | "sles_sap" => {
            let mut parts = version.split('.');
            let release = match (parts.next(), parts.next()) {
                (Some(major), Some(pack)) if pack != "0" => format!("{major} SP{pack}"),
                (Some(major), _) => major.to_string(),
                _ => return None,
            };
            Some(Accepts::Suse(release))
        }
        "sle-micro" => exact(format!("SUSE:Linux Enterprise Micro {version}")),
        // CBL-Mariner (1.0, 2.0) became Azure Linux at 3.0.
        "mariner" | "azurelinux" => Some(Accepts::AzureLinux(major(version).to_string())),
        "photon" => exact(format!("Photon OS:{}", major_minor(version))),
        _ => None,
    }
}

/// The lookup target of `package`, or none when its ecosystem (or, for an OS package, its
/// distribution release) is unknown.
pub(crate) fn target<'p>(package: &'p Package, distro: Option<&Distro>) -> Option<Target<'p>> {
    let exact = |name: &'static str| Some(Accepts::Exact(Cow::Borrowed(name)));
    let (accepts, name) = match package.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
            // Debian and Ubuntu advisories name source packages, Alpine's name origins;
            // rpm advisories name binary packages.
            let name = if package.ecosystem == Ecosystem::Rpm || package.source_name.is_empty() {
                package.name.as_str()
            } else {
                package.source_name.as_str()
            };
            let accepts = if package.distro.trim().is_empty() {
                distro_accepts(distro?)
            } else {
                Some(ecosystem_accepts(&package.distro))
            };
            // A distribution's records only describe its own kind of package (an ecosystem
            // this code does not know is taken at its word).
            let fits = |accepts: &Accepts| {
                let ordering = accepts.ordering();
                ordering == package.ecosystem || ordering == Ecosystem::Unknown
            };
            (accepts.filter(fits), name)
        }
        Ecosystem::Python => (exact("PyPI"), package.name.as_str()),
        Ecosystem::Npm => (exact("npm"), package.name.as_str()),
        Ecosystem::Cargo => (exact("crates.io"), package.name.as_str()),
        Ecosystem::Go => (exact("Go"), package.name.as_str()),
        Ecosystem::Java => (exact("Maven"), package.name.as_str()),
        Ecosystem::Gem => (exact("RubyGems"), package.name.as_str()),
        Ecosystem::Composer => (exact("Packagist"), package.name.as_str()),
        Ecosystem::Nuget => (exact("NuGet"), package.name.as_str()),
        Ecosystem::Unknown => (None, ""),
    };
    Some(Target {
        name,
        accepts: accepts?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalises() {
        assert_eq!(pep503("Django_REST.framework"), "django-rest-framework");
        assert_eq!(pep503("a--b__c"), "a-b-c");
    }

    #[test]
    fn distro_releases_pick_ecosystems() {
        let distro = |id: &str, version: &str| Distro {
            id: id.into(),
            version: version.into(),
            ..Distro::default()
        };
        let package = |ecosystem| Package {
            name: "libssl".into(),
            source_name: "openssl".into(),
            ecosystem,
            ..Package::default()
        };
        let (deb, apk, rpm) = (
            package(Ecosystem::Deb),
            package(Ecosystem::Apk),
            package(Ecosystem::Rpm),
        );
        let debian = target(&deb, Some(&distro("debian", "12"))).unwrap();
        assert_eq!(debian.name, "openssl");
        assert!(debian.accepts.accepts("Debian:12") && !debian.accepts.accepts("Debian:11"));
        let alpine = target(&apk, Some(&distro("alpine", "3.11.5"))).unwrap();
        assert!(alpine.accepts.accepts("Alpine:v3.11") && !alpine.accepts.accepts("Alpine:v3.16"));
        let ubuntu = target(&deb, Some(&distro("ubuntu", "22.04"))).unwrap();
        assert!(
            ubuntu.accepts.accepts("Ubuntu:22.04:LTS")
                && ubuntu.accepts.accepts("Ubuntu:Pro:22.04:LTS")
        );
        assert!(
            !ubuntu.accepts.accepts("Ubuntu:Pro:FIPS:22.04:LTS")
                && !ubuntu.accepts.accepts("Ubuntu:20.04:LTS")
        );
        let alma = target(&rpm, Some(&distro("almalinux", "9.1"))).unwrap();
        assert_eq!(alma.name, "libssl");
        assert!(alma.accepts.accepts("AlmaLinux:9"));
        assert!(target(&deb, None).is_none());
    }
}
