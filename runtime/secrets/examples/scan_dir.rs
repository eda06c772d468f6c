//! Scans a folder as if it were an image's root file system and prints the findings, to try
//! the rules on real trees: `cargo run -p tollgate-secrets --example scan_dir -- ROOT`.

use std::io::Read;
use std::path::{Path, PathBuf};

use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_secrets::Scanner;

fn main() {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: scan_dir ROOT");
        return;
    };
    let scanner = Scanner::builtin();
    let (mut files, mut bytes, mut findings) = (0u64, 0u64, 0u64);
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let inside = inside_path(&root, &path);
                let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                let Some(limit) = scanner.wants(&inside, size) else {
                    continue;
                };
                let mut data = Vec::new();
                let Ok(file) = std::fs::File::open(&path) else {
                    continue;
                };
                if file.take(limit).read_to_end(&mut data).is_err() {
                    continue;
                }
                files += 1;
                bytes += data.len() as u64;
                let content = FileContent {
                    path: &inside,
                    layer: 0,
                    mode: 0o644,
                    size,
                    data: &data,
                    truncated: false,
                };
                for secret in scanner.scan(content) {
                    findings += 1;
                    println!(
                        "{}:{} {} {}",
                        secret.path, secret.line, secret.rule, secret.excerpt
                    );
                }
            }
        }
    }
    eprintln!("{files} files, {bytes} bytes scanned, {findings} findings");
}

fn inside_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    format!("/{}", relative.to_string_lossy())
}
