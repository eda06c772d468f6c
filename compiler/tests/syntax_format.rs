//! Formatter tests: over every `.tg` file of the repository, formatting is idempotent and keeps
//! the syntax tree (spans aside) and every comment; on hand-written inputs, the canonical layout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the point.

use std::path::{Path, PathBuf};
use tollgate_compiler::format::format;
use tollgate_compiler::syntax::parse;

/// Every `.tg` file under the repository root, except build output, hidden folders, files
/// named `*broken*`, TextMate syntax tests (fragments, not policies: their first line is
/// `// SYNTAX TEST`) and files annotated with the syntax errors they must produce (`//~ TG00..`).
fn repository_policies() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') && name != "node_modules" {
                    pending.push(path);
                }
            } else if name.ends_with(".tg") && !name.contains("broken") {
                let text = std::fs::read_to_string(&path).unwrap();
                let expects_syntax_errors = text.contains("//~ TG00");
                if !text.starts_with("// SYNTAX TEST") && !expects_syntax_errors {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

/// The tree's debug form with every span (`start..end`) blanked.
fn tree_without_spans(text: &str) -> String {
    let debug = format!("{:?}", parse(text).file);
    let mut out = String::with_capacity(debug.len());
    let bytes = debug.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let digits = |from: usize| {
            bytes[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let n = digits(i);
        if n > 0 && bytes[i + n..].starts_with(b"..") && digits(i + n + 2) > 0 {
            out.push('_');
            i += n + 2 + digits(i + n + 2);
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

#[test]
fn every_repository_policy_formats_idempotently_and_keeps_its_tree() {
    let files = repository_policies();
    assert!(files.len() >= 3, "found only {files:?}");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let once = match format(&text) {
            Ok(once) => once,
            Err(e) => {
                failures.push(format!("{}: {e}: {:?}", path.display(), e.errors.first()));
                continue;
            }
        };
        let twice = format(&once).unwrap();
        if once != twice {
            failures.push(format!(
                "{}: not idempotent:\n{once}\n---\n{twice}",
                path.display()
            ));
        }
        if tree_without_spans(&text) != tree_without_spans(&once) {
            failures.push(format!(
                "{}: the formatted tree differs:\n{once}",
                path.display()
            ));
        }
        let comments = parse(&text).file.comments.len();
        assert_eq!(
            parse(&once).file.comments.len(),
            comments,
            "{}",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_construct_file_is_already_canonical() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/syntax/every_construct.tg");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(format(&text).unwrap(), text);
}

#[test]
fn messy_input_gets_the_canonical_layout() {
    let messy = "//! Docs.\n\n\n\nimport   std.vulns\nparam  x:list< int >=[1,2 , 3,]\n\
                 deny   r  for v in image.vulnerabilities   where v.severity>High and not(v.id==\"a\")\n\
                 // about the message\n  message \"{v.id}\"   // trailing\n\n\n\n\
                 enum E {A,B,\n C}\n\
                 fn f(a:int,b:int)->int=a+b*-1\n\
                 test \"t\"{expect image{config:{user:\"root\"}}denies r times 2}\n";
    let expected = "//! Docs.\n\nimport std.vulns\nparam x: list<int> = [1, 2, 3]\n\
                    deny r\n    for v in image.vulnerabilities\n    where v.severity > High and not (v.id == \"a\")\n\
                    \x20   // about the message\n    message \"{v.id}\" // trailing\n\n\
                    enum E {\n    A,\n    B,\n    C,\n}\n\
                    fn f(a: int, b: int) -> int = a + b * -1\n\
                    test \"t\" {\n    expect image { config: { user: \"root\" } } denies r times 2\n}\n";
    let formatted = format(messy).unwrap();
    assert_eq!(formatted, expected, "\n{formatted}");
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn comments_inside_expressions_move_to_a_line_boundary_and_are_kept() {
    let text = "deny r\n    where a and // first\n        b\n    message \"m\"\n";
    let formatted = format(text).unwrap();
    assert_eq!(
        formatted,
        "deny r\n    where a and b\n    // first\n    message \"m\"\n"
    );
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn multiline_collections_keep_one_element_per_line_with_comments() {
    let text = "param ports: set<int> = {\n  // web\n  80, 443,\n\n  8080 // alt\n}\n";
    let formatted = format(text).unwrap();
    assert_eq!(
        formatted,
        "param ports: set<int> = {\n    // web\n    80,\n    443,\n\n    8080, // alt\n}\n"
    );
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn expect_options_are_put_in_canonical_order() {
    let text =
        "test \"t\" {\n    expect facts(\"a.json\") denies r times 2 with message \"m\"\n}\n";
    assert_eq!(
        format(text).unwrap(),
        "test \"t\" {\n    expect facts(\"a.json\") denies r with message \"m\" times 2\n}\n"
    );
}

#[test]
fn files_with_syntax_errors_are_refused() {
    let error = format("deny r where\n").unwrap_err();
    assert_eq!(error.errors.len(), 1);
    assert_eq!(
        error.to_string(),
        "cannot format a file with 1 syntax error: expected an expression, found end of file"
    );
}
