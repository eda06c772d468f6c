//! Latency of the language server on a generated 5,000-line policy workspace (10 files of
//! 500 lines), driven through real JSON-RPC on an in-memory pipe, with the debounce set to
//! zero so the figures are the server's own work:
//!
//! - `edit_to_diagnostics`: a one-character edit (`user` <-> `usr` in one rule, which adds or
//!   removes an error) until the new diagnostics are published;
//! - `completion_after_dot`: a completion request right after `image.config.` in a rule
//!   being typed, until the answer arrives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: benchmark setup fails loudly

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use support::{TestClient, uri};

const FILES: usize = 10;
const LINES_PER_FILE: usize = 500;

/// One generated policy file of `LINES_PER_FILE` lines.
fn policy(file: usize) -> String {
    let mut text = format!(
        "//! Generated policy {file}.\n\n/// The banned user.\nparam banned_{file}: string = \"root\"\n\n"
    );
    let mut rule = 0;
    while text.lines().count() + 6 <= LINES_PER_FILE {
        let _ = write!(
            text,
            "/// Rule {rule} of file {file}.\ndeny rule_{rule}\n  for p in image.packages\n  where p.name == \"pkg-{rule}\" and image.config.user != banned_{file}\n  message \"package {{p.name}} {{p.version}} is banned\"\n\n"
        );
        rule += 1;
    }
    while text.lines().count() < LINES_PER_FILE {
        text.push_str("// padding\n");
    }
    text
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("gen")).unwrap();
    let mut total_lines = 0;
    for file in 0..FILES {
        let text = policy(file);
        total_lines += text.lines().count();
        std::fs::write(dir.path().join(format!("gen/f{file}.tg")), text).unwrap();
    }
    assert_eq!(total_lines, FILES * LINES_PER_FILE);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut client = runtime.block_on(TestClient::start(dir.path(), Duration::ZERO));
    let edited = uri(&dir.path().join("gen/f0.tg"));
    let good = policy(0);
    let bad = good.replacen("image.config.user", "image.config.usr", 1);
    runtime.block_on(async {
        client.open(&edited, &good).await;
        client.diagnostics_where(&edited, |_| true).await;
    });

    let mut version = 1;
    c.bench_function("edit_to_diagnostics", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    version += 1;
                    let text = if version % 2 == 0 { &bad } else { &good };
                    let expect_error = version % 2 == 0;
                    let start = Instant::now();
                    client.change(&edited, version, text).await;
                    let published = client
                        .diagnostics_where(&edited, |p| p["version"] == version)
                        .await;
                    total += start.elapsed();
                    let errors = !published["diagnostics"].as_array().unwrap().is_empty();
                    assert_eq!(errors, expect_error);
                }
                total
            })
        });
    });

    let typing = format!("{good}\ndeny being_typed\n  when image.config.\n");
    let line = typing.lines().count() - 1;
    runtime.block_on(async {
        version += 1;
        client.change(&edited, version, &typing).await;
    });
    c.bench_function("completion_after_dot", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let start = Instant::now();
                    let items = client
                        .request(
                            "textDocument/completion",
                            json!({"textDocument": {"uri": edited}, "position": {"line": line, "character": "  when image.config.".len()}}),
                        )
                        .await;
                    total += start.elapsed();
                    assert!(items.as_array().unwrap().iter().any(|i| i["label"] == "user"));
                }
                total
            })
        });
    });
    runtime.block_on(client.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
