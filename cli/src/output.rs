//! Where command output goes: standard output or the `--output` file, written whole.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::error::{CliError, CliResult};

/// Writes `text` to `path`, or to standard output when there is none.
pub fn emit(path: Option<&Path>, text: &str) -> CliResult<()> {
    match path {
        Some(path) => std::fs::write(path, text).map_err(|err| CliError::io("write", path, &err)),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|err| CliError::new(format!("cannot write to standard output: {err}")))
        }
    }
}

/// Whether standard output is a terminal (colour, progress).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether standard error is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
