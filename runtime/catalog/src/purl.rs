//! Package URLs (the purl spec) and OSV ecosystem names of distributions.
//!
//! A purl is built from the package's own fields at `finish`, when the image's distro is
//! known: `pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12`. Qualifiers
//! are sorted by key as the spec requires; every component is percent-encoded except the
//! unreserved characters and `:` (which the spec says is never encoded).

use std::fmt::Write;

use tollgate_facts::{Distro, Ecosystem, Package};

/// The OSV ecosystem string of a distribution release (`Debian:12`, `Alpine:v3.11`,
/// `Ubuntu:22.04:LTS`), or the bare ecosystem when the release is unknown; empty for a
/// distribution OSV does not know.
pub fn distro_ecosystem(distro: &Distro) -> String {
    let version = distro.version.trim();
    let major = version.split('.').next().unwrap_or("");
    let major_minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let scoped = |ecosystem: &str, release: &str| {
        if release.is_empty() {
            ecosystem.to_string()
        } else {
            format!("{ecosystem}:{release}")
        }
    };
    match distro.id.as_str() {
        "debian" => scoped("Debian", major),
        "ubuntu" => {
            // Even years' April releases are the long-term ones.
            let lts = version.ends_with(".04")
                && major.parse::<u32>().is_ok_and(|year| year % 2 == 0)
                || distro.name.contains("LTS");
            if lts && !version.is_empty() {
                format!("Ubuntu:{version}:LTS")
            } else {
                scoped("Ubuntu", version)
            }
        }
        "alpine" => {
            if major_minor.is_empty() {
                "Alpine".to_string()
            } else {
                format!("Alpine:v{major_minor}")
            }
        }
        "almalinux" => scoped("AlmaLinux", major),
        "rocky" => scoped("Rocky Linux", major),
        // Red Hat scopes by product CPE, which os-release does not give: the matcher treats
        // this as a prefix of `Red Hat:enterprise_linux:9::baseos` and its siblings.
        "rhel" => scoped("Red Hat:enterprise_linux", major),
        "sles" | "sle_hpc" | "sle-micro" => scoped("SUSE", distro.name.trim()),
        id if id.starts_with("opensuse") => scoped("openSUSE", distro.name.trim()),
        "azurelinux" | "mariner" => scoped("Azure Linux", &major_minor),
        "photon" => scoped("Photon OS", &major_minor),
        "mageia" => scoped("Mageia", major),
        "openeuler" => scoped("openEuler", version),
        "wolfi" => "Wolfi".to_string(),
        "chainguard" => "Chainguard".to_string(),
        _ => String::new(),
    }
}

/// The package URL of a package, with the image's distribution for OS packages.
pub fn package_url(package: &Package, distro: Option<&Distro>) -> String {
    let distro_qualifier = distro.and_then(|distro| {
        let release = if distro.version.is_empty() {
            &distro.codename
        } else {
            &distro.version
        };
        (!distro.id.is_empty()).then(|| {
            if release.is_empty() {
                distro.id.clone()
            } else {
                format!("{}-{}", distro.id, release)
            }
        })
    });
    let os_namespace = |fallback: &str| match distro {
        Some(distro) if !distro.id.is_empty() => distro.id.clone(),
        _ => fallback.to_string(),
    };
    let name = package.name.as_str();
    let version = package.version.as_str();
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    let (kind, namespace, name, version): (&str, Option<String>, &str, &str) =
        match package.ecosystem {
            Ecosystem::Deb | Ecosystem::Apk => {
                let (kind, fallback) = if package.ecosystem == Ecosystem::Deb {
                    ("deb", "debian")
                } else {
                    ("apk", "alpine")
                };
                push_os_qualifiers(package, distro_qualifier, &mut qualifiers);
                (kind, Some(os_namespace(fallback)), name, version)
            }
            Ecosystem::Rpm => {
                // The epoch is a qualifier; the purl version is `version-release`.
                let (epoch, rest) = match version.split_once(':') {
                    Some((epoch, rest))
                        if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        (Some(epoch), rest)
                    }
                    _ => (None, version),
                };
                push_os_qualifiers(package, distro_qualifier, &mut qualifiers);
                if let Some(epoch) = epoch {
                    qualifiers.push(("epoch", epoch.to_string()));
                }
                let namespace = distro.filter(|d| !d.id.is_empty()).map(|d| d.id.clone());
                ("rpm", namespace, name, rest)
            }
            Ecosystem::Python => {
                // The purl spec lowercases PyPI names and spells `_` as `-`.
                let normal = name.to_ascii_lowercase().replace('_', "-");
                return format_purl("pypi", None, &normal, version, &qualifiers);
            }
            Ecosystem::Npm => match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
                Some((scope, base)) => ("npm", Some(format!("@{scope}")), base, version),
                None => ("npm", None, name, version),
            },
            Ecosystem::Java => match name.split_once(':') {
                Some((group, artifact)) => ("maven", Some(group.to_string()), artifact, version),
                None => ("maven", None, name, version),
            },
            Ecosystem::Go => match name.rsplit_once('/') {
                Some((namespace, base)) => ("golang", Some(namespace.to_string()), base, version),
                None => ("golang", None, name, version),
            },
            Ecosystem::Composer => match name.split_once('/') {
                Some((vendor, base)) => ("composer", Some(vendor.to_string()), base, version),
                None => ("composer", None, name, version),
            },
            Ecosystem::Gem => ("gem", None, name, version),
            Ecosystem::Cargo => ("cargo", None, name, version),
            Ecosystem::Nuget => ("nuget", None, name, version),
            Ecosystem::Unknown => return String::new(),
        };
    format_purl(kind, namespace.as_deref(), name, version, &qualifiers)
}

fn push_os_qualifiers(
    package: &Package,
    distro: Option<String>,
    qualifiers: &mut Vec<(&str, String)>,
) {
    if !package.architecture.is_empty() {
        qualifiers.push(("arch", package.architecture.clone()));
    }
    if let Some(distro) = distro {
        qualifiers.push(("distro", distro));
    }
    if !package.source_name.is_empty() && package.source_name != package.name {
        let upstream = if package.source_version.is_empty() {
            package.source_name.clone()
        } else {
            format!("{}@{}", package.source_name, package.source_version)
        };
        qualifiers.push(("upstream", upstream));
    }
}

fn format_purl(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, String)],
) -> String {
    let mut purl = format!("pkg:{kind}/");
    if let Some(namespace) = namespace.filter(|namespace| !namespace.is_empty()) {
        for segment in namespace.split('/').filter(|segment| !segment.is_empty()) {
            purl.push_str(&encode(segment));
            purl.push('/');
        }
    }
    purl.push_str(&encode(name));
    if !version.is_empty() {
        purl.push('@');
        purl.push_str(&encode(version));
    }
    let mut sorted: Vec<&(&str, String)> = qualifiers
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
    sorted.sort_by_key(|(key, _)| *key);
    for (index, (key, value)) in sorted.into_iter().enumerate() {
        purl.push(if index == 0 { '?' } else { '&' });
        purl.push_str(key);
        purl.push('=');
        purl.push_str(&encode(value));
    }
    purl
}

/// Percent-encodes everything but the unreserved characters and `:`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, version: &str) -> Distro {
        Distro {
            id: id.into(),
            version: version.into(),
            ..Distro::default()
        }
    }

    #[test]
    fn distro_ecosystems_follow_osv_names() {
        assert_eq!(distro_ecosystem(&distro("debian", "12")), "Debian:12");
        assert_eq!(
            distro_ecosystem(&distro("alpine", "3.11.5")),
            "Alpine:v3.11"
        );
        assert_eq!(
            distro_ecosystem(&distro("ubuntu", "22.04")),
            "Ubuntu:22.04:LTS"
        );
        assert_eq!(distro_ecosystem(&distro("ubuntu", "23.10")), "Ubuntu:23.10");
        assert_eq!(distro_ecosystem(&distro("almalinux", "9.3")), "AlmaLinux:9");
        assert_eq!(distro_ecosystem(&distro("debian", "")), "Debian");
        assert_eq!(distro_ecosystem(&distro("plan9", "4")), "");
    }

    #[test]
    fn purls_follow_the_spec() {
        let deb = Package {
            name: "openssl".into(),
            version: "3.0.11-1~deb12u2".into(),
            ecosystem: Ecosystem::Deb,
            architecture: "amd64".into(),
            source_name: "openssl".into(),
            ..Package::default()
        };
        assert_eq!(
            package_url(&deb, Some(&distro("debian", "12"))),
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
        let rpm = Package {
            name: "ca-certificates-base".into(),
            version: "1:2.0.0-1.cm2".into(),
            ecosystem: Ecosystem::Rpm,
            architecture: "noarch".into(),
            ..Package::default()
        };
        assert_eq!(
            package_url(&rpm, Some(&distro("mariner", "2.0"))),
            "pkg:rpm/mariner/ca-certificates-base@2.0.0-1.cm2?arch=noarch&distro=mariner-2.0&epoch=1"
        );
        let npm = Package {
            name: "@actions/core".into(),
            version: "1.2.6".into(),
            ecosystem: Ecosystem::Npm,
            ..Package::default()
        };
        assert_eq!(package_url(&npm, None), "pkg:npm/%40actions/core@1.2.6");
        let python = Package {
            name: "zope-interface".into(),
            version: "5.0+x".into(),
            ecosystem: Ecosystem::Python,
            ..Package::default()
        };
        assert_eq!(
            package_url(&python, None),
            "pkg:pypi/zope-interface@5.0%2Bx"
        );
        let go = Package {
            name: "github.com/opencontainers/go-digest".into(),
            version: "v1.0.0".into(),
            ecosystem: Ecosystem::Go,
            ..Package::default()
        };
        assert_eq!(
            package_url(&go, None),
            "pkg:golang/github.com/opencontainers/go-digest@v1.0.0"
        );
        let maven = Package {
            name: "org.opensaml:opensaml-core".into(),
            version: "3.4.6".into(),
            ecosystem: Ecosystem::Java,
            ..Package::default()
        };
        assert_eq!(
            package_url(&maven, None),
            "pkg:maven/org.opensaml/opensaml-core@3.4.6"
        );
    }
}
