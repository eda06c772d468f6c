//! The index file: one read, then every lookup works on the bytes in place.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! 0    magic "TOLLGATE-VULNDB\0" (16 bytes)
//! 16   u32 format version, u32 reserved
//! 24   i64 built (Unix seconds)
//! 32   u64 GIT ranges skipped, u64 withdrawn records skipped (at 40)
//! 48   string ref of the newest `modified` (u32 offset, u32 length)
//! 56   u32 record count, u32 reserved
//! 64   8 section descriptors (u64 offset, u64 length)
//! 192  sections
//! ```
//!
//! Sections are tables of fixed-width rows of u32 words (strings are `offset, length` pairs
//! into the string section; lists are `start, count` pairs into the list section):
//! records, affected entries (sorted by ecosystem then package name), ranges, events, string
//! lists, the ecosystem table (name, record count, and the slice of affected entries it
//! owns), and the name index: an open-addressing hash table keyed by (ecosystem, package
//! name) that gives the run of affected entries of one package in a probe or two, where a
//! binary search over the names took some fifteen cache misses per package. Every read is
//! bounds-checked, so a damaged file cannot crash the reader; `Database::open` refuses a file
//! whose header or section table does not fit it.

use std::collections::HashMap;

use tollgate_facts::Severity;

/// The file's first bytes.
pub(crate) const MAGIC: &[u8; 16] = b"TOLLGATE-VULNDB\0";
/// The layout version this code writes and reads (2: the name index).
pub const FORMAT_VERSION: u32 = 2;
pub(crate) const HEADER_LEN: usize = 192;
pub(crate) const SECTION_COUNT: usize = 8;

/// Section numbers.
pub(crate) const STRINGS: usize = 0;
pub(crate) const RECORDS: usize = 1;
pub(crate) const AFFECTED: usize = 2;
pub(crate) const RANGES: usize = 3;
pub(crate) const EVENTS: usize = 4;
pub(crate) const LISTS: usize = 5;
pub(crate) const ECOSYSTEMS: usize = 6;
pub(crate) const NAME_INDEX: usize = 7;

/// Row widths in u32 words, per section (strings have none).
pub(crate) const WIDTHS: [usize; SECTION_COUNT] = [0, 16, 14, 3, 3, 2, 5, 3];

/// Name index slot: the key's hash (its high 32 bits, to skip most mismatches without
/// reading a name), the first affected entry of the key, and their count (0: empty slot).
/// The table has a power-of-two number of slots, at most two thirds full; a key's probe starts at
/// its hash's low bits and moves one slot on until an empty slot.
pub(crate) mod name_slot {
    pub const HASH: usize = 0;
    pub const FIRST: usize = 1;
    pub const COUNT: usize = 2;
}

/// The name index's hash of an ecosystem (first half of a key): FNV-1a over its bytes and a
/// separator byte that no UTF-8 text contains.
pub(crate) fn hash_ecosystem(ecosystem: &[u8]) -> u64 {
    hash_bytes(hash_bytes(0xcbf2_9ce4_8422_2325, ecosystem), &[0xff])
}

/// The name index's hash of a key, from its ecosystem's hash and the package name: FNV-1a
/// with a final avalanche (the low bits pick the slot, and FNV's low bits mix poorly).
pub(crate) fn hash_name(ecosystem_hash: u64, name: &[u8]) -> u64 {
    let mut hash = hash_bytes(ecosystem_hash, name);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

fn hash_bytes(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The high half of a hash, as the index stores it.
pub(crate) fn hash_tag(hash: u64) -> u32 {
    u32::try_from(hash >> 32).unwrap_or(0)
}

/// Record row: id, summary (string refs), published, modified (Unix seconds as two words,
/// low first; `i64::MIN` when absent, so that matching never parses a date), CVSS vector
/// (string ref), aliases, urls (list refs), severity, score (f32 bits; NaN when none).
pub(crate) mod record {
    pub const ID: usize = 0;
    pub const SUMMARY: usize = 2;
    pub const PUBLISHED: usize = 4;
    pub const MODIFIED: usize = 6;
    pub const VECTOR: usize = 8;
    pub const ALIASES: usize = 10;
    pub const URLS: usize = 12;
    pub const SEVERITY: usize = 14;
    pub const SCORE: usize = 15;
}

/// Affected row: record index, ecosystem, name (string refs), ranges (start, count into
/// ranges), versions (list ref), fix hint, severity override (0 = the record's, else 1 +
/// severity), score bits, CVSS vector (string ref).
pub(crate) mod affected {
    pub const RECORD: usize = 0;
    pub const NAME: usize = 3;
    pub const RANGES: usize = 5;
    pub const VERSIONS: usize = 7;
    pub const FIX_HINT: usize = 9;
    pub const SEVERITY: usize = 10;
    pub const SCORE: usize = 11;
    pub const VECTOR: usize = 12;
}

/// Range kinds.
pub(crate) const RANGE_ECOSYSTEM: u32 = 0;
pub(crate) const RANGE_SEMVER: u32 = 1;

/// Event kinds.
pub(crate) const EVENT_INTRODUCED: u32 = 0;
pub(crate) const EVENT_FIXED: u32 = 1;
pub(crate) const EVENT_LAST_AFFECTED: u32 = 2;
pub(crate) const EVENT_LIMIT: u32 = 3;

/// Fix hints an affected entry carries from its source.
pub(crate) const HINT_NONE: u32 = 0;
pub(crate) const HINT_WONT_FIX: u32 = 1;

pub(crate) fn severity_code(severity: Severity) -> u32 {
    Severity::ALL
        .iter()
        .position(|known| *known == severity)
        .and_then(|index| u32::try_from(index).ok())
        .unwrap_or(0)
}

pub(crate) fn severity_from_code(code: u32) -> Severity {
    usize::try_from(code)
        .ok()
        .and_then(|index| Severity::ALL.get(index))
        .copied()
        .unwrap_or_default()
}

pub(crate) fn score_bits(score: Option<f64>) -> u32 {
    // Scores have one decimal in 0..=10: f32 holds them exactly enough to print back.
    #[allow(clippy::cast_possible_truncation)]
    score.map_or(f32::NAN, |score| score as f32).to_bits()
}

pub(crate) fn score_from_bits(bits: u32) -> Option<f64> {
    let score = f32::from_bits(bits);
    if score.is_nan() {
        None
    } else {
        Some((f64::from(score) * 10.0).round() / 10.0)
    }
}

/// A time as two words, low first; `i64::MIN` stands for none.
pub(crate) fn time_words(seconds: Option<i64>) -> [u32; 2] {
    let bits = seconds.unwrap_or(i64::MIN).to_le_bytes();
    let (low, high) = bits.split_at(4);
    let word = |bytes: &[u8]| bytes.try_into().map_or(0, u32::from_le_bytes);
    [word(low), word(high)]
}

/// The time two words stand for.
pub(crate) fn time_from_words(low: u32, high: u32) -> Option<i64> {
    let seconds = (i64::from(high) << 32) | i64::from(low);
    if seconds == i64::MIN {
        None
    } else {
        Some(seconds)
    }
}

/// A record as the importer hands it to the writer.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordRow {
    pub id: String,
    pub summary: String,
    pub published: Option<i64>,
    pub modified: Option<i64>,
    pub vector: String,
    pub aliases: Vec<String>,
    pub urls: Vec<String>,
    pub severity: Severity,
    pub score: Option<f64>,
}

/// An affected entry as the importer hands it to the writer.
#[derive(Debug, Clone, Default)]
pub(crate) struct AffectedRow {
    pub record: u32,
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<(u32, Vec<(u32, String)>)>,
    pub versions: Vec<String>,
    pub fix_hint: u32,
    pub severity: Option<(Severity, Option<f64>, String)>,
}

/// Everything the writer needs.
#[derive(Debug, Default)]
pub(crate) struct Contents {
    pub built: i64,
    pub git_ranges_skipped: u64,
    pub withdrawn_skipped: u64,
    pub newest_modified: String,
    pub records: Vec<RecordRow>,
    pub affected: Vec<AffectedRow>,
    /// Record counts per ecosystem.
    pub ecosystem_records: Vec<(String, u32)>,
}

/// Serialises tables of u32 words and an interned string section.
struct Writer {
    strings: Vec<u8>,
    interned: HashMap<String, (u32, u32)>,
    sections: [Vec<u32>; SECTION_COUNT],
}

/// The file grew past what 32-bit offsets address.
#[derive(Debug)]
pub(crate) struct TooLarge;

fn to_u32(value: usize) -> Result<u32, TooLarge> {
    u32::try_from(value).map_err(|_| TooLarge)
}

impl Writer {
    fn string(&mut self, text: &str) -> Result<[u32; 2], TooLarge> {
        if let Some(&(offset, len)) = self.interned.get(text) {
            return Ok([offset, len]);
        }
        let offset = to_u32(self.strings.len())?;
        let len = to_u32(text.len())?;
        self.strings.extend_from_slice(text.as_bytes());
        self.interned.insert(text.to_string(), (offset, len));
        Ok([offset, len])
    }

    fn list(&mut self, items: &[String]) -> Result<[u32; 2], TooLarge> {
        let start = to_u32(self.sections[LISTS].len() / WIDTHS[LISTS])?;
        for item in items {
            let reference = self.string(item)?;
            self.sections[LISTS].extend(reference);
        }
        Ok([start, to_u32(items.len())?])
    }
}

/// The name index of affected entries sorted by ecosystem, then name.
fn name_index(affected: &[AffectedRow]) -> Result<Vec<u32>, TooLarge> {
    // Runs of one (ecosystem, name): first entry and count.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (index, entry) in affected.iter().enumerate() {
        match runs.last_mut() {
            Some((first, count))
                if affected.get(*first).is_some_and(|head| {
                    head.ecosystem == entry.ecosystem && head.name == entry.name
                }) =>
            {
                *count += 1
            }
            _ => runs.push((index, 1)),
        }
    }
    // At most two slots in three used: probes stay short (about 1.5 slots for a key that is
    // there), the table stays small to load.
    let slots = (runs.len() + runs.len() / 2).next_power_of_two().max(8);
    let width = WIDTHS[NAME_INDEX];
    let mut table = vec![0u32; slots * width];
    let mask = slots - 1;
    let mut ecosystem_hash = (String::new(), 0);
    for (first, count) in runs {
        let Some(head) = affected.get(first) else {
            continue;
        };
        if ecosystem_hash.0 != head.ecosystem {
            ecosystem_hash = (
                head.ecosystem.clone(),
                hash_ecosystem(head.ecosystem.as_bytes()),
            );
        }
        let hash = hash_name(ecosystem_hash.1, head.name.as_bytes());
        // The low bits pick the first slot; the table is at most two thirds full, so a free
        // slot is always found.
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (hash as usize) & mask;
        while table
            .get(slot * width + name_slot::COUNT)
            .is_some_and(|count| *count != 0)
        {
            slot = (slot + 1) & mask;
        }
        if let Some(row) = table.get_mut(slot * width..(slot + 1) * width) {
            row.copy_from_slice(&[hash_tag(hash), to_u32(first)?, to_u32(count)?]);
        }
    }
    Ok(table)
}

/// Serialises `contents` (its affected entries must be sorted by ecosystem, then name).
pub(crate) fn write(contents: &Contents) -> Result<Vec<u8>, TooLarge> {
    let mut writer = Writer {
        strings: Vec::new(),
        interned: HashMap::new(),
        sections: Default::default(),
    };
    for record in &contents.records {
        let mut row = Vec::with_capacity(WIDTHS[RECORDS]);
        row.extend(writer.string(&record.id)?);
        row.extend(writer.string(&record.summary)?);
        row.extend(time_words(record.published));
        row.extend(time_words(record.modified));
        row.extend(writer.string(&record.vector)?);
        row.extend(writer.list(&record.aliases)?);
        row.extend(writer.list(&record.urls)?);
        row.push(severity_code(record.severity));
        row.push(score_bits(record.score));
        writer.sections[RECORDS].extend(row);
    }
    let mut ecosystem_slices: Vec<(String, u32, u32)> = Vec::new();
    for (index, entry) in contents.affected.iter().enumerate() {
        let index = to_u32(index)?;
        match ecosystem_slices.last_mut() {
            Some((name, _, count)) if *name == entry.ecosystem => *count += 1,
            _ => ecosystem_slices.push((entry.ecosystem.clone(), index, 1)),
        }
        let ranges_start = to_u32(writer.sections[RANGES].len() / WIDTHS[RANGES])?;
        for (kind, events) in &entry.ranges {
            let events_start = to_u32(writer.sections[EVENTS].len() / WIDTHS[EVENTS])?;
            for (event_kind, version) in events {
                let reference = writer.string(version)?;
                writer.sections[EVENTS].push(*event_kind);
                writer.sections[EVENTS].extend(reference);
            }
            writer.sections[RANGES].extend([*kind, events_start, to_u32(events.len())?]);
        }
        let mut row = Vec::with_capacity(WIDTHS[AFFECTED]);
        row.push(entry.record);
        row.extend(writer.string(&entry.ecosystem)?);
        row.extend(writer.string(&entry.name)?);
        row.extend([ranges_start, to_u32(entry.ranges.len())?]);
        row.extend(writer.list(&entry.versions)?);
        row.push(entry.fix_hint);
        match &entry.severity {
            Some((severity, score, vector)) => {
                row.push(severity_code(*severity) + 1);
                row.push(score_bits(*score));
                row.extend(writer.string(vector)?);
            }
            None => {
                row.extend([0, score_bits(None)]);
                row.extend(writer.string("")?);
            }
        }
        writer.sections[AFFECTED].extend(row);
    }
    for (name, start, count) in &ecosystem_slices {
        let records = contents
            .ecosystem_records
            .iter()
            .find(|(known, _)| known == name)
            .map_or(0, |(_, count)| *count);
        let reference = writer.string(name)?;
        writer.sections[ECOSYSTEMS].extend(reference);
        writer.sections[ECOSYSTEMS].extend([records, *start, *count]);
    }
    writer.sections[NAME_INDEX] = name_index(&contents.affected)?;
    let newest = writer.string(&contents.newest_modified)?;

    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&contents.built.to_le_bytes());
    out.extend_from_slice(&contents.git_ranges_skipped.to_le_bytes());
    out.extend_from_slice(&contents.withdrawn_skipped.to_le_bytes());
    out.extend_from_slice(&newest[0].to_le_bytes());
    out.extend_from_slice(&newest[1].to_le_bytes());
    out.extend_from_slice(&to_u32(contents.records.len())?.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut offset = HEADER_LEN as u64;
    let mut bodies: Vec<Vec<u8>> = Vec::with_capacity(SECTION_COUNT);
    let mut strings = Some(std::mem::take(&mut writer.strings));
    for (number, words) in writer.sections.iter().enumerate() {
        let body = if number == STRINGS {
            strings.take().unwrap_or_default()
        } else {
            words.iter().flat_map(|word| word.to_le_bytes()).collect()
        };
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        offset += body.len() as u64;
        bodies.push(body);
    }
    for body in bodies {
        out.extend_from_slice(&body);
    }
    Ok(out)
}
