//! Scanning throughput over the content of a real Debian root file system, already read into
//! memory: with the Aho-Corasick keyword prefilter, and without it (every rule's regex on
//! every file). One thread, so the figure is per core. Only files the path filters let
//! through are loaded, as the image reader would hand them over.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: a benchmark harness, not runtime code

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_secrets::Scanner;

fn scan_debian(c: &mut Criterion) {
    let root = common::debian_rootfs();
    let scanner = Scanner::builtin();
    let files: Vec<(String, Vec<u8>)> = common::regular_files(&root)
        .into_iter()
        .filter_map(|(inside, on_disk, size)| {
            let limit = scanner.wants(&inside, size)?;
            Some((inside, common::read_head(&on_disk, limit)))
        })
        .collect();
    let bytes: u64 = files.iter().map(|(_, data)| data.len() as u64).sum();
    eprintln!(
        "{} files, {} bytes wanted from {}",
        files.len(),
        bytes,
        root.display()
    );

    let without_prefilter = Scanner::builder().prefilter(false).build();
    let mut group = c.benchmark_group("scan-debian-rootfs");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    for (name, scanner) in [
        ("prefilter", &scanner),
        ("no-prefilter", &without_prefilter),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut found = 0;
                for (path, data) in &files {
                    found += scanner
                        .scan(FileContent {
                            path,
                            layer: 0,
                            mode: 0o644,
                            size: data.len() as u64,
                            data,
                            truncated: false,
                        })
                        .len();
                }
                black_box(found)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scan_debian);
criterion_main!(benches);
