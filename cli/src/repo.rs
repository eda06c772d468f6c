//! Finding policy sources: a single `.tg` file, a folder of them, or a policy repository with a
//! `tollgate.toml` manifest (name, version, source folders, params per profile, and mappings
//! from image references to the policies that apply).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{CliError, CliResult};

/// The manifest file name.
pub const MANIFEST: &str = "tollgate.toml";

/// A policy source file, read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it in diagnostics.
    pub display_path: String,
    /// The path relative to its source root, with `/` separators: the module name comes from it.
    pub relative: String,
    /// The text.
    pub text: String,
}

/// The policy sources of one check.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    pub manifest: Option<Manifest>,
    /// The folder the manifest lives in, when there is one.
    pub root: Option<PathBuf>,
}

/// `tollgate.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub policy: PolicySection,
    /// Param overrides that apply to every profile.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// Param overrides per profile (`--profile NAME`).
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Image reference patterns and the policies that apply to them; first match wins.
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    /// Tuning of the built-in secret rules.
    #[serde(default)]
    pub secrets: SecretsSection,
}

/// `[secrets]`: the built-in rules a repository turns off, and paths it never scans.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsSection {
    /// Ids of built-in rules to turn off (`generic-password`).
    #[serde(default)]
    pub disable: Vec<String>,
    /// Globs of paths never scanned (`/opt/app/testdata/**`).
    #[serde(default)]
    pub allow_paths: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "accepted and documented in tollgate.toml; shown by no command yet"
    )]
    pub description: String,
    /// Source folders relative to the manifest (default: the manifest's folder).
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
}

/// One mapping: images whose reference matches `image` get the rules of `policies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "names the mapping for people reading tollgate.toml"
    )]
    pub name: String,
    /// A glob over `registry/repository:tag` (`*` matches within a segment, `**` across `/`).
    pub image: String,
    /// Module names or qualified rule names; a module selects all of its rules.
    pub policies: Vec<String>,
}

impl Manifest {
    /// The first mapping whose pattern matches `reference`, if any.
    pub fn mapping_for(&self, reference: &str) -> Option<&Mapping> {
        self.mappings
            .iter()
            .find(|mapping| reference_matches(&mapping.image, reference))
    }

    /// Params of the base table overlaid by `profile`'s, as `NAME=VALUE` texts in the CLI form.
    pub fn params_for(&self, profile: Option<&str>) -> CliResult<Vec<(String, String)>> {
        let mut merged: BTreeMap<String, toml::Value> = self.params.clone();
        if let Some(name) = profile {
            let Some(profile) = self.profiles.get(name) else {
                let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
                return Err(
                    CliError::new(format!("no profile `{name}` in `{MANIFEST}`")).with_help(
                        if known.is_empty() {
                            "the manifest defines no profiles".to_string()
                        } else {
                            format!("profiles: {}", known.join(", "))
                        },
                    ),
                );
            };
            merged.extend(profile.params.clone());
        }
        Ok(merged
            .into_iter()
            .map(|(name, value)| (name, toml_to_param_text(&value)))
            .collect())
    }
}

/// The `--param` text form of a manifest value.
fn toml_to_param_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Array(items) => items
            .iter()
            .map(toml_to_param_text)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// Matches an image reference against a mapping pattern: `*` matches any run of characters
/// except `/`, `**` any run including `/`, `?` one character.
pub fn reference_matches(pattern: &str, reference: &str) -> bool {
    fn go(pattern: &[u8], text: &[u8]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some((b'*', rest)) => {
                let (crosses_slash, rest) = match rest.split_first() {
                    Some((b'*', after)) => (true, after),
                    _ => (false, rest),
                };
                for skip in 0..=text.len() {
                    let Some(skipped) = text.get(..skip) else {
                        return false;
                    };
                    if !crosses_slash && skipped.contains(&b'/') {
                        return false;
                    }
                    if go(rest, text.get(skip..).unwrap_or_default()) {
                        return true;
                    }
                }
                false
            }
            Some((b'?', rest)) => match text.split_first() {
                Some((_, text_rest)) => go(rest, text_rest),
                None => false,
            },
            Some((expected, rest)) => match text.split_first() {
                Some((actual, text_rest)) if actual == expected => go(rest, text_rest),
                _ => false,
            },
        }
    }
    go(pattern.as_bytes(), reference.as_bytes())
}

/// Loads the policy sources at `path` (a `.tg` file, a folder, or a repository), or, without a
/// path, the repository in the current folder. Returns `None` when there is no path and the
/// current folder holds no manifest (the caller then uses the stdlib's default policy).
pub fn load(path: Option<&Path>) -> CliResult<Option<Sources>> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|err| CliError::new(format!("cannot read the current folder: {err}")))?;
            if !cwd.join(MANIFEST).is_file() {
                return Ok(None);
            }
            cwd
        }
    };
    let metadata =
        std::fs::metadata(&path).map_err(|err| CliError::io("read policy", &path, &err))?;
    if metadata.is_file() {
        if path.file_name().and_then(|n| n.to_str()) == Some(MANIFEST) {
            let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
            return load_repository(&folder).map(Some);
        }
        let text = read_text(&path)?;
        let relative = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("policy.tg")
            .to_string();
        return Ok(Some(Sources {
            files: vec![SourceFile {
                display_path: path.display().to_string(),
                relative,
                text,
            }],
            manifest: None,
            root: None,
        }));
    }
    if path.join(MANIFEST).is_file() {
        return load_repository(&path).map(Some);
    }
    let mut files = Vec::new();
    collect_tg(&path, &path, &mut files)?;
    if files.is_empty() {
        return Err(CliError::new(format!(
            "no `.tg` files in `{}`",
            path.display()
        )));
    }
    Ok(Some(Sources {
        files,
        manifest: None,
        root: None,
    }))
}

fn load_repository(folder: &Path) -> CliResult<Sources> {
    let manifest_path = folder.join(MANIFEST);
    let text = read_text(&manifest_path)?;
    let manifest: Manifest = toml::from_str(&text).map_err(|err| {
        CliError::new(format!(
            "invalid manifest `{}`: {}",
            manifest_path.display(),
            err.message()
        ))
    })?;
    let roots: Vec<PathBuf> = if manifest.policy.sources.is_empty() {
        vec![folder.to_path_buf()]
    } else {
        manifest
            .policy
            .sources
            .iter()
            .map(|source| folder.join(source))
            .collect()
    };
    let mut files = Vec::new();
    for root in &roots {
        if !root.is_dir() {
            return Err(CliError::new(format!(
                "source folder `{}` named in `{}` does not exist",
                root.display(),
                manifest_path.display()
            )));
        }
        collect_tg(root, root, &mut files)?;
    }
    Ok(Sources {
        files,
        manifest: Some(manifest),
        root: Some(folder.to_path_buf()),
    })
}

/// Every `.tg` file below `dir`, sorted, skipping hidden folders and `target`.
fn collect_tg(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) -> CliResult<()> {
    let entries = std::fs::read_dir(dir).map_err(|err| CliError::io("read folder", dir, &err))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            collect_tg(root, &path, files)?;
        } else if name.ends_with(".tg") {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = read_text(&path)?;
            files.push(SourceFile {
                display_path: path.display().to_string(),
                relative,
                text,
            });
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> CliResult<String> {
    let bytes = std::fs::read(path).map_err(|err| CliError::io("read", path, &err))?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::new(format!("`{}` is not valid UTF-8", path.display())))
}

/// Whether a mapping's policy selector (a qualified rule name, or a module name, which selects
/// the rules of that module and of the modules below it) selects the qualified rule `rule`.
pub fn selects(selector: &str, rule: &str) -> bool {
    rule == selector
        || rule
            .strip_prefix(selector)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Every `.tg` file at `path` (a file or a folder, recursively), for the formatter.
pub fn load_files(path: &Path) -> CliResult<Vec<SourceFile>> {
    let metadata = std::fs::metadata(path).map_err(|err| CliError::io("read", path, &err))?;
    if metadata.is_file() {
        let text = read_text(path)?;
        let relative = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        return Ok(vec![SourceFile {
            display_path: path.display().to_string(),
            relative,
            text,
        }]);
    }
    let mut files = Vec::new();
    collect_tg(path, path, &mut files)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_patterns() {
        assert!(reference_matches(
            "registry.example.com/prod/*:*",
            "registry.example.com/prod/api:1.0"
        ));
        assert!(!reference_matches(
            "registry.example.com/prod/*:*",
            "registry.example.com/prod/a/b:1"
        ));
        assert!(reference_matches(
            "registry.example.com/**",
            "registry.example.com/prod/a/b:1"
        ));
        assert!(reference_matches("*", "alpine:3.11"));
        assert!(!reference_matches("*", "library/alpine:3.11"));
        assert!(reference_matches("**", "library/alpine:3.11"));
        assert!(reference_matches("alpine:3.1?", "alpine:3.11"));
        assert!(!reference_matches("alpine:3.1?", "alpine:3.1"));
    }

    #[test]
    fn manifest_mappings_and_profiles() {
        let manifest: Manifest = toml::from_str(
            r#"
            [policy]
            name = "acme"
            version = "1.0.0"
            sources = ["policies"]

            [params]
            max_fixable = "High"
            allowed_ports = [80, 443]

            [profiles.staging.params]
            max_fixable = "Critical"

            [[mappings]]
            name = "prod"
            image = "registry.example.com/prod/**"
            policies = ["acme.prod"]

            [[mappings]]
            name = "everything else"
            image = "**"
            policies = ["acme.base"]
            "#,
        )
        .unwrap();
        assert_eq!(
            manifest
                .mapping_for("registry.example.com/prod/api:1")
                .unwrap()
                .name,
            "prod"
        );
        assert_eq!(
            manifest
                .mapping_for("docker.io/library/alpine:3")
                .unwrap()
                .name,
            "everything else"
        );
        let base = manifest.params_for(None).unwrap();
        assert_eq!(
            base,
            vec![
                ("allowed_ports".into(), "80,443".into()),
                ("max_fixable".into(), "High".into())
            ]
        );
        let staging = manifest.params_for(Some("staging")).unwrap();
        assert!(staging.contains(&("max_fixable".into(), "Critical".into())));
        let err = manifest.params_for(Some("prod")).unwrap_err();
        assert_eq!(err.message, "no profile `prod` in `tollgate.toml`");
    }
}
