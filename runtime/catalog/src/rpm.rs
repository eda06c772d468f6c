//! rpm: the three database backends (`rpmdb.sqlite`, Berkeley DB hash `Packages`, SUSE's NDB
//! `Packages.db`) and the RPM header blob each of them stores, decoded here in Rust.
//!
//! Every backend only locates header blobs; one decoder reads name, epoch, version, release,
//! architecture, source rpm and license from each. A blob that does not decode is reported
//! and skipped; the others are still listed.

use std::io::Write;

use tollgate_facts::{Ecosystem, Package};

use crate::Found;

const TAG_NAME: i32 = 1000;
const TAG_VERSION: i32 = 1001;
const TAG_RELEASE: i32 = 1002;
const TAG_EPOCH: i32 = 1003;
const TAG_LICENSE: i32 = 1014;
const TAG_ARCH: i32 = 1022;
const TAG_SOURCERPM: i32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// The magic a header carries in a package file; databases store headers without it.
const HEADER_MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

/// Upper bound on a header's entry count, far above what real packages carry; it stops a
/// hostile count from making the index walk long.
const MAX_HEADER_ENTRIES: usize = 1 << 16;

fn read_u32_be(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

fn read_u32(data: &[u8], at: usize, little_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if little_endian {
        u32::from_le_bytes(bytes)
    } else {
        u32::from_be_bytes(bytes)
    })
}

fn read_u16(data: &[u8], at: usize, little_endian: bool) -> Option<u16> {
    let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if little_endian {
        u16::from_le_bytes(bytes)
    } else {
        u16::from_be_bytes(bytes)
    })
}

/// The fields of one decoded header.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) epoch: Option<u32>,
    pub(crate) version: String,
    pub(crate) release: String,
    pub(crate) arch: String,
    pub(crate) source_rpm: String,
    pub(crate) license: String,
}

/// Decodes a header blob: `il` and `dl` (entry count and data length, big-endian), `il`
/// 16-byte entries (tag, type, offset, count), then `dl` bytes of data.
pub(crate) fn decode_header(blob: &[u8]) -> Result<Header, String> {
    let blob = blob.strip_prefix(&HEADER_MAGIC[..]).unwrap_or(blob);
    let entries = read_u32_be(blob, 0).ok_or("header is shorter than 8 bytes")? as usize;
    let data_len = read_u32_be(blob, 4).ok_or("header is shorter than 8 bytes")? as usize;
    if entries > MAX_HEADER_ENTRIES {
        return Err(format!("header declares {entries} entries"));
    }
    let data_start = 8 + entries * 16;
    let data = data_start
        .checked_add(data_len)
        .and_then(|end| blob.get(data_start..end))
        .ok_or_else(|| {
            format!(
                "header declares {entries} entries and {data_len} data bytes but has {} bytes",
                blob.len()
            )
        })?;
    let mut header = Header::default();
    for index in 0..entries {
        let at = 8 + index * 16;
        let tag = read_u32_be(blob, at).unwrap_or(0) as i32;
        let kind = read_u32_be(blob, at + 4).unwrap_or(0);
        let offset = read_u32_be(blob, at + 8).unwrap_or(0) as usize;
        let count = read_u32_be(blob, at + 12).unwrap_or(0);
        let string = || -> Result<String, String> {
            if !matches!(kind, TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY) {
                return Err(format!("tag {tag} has type {kind}, not a string"));
            }
            let rest = data
                .get(offset..)
                .ok_or_else(|| format!("tag {tag} points past the header data"))?;
            let end = rest
                .iter()
                .position(|byte| *byte == 0)
                .ok_or_else(|| format!("tag {tag} is not terminated"))?;
            Ok(String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned())
        };
        match tag {
            TAG_NAME => header.name = string()?,
            TAG_VERSION => header.version = string()?,
            TAG_RELEASE => header.release = string()?,
            TAG_ARCH => header.arch = string()?,
            TAG_SOURCERPM => header.source_rpm = string()?,
            TAG_LICENSE => header.license = string()?,
            TAG_EPOCH => {
                if kind != TYPE_INT32 || count == 0 {
                    return Err(format!("epoch has type {kind}, not int32"));
                }
                header.epoch =
                    Some(read_u32_be(data, offset).ok_or("epoch points past the header data")?);
            }
            _ => {}
        }
    }
    if header.name.is_empty() || header.version.is_empty() {
        return Err("header has no name or version".to_string());
    }
    Ok(header)
}

/// The package a header describes.
fn header_package(header: Header) -> Package {
    let version_release = if header.release.is_empty() {
        header.version.clone()
    } else {
        format!("{}-{}", header.version, header.release)
    };
    let (source_name, source_version) = split_source_rpm(&header.source_rpm);
    // A source rpm's file name has no epoch: compare without it.
    let source_version = if source_version == version_release {
        String::new()
    } else {
        source_version
    };
    let version = match header.epoch {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release,
    };
    Package {
        source_version,
        source_name: if source_name.is_empty() {
            header.name.clone()
        } else {
            source_name
        },
        name: header.name,
        version,
        ecosystem: Ecosystem::Rpm,
        architecture: header.arch,
        licenses: if header.license.is_empty() {
            Vec::new()
        } else {
            vec![header.license]
        },
        ..Package::default()
    }
}

/// `util-linux-2.32.1-42.el8_8.src.rpm` → (`util-linux`, `2.32.1-42.el8_8`).
fn split_source_rpm(file: &str) -> (String, String) {
    let stem = file.strip_suffix(".rpm").unwrap_or(file);
    let stem = stem.rsplit_once('.').map_or(stem, |(stem, _arch)| stem);
    let Some((rest, release)) = stem.rsplit_once('-') else {
        return (String::new(), String::new());
    };
    let Some((name, version)) = rest.rsplit_once('-') else {
        return (String::new(), String::new());
    };
    (name.to_string(), format!("{version}-{release}"))
}

/// Decodes every blob a backend found, in order.
fn add_blobs<'a>(blobs: impl Iterator<Item = (u64, &'a [u8])>, out: &mut Found) {
    for (key, blob) in blobs {
        match decode_header(blob) {
            Ok(header) => out.packages.push(header_package(header)),
            Err(problem) => out.problem(format!("package header {key}: {problem}; it is skipped")),
        }
    }
}

/// SQLite backend: table `Packages(hnum, blob)`. SQLite opens files, so the bytes go to a
/// private temporary folder for the read.
pub(crate) fn parse_sqlite(data: &[u8], out: &mut Found) {
    match read_sqlite(data) {
        Ok(rows) => add_blobs(rows.iter().map(|(key, blob)| (*key, blob.as_slice())), out),
        Err(problem) => out.problem(format!("not a readable rpm sqlite database: {problem}")),
    }
}

fn read_sqlite(data: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, String> {
    if !data.starts_with(b"SQLite format 3\0") {
        return Err("no sqlite header".to_string());
    }
    let folder =
        tempfile::tempdir().map_err(|err| format!("cannot make a temporary folder: {err}"))?;
    let path = folder.path().join("rpmdb.sqlite");
    let mut file = std::fs::File::create(&path)
        .map_err(|err| format!("cannot write a temporary copy: {err}"))?;
    file.write_all(data)
        .map_err(|err| format!("cannot write a temporary copy: {err}"))?;
    drop(file);
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection =
        rusqlite::Connection::open_with_flags(&path, flags).map_err(|err| err.to_string())?;
    let mut statement = connection
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|err| err.to_string())?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(|err| err.to_string())?;
    let mut blobs = Vec::new();
    for row in rows {
        let (key, blob) = row.map_err(|err| err.to_string())?;
        blobs.push((u64::try_from(key).unwrap_or(0), blob));
    }
    Ok(blobs)
}

const BDB_HASH_MAGIC: u32 = 0x0006_1561;
const BDB_PAGE_HEADER: usize = 26;
const BDB_HASH_UNSORTED: u8 = 2;
const BDB_HASH: u8 = 13;
const BDB_OVERFLOW: u8 = 7;
const BDB_ITEM_OFFPAGE: u8 = 3;

/// Berkeley DB hash backend: walk every hash page; each value stored off-page is a header
/// blob spread over a chain of overflow pages.
pub(crate) fn parse_berkeley(data: &[u8], out: &mut Found) {
    let little_endian = match (read_u32(data, 12, true), read_u32(data, 12, false)) {
        (Some(BDB_HASH_MAGIC), _) => true,
        (_, Some(BDB_HASH_MAGIC)) => false,
        _ => {
            out.problem("not a Berkeley DB hash database (bad magic)");
            return;
        }
    };
    let page_size = read_u32(data, 20, little_endian).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        out.problem(format!("Berkeley DB page size {page_size} is not valid"));
        return;
    }
    let last_page = read_u32(data, 32, little_endian).unwrap_or(0) as usize;
    let page_count = (data.len() / page_size).min(last_page.saturating_add(1));
    let mut blobs: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut broken = 0usize;
    for number in 1..page_count {
        let Some(page) = data.get(number * page_size..(number + 1) * page_size) else {
            break;
        };
        let kind = page.get(25).copied().unwrap_or(0);
        if kind != BDB_HASH && kind != BDB_HASH_UNSORTED {
            continue;
        }
        let entries = read_u16(page, 20, little_endian).unwrap_or(0) as usize;
        // Entries alternate key, value; the values are at odd positions.
        for index in (1..entries).step_by(2) {
            let Some(offset) = read_u16(page, BDB_PAGE_HEADER + index * 2, little_endian) else {
                break;
            };
            let offset = offset as usize;
            if page.get(offset) != Some(&BDB_ITEM_OFFPAGE) {
                continue;
            }
            let first = read_u32(page, offset + 4, little_endian).unwrap_or(0) as usize;
            let total = read_u32(page, offset + 8, little_endian).unwrap_or(0) as usize;
            match read_overflow_chain(data, page_size, page_count, first, total, little_endian) {
                Some(blob) => blobs.push((blobs.len() as u64 + 1, blob)),
                None => broken += 1,
            }
        }
    }
    if broken > 0 {
        out.problem(format!(
            "{broken} Berkeley DB records have a broken overflow page chain; they are skipped"
        ));
    }
    add_blobs(blobs.iter().map(|(key, blob)| (*key, blob.as_slice())), out);
}

/// Follows a chain of overflow pages, at most once through each page.
fn read_overflow_chain(
    data: &[u8],
    page_size: usize,
    page_count: usize,
    first: usize,
    total: usize,
    little_endian: bool,
) -> Option<Vec<u8>> {
    let mut blob = Vec::with_capacity(total.min(data.len()));
    let mut number = first;
    for _ in 0..page_count {
        if number == 0 || number >= page_count {
            return None;
        }
        let page = data.get(number * page_size..(number + 1) * page_size)?;
        if page.get(25) != Some(&BDB_OVERFLOW) {
            return None;
        }
        let next = read_u32(page, 16, little_endian)? as usize;
        if next == 0 {
            // On the last overflow page the "free area offset" field holds the bytes used.
            let used = read_u16(page, 22, little_endian)? as usize;
            blob.extend_from_slice(page.get(BDB_PAGE_HEADER..BDB_PAGE_HEADER.checked_add(used)?)?);
            return (blob.len() >= total.min(8)).then_some(blob);
        }
        blob.extend_from_slice(page.get(BDB_PAGE_HEADER..)?);
        number = next;
    }
    None
}

const NDB_FILE_MAGIC: &[u8; 4] = b"RpmP";
const NDB_SLOT_MAGIC: &[u8; 4] = b"Slot";
const NDB_BLOB_MAGIC: &[u8; 4] = b"BlbS";
const NDB_PAGE: usize = 4096;
const NDB_BLOCK: usize = 16;

/// NDB backend (SUSE): little-endian slot pages after a 32-byte file header, each used slot
/// pointing at a `BlbS`-framed header blob.
pub(crate) fn parse_ndb(data: &[u8], out: &mut Found) {
    if !data.starts_with(NDB_FILE_MAGIC) {
        out.problem("not an rpm ndb database (bad magic)");
        return;
    }
    let slot_pages = read_u32(data, 12, true).unwrap_or(0) as usize;
    let slots_end = slot_pages.saturating_mul(NDB_PAGE).min(data.len());
    let mut blobs: Vec<(u64, &[u8])> = Vec::new();
    let mut broken = 0usize;
    let mut at = 32;
    while at + 16 <= slots_end {
        let slot = data.get(at..at + 16).unwrap_or_default();
        at += 16;
        if !slot.starts_with(NDB_SLOT_MAGIC) {
            continue;
        }
        let index = read_u32(slot, 4, true).unwrap_or(0);
        let block = read_u32(slot, 8, true).unwrap_or(0) as usize;
        if index == 0 {
            continue;
        }
        match ndb_blob(data, block.saturating_mul(NDB_BLOCK), index) {
            Some(blob) => blobs.push((u64::from(index), blob)),
            None => broken += 1,
        }
    }
    if broken > 0 {
        out.problem(format!(
            "{broken} ndb slots point at a missing or damaged blob; they are skipped"
        ));
    }
    add_blobs(blobs.into_iter(), out);
}

fn ndb_blob(data: &[u8], at: usize, index: u32) -> Option<&[u8]> {
    let frame = data.get(at..at.checked_add(16)?)?;
    if !frame.starts_with(NDB_BLOB_MAGIC) || read_u32(frame, 4, true)? != index {
        return None;
    }
    let length = read_u32(frame, 12, true)? as usize;
    data.get(at + 16..(at + 16).checked_add(length)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names_split() {
        assert_eq!(
            split_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"),
            ("util-linux".to_string(), "2.32.1-42.el8_8".to_string())
        );
        assert_eq!(split_source_rpm(""), (String::new(), String::new()));
    }

    #[test]
    fn truncated_headers_are_errors() {
        assert!(decode_header(&[0, 0]).is_err());
        assert!(decode_header(&[0, 0, 0, 9, 0, 0, 0, 0]).is_err());
        assert!(decode_header(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
    }
}
