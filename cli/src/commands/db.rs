//! `tollgate db`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::args::DbCommand) -> CliResult<ExitCode> {
    let _ = args;
    Err(CliError::new("`tollgate db` is not wired into this build yet"))
}
