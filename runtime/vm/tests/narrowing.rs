//! Narrowing lookups and collapsed aggregates. A loop's second filter on a field with a
//! constant key becomes a second lookup, which the VM intersects with that field's table (or
//! answers by testing the few elements left); `count` and `any` whose filters all became
//! lookups read the narrowed collection's size instead of looping. Each rule here is checked
//! against the same rule written so that no index can answer it (`not (x != k)`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code asserts with unwrap and indexing; a failure is a test failure

use tollgate_bytecode::{Op, Program};
use tollgate_compiler::Compiler;
use tollgate_compiler::lower::lower;
use tollgate_facts::{
    Ecosystem, File, FileKind, FixState, Image, Package, PackageRef, Severity, Vulnerability,
};
use tollgate_vm::{EvalOptions, Vm, evaluate};

fn compile(source: &str) -> Program {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/narrow.tg", source);
    let errors: Vec<String> = compiler
        .diagnostics()
        .into_iter()
        .filter(|diagnostic| diagnostic.severity == tollgate_compiler::Severity::Error)
        .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    lower(&compiler.typed_program().unwrap()).unwrap()
}

/// Vulnerability `index`'s severity, as a position in `Severity`'s variants.
fn severity(index: usize) -> usize {
    index % 6
}

/// Vulnerability `index`'s fix state, as a position in `FixState`'s variants.
fn fix_state(index: usize) -> usize {
    index / 6 % 4
}

/// Package `index`'s licenses: some list one twice, which must not give two findings.
fn licenses(index: usize) -> Vec<String> {
    let names: &[&str] = match (index % 5, index % 7) {
        (0, _) => &["GPL-3.0", "MIT"],
        (_, 0) => &["GPL-3.0", "GPL-3.0"],
        _ => &["MIT"],
    };
    names.iter().map(ToString::to_string).collect()
}

/// Facts large enough that lookups narrow runs of hundreds of elements, spread so that every
/// combination the rules ask for occurs.
fn image() -> Image {
    let mut image = Image::default();
    for index in 0..1_000usize {
        image.packages.push(Package {
            name: format!("pkg{index}"),
            version: "1.0".to_string(),
            ecosystem: Ecosystem::Deb,
            layer: (index % 3) as i64,
            licenses: licenses(index),
            ..Package::default()
        });
    }
    for index in 0..4_000usize {
        image.vulnerabilities.push(Vulnerability {
            id: format!("CVE-2026-{index:05}"),
            severity: Severity::ALL[severity(index)],
            fix_state: FixState::ALL[fix_state(index)],
            package: PackageRef {
                name: format!("pkg{}", index * 13 % 1_100),
                version: "1.0".to_string(),
                ecosystem: Ecosystem::Deb,
                ..PackageRef::default()
            },
            ..Vulnerability::default()
        });
    }
    for index in 0..5_000usize {
        image.files.push(File {
            path: format!("/usr/lib/d{}/f{index}", index % 17),
            kind: if index % 11 == 0 {
                FileKind::Dir
            } else {
                FileKind::File
            },
            setuid: index % 97 == 0,
            setgid: index % 89 == 0,
            layer: (index % 4) as i64,
            ..File::default()
        });
    }
    image
}

/// Rules as `(name, header and clauses, message)`, each in an indexed and a plain spelling.
const RULES: [(&str, &str, &str, &str); 9] = [
    (
        "gpl_among_built",
        "for p in [q for q in image.packages where q.layer == 2]\n  where \"GPL-3.0\" in p.licenses",
        "for p in [q for q in image.packages where q.layer == 2]\n  where not (\"GPL-3.0\" not in p.licenses)",
        "{p.name}",
    ),
    (
        "gpl_in_layer",
        "for p in image.packages\n  where p.layer == 2 and \"GPL-3.0\" in p.licenses",
        "for p in image.packages\n  where not (p.layer != 2) and not (\"GPL-3.0\" not in p.licenses)",
        "{p.name}",
    ),
    (
        "fixable_high",
        "for v in image.vulnerabilities\n  where v.severity == High and v.fix_state == Fixed",
        "for v in image.vulnerabilities\n  where not (v.severity != High) and not (v.fix_state != Fixed)",
        "{v.id}",
    ),
    (
        "setuid_in_layer",
        "for f in image.files\n  where f.setuid\n  where f.layer == 2",
        "for f in image.files\n  where f.setuid == true\n  where not (f.layer != 2)",
        "{f.path}",
    ),
    (
        "named_in_layer",
        "for p in image.packages\n  where p.layer == 1 and p.name in {\"pkg1\", \"pkg4\", \"pkg7\", \"pkg10\", \"pkg999\"}",
        "for p in image.packages\n  where not (p.layer != 1) and not (p.name not in {\"pkg1\", \"pkg4\", \"pkg7\", \"pkg10\", \"pkg999\"})",
        "{p.name}",
    ),
    (
        "critical_unfixed",
        "let n = count(v in image.vulnerabilities where v.severity == Critical and v.fix_state == NotFixed)",
        "let n = count(v in image.vulnerabilities where not (v.severity != Critical) and not (v.fix_state != NotFixed))",
        "{n}",
    ),
    (
        "setgid_dirs",
        "let found = any(f in image.files where f.setgid and f.kind == Dir)",
        "let found = any(f in image.files where f.setgid == true and not (f.kind != Dir))",
        "{found}",
    ),
    (
        "no_such_dirs",
        "let found = any(f in image.files where f.setuid and f.kind == Dir and f.layer == 3)",
        "let found = any(f in image.files where f.setuid == true and not (f.kind != Dir) and not (f.layer != 3))",
        "{found}",
    ),
    (
        "critical_in_base_layer",
        "for v in image.vulnerabilities\n  where v.severity == Critical\n  for p in image.packages\n  where p.name == v.package.name and p.layer == 0",
        "for v in image.vulnerabilities\n  where not (v.severity != Critical)\n  for p in image.packages\n  where p.name == v.package.name and not (p.layer != 0)",
        "{v.id} in {p.name}",
    ),
];

fn policy(indexed: bool) -> String {
    RULES
        .iter()
        .map(|(name, narrow, plain, message)| {
            let clauses = if indexed { narrow } else { plain };
            format!("deny {name}\n  {clauses}\n  message \"{message}\"\n\n")
        })
        .collect()
}

/// Each rule's messages, in order.
fn messages(program: &Program, image: &Image) -> Vec<(String, String)> {
    let linked = Vm::link(program).unwrap();
    let options = EvalOptions::new("2026-11-27T12:00:00Z".parse().unwrap());
    evaluate(&linked, image, &options)
        .unwrap()
        .findings
        .into_iter()
        .map(|finding| (finding.rule, finding.message))
        .collect()
}

/// The instructions of one rule of a program.
fn code<'p>(program: &'p Program, rule: &str) -> &'p [Op] {
    &program
        .rules
        .iter()
        .find(|candidate| candidate.name == format!("acme.narrow.{rule}"))
        .unwrap()
        .chunk
        .code
}

fn lookups(code: &[Op]) -> usize {
    code.iter()
        .filter(|op| matches!(op, Op::Lookup(_) | Op::LookupIn(_)))
        .count()
}

fn loops(code: &[Op]) -> usize {
    code.iter()
        .filter(|op| matches!(op, Op::Next { .. }))
        .count()
}

#[test]
fn every_constant_filter_of_a_loop_is_a_lookup_and_aggregates_without_filters_do_not_loop() {
    let indexed = compile(&policy(true));
    let plain = compile(&policy(false));
    let expected = [
        // The comprehension's own filter, then the loop over the list it built.
        ("gpl_among_built", 2, 2),
        ("gpl_in_layer", 2, 1),
        ("fixable_high", 2, 1),
        ("setuid_in_layer", 2, 1),
        ("named_in_layer", 2, 1),
        ("critical_unfixed", 2, 0),
        ("setgid_dirs", 2, 0),
        ("no_such_dirs", 3, 0),
        // The join's computed key is looked up first; the constant layer then narrows it.
        ("critical_in_base_layer", 3, 2),
    ];
    for (rule, lookup_count, loop_count) in expected {
        let listing = indexed.disassemble();
        assert_eq!(
            lookups(code(&indexed, rule)),
            lookup_count,
            "{rule}\n{listing}"
        );
        assert_eq!(loops(code(&indexed, rule)), loop_count, "{rule}\n{listing}");
    }
    // The plain spellings keep their filters: one loop each, only the join looks up.
    assert_eq!(lookups(code(&plain, "fixable_high")), 0);
    assert_eq!(lookups(code(&plain, "critical_in_base_layer")), 1);
    assert_eq!(loops(code(&plain, "critical_unfixed")), 1);
}

#[test]
fn narrowed_lookups_find_what_plain_filters_find() {
    let image = image();
    let indexed = messages(&compile(&policy(true)), &image);
    let plain = messages(&compile(&policy(false)), &image);
    let rule_of = |found: &[(String, String)], rule: &str| -> Vec<String> {
        found
            .iter()
            .filter(|(name, _)| *name == format!("acme.narrow.{rule}"))
            .map(|(_, message)| message.clone())
            .collect()
    };
    // Rule by rule, so that a difference names its rule.
    for (rule, ..) in RULES {
        assert_eq!(rule_of(&indexed, rule), rule_of(&plain, rule), "{rule}");
    }
    assert_eq!(indexed.len(), plain.len());
    // Every rule fired, with the counts the facts were built to give.
    let of = |rule: &str| rule_of(&indexed, rule);
    let vulnerabilities = |wanted: (usize, usize)| {
        (0..4_000)
            .filter(|index| (severity(*index), fix_state(*index)) == wanted)
            .count()
    };
    // High and Fixed: the first is index 10 (10 % 6 == 4, 10 / 6 % 4 == 1).
    assert_eq!(of("fixable_high").len(), vulnerabilities((4, 1)));
    assert_eq!(of("fixable_high")[0], "CVE-2026-00010");
    let setuid_in_layer_2 = (0..5_000).filter(|i| i % 97 == 0 && i % 4 == 2).count();
    assert!(setuid_in_layer_2 > 0);
    assert_eq!(of("setuid_in_layer").len(), setuid_in_layer_2);
    assert_eq!(of("named_in_layer"), ["pkg1", "pkg4", "pkg7", "pkg10"]);
    let gpl_in_layer_2: Vec<String> = (0..1_000)
        .filter(|i| i % 3 == 2 && licenses(*i).contains(&"GPL-3.0".to_string()))
        .map(|i| format!("pkg{i}"))
        .collect();
    assert!(gpl_in_layer_2.contains(&"pkg14".to_string()));
    assert_eq!(of("gpl_in_layer"), gpl_in_layer_2);
    // A list built during evaluation is filtered as a facts collection is.
    assert_eq!(of("gpl_among_built"), gpl_in_layer_2);
    // Critical and NotFixed.
    let critical_unfixed = vulnerabilities((5, 2));
    assert!(critical_unfixed > 0);
    assert_eq!(of("critical_unfixed"), [critical_unfixed.to_string()]);
    let setgid_dirs = (0..5_000).any(|i| i % 89 == 0 && i % 11 == 0);
    assert_eq!(of("setgid_dirs"), [setgid_dirs.to_string()]);
    assert_eq!(of("setgid_dirs"), ["true"]);
    let setuid_dirs_in_layer_3 = (0..5_000).any(|i| i % 97 == 0 && i % 11 == 0 && i % 4 == 3);
    assert_eq!(of("no_such_dirs"), [setuid_dirs_in_layer_3.to_string()]);
    assert!(!of("critical_in_base_layer").is_empty());
}
