//! The exported keyword lists agree with `tollgate.pest`, the node tree has exact spans with
//! comments set aside, and flat expressions fold into one node per precedence level.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the point.

use tollgate_grammar::{Entry, ITEM_KEYWORDS, KEYWORDS, Kind, Node, RESERVED, parse};

fn grammar_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tollgate.pest")).unwrap()
}

#[test]
fn keywords_match_the_grammar() {
    let grammar = grammar_text();
    // Every `kw_NAME = @{ "NAME" ~ !ident_char }` rule is a keyword, and nothing else is.
    let mut from_rules: Vec<String> = grammar
        .lines()
        .filter_map(|line| line.strip_prefix("kw_"))
        .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        .collect();
    from_rules.sort();
    let mut exported: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
    exported.sort();
    assert_eq!(from_rules, exported);
    // The `reserved` rule lists exactly RESERVED.
    let start = grammar.find("reserved = _{").unwrap();
    let end = start + grammar[start..].find('}').unwrap();
    let mut reserved: Vec<&str> = grammar[start..end].split('"').skip(1).step_by(2).collect();
    reserved.sort_unstable();
    let mut exported_reserved = RESERVED.to_vec();
    exported_reserved.sort_unstable();
    assert_eq!(reserved, exported_reserved);
    for keyword in ITEM_KEYWORDS {
        assert!(RESERVED.contains(keyword), "{keyword}");
    }
}

fn find(node: &Node, kind: Kind) -> Option<&Node> {
    if node.kind == kind {
        return Some(node);
    }
    node.children.iter().find_map(|c| find(c, kind))
}

#[test]
fn nodes_end_at_their_last_token_and_comments_are_set_aside() {
    let text = "deny r\n    where a // why\n    message \"m\" // end\n";
    let tree = parse(Entry::File, text).unwrap();
    let clause = find(&tree.root, Kind::where_clause).unwrap();
    assert_eq!(clause.text(text), "where a");
    let rule = find(&tree.root, Kind::rule_decl).unwrap();
    assert!(rule.text(text).ends_with("\"m\""));
    let comments: Vec<&str> = tree.comments.iter().map(|&(s, e)| &text[s..e]).collect();
    assert_eq!(comments, ["// why", "// end"]);
    assert!(find(&tree.root, Kind::COMMENT).is_none());
}

#[test]
fn errors_name_what_was_expected() {
    let error = parse(Entry::File, "param p: int 5").unwrap_err();
    assert_eq!(error.offset, 13);
    assert_eq!(error.expected, ["`=`"]);
    assert!(!error.too_complex);
    let error = parse(Entry::File, "builtin fm x").unwrap_err();
    assert!(
        error.expected.contains(&"`fn`".to_owned()),
        "{:?}",
        error.expected
    );
}

/// The node kinds of an expression as an s-expression: levels in parentheses, leaves as text.
fn shape(node: &Node, text: &str) -> String {
    match node.kind {
        Kind::coalesce
        | Kind::or_expr
        | Kind::and_expr
        | Kind::not_expr
        | Kind::comparison
        | Kind::additive
        | Kind::multiplicative
        | Kind::unary
        | Kind::postfix => {
            let inner: Vec<String> = node.children.iter().map(|c| shape(c, text)).collect();
            format!("({} {})", node.kind.rule_name(), inner.join(" "))
        }
        _ => node.text(text).to_owned(),
    }
}

#[test]
fn flat_expressions_fold_into_one_node_per_precedence_level() {
    let text = "param p: int = a ?? b or c and not d == e + f * -g.h(1) ?? i < j < k";
    let tree = parse(Entry::File, text).unwrap();
    let expr = find(&tree.root, Kind::expr).unwrap();
    assert_eq!(expr.children.len(), 1);
    assert_eq!(
        shape(&expr.children[0], text),
        "(coalesce a ?? (or_expr b or (and_expr c and (not_expr not (comparison d == \
         (additive e + (multiplicative f * (unary - (postfix g .h(1))))))))) ?? \
         (comparison i < j < k))"
    );
    // Every level spans its first to its last token.
    let level = find(&tree.root, Kind::multiplicative).unwrap();
    assert_eq!(level.text(text), "f * -g.h(1)");
    // `not` only starts an operand of `??`, `or` and `and`; `not in` is a comparison.
    assert!(parse(Entry::File, "param p: bool = a == not b").is_err());
    assert!(parse(Entry::File, "param p: bool = -not b").is_err());
    let text = "param p: bool = a not in b";
    let tree = parse(Entry::File, text).unwrap();
    let expr = find(&tree.root, Kind::expr).unwrap();
    assert_eq!(shape(&expr.children[0], text), "(comparison a not in b)");
}

#[test]
fn long_operator_runs_parse_without_deep_recursion() {
    let negations = format!("param p: int = {}1", "-".repeat(100_000));
    let tree = parse(Entry::File, &negations).unwrap();
    let unary = find(&tree.root, Kind::unary).unwrap();
    assert_eq!(unary.children.len(), 100_001);
    let sums = format!("param p: int = 1{}", " + 1".repeat(100_000));
    let tree = parse(Entry::File, &sums).unwrap();
    let additive = find(&tree.root, Kind::additive).unwrap();
    assert_eq!(additive.children.len(), 200_001);
}
