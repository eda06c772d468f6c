//! The policy-language sources shipped with Tollgate, embedded in the binary: the facts schema
//! (`std.schema`), the builtin function signatures (`std.builtins`) and the standard policy
//! modules (`std.default`, `std.vulns`, `std.anchore.*`, `std.dockle`).
//!
//! `std.schema` and `std.builtins` form the prelude: every policy file sees their names without
//! an import. Other modules are brought in with `import std.NAME`.

/// One embedded source file: its module name, its path (relative to the stdlib root, used in
/// diagnostics and as the salsa input's path) and its text.
pub type StdSource = (&'static str, &'static str, &'static str);

const SOURCES: &[StdSource] = &[
    (
        "std.schema",
        "std/schema.tg",
        include_str!("../std/schema.tg"),
    ),
    (
        "std.builtins",
        "std/builtins.tg",
        include_str!("../std/builtins.tg"),
    ),
    ("std.vulns", "std/vulns.tg", include_str!("../std/vulns.tg")),
    (
        "std.default",
        "std/default.tg",
        include_str!("../std/default.tg"),
    ),
    (
        "std.anchore.vulnerabilities",
        "std/anchore/vulnerabilities.tg",
        include_str!("../std/anchore/vulnerabilities.tg"),
    ),
    (
        "std.anchore.dockerfile",
        "std/anchore/dockerfile.tg",
        include_str!("../std/anchore/dockerfile.tg"),
    ),
    (
        "std.anchore.files",
        "std/anchore/files.tg",
        include_str!("../std/anchore/files.tg"),
    ),
    (
        "std.anchore.passwd",
        "std/anchore/passwd.tg",
        include_str!("../std/anchore/passwd.tg"),
    ),
    (
        "std.anchore.packages",
        "std/anchore/packages.tg",
        include_str!("../std/anchore/packages.tg"),
    ),
    (
        "std.anchore.secrets",
        "std/anchore/secrets.tg",
        include_str!("../std/anchore/secrets.tg"),
    ),
    (
        "std.anchore.licenses",
        "std/anchore/licenses.tg",
        include_str!("../std/anchore/licenses.tg"),
    ),
    (
        "std.anchore.metadata",
        "std/anchore/metadata.tg",
        include_str!("../std/anchore/metadata.tg"),
    ),
    (
        "std.anchore.distro",
        "std/anchore/distro.tg",
        include_str!("../std/anchore/distro.tg"),
    ),
    (
        "std.anchore.drift",
        "std/anchore/drift.tg",
        include_str!("../std/anchore/drift.tg"),
    ),
    (
        "std.dockle",
        "std/dockle.tg",
        include_str!("../std/dockle.tg"),
    ),
];

/// Module names whose declarations every policy file sees without an import.
pub const PRELUDE_MODULES: &[&str] = &["std.schema", "std.builtins"];

/// Every embedded source: `(module name, path, text)`, prelude first.
pub fn sources() -> &'static [StdSource] {
    SOURCES
}

/// The text of one embedded module, by module name.
pub fn source(module: &str) -> Option<&'static str> {
    SOURCES
        .iter()
        .find(|(name, _, _)| *name == module)
        .map(|(_, _, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_declares_its_module() {
        for (module, path, text) in sources() {
            assert!(path.ends_with(".tg"), "{path}");
            assert!(
                text.contains(&format!("\nmodule {module}\n")),
                "{path} does not declare `{module}`"
            );
        }
    }

    #[test]
    fn prelude_modules_are_embedded() {
        for module in PRELUDE_MODULES {
            assert!(source(module).is_some(), "{module}");
        }
        assert!(source("std.nothing").is_none());
    }

    #[test]
    fn schema_declares_every_facts_record() {
        let schema = source("std.schema").unwrap();
        for record in [
            "Image",
            "Distro",
            "Config",
            "Port",
            "Healthcheck",
            "HistoryEntry",
            "Layer",
            "File",
            "Package",
            "PackageRef",
            "Vulnerability",
            "Secret",
            "User",
            "Group",
            "DatabaseInfo",
        ] {
            assert!(
                schema.contains(&format!("\ntype {record} {{\n")),
                "{record}"
            );
        }
        for enumeration in [
            "Severity",
            "Ecosystem",
            "FileKind",
            "FixState",
            "PasswordState",
        ] {
            assert!(
                schema.contains(&format!("\nenum {enumeration} {{")),
                "{enumeration}"
            );
        }
    }
}
