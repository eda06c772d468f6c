//! `tollgate lsp`: the language server on stdio. It runs tests for the test code lens with
//! this very binary (`tollgate test`), so the editor and the command line share one runner.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run() -> CliResult<ExitCode> {
    let config = tollgate_lsp::Config {
        test_runner: std::env::current_exe().ok(),
        ..tollgate_lsp::Config::default()
    };
    tollgate_lsp::run_stdio_with(config)
        .map_err(|err| CliError::new(format!("the language server stopped: {err}")))?;
    Ok(ExitCode::SUCCESS)
}
