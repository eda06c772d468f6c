//! The pest grammar of the Tollgate policy language and the parser derived from it.
//!
//! Nothing outside this crate sees pest: [`parse`] returns this crate's own [`Node`] tree (a
//! [`Kind`] and a byte range per node, comments set aside) or a [`GrammarError`] that says in
//! words what was expected. The compiler builds its syntax tree from the nodes.

mod describe;
mod generated;

use generated::{Rule, TollgateParser};
use pest::Parser;
use std::num::NonZeroUsize;

pub use describe::GrammarError;

/// Every keyword of the language, for editor grammars and completion: the reserved words, the
/// literal words `true false none`, and the contextual words `image expect denies warns passes
/// with times` (keywords only where they appear, otherwise ordinary names).
pub const KEYWORDS: &[&str] = &[
    "module", "import", "as", "param", "type", "enum", "fn", "builtin", "deny", "warn", "info",
    "except", "secret", "test", "for", "in", "let", "where", "when", "unless", "message", "until",
    "because", "and", "or", "not", "matches", "glob", "true", "false", "none", "image", "expect",
    "denies", "warns", "passes", "with", "times",
];

/// The words that can never be names of bindings, rules, types or functions (they may still be
/// field names, after `.`, in record literals and in type declarations).
pub const RESERVED: &[&str] = &[
    "module", "import", "as", "param", "type", "enum", "fn", "builtin", "deny", "warn", "info",
    "except", "secret", "test", "for", "in", "let", "where", "when", "unless", "message", "until",
    "because", "and", "or", "not", "matches", "glob", "true", "false", "none",
];

/// The words that start an item at the beginning of a line (recovery splits files there).
pub const ITEM_KEYWORDS: &[&str] = &[
    "module", "import", "param", "type", "enum", "fn", "builtin", "deny", "warn", "info", "except",
    "secret", "test",
];

/// Serializes the parses that switch pest's error detail on and off.
static DETAIL_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Parser calls allowed per parse: far above any real policy (a 1,000-rule file needs a few
/// million), low enough that a hostile input fails fast instead of backtracking for minutes.
const CALL_LIMIT: usize = 200_000_000;

macro_rules! kinds {
    (rules: $($name:ident),* ; folded: $($folded:ident),* $(,)?) => {
        /// The kinds of nodes: one per non-silent grammar rule, named as in `tollgate.pest`, and
        /// one per precedence level of the expressions (folded from the flat `expr` rule).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $(
                #[doc = concat!("The `", stringify!($name), "` rule.")]
                $name,
            )*
            $(
                #[doc = concat!("The `", stringify!($folded), "` level of an expression.")]
                $folded,
            )*
        }

        impl Kind {
            const fn from_rule(rule: Rule) -> Kind {
                match rule {
                    $(Rule::$name => Kind::$name,)*
                }
            }

            /// The rule's name in `tollgate.pest` (the level's name for a precedence level).
            pub const fn rule_name(self) -> &'static str {
                match self {
                    $(Kind::$name => stringify!($name),)*
                    $(Kind::$folded => stringify!($folded),)*
                }
            }
        }
    };
}

kinds! {
    rules:
    EOI, file, item_head, item_keyword, module_doc, module_doc_line, doc, doc_line, doc_text,
    attribute, item, module_decl, import_decl, import_alias, param_decl, type_decl, field_decl,
    enum_decl, variant, fn_decl, builtin_fn_decl, type_params, fn_params, fn_param, rule_decl,
    rule_action, except_decl, except_where, except_until, except_because, secret_decl, test_decl,
    expect_stmt, outcome, with_message, times, for_clause, let_clause, where_clause, when_clause,
    unless_clause, message_clause, type_expr, type_atom, type_args, optional_mark, expr,
    // `unary` and `postfix` are rules that the node tree dissolves, then precedence levels
    unary, postfix, op_coalesce, compare_op, op_not_in, add_op, mul_op, op_neg, member,
    member_dot, index, call_args, paren, image_lit, list, braces, record_field, map_value,
    map_entry, comprehension, generator, generator_where, aggregate, aggregate_name, name, date,
    duration, float, int, string, string_text, escape, brace_escape, interpolation, stray_rbrace,
    raw_string,
    path, ident, field_name, kw_module, kw_import, kw_as, kw_param, kw_type, kw_enum, kw_fn,
    kw_builtin, kw_deny, kw_warn, kw_info, kw_except, kw_secret, kw_test, kw_for, kw_in, kw_let,
    kw_where, kw_when, kw_unless, kw_message, kw_until, kw_because, kw_and, kw_or, kw_not,
    kw_matches, kw_glob, kw_true, kw_false, kw_none, kw_image, kw_expect, kw_denies, kw_warns,
    kw_passes, kw_with, kw_times, COMMENT, comment_text,
    // silent rules: pest names them too, but they never appear as nodes
    item_body, clause, logic_op, tight_op, postfix_op, primary, literal, digits, string_lit,
    string_piece, ident_char, reserved, WHITESPACE;
    folded:
    coalesce, or_expr, and_expr, not_expr, comparison, additive, multiplicative,
}

/// One node of the parse: a grammar rule that matched the bytes `start..end` of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Which rule matched.
    pub kind: Kind,
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
    /// The nodes of the rule's non-silent sub-rules, in order (comments excluded). An `expr`
    /// has one child, its loosest precedence level that holds an operator (`coalesce`,
    /// `or_expr`, ... `unary`, `postfix`), or its lone operand: a level node lists its operands
    /// and operators in order, and levels with a single operand are left out.
    pub children: Vec<Node>,
}

impl Node {
    /// The matched text, sliced from the input the node was parsed from.
    pub fn text<'t>(&self, input: &'t str) -> &'t str {
        input.get(self.start..self.end).unwrap_or("")
    }
}

/// A successful parse: the root node and the `//` comments found as trivia.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// The entry rule's node.
    pub root: Node,
    /// The byte ranges `(start, end)` of every plain `//` comment, in source order.
    pub comments: Vec<(usize, usize)>,
}

/// Where to start parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A whole file (or a slice of one made of whole items): `module_doc? item*`.
    File,
    /// Only the head of an item (doc, attributes, keyword, name), to name a broken item.
    ItemHead,
}

/// Parses `input` from `entry` without describing a failure (cheaper when the caller only needs
/// to know whether it parses, as on the first, whole-file attempt of error recovery).
pub fn try_parse(entry: Entry, input: &str) -> Option<Tree> {
    pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    let rule = match entry {
        Entry::File => Rule::file,
        Entry::ItemHead => Rule::item_head,
    };
    let pairs = TollgateParser::parse(rule, input).ok()?;
    Some(tree(input, pairs))
}

/// Parses `input` from `entry`. Never panics; fails with what was expected where parsing stopped.
pub fn parse(entry: Entry, input: &str) -> Result<Tree, GrammarError> {
    pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    let rule = match entry {
        Entry::File => Rule::file,
        Entry::ItemHead => Rule::item_head,
    };
    // Tracking the expected tokens slows every parse down, so it is only switched on to
    // describe an error, by parsing the failing input again. The switch is process-wide: the
    // lock keeps one retry from switching it off under another.
    let pairs = match TollgateParser::parse(rule, input) {
        Ok(pairs) => pairs,
        Err(_) => {
            let _guard = DETAIL_LOCK
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            pest::set_error_detail(true);
            let detailed = TollgateParser::parse(rule, input);
            pest::set_error_detail(false);
            return Err(match detailed {
                Err(e) => describe::grammar_error(&e, input),
                Ok(_) => GrammarError {
                    offset: 0,
                    expected: Vec::new(),
                    too_complex: true,
                },
            });
        }
    };
    Ok(tree(input, pairs))
}

/// The node tree of a successful parse.
fn tree(input: &str, pairs: pest::iterators::Pairs<'_, Rule>) -> Tree {
    let mut comments = Vec::new();
    let mut roots = Vec::new();
    for pair in pairs {
        collect(input, pair, &mut roots, &mut comments);
    }
    comments.sort_unstable();
    let root = roots.into_iter().next().unwrap_or(Node {
        kind: Kind::file,
        start: 0,
        end: input.len(),
        children: Vec::new(),
    });
    Tree { root, comments }
}

/// Converts one pair (and its descendants) into nodes, setting comments aside.
fn collect(
    input: &str,
    pair: pest::iterators::Pair<'_, Rule>,
    out: &mut Vec<Node>,
    comments: &mut Vec<(usize, usize)>,
) {
    let span = pair.as_span();
    let rule = pair.as_rule();
    if rule == Rule::COMMENT {
        comments.push((span.start(), span.end()));
        return;
    }
    let mut children = Vec::new();
    for inner in pair.into_inner() {
        collect(input, inner, &mut children, comments);
    }
    let kind = Kind::from_rule(rule);
    // An operand is only a grouping of the flat `expr` rule: its parts join the expression's
    // run of operands and operators, which is then folded by precedence.
    if matches!(kind, Kind::unary | Kind::postfix) {
        out.append(&mut children);
        return;
    }
    if kind == Kind::expr {
        children = fold_expr(children);
    }
    let end = if keeps_trailing_space(kind) {
        span.end()
    } else {
        trim_trivia_end(input, span.start(), span.end(), comments)
    };
    out.push(Node {
        kind,
        start: span.start(),
        end,
        children,
    });
}

/// How one precedence level of an expression combines its operands.
#[derive(Clone, Copy)]
enum Level {
    /// Operands of the next level joined by operators of one kind, as a node of this kind.
    Binary(Kind, Kind),
    /// Prefix operators of one kind before an operand of the next level.
    Prefix(Kind, Kind),
    /// A primary and its postfix operators.
    Postfix,
}

/// The precedence levels, loosest first: the same nodes the grammar built when it had one rule
/// per level. `??` folds to the right and the others to the left in the syntax tree builder,
/// which also rejects chained comparisons.
const LEVELS: [Level; 9] = [
    Level::Binary(Kind::coalesce, Kind::op_coalesce),
    Level::Binary(Kind::or_expr, Kind::kw_or),
    Level::Binary(Kind::and_expr, Kind::kw_and),
    Level::Prefix(Kind::not_expr, Kind::kw_not),
    Level::Binary(Kind::comparison, Kind::compare_op),
    Level::Binary(Kind::additive, Kind::add_op),
    Level::Binary(Kind::multiplicative, Kind::mul_op),
    Level::Prefix(Kind::unary, Kind::op_neg),
    Level::Postfix,
];

type Run = std::iter::Peekable<std::vec::IntoIter<Node>>;

/// Folds the flat run of an `expr` (prefix operators, primaries, postfix and binary operators)
/// into its single top level node. The grammar only accepts well-formed runs; should one not
/// be, the `expr` is left empty, which the syntax tree builder reports as a broken item.
fn fold_expr(run: Vec<Node>) -> Vec<Node> {
    let mut run = run.into_iter().peekable();
    match fold_level(&mut run, 0) {
        Some(node) if run.peek().is_none() => vec![node],
        _ => Vec::new(),
    }
}

/// Folds the longest prefix of `run` that forms an operand of `LEVELS[level]`.
fn fold_level(run: &mut Run, level: usize) -> Option<Node> {
    match *LEVELS.get(level)? {
        Level::Binary(kind, operator) => {
            let first = fold_level(run, level + 1)?;
            if run.peek().is_none_or(|next| next.kind != operator) {
                return Some(first);
            }
            let mut children = vec![first];
            while let Some(op) = run.next_if(|next| next.kind == operator) {
                children.push(op);
                children.push(fold_level(run, level + 1)?);
            }
            level_node(kind, children)
        }
        Level::Prefix(kind, operator) => {
            let mut children = Vec::new();
            while let Some(op) = run.next_if(|next| next.kind == operator) {
                children.push(op);
            }
            let operand = fold_level(run, level + 1)?;
            if children.is_empty() {
                return Some(operand);
            }
            children.push(operand);
            level_node(kind, children)
        }
        Level::Postfix => {
            let primary = run.next_if(|next| !is_operator(next.kind))?;
            if run.peek().is_none_or(|next| !is_postfix(next.kind)) {
                return Some(primary);
            }
            let mut children = vec![primary];
            while let Some(op) = run.next_if(|next| is_postfix(next.kind)) {
                children.push(op);
            }
            level_node(Kind::postfix, children)
        }
    }
}

/// A precedence level's node, spanning its first to its last child.
fn level_node(kind: Kind, children: Vec<Node>) -> Option<Node> {
    Some(Node {
        kind,
        start: children.first()?.start,
        end: children.last()?.end,
        children,
    })
}

fn is_postfix(kind: Kind) -> bool {
    matches!(kind, Kind::member | Kind::index | Kind::call_args)
}

/// The nodes of an expression's run that are not operands.
fn is_operator(kind: Kind) -> bool {
    is_postfix(kind)
        || matches!(
            kind,
            Kind::op_coalesce
                | Kind::kw_or
                | Kind::kw_and
                | Kind::kw_not
                | Kind::compare_op
                | Kind::add_op
                | Kind::mul_op
                | Kind::op_neg
        )
}

/// Whether a node's text may legitimately end in whitespace (text inside strings and comments).
fn keeps_trailing_space(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::string_text | Kind::doc_text | Kind::comment_text
    )
}

/// The end of `start..end` without the whitespace and comments pest leaves at the end of a rule
/// whose last repetition or option matched nothing (spans must end at the last token).
fn trim_trivia_end(
    input: &str,
    start: usize,
    mut end: usize,
    comments: &[(usize, usize)],
) -> usize {
    loop {
        let text = input.get(start..end).unwrap_or("");
        let trimmed = text.trim_end_matches([' ', '\t', '\r', '\n']);
        end = start + trimmed.len();
        // Comments are collected in source order, so they are sorted by position.
        let found = comments
            .binary_search_by_key(&end, |(_, comment_end)| *comment_end)
            .ok()
            .and_then(|index| comments.get(index));
        match found {
            Some((comment_start, _)) if *comment_start >= start && *comment_start < end => {
                end = *comment_start;
            }
            _ => return end,
        }
    }
}
