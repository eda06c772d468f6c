//! The Tollgate front end: syntax tree, salsa database, resolution, types, diagnostics, formatter and lowering to bytecode
