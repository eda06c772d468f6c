//! The syntax tree of a Tollgate policy file, as the parser produces it.
//!
//! Every node carries a byte [`Span`] into the file text, and every identifier its own span, so
//! diagnostics and the language server can point at exact source ranges. The tree is purely
//! syntactic: names are not resolved and nothing is typed. Parentheses are kept (as
//! [`ExprKind::Paren`]) so spans stay faithful and the formatter can print what the author wrote.
//!
//! Within one file, no two [`Expr`] nodes share a span, so a span can key per-expression tables.
//!
//! Stability: other crates code against these types; change them only by adding.

use std::fmt;

/// A byte range `start..end` into the text of the file the node was parsed from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte of the node.
    pub start: usize,
    /// Offset one past the last byte of the node.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The span as a range, to slice the file text with `text.get(span.range())`.
    pub const fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// The number of bytes covered.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Whether `offset` lies inside the span (`start <= offset < end`).
    pub const fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A whole `.tg` file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct File {
    /// The whole file text.
    pub span: Span,
    /// The `//!` lines at the top of the file, if any.
    pub module_doc: Option<Doc>,
    /// The items in source order (including `module` and `import` declarations, and items that
    /// failed to parse, as [`ItemKind::Broken`]).
    pub items: Vec<Item>,
    /// Every plain `//` comment of the file, in source order (doc comments are in the tree).
    /// Comments inside items that failed to parse are not collected.
    pub comments: Vec<Comment>,
}

/// A plain `// ...` comment, kept for the formatter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Comment {
    /// From the first `/` to the end of the line (the newline excluded).
    pub span: Span,
    /// The comment text after `//`, as written (trailing whitespace removed).
    pub text: String,
}

/// Consecutive doc comment lines (`///` before an item, field or variant; `//!` for the module).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Doc {
    /// From the first line's `//` to the end of the last line's text.
    pub span: Span,
    /// One entry per source line.
    pub lines: Vec<DocLine>,
}

impl Doc {
    /// The documentation as Markdown: the lines joined with `\n`, each with the one space that
    /// conventionally follows `///` removed.
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|line| line.text.as_str()).collect();
        lines.join("\n")
    }
}

/// One `///` or `//!` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocLine {
    /// The whole line, from `//` to the end of the text (the newline excluded).
    pub span: Span,
    /// The text after the marker, without one leading space and without trailing whitespace.
    pub text: String,
}

/// An identifier with its span. Keywords may be identifiers only where a field name is expected
/// (after `.`, in record literals and type declarations).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The identifier's bytes.
    pub span: Span,
    /// The identifier as written.
    pub name: String,
}

/// A dotted name such as `acme.prod.root_user` or `std.vulns`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    /// From the first segment to the last.
    pub span: Span,
    /// The segments, at least one.
    pub segments: Vec<Ident>,
}

impl Path {
    /// The path as written without whitespace, segments joined with `.`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// An attribute `@name(args)` or `@name` before an item, field or variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// From `@` to the closing parenthesis (or the end of the name).
    pub span: Span,
    /// The attribute's name, without `@`.
    pub name: Ident,
    /// The arguments, empty for `@name` and `@name()`.
    pub args: Vec<Expr>,
}

/// A top-level declaration with the doc comment and attributes in front of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    /// From the first doc line or attribute to the end of the item.
    pub span: Span,
    /// The `///` lines in front of the item.
    pub doc: Option<Doc>,
    /// The attributes in front of the item, in source order.
    pub attributes: Vec<Attribute>,
    /// What the item declares.
    pub kind: ItemKind,
}

/// The kinds of top-level declarations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `module acme.prod`
    Module(ModuleDecl),
    /// `import std.vulns` or `import acme.common as common`
    Import(Import),
    /// `param NAME: TYPE = DEFAULT`
    Param(Param),
    /// `type NAME { field: TYPE ... }`
    Type(TypeDecl),
    /// `enum NAME { Variant, ... }`
    Enum(EnumDecl),
    /// `fn NAME(a: T) -> R = EXPR` or `builtin fn NAME<T>(a: T) -> R`
    Fn(FnDecl),
    /// `deny|warn|info NAME clauses... [message "..."]`
    Rule(Rule),
    /// `except RULE [where EXPR] [until DATE] because "reason"`
    Except(Except),
    /// `secret NAME = r"regex"`
    Secret(Secret),
    /// `test "name" { expect ... }`
    Test(Test),
    /// An item that failed to parse; its syntax error is in the parse's error list. What could be
    /// read of its head is kept so that other items referring to it do not report cascades.
    Broken(BrokenItem),
}

/// `module acme.prod`: names the module instead of deriving it from the file path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleDecl {
    /// From `module` to the end of the path.
    pub span: Span,
    /// The module's name.
    pub path: Path,
}

/// `import std.vulns [as alias]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    /// From `import` to the end of the alias or path.
    pub span: Span,
    /// The imported module.
    pub path: Path,
    /// The name after `as`, if any.
    pub alias: Option<Ident>,
}

/// `param NAME: TYPE = DEFAULT`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// From `param` to the end of the default.
    pub span: Span,
    /// The parameter's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// Its default value (required).
    pub default: Expr,
}

/// `type NAME { fields }`: a record type (the facts schema is written with these).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeDecl {
    /// From `type` to the closing brace.
    pub span: Span,
    /// The type's name.
    pub name: Ident,
    /// The fields in source order.
    pub fields: Vec<FieldDecl>,
}

/// One field of a [`TypeDecl`]: `name: TYPE`, with its doc comment and attributes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    /// From the first doc line or attribute to the end of the type.
    pub span: Span,
    /// The `///` lines in front of the field.
    pub doc: Option<Doc>,
    /// The attributes in front of the field.
    pub attributes: Vec<Attribute>,
    /// The field's name (keywords allowed).
    pub name: Ident,
    /// The field's type.
    pub ty: TypeExpr,
}

/// `enum NAME { Variant, ... }`: an enumeration, ordered by declaration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumDecl {
    /// From `enum` to the closing brace.
    pub span: Span,
    /// The enum's name.
    pub name: Ident,
    /// The variants in declaration order (which is their ordering).
    pub variants: Vec<Variant>,
}

/// One variant of an [`EnumDecl`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    /// From the first doc line or attribute to the end of the name.
    pub span: Span,
    /// The `///` lines in front of the variant.
    pub doc: Option<Doc>,
    /// The attributes in front of the variant.
    pub attributes: Vec<Attribute>,
    /// The variant's name (PascalCase by convention).
    pub name: Ident,
}

/// A function: `fn NAME(params) -> R = BODY`, or `builtin fn NAME<T>(params) -> R` (no body).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnDecl {
    /// From `builtin` or `fn` to the end of the body or return type.
    pub span: Span,
    /// Whether the function is `builtin` (implemented by the runtime, declared in the stdlib).
    pub builtin: bool,
    /// The function's name.
    pub name: Ident,
    /// The type parameters `<K, V>` (the parser accepts them on `builtin fn` only).
    pub type_params: Vec<Ident>,
    /// The parameters in order.
    pub params: Vec<FnParam>,
    /// The declared return type.
    pub ret: TypeExpr,
    /// The body after `=`; `None` for a builtin.
    pub body: Option<Expr>,
}

/// One parameter of a function: `name: TYPE`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnParam {
    /// From the name to the end of the type.
    pub span: Span,
    /// The parameter's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
}

/// What a rule's findings do to the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// `deny`: a finding fails the verdict.
    Deny,
    /// `warn`: a finding makes the verdict at least `warn`.
    Warn,
    /// `info`: a finding is only reported.
    Info,
}

impl RuleAction {
    /// The keyword as written.
    pub const fn keyword(self) -> &'static str {
        match self {
            RuleAction::Deny => "deny",
            RuleAction::Warn => "warn",
            RuleAction::Info => "info",
        }
    }
}

/// A rule: `deny|warn|info NAME` then clauses, evaluated in order, then an optional message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// From the action keyword to the end of the message or last clause.
    pub span: Span,
    /// `deny`, `warn` or `info`.
    pub action: RuleAction,
    /// The span of the action keyword.
    pub action_span: Span,
    /// The rule's name.
    pub name: Ident,
    /// The clauses in source order.
    pub clauses: Vec<Clause>,
    /// The `message "..."` template, if any.
    pub message: Option<Message>,
}

/// One clause of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Clause {
    /// From the clause keyword to the end of its expression.
    pub span: Span,
    /// The span of the clause keyword (`for`, `let`, `where`, `when` or `unless`).
    pub keyword_span: Span,
    /// What the clause does.
    pub kind: ClauseKind,
}

/// The kinds of rule clauses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClauseKind {
    /// `for x in EXPR`: binds `x` to each element of the collection in turn.
    For {
        /// The bound name.
        binding: Ident,
        /// The collection iterated over.
        iterable: Expr,
    },
    /// `let x = EXPR`.
    Let {
        /// The bound name.
        name: Ident,
        /// The bound value.
        value: Expr,
    },
    /// `where EXPR`: keeps the bindings for which the condition holds.
    Where(Expr),
    /// `when EXPR`: the same as `where`.
    When(Expr),
    /// `unless EXPR`: keeps the bindings for which the condition does not hold.
    Unless(Expr),
}

/// A rule's `message "template"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// From `message` to the end of the string.
    pub span: Span,
    /// The template, with its `{expr}` interpolations.
    pub template: StringLit,
}

/// `except RULE [where EXPR] [until DATE] because "reason"`: suppresses findings of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Except {
    /// From `except` to the end of the reason.
    pub span: Span,
    /// The rule whose findings are suppressed (possibly qualified).
    pub rule: Path,
    /// The condition, which sees the rule's `for` and `let` bindings by name.
    pub condition: Option<Expr>,
    /// The last day the exception applies.
    pub until: Option<DateLit>,
    /// Why the risk is accepted.
    pub reason: StringLit,
}

/// `secret NAME = r"regex"`: a pattern added to the secret scanner.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Secret {
    /// From `secret` to the end of the pattern.
    pub span: Span,
    /// The pattern's name, reported as the secret's rule.
    pub name: Ident,
    /// The regular expression (raw or plain string).
    pub pattern: StringLit,
}

/// `test "name" { expect ... }`: a policy unit test.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Test {
    /// From `test` to the closing brace.
    pub span: Span,
    /// The test's name.
    pub name: StringLit,
    /// The expectations in source order.
    pub expects: Vec<Expect>,
}

/// `expect IMAGE denies|warns|passes RULE [with message "substring"] [times N]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expect {
    /// From `expect` to the end of the line's last part.
    pub span: Span,
    /// The image: an image literal or `facts("path.json")` (any expression, checked later).
    pub image: Expr,
    /// What the rule must do.
    pub outcome: Outcome,
    /// The span of the outcome keyword.
    pub outcome_span: Span,
    /// The rule under test (possibly qualified).
    pub rule: Path,
    /// `with message "..."`: a substring some finding's message must contain.
    pub with_message: Option<StringLit>,
    /// `times N`: the exact number of findings.
    pub times: Option<IntLit>,
}

/// The outcome an [`Expect`] asserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `denies`: the rule (a `deny` rule) has findings.
    Denies,
    /// `warns`: the rule (a `warn` rule) has findings.
    Warns,
    /// `passes`: the rule has no finding.
    Passes,
}

impl Outcome {
    /// The keyword as written.
    pub const fn keyword(self) -> &'static str {
        match self {
            Outcome::Denies => "denies",
            Outcome::Warns => "warns",
            Outcome::Passes => "passes",
        }
    }
}

/// What could be read of an item that failed to parse.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BrokenItem {
    /// The whole text of the broken item (up to the next item).
    pub span: Span,
    /// The item keyword if the item started with one (`deny`, `fn`, `builtin`, ...).
    pub keyword: Option<Ident>,
    /// The declared name if it could be read (for `except`, the first segment of the rule).
    pub name: Option<Ident>,
}

/// A type as written: `int`, `list<string>`, `map<string, int>`, `Package?`, `std.schema.File`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    /// The whole type.
    pub span: Span,
    /// Its shape.
    pub kind: TypeExprKind,
}

/// The shapes of types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeExprKind {
    /// A named type with optional type arguments: `int`, `list<T>`, `map<K, V>`, `Severity`.
    Named {
        /// The type's name (possibly qualified).
        path: Path,
        /// The arguments between `<` and `>`, empty without them.
        args: Vec<TypeExpr>,
    },
    /// `T?`: the type or `none`.
    Optional(Box<TypeExpr>),
}

/// An expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    /// The whole expression.
    pub span: Span,
    /// Its shape.
    pub kind: ExprKind,
}

/// The shapes of expressions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A name: a binding, param, function, enum variant, module alias or the `image` global.
    Name(Ident),
    /// `( EXPR )`.
    Paren(Box<Expr>),
    /// `-x` or `not x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operator's span.
        op_span: Span,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `lhs OP rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The operator's span (both words for `not in`).
        op_span: Span,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `receiver.name` or `receiver?.name`; also `Enum.Variant` and `module.item`.
    Field {
        /// The expression before the dot.
        receiver: Box<Expr>,
        /// The field name (keywords allowed).
        name: Ident,
        /// Whether written `?.` (none propagates).
        optional: bool,
    },
    /// `receiver.method(args)` or `receiver?.method(args)`: sugar for `method(receiver, args)`.
    MethodCall {
        /// The expression before the dot (the first argument).
        receiver: Box<Expr>,
        /// The function's name.
        method: Ident,
        /// Whether written `?.` (none propagates).
        optional: bool,
        /// The other arguments.
        args: Vec<Expr>,
    },
    /// `receiver[index]`.
    Index {
        /// The indexed collection.
        receiver: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// `callee(args)`, e.g. `lower(s)`, `facts("x.json")`, `count(xs)`.
    Call {
        /// The called expression (a name or a qualified name).
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// `{a, b, c}` (at least one element).
    Set(Vec<Expr>),
    /// `{"k": v, ...}` (at least one entry; keys are not bare identifiers).
    Map(Vec<MapEntry>),
    /// `{ field: value, ... }` (at least one field; keys are identifiers).
    Record(Vec<RecordField>),
    /// `{}`: an empty set, map or record, typed from context.
    EmptyBraces,
    /// `image { field: value, ... }`: a record literal of type `Image`.
    Image {
        /// The span of the `image` keyword.
        keyword_span: Span,
        /// The given fields (the others default to empty or none).
        fields: Vec<RecordField>,
    },
    /// `[expr for x in xs where cond]` or `{expr for x in xs where cond}`.
    Comprehension {
        /// List or set.
        kind: ComprehensionKind,
        /// The produced element.
        element: Box<Expr>,
        /// The generator.
        generator: Box<Generator>,
    },
    /// `count(x in xs where c)`, `any(...)`, `all(...)`, `sum(e for x in xs where c)`, `min`,
    /// `max`. A plain call such as `count(xs)` is an [`ExprKind::Call`].
    Aggregate {
        /// Which aggregate.
        func: AggregateFunc,
        /// The span of the aggregate's name.
        func_span: Span,
        /// The projected value (`e` in `sum(e for x in xs)`); `None` in the `x in xs` form.
        projection: Option<Box<Expr>>,
        /// The generator.
        generator: Box<Generator>,
    },
}

/// `x in xs [where cond]` inside an aggregate or comprehension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Generator {
    /// From the bound name to the end of the condition or collection.
    pub span: Span,
    /// The bound name.
    pub binding: Ident,
    /// The collection.
    pub iterable: Expr,
    /// The filter after `where`.
    pub condition: Option<Expr>,
}

/// The two comprehension brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComprehensionKind {
    /// `[... for ...]`
    List,
    /// `{... for ...}`
    Set,
}

/// The aggregate special forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFunc {
    /// `count(x in xs where c)`: how many elements satisfy `c`.
    Count,
    /// `any(x in xs where c)`: whether some element satisfies `c`.
    Any,
    /// `all(x in xs where c)`: whether every element satisfies `c`.
    All,
    /// `sum(e for x in xs where c)`.
    Sum,
    /// `min(e for x in xs where c)`.
    Min,
    /// `max(e for x in xs where c)`.
    Max,
}

impl AggregateFunc {
    /// The name as written.
    pub const fn name(self) -> &'static str {
        match self {
            AggregateFunc::Count => "count",
            AggregateFunc::Any => "any",
            AggregateFunc::All => "all",
            AggregateFunc::Sum => "sum",
            AggregateFunc::Min => "min",
            AggregateFunc::Max => "max",
        }
    }

    /// The aggregate named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "count" => AggregateFunc::Count,
            "any" => AggregateFunc::Any,
            "all" => AggregateFunc::All,
            "sum" => AggregateFunc::Sum,
            "min" => AggregateFunc::Min,
            "max" => AggregateFunc::Max,
            _ => return None,
        })
    }
}

/// `key: value` in a map literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapEntry {
    /// From the key to the end of the value.
    pub span: Span,
    /// The key.
    pub key: Expr,
    /// The value.
    pub value: Expr,
}

/// `field: value` in a record or image literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordField {
    /// From the name to the end of the value.
    pub span: Span,
    /// The field name (keywords allowed).
    pub name: Ident,
    /// The value.
    pub value: Expr,
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x`
    Not,
}

/// Infix operators, from the loosest to the tightest binding level:
/// `??` (right associative); `or`; `and`; comparisons (non-associative); `+ -`; `* / %`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `??`: the left side unless it is none, else the right side.
    Coalesce,
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `matches`: regex match, the right side a constant string.
    Matches,
    /// `glob`: shell glob match.
    Glob,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub const fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Coalesce => "??",
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Matches => "matches",
            BinaryOp::Glob => "glob",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    /// The binding level: higher binds tighter (`??` is 1, `* / %` is 6; `not` sits at 4 and
    /// unary minus at 7).
    pub const fn precedence(self) -> u8 {
        match self {
            BinaryOp::Coalesce => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
            | BinaryOp::Matches
            | BinaryOp::Glob => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 7,
        }
    }
}

/// A literal value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    /// `42`, `1_000`.
    Int(IntLit),
    /// `1.5`, `2.0e3`.
    Float(FloatLit),
    /// `true` or `false`.
    Bool(bool),
    /// `none`.
    None,
    /// `"text {expr}"`, `r"raw"`, `r#"raw"#`.
    String(StringLit),
    /// `2027-01-31`.
    Date(DateLit),
    /// `30d`, `12h`, `1h30m`.
    Duration(DurationLit),
}

/// An integer literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntLit {
    /// The digits.
    pub span: Span,
    /// The value (literals that overflow `i64` are syntax errors).
    pub value: i64,
}

/// A float literal, kept as written so the tree can be `Eq` and `Hash`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FloatLit {
    /// The literal.
    pub span: Span,
    /// The literal as written, without `_` separators.
    pub text: String,
}

impl FloatLit {
    /// The value (the grammar only admits texts that parse).
    pub fn value(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }
}

/// A date literal `YYYY-MM-DD` (validated: the day exists).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DateLit {
    /// The literal.
    pub span: Span,
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
}

/// A duration literal: one or more `NUMBER UNIT` parts, units `w d h m s` (`1h30m`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DurationLit {
    /// The literal.
    pub span: Span,
    /// The total length in seconds.
    pub seconds: i64,
}

/// A string literal: plain (with escapes and `{expr}` interpolation) or raw.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StringLit {
    /// From the opening quote (or `r`) to the closing quote (or last `#`).
    pub span: Span,
    /// Whether written `r"..."` or `r#"..."#` (no escapes, no interpolation).
    pub raw: bool,
    /// The pieces in order; adjacent text is merged, so a plain string has at most one text part
    /// between interpolations. An empty string has no part.
    pub parts: Vec<StringPart>,
}

impl StringLit {
    /// The string's value when it has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut value = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text { value: text, .. } => value.push_str(text),
                StringPart::Interpolation { .. } => return None,
            }
        }
        Some(value)
    }
}

/// A piece of a string literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StringPart {
    /// Literal text, escapes and `{{`/`}}` already decoded.
    Text {
        /// The source bytes of the text (escapes included).
        span: Span,
        /// The decoded text.
        value: String,
    },
    /// `{expr}` inside a plain string.
    Interpolation {
        /// From `{` to `}`.
        span: Span,
        /// The interpolated expression.
        expr: Expr,
    },
}
