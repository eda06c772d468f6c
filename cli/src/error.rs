//! The CLI's error: a message that names the file and the problem, shown on standard error,
//! with exit code 2 (DESIGN §5).

use std::fmt;
use std::path::Path;

/// A failure that ends the command with exit code 2.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub help: Option<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> CliError {
        self.help = Some(help.into());
        self
    }

    /// An IO failure on `path`.
    pub fn io(action: &str, path: &Path, err: &std::io::Error) -> CliError {
        CliError::new(format!(
            "cannot {action} `{}`: {}",
            path.display(),
            lower_first(&err.to_string())
        ))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Error texts from the standard library start with a capital; ours do not.
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub type CliResult<T> = Result<T, CliError>;
