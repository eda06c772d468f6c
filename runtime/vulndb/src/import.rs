//! `tollgate db import`: OSV records from JSON and YAML files, folders of them (recursively)
//! and zip archives (osv.dev's `all.zip`), compiled into the index file. A record that does
//! not parse is reported with its file and skipped; the rest import.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate_facts::Severity;

use crate::DbError;
use crate::cvss::{rate, severity_of_word};
use crate::format::{
    self, AffectedRow, Contents, EVENT_FIXED, EVENT_INTRODUCED, EVENT_LAST_AFFECTED, EVENT_LIMIT,
    HINT_NONE, HINT_WONT_FIX, RANGE_ECOSYSTEM, RANGE_SEMVER, RecordRow,
};
use crate::names::osv_name;
use crate::osv::{self, Record};

/// A record file larger than this is refused (the largest real records are a few hundred
/// KiB); it bounds memory on hostile zip entries too.
const MAX_RECORD_BYTES: u64 = 32 * 1024 * 1024;
/// References kept per record: enough to act on, without bloating the index.
const MAX_URLS: usize = 10;
/// Summaries made from `details` are cut at this many characters.
const MAX_SUMMARY_CHARS: usize = 200;

/// A record that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    /// The file (`dir/GHSA-x.json`, or `all.zip:GHSA-x.json` inside an archive).
    pub file: String,
    /// What is wrong with it.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Files and archive entries read.
    pub files: usize,
    /// Records in the database.
    pub records: usize,
    /// Records that could not be read, with their file.
    pub failures: Vec<ImportFailure>,
    /// Withdrawn records, left out.
    pub withdrawn: usize,
    /// Records whose id appeared again; the newest `modified` one was kept.
    pub duplicates: usize,
    /// `GIT` ranges skipped.
    pub git_ranges_skipped: usize,
    /// Records per OSV ecosystem.
    pub ecosystems: BTreeMap<String, usize>,
    /// The newest `modified` time, as the record wrote it.
    pub newest_modified: String,
    /// Size of the index file in bytes.
    pub bytes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Yaml,
}

fn syntax_of(name: &str) -> Option<Syntax> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Some(Syntax::Json)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(Syntax::Yaml)
    } else {
        None
    }
}

/// Collects parsed records, keeping the newest version of each id.
#[derive(Default)]
struct Collector {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
    report: ImportReport,
}

impl Collector {
    fn add(&mut self, file: String, syntax: Syntax, bytes: &[u8]) {
        self.report.files += 1;
        let parsed = match syntax {
            Syntax::Json => osv::from_json(bytes),
            Syntax::Yaml => osv::from_yaml(bytes),
        };
        let record = match parsed.and_then(|record| {
            if record.id.trim().is_empty() {
                Err("the record has an empty `id`".to_string())
            } else {
                Ok(record)
            }
        }) {
            Ok(record) => record,
            Err(message) => {
                self.report.failures.push(ImportFailure { file, message });
                return;
            }
        };
        if !record.withdrawn.is_empty() {
            self.report.withdrawn += 1;
            return;
        }
        match self.by_id.get(&record.id) {
            Some(&index) => {
                self.report.duplicates += 1;
                if let Some(known) = self.records.get_mut(index)
                    && time_key(&record.modified) > time_key(&known.modified)
                {
                    *known = record;
                }
            }
            None => {
                self.by_id.insert(record.id.clone(), self.records.len());
                self.records.push(record);
            }
        }
    }

    fn read_file(&mut self, path: &Path, syntax: Syntax) {
        let file = path.display().to_string();
        match read_limited(path) {
            Ok(bytes) => self.add(file, syntax, &bytes),
            Err(message) => {
                self.report.files += 1;
                self.report.failures.push(ImportFailure { file, message });
            }
        }
    }

    fn read_zip(&mut self, path: &Path) {
        let file = path.display().to_string();
        let archive = std::fs::File::open(path)
            .map_err(|err| err.to_string())
            .and_then(|handle| zip::ZipArchive::new(handle).map_err(|err| err.to_string()));
        let mut archive = match archive {
            Ok(archive) => archive,
            Err(message) => {
                self.report.failures.push(ImportFailure {
                    file,
                    message: format!("cannot read the zip archive: {message}"),
                });
                return;
            }
        };
        for index in 0..archive.len() {
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(err) => {
                    self.report.failures.push(ImportFailure {
                        file: format!("{file}:#{index}"),
                        message: err.to_string(),
                    });
                    continue;
                }
            };
            let name = entry.name().to_string();
            let Some(syntax) = syntax_of(&name).filter(|_| entry.is_file()) else {
                continue;
            };
            let entry_file = format!("{file}:{name}");
            let mut bytes = Vec::new();
            let read = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut bytes);
            match read {
                Err(err) => {
                    self.report.files += 1;
                    self.report.failures.push(ImportFailure {
                        file: entry_file,
                        message: err.to_string(),
                    });
                }
                Ok(_) if bytes.len() as u64 > MAX_RECORD_BYTES => {
                    self.report.files += 1;
                    self.report.failures.push(ImportFailure {
                        file: entry_file,
                        message: format!("larger than {MAX_RECORD_BYTES} bytes"),
                    });
                }
                Ok(_) => self.add(entry_file, syntax, &bytes),
            }
        }
    }

    fn read_dir(&mut self, dir: &Path) -> Result<(), DbError> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| DbError::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        for path in entries {
            // Symbolic links to folders are not followed: no loops.
            let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if metadata.is_dir() {
                self.read_dir(&path)?;
            } else if is_zip(&path) {
                self.read_zip(&path);
            } else if let Some(syntax) = syntax_of(&path.to_string_lossy()) {
                self.read_file(&path, syntax);
            }
        }
        Ok(())
    }
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("zip"))
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| err.to_string())?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(format!("larger than {MAX_RECORD_BYTES} bytes"));
    }
    Ok(bytes)
}

/// A sortable form of an RFC 3339 time; unparseable times sort first.
fn time_key(text: &str) -> Option<jiff::Timestamp> {
    text.trim().parse().ok()
}

/// Builds the database at `output` from OSV records in `inputs` (files, folders, zip
/// archives). Unreadable records are in the report's `failures`; an input that does not
/// exist, or an output that cannot be written, is an error.
pub fn import(inputs: &[PathBuf], output: &Path) -> Result<ImportReport, DbError> {
    let mut collector = Collector::default();
    for input in inputs {
        let metadata = std::fs::metadata(input).map_err(|source| DbError::Read {
            path: input.clone(),
            source,
        })?;
        if metadata.is_dir() {
            collector.read_dir(input)?;
        } else if is_zip(input) {
            collector.read_zip(input);
        } else {
            // A file named on the command line is read even without a known extension.
            let syntax = syntax_of(&input.to_string_lossy()).unwrap_or(Syntax::Json);
            collector.read_file(input, syntax);
        }
    }
    let Collector {
        mut records,
        mut report,
        ..
    } = collector;
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let built = jiff::Timestamp::now().as_second();
    let contents = compile(&records, built, &mut report);
    let bytes = format::write(&contents).map_err(|_| DbError::TooLarge {
        path: output.to_path_buf(),
    })?;
    report.bytes = bytes.len();
    write_atomically(output, &bytes)?;
    Ok(report)
}

fn write_atomically(output: &Path, bytes: &[u8]) -> Result<(), DbError> {
    let file_name = output
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary = output.with_file_name(format!(".{file_name}.partial"));
    let error = |source| DbError::Write {
        path: output.to_path_buf(),
        source,
    };
    std::fs::write(&temporary, bytes).map_err(error)?;
    std::fs::rename(&temporary, output).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        DbError::Write {
            path: output.to_path_buf(),
            source,
        }
    })
}

/// Turns records into the writer's rows.
fn compile(records: &[Record], built: i64, report: &mut ImportReport) -> Contents {
    let mut contents = Contents {
        built,
        withdrawn_skipped: report.withdrawn as u64,
        ..Contents::default()
    };
    let mut newest: Option<jiff::Timestamp> = None;
    let mut ecosystem_records: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        let Ok(index) = u32::try_from(contents.records.len()) else {
            break;
        };
        if let Some(time) = time_key(&record.modified)
            && newest.is_none_or(|known| time > known)
        {
            newest = Some(time);
            contents.newest_modified = record.modified.trim().to_string();
        }
        let (severity, score, vector) = record_severity(record);
        contents.records.push(RecordRow {
            id: record.id.clone(),
            summary: summary(record),
            published: time_key(&record.published).map(|time| time.as_second()),
            modified: time_key(&record.modified).map(|time| time.as_second()),
            vector,
            aliases: aliases(record),
            urls: record
                .references
                .iter()
                .map(|reference| reference.url.clone())
                .filter(|url| !url.is_empty())
                .take(MAX_URLS)
                .collect(),
            severity,
            score,
        });
        let mut named: Vec<&str> = Vec::new();
        for affected in &record.affected {
            let ecosystem = affected.package.ecosystem.trim();
            if ecosystem.is_empty() || affected.package.name.trim().is_empty() {
                continue;
            }
            if !named.contains(&ecosystem) {
                named.push(ecosystem);
            }
            let mut ranges = Vec::new();
            for range in &affected.ranges {
                let kind = match range.kind.as_str() {
                    "ECOSYSTEM" => RANGE_ECOSYSTEM,
                    "SEMVER" => RANGE_SEMVER,
                    "GIT" => {
                        report.git_ranges_skipped += 1;
                        continue;
                    }
                    _ => continue,
                };
                let events = range
                    .events
                    .iter()
                    .filter_map(|event| {
                        if let Some(version) = &event.introduced {
                            Some((EVENT_INTRODUCED, version.clone()))
                        } else if let Some(version) = &event.fixed {
                            Some((EVENT_FIXED, version.clone()))
                        } else if let Some(version) = &event.last_affected {
                            Some((EVENT_LAST_AFFECTED, version.clone()))
                        } else {
                            event
                                .limit
                                .as_ref()
                                .map(|version| (EVENT_LIMIT, version.clone()))
                        }
                    })
                    .collect();
                ranges.push((kind, events));
            }
            let own_rating = affected
                .severity
                .iter()
                .filter_map(|entry| {
                    rate(&entry.kind, &entry.score).map(|rating| (rating, entry.score.clone()))
                })
                .max_by_key(|(rating, _)| rating.score.is_some())
                .map(|(rating, vector)| {
                    (
                        rating.severity,
                        rating.score,
                        if rating.score.is_some() {
                            vector
                        } else {
                            String::new()
                        },
                    )
                })
                .or_else(|| {
                    word_rating(&affected.ecosystem_specific)
                        .or_else(|| word_rating(&affected.database_specific))
                        .map(|severity| (severity, None, String::new()))
                });
            let wont_fix = says_wont_fix(&affected.ecosystem_specific)
                || says_wont_fix(&affected.database_specific)
                || says_wont_fix(&record.database_specific);
            contents.affected.push(AffectedRow {
                record: index,
                ecosystem: ecosystem.to_string(),
                name: osv_name(ecosystem, affected.package.name.trim()).into_owned(),
                ranges,
                versions: affected.versions.clone(),
                fix_hint: if wont_fix { HINT_WONT_FIX } else { HINT_NONE },
                severity: own_rating,
            });
        }
        for ecosystem in named {
            *ecosystem_records.entry(ecosystem.to_string()).or_insert(0) += 1;
        }
    }
    contents.affected.sort_by(|a, b| {
        a.ecosystem
            .cmp(&b.ecosystem)
            .then_with(|| a.name.cmp(&b.name))
            .then(a.record.cmp(&b.record))
    });
    contents.git_ranges_skipped = report.git_ranges_skipped as u64;
    contents.ecosystem_records = ecosystem_records
        .iter()
        .map(|(name, count)| (name.clone(), u32::try_from(*count).unwrap_or(u32::MAX)))
        .collect();
    report.records = contents.records.len();
    report.ecosystems = ecosystem_records;
    report.newest_modified = contents.newest_modified.clone();
    contents
}

/// The record's summary, or the first line of its details, shortened.
fn summary(record: &Record) -> String {
    let text = if record.summary.trim().is_empty() {
        record
            .details
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("")
    } else {
        record.summary.trim()
    };
    if text.chars().count() > MAX_SUMMARY_CHARS {
        let mut cut: String = text.chars().take(MAX_SUMMARY_CHARS).collect();
        cut.push('…');
        cut
    } else {
        text.to_string()
    }
}

/// The record's aliases, plus its `upstream` CVE when it names exactly one: a
/// `DEBIAN-CVE-…` or `UBUNTU-CVE-…` record, or an advisory fixing one CVE, is that CVE.
fn aliases(record: &Record) -> Vec<String> {
    let mut aliases: Vec<String> = record
        .aliases
        .iter()
        .map(|alias| alias.trim().to_string())
        .collect();
    let upstream_cves: Vec<&String> = record
        .upstream
        .iter()
        .filter(|id| id.starts_with("CVE-"))
        .collect();
    if let [cve] = upstream_cves.as_slice() {
        aliases.push((*cve).clone());
    }
    aliases.retain(|alias| !alias.is_empty() && *alias != record.id);
    aliases.sort();
    aliases.dedup();
    aliases
}

/// The record's severity: a CVSS v3 vector's base score, else a v4 vector's rating, else the
/// record's own rating word (`database_specific.severity`, an `Ubuntu` severity entry, the
/// `Important:` prefix of Red Hat-style summaries).
fn record_severity(record: &Record) -> (Severity, Option<f64>, String) {
    let mut best: Option<(u8, Severity, Option<f64>, String)> = None;
    for entry in &record.severity {
        let rank = match entry.kind.as_str() {
            "CVSS_V3" => 3,
            "CVSS_V4" => 2,
            _ => 1,
        };
        if best.as_ref().is_some_and(|(known, ..)| *known >= rank) {
            continue;
        }
        if let Some(rating) = rate(&entry.kind, &entry.score) {
            let vector = if rank >= 2 {
                entry.score.clone()
            } else {
                String::new()
            };
            best = Some((rank, rating.severity, rating.score, vector));
        }
    }
    if let Some((_, severity, score, vector)) = best {
        return (severity, score, vector);
    }
    let word = word_rating(&record.database_specific).or_else(|| {
        record
            .summary
            .split_once(':')
            .and_then(|(prefix, _)| severity_of_word(prefix))
    });
    (word.unwrap_or(Severity::Unknown), None, String::new())
}

/// A rating word under `severity` or `urgency` in a `*_specific` object.
fn word_rating(value: &Value) -> Option<Severity> {
    ["severity", "urgency"].iter().find_map(|key| {
        value
            .get(key)
            .and_then(Value::as_str)
            .and_then(severity_of_word)
    })
}

/// Whether a `*_specific` object says the vulnerability will not be fixed.
fn says_wont_fix(value: &Value) -> bool {
    ["status", "fix_status", "fix_state", "state", "resolution"]
        .iter()
        .any(|key| {
            value.get(key).and_then(Value::as_str).is_some_and(|text| {
                matches!(
                    text.trim().to_ascii_lowercase().as_str(),
                    "wont-fix"
                        | "wontfix"
                        | "won't fix"
                        | "will not fix"
                        | "ignored"
                        | "end-of-life"
                        | "out of support scope"
                )
            })
        })
}
