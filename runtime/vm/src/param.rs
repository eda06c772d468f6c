//! Param overrides from text (`--param NAME=VALUE`, manifests, profiles): the text is parsed
//! against the param's declared type, and a value that does not fit is refused with a message
//! saying what was expected.

use tollgate_bytecode::{Constant, Type};
use tollgate_facts::{Date, Duration, Timestamp};

use crate::access::facts_enums;
use crate::value::kebab;

/// Parses `text` as a value of type `ty`. Lists and sets are comma lists (`80,443`) or JSON
/// arrays (`["a,b", "c"]`); maps are JSON objects; enums take the variant's name in any case
/// or its JSON spelling (`High`, `high`, `Severity.High`, `not-fixed`); optionals take `none`.
pub fn parse_param(ty: &Type, text: &str) -> Result<Constant, String> {
    let trimmed = text.trim();
    match ty {
        Type::Bool => match trimmed {
            "true" => Ok(Constant::Bool(true)),
            "false" => Ok(Constant::Bool(false)),
            _ => Err(expected("`true` or `false`", text)),
        },
        Type::Int => trimmed
            .parse()
            .map(Constant::Int)
            .map_err(|_| expected("an integer", text)),
        Type::Float => trimmed
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .map(Constant::Float)
            .ok_or_else(|| expected("a number", text)),
        Type::String => Ok(Constant::String(text.to_string())),
        Type::Version => {
            if trimmed.is_empty() {
                Err(expected("a version", text))
            } else {
                Ok(Constant::Version(trimmed.to_string()))
            }
        }
        Type::Date => trimmed
            .parse::<Date>()
            .map(|date| Constant::Date(date.to_string()))
            .map_err(|_| expected("a date like `2027-01-31`", text)),
        Type::Time => trimmed
            .parse::<Timestamp>()
            .map(|time| Constant::Time(time.to_string()))
            .map_err(|_| expected("an RFC 3339 time like `2027-01-31T12:00:00Z`", text)),
        Type::Duration => trimmed
            .parse::<Duration>()
            .map(|duration| Constant::Duration(duration.seconds()))
            .map_err(|err| {
                format!("expected a duration like `30d` or `1h30m`, found `{text}` ({err})")
            }),
        Type::Enum(name) => parse_enum(name, trimmed),
        Type::Optional(inner) => {
            if trimmed == "none" {
                Ok(Constant::None)
            } else {
                parse_param(inner, text)
            }
        }
        Type::List(item) | Type::Set(item) => {
            let items = if trimmed.starts_with('[') {
                let parsed: Vec<serde_json::Value> = serde_json::from_str(trimmed)
                    .map_err(|err| format!("invalid JSON list `{text}`: {err}"))?;
                parsed
                    .iter()
                    .map(|element| parse_json(item, element))
                    .collect::<Result<Vec<_>, _>>()?
            } else if trimmed.is_empty() {
                Vec::new()
            } else {
                trimmed
                    .split(',')
                    .map(|part| parse_param(item, part.trim()))
                    .collect::<Result<Vec<_>, _>>()?
            };
            Ok(if matches!(ty, Type::Set(_)) {
                Constant::Set(items)
            } else {
                Constant::List(items)
            })
        }
        Type::Map(key, value) => {
            let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_str(trimmed)
                .map_err(|_| expected("a JSON object like `{\"key\": \"value\"}`", text))?;
            let entries = parsed
                .iter()
                .map(|(name, element)| Ok((parse_param(key, name)?, parse_json(value, element)?)))
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Constant::Map(entries))
        }
        Type::Record(name) => Err(format!("a `{name}` param cannot be given as text")),
    }
}

fn parse_json(ty: &Type, value: &serde_json::Value) -> Result<Constant, String> {
    match value {
        serde_json::Value::String(text) => parse_param(ty, text),
        serde_json::Value::Null => parse_param(ty, "none"),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            parse_param(ty, &value.to_string())
        }
        other => parse_param(ty, &other.to_string()),
    }
}

fn expected(what: &str, text: &str) -> String {
    format!("expected {what}, found `{text}`")
}

fn parse_enum(name: &str, text: &str) -> Result<Constant, String> {
    let bare = text
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(text);
    let enums = facts_enums();
    let Some((_, variants)) = enums.iter().find(|(known, _)| known == name) else {
        // A policy's own enum: the linker checks the variant when the param is resolved.
        let is_name = !bare.is_empty()
            && bare
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        return if is_name {
            Ok(Constant::Enum {
                ty: name.to_string(),
                variant: bare.to_string(),
            })
        } else {
            Err(expected(&format!("a `{name}` variant"), text))
        };
    };
    variants
        .iter()
        .find(|variant| variant.eq_ignore_ascii_case(bare) || kebab(variant) == bare)
        .map(|variant| Constant::Enum {
            ty: name.to_string(),
            variant: variant.clone(),
        })
        .ok_or_else(|| {
            format!(
                "expected one of {} (a `{name}`), found `{text}`",
                variants.join(", ")
            )
        })
}

/// Checks that a constant given as an override has the param's declared type.
pub(crate) fn check_fits(ty: &Type, value: &Constant) -> Result<(), String> {
    let fits = match (ty, value) {
        (Type::Optional(_), Constant::None) => true,
        (Type::Optional(inner), value) => return check_fits(inner, value),
        (Type::Bool, Constant::Bool(_))
        | (Type::Int, Constant::Int(_))
        | (Type::Float, Constant::Float(_) | Constant::Int(_))
        | (Type::String, Constant::String(_))
        | (Type::Version, Constant::Version(_) | Constant::String(_))
        | (Type::Date, Constant::Date(_))
        | (Type::Time, Constant::Time(_))
        | (Type::Duration, Constant::Duration(_)) => true,
        (Type::Enum(name), Constant::Enum { ty, .. }) => name == ty,
        (Type::List(item), Constant::List(items))
        | (Type::Set(item), Constant::Set(items) | Constant::List(items)) => {
            return items.iter().try_for_each(|value| check_fits(item, value));
        }
        (Type::Map(key, item), Constant::Map(entries)) => {
            return entries.iter().try_for_each(|(k, v)| {
                check_fits(key, k)?;
                check_fits(item, v)
            });
        }
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "expected a value of type `{ty}`, found `{}`",
            tollgate_bytecode::show_constant(value)
        ))
    }
}
