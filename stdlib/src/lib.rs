//! The policy-language sources shipped with Tollgate, embedded in the binary: the facts schema
//! (`std.schema`), the builtin function signatures (`std.builtins`) and standard policy modules
//! (`std.vulns`).
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
    ("std.default", "std/default.tg", include_str!("../std/default.tg")),
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
