//! The syntax diagnostic codes (TG0001–TG0099) with their titles and long explanations, as
//! `tollgate explain CODE` prints them.

/// A file does not match the grammar at some point.
pub const UNEXPECTED: &str = "TG0001";
/// A string escape that does not exist.
pub const BAD_ESCAPE: &str = "TG0002";
/// A lone `}` inside a plain string.
pub const STRAY_BRACE: &str = "TG0003";
/// An integer that does not fit in 64 bits.
pub const INT_TOO_LARGE: &str = "TG0004";
/// A date literal naming a day that does not exist.
pub const BAD_DATE: &str = "TG0005";
/// A duration literal that overflows.
pub const DURATION_TOO_LARGE: &str = "TG0006";
/// `a < b < c`.
pub const CHAINED_COMPARISON: &str = "TG0007";
/// Type parameters on a function that is not `builtin`.
pub const TYPE_PARAMS_ON_FN: &str = "TG0008";
/// Brackets nested deeper, or operators chained longer, than the parser allows.
pub const TOO_DEEP: &str = "TG0009";
/// `//!` module docs after the first item.
pub const MISPLACED_MODULE_DOC: &str = "TG0010";

/// Every syntax code: `(code, title, long explanation)`.
pub const SYNTAX_CODES: &[(&str, &str, &str)] = &[
    (
        UNEXPECTED,
        "syntax error",
        "The file stops matching the language's grammar at the marked place. The message says \
         what the parser expected there (a keyword, a punctuation mark, an expression, a clause) \
         and what it found instead. The parser recovers at the next item (a line starting with an \
         item keyword, `@` or `///` in the first column), so every broken item is reported once \
         and the other items are still checked. See docs/language.md for the grammar.",
    ),
    (
        BAD_ESCAPE,
        "unknown escape in a string",
        "Plain strings accept the escapes `\\n`, `\\t`, `\\r`, `\\0`, `\\\"`, `\\\\` and \
         `\\u{...}` (one to six hexadecimal digits naming a Unicode scalar value). Any other \
         character after a backslash is an error. Literal braces are written `{{` and `}}`. For \
         regular expressions, which use backslashes heavily, write a raw string `r\"...\"` or \
         `r#\"...\"#`: it has no escapes and no interpolation.",
    ),
    (
        STRAY_BRACE,
        "unmatched `}` in a string",
        "In a plain string `{expr}` interpolates an expression, so a lone `}` is ambiguous: it \
         usually means an interpolation lost its opening brace. Write `}}` for a literal closing \
         brace (and `{{` for an opening one), or use a raw string `r\"...\"`, which does not \
         interpolate.",
    ),
    (
        INT_TOO_LARGE,
        "integer literal too large",
        "Integers are signed 64-bit values: a literal must not exceed 9223372036854775807. \
         Underscores may separate digit groups (`1_000_000`).",
    ),
    (
        BAD_DATE,
        "invalid date literal",
        "A date literal is written `YYYY-MM-DD` and must name a day that exists in the proleptic \
         Gregorian calendar: the month is 01 to 12 and the day exists in that month (February \
         has 29 days in leap years only).",
    ),
    (
        DURATION_TOO_LARGE,
        "duration literal too large",
        "A duration literal is a sequence of `NUMBER UNIT` parts (units `w`, `d`, `h`, `m`, `s`, \
         as in `30d` or `1h30m`) whose total, in seconds, must fit in a signed 64-bit integer.",
    ),
    (
        CHAINED_COMPARISON,
        "comparison operators cannot be chained",
        "Comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `matches`, `glob`) do not \
         associate: `a < b < c` would compare a boolean with `c`. Write the two comparisons \
         joined with `and`: `a < b and b < c`.",
    ),
    (
        TYPE_PARAMS_ON_FN,
        "type parameters on a user function",
        "Only `builtin fn` declarations (in the standard library) may have type parameters such \
         as `<K, V>`. Functions written in the language have concrete parameter and return \
         types; declare one function per type you need.",
    ),
    (
        TOO_DEEP,
        "item too deeply nested",
        "Parentheses, brackets and braces may nest at most 64 levels inside one item, and one \
         item may use at most 1,000 operators (binary, prefix and postfix: each adds a level to \
         the syntax tree). The limits keep parsing and checking bounded on untrusted input; real \
         policies stay far below them. Split the expression with `let` clauses or functions.",
    ),
    (
        MISPLACED_MODULE_DOC,
        "module documentation after the first item",
        "`//!` lines document the whole module and must come first in the file, before any \
         item. Use `///` to document an item, or `//` for a plain comment.",
    ),
];

/// The title and long explanation of a syntax code.
pub fn explain(code: &str) -> Option<(&'static str, &'static str)> {
    SYNTAX_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, title, text)| (*title, *text))
}
