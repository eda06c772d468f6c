//! Parser and formatter speed on a generated 1,000-rule policy file (about 200 KB).
//!
//! Run: `cargo bench -p tollgate-compiler --bench parse`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;

/// A policy with `rules` rules of varied shapes (loops, lets, aggregates, interpolations),
/// with doc comments, attributes and comments, like a large real policy repository.
fn generated_policy(rules: usize) -> String {
    let mut text = String::from("//! Generated benchmark policy.\nimport std.vulns\n\n");
    text.push_str(
        "param max_fixable: Severity = High\nparam allowed_ports: set<int> = {80, 443, 8080}\n\n",
    );
    for i in 0..rules {
        let _ = match i % 4 {
            0 => write!(
                text,
                "/// Fixable vulnerabilities, variant {i}.\n@id(\"GEN-{i:04}\")\n@tags([\"vulns\", \"generated\"])\n\
                 deny fixable_vulns_{i}\n    for v in image.vulnerabilities\n    \
                 where v.severity > max_fixable and v.fixed_in != none // only fixable ones\n    \
                 unless v.id in {{\"CVE-2024-{i:05}\", \"CVE-2023-00001\"}}\n    \
                 message \"{{v.id}} ({{v.severity}}) in {{v.package.name}} {{v.package.version}}\"\n\n"
            ),
            1 => write!(
                text,
                "warn ports_{i}\n    for p in image.config.exposed_ports\n    \
                 where p.number not in allowed_ports and p.number + {i} % 7 * 2 >= 0\n    \
                 message \"port {{p.number}}/{{p.protocol}} is exposed\"\n\n"
            ),
            2 => write!(
                text,
                "deny big_files_{i}\n    let big = [f.path for f in image.files where f.size > {i}_000]\n    \
                 when count(v in image.vulnerabilities where v.severity >= High) > 10 or count(big) > 3\n    \
                 when sum(l.size for l in image.layers) > 2_000_000_000\n    \
                 message \"{{count(big)}} big files\"\n\n"
            ),
            _ => write!(
                text,
                "info shells_{i}\n    for f in image.files\n    \
                 where f.path matches r\"^/(usr/)?bin/(ba|z|k|da)?sh$\" and f.path.starts_with(\"/usr\")\n    \
                 when image.distro?.id ?? \"unknown\" != \"alpine\"\n\n"
            ),
        };
    }
    text
}

fn bench_parse(c: &mut Criterion) {
    let text = generated_policy(1_000);
    let parse = tollgate_compiler::syntax::parse(&text);
    assert!(
        parse.errors.is_empty(),
        "the generated policy has errors: {:?}",
        parse.errors.first()
    );
    let mut group = c.benchmark_group("syntax");
    group.sample_size(20);
    group.bench_function("parse 1000 rules", |b| {
        b.iter(|| tollgate_compiler::syntax::parse(black_box(&text)));
    });
    group.bench_function("format 1000 rules", |b| {
        b.iter(|| tollgate_compiler::format::format(black_box(&text)));
    });
    // Recovery path: one broken item forces the item-by-item parse.
    let broken = format!("{text}deny broken\n    where ==\n");
    group.bench_function("parse 1000 rules with one error", |b| {
        b.iter(|| tollgate_compiler::syntax::parse(black_box(&broken)));
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
