//! dpkg: the `/var/lib/dpkg/status` database, the distroless `status.d/` one-file-per-package
//! form, and license hints from `/usr/share/doc/<package>/copyright`.

use tollgate_facts::{Ecosystem, Package};

use crate::{Found, split_name, stanza};

/// Reads a dpkg status file (or one `status.d` entry): every installed package.
pub(crate) fn parse_status(data: &[u8], out: &mut Found) {
    let text = crate::text(data);
    let parsed = stanza::parse(&text, false);
    report_bad_lines(&parsed.bad_lines, out);
    for entry in &parsed.stanzas {
        let name = entry.get("Package").unwrap_or("");
        if name.is_empty() {
            out.problem(format!(
                "the stanza at line {} has no `Package` name; it is skipped",
                entry.line
            ));
            continue;
        }
        // Distroless `status.d` entries carry no `Status`: they are installed by definition.
        if let Some(status) = entry.get("Status")
            && !is_installed(status)
        {
            continue;
        }
        let version = entry.get("Version").unwrap_or("");
        if version.is_empty() {
            out.problem(format!(
                "package `{name}` at line {} has no `Version`; it is skipped",
                entry.line
            ));
            continue;
        }
        let (source_name, source_version) = match entry.get("Source") {
            Some(source) if !source.is_empty() => parse_source(source),
            _ => (name, None),
        };
        let source_version = source_version.filter(|source_version| *source_version != version);
        out.packages.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            ecosystem: Ecosystem::Deb,
            source_name: source_name.to_string(),
            source_version: source_version.unwrap_or("").to_string(),
            architecture: entry.get("Architecture").unwrap_or("").to_string(),
            ..Package::default()
        });
    }
}

/// Whether a `Status: want flag state` value means the package's files are on disk: every
/// state but `not-installed` and `config-files` (what `rc` shows).
fn is_installed(status: &str) -> bool {
    let state = status.split_whitespace().nth(2).unwrap_or("");
    !matches!(state, "not-installed" | "config-files" | "")
}

/// `Source: name (version)` or `Source: name`.
fn parse_source(source: &str) -> (&str, Option<&str>) {
    match source.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split(')').next().unwrap_or("").trim();
            (name.trim(), (!version.is_empty()).then_some(version))
        }
        None => (source.trim(), None),
    }
}

fn report_bad_lines(bad_lines: &[usize], out: &mut Found) {
    if let Some(first) = bad_lines.first() {
        let count = bad_lines.len();
        let lines = if count == 1 {
            "line".to_string()
        } else {
            format!("{count} lines")
        };
        out.problem(format!(
            "{lines} not in `Field: value` form (first at line {first}) ignored"
        ));
    }
}

/// Reads a `copyright` file: the licenses it declares become a hint for the package whose
/// doc folder holds it. Machine-readable (DEP-5) files name them in `License:` fields; older
/// free-form ones often point at `/usr/share/common-licenses/NAME`, used when there is no
/// `License:` field.
pub(crate) fn parse_copyright(path: &str, data: &[u8], out: &mut Found) {
    let package = split_name(split_name(path).0).1;
    let text = crate::text(data);
    let mut licenses: Vec<String> = Vec::new();
    let add = |license: &str, licenses: &mut Vec<String>| {
        let license = license
            .trim()
            .trim_end_matches([',', '.', ';', '\'', '"', '`'])
            .trim();
        if !license.is_empty() && !licenses.iter().any(|known| known == license) {
            licenses.push(license.to_string());
        }
    };
    for line in text.lines() {
        // Only lines that start with the field name are split: most lines are prose.
        if line
            .get(..8)
            .is_some_and(|head| head.eq_ignore_ascii_case("License:"))
        {
            add(line.get(8..).unwrap_or(""), &mut licenses);
        }
    }
    if licenses.is_empty() {
        const COMMON: &str = "/usr/share/common-licenses/";
        for (at, _) in text.match_indices(COMMON) {
            let rest = text.get(at + COMMON.len()..).unwrap_or("");
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
                .unwrap_or(rest.len());
            add(rest.get(..end).unwrap_or(""), &mut licenses);
        }
    }
    if !package.is_empty() && !licenses.is_empty() {
        out.license_hints.push((package.to_string(), licenses));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_field_forms() {
        assert_eq!(
            parse_source("util-linux (2.31.1-0.4ubuntu3.1)"),
            ("util-linux", Some("2.31.1-0.4ubuntu3.1"))
        );
        assert_eq!(parse_source("pam"), ("pam", None));
    }

    #[test]
    fn installed_states() {
        assert!(is_installed("install ok installed"));
        assert!(is_installed("hold ok half-configured"));
        assert!(!is_installed("deinstall ok config-files"));
        assert!(!is_installed("purge ok not-installed"));
    }
}
