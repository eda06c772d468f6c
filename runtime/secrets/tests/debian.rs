//! A clean Debian root file system must produce no secret findings at all: a false alarm on
//! a stock OS is a defect. Every regular file goes through `wants` and `scan`, as the image
//! reader would drive the scanner.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: integration tests

use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_secrets::Scanner;

#[test]
fn clean_debian_rootfs_has_no_findings() {
    let root = tollgate_testkit::debian_rootfs();
    let scanner = Scanner::builtin();
    let files = tollgate_testkit::regular_files(&root);
    assert!(
        files.len() > 1000,
        "only {} files under {}",
        files.len(),
        root.display()
    );

    let mut scanned = Vec::new();
    let mut scanned_bytes = 0u64;
    let mut findings = Vec::new();
    for (inside, on_disk, size) in &files {
        let Some(limit) = scanner.wants(inside, *size) else {
            continue;
        };
        let data = tollgate_testkit::read_head(on_disk, limit);
        scanned_bytes += data.len() as u64;
        scanned.push(inside.clone());
        findings.extend(scanner.scan(FileContent {
            path: inside,
            layer: 0,
            mode: 0o644,
            size: *size,
            data: &data,
            truncated: (data.len() as u64) < *size,
        }));
    }
    // The walk really read the system's configuration and scripts, not just a few files.
    for expected in [
        "/etc/passwd",
        "/etc/login.defs",
        "/etc/pam.d/common-password",
        "/usr/bin/ldd",
    ] {
        assert!(
            scanned.iter().any(|path| path == expected),
            "{expected} was not scanned"
        );
    }
    assert!(
        scanned.len() > 500 && scanned_bytes > 10_000_000,
        "{} files, {scanned_bytes} bytes",
        scanned.len()
    );
    let report: Vec<String> = findings
        .iter()
        .map(|secret| {
            format!(
                "{}:{} {} {}",
                secret.path, secret.line, secret.rule, secret.excerpt
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "{} findings on a clean Debian:\n{}",
        findings.len(),
        report.join("\n")
    );
}
