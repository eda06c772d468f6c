//! npm: the `package.json` of every package installed under a `node_modules` folder, nested
//! ones included. A project's own `package.json` (not under `node_modules`) declares no
//! installed package and is not read.

use serde_json::Value;
use tollgate_facts::{Ecosystem, Package};

use crate::{Found, split_name};

/// Whether a folder is an installed package's own folder: `…/node_modules/NAME` or
/// `…/node_modules/@SCOPE/NAME`. Files deeper in a package (tests, fixtures) are not.
pub(crate) fn is_installed_package_dir(folder: &str) -> bool {
    let (parent, name) = split_name(folder);
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    let (grandparent, parent_name) = split_name(parent);
    if parent_name == "node_modules" {
        return !name.starts_with('@');
    }
    parent_name.starts_with('@') && split_name(grandparent).1 == "node_modules"
}

/// Reads one installed package's `package.json`.
pub(crate) fn parse_package_json(data: &[u8], out: &mut Found) {
    let value: Value = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(err) => {
            out.problem(format!("invalid JSON: {err}"));
            return;
        }
    };
    let name = value.get("name").and_then(Value::as_str).unwrap_or("");
    let version = value.get("version").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() || version.is_empty() {
        out.problem("package.json has no `name` or no `version`; it is skipped");
        return;
    }
    out.packages.push(Package {
        name: name.to_string(),
        version: version.to_string(),
        ecosystem: Ecosystem::Npm,
        licenses: licenses(&value),
        ..Package::default()
    });
}

/// `license` as a string or `{type}`, or the deprecated `licenses` array of either.
pub(crate) fn licenses(value: &Value) -> Vec<String> {
    fn one(value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.trim().to_string()),
            Value::Object(map) => map
                .get("type")
                .and_then(Value::as_str)
                .map(|text| text.trim().to_string()),
            _ => None,
        }
        .filter(|text| !text.is_empty())
    }
    if let Some(license) = value.get("license").and_then(one) {
        return vec![license];
    }
    match value.get("licenses") {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}
