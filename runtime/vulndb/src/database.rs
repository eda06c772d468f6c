//! Reading the index file and matching packages against it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use tollgate_facts::{
    DatabaseInfo, Distro, Ecosystem, FixState, Package, PackageRef, Severity, Timestamp,
    Vulnerability,
};

use crate::DbError;
use crate::format::{
    self, AFFECTED, ECOSYSTEMS, EVENT_FIXED, EVENT_INTRODUCED, EVENT_LAST_AFFECTED, EVENT_LIMIT,
    EVENTS, FORMAT_VERSION, HEADER_LEN, HINT_WONT_FIX, LISTS, MAGIC, RANGE_SEMVER, RANGES, RECORDS,
    SECTION_COUNT, STRINGS, WIDTHS, affected, record,
};
use crate::names::{ordering_of, osv_name};

/// A table inside the file: where its rows start, how many there are, their width in words.
#[derive(Debug, Clone, Copy, Default)]
struct Table {
    start: usize,
    rows: usize,
    width: usize,
}

/// An opened vulnerability database.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    bytes: Vec<u8>,
    strings: (usize, usize),
    records: Table,
    affected: Table,
    ranges: Table,
    events: Table,
    lists: Table,
    ecosystems: Table,
    built: i64,
    git_ranges_skipped: u64,
    withdrawn_skipped: u64,
    newest: (u32, u32),
}

/// What `tollgate db info` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct DbInfo {
    /// The file's layout version.
    pub format_version: u32,
    /// When the database was built.
    pub built: Option<Timestamp>,
    /// The newest `modified` time of any record.
    pub newest_modified: Option<Timestamp>,
    /// Number of records (withdrawn ones are not imported).
    pub records: u64,
    /// Records per OSV ecosystem (`Debian:12`, `PyPI` ...); a record that names several
    /// ecosystems counts in each.
    pub ecosystems: BTreeMap<String, u64>,
    /// `GIT` ranges skipped at import (commit ranges do not apply to installed packages).
    pub git_ranges_skipped: u64,
    /// Withdrawn records skipped at import.
    pub withdrawn_skipped: u64,
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)?
        .try_into()
        .ok()
        .map(u32::from_le_bytes)
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    bytes
        .get(at..at.checked_add(8)?)?
        .try_into()
        .ok()
        .map(u64::from_le_bytes)
}

impl Database {
    /// Opens the database at `path`: one read of the file and a check of its header and
    /// section table. Refuses files of another format version with a message that says so.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        let bytes = std::fs::read(path).map_err(|source| DbError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Database::from_bytes(path, bytes)
    }

    /// Interprets `bytes` as a database file (`path` names it in errors).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Database, DbError> {
        let corrupt = |problem: &str| DbError::Corrupt {
            path: path.to_path_buf(),
            problem: problem.to_string(),
        };
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(DbError::NotADatabase {
                path: path.to_path_buf(),
            });
        }
        let version = read_u32(&bytes, 16).ok_or_else(|| corrupt("truncated header"))?;
        if version != FORMAT_VERSION {
            return Err(DbError::FormatVersion {
                path: path.to_path_buf(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(corrupt("truncated header"));
        }
        let header_u64 =
            |at: usize| read_u64(&bytes, at).ok_or_else(|| corrupt("truncated header"));
        let built = i64::from_le_bytes(header_u64(24)?.to_le_bytes());
        let git_ranges_skipped = header_u64(32)?;
        let withdrawn_skipped = header_u64(40)?;
        let newest = (
            read_u32(&bytes, 48).unwrap_or(0),
            read_u32(&bytes, 52).unwrap_or(0),
        );
        let mut tables = [Table::default(); SECTION_COUNT];
        let mut strings = (0, 0);
        for (number, table) in tables.iter_mut().enumerate() {
            let offset = header_u64(64 + number * 16)?;
            let len = header_u64(72 + number * 16)?;
            let end = offset
                .checked_add(len)
                .ok_or_else(|| corrupt("section out of bounds"))?;
            if end > bytes.len() as u64 || offset < HEADER_LEN as u64 {
                return Err(corrupt(&format!("section {number} out of bounds")));
            }
            let (offset, len) = (
                usize::try_from(offset).unwrap_or(0),
                usize::try_from(len).unwrap_or(0),
            );
            let width = WIDTHS.get(number).copied().unwrap_or(0);
            if number == STRINGS {
                strings = (offset, len);
            } else if width > 0 {
                if len % (width * 4) != 0 {
                    return Err(corrupt(&format!(
                        "section {number} is not a whole number of rows"
                    )));
                }
                *table = Table {
                    start: offset,
                    rows: len / (width * 4),
                    width,
                };
            }
        }
        let table = |number: usize| tables.get(number).copied().unwrap_or_default();
        Ok(Database {
            path: path.to_path_buf(),
            strings,
            records: table(RECORDS),
            affected: table(AFFECTED),
            ranges: table(RANGES),
            events: table(EVENTS),
            lists: table(LISTS),
            ecosystems: table(ECOSYSTEMS),
            bytes,
            built,
            git_ranges_skipped,
            withdrawn_skipped,
            newest,
        })
    }

    /// The file the database was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn word(&self, table: Table, row: usize, column: usize) -> u32 {
        if row >= table.rows || column >= table.width {
            return 0;
        }
        read_u32(&self.bytes, table.start + (row * table.width + column) * 4).unwrap_or(0)
    }

    /// A string by reference; a broken reference reads as empty.
    fn text(&self, offset: u32, len: u32) -> &str {
        let (start, section_len) = self.strings;
        let (offset, len) = (offset as usize, len as usize);
        if offset.saturating_add(len) > section_len {
            return "";
        }
        self.bytes
            .get(start + offset..start + offset + len)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }

    /// A string's bytes by reference, unchecked for UTF-8: for comparisons on the hot path.
    fn row_bytes(&self, table: Table, row: usize, column: usize) -> &[u8] {
        let (start, section_len) = self.strings;
        let offset = self.word(table, row, column) as usize;
        let len = self.word(table, row, column + 1) as usize;
        if offset.saturating_add(len) > section_len {
            return &[];
        }
        self.bytes
            .get(start + offset..start + offset + len)
            .unwrap_or_default()
    }

    fn row_text(&self, table: Table, row: usize, column: usize) -> &str {
        self.text(
            self.word(table, row, column),
            self.word(table, row, column + 1),
        )
    }

    fn list(&self, table: Table, row: usize, column: usize) -> impl Iterator<Item = &str> {
        let start = self.word(table, row, column) as usize;
        let count = self.word(table, row, column + 1) as usize;
        let end = start.saturating_add(count).min(self.lists.rows);
        (start.min(end)..end).map(|item| self.row_text(self.lists, item, 0))
    }

    /// A record's time column.
    fn time(&self, row: usize, column: usize) -> Option<Timestamp> {
        let seconds = format::time_from_words(
            self.word(self.records, row, column),
            self.word(self.records, row, column + 1),
        )?;
        Timestamp::from_unix_seconds(seconds)
    }

    fn timestamp(text: &str) -> Option<Timestamp> {
        if text.is_empty() {
            None
        } else {
            text.parse().ok()
        }
    }

    /// Counts and dates for `tollgate db info`.
    pub fn info(&self) -> DbInfo {
        let mut ecosystems = BTreeMap::new();
        for row in 0..self.ecosystems.rows {
            let name = self.row_text(self.ecosystems, row, 0).to_string();
            *ecosystems.entry(name).or_insert(0) += u64::from(self.word(self.ecosystems, row, 2));
        }
        DbInfo {
            format_version: FORMAT_VERSION,
            built: Timestamp::from_unix_seconds(self.built),
            newest_modified: Self::timestamp(self.text(self.newest.0, self.newest.1)),
            records: self.records.rows as u64,
            ecosystems,
            git_ranges_skipped: self.git_ranges_skipped,
            withdrawn_skipped: self.withdrawn_skipped,
        }
    }

    /// The database's metadata as the facts carry it (`image.database`); `sources` are the
    /// ecosystems without their release (`Debian`, `PyPI` ...).
    pub fn facts_info(&self) -> DatabaseInfo {
        let info = self.info();
        let mut sources: Vec<String> = info
            .ecosystems
            .keys()
            .map(|name| name.split(':').next().unwrap_or(name).to_string())
            .collect();
        sources.dedup();
        DatabaseInfo {
            built: info.built,
            newest: info.newest_modified,
            sources,
            records: i64::try_from(info.records).unwrap_or(i64::MAX),
        }
    }

    /// The vulnerabilities of `packages`: each package is looked up under its OSV ecosystem
    /// (OS packages under their distribution release, from the package's `distro` field or
    /// `distro`), by source package for Debian and Ubuntu, by origin for Alpine, by the
    /// PEP 503 name for PyPI; records that alias each other are merged into one finding.
    pub fn match_packages(
        &self,
        packages: &[Package],
        distro: Option<&Distro>,
    ) -> Vec<Vulnerability> {
        let ecosystems: Vec<(&str, usize, usize)> = (0..self.ecosystems.rows)
            .map(|row| {
                (
                    self.row_text(self.ecosystems, row, 0),
                    self.word(self.ecosystems, row, 3) as usize,
                    self.word(self.ecosystems, row, 4) as usize,
                )
            })
            .collect();
        let mut out = Vec::new();
        for package in packages {
            let Some(target) = crate::names::target(package, distro) else {
                continue;
            };
            let mut hits = Vec::new();
            for &(ecosystem, start, count) in &ecosystems {
                if !target.accepts(ecosystem) {
                    continue;
                }
                let name = osv_name(ecosystem, &target.name);
                let name = name.as_bytes();
                let end = start.saturating_add(count).min(self.affected.rows);
                let start = start.min(end);
                let first = start
                    + partition_point(end - start, |offset| {
                        self.row_bytes(self.affected, start + offset, affected::NAME) < name
                    });
                for row in first..end {
                    if self.row_bytes(self.affected, row, affected::NAME) != name {
                        break;
                    }
                    if let Some(hit) = self.evaluate(row, ordering_of(ecosystem), &package.version)
                    {
                        hits.push(hit);
                    }
                }
            }
            out.extend(self.merge(package, hits));
        }
        out
    }

    /// Whether the installed `version` is affected by the affected entry `row`, following the
    /// OSV schema's evaluation: each `ECOSYSTEM` or `SEMVER` range's events sorted by
    /// version, `introduced` switching on, `fixed` (at or above) and `last_affected` (above)
    /// switching off, `limit` bounding the range; or the version listed in `versions`.
    fn evaluate(&self, row: usize, ecosystem: Ecosystem, version: &str) -> Option<Hit<'_>> {
        let table = self.affected;
        let ranges_start = self.word(table, row, affected::RANGES) as usize;
        let ranges_count = self.word(table, row, affected::RANGES + 1) as usize;
        let ranges_end = ranges_start
            .saturating_add(ranges_count)
            .min(self.ranges.rows);
        let mut is_affected = false;
        let mut fixed_in: Option<&str> = None;
        let mut has_ranges = false;
        for range in ranges_start.min(ranges_end)..ranges_end {
            has_ranges = true;
            let semver = self.word(self.ranges, range, 0) == RANGE_SEMVER;
            let compare = |a: &str, b: &str| {
                if semver {
                    tollgate_versions::semver::compare(a, b)
                } else {
                    tollgate_versions::compare(ecosystem, a, b)
                }
            };
            let events_start = self.word(self.ranges, range, 1) as usize;
            let events_count = self.word(self.ranges, range, 2) as usize;
            let events_end = events_start
                .saturating_add(events_count)
                .min(self.events.rows);
            let mut events: Vec<(u32, &str)> = (events_start.min(events_end)..events_end)
                .map(|event| {
                    (
                        self.word(self.events, event, 0),
                        self.row_text(self.events, event, 1),
                    )
                })
                .collect();
            let is_zero = |(kind, text): &(u32, &str)| *kind == EVENT_INTRODUCED && *text == "0";
            let order = |a: &(u32, &str), b: &(u32, &str)| match (is_zero(a), is_zero(b)) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => compare(a.1, b.1).then(a.0.cmp(&b.0)),
            };
            // Records nearly always list events in order: check before sorting.
            if !events.is_sorted_by(|a, b| order(a, b) != Ordering::Greater) {
                events.sort_by(order);
            }
            let mut in_range = false;
            let mut limits = Vec::new();
            for (kind, text) in &events {
                match *kind {
                    EVENT_INTRODUCED
                        if *text == "0" || compare(version, text) != Ordering::Less =>
                    {
                        in_range = true
                    }
                    EVENT_FIXED if compare(version, text) != Ordering::Less => in_range = false,
                    EVENT_LAST_AFFECTED if compare(version, text) == Ordering::Greater => {
                        in_range = false
                    }
                    EVENT_LIMIT => limits.push(*text),
                    _ => {}
                }
            }
            if in_range && !limits.is_empty() {
                in_range = limits
                    .iter()
                    .any(|limit| *limit == "*" || compare(version, limit) == Ordering::Less);
            }
            if in_range {
                is_affected = true;
            }
            for (kind, text) in &events {
                if *kind == EVENT_FIXED
                    && compare(text, version) == Ordering::Greater
                    && fixed_in.is_none_or(|best| compare(text, best) == Ordering::Less)
                {
                    fixed_in = Some(text);
                }
            }
        }
        if !is_affected {
            is_affected = self.list(table, row, affected::VERSIONS).any(|listed| {
                listed == version
                    || tollgate_versions::compare(ecosystem, listed, version) == Ordering::Equal
            });
        }
        if !is_affected {
            return None;
        }
        let fix_state = if fixed_in.is_some() {
            FixState::Fixed
        } else if self.word(table, row, affected::FIX_HINT) == HINT_WONT_FIX {
            FixState::WontFix
        } else if has_ranges {
            FixState::NotFixed
        } else {
            FixState::Unknown
        };
        let record_row = self.word(table, row, affected::RECORD) as usize;
        let severity_code = self.word(table, row, affected::SEVERITY);
        let (severity, score, vector) = if severity_code > 0 {
            (
                format::severity_from_code(severity_code - 1),
                format::score_from_bits(self.word(table, row, affected::SCORE)),
                self.row_text(table, row, affected::VECTOR),
            )
        } else {
            (
                format::severity_from_code(self.word(self.records, record_row, record::SEVERITY)),
                format::score_from_bits(self.word(self.records, record_row, record::SCORE)),
                self.row_text(self.records, record_row, record::VECTOR),
            )
        };
        Some(Hit {
            record: record_row,
            ecosystem,
            fixed_in: fixed_in.map(str::to_string),
            fix_state,
            severity,
            score,
            vector,
        })
    }

    /// Merges the hits of one package whose ids or aliases overlap into single findings.
    fn merge(&self, package: &Package, hits: Vec<Hit<'_>>) -> Vec<Vulnerability> {
        let mut parent: Vec<usize> = (0..hits.len()).collect();
        fn find(parent: &mut [usize], mut item: usize) -> usize {
            while let Some(&next) = parent.get(item) {
                if next == item {
                    break;
                }
                let grand = parent.get(next).copied().unwrap_or(next);
                if let Some(slot) = parent.get_mut(item) {
                    *slot = grand;
                }
                item = next;
            }
            item
        }
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (index, hit) in hits.iter().enumerate() {
            let ids = std::iter::once(self.row_text(self.records, hit.record, record::ID))
                .chain(self.list(self.records, hit.record, record::ALIASES));
            for id in ids {
                match owner.get(id) {
                    Some(&other) => {
                        let (a, b) = (find(&mut parent, index), find(&mut parent, other));
                        if let Some(slot) = parent.get_mut(a) {
                            *slot = b;
                        }
                    }
                    None => {
                        owner.insert(id, index);
                    }
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<&Hit>> = BTreeMap::new();
        for (index, hit) in hits.iter().enumerate() {
            groups
                .entry(find(&mut parent, index))
                .or_default()
                .push(hit);
        }
        let mut out: Vec<Vulnerability> = groups
            .into_values()
            .map(|group| self.finding(package, &group))
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    fn finding(&self, package: &Package, group: &[&Hit<'_>]) -> Vulnerability {
        let mut ids: Vec<&str> = Vec::new();
        for hit in group {
            ids.push(self.row_text(self.records, hit.record, record::ID));
            ids.extend(self.list(self.records, hit.record, record::ALIASES));
        }
        ids.sort_unstable();
        ids.dedup();
        // The CVE id names the finding when there is one, as scanners and people expect.
        let first_id = group.first().map_or("", |hit| {
            self.row_text(self.records, hit.record, record::ID)
        });
        let primary = ids
            .iter()
            .copied()
            .find(|id| id.starts_with("CVE-"))
            .unwrap_or(first_id);
        let aliases: Vec<String> = ids
            .iter()
            .filter(|id| **id != primary)
            .map(|id| id.to_string())
            .collect();
        let best = group
            .iter()
            .max_by(|a, b| {
                a.score
                    .is_some()
                    .cmp(&b.score.is_some())
                    .then(a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal))
                    .then(a.severity.cmp(&b.severity))
            })
            .copied();
        let mut fixed_in: Option<&str> = None;
        for hit in group {
            if let Some(version) = hit.fixed_in.as_deref()
                && fixed_in.is_none_or(|best| {
                    tollgate_versions::compare(hit.ecosystem, version, best) == Ordering::Less
                })
            {
                fixed_in = Some(version);
            }
        }
        let fix_state = [FixState::Fixed, FixState::WontFix, FixState::NotFixed]
            .into_iter()
            .find(|state| group.iter().any(|hit| hit.fix_state == *state))
            .unwrap_or(FixState::Unknown);
        let mut urls: Vec<String> = Vec::new();
        let mut summary = "";
        let mut published: Option<Timestamp> = None;
        let mut modified: Option<Timestamp> = None;
        for hit in group {
            let row = hit.record;
            if summary.is_empty() {
                summary = self.row_text(self.records, row, record::SUMMARY);
            }
            for url in self.list(self.records, row, record::URLS) {
                if !urls.iter().any(|known| known == url) {
                    urls.push(url.to_string());
                }
            }
            if let Some(time) = self.time(row, record::PUBLISHED) {
                published = Some(published.map_or(time, |known| known.min(time)));
            }
            if let Some(time) = self.time(row, record::MODIFIED) {
                modified = Some(modified.map_or(time, |known| known.max(time)));
            }
        }
        Vulnerability {
            id: primary.to_string(),
            aliases,
            package: PackageRef {
                name: package.name.clone(),
                version: package.version.clone(),
                ecosystem: package.ecosystem,
                purl: package.purl.clone(),
                path: package.path.clone(),
                layer: package.layer,
            },
            severity: best.map_or(Severity::Unknown, |hit| hit.severity),
            cvss_score: best.and_then(|hit| hit.score),
            cvss_vector: best
                .map(|hit| hit.vector.to_string())
                .filter(|vector| !vector.is_empty()),
            fixed_in: fixed_in.map(str::to_string),
            fix_state,
            published,
            modified,
            summary: summary.to_string(),
            urls,
        }
    }
}

/// The first index in `0..len` for which `before` is false (`before` must be true for a
/// prefix of the indices and false after it).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1
        } else {
            high = middle
        }
    }
    low
}

/// One affected entry that matched a package.
#[derive(Debug)]
struct Hit<'db> {
    record: usize,
    ecosystem: Ecosystem,
    fixed_in: Option<String>,
    fix_state: FixState,
    severity: Severity,
    score: Option<f64>,
    vector: &'db str,
}
