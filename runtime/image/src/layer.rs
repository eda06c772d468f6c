//! One streaming pass over each layer: sniff the compression, inflate, walk the tar, record
//! every entry's metadata, hand wanted files to the catalogers and the secret scanner, capture
//! demanded contents and digests, and hash the whole stream to verify the layer's diff_id.
//! Layers run in parallel on scoped threads; nothing is written to disk.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;

use sha2::{Digest, Sha256};
use tollgate_facts::FileKind;
use tollgate_facts::scan::{FileContent, Inspection, Warning};

use crate::ReadOptions;
use crate::demand::{Demand, SYSTEM_FILE_CAP, is_system_file};
use crate::paths::{hex, normalise, split_parent};
use crate::store::{Store, lower};

/// Bytes of the compressed stream buffered ahead of the decompressor.
const RAW_BUFFER: usize = 256 * 1024;
/// Bytes a tar may spend between two entries (headers, long names, PAX records): the tar
/// reader holds them in memory, so a hostile `size` there must not pass for real.
const MAX_HEADER_BYTES: u64 = 16 << 20;
/// The problem a layer reports when another layer already failed.
const CANCELLED: &str = "cancelled";

/// How a blob is compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
    /// A compression we recognise but cannot read.
    Other(&'static str),
}

impl Compression {
    /// The Docker media type of a layer stored this way.
    pub(crate) fn docker_media_type(self) -> &'static str {
        match self {
            Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            Compression::None | Compression::Other(_) => {
                "application/vnd.docker.image.rootfs.diff.tar"
            }
        }
    }
}

/// Recognises a compression from a blob's first bytes.
pub(crate) fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        [0xfd, b'7', b'z', b'X', b'Z', ..] => Compression::Other("xz"),
        [b'B', b'Z', b'h', ..] => Compression::Other("bzip2"),
        _ => Compression::None,
    }
}

/// A decompressing reader over a buffered raw stream.
pub(crate) enum Decoded<R: BufRead> {
    Plain(R),
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Decoded<R> {
    fn new(raw: R, compression: Compression) -> io::Result<Decoded<R>> {
        Ok(match compression {
            Compression::None => Decoded::Plain(raw),
            Compression::Gzip => Decoded::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(raw))),
            Compression::Zstd => Decoded::Zstd(zstd::stream::read::Decoder::with_buffer(raw)?),
            Compression::Other(name) => {
                return Err(io::Error::other(format!(
                    "{name} compression is not supported"
                )));
            }
        })
    }

    fn raw_mut(&mut self) -> &mut R {
        match self {
            Decoded::Plain(raw) => raw,
            Decoded::Gzip(decoder) => decoder.get_mut(),
            Decoded::Zstd(decoder) => decoder.get_mut(),
        }
    }
}

impl<R: BufRead> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Plain(raw) => raw.read(buf),
            Decoded::Gzip(decoder) => decoder.read(buf),
            Decoded::Zstd(decoder) => decoder.read(buf),
        }
    }
}

type Sniffed<R> = BufReader<io::Chain<Cursor<Vec<u8>>, R>>;

/// Reads the first bytes of `raw`, recognises the compression, and returns the decoder.
fn open_decoder<R: Read>(mut raw: R) -> io::Result<(Decoded<Sniffed<R>>, Compression)> {
    let mut head = vec![0u8; 6];
    let mut filled = 0;
    while let Some(rest) = head.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match raw.read(rest)? {
            0 => break,
            read => filled += read,
        }
    }
    head.truncate(filled);
    let compression = sniff(&head);
    let buffered = BufReader::with_capacity(RAW_BUFFER, Cursor::new(head).chain(raw));
    Ok((Decoded::new(buffered, compression)?, compression))
}

/// A decompressing reader for any stream (used for whole-file-compressed archives).
pub(crate) fn decoder(raw: Box<dyn Read>) -> io::Result<Box<dyn Read>> {
    let (decoded, _) = open_decoder(raw)?;
    Ok(Box::new(decoded))
}

/// One layer to read.
#[derive(Debug, Clone)]
pub(crate) struct LayerJob<'a> {
    /// Position, base first.
    pub(crate) index: usize,
    /// The blob's name in the store.
    pub(crate) blob: &'a str,
    /// The diff_id the config declares.
    pub(crate) expected_diff_id: &'a str,
    /// Stored size, for the progress bar (0 when unknown).
    pub(crate) stored_size: u64,
    /// Whether the manifest gives the blob's digest (else we hash the stored bytes).
    pub(crate) digest_known: bool,
}

/// One entry of a layer, as read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) kind: FileKind,
    pub(crate) mode: u32,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    pub(crate) size: u64,
    pub(crate) link: Option<String>,
    pub(crate) data: FileData,
}

/// What was captured of a regular file's content.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileData {
    pub(crate) sha256: Option<String>,
    pub(crate) content: Option<String>,
    pub(crate) truncated: bool,
    /// The bytes of a system file (os-release, passwd ...) the reader parses itself.
    pub(crate) system: Option<Vec<u8>>,
}

/// Everything one layer yielded.
#[derive(Debug, Clone)]
pub(crate) struct LayerScan {
    pub(crate) index: usize,
    pub(crate) entries: Vec<Entry>,
    /// Paths a `.wh.` entry deletes from lower layers.
    pub(crate) whiteouts: Vec<String>,
    /// Folders a `.wh..wh..opq` entry empties of lower layers' entries.
    pub(crate) opaques: Vec<String>,
    pub(crate) inspections: Vec<Inspection>,
    pub(crate) secrets: Vec<tollgate_facts::Secret>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) diff_id: String,
    pub(crate) raw_digest: String,
    pub(crate) compression: Compression,
    pub(crate) stored_bytes: u64,
}

impl LayerScan {
    pub(crate) fn new(index: usize) -> LayerScan {
        LayerScan {
            index,
            entries: Vec::new(),
            whiteouts: Vec::new(),
            opaques: Vec::new(),
            inspections: Vec::new(),
            secrets: Vec::new(),
            warnings: Vec::new(),
            diff_id: String::new(),
            raw_digest: String::new(),
            compression: Compression::None,
            stored_bytes: 0,
        }
    }

    fn warn(&mut self, path: &str, message: String) {
        self.warnings.push(Warning {
            path: path.to_string(),
            message,
        });
    }
}

/// State shared by the layers of one read.
pub(crate) struct Pass<'a> {
    pub(crate) options: &'a ReadOptions<'a>,
    pub(crate) demand: &'a Demand,
    total_bytes: AtomicU64,
    entries: AtomicU64,
    pub(crate) raw_bytes: AtomicU64,
    cancelled: AtomicBool,
}

impl<'a> Pass<'a> {
    pub(crate) fn new(options: &'a ReadOptions<'a>, demand: &'a Demand) -> Pass<'a> {
        Pass {
            options,
            demand,
            total_bytes: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            raw_bytes: AtomicU64::new(0),
            cancelled: AtomicBool::new(false),
        }
    }

    /// Counts one more entry, failing past the limit.
    pub(crate) fn count_entry(&self) -> Result<(), String> {
        let limit = self.options.limits.max_entries;
        if self.entries.fetch_add(1, Ordering::Relaxed) >= limit {
            return Err(format!("the image has more than {limit} entries"));
        }
        Ok(())
    }
}

/// Reads every layer, in parallel, and returns their scans in layer order.
pub(crate) fn read_all(
    store: &Store,
    jobs: &[LayerJob<'_>],
    options: &ReadOptions<'_>,
    demand: &Demand,
) -> Result<Vec<LayerScan>, String> {
    let pass = Pass::new(options, demand);
    let total_stored = jobs.iter().map(|job| job.stored_size).sum();
    let workers = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<LayerScan, String>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let finished = AtomicBool::new(false);
    let crashed = thread::scope(|scope| {
        let bar = crate::progress::start(
            scope,
            options.progress,
            total_stored,
            &pass.raw_bytes,
            &finished,
        );
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let result = read_layer(store, job, &pass);
                        if result.is_err() {
                            pass.cancelled.store(true, Ordering::Relaxed);
                        }
                        if let Some(slot) = results.get(job.index)
                            && let Ok(mut slot) = slot.lock()
                        {
                            *slot = Some(result);
                        }
                    }
                })
            })
            .collect();
        let crashed = handles
            .into_iter()
            .map(|handle| handle.join())
            .any(|joined| joined.is_err());
        finished.store(true, Ordering::Relaxed);
        drop(bar);
        crashed
    });
    if crashed {
        return Err("a layer reader crashed".into());
    }
    let mut scans = Vec::with_capacity(jobs.len());
    let mut first_error = None;
    for slot in results {
        match slot.into_inner().ok().flatten() {
            Some(Ok(scan)) => scans.push(scan),
            Some(Err(problem)) if problem == CANCELLED => {}
            Some(Err(problem)) => {
                first_error.get_or_insert(problem);
            }
            None => {
                first_error.get_or_insert_with(|| "a layer was not read".to_string());
            }
        }
    }
    match first_error {
        Some(problem) => Err(problem),
        None if scans.len() == jobs.len() => Ok(scans),
        None => Err(CANCELLED.into()),
    }
}

/// Counts and optionally hashes the stored (compressed) bytes of a blob.
struct RawMeter<'p, R> {
    inner: R,
    pass: &'p Pass<'p>,
    bytes: u64,
    hasher: Option<Sha256>,
}

impl<R: Read> Read for RawMeter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes += read as u64;
        self.pass
            .raw_bytes
            .fetch_add(read as u64, Ordering::Relaxed);
        if let Some(hasher) = &mut self.hasher {
            hasher.update(buf.get(..read).unwrap_or_default());
        }
        Ok(read)
    }
}

/// Hashes the decompressed stream and enforces the size limits and cancellation.
struct Meter<'p, R> {
    inner: R,
    pass: &'p Pass<'p>,
    bytes: u64,
    hasher: Sha256,
    /// Why reading stopped, when it was the meter that stopped it.
    stopped: Option<String>,
    /// Bytes read since the last entry's data ended, while the tar reader is between entries.
    between_entries: &'p Cell<Option<u64>>,
    /// Bytes of the decompressed stream read so far, for the tar walk to see.
    consumed: &'p Cell<u64>,
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pass.cancelled.load(Ordering::Relaxed) {
            self.stopped = Some(CANCELLED.into());
            return Err(io::Error::other(CANCELLED));
        }
        let read = self.inner.read(buf)?;
        self.bytes += read as u64;
        self.consumed.set(self.bytes);
        let limits = &self.pass.options.limits;
        let total = self
            .pass
            .total_bytes
            .fetch_add(read as u64, Ordering::Relaxed)
            + read as u64;
        if self.bytes > limits.max_layer_bytes {
            let problem = format!(
                "it inflates past the limit of {} bytes per layer",
                limits.max_layer_bytes
            );
            self.stopped = Some(problem.clone());
            return Err(io::Error::other(problem));
        }
        if total > limits.max_total_bytes {
            let problem = format!(
                "the layers inflate past the limit of {} bytes in total",
                limits.max_total_bytes
            );
            self.stopped = Some(problem.clone());
            return Err(io::Error::other(problem));
        }
        if let Some(count) = self.between_entries.get() {
            let count = count + read as u64;
            if count > MAX_HEADER_BYTES {
                let problem = format!(
                    "a tar header and its extensions take more than {MAX_HEADER_BYTES} bytes"
                );
                self.stopped = Some(problem.clone());
                return Err(io::Error::other(problem));
            }
            self.between_entries.set(Some(count));
        }
        self.hasher.update(buf.get(..read).unwrap_or_default());
        Ok(read)
    }
}

/// Reads one layer, turning any problem into a message naming the layer.
fn read_layer(store: &Store, job: &LayerJob<'_>, pass: &Pass<'_>) -> Result<LayerScan, String> {
    let name = |problem: String| {
        if problem == CANCELLED {
            problem
        } else {
            format!("layer {} (`{}`): {problem}", job.index, job.blob)
        }
    };
    let (blob, _) = store.open_blob(job.blob).map_err(name)?;
    let raw = RawMeter {
        inner: blob,
        pass,
        bytes: 0,
        hasher: (!job.digest_known).then(Sha256::new),
    };
    let (decoded, compression) = open_decoder(raw).map_err(|err| name(lower(&err)))?;
    let between_entries = Cell::new(Some(0));
    let consumed = Cell::new(0);
    let mut meter = Meter {
        inner: decoded,
        pass,
        bytes: 0,
        hasher: Sha256::new(),
        stopped: None,
        between_entries: &between_entries,
        consumed: &consumed,
    };
    let mut scan = LayerScan::new(job.index);
    scan.compression = compression;
    let walked = walk_tar(&mut meter, pass, &mut scan, &between_entries, &consumed);
    between_entries.set(None);
    let drained = walked.and_then(|()| {
        // The tar's end-of-archive padding counts toward the diff_id too.
        io::copy(&mut meter, &mut io::sink())
            .map(drop)
            .map_err(|err| format!("cannot read the layer: {}", lower(&err)))
    });
    if let Err(problem) = drained {
        return Err(name(meter.stopped.take().unwrap_or(problem)));
    }
    let raw = meter.inner.raw_mut().get_mut().get_mut().1;
    io::copy(raw, &mut io::sink())
        .map_err(|err| name(format!("cannot read the layer: {}", lower(&err))))?;
    scan.stored_bytes = raw.bytes;
    if let Some(hasher) = raw.hasher.take() {
        scan.raw_digest = format!("sha256:{}", hex(&hasher.finalize()));
    }
    scan.diff_id = format!("sha256:{}", hex(&meter.hasher.finalize()));
    if !job.expected_diff_id.is_empty() && job.expected_diff_id != scan.diff_id {
        return Err(name(format!(
            "its content does not match the config's diff_id `{}`: it hashes to `{}`",
            job.expected_diff_id, scan.diff_id
        )));
    }
    Ok(scan)
}

/// Walks the entries of one layer's tar stream; `between_entries` counts what the tar reader
/// reads between the end of one entry's data and the next entry.
fn walk_tar(
    stream: &mut dyn Read,
    pass: &Pass<'_>,
    scan: &mut LayerScan,
    between_entries: &Cell<Option<u64>>,
    consumed: &Cell<u64>,
) -> Result<(), String> {
    let mut archive = tar::Archive::new(stream);
    // Where the last entry's data ends in the stream.
    let mut last_data_end = 0u64;
    let entries = archive
        .entries()
        .map_err(|err| format!("it is not a tar: {}", lower(&err)))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            // umoci before 0.4.8 (Debian bookworm's) wrote layers that end right after the
            // last entry's data, without its padding and the end-of-archive blocks. Every
            // entry is complete, so the layer is read as such, with a warning, as Go's
            // archive/tar does.
            Err(err)
                if between_entries.get().is_some()
                    && consumed.get() == last_data_end
                    && err.to_string() == "unexpected EOF during skip" =>
            {
                scan.warn(
                    "",
                    format!(
                        "layer {}: the tar stream ends without its end-of-archive marker; read as complete",
                        scan.index
                    ),
                );
                return Ok(());
            }
            Err(err) => return Err(format!("it is not a valid tar: {}", lower(&err))),
        };
        between_entries.set(None);
        last_data_end = entry.raw_file_position().saturating_add(entry.size());
        record_entry(&mut entry, pass, scan)?;
        io::copy(&mut entry, &mut io::sink())
            .map_err(|err| format!("it is not a valid tar: {}", lower(&err)))?;
        between_entries.set(Some(0));
    }
    Ok(())
}

/// Records one entry, reading what the consumers and the demand want of a regular file.
fn record_entry(
    entry: &mut tar::Entry<'_, &mut dyn Read>,
    pass: &Pass<'_>,
    scan: &mut LayerScan,
) -> Result<(), String> {
    {
        pass.count_entry()?;
        let header = entry.header();
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                FileKind::File
            }
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Link => FileKind::Hardlink,
            tar::EntryType::Char => FileKind::Char,
            tar::EntryType::Block => FileKind::Block,
            tar::EntryType::Fifo => FileKind::Fifo,
            _ => return Ok(()),
        };
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = if kind == FileKind::File {
            entry.size()
        } else {
            0
        };
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let raw_link = entry
            .link_name_bytes()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let Some(path) = normalise(&raw_path) else {
            scan.warn(
                &raw_path,
                format!(
                    "layer {}: the entry climbs out of the image root; skipped",
                    scan.index
                ),
            );
            return Ok(());
        };
        let Some((parent, base)) = split_parent(&path) else {
            return Ok(());
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            record_whiteout(scan, &path, parent, hidden);
            return Ok(());
        }
        let link = match kind {
            FileKind::Symlink => Some(raw_link.unwrap_or_default()),
            FileKind::Hardlink => {
                match raw_link.as_deref().and_then(normalise) {
                    Some(target) => Some(target),
                    None => {
                        scan.warn(&path, format!("layer {}: the hardlink's target climbs out of the image root; skipped", scan.index));
                        return Ok(());
                    }
                }
            }
            _ => None,
        };
        let data = if kind == FileKind::File {
            read_regular(pass, scan, &path, size, mode, entry)
                .map_err(|err| format!("cannot read `{path}`: {}", lower(&err)))?
        } else {
            FileData::default()
        };
        scan.entries.push(Entry {
            path,
            kind,
            mode,
            uid,
            gid,
            size,
            link,
            data,
        });
    }
    Ok(())
}

fn record_whiteout(scan: &mut LayerScan, path: &str, parent: &str, hidden: &str) {
    if hidden == ".wh..opq" {
        scan.opaques.push(parent.to_string());
    } else if hidden.starts_with(".wh.") {
        // aufs bookkeeping (`.wh..wh.plnk` ...): not part of the filesystem.
    } else if hidden.is_empty() || hidden == "." || hidden == ".." {
        scan.warn(
            path,
            format!("layer {}: a whiteout with no name; skipped", scan.index),
        );
    } else {
        scan.whiteouts.push(crate::paths::child(parent, hidden));
    }
}

/// Reads what the consumers and the demand want of one regular file, then hands the bytes to
/// the catalogers and the scanner; the rest of the file is left for the caller to skip.
pub(crate) fn read_regular(
    pass: &Pass<'_>,
    scan: &mut LayerScan,
    path: &str,
    size: u64,
    mode: u32,
    reader: &mut dyn Read,
) -> io::Result<FileData> {
    let options = pass.options;
    let catalog_cap = options
        .catalog
        .and_then(|catalog| catalog.wants(path, size, mode));
    let secret_cap = options
        .secrets
        .and_then(|scanner| scanner.wants(path, size));
    let content_cap = pass
        .demand
        .wants_content(path)
        .then_some(pass.demand.max_bytes);
    let system_cap = is_system_file(path).then_some(SYSTEM_FILE_CAP);
    let wants_sha = pass.demand.wants_sha256(path);
    let caps = [catalog_cap, secret_cap, content_cap, system_cap];
    let Some(cap) = caps.iter().flatten().copied().max() else {
        return if wants_sha {
            let mut hasher = Sha256::new();
            hash_rest(reader, &mut hasher)?;
            Ok(FileData {
                sha256: Some(hex(&hasher.finalize())),
                ..FileData::default()
            })
        } else {
            Ok(FileData::default())
        };
    };
    let cap = cap.min(size).min(options.limits.max_file_buffer);
    let mut buffer = Vec::with_capacity(usize::try_from(cap.min(1 << 20)).unwrap_or(0));
    reader.take(cap).read_to_end(&mut buffer)?;
    let mut data = FileData::default();
    if wants_sha {
        let mut hasher = Sha256::new();
        hasher.update(&buffer);
        hash_rest(reader, &mut hasher)?;
        data.sha256 = Some(hex(&hasher.finalize()));
    }
    let layer = i64::try_from(scan.index).unwrap_or(i64::MAX);
    let view = |limit: u64| {
        let end = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(buffer.len());
        let bytes = buffer.get(..end).unwrap_or_default();
        FileContent {
            path,
            layer,
            mode,
            size,
            data: bytes,
            truncated: (bytes.len() as u64) < size,
        }
    };
    if let (Some(catalog), Some(limit)) = (options.catalog, catalog_cap) {
        let inspection = catalog.inspect(view(limit));
        if !(inspection.packages.is_empty()
            && inspection.license_hints.is_empty()
            && inspection.warnings.is_empty())
        {
            scan.inspections.push(inspection);
        }
    }
    if let (Some(scanner), Some(limit)) = (options.secrets, secret_cap) {
        for mut secret in scanner.scan(view(limit)) {
            secret.layer = layer;
            path.clone_into(&mut secret.path);
            scan.secrets.push(secret);
        }
    }
    if let Some(limit) = content_cap {
        let captured = view(limit);
        data.content = Some(String::from_utf8_lossy(captured.data).into_owned());
        data.truncated = captured.truncated;
    }
    if let Some(limit) = system_cap {
        data.system = Some(view(limit).data.to_vec());
    }
    Ok(data)
}

fn hash_rest(reader: &mut dyn Read, hasher: &mut Sha256) -> io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        hasher.update(chunk.get(..read).unwrap_or_default());
    }
}
