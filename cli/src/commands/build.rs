//! `tollgate build`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::args::BuildArgs) -> CliResult<ExitCode> {
    let _ = args;
    Err(CliError::new("`tollgate build` is not wired into this build yet"))
}
