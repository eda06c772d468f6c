//! `tollgate fmt [PATH] [--check]`: formats `.tg` files in place, or lists those that are not
//! formatted (exit 1). A file with syntax errors is left untouched and reported (exit 2).

use std::process::ExitCode;

use crate::args::FmtArgs;
use crate::error::{CliError, CliResult};
use crate::repo;

pub fn run(args: FmtArgs) -> CliResult<ExitCode> {
    let path = args
        .path
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let sources = repo::load_files(&path)?;
    let mut unformatted = 0usize;
    let mut broken = 0usize;
    for file in &sources {
        let formatted = match tollgate_compiler::format::format(&file.text) {
            Ok(formatted) => formatted,
            Err(err) => {
                eprintln!("error: cannot format `{}`: {err}", file.display_path);
                broken += 1;
                continue;
            }
        };
        if formatted == file.text {
            continue;
        }
        unformatted += 1;
        if args.check {
            println!("not formatted: {}", file.display_path);
        } else {
            std::fs::write(&file.display_path, formatted).map_err(|err| {
                CliError::io("write", std::path::Path::new(&file.display_path), &err)
            })?;
            println!("formatted {}", file.display_path);
        }
    }
    if broken > 0 {
        return Ok(ExitCode::from(2));
    }
    if args.check && unformatted > 0 {
        eprintln!(
            "{unformatted} of {} files are not formatted; run `tollgate fmt`",
            sources.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
