//! The compiled content demand: which files' content and sha256 to capture during the pass,
//! and the system files the reader itself needs (os-release, passwd, group, shadow).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::ContentDemand;

/// Files the reader always captures, for the distro and the users and groups.
pub(crate) const SYSTEM_FILES: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
];

/// Bytes captured of a system file: far more than any real passwd or os-release.
pub(crate) const SYSTEM_FILE_CAP: u64 = 4 << 20;

/// [`ContentDemand`] with its globs compiled.
#[derive(Debug, Clone)]
pub(crate) struct Demand {
    content: GlobSet,
    sha256: GlobSet,
    pub(crate) max_bytes: u64,
}

impl Demand {
    /// Compiles the globs; an invalid glob is an error naming it.
    pub(crate) fn compile(demand: &ContentDemand) -> Result<Demand, String> {
        Ok(Demand {
            content: compile_globs(&demand.content)?,
            sha256: compile_globs(&demand.sha256)?,
            max_bytes: demand.max_bytes,
        })
    }

    /// Whether the content of `path` is demanded.
    pub(crate) fn wants_content(&self, path: &str) -> bool {
        !self.content.is_empty() && self.content.is_match(path)
    }

    /// Whether the sha256 of `path` is demanded.
    pub(crate) fn wants_sha256(&self, path: &str) -> bool {
        !self.sha256.is_empty() && self.sha256.is_match(path)
    }
}

/// Whether the reader captures `path` for itself.
pub(crate) fn is_system_file(path: &str) -> bool {
    SYSTEM_FILES.contains(&path)
}

fn compile_globs(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|err| format!("invalid content glob `{glob}`: {}", err.kind()))?;
        builder.add(compiled);
    }
    builder
        .build()
        .map_err(|err| format!("invalid content globs: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stays_in_one_segment() {
        let demand = Demand::compile(&ContentDemand {
            content: vec!["/etc/*.conf".into(), "/srv/**/config.json".into()],
            sha256: vec!["/usr/bin/*".into()],
            max_bytes: 10,
        })
        .unwrap();
        assert!(demand.wants_content("/etc/host.conf"));
        assert!(!demand.wants_content("/etc/sub/host.conf"));
        assert!(demand.wants_content("/srv/a/b/config.json"));
        assert!(demand.wants_sha256("/usr/bin/env"));
        assert!(!demand.wants_sha256("/usr/bin/x/y"));
    }

    #[test]
    fn invalid_glob_is_named() {
        let err = Demand::compile(&ContentDemand {
            content: vec!["/etc/[".into()],
            ..ContentDemand::default()
        })
        .unwrap_err();
        assert!(err.starts_with("invalid content glob `/etc/[`"), "{err}");
    }
}
