//! The Tollgate front end: syntax tree, salsa database, resolution, types, diagnostics,
//! formatter and lowering to bytecode.
//!
//! Entry point: `Compiler` (in `db`), a salsa database holding the source files (and the
//! stdlib), answering diagnostics and the typed program (`hir`) incrementally.

pub mod check;
pub mod db;
pub mod diagnostics;
pub mod format;
pub mod hir;
pub mod ide;
pub mod lower;
pub mod resolve;
pub mod syntax;
pub mod types;

pub use db::Compiler;
pub use diagnostics::{Diagnostic, Label, Severity, explain};
