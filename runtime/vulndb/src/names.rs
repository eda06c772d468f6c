//! Which OSV ecosystem and package name a package is looked up under, and which version
//! ordering an OSV ecosystem uses.

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
pub(crate) fn osv_name(osv_ecosystem: &str, name: &str) -> String {
    match osv_ecosystem.split(':').next().unwrap_or(osv_ecosystem) {
        "PyPI" => pep503(name),
        "NuGet" | "Packagist" => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// Which ecosystems of the index a package is looked up in, and under which name.
#[derive(Debug)]
pub(crate) struct Target {
    pub name: String,
    accepts: Accepts,
}

#[derive(Debug)]
enum Accepts {
    Exact(String),
    /// `Ubuntu:22.04`, `Ubuntu:22.04:LTS` (not the `Pro` streams).
    Ubuntu(String),
    /// `Red Hat:...:9...`.
    RedHat(String),
}

impl Target {
    pub(crate) fn accepts(&self, osv_ecosystem: &str) -> bool {
        match &self.accepts {
            Accepts::Exact(name) => osv_ecosystem == name,
            Accepts::Ubuntu(version) => {
                let mut parts = osv_ecosystem.split(':');
                parts.next() == Some("Ubuntu") && {
                    let rest: Vec<&str> = parts.collect();
                    rest.first() == Some(&version.as_str())
                }
            }
            Accepts::RedHat(major) => {
                osv_ecosystem.starts_with("Red Hat:")
                    && osv_ecosystem.split(':').any(|part| {
                        let part = part.strip_prefix("enterprise_linux").unwrap_or(part);
                        part == major || part.starts_with(&format!("{major}."))
                    })
            }
        }
    }
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

/// The lookup target of `package`, or none when its ecosystem (or, for an OS package, its
/// distribution release) is unknown.
pub(crate) fn target(package: &Package, distro: Option<&Distro>) -> Option<Target> {
    let exact = |name: &str| Some(Accepts::Exact(name.to_string()));
    let source_or_name = if package.source_name.is_empty() {
        package.name.clone()
    } else {
        package.source_name.clone()
    };
    let (accepts, name) = match package.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
            // Debian and Ubuntu advisories name source packages, Alpine's name origins;
            // rpm advisories name binary packages.
            let name = if package.ecosystem == Ecosystem::Rpm {
                package.name.clone()
            } else {
                source_or_name
            };
            if !package.distro.is_empty() {
                (exact(&package.distro), name)
            } else {
                let distro = distro?;
                let version = distro.version.trim();
                let accepts = match (package.ecosystem, distro.id.as_str()) {
                    (_, _) if version.is_empty() => None,
                    (Ecosystem::Deb, "debian") => exact(&format!("Debian:{}", major(version))),
                    (Ecosystem::Deb, "ubuntu") => Some(Accepts::Ubuntu(version.to_string())),
                    (Ecosystem::Apk, "alpine") => {
                        exact(&format!("Alpine:v{}", major_minor(version)))
                    }
                    (Ecosystem::Rpm, "almalinux") => {
                        exact(&format!("AlmaLinux:{}", major(version)))
                    }
                    (Ecosystem::Rpm, "rocky") => exact(&format!("Rocky Linux:{}", major(version))),
                    (Ecosystem::Rpm, "rhel") => Some(Accepts::RedHat(major(version).to_string())),
                    (Ecosystem::Rpm, "mageia") => exact(&format!("Mageia:{version}")),
                    (Ecosystem::Rpm, "opensuse-leap") => exact(&format!("openSUSE:Leap {version}")),
                    _ => None,
                };
                (accepts, name)
            }
        }
        Ecosystem::Python => (exact("PyPI"), package.name.clone()),
        Ecosystem::Npm => (exact("npm"), package.name.clone()),
        Ecosystem::Cargo => (exact("crates.io"), package.name.clone()),
        Ecosystem::Go => (exact("Go"), package.name.clone()),
        Ecosystem::Java => (exact("Maven"), package.name.clone()),
        Ecosystem::Gem => (exact("RubyGems"), package.name.clone()),
        Ecosystem::Composer => (exact("Packagist"), package.name.clone()),
        Ecosystem::Nuget => (exact("NuGet"), package.name.clone()),
        Ecosystem::Unknown => (None, String::new()),
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
        let debian = target(&package(Ecosystem::Deb), Some(&distro("debian", "12"))).unwrap();
        assert_eq!(debian.name, "openssl");
        assert!(debian.accepts("Debian:12") && !debian.accepts("Debian:11"));
        let alpine = target(&package(Ecosystem::Apk), Some(&distro("alpine", "3.11.5"))).unwrap();
        assert!(alpine.accepts("Alpine:v3.11") && !alpine.accepts("Alpine:v3.16"));
        let ubuntu = target(&package(Ecosystem::Deb), Some(&distro("ubuntu", "22.04"))).unwrap();
        assert!(ubuntu.accepts("Ubuntu:22.04:LTS") && !ubuntu.accepts("Ubuntu:Pro:22.04:LTS"));
        let alma = target(&package(Ecosystem::Rpm), Some(&distro("almalinux", "9.1"))).unwrap();
        assert_eq!(alma.name, "libssl");
        assert!(alma.accepts("AlmaLinux:9"));
        assert!(target(&package(Ecosystem::Deb), None).is_none());
    }
}
