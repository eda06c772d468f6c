//! The chunk splitter that incremental parsing stands on: it cuts a file into whole items
//! without ever failing, and never inside a string, an interpolation, a raw string, brackets
//! or a comment, even when a line there starts with an item keyword. Each case checks the cut
//! and that the database (which parses chunk by chunk) reports the same diagnostics, at the
//! same file positions, as the item-by-item parse of the whole text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed expectation should stop the test with its message

use tollgate_compiler::Compiler;
use tollgate_compiler::syntax::{chunks, parse};

/// The text of every chunk of `text`.
fn chunk_texts(text: &str) -> Vec<&str> {
    let cut = chunks(text);
    // The chunks tile the text: no byte lost or repeated.
    let mut end = 0;
    for (start, stop) in &cut {
        assert_eq!(*start, end, "chunks must be contiguous: {cut:?}");
        end = *stop;
    }
    assert_eq!(end, text.len(), "chunks must cover the text: {cut:?}");
    cut.iter().map(|(s, e)| &text[*s..*e]).collect()
}

#[test]
fn item_keywords_inside_strings_and_comments_do_not_cut() {
    let text = concat!(
        "//! Module docs.\n",
        "import std.vulns\n",
        "\n",
        "/// A rule whose message spans lines that look like items.\n",
        "@id(\"X-1\")\n",
        "deny multi_line_message\n",
        "  for p in image.packages\n",
        "  where p.name == \"busybox\"\n",
        "  message \"first line\n",
        "deny not_a_rule {p.name.starts_with(\"x\n",
        "test \") == true}\n",
        "warn still the message\"\n",
        "\n",
        "deny raw_pattern\n",
        "  for f in image.files\n",
        "  where f.path matches r#\"^/etc/\"x\"\n",
        "info (.*)$\"#\n",
        "\n",
        "deny bracketed\n",
        "  when count([\n",
        "f.size\n",
        "  for f in image.files where f.size > 0\n",
        "]) > 0 // deny in a comment does not cut either\n",
    );
    let texts = chunk_texts(text);
    assert_eq!(texts.len(), 5, "{texts:#?}");
    assert!(texts[0].starts_with("//! Module docs."));
    assert!(texts[1].starts_with("import std.vulns"));
    assert!(texts[2].starts_with("/// A rule whose message"));
    assert!(texts[2].contains("warn still the message"));
    assert!(texts[3].starts_with("deny raw_pattern") && texts[3].contains("info (.*)$"));
    assert!(texts[4].starts_with("deny bracketed"));

    // The file is valid, and the database agrees with the whole-text parse.
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.file.items.len(), 4);
    let mut compiler = Compiler::new();
    compiler.set_source("cut.tg", text);
    let errors: Vec<_> = compiler
        .diagnostics()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(compiler.syntax("cut.tg").unwrap(), parsed.file);
}

#[test]
fn items_sharing_a_chunk_are_each_checked_at_their_file_position() {
    // Two rules on one line share a chunk; the second has a type error.
    let text = "deny first when image.size > 1 deny second when image.size > \"big\"\n\ndeny third\n  when image.size > 2\n";
    let texts = chunk_texts(text);
    assert_eq!(texts.len(), 2, "{texts:#?}");
    let mut compiler = Compiler::new();
    compiler.set_source("shared.tg", text);
    let diagnostics = compiler.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let at = text.find("image.size > \"big\"").unwrap();
    let span = diagnostics[0].primary.span;
    assert!(
        span.start >= at && span.end <= at + "image.size > \"big\"".len(),
        "{span:?} is not on the second rule's condition at {at}"
    );
    assert_eq!(diagnostics[0].line_column(text), (1, span.start + 1));
}

#[test]
fn an_unclosed_bracket_runs_to_the_end_and_recovery_keeps_the_good_items() {
    let text = "deny broken\n  when count([1, 2) > 0\n\ndeny good\n  when image.size > 1\n\ndeny typo\n  when image.sise > 1\n";
    // The unclosed `[` swallows the rest of the file into one chunk...
    assert_eq!(chunk_texts(text).len(), 1);
    // ...which recovery cuts at item lines again: one syntax error, and the items after it
    // are still checked (the typo is found).
    let mut compiler = Compiler::new();
    compiler.set_source("broken.tg", text);
    let codes: Vec<&str> = compiler.diagnostics().iter().map(|d| d.code).collect();
    assert_eq!(codes, ["TG0001", "TG0102"], "{:?}", compiler.diagnostics());
}

#[test]
fn an_unterminated_string_never_fails_the_cut() {
    let text = "deny a\n  message \"never closed\n\ndeny b\n  when true\n";
    assert_eq!(chunk_texts(text).len(), 1);
    let mut compiler = Compiler::new();
    compiler.set_source("open.tg", text);
    assert!(compiler.has_errors());
}
