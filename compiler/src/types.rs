//! The types of the policy language and the declarations they refer to (records and enums).
//!
//! A `Type` is a plain value: cheap to compare, hash and print. Record and enum types refer
//! to their declaration by `DeclRef` (module + name); the declarations themselves live in a
//! `TypeTable` (`crate::resolve`) built from every `type`/`enum` item of the program,
//! including the facts schema of `stdlib/std/schema.tg`.
//!
//! `Type::Error` is the type of an expression that already produced a diagnostic: every check
//! accepts it silently, so that one root cause yields one error.

use std::fmt;
use std::sync::Arc;

/// A reference to a declared record or enum: the module that declares it and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeclRef {
    /// The declaring module (`std.schema`, `acme.common`).
    pub module: Arc<str>,
    /// The declared name (`Vulnerability`).
    pub name: Arc<str>,
}

impl DeclRef {
    /// A reference to `name` declared in `module`.
    pub fn new(module: &str, name: &str) -> DeclRef {
        DeclRef {
            module: Arc::from(module),
            name: Arc::from(name),
        }
    }

    /// `module.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// A type of the policy language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `int`: a 64-bit signed integer.
    Int,
    /// `float`: a 64-bit float.
    Float,
    /// `string`.
    String,
    /// `version`: compares with its package's ecosystem ordering.
    Version,
    /// `date`: a calendar date (`2027-01-31`).
    Date,
    /// `duration`: a length of time (`30d`).
    Duration,
    /// `time`: an instant (RFC 3339).
    Time,
    /// `list<T>`.
    List(Box<Type>),
    /// `set<T>`.
    Set(Box<Type>),
    /// `map<K, V>`.
    Map(Box<Type>, Box<Type>),
    /// `T?`: a value of type `T`, or `none`. Never nested (`T??` is `T?`).
    Optional(Box<Type>),
    /// A record declared with `type NAME { ... }`.
    Record(DeclRef),
    /// An enum declared with `enum NAME { ... }`.
    Enum(DeclRef),
    /// The type of `none` before context gives it one: fits every optional.
    None,
    /// The element type of an empty collection literal (`[]`): fits every element type.
    Never,
    /// A type variable of a generic builtin signature (`T` in `first<T>(xs: list<T>) -> T?`).
    /// Never the type of a checked expression.
    Var(Arc<str>),
    /// The type of an expression that already has a diagnostic. Accepted everywhere.
    Error,
}

impl Type {
    /// `list<elem>`.
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `set<elem>`.
    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }

    /// `map<key, value>`.
    pub fn map(key: Type, value: Type) -> Type {
        Type::Map(Box::new(key), Box::new(value))
    }

    /// `inner?`; optional of an optional (or of `none`, or of an error) stays flat.
    pub fn optional(inner: Type) -> Type {
        match inner {
            Type::Optional(_) | Type::None | Type::Error => inner,
            other => Type::Optional(Box::new(other)),
        }
    }

    /// Whether this is `Error` (an expression that was already reported).
    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }

    /// Whether this type, or a type inside it, is `Error`.
    pub fn contains_error(&self) -> bool {
        match self {
            Type::Error => true,
            Type::List(t) | Type::Set(t) | Type::Optional(t) => t.contains_error(),
            Type::Map(k, v) => k.contains_error() || v.contains_error(),
            _ => false,
        }
    }

    /// Whether the value may be `none`.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_) | Type::None)
    }

    /// The type without its optional marker.
    pub fn non_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    /// The element type when this is a collection a `for` can iterate: a list's or set's
    /// element, a map's key.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(elem) | Type::Set(elem) => Some(elem),
            Type::Map(key, _) => Some(key),
            _ => None,
        }
    }

    /// Whether values of this type are ordered (`<`, `>=` ...) among themselves.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::Int
                | Type::Float
                | Type::String
                | Type::Version
                | Type::Date
                | Type::Duration
                | Type::Time
                | Type::Enum(_)
                | Type::Error
        )
    }

    /// Whether values of this type are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float | Type::Error)
    }

    /// Whether a message interpolation (or `to_string`) can print a value of this type:
    /// scalars, and collections or optionals of them.
    pub fn is_printable(&self) -> bool {
        match self {
            Type::Record(_) | Type::Var(_) => false,
            Type::List(t) | Type::Set(t) | Type::Optional(t) => t.is_printable(),
            Type::Map(k, v) => k.is_printable() && v.is_printable(),
            _ => true,
        }
    }

    /// Whether a value of type `self` can be used where `expected` is wanted, without any
    /// conversion: equal types, `Error` on either side, `none` for an optional, `T` for `T?`,
    /// and empty collections (`Never` elements) for any collection.
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (Type::Error, _) | (_, Type::Error) => true,
            (Type::Never, _) => true,
            (Type::None, Type::Optional(_)) => true,
            (Type::Optional(a), Type::Optional(b)) => a.fits(b),
            (a, Type::Optional(b)) => a.fits(b),
            (Type::List(a), Type::List(b)) | (Type::Set(a), Type::Set(b)) => a.fits(b),
            (Type::Map(ka, va), Type::Map(kb, vb)) => ka.fits(kb) && va.fits(vb),
            (a, b) => a == b,
        }
    }

    /// The smallest type both `self` and `other` fit, if any: used for the elements of a
    /// collection literal, the two sides of `??`, and comparisons.
    pub fn join(&self, other: &Type) -> Option<Type> {
        if self.fits(other) && !matches!(other, Type::Error) {
            return Some(other.clone());
        }
        if other.fits(self) {
            return Some(self.clone());
        }
        match (self, other) {
            (Type::None, t) | (t, Type::None) => Some(Type::optional(t.clone())),
            (Type::Optional(a), b) | (b, Type::Optional(a)) => a.join(b).map(Type::optional),
            (Type::List(a), Type::List(b)) => a.join(b).map(Type::list),
            (Type::Set(a), Type::Set(b)) => a.join(b).map(Type::set),
            (Type::Map(ka, va), Type::Map(kb, vb)) => Some(Type::map(ka.join(kb)?, va.join(vb)?)),
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::String => f.write_str("string"),
            Type::Version => f.write_str("version"),
            Type::Date => f.write_str("date"),
            Type::Duration => f.write_str("duration"),
            Type::Time => f.write_str("time"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Set(t) => write!(f, "set<{t}>"),
            Type::Map(k, v) => write!(f, "map<{k}, {v}>"),
            Type::Optional(t) => write!(f, "{t}?"),
            Type::Record(decl) | Type::Enum(decl) => f.write_str(&decl.name),
            Type::None => f.write_str("none"),
            Type::Never => f.write_str("_"),
            Type::Var(name) => f.write_str(name),
            Type::Error => f.write_str("{error}"),
        }
    }
}

/// One field of a record declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldDef {
    /// The field's name.
    pub name: Arc<str>,
    /// Its type.
    pub ty: Type,
    /// Its `///` documentation, lines joined with `\n`.
    pub doc: String,
}

/// A record declaration (`type NAME { ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordDef {
    /// Where it is declared and its name.
    pub decl: DeclRef,
    /// Its fields, in declaration order; `FieldRef::index` indexes this list.
    pub fields: Vec<FieldDef>,
    /// Its `///` documentation.
    pub doc: String,
}

impl RecordDef {
    /// The field called `name` and its index.
    pub fn field(&self, name: &str) -> Option<(usize, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, field)| &*field.name == name)
    }
}

/// One variant of an enum declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VariantDef {
    /// The variant's name as written (`NotFixed`).
    pub name: Arc<str>,
    /// Its JSON spelling: lowercase, `-` between words (`not-fixed`).
    pub json: String,
    /// Its `///` documentation.
    pub doc: String,
}

/// An enum declaration (`enum NAME { A, B }`). Its variants are ordered as declared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumDef {
    /// Where it is declared and its name.
    pub decl: DeclRef,
    /// Its variants, in order; a variant's ordinal is its index here.
    pub variants: Vec<VariantDef>,
    /// Its `///` documentation.
    pub doc: String,
}

impl EnumDef {
    /// The ordinal of the variant called `name`.
    pub fn variant(&self, name: &str) -> Option<usize> {
        self.variants
            .iter()
            .position(|variant| &*variant.name == name)
    }
}

/// The JSON spelling of an enum variant: `NotFixed` -> `not-fixed`, `High` -> `high`.
pub fn variant_json_name(variant: &str) -> String {
    let mut out = String::with_capacity(variant.len() + 2);
    for (index, ch) in variant.chars().enumerate() {
        if ch.is_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_follow_the_facts_spelling() {
        assert_eq!(variant_json_name("NotFixed"), "not-fixed");
        assert_eq!(variant_json_name("WontFix"), "wont-fix");
        assert_eq!(variant_json_name("Critical"), "critical");
    }

    #[test]
    fn optionals_accept_values_and_none() {
        let opt = Type::optional(Type::Version);
        assert!(Type::Version.fits(&opt));
        assert!(Type::None.fits(&opt));
        assert!(!opt.fits(&Type::Version));
        assert_eq!(Type::optional(opt.clone()), opt);
        assert_eq!(opt.to_string(), "version?");
    }

    #[test]
    fn joins_widen_to_optional_and_fill_empty_collections() {
        assert_eq!(Type::None.join(&Type::Int), Some(Type::optional(Type::Int)));
        assert_eq!(
            Type::list(Type::Never).join(&Type::list(Type::String)),
            Some(Type::list(Type::String))
        );
        assert_eq!(Type::Int.join(&Type::String), None);
    }
}
