//! Data-driven tests of resolution and type checking: every `tests/data/check/*.tg` file (a
//! one-file program) and every `tests/data/check/*/` folder (a program of several files, paths
//! relative to the folder) is compiled, and its diagnostics must be exactly the ones its
//! annotations announce.
//!
//! Annotation: a comment `//~ CODE message substring` at the end of a line expects one
//! diagnostic with that code whose primary span starts on that line and whose message contains
//! the substring; `//~^ CODE ...` points at the line above (`//~^^` two lines above ...).
//! ` | help: text` after the message also requires that text in the help. A file without
//! annotations must compile with no diagnostic at all.
//!
//! A second test proves that every diagnostic code, syntax codes included, is produced by at
//! least one of these files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed expectation should stop the test with its message

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tollgate_compiler::{Compiler, Diagnostic};

#[derive(Debug)]
struct Expected {
    file: String,
    line: usize,
    code: String,
    message: String,
    help: Option<String>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check")
}

/// Each case: its name and its files (path relative to the case, text).
fn cases() -> Vec<(String, Vec<(String, String)>)> {
    let mut cases = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().unwrap().to_string_lossy().to_string();
        if entry.is_dir() {
            let mut files = Vec::new();
            collect_tg(&entry, &entry, &mut files);
            files.sort();
            cases.push((name, files));
        } else if name.ends_with(".tg") {
            let text = std::fs::read_to_string(&entry).unwrap();
            cases.push((name.clone(), vec![(name, text)]));
        }
    }
    cases
}

fn collect_tg(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_tg(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "tg") {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

fn annotations(file: &str, text: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let up = rest.chars().take_while(|c| *c == '^').count();
        let rest = rest[up..].trim();
        let (main, help) = match rest.split_once(" | help: ") {
            Some((main, help)) => (main, Some(help.trim().to_string())),
            None => (rest, None),
        };
        let (code, message) = main.split_once(' ').unwrap_or((main, ""));
        out.push(Expected {
            file: file.to_string(),
            line: index + 1 - up,
            code: code.to_string(),
            message: message.trim().to_string(),
            help,
        });
    }
    out
}

fn render(diagnostic: &Diagnostic, text: &str) -> String {
    let (line, column) = diagnostic.line_column(text);
    format!(
        "{}:{line}:{column}: {} {} {} (help: {:?})",
        diagnostic.file,
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message,
        diagnostic.help
    )
}

/// Compiles one case and returns its diagnostics (in policy files) with their texts.
fn run(files: &[(String, String)]) -> (Compiler, Vec<Diagnostic>) {
    let mut compiler = Compiler::new();
    for (path, text) in files {
        compiler.set_source(path, text);
    }
    let diagnostics = compiler.diagnostics();
    (compiler, diagnostics)
}

#[test]
fn every_case_reports_exactly_its_annotations() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(
        cases.len() > 10,
        "too few cases found in {}",
        data_dir().display()
    );
    for (name, files) in &cases {
        let (compiler, diagnostics) = run(files);
        let mut expected: Vec<Expected> = files
            .iter()
            .flat_map(|(path, text)| annotations(path, text))
            .collect();
        let mut unexpected = Vec::new();
        for diagnostic in &diagnostics {
            let text = compiler.source_text(&diagnostic.file).unwrap();
            let (line, _) = diagnostic.line_column(&text);
            let found = expected.iter().position(|e| {
                e.file == *diagnostic.file
                    && e.line == line
                    && e.code == diagnostic.code
                    && diagnostic.message.contains(&e.message)
                    && e.help
                        .as_ref()
                        .is_none_or(|h| diagnostic.help.as_ref().is_some_and(|dh| dh.contains(h)))
            });
            match found {
                Some(index) => {
                    expected.remove(index);
                }
                None => unexpected.push(render(diagnostic, &text)),
            }
        }
        for missing in &expected {
            failures.push(format!(
                "{name}: expected at {}:{}: {} {} (help {:?}) but it was not reported",
                missing.file, missing.line, missing.code, missing.message, missing.help
            ));
        }
        for extra in unexpected {
            failures.push(format!("{name}: unexpected {extra}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_code_is_produced_by_some_case() {
    let mut produced = BTreeSet::new();
    for (_, files) in cases() {
        let (_, diagnostics) = run(&files);
        produced.extend(diagnostics.iter().map(|d| d.code));
    }
    // The syntax tests' inputs count too.
    let syntax_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/syntax");
    if syntax_dir.is_dir() {
        let mut files = Vec::new();
        collect_tg(&syntax_dir, &syntax_dir, &mut files);
        for file in files {
            let (_, diagnostics) = run(&[file]);
            produced.extend(diagnostics.iter().map(|d| d.code));
        }
    }
    let missing: Vec<&str> = tollgate_compiler::diagnostics::all_codes()
        .filter(|c| !produced.contains(c))
        .collect();
    assert!(missing.is_empty(), "no test case produces {missing:?}");
    for code in tollgate_compiler::diagnostics::all_codes() {
        assert!(
            tollgate_compiler::explain(code).is_some(),
            "{code} has no explanation"
        );
    }
}

#[test]
fn clean_cases_produce_a_typed_program() {
    for (name, files) in cases() {
        let has_annotations = files.iter().any(|(_, text)| text.contains("//~"));
        let (compiler, diagnostics) = run(&files);
        let errors = diagnostics.iter().any(Diagnostic::is_error);
        assert_eq!(compiler.typed_program().is_some(), !errors, "{name}");
        if !has_annotations {
            assert!(compiler.typed_program().is_some(), "{name} should compile");
        }
    }
}
