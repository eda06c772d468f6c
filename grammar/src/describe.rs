//! Turns pest's errors into [`GrammarError`]: where parsing stopped and what was expected there,
//! in words ("`message`", "a clause", "an expression"), never rule names.

use crate::Kind;
use crate::generated::Rule;

/// Why a parse stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrammarError {
    /// Byte offset where the input stopped matching the grammar.
    pub offset: usize,
    /// What would have been accepted there, in words, deduplicated, in a stable order.
    pub expected: Vec<String>,
    /// The input nests or backtracks beyond the parser's limits (not a grammar mismatch).
    pub too_complex: bool,
}

/// One thing the parser would have accepted.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expectation {
    /// Required syntax (a keyword, a punctuation mark, an operand): always worth naming.
    Required(&'static str),
    /// A way to continue what was already complete (an operator, `<T>`, `?`, `.name`): named
    /// only when the input there is itself punctuation, else it is noise.
    Continuation(&'static str),
    /// The start of a new item or the end of the file: named only when nothing else is.
    Boundary(&'static str),
}

pub(crate) fn grammar_error(error: &pest::error::Error<Rule>, input: &str) -> GrammarError {
    let offset = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
        pest::error::ErrorVariant::CustomError { .. } => {
            return GrammarError {
                offset,
                expected: Vec::new(),
                too_complex: true,
            };
        }
    };
    let operator_expected = positives.contains(&Rule::compare_op);
    let mut found: Vec<Expectation> = positives
        .iter()
        .filter_map(|rule| rule_expectation(Kind::from_rule(*rule)))
        .collect();
    // After `builtin` only `fn` can follow (elsewhere `fn` starts an item like the others).
    let before = input.get(..offset).unwrap_or_default().trim_end();
    if before.ends_with("builtin") && positives.contains(&Rule::kw_fn) {
        found.push(Expectation::Required("`fn`"));
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            // The token type is not exported; its display is the literal text for the
            // case-sensitive literals this grammar uses.
            let token = token.to_string();
            // `<` and `>` are comparison operators there, already named as such.
            if operator_expected && (token == "<" || token == ">") {
                continue;
            }
            found.extend(token_expectation(&token));
        }
    }
    found.sort_unstable();
    found.dedup();
    // An expression can start with a bracket, which the tokens list as `{`, `(` or `[`
    // (operators elsewhere): naming them next to "an expression" is noise.
    if found.contains(&Expectation::Required("an expression")) {
        found.retain(|e| {
            *e != Expectation::Required("`{`") && *e != Expectation::Continuation("an operator")
        });
    }
    let next_is_punctuation = input
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| !c.is_alphanumeric() && c != '_' && c != '"');
    let required: Vec<&str> = found
        .iter()
        .filter_map(|e| match e {
            Expectation::Required(d) => Some(*d),
            Expectation::Continuation(d) if next_is_punctuation => Some(*d),
            _ => None,
        })
        .collect();
    let mut expected: Vec<String> = if required.is_empty() {
        found
            .iter()
            .map(|e| match e {
                Expectation::Required(d)
                | Expectation::Continuation(d)
                | Expectation::Boundary(d) => *d,
            })
            .map(str::to_owned)
            .collect()
    } else {
        required.into_iter().map(str::to_owned).collect()
    };
    expected.dedup();
    GrammarError {
        offset,
        expected,
        too_complex: false,
    }
}

/// What a rule stands for when the parser expected it.
fn rule_expectation(kind: Kind) -> Option<Expectation> {
    use Expectation::{Boundary, Continuation, Required};
    Some(match kind {
        Kind::EOI => Boundary("end of file"),
        Kind::item | Kind::item_keyword | Kind::doc | Kind::doc_line | Kind::attribute => {
            Boundary("an item")
        }
        Kind::kw_for | Kind::kw_let | Kind::kw_where | Kind::kw_when | Kind::kw_unless => {
            Required("a clause")
        }
        Kind::op_coalesce
        | Kind::compare_op
        | Kind::op_not_in
        | Kind::add_op
        | Kind::mul_op
        | Kind::kw_and
        | Kind::kw_or
        | Kind::kw_matches
        | Kind::kw_glob
        | Kind::member
        | Kind::member_dot
        | Kind::index
        | Kind::call_args => Continuation("an operator"),
        Kind::type_args => Continuation("`<`"),
        Kind::optional_mark => Continuation("`?`"),
        Kind::expr
        | Kind::coalesce
        | Kind::or_expr
        | Kind::and_expr
        | Kind::not_expr
        | Kind::comparison
        | Kind::additive
        | Kind::multiplicative
        | Kind::unary
        | Kind::postfix
        | Kind::op_neg
        | Kind::kw_not
        | Kind::paren
        | Kind::image_lit
        | Kind::list
        | Kind::braces
        | Kind::aggregate
        | Kind::aggregate_name
        | Kind::name
        | Kind::float
        | Kind::duration
        | Kind::kw_true
        | Kind::kw_false
        | Kind::kw_none
        | Kind::kw_image => Required("an expression"),
        Kind::kw_in => Required("`in`"),
        Kind::date => Required("a date"),
        Kind::int => Required("an integer"),
        Kind::string | Kind::raw_string => Required("a string"),
        Kind::interpolation
        | Kind::string_text
        | Kind::escape
        | Kind::brace_escape
        | Kind::stray_rbrace => Required("`\"`"),
        Kind::type_expr | Kind::type_atom => Required("a type"),
        Kind::ident | Kind::path => Required("a name"),
        Kind::field_name | Kind::record_field => Required("a field name"),
        Kind::fn_params => Required("`(`"),
        Kind::type_params => Required("`<`"),
        Kind::fn_param => Required("a parameter"),
        Kind::variant => Required("a variant"),
        Kind::field_decl => Required("a field"),
        Kind::expect_stmt | Kind::kw_expect => Required("`expect`"),
        Kind::outcome | Kind::kw_denies | Kind::kw_warns | Kind::kw_passes => {
            Required("`denies`, `warns` or `passes`")
        }
        Kind::rule_action => Boundary("an item"),
        Kind::message_clause | Kind::kw_message => Required("`message`"),
        Kind::comprehension => Continuation("`for`"),
        Kind::generator => Required("`x in collection`"),
        Kind::generator_where | Kind::except_where => Required("`where`"),
        Kind::except_until | Kind::kw_until => Required("`until`"),
        Kind::except_because | Kind::kw_because => Required("`because`"),
        Kind::import_alias | Kind::kw_as => Continuation("`as`"),
        Kind::with_message | Kind::kw_with => Continuation("`with`"),
        Kind::times | Kind::kw_times => Continuation("`times`"),
        Kind::map_value => Required("`:`"),
        Kind::map_entry => Required("an entry"),
        Kind::kw_module
        | Kind::kw_import
        | Kind::kw_param
        | Kind::kw_type
        | Kind::kw_enum
        | Kind::kw_fn
        | Kind::kw_builtin
        | Kind::kw_deny
        | Kind::kw_warn
        | Kind::kw_info
        | Kind::kw_except
        | Kind::kw_secret
        | Kind::kw_test => Boundary("an item"),
        _ => return None,
    })
}

/// What a literal token of the grammar stands for when the parser expected it; words and
/// trivia are covered by the rules that contain them.
fn token_expectation(token: &str) -> Option<Expectation> {
    use Expectation::{Continuation, Required};
    Some(match token {
        "=" => Required("`=`"),
        ":" => Required("`:`"),
        "," => Required("`,`"),
        "{" => Required("`{`"),
        "}" => Required("`}`"),
        "(" => Continuation("an operator"),
        ")" => Required("`)`"),
        "[" => Continuation("an operator"),
        "]" => Required("`]`"),
        "->" => Required("`->`"),
        ">" => Continuation("`>`"),
        "." | "?." | "??" | "==" | "!=" | "<=" | ">=" | "+" | "-" | "*" | "/" | "%" => {
            Continuation("an operator")
        }
        "<" => Continuation("`<`"),
        "?" => Continuation("`?`"),
        _ => return None,
    })
}
