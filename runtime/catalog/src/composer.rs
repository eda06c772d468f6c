//! PHP Composer: `vendor/composer/installed.json`, a JSON array of packages (Composer 1) or
//! an object whose `packages` holds it (Composer 2).

use serde_json::Value;
use tollgate_facts::{Ecosystem, Package};

use crate::Found;

/// Reads one `installed.json`.
pub(crate) fn parse_installed(data: &[u8], out: &mut Found) {
    let value: Value = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(err) => {
            out.problem(format!("invalid JSON: {err}"));
            return;
        }
    };
    let entries = match &value {
        Value::Array(entries) => entries,
        Value::Object(map) => match map.get("packages") {
            Some(Value::Array(entries)) => entries,
            _ => {
                out.problem("installed.json has no `packages` array");
                return;
            }
        },
        _ => {
            out.problem("installed.json is neither an array nor an object");
            return;
        }
    };
    let mut skipped = 0usize;
    for entry in entries {
        let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
        let version = entry.get("version").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() || version.is_empty() {
            skipped += 1;
            continue;
        }
        let licenses = match entry.get("license") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(text)) => vec![text.clone()],
            _ => Vec::new(),
        };
        out.packages.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            ecosystem: Ecosystem::Composer,
            licenses,
            ..Package::default()
        });
    }
    if skipped > 0 {
        out.problem(format!(
            "{skipped} entries have no `name` or no `version`; they are skipped"
        ));
    }
}
