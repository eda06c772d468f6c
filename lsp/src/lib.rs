//! The Tollgate language server
