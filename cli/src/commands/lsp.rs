//! `tollgate lsp`: the language server on stdio.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run() -> CliResult<ExitCode> {
    tollgate_lsp::run_stdio()
        .map_err(|err| CliError::new(format!("the language server stopped: {err}")))?;
    Ok(ExitCode::SUCCESS)
}
