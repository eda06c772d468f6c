//! The OSV record as read from JSON or YAML: only the fields the database uses, every one
//! optional except `id` and `modified` (the schema requires both), unknown fields ignored,
//! `null` read as empty. YAML records (the PyPA advisory database) are converted to JSON
//! values first, with every scalar kept as its text: a YAML 1.2 loader leaves unquoted
//! timestamps as strings, and versions such as `1.10` keep their digits.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// One OSV record.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Record {
    pub id: String,
    pub modified: String,
    #[serde(default, deserialize_with = "nullable")]
    pub published: String,
    #[serde(default, deserialize_with = "nullable")]
    pub withdrawn: String,
    #[serde(default, deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub upstream: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub summary: String,
    #[serde(default, deserialize_with = "nullable")]
    pub details: String,
    #[serde(default, deserialize_with = "nullable")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "nullable")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "nullable")]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub database_specific: Value,
}

/// A `severity` entry: `{type: CVSS_V3, score: "CVSS:3.1/..."}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SeverityEntry {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub score: String,
}

/// An `affected` entry.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Affected {
    #[serde(default, deserialize_with = "nullable")]
    pub package: PackageId,
    #[serde(default, deserialize_with = "nullable")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "nullable")]
    pub versions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default)]
    pub ecosystem_specific: Value,
    #[serde(default)]
    pub database_specific: Value,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PackageId {
    #[serde(default, deserialize_with = "nullable")]
    pub ecosystem: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Range {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub events: Vec<Event>,
}

/// One range event: exactly one of the four fields is set.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Event {
    #[serde(default, deserialize_with = "nullable")]
    pub introduced: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub fixed: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub last_affected: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub limit: Option<String>,
}

/// A `references[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Reference {
    #[serde(default, deserialize_with = "nullable")]
    pub url: String,
}

/// Reads `null` as the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses one OSV record from JSON bytes.
pub(crate) fn from_json(bytes: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(bytes).map_err(|err| err.to_string())
}

/// Parses one OSV record from YAML text.
pub(crate) fn from_yaml(bytes: &[u8]) -> Result<Record, String> {
    let text = std::str::from_utf8(bytes).map_err(|err| format!("not UTF-8: {err}"))?;
    let documents = YamlLoader::load_from_str(text).map_err(|err| err.to_string())?;
    let [document] = documents.as_slice() else {
        return Err(format!(
            "expected one YAML document, found {}",
            documents.len()
        ));
    };
    let value = yaml_to_json(document, 0)?;
    serde_json::from_value(value).map_err(|err| err.to_string())
}

/// Nesting deeper than this is refused: records are shallow, and recursion must stay bounded.
const MAX_DEPTH: usize = 64;

fn yaml_to_json(yaml: &Yaml, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("YAML nested too deeply".to_string());
    }
    Ok(match yaml {
        // Scalars keep their text: versions, timestamps and ids are strings in OSV.
        Yaml::Real(text) | Yaml::String(text) => Value::String(text.clone()),
        Yaml::Integer(number) => Value::String(number.to_string()),
        Yaml::Boolean(flag) => Value::Bool(*flag),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| yaml_to_json(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(map) => {
            let mut object = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Yaml::String(text) | Yaml::Real(text) => text.clone(),
                    Yaml::Integer(number) => number.to_string(),
                    Yaml::Boolean(flag) => flag.to_string(),
                    _ => return Err("a YAML mapping key is not a scalar".to_string()),
                };
                object.insert(key, yaml_to_json(value, depth + 1)?);
            }
            Value::Object(object)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_yaml_timestamps_stay_text() {
        let record = from_yaml(
            b"id: PYSEC-1\nmodified: 2021-06-01T00:00:00.123Z\npublished: 2021-05-01T10:00:00Z\naffected:\n- package: {name: x, ecosystem: PyPI}\n  versions: [1.10, '2.0']\n",
        )
        .unwrap();
        assert_eq!(record.modified, "2021-06-01T00:00:00.123Z");
        assert_eq!(record.published, "2021-05-01T10:00:00Z");
        assert_eq!(record.affected[0].versions, ["1.10", "2.0"]);
    }

    #[test]
    fn nulls_read_as_empty() {
        let record = from_json(
            br#"{"id":"X","modified":"2024-01-01T00:00:00Z","aliases":null,"affected":null}"#,
        )
        .unwrap();
        assert!(record.aliases.is_empty());
        assert!(record.affected.is_empty());
    }
}
