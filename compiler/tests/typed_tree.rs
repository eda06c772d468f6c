//! The public API on the DESIGN §3 example: it validates with no error, its typed tree is
//! what lowering expects (resolved fields with their schema index, enum ordinals, except
//! bindings mapped to the rule's slots, coercions made explicit), and a field typo gives one
//! diagnostic with its code, position and suggestion that miette can render.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed expectation should stop the test with its message

use tollgate_compiler::hir::{self, Clause, ExprKind, ItemKind};
use tollgate_compiler::{Compiler, Severity};

fn design_example() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/check/design_example.tg"
    );
    std::fs::read_to_string(path).unwrap()
}

fn rule<'p>(program: &'p hir::Program, qualified: &str) -> &'p hir::Rule {
    program
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Rule(rule) if &*rule.qualified == qualified => Some(rule),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no rule {qualified}"))
}

#[test]
fn design_example_validates_and_types() {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/prod.tg", &design_example());
    let diagnostics = compiler.diagnostics();
    assert!(
        diagnostics.iter().all(|d| d.severity == Severity::Warning),
        "{diagnostics:?}"
    );
    let program = compiler.typed_program().expect("the example compiles");

    assert!(program.active_modules.iter().any(|m| &**m == "acme.prod"));
    assert!(
        program.active_modules.iter().any(|m| &**m == "std.vulns"),
        "imported stdlib module is active"
    );
    assert!(!program.active_modules.iter().any(|m| &**m == "std.schema"));

    let fixable = rule(&program, "acme.prod.fixable_vulns");
    assert_eq!(fixable.action, hir::Action::Deny);
    assert_eq!(fixable.bindings.len(), 1);
    let Clause::For { binding, iterable } = &fixable.clauses[0] else {
        panic!("first clause is a for")
    };
    assert_eq!(iterable.ty.to_string(), "list<Vulnerability>");
    assert_eq!(fixable.locals[binding.0 as usize].name.as_ref(), "v");
    // `v.severity > max_fixable and v.fixed_in != none`
    let Clause::Where(condition) = &fixable.clauses[1] else {
        panic!("second clause is a where")
    };
    let ExprKind::Binary {
        op: hir::BinaryOp::And,
        lhs,
        ..
    } = &condition.kind
    else {
        panic!("and")
    };
    let ExprKind::Binary {
        op: hir::BinaryOp::Gt,
        lhs: severity,
        rhs: threshold,
    } = &lhs.kind
    else {
        panic!(">")
    };
    let ExprKind::Field { field, .. } = &severity.kind else {
        panic!("field")
    };
    assert_eq!(
        (&*field.record.name, &*field.name, field.index),
        ("Vulnerability", "severity", 3)
    );
    assert!(matches!(&threshold.kind, ExprKind::Param(name) if &**name == "acme.prod.max_fixable"));

    // The param's default is the enum variant High, ordinal 4.
    let param = program
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Param(p) if &*p.name == "max_fixable" => Some(p),
            _ => None,
        })
        .unwrap();
    let ExprKind::Variant(variant) = &param.default.kind else {
        panic!("variant")
    };
    assert_eq!((&*variant.name, variant.ordinal), ("High", 4));

    // The except's `v` is bound to the rule's slot of `v`.
    let except = program
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Except(e) if &*item.module == "acme.prod" => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(&*except.rule, "acme.prod.fixable_vulns");
    assert_eq!(except.bindings, vec![(hir::LocalId(0), *binding)]);
    assert_eq!(
        except.until,
        Some(hir::Date {
            year: 2027,
            month: 1,
            day: 31
        })
    );

    // The test's image literal is a record of type Image with a nested Config record.
    let test = program
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Test(t) if &*item.module == "acme.prod" => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(test.expects.len(), 2);
    let hir::TestImage::Literal(image) = &test.expects[0].image else {
        panic!("literal")
    };
    assert_eq!(image.ty.to_string(), "Image");
    let ExprKind::Record { fields, .. } = &image.kind else {
        panic!("record")
    };
    assert_eq!(&*fields[0].0.name, "config");
    assert_eq!(fields[0].1.ty.to_string(), "Config");

    // Spans are relative to the item; span_base places them in the file.
    let text = design_example();
    let item = program
        .items
        .iter()
        .find(|item| matches!(&item.kind, ItemKind::Rule(r) if &*r.qualified == "acme.prod.root_user"))
        .unwrap();
    let start = item.span_base + item.span.start;
    assert!(text[start..].starts_with("/// Containers must not run as root."));
}

#[test]
fn string_compared_with_version_is_coerced() {
    let mut compiler = Compiler::new();
    compiler.set_source(
        "v.tg",
        "deny old\n  for p in image.packages\n  where p.version < \"3.0.13\"\n  message \"{p.name}\"\n",
    );
    assert!(
        compiler.diagnostics().is_empty(),
        "{:?}",
        compiler.diagnostics()
    );
    let program = compiler.typed_program().unwrap();
    let old = rule(&program, "v.old");
    let Clause::Where(condition) = &old.clauses[1] else {
        panic!("where")
    };
    let ExprKind::Binary { rhs, .. } = &condition.kind else {
        panic!("binary")
    };
    assert!(matches!(
        rhs.kind,
        ExprKind::Coerce {
            coercion: hir::Coercion::StringToVersion,
            ..
        }
    ));
    assert_eq!(rhs.ty.to_string(), "version");
}

#[test]
fn field_typo_is_one_error_with_position_code_and_suggestion() {
    let mut compiler = Compiler::new();
    let text = design_example().replace(
        "where v.severity > max_fixable",
        "where v.severty > max_fixable",
    );
    compiler.set_source("acme/prod.tg", &text);
    let errors: Vec<_> = compiler
        .diagnostics()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.code, "TG0102");
    assert_eq!(error.message, "no field `severty` on `Vulnerability`");
    assert_eq!(error.help.as_deref(), Some("did you mean `severity`?"));
    assert_eq!(&*error.file, "acme/prod.tg");
    assert_eq!(error.line_column(&text), (14, 11));
    assert_eq!(&text[error.primary.span.range()], "severty");
    assert!(compiler.typed_program().is_none());

    // miette sees the code, the help and the label at the right place.
    let sourced = error.with_source(&text);
    let as_miette: &dyn miette::Diagnostic = &sourced;
    assert_eq!(as_miette.code().unwrap().to_string(), "TG0102");
    assert_eq!(
        as_miette.help().unwrap().to_string(),
        "did you mean `severity`?"
    );
    let label = as_miette.labels().unwrap().next().unwrap();
    assert_eq!(label.offset(), error.primary.span.start);
    assert!(as_miette.source_code().is_some());
}

#[test]
fn removing_a_source_removes_its_diagnostics() {
    let mut compiler = Compiler::new();
    compiler.set_source("a.tg", "deny a\n  when image.sise > 0\n");
    assert_eq!(compiler.diagnostics().len(), 1);
    compiler.remove_source("a.tg");
    assert!(compiler.diagnostics().is_empty());
    assert!(compiler.source_paths().is_empty());
}

#[test]
fn the_stdlib_compiles_without_any_diagnostic() {
    let compiler = Compiler::new();
    let diagnostics = compiler.stdlib_diagnostics();
    let rendered: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let text = compiler.source_text(&d.file).unwrap();
            let (line, column) = d.line_column(&text);
            format!("{}:{line}:{column}: {} {}", d.file, d.code, d.message)
        })
        .collect();
    assert!(rendered.is_empty(), "{rendered:#?}");
    assert!(compiler.typed_program().is_some());
}
