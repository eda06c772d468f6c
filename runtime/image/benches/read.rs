//! In-process read times of real fixtures: the Alpine 3.11 docker-archive (one 5.8 MB layer,
//! gzipped as a whole, so it also measures the spool) and a three-layer whiteout archive (the
//! per-image overhead). Whole-process figures against `gzip -dc` are in
//! `scripts/bench-extract.sh`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_image::{ContentDemand, ReadOptions, read_image};

fn fixture(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/images");
    root.join(name).to_string_lossy().into_owned()
}

fn read(c: &mut Criterion) {
    let alpine = fixture("alpine-3.11.docker.tar.gz");
    let whiteouts = fixture("ggcr/mutate/whiteout_image.tar");
    let metadata = ReadOptions::default();
    let hashed = ReadOptions {
        contents: ContentDemand {
            sha256: vec!["/**".into()],
            ..ContentDemand::default()
        },
        ..ReadOptions::default()
    };
    c.bench_function("alpine metadata only", |b| {
        b.iter(|| read_image(black_box(&alpine), &metadata).map(|read| read.image.files.len()))
    });
    c.bench_function("alpine every file hashed", |b| {
        b.iter(|| read_image(black_box(&alpine), &hashed).map(|read| read.image.files.len()))
    });
    c.bench_function("three small layers", |b| {
        b.iter(|| read_image(black_box(&whiteouts), &metadata).map(|read| read.image.files.len()))
    });
}

criterion_group!(benches, read);
criterion_main!(benches);
