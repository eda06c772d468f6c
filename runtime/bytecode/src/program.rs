//! The program: constant pool, tables, rules, functions, params, exceptions, secret patterns
//! and the demand, plus the helpers a code generator uses to fill them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::op::Op;

/// A compiled policy: everything the VM needs, and nothing of the compiler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Source file paths; spans refer to them by index.
    pub files: Vec<String>,
    /// The constant pool.
    pub constants: Vec<Constant>,
    /// Regexes and globs, as source; the VM compiles each once when it links the program.
    pub patterns: Vec<Pattern>,
    /// Field references by name; the VM resolves each to a direct accessor when linking.
    pub fields: Vec<FieldRef>,
    /// Builtin functions by name; the VM resolves each when linking.
    pub builtins: Vec<String>,
    /// Enum types, with their variants in declaration (and ordering) order.
    pub enums: Vec<EnumDecl>,
    /// Params, one slot each.
    pub params: Vec<Param>,
    /// User functions.
    pub functions: Vec<Function>,
    /// Rules, in source order.
    pub rules: Vec<Rule>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// Secret patterns the policy adds to the scanner.
    pub secrets: Vec<SecretPattern>,
    /// What the program reads, so extraction does only that work.
    pub demand: Demand,
    /// Condition coverage probes, indexed by `Op::Probe`: empty unless the program was
    /// lowered for coverage (`tollgate test --coverage`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<Probe>,
}

/// Which kind of condition a probe watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    /// A rule's `where` or `when` clause: true keeps the binding.
    Where,
    /// A rule's `unless` clause: true drops the binding.
    Unless,
    /// An exception's `where` clause: true suppresses the finding.
    Except,
}

impl ProbeKind {
    /// `where`, `unless` or `except`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Where => "where",
            ProbeKind::Unless => "unless",
            ProbeKind::Except => "except",
        }
    }
}

/// One condition whose outcomes coverage records: the probe sees the condition's own value
/// (for `unless`, before it is negated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// Qualified name of the rule the condition belongs to (for an exception, the rule it
    /// applies to).
    pub rule: String,
    /// The clause kind.
    pub kind: ProbeKind,
    /// Where the condition is written.
    pub span: Span,
}

/// A source position: file index and byte range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// Index into [`Program::files`].
    pub file: u32,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// A constant value (also the form of param defaults and overrides).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Constant {
    /// `none`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    String(String),
    /// A version literal; it takes its ecosystem from the version it is compared with.
    Version(String),
    /// An enum variant, by enum and variant name (`Severity`, `High`).
    Enum {
        /// The enum's name.
        ty: String,
        /// The variant's name.
        variant: String,
    },
    /// A calendar date, `2027-01-31`.
    Date(String),
    /// An RFC 3339 instant.
    Time(String),
    /// A duration in seconds.
    Duration(i64),
    /// A list.
    List(Vec<Constant>),
    /// A set.
    Set(Vec<Constant>),
    /// A map.
    Map(Vec<(Constant, Constant)>),
}

/// Whether a pattern is a regex or a glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatternKind {
    /// A regular expression (Rust `regex` syntax), matched anywhere in the string.
    Regex,
    /// A shell glob matched against the whole string: `*` and `?` do not cross `/`, `**` does.
    Glob,
}

/// A regex or glob, stored as source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pattern {
    /// Regex or glob.
    pub kind: PatternKind,
    /// The source text.
    pub source: String,
    /// Where it was written.
    pub span: Span,
}

/// A field of a record type of the facts schema, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldRef {
    /// The record type (`Vulnerability`).
    pub record: String,
    /// The field (`severity`).
    pub field: String,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDecl {
    /// Its name (`Severity`).
    pub name: String,
    /// Variants in order (`Unknown`, `Negligible` ...).
    pub variants: Vec<String>,
}

/// A type, as params declare them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `string`.
    String,
    /// `version`.
    Version,
    /// `date`.
    Date,
    /// `duration`.
    Duration,
    /// `time`.
    Time,
    /// An enum, by name.
    Enum(String),
    /// A record type, by name.
    Record(String),
    /// `list<T>`.
    List(Box<Type>),
    /// `set<T>`.
    Set(Box<Type>),
    /// `map<K, V>`.
    Map(Box<Type>, Box<Type>),
    /// `T?`.
    Optional(Box<Type>),
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
            Type::Enum(name) | Type::Record(name) => f.write_str(name),
            Type::List(item) => write!(f, "list<{item}>"),
            Type::Set(item) => write!(f, "set<{item}>"),
            Type::Map(key, value) => write!(f, "map<{key}, {value}>"),
            Type::Optional(inner) => write!(f, "{inner}?"),
        }
    }
}

/// A param: a slot with a declared type and a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Qualified name (`acme.prod.max_fixable`).
    pub name: String,
    /// Declared type.
    pub ty: Type,
    /// Default value.
    pub default: Constant,
    /// Doc comment.
    pub doc: String,
    /// Where it was declared.
    pub span: Span,
}

/// A sequence of instructions with one span per instruction and its frame size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// The instructions.
    pub code: Vec<Op>,
    /// `spans[i]` is where `code[i]` came from.
    pub spans: Vec<Span>,
    /// Number of local slots (arguments and bindings first).
    pub locals: u16,
    /// Number of iterator slots.
    pub iterators: u16,
}

/// A user function. Arguments arrive in local slots `0..arity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Qualified name.
    pub name: String,
    /// Number of arguments.
    pub arity: u16,
    /// The body; it ends with `Return`.
    pub chunk: Chunk,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Informational.
    Info,
    /// A warning.
    Warn,
    /// Fails the check.
    Deny,
}

impl Action {
    /// `deny`, `warn` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Warn => "warn",
            Action::Info => "info",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An attribute other than the ones a rule has fields for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// Its name, without `@`.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Constant>,
}

/// A `for` or `let` binding of a rule, visible to its exceptions by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The name.
    pub name: String,
    /// The rule chunk's local slot holding it.
    pub slot: u16,
}

/// A rule and its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Qualified name (`acme.prod.root_user`).
    pub name: String,
    /// deny, warn or info.
    pub action: Action,
    /// Doc comment.
    pub doc: String,
    /// `@id`.
    pub id: Option<String>,
    /// `@remediation`.
    pub remediation: Option<String>,
    /// `@tags`.
    pub tags: Vec<String>,
    /// `@severity`.
    pub severity: Option<String>,
    /// Other attributes.
    pub attributes: Vec<Attribute>,
    /// Bindings in the order exception predicates receive them.
    pub bindings: Vec<Binding>,
    /// The body: generators, filters and one `Emit` per satisfying binding; ends with `Return`.
    pub chunk: Chunk,
    /// The rule's name in the source.
    pub span: Span,
}

/// An `except` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    /// Qualified name of the rule it applies to.
    pub rule: String,
    /// How reports name it (`except fixable_vulns at acme/prod.tg:31`).
    pub label: String,
    /// The `where` clause: local slots `0..n` hold the rule's bindings in order; it ends with
    /// `Return` of a bool. None when the exception covers every finding of the rule.
    pub predicate: Option<Chunk>,
    /// Last day it applies (inclusive), `2027-01-31`.
    pub until: Option<String>,
    /// The `because` text.
    pub reason: String,
    /// Where it was written.
    pub span: Span,
}

/// A `secret` pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretPattern {
    /// Qualified name; the scanner reports it as the secret's rule.
    pub name: String,
    /// Regex source.
    pub regex: String,
    /// Where it was written.
    pub span: Span,
}

/// What a program needs from extraction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demand {
    /// Fields of `Image` the program reads (`packages`, `vulnerabilities`, `files` ...).
    pub categories: BTreeSet<String>,
    /// Package ecosystems it looks at; `None` when it may look at any.
    pub ecosystems: Option<BTreeSet<String>>,
    /// Paths or globs of files whose `content` it reads (`**` when it cannot tell).
    pub file_contents: BTreeSet<String>,
    /// Paths or globs of files whose `sha256` it reads.
    pub file_hashes: BTreeSet<String>,
    /// The secret patterns it adds (names of [`Program::secrets`]).
    pub secret_patterns: BTreeSet<String>,
}

impl Program {
    /// Index of `file` in the file table, adding it when new.
    pub fn file(&mut self, path: &str) -> u32 {
        intern(
            &mut self.files,
            path,
            |known| known == path,
            || path.to_string(),
        )
    }

    /// Index of an equal constant, adding it when new.
    pub fn constant(&mut self, value: Constant) -> u32 {
        let position = self.constants.iter().position(|known| *known == value);
        match position {
            Some(index) => index_u32(index),
            None => {
                self.constants.push(value);
                index_u32(self.constants.len() - 1)
            }
        }
    }

    /// Index of a pattern with this kind and source, adding it when new.
    pub fn pattern(&mut self, kind: PatternKind, source: &str, span: Span) -> u32 {
        intern(
            &mut self.patterns,
            source,
            |known| known.kind == kind && known.source == source,
            || Pattern {
                kind,
                source: source.to_string(),
                span,
            },
        )
    }

    /// Index of the field reference `record.field`, adding it when new.
    pub fn field(&mut self, record: &str, field: &str) -> u32 {
        intern(
            &mut self.fields,
            field,
            |known| known.record == record && known.field == field,
            || FieldRef {
                record: record.to_string(),
                field: field.to_string(),
            },
        )
    }

    /// Index of the builtin `name`, adding it when new.
    pub fn builtin(&mut self, name: &str) -> u32 {
        intern(
            &mut self.builtins,
            name,
            |known| known == name,
            || name.to_string(),
        )
    }

    /// The rule named `name`.
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.name == name)
    }
}

fn intern<T>(
    table: &mut Vec<T>,
    _key: &str,
    same: impl Fn(&T) -> bool,
    make: impl FnOnce() -> T,
) -> u32 {
    match table.iter().position(same) {
        Some(index) => index_u32(index),
        None => {
            table.push(make());
            index_u32(table.len() - 1)
        }
    }
}

/// Table sizes are bounded far below `u32::MAX` by source size; saturate rather than wrap.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
