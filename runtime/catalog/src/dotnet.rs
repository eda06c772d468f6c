//! .NET: an application's `*.deps.json`, whose `libraries` map names every NuGet package
//! (`"Name/Version": {"type": "package"}`) the application was built with; the application's
//! own projects (`"type": "project"`) are not packages.

use serde_json::Value;
use tollgate_facts::{Ecosystem, Package};

use crate::Found;

/// Reads one `.deps.json`.
pub(crate) fn parse_deps(data: &[u8], out: &mut Found) {
    let value: Value = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(err) => {
            out.problem(format!("invalid JSON: {err}"));
            return;
        }
    };
    let Some(libraries) = value.get("libraries").and_then(Value::as_object) else {
        out.problem("deps.json has no `libraries` object");
        return;
    };
    for (key, library) in libraries {
        if library.get("type").and_then(Value::as_str) != Some("package") {
            continue;
        }
        let Some((name, version)) = key.split_once('/') else {
            out.problem(format!(
                "library `{key}` is not `name/version`; it is skipped"
            ));
            continue;
        };
        out.packages.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            ecosystem: Ecosystem::Nuget,
            ..Package::default()
        });
    }
}
