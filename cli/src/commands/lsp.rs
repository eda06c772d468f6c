//! `tollgate lsp`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run() -> CliResult<ExitCode> {
    Err(CliError::new("`tollgate lsp` is not wired into this build yet"))
}
