//! The vulnerability database: OSV import, the index file and matching.
//!
//! `import` reads OSV records (JSON, YAML, folders, zip archives) and writes a compact,
//! versioned index file; `Database::open` loads it with one read and no parsing of the
//! records; `Database::match_packages` turns installed packages into the facts'
//! vulnerabilities, with each ecosystem's version ordering (`tollgate-versions`), OSV's range
//! semantics, merged aliases, severity and fix state. See `docs/vulndb.md`.

pub mod cvss;
mod cvss4;
mod database;
mod format;
mod import;
mod names;
mod osv;

use std::path::PathBuf;

pub use database::{Database, DbInfo};
pub use format::FORMAT_VERSION;
pub use import::{ImportFailure, ImportReport, import};
pub use names::pep503;

/// Why a database could not be built or opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A file or folder could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a Tollgate vulnerability database.
    #[error("`{}` is not a tollgate vulnerability database", path.display())]
    NotADatabase {
        /// The path.
        path: PathBuf,
    },
    /// The file was written by a version of Tollgate with another layout.
    #[error(
        "`{}` is a vulnerability database of format version {found}, but this tollgate reads version {expected}: rebuild it with `tollgate db import`",
        path.display()
    )]
    FormatVersion {
        /// The path.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this code reads.
        expected: u32,
    },
    /// The file is damaged.
    #[error("`{}` is damaged: {problem}", path.display())]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The records do not fit the format's 32-bit offsets.
    #[error("too many records for one database file `{}`", path.display())]
    TooLarge {
        /// The output path.
        path: PathBuf,
    },
}
