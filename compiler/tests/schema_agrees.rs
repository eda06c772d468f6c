//! `stdlib/std/schema.tg` agrees with the runtime's facts types field for field: every record
//! of the JSON Schema derived from `tollgate_facts::Image` has a `type` declaration with the
//! same fields, in the same order, of the corresponding kind (optional where the Rust field is
//! an `Option`, a list where it is a `Vec`, a map where it is a `BTreeMap`), and every enum
//! declares the values the JSON form uses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed expectation should stop the test with its message

use serde_json::Value;
use tollgate_compiler::Compiler;
use tollgate_compiler::types::Type;

/// The definition of `name` in the JSON Schema (the root for `Image`).
fn definition<'a>(schema: &'a Value, name: &str) -> &'a Value {
    if name == "Image" {
        return schema;
    }
    schema["$defs"]
        .get(name)
        .unwrap_or_else(|| panic!("the facts JSON Schema has no `{name}`"))
}

/// The JSON Schema kind of a property: `array`, `object`, `string`, `integer` ... and whether
/// `null` is allowed.
fn kind(schema: &Value, property: &Value) -> (String, bool) {
    if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
        let target = reference.trim_start_matches("#/$defs/");
        let target = if reference == "#" {
            schema
        } else {
            definition(schema, target)
        };
        return kind(schema, target);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = property.get(key).and_then(Value::as_array) {
            let nullable = options
                .iter()
                .any(|o| o.get("type") == Some(&Value::from("null")));
            let other = options
                .iter()
                .find(|o| o.get("type") != Some(&Value::from("null")))
                .unwrap();
            let (inner, inner_null) = kind(schema, other);
            return (inner, nullable || inner_null);
        }
    }
    if property.get("enum").is_some() {
        return ("string".to_string(), false);
    }
    match property.get("type") {
        Some(Value::String(t)) => (t.clone(), false),
        Some(Value::Array(types)) => {
            let nullable = types.iter().any(|t| t == "null");
            let other = types
                .iter()
                .find(|t| *t != "null")
                .and_then(Value::as_str)
                .unwrap();
            (other.to_string(), nullable)
        }
        _ => panic!("unexpected property schema {property}"),
    }
}

fn expected_kind(ty: &Type) -> (&'static str, bool) {
    let nullable = ty.is_optional();
    let kind = match ty.non_optional() {
        Type::Bool => "boolean",
        Type::Int => "integer",
        Type::Float => "number",
        Type::String | Type::Version | Type::Date | Type::Time | Type::Duration | Type::Enum(_) => {
            "string"
        }
        Type::List(_) | Type::Set(_) => "array",
        Type::Map(_, _) | Type::Record(_) => "object",
        other => panic!("unexpected schema type {other}"),
    };
    (kind, nullable)
}

#[test]
fn schema_tg_matches_the_facts_types() {
    let schema = tollgate_facts::Image::json_schema();
    let mut compiler = Compiler::new();
    compiler.set_source("empty.tg", "");
    let program = compiler.typed_program().unwrap();
    let records: Vec<_> = program
        .records
        .iter()
        .filter(|r| &*r.decl.module == "std.schema")
        .collect();
    assert_eq!(records.len(), 15);
    for record in records {
        let definition = definition(&schema, &record.decl.name);
        let properties = definition["properties"].as_object().unwrap();
        let rust_fields: Vec<&str> = properties.keys().map(String::as_str).collect();
        let tg_fields: Vec<&str> = record.fields.iter().map(|f| &*f.name).collect();
        let mut sorted_tg = tg_fields.clone();
        sorted_tg.sort_unstable();
        let mut sorted_rust = rust_fields.clone();
        sorted_rust.sort_unstable();
        assert_eq!(sorted_tg, sorted_rust, "fields of `{}`", record.decl.name);
        for field in &record.fields {
            let (json_kind, json_nullable) = kind(&schema, &properties[&*field.name]);
            let (tg_kind, tg_nullable) = expected_kind(&field.ty);
            assert_eq!(
                (tg_kind, tg_nullable),
                (json_kind.as_str(), json_nullable),
                "`{}.{}` is `{}` in schema.tg",
                record.decl.name,
                field.name,
                field.ty
            );
            assert!(
                !field.doc.is_empty(),
                "`{}.{}` has no doc",
                record.decl.name,
                field.name
            );
        }
    }
}

#[test]
fn schema_enums_match_the_facts_enums() {
    let mut compiler = Compiler::new();
    compiler.set_source("empty.tg", "");
    let program = compiler.typed_program().unwrap();
    let json = |name: &str| -> Vec<String> {
        program
            .enums
            .iter()
            .find(|e| &*e.decl.name == name && &*e.decl.module == "std.schema")
            .unwrap_or_else(|| panic!("no enum {name}"))
            .variants
            .iter()
            .map(|v| v.json.clone())
            .collect()
    };
    let strings = |all: Vec<String>| all;
    assert_eq!(
        json("Severity"),
        strings(
            tollgate_facts::Severity::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        )
    );
    assert_eq!(
        json("Ecosystem"),
        strings(
            tollgate_facts::Ecosystem::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        )
    );
    assert_eq!(
        json("FileKind"),
        strings(
            tollgate_facts::FileKind::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        )
    );
    assert_eq!(
        json("FixState"),
        strings(
            tollgate_facts::FixState::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        )
    );
    assert_eq!(
        json("PasswordState"),
        strings(
            tollgate_facts::PasswordState::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        )
    );
}
