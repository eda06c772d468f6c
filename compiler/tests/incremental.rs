//! Incrementality: after an edit inside one rule's body, salsa's event log shows that only
//! that rule is re-parsed (`parse_chunk` runs once) and re-checked (`check_item` runs once),
//! however many other rules, files and stdlib items there are, and even though the edit moves
//! every item after it in the file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed expectation should stop the test with its message

use tollgate_compiler::Compiler;

fn policy(rules: usize, threshold: &str) -> String {
    let mut text = String::from("//! Generated rules.\n\nparam limit: int = 10\n\n");
    for index in 0..rules {
        let where_clause = if index == 1 {
            threshold.to_string()
        } else {
            format!("p.number > {index}")
        };
        text.push_str(&format!(
            "/// Rule {index}.\ndeny rule_{index}\n  for p in image.config.exposed_ports\n  where {where_clause}\n  message \"port {{p.number}} ({index})\"\n\n"
        ));
    }
    text.push_str("except rule_1\n  where p.number == limit\n  because \"reviewed\"\n");
    text
}

fn count(queries: &[String], name: &str) -> usize {
    queries
        .iter()
        .filter(|q| q.starts_with(&format!("{name}(")))
        .count()
}

#[test]
fn editing_one_rule_body_rechecks_only_that_rule() {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/a.tg", &policy(20, "p.number > 1"));
    compiler.set_source("acme/b.tg", &policy(20, "p.number > 1"));
    compiler.start_query_log();
    assert!(
        compiler.diagnostics().is_empty(),
        "{:?}",
        compiler.diagnostics()
    );
    let cold = compiler.executed_queries();
    // Every rule of both files (and the stdlib's items) was checked once.
    assert!(count(&cold, "check_item") > 2 * 20, "{cold:?}");

    // A one-line edit in rule_1's body that changes its length: every later item moves.
    compiler.set_source(
        "acme/a.tg",
        &policy(20, "p.number > 1000 and p.protocol == \"tcp\""),
    );
    assert!(
        compiler.diagnostics().is_empty(),
        "{:?}",
        compiler.diagnostics()
    );
    let warm = compiler.executed_queries();
    assert_eq!(
        count(&warm, "check_item"),
        1,
        "only the edited rule is re-checked: {warm:?}"
    );
    assert_eq!(
        count(&warm, "parse_chunk"),
        1,
        "only the edited rule is re-parsed: {warm:?}"
    );
    assert_eq!(
        count(&warm, "parse_file"),
        0,
        "validation never parses a whole file: {warm:?}"
    );
    assert_eq!(
        count(&warm, "global_scope"),
        0,
        "no signature changed, so the global scope is not rebuilt: {warm:?}"
    );
    assert_eq!(
        count(&warm, "file_chunks"),
        1,
        "only the edited file is cut into chunks again: {warm:?}"
    );
    // The except of rule_1 sees the same bindings, so it is not re-checked either.
    assert!(compiler.typed_program().is_some());

    // An edit that changes a rule's bindings re-checks the except that names it too.
    compiler.executed_queries();
    let renamed = policy(20, "p.number > 1").replace(
        "deny rule_1\n  for p in image.config.exposed_ports",
        "deny rule_1\n  for p in image.config.exposed_ports\n  let n = p.number",
    );
    compiler.set_source("acme/a.tg", &renamed);
    let diagnostics = compiler.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].code, "TG0106", "the new `let n` is unused");
    let after = compiler.executed_queries();
    assert_eq!(
        count(&after, "check_item"),
        2,
        "the rule and its except: {after:?}"
    );
    assert_eq!(
        count(&after, "parse_chunk"),
        1,
        "the except's text did not change, so only the rule is re-parsed: {after:?}"
    );
}

#[test]
fn editing_a_param_type_rechecks_its_users() {
    let mut compiler = Compiler::new();
    compiler.set_source("p.tg", "param limit: int = 3\n\ndeny a\n  when image.size > limit\n\ndeny b\n  when image.size > 0\n");
    assert!(compiler.diagnostics().is_empty());
    compiler.start_query_log();
    compiler.set_source("p.tg", "param limit: string = \"3\"\n\ndeny a\n  when image.size > limit\n\ndeny b\n  when image.size > 0\n");
    let diagnostics = compiler.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].code, "TG0114");
    let queries = compiler.executed_queries();
    // The param itself and every rule (the scope changed), but each once.
    assert!(count(&queries, "check_item") >= 3, "{queries:?}");
}
