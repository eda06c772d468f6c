//! The evaluation benchmark's workload as files and as a profiling target.
//!
//! - `workload facts FILE`: writes the generated facts (10,000 packages, 200,000 files,
//!   20,000 vulnerabilities, 1,000 secrets) as JSON, for `scripts/bench-check.sh`;
//! - `workload policy FILE`: writes the 50-rule policy as a `.tg` file;
//! - `workload evaluate N [join | FILE]`: evaluates the policy (or the join rule, or the policy
//!   in FILE) N times over the facts already loaded, for `perf record` or
//!   `valgrind --tool=callgrind`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: a developer tool over generated data; a failure is a broken workload

/// The allocator the `tollgate` binary ships with: the figures are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/common/workload.rs"]
#[allow(dead_code)] // reason: the Rego half of the workload is for the benchmark only
mod workload;

use std::hint::black_box;
use std::time::Instant;

use tollgate_vm::{Vm, evaluate};
use workload::{JOIN_TG, compile, facts, options, policies};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["facts", file] => {
            let json = serde_json::to_string(&facts()).unwrap();
            std::fs::write(file, json).unwrap();
        }
        ["policy", file] => std::fs::write(file, policies().0).unwrap(),
        ["evaluate", runs, rest @ ..] => {
            let runs: u32 = runs.parse().unwrap();
            let source = match rest {
                ["join"] => JOIN_TG.to_string(),
                [file] => std::fs::read_to_string(file).unwrap(),
                _ => policies().0,
            };
            let linked = Vm::link(&compile(&source)).unwrap();
            let image = facts();
            let options = options();
            let mut findings = 0;
            let mut times = Vec::new();
            for _ in 0..runs {
                let start = Instant::now();
                findings = black_box(evaluate(&linked, &image, &options).unwrap())
                    .findings
                    .len();
                times.push(start.elapsed());
            }
            // The first evaluation is `tollgate check`'s case: one evaluation per process.
            let first = times.first().copied();
            times.sort();
            let (fastest, median) = (times.first(), times.get(times.len() / 2));
            eprintln!(
                "{findings} findings; per evaluation: first {first:?}, fastest {fastest:?}, median {median:?}"
            );
        }
        _ => {
            eprintln!(
                "usage: workload facts FILE | workload policy FILE | workload evaluate N [join | FILE]"
            );
            std::process::exit(2);
        }
    }
}
