//! The language server on stdio, without the CLI: `cargo run -p tollgate-lsp --example stdio`.
//! Editors' end-to-end tests can point at this binary until `tollgate lsp` is wired in.

fn main() -> std::io::Result<()> {
    tollgate_lsp::run_stdio()
}
