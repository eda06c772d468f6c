#![allow(clippy::unwrap_used)]
use tollgate_compiler::Compiler;
#[test]
fn smoke() {
    let mut c = Compiler::new();
    let text = std::fs::read_to_string("tests/data/check/design_example.tg").unwrap();
    c.set_source("acme/prod.tg", &text);
    for d in c.diagnostics() {
        let src = c.source_text(&d.file).unwrap();
        let (l, col) = d.line_column(&src);
        eprintln!("{}:{}:{}: {} {} [{}] help={:?}", d.file, l, col, d.severity.as_str(), d.code, d.message, d.help);
    }
    assert!(c.typed_program().is_some());
}
