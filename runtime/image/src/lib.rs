//! Reads container images (docker-archive tars, OCI image layouts and archives, root filesystem
//! folders) into the facts of `tollgate-facts`: config, history, layers, the squashed file
//! table, distribution, users and groups, and (through the consumers the caller hands in)
//! packages and secrets.
//!
//! Each layer is read once, as a stream, never unpacked to disk; layers are read in parallel.
//! Everything about the input is untrusted: sizes, counts and symlink depths are bounded by
//! [`Limits`], and a problem ends in an [`ImageError`] naming the image, or in a warning and a
//! skipped entry.

mod config;
mod demand;
mod history;
mod layer;
mod layout;
mod paths;
mod progress;
mod rootfs;
mod squash;
mod store;
mod system;

use std::path::{Path, PathBuf};

use tollgate_facts::scan::{Cataloger, SecretScanner, Warning};
use tollgate_facts::{Image, Layer};

pub use history::parse_created_by;

/// What to read besides file metadata, and how much of it.
#[derive(Debug, Clone)]
pub struct ContentDemand {
    /// Globs (matched against absolute paths such as `/etc/passwd`; `*` stays within one path
    /// segment, `**` crosses them) of files whose content policies read.
    pub content: Vec<String>,
    /// Globs of files whose sha256 policies need.
    pub sha256: Vec<String>,
    /// At most this many bytes of a file's content are captured; longer files are flagged
    /// `truncated`.
    pub max_bytes: u64,
}

impl Default for ContentDemand {
    fn default() -> Self {
        ContentDemand {
            content: Vec::new(),
            sha256: Vec::new(),
            max_bytes: 1024 * 1024,
        }
    }
}

/// Bounds on what an image may make the reader do. The defaults fit any real image.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Decompressed bytes of one layer.
    pub max_layer_bytes: u64,
    /// Decompressed bytes of all layers together, and of a compressed archive's tar.
    pub max_total_bytes: u64,
    /// Entries of all layers together (and members of an image archive).
    pub max_entries: u64,
    /// Symbolic links followed while resolving one path.
    pub max_symlink_depth: u32,
    /// Size of one JSON document (manifest, index, config).
    pub max_json_bytes: u64,
    /// Layers of one image.
    pub max_layers: usize,
    /// Bytes of one file buffered for a cataloger or the secret scanner.
    pub max_file_buffer: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layer_bytes: 8 << 30,
            max_total_bytes: 32 << 30,
            max_entries: 1_000_000,
            max_symlink_depth: 32,
            max_json_bytes: 16 << 20,
            max_layers: 512,
            max_file_buffer: 64 << 20,
        }
    }
}

/// How to read an image.
#[derive(Clone, Default)]
pub struct ReadOptions<'a> {
    /// `os/arch[/variant]` to pick from a multi-platform image; by default the only one, or
    /// `linux/amd64`.
    pub platform: Option<String>,
    /// Package catalogers, run on the files they want during the pass.
    pub catalog: Option<&'a dyn Cataloger>,
    /// The secret scanner, run on the files it wants during the pass.
    pub secrets: Option<&'a dyn SecretScanner>,
    /// File contents and digests the policies need.
    pub contents: ContentDemand,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
    /// Bounds on the work an image may cause.
    pub limits: Limits,
}

/// The facts of one image and the problems that did not stop reading it.
#[derive(Debug, Clone, Default)]
pub struct ImageRead {
    /// The facts (packages and secrets filled when a cataloger and scanner were given).
    pub image: Image,
    /// Skipped entries and other problems, for the user to see.
    pub warnings: Vec<Warning>,
}

/// An image that cannot be read: the image and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read image `{image}`: {problem}")]
pub struct ImageError {
    /// The reference as given.
    pub image: String,
    /// What is wrong, lowercase, no final period.
    pub problem: String,
}

/// Reads the image at `reference` (a path, or `PATH:TAG` to pick one image of several).
pub fn read_image(reference: &str, options: &ReadOptions<'_>) -> Result<ImageRead, ImageError> {
    let fail = |problem: String| ImageError {
        image: reference.to_string(),
        problem,
    };
    let (path, tag) = split_reference(reference);
    let demand = demand::Demand::compile(&options.contents).map_err(fail)?;
    let mut read = if path.is_dir() && !layout::is_image_dir(&path) {
        if tag.is_some() {
            return Err(fail(
                "a root filesystem folder holds one image: drop the `:TAG`".into(),
            ));
        }
        rootfs::read(&path, options, &demand).map_err(fail)?
    } else {
        read_layered(&path, tag.as_deref(), options, &demand).map_err(fail)?
    };
    read.image.reference = reference.to_string();
    Ok(read)
}

/// Resolves `path` in an image's final filesystem, following symlinks inside the image root
/// (`..` stops at the root; absolute targets restart from it), at most `max_depth` of them.
/// Returns the resolved absolute path, which may not exist; fails on a loop or a chain deeper
/// than `max_depth`. `image.files` must be in path order, as [`read_image`] returns them.
pub fn resolve_path(image: &Image, path: &str, max_depth: u32) -> Result<String, String> {
    let symlink = |here: &str| {
        let found = image
            .files
            .binary_search_by(|file| file.path.as_str().cmp(here))
            .ok()?;
        let file = image.files.get(found)?;
        (file.kind == tollgate_facts::FileKind::Symlink)
            .then(|| file.link_target.as_deref().unwrap_or_default())
    };
    squash::resolve_with(symlink, path, max_depth)
}

/// Splits `PATH:TAG`, preferring the whole text when it names an existing path.
fn split_reference(reference: &str) -> (PathBuf, Option<String>) {
    let whole = Path::new(reference);
    if whole.exists() {
        return (whole.to_path_buf(), None);
    }
    match reference.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') && Path::new(path).exists() => {
            (PathBuf::from(path), Some(tag.to_string()))
        }
        _ => (whole.to_path_buf(), None),
    }
}

/// Reads an archive or layout: plan, layers in parallel, squash, system files.
fn read_layered(
    path: &Path,
    tag: Option<&str>,
    options: &ReadOptions<'_>,
    demand: &demand::Demand,
) -> Result<ImageRead, String> {
    let store = store::Store::open(path, &options.limits)?;
    let plan = layout::plan(&store, tag, options.platform.as_deref(), &options.limits)?;
    let parsed = config::parse(&plan.config)
        .map_err(|err| format!("config `{}` is not valid: {err}", plan.config_name))?;
    if plan.layers.len() > options.limits.max_layers {
        return Err(format!(
            "the image has {} layers, more than the limit of {}",
            plan.layers.len(),
            options.limits.max_layers
        ));
    }
    if parsed.diff_ids.len() != plan.layers.len() {
        return Err(format!(
            "the config lists {} diff_ids for {} layers",
            parsed.diff_ids.len(),
            plan.layers.len()
        ));
    }
    let jobs: Vec<layer::LayerJob<'_>> = plan
        .layers
        .iter()
        .zip(&parsed.diff_ids)
        .enumerate()
        .map(|(index, (planned, diff_id))| layer::LayerJob {
            index,
            blob: planned.blob.as_str(),
            expected_diff_id: diff_id.as_str(),
            stored_size: planned.size,
            digest_known: planned.digest.is_some(),
        })
        .collect();
    let scans = layer::read_all(&store, &jobs, options, demand)?;

    let mut image = Image {
        digest: plan.digest.clone(),
        tags: plan.tags.clone(),
        created: parsed.created,
        architecture: parsed.architecture.clone(),
        os: parsed.os.clone(),
        config: parsed.config.clone(),
        history: parsed.history.clone(),
        ..Image::default()
    };
    for ((index, planned), scan) in plan.layers.iter().enumerate().zip(&scans) {
        let digest = match &planned.digest {
            Some(digest) => digest.clone(),
            None if scan.compression == layer::Compression::None => scan.diff_id.clone(),
            None => scan.raw_digest.clone(),
        };
        let size = if planned.size > 0 {
            planned.size
        } else {
            scan.stored_bytes
        };
        let media_type = if planned.media_type.is_empty() {
            scan.compression.docker_media_type().to_string()
        } else {
            planned.media_type.clone()
        };
        image.layers.push(Layer {
            index: i64::try_from(index).unwrap_or(i64::MAX),
            digest,
            diff_id: scan.diff_id.clone(),
            size,
            media_type,
        });
    }
    image.size = image.layers.iter().map(|layer| layer.size).sum();
    Ok(squash::finish(
        image,
        squash::squash(scans),
        options,
        demand,
    ))
}
