//! The typed tree: the checked program, the input of lowering to bytecode (`crate::lower`).
//!
//! Everything here is resolved and typed: names point at what they mean (a local slot, a
//! param, a function, a record field with its index, an enum variant with its ordinal), every
//! expression carries its `Type`, and implicit conversions are explicit `ExprKind::Coerce`
//! nodes. Lowering never needs to look anything up by name except the qualified names of
//! items, which are unique in a program.
//!
//! Produced by `Compiler::typed_program` only when the program has no error, so it contains
//! no `Type::Error` and no `ExprKind::Error` (both exist so that the checker can keep going).
//!
//! Spans: every `Span` (the syntax tree's byte range) inside an item is relative to the item's
//! start; `Item::span_base` is the byte offset of that start in `Item::file`. (Relative spans
//! are what let an edit in one item leave every other item's checked tree untouched.)
//!
//! Runtime representation the checker assumes:
//! - an optional `T?` is either `none` or a bare `T` value (no wrapping), so `T?` compares with
//!   `T` directly and `none == none`;
//! - a `version` value carries its ecosystem when it comes from a package; a version made by
//!   `Coercion::StringToVersion` (or `version(s)`) has none and compares with the ordering of
//!   the version it is compared with;
//! - enum values compare by ordinal (`EnumVariant::ordinal`).
//!
//! This module is additive: fields and variants may be added, existing ones keep their meaning.

use std::sync::Arc;

use crate::types::{DeclRef, EnumDef, RecordDef, Type};

pub use crate::syntax::ast::Span;

/// A whole checked program: every item of every source file and of the stdlib.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Every record type (the facts schema's and the user's).
    pub records: Vec<RecordDef>,
    /// Every enum type.
    pub enums: Vec<EnumDef>,
    /// Every item except `type`/`enum` declarations (see `records`/`enums`) and `builtin fn`
    /// signatures (see `builtins`), in source order: stdlib first, then files by path.
    pub items: Vec<Item>,
    /// Every builtin function signature, in `stdlib/std/builtins.tg` order; `Callee::Builtin`
    /// indexes this list.
    pub builtins: Vec<BuiltinSig>,
    /// Modules whose rules are active: every user module, plus the stdlib modules some user
    /// file imports. Rules of other stdlib modules are in `items` but should not run.
    pub active_modules: Vec<Arc<str>>,
}

/// A builtin function's signature. The VM implements it by `name`; when several share a name
/// (an overload set), `params` tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuiltinSig {
    /// The function's name (`starts_with`).
    pub name: Arc<str>,
    /// Type parameters (`T`, `K`, `V`), which appear in `params` and `ret` as `Type::Var`.
    pub type_params: Vec<Arc<str>>,
    /// Parameter names and types.
    pub params: Vec<(Arc<str>, Type)>,
    /// Return type.
    pub ret: Type,
    /// `///` documentation.
    pub doc: String,
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The source file's path as given to `Compiler::set_source` (or `std/NAME.tg`).
    pub file: Arc<str>,
    /// The module the item belongs to (`acme.prod`).
    pub module: Arc<str>,
    /// Byte offset of the item's start in its file; add it to any `Span` of the item.
    pub span_base: usize,
    /// The item's span (relative, so it starts at 0).
    pub span: Span,
    /// `///` documentation.
    pub doc: String,
    /// `@name(args)` attributes.
    pub attributes: Vec<Attribute>,
    /// What the item is.
    pub kind: ItemKind,
}

/// An attribute `@name(arg, ...)`; its arguments are constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// `id`, `remediation`, `tags`, `severity` ...
    pub name: Arc<str>,
    /// Constant arguments.
    pub args: Vec<Literal>,
    /// Span of the whole attribute.
    pub span: Span,
}

/// What an item is.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `param NAME: TYPE = DEFAULT`.
    Param(Param),
    /// `fn NAME(a: T) -> R = EXPR`.
    Fn(FnDef),
    /// `deny|warn|info NAME ...`.
    Rule(Rule),
    /// `except RULE [where EXPR] [until DATE] because "reason"`.
    Except(Except),
    /// `secret NAME = r"regex"`.
    Secret(SecretDef),
    /// `test "name" { expect ... }`.
    Test(TestBlock),
}

/// A slot for a value bound inside an item: a rule's `for`/`let` binding, a function
/// parameter, the variable of an aggregate or comprehension. Index into the item's `locals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A local slot's declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    /// The name as written.
    pub name: Arc<str>,
    /// Its type.
    pub ty: Type,
    /// Where it is bound.
    pub span: Span,
}

/// `param NAME: TYPE = DEFAULT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name.
    pub name: Arc<str>,
    /// `MODULE.NAME`: the key for overrides from the manifest, a profile or `--param`.
    pub qualified: Arc<str>,
    /// The declared type.
    pub ty: Type,
    /// The default value, checked against `ty`. It refers to no local.
    pub default: Expr,
}

/// `fn NAME(params) -> RET = BODY`. Never recursive, directly or not.
#[derive(Debug, Clone, PartialEq)]
pub struct FnDef {
    /// The name.
    pub name: Arc<str>,
    /// `MODULE.NAME`, what `Callee::Fn` names.
    pub qualified: Arc<str>,
    /// The parameters: slots `0..params.len()` of `locals`, in order.
    pub params: Vec<LocalId>,
    /// The declared return type.
    pub ret: Type,
    /// The body.
    pub body: Expr,
    /// Every local slot of the function (parameters first).
    pub locals: Vec<Local>,
}

/// A rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `deny`: fails the verdict.
    Deny,
    /// `warn`.
    Warn,
    /// `info`.
    Info,
}

/// `deny|warn|info NAME` with its clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `deny`, `warn` or `info`.
    pub action: Action,
    /// The name.
    pub name: Arc<str>,
    /// `MODULE.NAME`, as reports show it.
    pub qualified: Arc<str>,
    /// The clauses, in source order; evaluated in that order, every binding that passes all of
    /// them is a finding.
    pub clauses: Vec<Clause>,
    /// The `message` template, if any.
    pub message: Option<Template>,
    /// Every local slot of the rule.
    pub locals: Vec<Local>,
    /// The `for`/`let` bindings by name, in order, as an `except` of this rule sees them.
    pub bindings: Vec<(Arc<str>, LocalId)>,
}

/// One clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `for x in EXPR`: iterates a list, a set, or a map's keys. `iterable` may be optional
    /// (`image.baseline?.packages`): `none` iterates nothing.
    For {
        /// The slot bound to each element.
        binding: LocalId,
        /// The collection.
        iterable: Expr,
    },
    /// `let x = EXPR`.
    Let {
        /// The slot.
        binding: LocalId,
        /// The value.
        value: Expr,
    },
    /// `where EXPR` or `when EXPR`: keeps the binding when the condition (a `bool`) is true.
    Where(Expr),
    /// `unless EXPR`: keeps the binding when the condition is false.
    Unless(Expr),
}

/// A string with `{expr}` interpolations: a `message`, or an interpolated string literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Text and expressions, in order; concatenated at run time, each expression printed
    /// as `to_string` would (optional `none` prints as `none`).
    pub parts: Vec<TemplatePart>,
    /// The template's span.
    pub span: Span,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    /// Literal text, escapes already decoded.
    Text(String),
    /// An interpolated expression (of a printable type).
    Expr(Expr),
}

/// `except RULE [where EXPR] [until DATE] because "reason"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Except {
    /// The qualified name of the rule it suppresses findings of.
    pub rule: Arc<str>,
    /// The condition, or none (every finding of the rule). Its locals are `locals`.
    pub condition: Option<Expr>,
    /// The last day the exception holds, or none.
    pub until: Option<Date>,
    /// Why.
    pub reason: String,
    /// Every local slot of the condition. Slot `i < bindings.len()` is bound, before the
    /// condition runs, to the value of the rule's slot `bindings[i].1` in the finding.
    pub locals: Vec<Local>,
    /// `(except slot, rule slot)` pairs for the rule bindings the condition uses.
    pub bindings: Vec<(LocalId, LocalId)>,
}

/// `secret NAME = r"regex"`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretDef {
    /// The name.
    pub name: Arc<str>,
    /// `MODULE.NAME`: the scanner rule name of its findings.
    pub qualified: Arc<str>,
    /// The regular expression (checked to compile).
    pub pattern: String,
}

/// `test "name" { expect ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TestBlock {
    /// The test's name.
    pub name: String,
    /// Its expectations, in order.
    pub expects: Vec<Expectation>,
}

/// `expect IMAGE denies|warns|passes RULE [with message "substring"] [times N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The facts to evaluate the rule on.
    pub image: TestImage,
    /// What the rule must do.
    pub outcome: Outcome,
    /// The qualified name of the rule.
    pub rule: Arc<str>,
    /// A substring some finding's message must contain.
    pub with_message: Option<String>,
    /// How many findings there must be.
    pub times: Option<u64>,
    /// The expectation's span.
    pub span: Span,
}

/// The facts of one expectation.
#[derive(Debug, Clone, PartialEq)]
pub enum TestImage {
    /// An image literal: an expression of type `Image` (`ExprKind::Record`); omitted fields
    /// default to empty or none. It binds no local.
    Literal(Expr),
    /// `facts("path.json")`: a facts file, relative to the test's source file.
    FactsFile(String),
}

/// What a rule must do in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `denies`: at least one finding, and the rule is a `deny`.
    Denies,
    /// `warns`: at least one finding, and the rule is a `warn`.
    Warns,
    /// `passes`: no finding.
    Passes,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true`, `false`.
    Bool(bool),
    /// `42`.
    Int(i64),
    /// `1.5`.
    Float(f64),
    /// A string without interpolation (plain or raw), escapes decoded.
    String(String),
    /// `none`.
    None,
    /// `2027-01-31`.
    Date(Date),
    /// `30d`, `1h30m`: in seconds.
    Duration(i64),
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Its type (never `Error` in a program `Compiler::typed_program` returns).
    pub ty: Type,
    /// Its span, relative to the item's start.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind,
}

/// A resolved field of a record type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The record type.
    pub record: DeclRef,
    /// The field's name.
    pub name: Arc<str>,
    /// The field's index in `RecordDef::fields`.
    pub index: u32,
}

/// A resolved enum variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumVariant {
    /// The enum type.
    pub enumeration: DeclRef,
    /// The variant's name (`NotFixed`).
    pub name: Arc<str>,
    /// Its index in `EnumDef::variants`: values compare by it.
    pub ordinal: u32,
}

/// What a call calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Callee {
    /// A builtin: its name and its index in `Program::builtins` (the chosen overload).
    Builtin {
        /// The builtin's name.
        name: Arc<str>,
        /// Index of the chosen signature in `Program::builtins`.
        index: u32,
    },
    /// A user `fn`, by qualified name.
    Fn(Arc<str>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not b`.
    Not,
    /// `-x` (int or float).
    Neg,
}

/// Binary operators. Both operands have the same type after coercions, except where noted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a or b` (short-circuit).
    Or,
    /// `a and b` (short-circuit).
    And,
    /// `a == b`; a `T?` may be compared with a `T` or `none`.
    Eq,
    /// `a != b`.
    Ne,
    /// `a < b` on ordered types (numbers, strings, versions, enums, dates, times, durations).
    /// When either side is `none` the comparison is false.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `x in xs`: list/set membership, map key, or substring when both are strings.
    In,
    /// `x not in xs`.
    NotIn,
    /// `a + b`: numbers, string concatenation, `time + duration -> time`,
    /// `date + duration -> date`, `duration + duration`.
    Add,
    /// `a - b`: numbers, `time - time -> duration`, `time - duration -> time`,
    /// `date - duration -> date`, `date - date -> duration`, `duration - duration`.
    Sub,
    /// `a * b` (numbers; `duration * int`).
    Mul,
    /// `a / b` (numbers; integer division by zero yields 0 rather than a crash).
    Div,
    /// `a % b` (ints).
    Rem,
    /// `a ?? b`: `a` when it is not `none`, else `b`.
    Coalesce,
}

/// The aggregate special forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// `count(x in xs where c)` -> int; `count(xs)` is `source` with no filter.
    Count,
    /// `any(x in xs where c)` -> bool.
    Any,
    /// `all(x in xs where c)` -> bool.
    All,
    /// `sum(e for x in xs where c)` -> the type of `e` (int or float); 0 when empty.
    Sum,
    /// `min(e for x in xs where c)` -> `T?` (none when empty).
    Min,
    /// `max(e for x in xs where c)` -> `T?`.
    Max,
}

/// The two comprehension forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComprehensionKind {
    /// `[e for x in xs where c]` -> `list<T>`.
    List,
    /// `{e for x in xs where c}` -> `set<T>`.
    Set,
}

/// Implicit conversions the checker made explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coercion {
    /// A string used as a version (`p.version >= "1.2.3"`): a version with no ecosystem,
    /// which takes the ordering of the version it is compared with.
    StringToVersion,
    /// An int used as a float.
    IntToFloat,
    /// A date used as a time: midnight UTC of that day.
    DateToTime,
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A constant.
    Literal(Literal),
    /// An interpolated string (`"{v.id} is bad"`): type `string`.
    Interpolated(Template),
    /// A local slot.
    Local(LocalId),
    /// The value of a `param`, by qualified name.
    Param(Arc<str>),
    /// The facts root, the predeclared global `image`.
    Image,
    /// An enum value (`High`, `Severity.High`).
    Variant(EnumVariant),
    /// `base.field`, or `base?.field` when `optional_chain` (then `base` is optional and a
    /// `none` base gives `none`). When `optional_chain`, the type is `field type?`.
    Field {
        /// The record value.
        base: Box<Expr>,
        /// The field.
        field: FieldRef,
        /// Whether written `?.`.
        optional_chain: bool,
    },
    /// `base[index]`: a list by int (none when out of range) or a map by key (none when
    /// absent). Type: the element or value type, optional.
    Index {
        /// The list or map.
        base: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// A call of a builtin or a user `fn` (method syntax already rewritten, receiver first).
    Call {
        /// What is called.
        callee: Callee,
        /// The arguments, in parameter order.
        args: Vec<Expr>,
    },
    /// `not x`, `-x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a OP b`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `subject matches r"regex"`: the pattern is a constant, already checked to compile.
    Matches {
        /// The string tested (`string` or `string?`; `none` does not match).
        subject: Box<Expr>,
        /// The regular expression.
        pattern: String,
        /// Whether written `not matches` (reserved; currently always false).
        negated: bool,
    },
    /// `subject glob "pattern"`: shell-glob match, the pattern a constant.
    Glob {
        /// The string tested.
        subject: Box<Expr>,
        /// The glob pattern.
        pattern: String,
    },
    /// An aggregate special form.
    Aggregate {
        /// Which one.
        kind: AggregateKind,
        /// The slot bound to each element, or none for `count(xs)`.
        binding: Option<LocalId>,
        /// The collection iterated (list, set, map keys; optional: none is empty).
        source: Box<Expr>,
        /// The `where` filter (bool), if any.
        filter: Option<Box<Expr>>,
        /// The value aggregated, for `sum`/`min`/`max`.
        value: Option<Box<Expr>>,
    },
    /// A comprehension.
    Comprehension {
        /// List or set.
        kind: ComprehensionKind,
        /// The slot bound to each element.
        binding: LocalId,
        /// The collection iterated.
        source: Box<Expr>,
        /// The `where` filter, if any.
        filter: Option<Box<Expr>>,
        /// The element produced.
        element: Box<Expr>,
    },
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{a, b}`.
    Set(Vec<Expr>),
    /// `{"k": v}`.
    Map(Vec<(Expr, Expr)>),
    /// A record literal `{ field: value }` (and the image literal `image { ... }`): the fields
    /// given, in source order; every other field takes its empty value (empty string, 0,
    /// false, empty collection, none, the enum's first variant, an empty record).
    Record {
        /// The record type.
        record: DeclRef,
        /// The fields given.
        fields: Vec<(FieldRef, Expr)>,
    },
    /// An implicit conversion.
    Coerce {
        /// Which.
        coercion: Coercion,
        /// The converted expression.
        expr: Box<Expr>,
    },
    /// An expression that already has a diagnostic (never in a program handed to lowering).
    Error,
}
