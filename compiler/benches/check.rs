//! Benchmarks of validation (parse, resolve, type check, diagnostics) on a generated policy
//! repository of 1,000 rules in 10 files: cold (a fresh compiler) and after a one-line edit in
//! one rule's body (the salsa database re-checks only that rule).
// reason: benchmark code over generated input it built itself; a panic is a broken bench.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_compiler::Compiler;

const FILES: usize = 10;
const RULES_PER_FILE: usize = 100;

/// One generated file: a param, a helper fn, 100 rules of varied shapes, an except and a test.
fn generated_file(file: usize, edited_threshold: &str) -> String {
    let mut text = format!(
        "//! Generated policy module {file}.\nimport std.vulns\n\n/// Highest tolerated severity.\nparam max_severity_{file}: Severity = High\n\nfn is_shell_{file}(path: string) -> bool = path matches r\"^/(usr/)?bin/(ba|z|k|da)?sh$\"\n\n"
    );
    for rule in 0..RULES_PER_FILE {
        let body = match rule % 5 {
            0 => format!(
                "  for v in image.vulnerabilities\n  where v.severity > max_severity_{file} and v.fixed_in != none\n  message \"{{v.id}} in {{v.package.name}} {{v.package.version}}; fixed in {{v.fixed_in}} ({rule})\"\n"
            ),
            1 => {
                let threshold = if rule == 1 {
                    edited_threshold.to_string()
                } else {
                    format!("{rule}")
                };
                format!(
                    "  for p in image.config.exposed_ports\n  where p.number > {threshold} and p.protocol == \"tcp\"\n  message \"port {{p.number}}/{{p.protocol}}\"\n"
                )
            }
            2 => format!(
                "  for f in image.files\n  where is_shell_{file}(f.path) and f.setuid\n  message \"setuid shell {{f.path}} ({rule})\"\n"
            ),
            3 => format!(
                "  when count(v in image.vulnerabilities where v.severity >= Critical) > {rule}\n  message \"too many criticals\"\n"
            ),
            _ => format!(
                "  for p in image.packages\n  let name = lower(p.name)\n  where name.starts_with(\"lib\") and \"GPL-3.0\" in p.licenses\n  message \"{{name}} {{p.version}} is GPL ({rule})\"\n"
            ),
        };
        text.push_str(&format!("/// Rule {rule} of file {file}.\n@id(\"GEN-{file}-{rule}\")\ndeny rule_{rule}\n{body}\n"));
    }
    text.push_str(&format!(
        "except rule_0\n  where v.package.name == \"openssl\"\n  until 2027-01-31\n  because \"reviewed\"\n\ntest \"file {file}\" {{\n  expect image {{ config: {{ exposed_ports: [{{ number: 9000, protocol: \"tcp\" }}] }} }} denies rule_1\n}}\n"
    ));
    text
}

fn repository(edited_threshold: &str) -> Vec<(String, String)> {
    (0..FILES)
        .map(|file| {
            let threshold = if file == 0 { edited_threshold } else { "1" };
            (
                format!("gen/policy_{file}.tg"),
                generated_file(file, threshold),
            )
        })
        .collect()
}

fn load(compiler: &mut Compiler, files: &[(String, String)]) {
    for (path, text) in files {
        compiler.set_source(path, text);
    }
}

fn benches(c: &mut Criterion) {
    let original = repository("1");
    let edited = repository("1000");
    // Sanity: the generated repository is valid, so the benchmark measures a real check.
    let mut probe = Compiler::new();
    load(&mut probe, &original);
    let errors: Vec<_> = probe
        .diagnostics()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(
        errors.is_empty(),
        "generated repository has errors: {errors:?}"
    );

    let mut group = c.benchmark_group("validate_1000_rules");
    group.sample_size(10);
    group.bench_function("cold", |b| {
        b.iter(|| {
            let mut compiler = Compiler::new();
            load(&mut compiler, &original);
            compiler.diagnostics().len()
        });
    });
    let mut compiler = Compiler::new();
    load(&mut compiler, &original);
    compiler.diagnostics();
    let mut flip = false;
    group.bench_function("one_line_edit", |b| {
        b.iter(|| {
            flip = !flip;
            let (path, text) = if flip { &edited[0] } else { &original[0] };
            compiler.set_source(path, text);
            compiler.diagnostics().len()
        });
    });
    group.finish();

    // Where the time goes: parsing one generated file, and one of its items alone.
    let mut parts = c.benchmark_group("validate_parts");
    parts.sample_size(10);
    let file_text = &original[0].1;
    parts.bench_function("parse_one_file_of_100_rules", |b| {
        b.iter(|| tollgate_compiler::syntax::parse(file_text).file.items.len());
    });
    let item_text = "/// Rule 1.\n@id(\"GEN-0-1\")\ndeny rule_1\n  for p in image.config.exposed_ports\n  where p.number > 1 and p.protocol == \"tcp\"\n  message \"port {p.number}/{p.protocol}\"\n";
    parts.bench_function("parse_one_rule", |b| {
        b.iter(|| tollgate_compiler::syntax::parse(item_text).file.items.len());
    });
    parts.bench_function("new_compiler_with_stdlib", |b| {
        b.iter(|| Compiler::new().diagnostics().len());
    });
    parts.finish();
}

criterion_group!(check, benches);
criterion_main!(check);
