//! `tollgate fmt`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::args::FmtArgs) -> CliResult<ExitCode> {
    let _ = args;
    Err(CliError::new("`tollgate fmt` is not wired into this build yet"))
}
