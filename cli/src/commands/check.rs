//! `tollgate check`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::args::CheckArgs) -> CliResult<ExitCode> {
    let _ = args;
    Err(CliError::new("`tollgate check` is not wired into this build yet"))
}
