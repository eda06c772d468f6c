//! The contracts between the image reader and the consumers of file contents that run during
//! its single streaming pass: package catalogers and the secret scanner.
//!
//! The image reader depends on neither: the CLI hands it trait objects. Each layer is read
//! once, in parallel with the others; for every regular file a consumer wants, the reader
//! buffers at most the limit the consumer gave and calls it from that layer's thread, then
//! drops the bytes, so memory stays bounded whatever the image size.

use crate::{Distro, Package, Secret};

/// A file's content as the reader hands it to a consumer.
#[derive(Debug, Clone, Copy)]
pub struct FileContent<'a> {
    /// Absolute, normalised path in the image (`/var/lib/dpkg/status`).
    pub path: &'a str,
    /// Index of the layer the entry is in.
    pub layer: i64,
    /// Mode bits of the entry.
    pub mode: u32,
    /// Size the tar header declares.
    pub size: u64,
    /// The content, at most the limit the consumer asked for.
    pub data: &'a [u8],
    /// Whether `data` was cut at that limit.
    pub truncated: bool,
}

/// A problem with one input file that did not stop the read: the file is skipped, the reader
/// goes on, and the warning is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file (path in the image, or on disk) the warning is about.
    pub path: String,
    /// What is wrong, in the diagnostic style: lowercase, no final period.
    pub message: String,
}

/// What a cataloger found in one file of one layer.
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    /// Path of the inspected file.
    pub path: String,
    /// Its layer.
    pub layer: i64,
    /// Packages the file declares (path and layer already set).
    pub packages: Vec<Package>,
    /// License hints for packages declared elsewhere: (package name, licenses), as a dpkg
    /// `copyright` file gives for its package.
    pub license_hints: Vec<(String, Vec<String>)>,
    /// Problems with this file.
    pub warnings: Vec<Warning>,
}

/// A package cataloger (or a set of them behind one object).
pub trait Cataloger: Send + Sync {
    /// The number of bytes of this regular file the cataloger needs, or `None` when it does
    /// not look at the file. Called for every regular file of every layer: it must be cheap.
    fn wants(&self, path: &str, size: u64, mode: u32) -> Option<u64>;

    /// Reads one wanted file; called during the pass, possibly from several threads.
    fn inspect(&self, file: FileContent<'_>) -> Inspection;

    /// After the layers are squashed: turns the inspections of files that are present in the
    /// final filesystem (the reader drops the others), in path order, into the image's
    /// packages. `distro` is the image's distribution, for OS packages' `distro` field and
    /// purl qualifiers.
    fn finish(
        &self,
        found: Vec<Inspection>,
        distro: Option<&Distro>,
    ) -> (Vec<Package>, Vec<Warning>);
}

/// The secret scanner as the image reader sees it.
pub trait SecretScanner: Send + Sync {
    /// The number of bytes of this regular file to scan, or `None` to skip it (path filters
    /// come first, before any content is read).
    fn wants(&self, path: &str, size: u64) -> Option<u64>;

    /// Scans one file of one layer. Called for files of every layer, including files a later
    /// layer deletes (they still ship in the image); the reader sets `present` afterwards.
    fn scan(&self, file: FileContent<'_>) -> Vec<Secret>;
}
