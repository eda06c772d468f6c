//! Compiler diagnostics: the `Diagnostic` type every phase reports with, the stable codes of
//! the semantic phases (`TG0100` and up; the syntax phase owns `TG0001`–`TG0099`), and the
//! long explanation of every code for `tollgate explain`.
//!
//! Message style (docs/diagnostics.md): lowercase, no final period, user input and types in
//! backticks, one root cause per diagnostic; the fix, when one is likely, goes in `help`.

use std::fmt;
use std::sync::Arc;

use crate::syntax::ast::Span;
use crate::syntax::codes::SYNTAX_CODES;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The program does not compile.
    Error,
    /// The program compiles, but something is likely wrong (an unused name).
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with the text shown at it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// Byte range in the diagnostic's file.
    pub span: Span,
    /// What is there (may be empty).
    pub message: String,
}

impl Label {
    /// A label at `span` saying `message`.
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The stable code (`TG0102`); `explain(code)` gives its long explanation.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in the house style.
    pub message: String,
    /// The path of the file, as given to `Compiler::set_source`.
    pub file: Arc<str>,
    /// Where, and a short label.
    pub primary: Label,
    /// Other places that explain it (in the same file).
    pub secondary: Vec<Label>,
    /// The likely fix.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Moves every span `base` bytes right (from item-relative to file offsets).
    pub fn shifted(mut self, base: usize) -> Diagnostic {
        let shift = |span: Span| {
            Span::new(
                span.start.saturating_add(base),
                span.end.saturating_add(base),
            )
        };
        self.primary.span = shift(self.primary.span);
        for label in &mut self.secondary {
            label.span = shift(label.span);
        }
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The 1-based line and column of the primary span's start in `text`.
    pub fn line_column(&self, text: &str) -> (usize, usize) {
        line_column(text, self.primary.span.start)
    }

    /// This diagnostic with the text of its file, ready for miette to render.
    pub fn with_source(&self, text: &str) -> SourcedDiagnostic {
        SourcedDiagnostic {
            diagnostic: self.clone(),
            source: miette::NamedSource::new(&*self.file, text.to_string()),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    }
}

fn miette_labels(diagnostic: &Diagnostic) -> Box<dyn Iterator<Item = miette::LabeledSpan> + '_> {
    let primary = std::iter::once(miette::LabeledSpan::new_primary_with_span(
        Some(diagnostic.primary.message.clone()).filter(|m| !m.is_empty()),
        diagnostic.primary.span.range(),
    ));
    let secondary = diagnostic.secondary.iter().map(|label| {
        miette::LabeledSpan::new_with_span(
            Some(label.message.clone()).filter(|m| !m.is_empty()),
            label.span.range(),
        )
    });
    Box::new(primary.chain(secondary))
}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.severity))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(miette_labels(self))
    }
}

/// A diagnostic together with its file's text: what miette needs to draw the source snippet.
#[derive(Debug, Clone)]
pub struct SourcedDiagnostic {
    /// The diagnostic.
    pub diagnostic: Diagnostic,
    /// The file's name and text.
    pub source: miette::NamedSource<String>,
}

impl fmt::Display for SourcedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for SourcedDiagnostic {}

impl miette::Diagnostic for SourcedDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.diagnostic.severity))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(miette_labels(&self.diagnostic))
    }
}

/// The semantic diagnostic codes. Each constant's doc is the code's one-line summary; its
/// long explanation is in `SEMANTIC_CODES`.
pub mod codes {
    /// A name that resolves to nothing.
    pub const UNRESOLVED_NAME: &str = "TG0100";
    /// A type name that resolves to no type.
    pub const UNKNOWN_TYPE: &str = "TG0101";
    /// A field that the record type does not have.
    pub const UNKNOWN_FIELD: &str = "TG0102";
    /// An expression of the wrong type.
    pub const TYPE_MISMATCH: &str = "TG0103";
    /// Two definitions of one name.
    pub const DUPLICATE_DEFINITION: &str = "TG0104";
    /// An import nothing uses (warning).
    pub const UNUSED_IMPORT: &str = "TG0105";
    /// A `let` binding nothing uses (warning).
    pub const UNUSED_LET: &str = "TG0106";
    /// A function parameter the body does not use (warning).
    pub const UNUSED_PARAMETER: &str = "TG0107";
    /// A function nothing calls (warning).
    pub const UNUSED_FUNCTION: &str = "TG0108";
    /// A bare enum variant that several enums have.
    pub const AMBIGUOUS_VARIANT: &str = "TG0109";
    /// An import of a module that does not exist.
    pub const UNKNOWN_MODULE: &str = "TG0110";
    /// A function that calls itself, directly or through others.
    pub const RECURSION: &str = "TG0111";
    /// A call with the wrong number of arguments.
    pub const WRONG_ARGUMENT_COUNT: &str = "TG0112";
    /// A call no signature of the function accepts.
    pub const NO_MATCHING_SIGNATURE: &str = "TG0113";
    /// An operator applied to types it does not take.
    pub const BAD_OPERANDS: &str = "TG0114";
    /// `.field` on an optional value.
    pub const OPTIONAL_ACCESS: &str = "TG0115";
    /// A `matches`/`glob`/`secret` pattern that is not a valid constant pattern.
    pub const INVALID_PATTERN: &str = "TG0116";
    /// An `except` or `expect` naming a rule that does not exist.
    pub const UNKNOWN_RULE: &str = "TG0117";
    /// A `for` or aggregate over something that is not a collection.
    pub const NOT_ITERABLE: &str = "TG0118";
    /// An interpolation of a value that has no text form.
    pub const NOT_PRINTABLE: &str = "TG0119";
    /// A call of something that is not a function.
    pub const NOT_CALLABLE: &str = "TG0120";
    /// A `builtin fn` outside the standard library.
    pub const BUILTIN_OUTSIDE_STDLIB: &str = "TG0121";
    /// A type with the wrong number of type arguments.
    pub const WRONG_TYPE_ARGUMENTS: &str = "TG0122";
    /// An `expect` whose outcome the rule's action can never produce.
    pub const IMPOSSIBLE_OUTCOME: &str = "TG0123";
    /// A test image that is neither an image literal nor `facts("path.json")`.
    pub const INVALID_TEST_IMAGE: &str = "TG0124";
    /// A record literal that gives one field twice.
    pub const DUPLICATE_FIELD: &str = "TG0125";
    /// A name used as a value that is not one (a type, a module, a rule).
    pub const NOT_A_VALUE: &str = "TG0126";
    /// A rule's `for` binding nothing uses (warning).
    pub const UNUSED_FOR_BINDING: &str = "TG0127";
    /// A policy `param` nothing uses (warning).
    pub const UNUSED_PARAM: &str = "TG0128";
}

/// Every semantic code with its long explanation, in code order.
pub const SEMANTIC_CODES: &[(&str, &str)] = &[
    (
        codes::UNRESOLVED_NAME,
        "A name in an expression resolves to nothing: it is not a binding of the rule or \
function, a `param` or `fn` of the module, an imported module, a builtin function, an enum \
variant, or the `image` global. Check the spelling (the help suggests the closest name in \
scope), or import the module that declares it.\n\n    deny d\n      for v in image.vulnerabilities\n      where vv.severity >= High   // error: cannot find `vv`",
    ),
    (
        codes::UNKNOWN_TYPE,
        "A type annotation names no type. The types are `bool int float string version date \
duration time`, `list<T> set<T> map<K, V>`, `T?`, and the records and enums declared with \
`type` and `enum` (the facts schema declares `Image`, `Package`, `Vulnerability`, `Severity` ...).\n\n    param limit: integer = 3   // error: unknown type `integer`; did you mean `int`?",
    ),
    (
        codes::UNKNOWN_FIELD,
        "A field access names a field the record type does not have. Field names are checked \
against the facts schema, so a typo is a compile error rather than a rule that silently never \
fires. The help suggests the closest field.\n\n    where v.severty >= High   // error: no field `severty` on `Vulnerability`",
    ),
    (
        codes::TYPE_MISMATCH,
        "An expression has a type other than the one its place requires: a `where` condition \
that is not a `bool`, a function argument or `param` default of the wrong type, a collection \
literal whose elements disagree, a function body that does not match its declared return \
type. An optional `T?` does not fit where `T` is required: give a fallback with `??`.\n\n    param max: int = \"ten\"   // error: expected `int`, found `string`",
    ),
    (
        codes::DUPLICATE_DEFINITION,
        "Two items of one module have the same name (a rule, param, fn, secret, type or enum), \
two bindings of one rule or function share a name, or two variants or fields of one \
declaration do. Rename one of them.",
    ),
    (
        codes::UNUSED_IMPORT,
        "A warning: an imported module is never referred to through its name. Importing a module \
also activates its rules, so an import whose rules you want is not unused when no name is \
needed: the warning is only given for imports of modules that have no rule. Remove the import.",
    ),
    (
        codes::UNUSED_LET,
        "A warning: a rule's `let` binding is not used by any later clause, the message, or an \
`except` of the rule. Remove it, or use it.",
    ),
    (
        codes::UNUSED_FOR_BINDING,
        "A warning: a rule's `for` binding is not used by any later clause, the message, or an \
`except` of the rule, so the rule gives one finding per element whatever the element is. Use the \
binding, or prefix its name with `_` (`for _p in ...`) when one finding per element is what you \
want.",
    ),
    (
        codes::UNUSED_PARAM,
        "A warning: a `param` of the policy is not used by any rule, function, param, except or \
test of the program, so overriding it from the manifest, a profile or `--param` changes nothing. \
Remove it, use it, or prefix its name with `_`.",
    ),
    (
        codes::UNUSED_PARAMETER,
        "A warning: a function's parameter is not used by its body. Remove it, or prefix its \
name with `_` to say it is unused on purpose.",
    ),
    (
        codes::UNUSED_FUNCTION,
        "A warning: a `fn` of a policy module is never called from any rule, function, param, \
except or test of the program. Remove it, or prefix its name with `_`.",
    ),
    (
        codes::AMBIGUOUS_VARIANT,
        "A bare enum variant (`Unknown`) resolves by the type the context expects, or when only \
one enum has a variant of that name. Several enums have this one and the context does not \
say which: qualify it (`Severity.Unknown`).",
    ),
    (
        codes::UNKNOWN_MODULE,
        "An `import` names a module that no source file declares and the standard library does \
not have. A module's name comes from its `module` declaration, or from the file's path \
relative to the policy root (`acme/common.tg` is `acme.common`).",
    ),
    (
        codes::RECURSION,
        "A function calls itself, directly or through other functions. The language is total: \
every rule terminates, so recursion is not allowed. Express the computation with aggregates \
(`count`, `any`, `all`, `sum`, `min`, `max`) or comprehensions.",
    ),
    (
        codes::WRONG_ARGUMENT_COUNT,
        "A function is called with more or fewer arguments than it declares. With method syntax \
the receiver is the first argument: `s.starts_with(\"x\")` is `starts_with(s, \"x\")`.",
    ),
    (
        codes::NO_MATCHING_SIGNATURE,
        "No declaration of the called function takes arguments of these types. Builtins may have \
several signatures (`len` takes a string, a list, a set or a map); the message lists them.",
    ),
    (
        codes::BAD_OPERANDS,
        "An operator is applied to operand types it does not take: arithmetic needs numbers \
(or `time`/`date` with `duration`), `<`-style comparisons need two values of one ordered type, \
`and`/`or`/`not` need `bool`, `in` needs a collection (or a string) on its right, `??` needs an \
optional on its left.\n\n    where p.number + \"1\" > 2   // error: cannot apply `+` to `int` and `string`",
    ),
    (
        codes::OPTIONAL_ACCESS,
        "A field is read from a value that may be `none`. Use `?.` to propagate `none` \
(`image.distro?.id`), or `??` to give a fallback first.",
    ),
    (
        codes::INVALID_PATTERN,
        "The right side of `matches` (and a `secret`'s pattern) must be a constant string that \
is a valid regular expression; the right side of `glob` must be a constant string. Raw strings \
(`r\"...\"`) avoid escaping backslashes.",
    ),
    (
        codes::UNKNOWN_RULE,
        "An `except` or a test's `expect` names a rule that no module declares. Rules of other \
modules are named with their module: `except acme.prod.root_user`.",
    ),
    (
        codes::NOT_ITERABLE,
        "A `for` clause, aggregate or comprehension iterates over something that is not a list, \
a set or a map (a map iterates over its keys).",
    ),
    (
        codes::NOT_PRINTABLE,
        "A message interpolation `{expr}` (or `to_string`) prints a value that has no text form: \
a whole record. Interpolate one of its fields instead (`{v.id}` rather than `{v}`).",
    ),
    (
        codes::NOT_CALLABLE,
        "Something that is not a function is called: a binding, a param, a field.",
    ),
    (
        codes::BUILTIN_OUTSIDE_STDLIB,
        "`builtin fn` declares a function the runtime implements; only the standard library \
may declare them. Write a `fn` with a body instead.",
    ),
    (
        codes::WRONG_TYPE_ARGUMENTS,
        "A type is given the wrong number of type arguments: `list<T>` and `set<T>` take one, \
`map<K, V>` two, other types none.",
    ),
    (
        codes::IMPOSSIBLE_OUTCOME,
        "A test expects `denies` of a rule that is not a `deny` rule, or `warns` of one that is \
not a `warn` rule: the expectation can never hold. Use the outcome that matches the rule's \
action.",
    ),
    (
        codes::INVALID_TEST_IMAGE,
        "The image of an `expect` must be an image literal (`image { config: { user: \"root\" } }`) \
or `facts(\"path.json\")` with a constant path.",
    ),
    (
        codes::DUPLICATE_FIELD,
        "A record literal gives the same field twice. Remove one.",
    ),
    (
        codes::NOT_A_VALUE,
        "A name is used as a value but names something else: a type, a module, or a rule. Rules \
have no value; read the facts through `image` instead.",
    ),
];

/// The long explanation of a diagnostic code, syntax codes included, for `tollgate explain`.
pub fn explain(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    SEMANTIC_CODES
        .iter()
        .copied()
        .chain(SYNTAX_CODES.iter().map(|(code, _, text)| (*code, *text)))
        .find(|(c, _)| *c == code)
        .map(|(_, text)| text)
}

/// Every code the compiler can report, syntax codes included.
pub fn all_codes() -> impl Iterator<Item = &'static str> {
    SYNTAX_CODES
        .iter()
        .map(|(code, _, _)| *code)
        .chain(SEMANTIC_CODES.iter().map(|(code, _)| *code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_semantic_code_is_explained_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, text) in SEMANTIC_CODES {
            assert!(seen.insert(*code), "{code} twice");
            assert!(code.starts_with("TG01"), "{code}");
            assert!(text.len() > 40, "{code}");
        }
        assert_eq!(explain("tg0102"), explain("TG0102"));
        assert!(explain("TG9999").is_none());
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}
