//! Evaluation speed: a 50-rule policy (and a join rule) compiled by the real front end, over
//! generated facts with 10,000 packages, 200,000 files, 20,000 vulnerabilities and 1,000
//! secrets, already loaded; and the same rules in Rego evaluated by regorus over the same
//! facts as JSON, with the ratio printed.
//!
//! Run: `cargo bench -p tollgate-vm --bench evaluate`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: benchmark setup; a failure is a broken benchmark

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_vm::{Linked, Vm, evaluate};

/// The allocator the `tollgate` binary ships with: the figures are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/workload.rs"]
mod workload;

use workload::{JOIN_REGO, JOIN_TG, compile, facts, options, policies};

fn rego_engine(policy: &str, input: &regorus::Value) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("policy.rego".to_string(), policy.to_string())
        .unwrap();
    engine.set_input(input.clone());
    engine
}

fn time_per_run(runs: u32, mut run: impl FnMut()) -> Duration {
    run();
    let start = Instant::now();
    for _ in 0..runs {
        run();
    }
    start.elapsed() / runs
}

fn benches(c: &mut Criterion) {
    let image = facts();
    let json = serde_json::to_string(&image).unwrap();
    let input = regorus::Value::from_json_str(&json).unwrap();
    let (tg, rego) = policies();
    let program = compile(&tg);
    assert_eq!(program.rules.len(), 50);
    let linked: Linked = Vm::link(&program).unwrap();
    let join: Linked = Vm::link(&compile(JOIN_TG)).unwrap();
    let options = options();

    // Both engines must agree on what they find before their speeds are compared.
    let ours = evaluate(&linked, &image, &options).unwrap();
    let mut engine = rego_engine(&rego, &input);
    let theirs = engine.eval_query("data.bench".to_string(), false).unwrap();
    let rego_findings: usize = match &theirs.result[0].expressions[0].value {
        regorus::Value::Object(rules) => rules
            .iter()
            .filter(|(name, _)| {
                name.as_string()
                    .is_ok_and(|n| n.as_ref() != "rank" && n.as_ref() != "packages_by_name")
            })
            .map(|(_, found)| match found {
                regorus::Value::Set(items) => items.len(),
                _ => 0,
            })
            .sum(),
        other => panic!("unexpected rego result {other:?}"),
    };
    assert_eq!(
        ours.findings.len(),
        rego_findings,
        "tollgate and rego disagree"
    );
    let join_ours = evaluate(&join, &image, &options).unwrap();
    let mut join_engine = rego_engine(JOIN_REGO, &input);
    let join_theirs = join_engine
        .eval_rule("data.join.vulnerable_app_layer".to_string())
        .unwrap();
    let join_rego_count = match &join_theirs {
        regorus::Value::Set(items) => items.len(),
        other => panic!("unexpected rego result {other:?}"),
    };
    assert_eq!(
        join_ours.findings.len(),
        join_rego_count,
        "join results disagree"
    );

    let tollgate_time = time_per_run(20, || {
        black_box(evaluate(&linked, &image, &options).unwrap());
    });
    let rego_time = time_per_run(2, || {
        black_box(engine.eval_query("data.bench".to_string(), false).unwrap());
    });
    let join_time = time_per_run(20, || {
        black_box(evaluate(&join, &image, &options).unwrap());
    });
    let join_rego_time = time_per_run(2, || {
        black_box(
            join_engine
                .eval_rule("data.join.vulnerable_app_layer".to_string())
                .unwrap(),
        );
    });
    eprintln!(
        "50 rules, {} findings: tollgate {tollgate_time:?}, regorus {rego_time:?}, ratio {:.0}x",
        ours.findings.len(),
        rego_time.as_secs_f64() / tollgate_time.as_secs_f64()
    );
    eprintln!(
        "join rule, {} findings: tollgate {join_time:?}, regorus {join_rego_time:?}, ratio {:.0}x",
        join_ours.findings.len(),
        join_rego_time.as_secs_f64() / join_time.as_secs_f64()
    );

    let mut group = c.benchmark_group("evaluate");
    group.bench_function("tollgate_50_rules", |b| {
        b.iter(|| evaluate(&linked, &image, &options).unwrap())
    });
    group.bench_function("tollgate_join", |b| {
        b.iter(|| evaluate(&join, &image, &options).unwrap())
    });
    group.finish();
    let mut group = c.benchmark_group("regorus");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("regorus_50_rules", |b| {
        b.iter(|| engine.eval_query("data.bench".to_string(), false).unwrap())
    });
    group.bench_function("regorus_join", |b| {
        b.iter(|| {
            join_engine
                .eval_rule("data.join.vulnerable_app_layer".to_string())
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(evaluation, benches);
criterion_main!(evaluation);
