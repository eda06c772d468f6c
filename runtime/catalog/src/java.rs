//! Java: jar, war and ear archives (and the Jenkins plugin forms). Each `pom.properties` in an
//! archive declares a Maven package `groupId:artifactId`; an archive without one is named by
//! its `META-INF/MANIFEST.MF` and its file name. Archives nested inside (Spring Boot's
//! `BOOT-INF/lib/*.jar`, a war's `WEB-INF/lib`) are read too, within a depth and size limit,
//! so a zip bomb or a deep nest costs a warning, not memory.

use std::io::{Cursor, Read};

use tollgate_facts::{Ecosystem, Package};

use crate::{Found, ends_with_ignore_case, split_name};

/// File name endings of Java archives.
pub(crate) const ARCHIVE_SUFFIXES: &[&str] = &[".jar", ".war", ".ear", ".jpi", ".hpi"];

/// How deep archives nest before the rest is skipped (the outer archive is depth 0).
const MAX_DEPTH: usize = 4;
/// Largest nested archive read into memory.
const MAX_NESTED_SIZE: u64 = 32 * 1024 * 1024;
/// Largest metadata entry (`pom.properties`, `MANIFEST.MF`) read.
const MAX_METADATA_SIZE: u64 = 1024 * 1024;
/// Bytes decompressed in total for one outer archive, nested ones included.
const MAX_TOTAL_INFLATE: u64 = 256 * 1024 * 1024;

/// Reads one archive at `path`.
pub(crate) fn parse_archive(path: &str, data: &[u8], out: &mut Found) {
    let mut budget = MAX_TOTAL_INFLATE;
    read_archive(path, true, data, 0, &mut budget, out);
}

fn read_archive(
    label: &str,
    outer: bool,
    data: &[u8],
    depth: usize,
    budget: &mut u64,
    out: &mut Found,
) {
    let mut archive = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(archive) => archive,
        Err(err) => {
            out.problem(format!(
                "`{}` is not a readable zip archive: {err}",
                entry_label(label)
            ));
            return;
        }
    };
    let mut properties: Vec<String> = Vec::new();
    let mut manifest: Option<String> = None;
    let mut nested: Vec<String> = Vec::new();
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(index) else {
            continue;
        };
        let name = entry.name().to_string();
        if entry.is_dir() {
            continue;
        }
        if name == "pom.properties" || name.ends_with("/pom.properties") {
            properties.push(name);
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest = Some(name);
        } else if ARCHIVE_SUFFIXES
            .iter()
            .any(|suffix| ends_with_ignore_case(&name, suffix))
        {
            nested.push(name);
        }
    }
    let path = if outer {
        String::new()
    } else {
        label.to_string()
    };
    let manifest =
        manifest.and_then(|name| read_entry(&mut archive, &name, MAX_METADATA_SIZE, budget, out));
    let manifest = manifest
        .map(|bytes| parse_manifest(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default();
    let licenses: Vec<String> = manifest_value(&manifest, "Bundle-License")
        .map(|license| license.split(',').next().unwrap_or("").trim().to_string())
        .filter(|license| !license.is_empty())
        .into_iter()
        .collect();
    let before = out.packages.len();
    for name in &properties {
        let Some(bytes) = read_entry(&mut archive, name, MAX_METADATA_SIZE, budget, out) else {
            continue;
        };
        let properties = parse_properties(&String::from_utf8_lossy(&bytes));
        let get = |key: &str| {
            properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let (group, artifact, version) = (get("groupId"), get("artifactId"), get("version"));
        if artifact.is_empty() || version.is_empty() {
            continue;
        }
        out.packages.push(Package {
            name: if group.is_empty() {
                artifact.to_string()
            } else {
                format!("{group}:{artifact}")
            },
            version: version.to_string(),
            ecosystem: Ecosystem::Java,
            licenses: licenses.clone(),
            path: path.clone(),
            ..Package::default()
        });
    }
    if out.packages.len() == before
        && let Some(package) = manifest_package(label, &manifest)
    {
        out.packages.push(Package {
            licenses,
            path,
            ..package
        });
    }
    for name in nested {
        let inner_label = format!("{label}!/{name}");
        if depth + 1 > MAX_DEPTH {
            out.problem(format!(
                "`{}` is nested deeper than {MAX_DEPTH} archives; it is not read",
                entry_label(&inner_label)
            ));
            continue;
        }
        let Some(bytes) = read_entry(&mut archive, &name, MAX_NESTED_SIZE, budget, out) else {
            continue;
        };
        read_archive(&inner_label, false, &bytes, depth + 1, budget, out);
    }
}

/// The part of a nested label after the outer archive (the caller names the outer file).
fn entry_label(label: &str) -> &str {
    match label.split_once("!/") {
        Some((_, inner)) => inner,
        None => split_name(label).1,
    }
}

/// Reads one entry, refusing more than `limit` bytes or more than the remaining budget.
fn read_entry<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
    budget: &mut u64,
    out: &mut Found,
) -> Option<Vec<u8>> {
    let allowed = limit.min(*budget);
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(err) => {
            out.problem(format!("entry `{name}` cannot be read: {err}"));
            return None;
        }
    };
    if entry.size() > allowed {
        out.problem(format!(
            "entry `{name}` is larger than the {allowed} byte limit; it is not read"
        ));
        return None;
    }
    let mut bytes = Vec::new();
    let result = entry.take(allowed + 1).read_to_end(&mut bytes);
    *budget = budget.saturating_sub(bytes.len() as u64);
    match result {
        Ok(_) if bytes.len() as u64 > allowed => {
            out.problem(format!(
                "entry `{name}` inflates past the {allowed} byte limit; it is not read"
            ));
            None
        }
        Ok(_) => Some(bytes),
        Err(err) => {
            out.problem(format!("entry `{name}` cannot be read: {err}"));
            None
        }
    }
}

/// The main section of a manifest: `Name: value` lines, continuation lines starting with one
/// space, ending at the first blank line.
pub(crate) fn parse_manifest(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if fields.is_empty() {
                continue;
            }
            break;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(rest);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

fn manifest_value<'a>(manifest: &'a [(String, String)], key: &str) -> Option<&'a str> {
    manifest
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// `key=value` or `key:value` lines (whichever separator comes first), `#` comments.
pub(crate) fn parse_properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .filter_map(|line| {
            let at = line.find(['=', ':'])?;
            Some((
                line.get(..at)?.trim().to_string(),
                line.get(at + 1..)?.trim().to_string(),
            ))
        })
        .collect()
}

/// An archive without `pom.properties`: the artifact and version from a `NAME-VERSION.jar`
/// file name, completed by the manifest (the group from `Implementation-Vendor-Id` or from a
/// `Bundle-SymbolicName` that ends with the artifact).
fn manifest_package(label: &str, manifest: &[(String, String)]) -> Option<Package> {
    let file = split_name(label).1;
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let (file_artifact, file_version) = split_versioned_name(stem);
    let version = manifest_value(manifest, "Implementation-Version")
        .or_else(|| manifest_value(manifest, "Bundle-Version"))
        .or(file_version)?;
    let symbolic = manifest_value(manifest, "Bundle-SymbolicName")
        .map(|name| name.split(';').next().unwrap_or("").trim());
    let name = if file_version.is_some() {
        let group = manifest_value(manifest, "Implementation-Vendor-Id").or_else(|| {
            symbolic.and_then(|symbolic| symbolic.strip_suffix(file_artifact)?.strip_suffix('.'))
        });
        match group {
            Some(group) => format!("{group}:{file_artifact}"),
            None => file_artifact.to_string(),
        }
    } else {
        symbolic
            .filter(|name| !name.is_empty())
            .or_else(|| manifest_value(manifest, "Implementation-Title"))
            .unwrap_or(stem)
            .to_string()
    };
    (!name.is_empty()).then(|| Package {
        name,
        version: version.to_string(),
        ecosystem: Ecosystem::Java,
        ..Package::default()
    })
}

/// `jackson-annotations-2.15.0-rc2` → (`jackson-annotations`, `2.15.0-rc2`): the version
/// starts at the first `-` followed by a digit.
fn split_versioned_name(stem: &str) -> (&str, Option<&str>) {
    let bytes = stem.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        if *byte == b'-' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            return (stem.get(..at).unwrap_or(stem), stem.get(at + 1..));
        }
    }
    (stem, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_file_names_split() {
        assert_eq!(
            split_versioned_name("jackson-annotations-2.15.0-rc2"),
            ("jackson-annotations", Some("2.15.0-rc2"))
        );
        assert_eq!(split_versioned_name("app"), ("app", None));
    }
}
