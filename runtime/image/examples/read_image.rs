//! Reads an image and prints its facts as JSON (`--json`) or a one-line summary; stands in for
//! `tollgate facts` in `scripts/bench-extract.sh` until the CLI exists.
//!
//! Usage: `read_image IMAGE [--json] [--platform OS/ARCH] [--sha256 GLOB]... [--content GLOB]...`

use std::process::ExitCode;

use tollgate_image::{ReadOptions, read_image};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut options = ReadOptions {
        progress: true,
        ..ReadOptions::default()
    };
    let mut image = None;
    let mut json = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--platform" => options.platform = args.next(),
            "--sha256" => options.contents.sha256.extend(args.next()),
            "--content" => options.contents.content.extend(args.next()),
            _ => image = Some(arg),
        }
    }
    let Some(image) = image else {
        eprintln!(
            "usage: read_image IMAGE [--json] [--platform OS/ARCH] [--sha256 GLOB]... [--content GLOB]..."
        );
        return ExitCode::from(2);
    };
    match read_image(&image, &options) {
        Ok(read) => {
            for warning in &read.warnings {
                eprintln!("warning: {}: {}", warning.path, warning.message);
            }
            if json {
                match serde_json::to_string_pretty(&read.image) {
                    Ok(text) => println!("{text}"),
                    Err(err) => {
                        eprintln!("error: cannot print the facts: {err}");
                        return ExitCode::from(2);
                    }
                }
            } else {
                let distro = read
                    .image
                    .distro
                    .as_ref()
                    .map(|d| format!("{} {}", d.id, d.version))
                    .unwrap_or_default();
                println!(
                    "{} layers, {} files, {} users, distro {distro}",
                    read.image.layers.len(),
                    read.image.files.len(),
                    read.image.users.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
