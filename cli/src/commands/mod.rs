//! One module per subcommand.

pub mod build;
pub mod check;
pub mod db;
pub mod explain;
pub mod facts;
pub mod fmt;
pub mod init;
pub mod lsp;
pub mod test;
pub mod validate;
