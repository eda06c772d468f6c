//! What cataloging adds to a pass over the Debian root filesystem the tests share
//! (`tollgate_testkit::debian_rootfs`: `debootstrap --variant=minbase bookworm`, as imaged).
//!
//! Three passes over the same files, all from the page cache:
//! - `metadata`: stat every file (what a metadata-only walk of a folder costs);
//! - `read`: also read every regular file's bytes (what a streaming tar pass must do anyway:
//!   the reader decompresses and skips through every byte);
//! - `read+catalog`: the same, plus `wants` on every file, a copy of the wanted bytes into a
//!   buffer as the reader makes, `inspect` on them and `finish`.
//!
//! - `catalog-only`: the cataloging work alone on bytes already in memory, and
//!   `catalog-only-no-binaries` the same without the Go/Rust executable scan.
//!
//! The added cost of cataloging is `read+catalog` over `read`, or (less noisy on a shared
//! machine) `catalog-only` over `read`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// reason: a benchmark's setup failing is a failed run, not input to handle.

use std::fs;
use std::hint::black_box;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_catalog::Catalogers;
use tollgate_facts::Ecosystem;
use tollgate_facts::scan::{Cataloger, FileContent};

fn bench(c: &mut Criterion) {
    let root = tollgate_testkit::debian_rootfs();
    let files: Vec<(String, PathBuf)> = tollgate_testkit::regular_files(&root)
        .into_iter()
        .map(|(inside, on_disk, _)| (inside, on_disk))
        .collect();
    let catalogers = Catalogers::default();
    let mut group = c.benchmark_group("debian-rootfs");
    group.sample_size(10);
    group.bench_function("metadata", |b| {
        b.iter(|| {
            let mut total = 0u64;
            for (_, disk) in &files {
                let metadata = fs::symlink_metadata(disk).unwrap();
                total += metadata.len() + u64::from(metadata.permissions().mode());
            }
            black_box(total)
        })
    });
    group.bench_function("read", |b| {
        let mut buffer = Vec::new();
        b.iter(|| {
            let mut total = 0u64;
            for (_, disk) in &files {
                let metadata = fs::symlink_metadata(disk).unwrap();
                total += u64::from(metadata.permissions().mode());
                buffer.clear();
                fs::File::open(disk)
                    .unwrap()
                    .read_to_end(&mut buffer)
                    .unwrap();
                total += buffer.len() as u64;
            }
            black_box(total)
        })
    });
    group.bench_function("read+catalog", |b| {
        let mut buffer = Vec::new();
        b.iter(|| {
            let mut total = 0u64;
            let mut found = Vec::new();
            for (image_path, disk) in &files {
                let metadata = fs::symlink_metadata(disk).unwrap();
                let mode = metadata.permissions().mode() & 0o7777;
                buffer.clear();
                fs::File::open(disk)
                    .unwrap()
                    .read_to_end(&mut buffer)
                    .unwrap();
                total += buffer.len() as u64;
                if let Some(limit) = catalogers.wants(image_path, metadata.len(), mode) {
                    // The reader hands a consumer its own copy of at most `limit` bytes.
                    let wanted = buffer
                        .get(..usize::try_from(limit).unwrap())
                        .unwrap_or(&buffer)
                        .to_vec();
                    found.push(catalogers.inspect(FileContent {
                        path: image_path,
                        layer: 0,
                        mode,
                        size: metadata.len(),
                        data: &wanted,
                        truncated: (wanted.len() as u64) < metadata.len(),
                    }));
                }
            }
            let (packages, _) = catalogers.finish(found, None);
            black_box((total, packages.len()))
        })
    });
    // The cataloging work alone, on bytes already in memory: every file's `wants`, the copy
    // of the wanted bytes, `inspect` and `finish`. Less noisy than the difference of the two
    // passes above on a shared machine.
    let entries: Vec<(String, u64, u32, Option<Vec<u8>>)> = files
        .iter()
        .map(|(image_path, disk)| {
            let metadata = fs::symlink_metadata(disk).unwrap();
            let mode = metadata.permissions().mode() & 0o7777;
            let bytes = catalogers
                .wants(image_path, metadata.len(), mode)
                .map(|_| fs::read(disk).unwrap());
            (image_path.clone(), metadata.len(), mode, bytes)
        })
        .collect();
    let without_binaries: Vec<Ecosystem> = Ecosystem::ALL
        .iter()
        .copied()
        .filter(|e| !matches!(e, Ecosystem::Go | Ecosystem::Cargo))
        .collect();
    let without_binaries = Catalogers::new(Some(&without_binaries));
    for (name, catalogers) in [
        ("catalog-only", &catalogers),
        ("catalog-only-no-binaries", &without_binaries),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut found = Vec::new();
                for (image_path, size, mode, bytes) in &entries {
                    let Some(limit) = catalogers.wants(image_path, *size, *mode) else {
                        continue;
                    };
                    let Some(bytes) = bytes else { continue };
                    let wanted = bytes
                        .get(..usize::try_from(limit).unwrap())
                        .unwrap_or(bytes)
                        .to_vec();
                    found.push(catalogers.inspect(FileContent {
                        path: image_path,
                        layer: 0,
                        mode: *mode,
                        size: *size,
                        data: &wanted,
                        truncated: (wanted.len() as u64) < *size,
                    }));
                }
                black_box(catalogers.finish(found, None).0.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
