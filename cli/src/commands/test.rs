//! `tollgate test`.

use std::process::ExitCode;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::args::TestArgs) -> CliResult<ExitCode> {
    let _ = args;
    Err(CliError::new("`tollgate test` is not wired into this build yet"))
}
