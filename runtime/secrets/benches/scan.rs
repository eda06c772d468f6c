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

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_secrets::Scanner;

fn scan_debian(c: &mut Criterion) {
    let root = tollgate_testkit::debian_rootfs();
    let scanner = Scanner::builtin();
    let files: Vec<(String, Vec<u8>)> = tollgate_testkit::regular_files(&root)
        .into_iter()
        .filter_map(|(inside, on_disk, size)| {
            let limit = scanner.wants(&inside, size)?;
            Some((inside, tollgate_testkit::read_head(&on_disk, limit)))
        })
        .collect();
    // Binaries are passed to the scanner too (it skips them by sniffing, as it would in an
    // image); the text-only group shows the cost of the rules themselves.
    let text: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(_, data)| !data.iter().take(8192).any(|&b| b == 0))
        .cloned()
        .collect();
    let bytes =
        |files: &[(String, Vec<u8>)]| files.iter().map(|(_, data)| data.len() as u64).sum::<u64>();
    eprintln!(
        "{} files ({} bytes) wanted from {}, of which {} text files ({} bytes)",
        files.len(),
        bytes(&files),
        root.display(),
        text.len(),
        bytes(&text)
    );

    let without_prefilter = Scanner::builder().prefilter(false).build();
    for (group_name, set) in [
        ("scan-debian-rootfs", &files),
        ("scan-debian-rootfs-text", &text),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Bytes(bytes(set)));
        group.sample_size(10);
        for (name, scanner) in [
            ("prefilter", &scanner),
            ("no-prefilter", &without_prefilter),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut found = 0;
                    for (path, data) in set {
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
}

/// Building the scanner: every regex and the keyword automaton are compiled here, once per run.
fn build_scanner(c: &mut Criterion) {
    c.bench_function("build-builtin-scanner", |b| {
        b.iter(|| black_box(Scanner::builtin()))
    });
}

criterion_group!(benches, scan_debian, build_scanner);
criterion_main!(benches);
