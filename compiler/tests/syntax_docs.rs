//! Every ```tg example of `docs/language.md` parses with no syntax error, type-checks as part
//! of one policy, and together the examples show every construct of the language.
//!
//! The checked examples are, in order, one file `acme/prod.tg` of a policy repository (the
//! first example declares `module acme.prod`), next to a one-rule module `acme/common.tg` that
//! the first example imports. An example fenced ```` ```tg fragment ```` is only parsed: it
//! shows something a policy cannot hold on its own (the stdlib's schema and builtin
//! declarations).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the point.

use std::path::Path;
use tollgate_compiler::syntax::parse;
use tollgate_compiler::{Compiler, Diagnostic};

/// One ```tg block of the language reference.
struct Block {
    /// The line of its opening fence.
    line: usize,
    /// Its code.
    code: String,
    /// Fenced ```tg fragment: parsed, not checked.
    fragment: bool,
}

/// Every ```tg block of the language reference.
fn tg_blocks() -> Vec<Block> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, fence @ ("```tg" | "```tg fragment")) => {
                current = Some(Block {
                    line: index + 1,
                    code: String::new(),
                    fragment: fence.ends_with("fragment"),
                })
            }
            (None, fence) if fence.starts_with("```tg") => {
                panic!("docs/language.md:{}: unknown fence `{fence}`", index + 1)
            }
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.code.push_str(line);
                block.code.push('\n');
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
    for block in &blocks {
        let parse = parse(&block.code);
        assert!(
            parse.errors.is_empty(),
            "docs/language.md:{}: {:?}",
            block.line,
            parse.errors
        );
    }
}

#[test]
fn every_example_of_the_language_reference_type_checks() {
    let blocks = tg_blocks();
    let checked: Vec<&Block> = blocks.iter().filter(|b| !b.fragment).collect();
    assert!(
        checked.len() * 4 >= blocks.len() * 3,
        "most examples must be checked, not fragments"
    );
    // The policy file, and where each example starts in it (to name the example of an error).
    let mut policy = String::new();
    let mut starts = Vec::new();
    for block in &checked {
        starts.push((policy.len(), block.line));
        policy.push_str(&block.code);
        policy.push('\n');
    }
    let mut compiler = Compiler::new();
    compiler.set_source("acme/prod.tg", &policy);
    compiler.set_source(
        "acme/common.tg",
        "/// Shared by every ACME policy.\ndeny no_user\n    when image.config.user == \"\"\n",
    );
    let errors: Vec<String> = compiler
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d: &Diagnostic| {
            let (start, line) = starts
                .iter()
                .rev()
                .find(|(start, _)| *start <= d.primary.span.start)
                .copied()
                .unwrap_or((0, 0));
            if &*d.file != "acme/prod.tg" {
                return format!("{}: {} {}", d.file, d.code, d.message);
            }
            let within = policy
                .get(start..d.primary.span.start)
                .unwrap_or_default()
                .matches('\n')
                .count();
            format!(
                "docs/language.md:{}: {} {}",
                line + 1 + within,
                d.code,
                d.message
            )
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The examples are real rules: the typed program exists and holds them.
    let program = compiler.typed_program().expect("no typed program");
    assert!(program.items.len() >= 10, "{}", program.items.len());
}

#[test]
fn the_examples_show_every_construct() {
    let all: String = tg_blocks().into_iter().map(|block| block.code).collect();
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
