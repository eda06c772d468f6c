//! Reading the index file and matching packages against it.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use tollgate_facts::{
    DatabaseInfo, Distro, Ecosystem, FixState, Package, PackageRef, Severity, Timestamp,
    Vulnerability,
};

use crate::DbError;
use crate::format::{
    self, AFFECTED, ECOSYSTEMS, EVENT_FIXED, EVENT_INTRODUCED, EVENT_LAST_AFFECTED, EVENT_LIMIT,
    EVENTS, FORMAT_VERSION, HEADER_LEN, HINT_WONT_FIX, LISTS, MAGIC, NAME_INDEX, RANGE_SEMVER,
    RANGES, RECORDS, SECTION_COUNT, STRINGS, WIDTHS, affected, name_slot, record,
};
use crate::names::{Accepts, Target, ordering_of, osv_name};

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
    name_index: Table,
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
        let name_index = table(NAME_INDEX);
        if name_index.rows > 0 && !name_index.rows.is_power_of_two() {
            return Err(corrupt("the name index is not a power-of-two table"));
        }
        Ok(Database {
            path: path.to_path_buf(),
            strings,
            records: table(RECORDS),
            affected: table(AFFECTED),
            ranges: table(RANGES),
            events: table(EVENTS),
            lists: table(LISTS),
            ecosystems: table(ECOSYSTEMS),
            name_index,
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
        let ecosystems: Vec<EcosystemSlice<'_>> = (0..self.ecosystems.rows)
            .map(|row| {
                let name = self.row_text(self.ecosystems, row, 0);
                let start = self.word(self.ecosystems, row, 3) as usize;
                let count = self.word(self.ecosystems, row, 4) as usize;
                let end = start.saturating_add(count).min(self.affected.rows);
                EcosystemSlice {
                    name,
                    rows: start.min(end)..end,
                    hash: format::hash_ecosystem(name.as_bytes()),
                    ordering: ordering_of(name),
                }
            })
            .collect();
        // Which ecosystems each kind of target looks in: decided once per kind, not once
        // per package.
        let mut accepted: HashMap<Accepts, Vec<usize>> = HashMap::new();
        let mut hits: Vec<Hit<'_>> = Vec::new();
        let mut events: Vec<(u32, &str)> = Vec::new();
        let mut out = Vec::new();
        // Matching is bound by memory latency, not by computation: each lookup reads a hash
        // slot, an affected entry, its range and events, its record and their strings, all
        // in different places of a file far larger than the caches. One package at a time,
        // each of those misses waits for the one before. So packages go in batches, in
        // passes that each do one step for the whole batch: the steps of different
        // packages do not depend on each other, and the processor overlaps their misses.
        for chunk in packages.chunks(BATCH) {
            let targets: Vec<Option<Target>> = chunk
                .iter()
                .map(|package| crate::names::target(package, distro))
                .collect();
            // 1. The keys to look up: (package, ecosystem, name as the index stores it).
            let mut probes: Vec<Probe<'_, '_>> = Vec::new();
            for (package, target) in targets.iter().enumerate() {
                let Some(target) = target else {
                    continue;
                };
                if !accepted.contains_key(&target.accepts) {
                    let indices = (0..ecosystems.len())
                        .filter(|index| {
                            ecosystems
                                .get(*index)
                                .is_some_and(|ecosystem| target.accepts.accepts(ecosystem.name))
                        })
                        .collect();
                    accepted.insert(target.accepts.clone(), indices);
                }
                let indices = accepted.get(&target.accepts).map_or(&[][..], Vec::as_slice);
                for ecosystem in indices.iter().filter_map(|index| ecosystems.get(*index)) {
                    let name = osv_name(ecosystem.name, target.name);
                    let hash = format::hash_name(ecosystem.hash, name.as_bytes());
                    probes.push(Probe {
                        package,
                        ecosystem,
                        name,
                        hash,
                        slot: None,
                        rows: 0..0,
                    });
                }
            }
            // 2. The hash slots.
            for probe in &mut probes {
                probe.slot = self.probe_slot(probe.ecosystem, probe.hash);
            }
            // 3. The names of the entries the slots point at (a differing name is a hash
            // collision: the full lookup then carries on past it).
            for probe in &mut probes {
                probe.rows = match probe.slot.clone() {
                    Some(rows)
                        if self.row_bytes(self.affected, rows.start, affected::NAME)
                            == probe.name.as_bytes() =>
                    {
                        rows
                    }
                    Some(_) => self.lookup(probe.ecosystem, probe.name.as_bytes(), probe.hash),
                    None => 0..0,
                };
            }
            // 4. The rows that evaluating the entries reads.
            let mut touched = 0u32;
            for probe in &probes {
                for row in probe.rows.clone() {
                    touched ^= self.touch(row);
                }
            }
            std::hint::black_box(touched);
            // 5. Evaluation and merging, package by package, in the packages' order.
            let mut next_probe = probes.iter().peekable();
            for (index, package) in chunk.iter().enumerate() {
                hits.clear();
                while let Some(probe) = next_probe.next_if(|probe| probe.package == index) {
                    for row in probe.rows.clone() {
                        if let Some(hit) = self.evaluate(
                            row,
                            probe.ecosystem.ordering,
                            &package.version,
                            &mut events,
                        ) {
                            hits.push(hit);
                        }
                    }
                }
                out.extend(self.merge(package, &hits));
            }
        }
        out
    }

    /// The first name-index slot for `hash` whose tag matches and whose run lies in
    /// `ecosystem`'s slice: the run of affected entries of the key, unless two keys share a
    /// tag (the caller checks the name). None when the key is not in the index.
    fn probe_slot(&self, ecosystem: &EcosystemSlice<'_>, hash: u64) -> Option<Range<usize>> {
        self.probe_from(ecosystem, hash, |_| true)
    }

    /// The affected entries of package `name` in `ecosystem`, through the name index
    /// (`hash` is the key's `format::hash_name`).
    fn lookup(&self, ecosystem: &EcosystemSlice<'_>, name: &[u8], hash: u64) -> Range<usize> {
        self.probe_from(ecosystem, hash, |rows| {
            self.row_bytes(self.affected, rows.start, affected::NAME) == name
        })
        .unwrap_or(0..0)
    }

    /// Walks the slots of `hash` until an empty one; the first run with the key's tag, in
    /// `ecosystem`'s slice, that `accept` takes.
    fn probe_from(
        &self,
        ecosystem: &EcosystemSlice<'_>,
        hash: u64,
        accept: impl Fn(&Range<usize>) -> bool,
    ) -> Option<Range<usize>> {
        let index = self.name_index;
        let tag = format::hash_tag(hash);
        let mask = index.rows.wrapping_sub(1);
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (hash as usize) & mask;
        // `open` checked that the table has a power-of-two number of slots; a damaged table
        // without an empty slot still ends after one pass.
        for _ in 0..index.rows {
            let count = self.word(index, slot, name_slot::COUNT) as usize;
            if count == 0 {
                return None;
            }
            if self.word(index, slot, name_slot::HASH) == tag {
                let first = self.word(index, slot, name_slot::FIRST) as usize;
                let rows = first..first.saturating_add(count);
                // A hash match alone proves nothing: the run must lie in the ecosystem's
                // slice, and (`accept`) carry the name.
                if rows.start >= ecosystem.rows.start
                    && rows.end <= ecosystem.rows.end
                    && accept(&rows)
                {
                    return Some(rows);
                }
            }
            slot = (slot + 1) & mask;
        }
        None
    }

    /// Reads a word of each row that evaluating affected entry `row` reads first (its range,
    /// first event and its version, its record and id), so that these misses happen in a
    /// batch, overlapped, rather than one by one during evaluation.
    fn touch(&self, row: usize) -> u32 {
        let range = self.word(self.affected, row, affected::RANGES) as usize;
        let record = self.word(self.affected, row, affected::RECORD) as usize;
        let event = self.word(self.ranges, range, 1) as usize;
        let version = self.row_bytes(self.events, event, 1);
        let id = self.row_bytes(self.records, record, record::ID);
        let first_byte = |bytes: &[u8]| u32::from(bytes.first().copied().unwrap_or(0));
        first_byte(version) ^ first_byte(id)
    }

    /// Whether the installed `version` is affected by the affected entry `row`, following the
    /// OSV schema's evaluation: each `ECOSYSTEM` or `SEMVER` range's events sorted by
    /// version, `introduced` switching on, `fixed` (at or above) and `last_affected` (above)
    /// switching off, `limit` bounding the range; or the version listed in `versions`.
    /// `events` is scratch space, reused across calls so that matching does not allocate.
    fn evaluate<'db>(
        &'db self,
        row: usize,
        ecosystem: Ecosystem,
        version: &str,
        events: &mut Vec<(u32, &'db str)>,
    ) -> Option<Hit<'db>> {
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
            events.clear();
            events.extend((events_start.min(events_end)..events_end).map(|event| {
                (
                    self.word(self.events, event, 0),
                    self.row_text(self.events, event, 1),
                )
            }));
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
            let mut has_limit = false;
            for (kind, text) in events.iter() {
                match *kind {
                    EVENT_INTRODUCED
                        if *text == "0" || compare(version, text) != Ordering::Less =>
                    {
                        in_range = true
                    }
                    EVENT_FIXED => {
                        // One comparison serves both questions: does this fix switch the
                        // range off, and is it a fix above the installed version.
                        if compare(version, text) == Ordering::Less {
                            if fixed_in.is_none_or(|best| compare(text, best) == Ordering::Less) {
                                fixed_in = Some(text);
                            }
                        } else {
                            in_range = false
                        }
                    }
                    EVENT_LAST_AFFECTED if compare(version, text) == Ordering::Greater => {
                        in_range = false
                    }
                    EVENT_LIMIT => has_limit = true,
                    _ => {}
                }
            }
            if in_range && has_limit {
                in_range = events.iter().any(|(kind, limit)| {
                    *kind == EVENT_LIMIT
                        && (*limit == "*" || compare(version, limit) == Ordering::Less)
                });
            }
            if in_range {
                is_affected = true;
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
            fixed_in,
            fix_state,
            severity,
            score,
            vector,
        })
    }

    /// Merges the hits of one package whose ids or aliases overlap into single findings.
    fn merge(&self, package: &Package, hits: &[Hit<'_>]) -> Vec<Vulnerability> {
        match hits {
            [] => return Vec::new(),
            // Most vulnerable packages have one record: nothing to merge.
            [hit] => return vec![self.finding(package, &[hit])],
            _ => {}
        }
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
            if let Some(version) = hit.fixed_in
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

/// Packages matched per batch (see `match_packages`): enough lookups to overlap many cache
/// misses, few enough that what a batch reads stays in the caches until it is evaluated.
const BATCH: usize = 64;

/// One key to look up for one package of a batch.
#[derive(Debug)]
struct Probe<'db, 'name> {
    /// The package's index in its batch.
    package: usize,
    ecosystem: &'db EcosystemSlice<'db>,
    name: Cow<'name, str>,
    hash: u64,
    /// The run its hash slot points at, before the name is checked.
    slot: Option<Range<usize>>,
    /// Its affected entries.
    rows: Range<usize>,
}

/// One ecosystem of the index, as matching uses it.
#[derive(Debug)]
struct EcosystemSlice<'db> {
    name: &'db str,
    /// Its affected entries.
    rows: Range<usize>,
    /// The first half of its name-index keys.
    hash: u64,
    /// Its version ordering.
    ordering: Ecosystem,
}

/// One affected entry that matched a package.
#[derive(Debug)]
struct Hit<'db> {
    record: usize,
    ecosystem: Ecosystem,
    fixed_in: Option<&'db str>,
    fix_state: FixState,
    severity: Severity,
    score: Option<f64>,
    vector: &'db str,
}
