//! The builtin functions declared in `stdlib/std/builtins.tg`, by name. Overloads (`len` of a
//! string or of a collection) are told apart by the argument's runtime kind.

use std::collections::HashMap;
use std::rc::Rc;

use tollgate_bytecode::PatternKind;
use tollgate_facts::{Date, Ecosystem, Timestamp};

use crate::access::ecosystem_of;
use crate::exec::{Fault, Machine};
use crate::link::compile_pattern;
use crate::value::{Rec, Str, Value, contains, display, into_set, total_cmp};

macro_rules! builtins {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A builtin function.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Builtin { $( #[doc = concat!("`", $name, "`")] $variant ),* }

        impl Builtin {
            /// The builtin of this name.
            pub fn from_name(name: &str) -> Option<Builtin> {
                match name { $( $name => Some(Builtin::$variant), )* _ => None }
            }

            /// Its name in the language.
            pub fn name(self) -> &'static str {
                match self { $( Builtin::$variant => $name ),* }
            }

            /// Every builtin.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),*];
        }
    };
}

builtins! {
    Len = "len", Lower = "lower", Upper = "upper", Trim = "trim", TrimPrefix = "trim_prefix",
    TrimSuffix = "trim_suffix", StartsWith = "starts_with", EndsWith = "ends_with", Contains = "contains",
    Split = "split", Replace = "replace", Join = "join", Basename = "basename", Dirname = "dirname",
    GlobMatch = "glob_match", RegexFind = "regex_find", IsEmpty = "is_empty", Keys = "keys", Values = "values",
    Get = "get", First = "first", Last = "last", Sorted = "sorted", ToSet = "to_set", ToList = "to_list",
    Version = "version", VersionOf = "version_of", Now = "now", Days = "days", Hours = "hours",
    Minutes = "minutes", Date = "date", Time = "time", InDays = "in_days", File = "file",
    ToString = "to_string", Int = "int", Float = "float",
    // Not declared in the stdlib: the lowering's form of the checker's date-to-time coercion.
    DateToTime = "$date_to_time",
}

fn wrong(builtin: Builtin, arguments: &[Value<'_>]) -> Fault {
    let kinds: Vec<&str> = arguments.iter().map(Value::kind).collect();
    Fault::Message(format!(
        "`{}` cannot take ({})",
        builtin.name(),
        kinds.join(", ")
    ))
}

fn text<'v>(value: &'v Value<'_>) -> Option<&'v str> {
    match value {
        Value::Str(text) | Value::Version(text, _) => Some(text.as_str()),
        _ => None,
    }
}

/// Calls a builtin.
pub(crate) fn call<'a>(
    machine: &mut Machine<'a>,
    builtin: Builtin,
    arguments: Vec<Value<'a>>,
) -> Result<Value<'a>, Fault> {
    let mut args = arguments.iter();
    let first = args.next();
    let second = args.next();
    let third = args.next();
    let first_text = first.and_then(text);
    let second_text = second.and_then(text);
    let bad = || wrong(builtin, &arguments);
    // Strings built here are bounded by the inputs' sizes times a small factor, except
    // `replace`, which is checked against the collection limit.
    if matches!(first, Some(Value::None)) {
        // An optional argument that is `none`: collections count as empty, conversions give
        // `none` back.
        match builtin {
            Builtin::Len => return Ok(Value::Int(0)),
            Builtin::IsEmpty => return Ok(Value::Bool(true)),
            Builtin::Version | Builtin::Float | Builtin::DateToTime | Builtin::Int => {
                return Ok(Value::None);
            }
            _ => {}
        }
    }
    Ok(match builtin {
        Builtin::DateToTime => match first {
            Some(Value::Date(date)) => date.start().map_or(Value::None, Value::Time),
            _ => return Err(bad()),
        },
        Builtin::Len => match first {
            Some(Value::Str(text)) => Value::Int(count(text.as_str().chars().count())),
            Some(value) => Value::Int(count(value.collection_len().ok_or_else(bad)?)),
            None => return Err(bad()),
        },
        Builtin::IsEmpty => match first {
            Some(Value::Str(text)) => Value::Bool(text.as_str().is_empty()),
            Some(value) => Value::Bool(value.collection_len().ok_or_else(bad)? == 0),
            None => return Err(bad()),
        },
        Builtin::Lower => Value::string(first_text.ok_or_else(bad)?.to_lowercase()),
        Builtin::Upper => Value::string(first_text.ok_or_else(bad)?.to_uppercase()),
        Builtin::Trim => match first {
            Some(Value::Str(Str::Borrowed(text))) => Value::str(text.trim()),
            _ => Value::string(first_text.ok_or_else(bad)?.trim().to_string()),
        },
        Builtin::TrimPrefix | Builtin::TrimSuffix => {
            let (subject, affix) = (first_text.ok_or_else(bad)?, second_text.ok_or_else(bad)?);
            let trimmed = if builtin == Builtin::TrimPrefix {
                subject.strip_prefix(affix)
            } else {
                subject.strip_suffix(affix)
            };
            Value::string(trimmed.unwrap_or(subject).to_string())
        }
        Builtin::StartsWith => Value::Bool(
            first_text
                .ok_or_else(bad)?
                .starts_with(second_text.ok_or_else(bad)?),
        ),
        Builtin::EndsWith => Value::Bool(
            first_text
                .ok_or_else(bad)?
                .ends_with(second_text.ok_or_else(bad)?),
        ),
        Builtin::Contains => {
            let (Some(haystack), Some(needle)) = (first, second) else {
                return Err(bad());
            };
            Value::Bool(contains(haystack, needle).ok_or_else(bad)?)
        }
        Builtin::Split => {
            let (subject, separator) = (first_text.ok_or_else(bad)?, second_text.ok_or_else(bad)?);
            let parts: Vec<Value<'a>> = if separator.is_empty() {
                subject
                    .chars()
                    .map(|ch| Value::string(ch.to_string()))
                    .collect()
            } else {
                subject
                    .split(separator)
                    .map(|part| Value::string(part.to_string()))
                    .collect()
            };
            Value::List(Rc::new(parts))
        }
        Builtin::Replace => {
            let subject = first_text.ok_or_else(bad)?;
            let (from, to) = (
                second_text.ok_or_else(bad)?,
                third.and_then(text).ok_or_else(bad)?,
            );
            let occurrences = if from.is_empty() {
                subject.chars().count() + 1
            } else {
                subject.matches(from).count()
            };
            if subject
                .len()
                .saturating_add(occurrences.saturating_mul(to.len()))
                > machine.max_collection.saturating_mul(64)
            {
                return Err(Fault::CollectionTooLarge);
            }
            Value::string(subject.replace(from, to))
        }
        Builtin::Join => {
            let parts = first.and_then(Value::elements).ok_or_else(bad)?;
            let separator = second_text.ok_or_else(bad)?;
            let mut joined = String::new();
            for (position, part) in parts.iter().enumerate() {
                if position > 0 {
                    joined.push_str(separator);
                }
                display(part, &machine.linked.enums, &mut joined);
            }
            Value::string(joined)
        }
        Builtin::Basename => {
            let path = first_text.ok_or_else(bad)?;
            let trimmed = path.trim_end_matches('/');
            Value::string(trimmed.rsplit('/').next().unwrap_or(trimmed).to_string())
        }
        Builtin::Dirname => {
            let path = first_text.ok_or_else(bad)?;
            let trimmed = path.trim_end_matches('/');
            let parent = match trimmed.rfind('/') {
                Some(0) => "/",
                Some(at) => trimmed.get(..at).unwrap_or(""),
                None => ".",
            };
            Value::string(parent.to_string())
        }
        Builtin::GlobMatch | Builtin::RegexFind => {
            let subject = first_text.ok_or_else(bad)?;
            let source = second_text.ok_or_else(bad)?;
            let is_regex = builtin == Builtin::RegexFind;
            let matcher = dynamic_pattern(&mut machine.dynamic_patterns, is_regex, source)?;
            match (&*matcher, is_regex) {
                (crate::link::Matcher::Regex(regex), true) => match regex.captures(subject) {
                    Some(captures) => {
                        let found = captures
                            .get(1)
                            .or_else(|| captures.get(0))
                            .map(|m| m.as_str())
                            .unwrap_or("");
                        Value::string(found.to_string())
                    }
                    None => Value::None,
                },
                (matcher, _) => Value::Bool(matcher.is_match(subject)),
            }
        }
        Builtin::Keys | Builtin::Values => match first {
            Some(Value::StrMap(map)) => Value::List(Rc::new(if builtin == Builtin::Keys {
                map.keys().map(|key| Value::str(key)).collect()
            } else {
                map.values().map(|value| Value::str(value)).collect()
            })),
            Some(Value::Map(entries)) => Value::List(Rc::new(
                entries
                    .iter()
                    .map(|(key, value)| {
                        if builtin == Builtin::Keys {
                            key.clone()
                        } else {
                            value.clone()
                        }
                    })
                    .collect(),
            )),
            _ => return Err(bad()),
        },
        Builtin::Get => {
            let (Some(map), Some(key)) = (first, second) else {
                return Err(bad());
            };
            match (map, key) {
                (Value::StrMap(map), Value::Str(key)) => {
                    map.get(key.as_str()).map_or(Value::None, |v| Value::str(v))
                }
                (Value::Map(entries), key) => entries
                    .iter()
                    .find(|(candidate, _)| crate::value::equal(candidate, key) == Some(true))
                    .map_or(Value::None, |(_, value)| value.clone()),
                _ => return Err(bad()),
            }
        }
        Builtin::First | Builtin::Last => {
            let collection = first.ok_or_else(bad)?;
            let len = collection.collection_len().ok_or_else(bad)?;
            let position = if builtin == Builtin::First {
                0
            } else {
                len.saturating_sub(1)
            };
            if len == 0 {
                Value::None
            } else {
                collection.element(position).unwrap_or(Value::None)
            }
        }
        Builtin::Sorted => {
            let mut items = first.and_then(Value::elements).ok_or_else(bad)?;
            items.sort_by(total_cmp);
            Value::List(Rc::new(items))
        }
        Builtin::ToSet => Value::Set(Rc::new(into_set(
            first.and_then(Value::elements).ok_or_else(bad)?,
        ))),
        Builtin::ToList => Value::List(Rc::new(first.and_then(Value::elements).ok_or_else(bad)?)),
        Builtin::Version => Value::Version(
            as_str(first.ok_or_else(bad)?).ok_or_else(bad)?,
            Ecosystem::Unknown,
        ),
        Builtin::VersionOf => {
            let ecosystem = match first {
                Some(Value::Enum(variant)) => ecosystem_of(*variant).ok_or_else(bad)?,
                _ => return Err(bad()),
            };
            Value::Version(as_str(second.ok_or_else(bad)?).ok_or_else(bad)?, ecosystem)
        }
        Builtin::Now => Value::Time(machine.now),
        Builtin::Days | Builtin::Hours | Builtin::Minutes => {
            let Some(Value::Int(n)) = first else {
                return Err(bad());
            };
            let unit = match builtin {
                Builtin::Days => 86_400,
                Builtin::Hours => 3_600,
                _ => 60,
            };
            Value::Duration(
                n.checked_mul(unit)
                    .ok_or_else(|| Fault::Message("duration overflow".to_string()))?,
            )
        }
        Builtin::InDays => {
            let Some(Value::Duration(seconds)) = first else {
                return Err(bad());
            };
            Value::Int(seconds.div_euclid(86_400))
        }
        Builtin::Date => first_text
            .ok_or_else(bad)?
            .trim()
            .parse::<Date>()
            .map_or(Value::None, Value::Date),
        Builtin::Time => first_text
            .ok_or_else(bad)?
            .parse::<Timestamp>()
            .map_or(Value::None, Value::Time),
        Builtin::File => {
            let path = first_text.ok_or_else(bad)?;
            let image = machine.image;
            let by_path = machine.files_by_path.get_or_insert_with(|| {
                let mut by_path = HashMap::with_capacity(image.files.len());
                for (position, file) in image.files.iter().enumerate() {
                    by_path.insert(file.path.as_str(), position);
                }
                by_path
            });
            by_path
                .get(path)
                .and_then(|position| image.files.get(*position))
                .map_or(Value::None, |file| Value::Rec(Rec::File(file)))
        }
        Builtin::ToString => {
            let mut out = String::new();
            display(first.ok_or_else(bad)?, &machine.linked.enums, &mut out);
            Value::string(out)
        }
        Builtin::Int => match first {
            Some(Value::Float(number)) if number.is_finite() => {
                #[allow(clippy::cast_possible_truncation)]
                // reason: truncation towards zero is `int`'s contract
                let truncated = number.trunc() as i64;
                Value::Int(truncated)
            }
            Some(Value::Float(_)) => {
                return Err(Fault::Message("`int` of a non-finite float".to_string()));
            }
            Some(Value::Int(number)) => Value::Int(*number),
            _ => first_text
                .ok_or_else(bad)?
                .trim()
                .parse::<i64>()
                .map_or(Value::None, Value::Int),
        },
        Builtin::Float => match first {
            #[allow(clippy::cast_precision_loss)]
            // reason: int-to-float conversion is `float`'s contract
            Some(Value::Int(number)) => Value::Float(*number as f64),
            Some(Value::Float(number)) => Value::Float(*number),
            _ => return Err(bad()),
        },
    })
}

fn as_str<'a>(value: &Value<'a>) -> Option<Str<'a>> {
    match value {
        Value::Str(text) | Value::Version(text, _) => Some(text.clone()),
        _ => None,
    }
}

fn count(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// Compiles a pattern given at run time once per evaluation.
fn dynamic_pattern(
    cache: &mut HashMap<(bool, String), Option<Rc<crate::link::Matcher>>>,
    is_regex: bool,
    source: &str,
) -> Result<Rc<crate::link::Matcher>, Fault> {
    let key = (is_regex, source.to_string());
    let entry = cache.entry(key).or_insert_with(|| {
        let kind = if is_regex {
            PatternKind::Regex
        } else {
            PatternKind::Glob
        };
        compile_pattern(kind, source).ok().map(Rc::new)
    });
    entry.clone().ok_or_else(|| {
        Fault::Message(format!(
            "invalid {} `{source}`",
            if is_regex { "regex" } else { "glob" }
        ))
    })
}
