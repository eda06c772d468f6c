//! The Tollgate language server: LSP over stdio (or any byte stream), built on
//! tower-lsp-server over the compiler's salsa database.
//!
//! Entry points: `run_stdio()` (builds its own tokio runtime; what `tollgate lsp` calls),
//! `serve_stdio()` (inside a runtime) and `serve(input, output, config)` (any stream: the
//! tests and the benchmark drive the server through an in-memory pipe).
//!
//! Concurrency: edits go, in the order they arrived, to one writer thread that owns the
//! right to change the database; every request runs on a clone of the database on a blocking
//! thread, and salsa cancels it when the writer applies the next edit (the request then
//! retries on the new state). Diagnostics are published by the writer once edits stop for
//! `Config::debounce`.

mod convert;
mod paths;
mod server;
mod state;
mod tests;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

pub use server::Backend;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long edits must pause before diagnostics are computed and published.
    pub debounce: Duration,
    /// The `tollgate` binary that runs tests for the test code lens; none disables running.
    pub test_runner: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            debounce: Duration::from_millis(50),
            test_runner: None,
        }
    }
}

/// Serves LSP on `input`/`output` until the client sends `exit` or closes the stream.
pub async fn serve<I, O>(input: I, output: O, config: Config)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::new(move |client| Backend::new(client, config));
    Server::new(input, output, socket).serve(service).await;
}

/// Serves LSP on stdin/stdout (inside a tokio runtime).
pub async fn serve_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout(), Config::default()).await;
}

/// Serves LSP on stdin/stdout on a runtime of its own: what `tollgate lsp` runs.
pub fn run_stdio() -> std::io::Result<()> {
    run_stdio_with(Config::default())
}

/// [`run_stdio`] with a configuration (`tollgate lsp` passes itself as the test runner).
pub fn run_stdio_with(config: Config) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout(), config));
    Ok(())
}
