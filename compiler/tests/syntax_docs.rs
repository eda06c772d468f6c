//! Every ```tg example of `docs/language.md` parses with no syntax error, and together the
//! examples show every construct of the language.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the point.

use std::path::Path;
use tollgate_compiler::syntax::parse;

/// `(line, code)` of every ```tg block of the language reference.
fn tg_blocks() -> Vec<(usize, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```tg") => current = Some((index + 1, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, code)), _) => {
                code.push_str(line);
                code.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "unterminated ```tg block");
    blocks
}

#[test]
fn every_example_of_the_language_reference_parses() {
    let blocks = tg_blocks();
    assert!(blocks.len() >= 10, "only {} examples", blocks.len());
    for (line, code) in &blocks {
        let parse = parse(code);
        assert!(
            parse.errors.is_empty(),
            "docs/language.md:{line}: {:?}",
            parse.errors
        );
    }
}

#[test]
fn the_examples_show_every_construct() {
    let all: String = tg_blocks().into_iter().map(|(_, code)| code).collect();
    let constructs = [
        "//!",
        "///",
        "module ",
        "import ",
        " as ",
        "@id(",
        "param ",
        "type ",
        "enum ",
        "fn ",
        "builtin fn ",
        "<K, V>",
        "deny ",
        "warn ",
        "info ",
        "for ",
        "let ",
        "where ",
        "when ",
        "unless ",
        "message ",
        "except ",
        "until ",
        "because ",
        "secret ",
        "test ",
        "expect ",
        "denies ",
        "passes ",
        "warns ",
        "with message",
        "times ",
        "image {",
        "facts(",
        "count(",
        "any(",
        "all(",
        "sum(",
        "min(",
        "max(",
        "??",
        "?.",
        " or ",
        " and ",
        "not ",
        " not in ",
        " in ",
        " matches ",
        " glob ",
        "==",
        "!=",
        "<=",
        ">=",
        " + ",
        " - ",
        " * ",
        " % ",
        "[f.path for",
        "{f.uid for",
        "r\"",
        "r#\"",
        "2027-01-31",
        "1h30m",
        "90d",
        "1_000",
        "0.75",
        "none",
        "true",
        "{}",
        "{{",
        "\\t",
        "string?",
        "map<",
        "set<",
        "list<",
        ".starts_with(",
        "Severity",
        "{v.id}",
    ];
    let missing: Vec<&str> = constructs
        .iter()
        .copied()
        .filter(|c| !all.contains(c))
        .collect();
    assert!(missing.is_empty(), "no example shows {missing:?}");
}
