//! `tollgate explain CODE`: the long explanation of a diagnostic code.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(code: &str) -> CliResult<ExitCode> {
    let normalised = code.trim().to_ascii_uppercase();
    match tollgate_compiler::explain(&normalised) {
        Some(text) => {
            println!("{normalised}\n\n{}", text.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::new(format!("unknown diagnostic code `{code}`"))
            .with_help("codes look like `TG0101`; see docs/diagnostics.md for the list")),
    }
}
