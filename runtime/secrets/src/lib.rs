//! The secret scanner: finds credentials left in image files with a built-in rule set and the
//! rules a policy adds (`secret NAME = r"..."`), and reports them redacted.
//!
//! How a file is scanned, cheapest step first:
//! 1. [`Scanner::wants`] refuses paths that hold no credentials (documentation,
//!    translations, media, archives, package indexes) and paths the policy allows, before
//!    any byte is read, and caps the bytes read per file.
//! 2. [`Scanner::scan`] skips binaries (a NUL byte in the first 8 KiB).
//! 3. One Aho-Corasick pass over the content finds which rules' keywords occur.
//! 4. Only those rules' regexes run; candidates then pass the rule's check (entropy,
//!    placeholders, format), overlapping findings keep the most specific rule, and each
//!    finding's excerpt is its line with every secret masked ([`redact`]).
//!
//! Every regex is compiled once, when the scanner is built; a built scanner is shared by the
//! image reader's layer threads.

mod checks;
mod paths;
mod redact;
mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_facts::{Secret, Severity};

pub use checks::{is_placeholder, shannon_entropy};
pub use redact::{MASK, MAX_EXCERPT_CHARS, redact, redact_line};

use checks::{Candidate, Check};
use redact::Span;
use rules::{BUILTIN, Scope};

/// Default cap on the bytes scanned per file: larger files are scanned up to it.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// At most this many findings are kept per file (a file of generated tokens stays bounded).
pub const MAX_FINDINGS_PER_FILE: usize = 100;

/// Compiled size limit of a policy's regex, so a hostile policy cannot exhaust memory.
const CUSTOM_REGEX_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// Severity of a policy-defined rule that names none.
pub const DEFAULT_CUSTOM_SEVERITY: Severity = Severity::High;

/// Category of a policy-defined rule that names none.
pub const DEFAULT_CUSTOM_CATEGORY: &str = "custom";

/// What a rule is, for documentation and reports (SARIF rule descriptors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id (`github-pat`); a policy rule's id is its name.
    pub id: String,
    /// Category (`cloud`, `vcs`, `private-key`, `generic` ...).
    pub category: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// One line saying what it finds.
    pub description: String,
    /// Lowercase keywords; the rule's regex only runs on files containing one of them.
    /// Empty for a rule that runs on every file its scope allows.
    pub keywords: Vec<String>,
    /// Whether it is one of the built-in rules.
    pub builtin: bool,
}

/// A rule added by a policy's `secret NAME = r"..."` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRule {
    /// The item's name; it becomes the rule id of its findings.
    pub name: String,
    /// The regex. A group named `secret` marks the value to redact; without one, the
    /// whole match is the value.
    pub regex: String,
    /// Severity of its findings ([`DEFAULT_CUSTOM_SEVERITY`] when none).
    pub severity: Option<Severity>,
    /// Category of its findings ([`DEFAULT_CUSTOM_CATEGORY`] when none).
    pub category: Option<String>,
}

/// Why a rule, a disabled id or an allowed path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The regex does not compile (or compiles too large).
    #[error("secret rule `{rule}` has an invalid regex: {message}")]
    InvalidRegex {
        /// The rule's name.
        rule: String,
        /// The regex engine's message.
        message: String,
    },
    /// The regex matches the empty string, so it would report every position of every file.
    #[error("secret rule `{rule}` matches the empty string")]
    MatchesEmpty {
        /// The rule's name.
        rule: String,
    },
    /// The rule has no name.
    #[error("a secret rule needs a name")]
    EmptyName,
    /// A rule with this id already exists.
    #[error("secret rule `{rule}` is defined twice")]
    Duplicate {
        /// The rule's name.
        rule: String,
    },
    /// `disable` named a rule that does not exist.
    #[error("unknown secret rule `{rule}`")]
    UnknownRule {
        /// The id given.
        rule: String,
    },
    /// An allowed-path glob does not parse.
    #[error("invalid allowed path `{glob}`: {message}")]
    InvalidGlob {
        /// The glob given.
        glob: String,
        /// What is wrong with it.
        message: String,
    },
}

/// A rule ready to run.
#[derive(Clone)]
struct CompiledRule {
    info: RuleInfo,
    regex: Regex,
    secret_group: Option<usize>,
    key_group: Option<usize>,
    check: Check,
    scope: Scope,
    specificity: u8,
}

impl CompiledRule {
    fn new(
        info: RuleInfo,
        regex: Regex,
        check: Check,
        scope: Scope,
        specificity: u8,
    ) -> CompiledRule {
        let group = |name: &str| {
            regex
                .capture_names()
                .position(|candidate| candidate == Some(name))
        };
        CompiledRule {
            secret_group: group("secret"),
            key_group: group("key"),
            info,
            regex,
            check,
            scope,
            specificity,
        }
    }
}

/// Configures a [`Scanner`]: the built-in rules minus the disabled ones, the policy's rules,
/// allowed paths, the size cap.
#[derive(Clone)]
pub struct ScannerBuilder {
    disabled: BTreeSet<String>,
    custom: Vec<CompiledRule>,
    allowed: Vec<String>,
    allowed_set: GlobSetBuilder,
    max_file_size: u64,
    prefilter: bool,
}

impl ScannerBuilder {
    /// Adds a policy's rule. Refuses a bad regex, one that matches the empty string, and a
    /// name already taken by a built-in or an earlier rule.
    pub fn add_rule(&mut self, rule: CustomRule) -> Result<&mut Self, RuleError> {
        let name = rule.name.trim().to_string();
        if name.is_empty() {
            return Err(RuleError::EmptyName);
        }
        if BUILTIN.iter().any(|def| def.id == name)
            || self.custom.iter().any(|known| known.info.id == name)
        {
            return Err(RuleError::Duplicate { rule: name });
        }
        let regex = RegexBuilder::new(&rule.regex)
            .size_limit(CUSTOM_REGEX_SIZE_LIMIT)
            .build()
            .map_err(|err| RuleError::InvalidRegex {
                rule: name.clone(),
                message: err.to_string(),
            })?;
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(&rule.regex)
            .map_err(|err| RuleError::InvalidRegex {
                rule: name.clone(),
                message: err.to_string(),
            })?;
        if hir.properties().minimum_len().unwrap_or(0) == 0 {
            return Err(RuleError::MatchesEmpty { rule: name });
        }
        let info = RuleInfo {
            id: name,
            category: rule
                .category
                .unwrap_or_else(|| DEFAULT_CUSTOM_CATEGORY.to_string()),
            severity: rule.severity.unwrap_or(DEFAULT_CUSTOM_SEVERITY),
            description: format!("policy rule matching `{}`", rule.regex),
            keywords: required_prefixes(&hir),
            builtin: false,
        };
        self.custom.push(CompiledRule::new(
            info,
            regex,
            checks::always,
            Scope::Anywhere,
            1,
        ));
        Ok(self)
    }

    /// Turns off a built-in or an already added rule.
    pub fn disable(&mut self, rule_id: &str) -> Result<&mut Self, RuleError> {
        let known = BUILTIN.iter().any(|def| def.id == rule_id)
            || self.custom.iter().any(|rule| rule.info.id == rule_id);
        if !known {
            return Err(RuleError::UnknownRule {
                rule: rule_id.to_string(),
            });
        }
        self.disabled.insert(rule_id.to_string());
        Ok(self)
    }

    /// Never scans files whose path matches `glob`. `*` and `?` stay within one path
    /// component, `**` crosses them: `/opt/app/testdata/**`, `**/*.example`.
    pub fn allow_path(&mut self, glob: &str) -> Result<&mut Self, RuleError> {
        let parsed = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|err| RuleError::InvalidGlob {
                glob: glob.to_string(),
                message: err.kind().to_string(),
            })?;
        self.allowed_set.add(parsed);
        self.allowed.push(glob.to_string());
        Ok(self)
    }

    /// The most bytes scanned per file ([`DEFAULT_MAX_FILE_SIZE`] by default); larger files
    /// are scanned up to it.
    pub fn max_file_size(&mut self, bytes: u64) -> &mut Self {
        self.max_file_size = bytes;
        self
    }

    /// Turns the keyword prefilter off (every rule's regex on every file), to measure what
    /// it saves. Findings are the same either way.
    pub fn prefilter(&mut self, enabled: bool) -> &mut Self {
        self.prefilter = enabled;
        self
    }

    /// Compiles the scanner.
    pub fn build(&self) -> Scanner {
        let mut rules: Vec<CompiledRule> = BUILTIN
            .iter()
            .filter(|def| !self.disabled.contains(def.id))
            .filter_map(|def| {
                // Built-in patterns are tested to compile; one that did not would be skipped
                // rather than take the scanner down.
                let regex = RegexBuilder::new(def.pattern).unicode(false).build().ok()?;
                let info = RuleInfo {
                    id: def.id.to_string(),
                    category: def.category.to_string(),
                    severity: def.severity,
                    description: def.description.to_string(),
                    keywords: def
                        .keywords
                        .iter()
                        .map(|keyword| keyword.to_ascii_lowercase())
                        .collect(),
                    builtin: true,
                };
                Some(CompiledRule::new(
                    info,
                    regex,
                    def.check,
                    def.scope,
                    def.specificity,
                ))
            })
            .collect();
        rules.extend(
            self.custom
                .iter()
                .filter(|rule| !self.disabled.contains(&rule.info.id))
                .cloned(),
        );

        let mut keyword_ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unconditional = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.info.keywords.is_empty() {
                unconditional.push(index);
            }
            for keyword in &rule.info.keywords {
                let next = keyword_ids.len();
                let id = *keyword_ids.entry(keyword.clone()).or_insert(next);
                if id == keyword_rules.len() {
                    keyword_rules.push(Vec::new());
                }
                if let Some(list) = keyword_rules.get_mut(id) {
                    list.push(index);
                }
            }
        }
        let mut patterns: Vec<(usize, String)> = keyword_ids
            .into_iter()
            .map(|(keyword, id)| (id, keyword))
            .collect();
        patterns.sort();
        // A full DFA: about twice as fast as the default NFA on this many case-insensitive
        // keywords (measured with the `scan` benchmark), for a few hundred KiB built once.
        let keyword_automaton = |kind| {
            AhoCorasickBuilder::new()
                .kind(kind)
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(_, keyword)| keyword))
                .ok()
        };
        let keywords =
            keyword_automaton(Some(AhoCorasickKind::DFA)).or_else(|| keyword_automaton(None));
        let allowed = self
            .allowed_set
            .build()
            .unwrap_or_else(|_| GlobSet::empty());
        Scanner {
            rules,
            keywords,
            keyword_rules,
            unconditional,
            allowed,
            max_file_size: self.max_file_size,
            prefilter: self.prefilter,
        }
    }
}

/// The lowercase literals one of which starts every match of `hir`, when there are few
/// and long enough to be useful keywords; none otherwise (the rule then runs on every file).
fn required_prefixes(hir: &regex_syntax::hir::Hir) -> Vec<String> {
    let mut extractor = regex_syntax::hir::literal::Extractor::new();
    extractor.limit_total(64);
    let seq = extractor.extract(hir);
    let Some(literals) = seq.literals() else {
        return Vec::new();
    };
    let mut keywords: BTreeSet<String> = BTreeSet::new();
    for literal in literals {
        let Ok(text) = std::str::from_utf8(literal.as_bytes()) else {
            return Vec::new();
        };
        if text.len() < 3 {
            return Vec::new();
        }
        keywords.insert(text.to_ascii_lowercase());
    }
    keywords.into_iter().collect()
}

/// The secret scanner. Build it once ([`Scanner::builtin`] or [`Scanner::builder`]) and
/// share it: it is `Send + Sync` and scans from any number of threads.
pub struct Scanner {
    rules: Vec<CompiledRule>,
    keywords: Option<AhoCorasick>,
    /// For each keyword (Aho-Corasick pattern id), the rules it enables.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords, run whenever their scope allows.
    unconditional: Vec<usize>,
    allowed: GlobSet,
    max_file_size: u64,
    prefilter: bool,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .field("max_file_size", &self.max_file_size)
            .field("prefilter", &self.prefilter)
            .finish_non_exhaustive()
    }
}

/// One accepted match inside a file.
#[derive(Debug, Clone)]
struct Hit {
    rule: usize,
    /// Where the whole match starts: the finding's line.
    at: usize,
    /// The value to redact.
    secret: Range<usize>,
}

impl Scanner {
    /// A builder starting from the whole built-in rule set.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder {
            disabled: BTreeSet::new(),
            custom: Vec::new(),
            allowed: Vec::new(),
            allowed_set: GlobSetBuilder::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            prefilter: true,
        }
    }

    /// The scanner with the built-in rule set and default settings.
    pub fn builtin() -> Scanner {
        Scanner::builder().build()
    }

    /// The rules it runs, built-in first.
    pub fn rules(&self) -> impl Iterator<Item = &RuleInfo> {
        self.rules.iter().map(|rule| &rule.info)
    }

    /// Whether a file at `path` is skipped without reading it: a path filter or an
    /// allowed path.
    pub fn skips_path(&self, path: &str) -> bool {
        paths::is_skipped(path) || self.allowed.is_match(path)
    }

    /// Scans `data` as the content of the file at `path`; the findings' `layer` is 0 and
    /// `present` is true.
    pub fn scan_bytes(&self, path: &str, data: &[u8]) -> Vec<Secret> {
        self.scan(FileContent {
            path,
            layer: 0,
            mode: 0o644,
            size: data.len() as u64,
            data,
            truncated: false,
        })
    }

    /// Which rules to run on `data` (indexes into `self.rules`).
    fn triggered(&self, data: &[u8]) -> Vec<bool> {
        let mut triggered = vec![!self.prefilter; self.rules.len()];
        if !self.prefilter {
            return triggered;
        }
        for &index in &self.unconditional {
            if let Some(flag) = triggered.get_mut(index) {
                *flag = true;
            }
        }
        let Some(keywords) = &self.keywords else {
            return vec![true; self.rules.len()];
        };
        let Ok(found) = keywords.try_find_overlapping_iter(data) else {
            return vec![true; self.rules.len()];
        };
        let mut seen = vec![false; self.keyword_rules.len()];
        let mut unseen = seen.len();
        for found in found {
            let keyword = found.pattern().as_usize();
            if let Some(flag) = seen.get_mut(keyword).filter(|flag| !**flag) {
                *flag = true;
                unseen -= 1;
                for &index in self.keyword_rules.get(keyword).into_iter().flatten() {
                    if let Some(flag) = triggered.get_mut(index) {
                        *flag = true;
                    }
                }
                if unseen == 0 {
                    break;
                }
            }
        }
        triggered
    }

    /// Runs one rule over `data`, appending the candidates that pass its check.
    fn run_rule(&self, index: usize, rule: &CompiledRule, data: &[u8], hits: &mut Vec<Hit>) {
        for captures in rule.regex.captures_iter(data) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            let value = rule
                .secret_group
                .and_then(|group| captures.get(group))
                .unwrap_or(whole);
            let secret = strip_quotes(data, value.range());
            let quoted = secret.len() < value.len();
            let Some(secret_bytes) = data.get(secret.clone()).filter(|bytes| !bytes.is_empty())
            else {
                continue;
            };
            let candidate = Candidate {
                secret: secret_bytes,
                key: rule
                    .key_group
                    .and_then(|group| captures.get(group))
                    .map(|key| key.as_bytes()),
                quoted,
                file: data,
                after: rest_of_line(data, secret.end),
            };
            if (rule.check)(&candidate) {
                hits.push(Hit {
                    rule: index,
                    at: whole.start(),
                    secret,
                });
                if hits.len() >= MAX_FINDINGS_PER_FILE * 16 {
                    return;
                }
            }
        }
    }

    /// Keeps, of overlapping hits, the one of the most specific rule (then the earliest).
    fn keep_most_specific(&self, mut hits: Vec<Hit>) -> Vec<Hit> {
        let specificity = |hit: &Hit| self.rules.get(hit.rule).map_or(0, |rule| rule.specificity);
        hits.sort_by_key(|hit| {
            (
                std::cmp::Reverse(specificity(hit)),
                hit.secret.start,
                hit.rule,
            )
        });
        // Kept secret ranges by start; they never overlap one another.
        let mut kept_ranges: BTreeMap<usize, usize> = BTreeMap::new();
        let mut kept = Vec::new();
        for hit in hits {
            let overlaps_before = kept_ranges
                .range(..hit.secret.end)
                .next_back()
                .is_some_and(|(_, &end)| end > hit.secret.start);
            if !overlaps_before {
                kept_ranges.insert(hit.secret.start, hit.secret.end);
                kept.push(hit);
            }
        }
        kept.sort_by_key(|hit| (hit.at, hit.secret.start));
        kept.truncate(MAX_FINDINGS_PER_FILE);
        kept
    }
}

/// Shrinks a value range by its enclosing quotes (`"value"`, `'value'`).
fn strip_quotes(data: &[u8], range: Range<usize>) -> Range<usize> {
    let first = data.get(range.start).copied();
    let last = range
        .end
        .checked_sub(1)
        .and_then(|end| data.get(end))
        .copied();
    match (first, last) {
        (Some(open @ (b'"' | b'\'')), Some(close)) if open == close && range.len() >= 2 => {
            range.start + 1..range.end - 1
        }
        _ => range,
    }
}

/// Up to 256 bytes after `offset`, to the end of its line.
fn rest_of_line(data: &[u8], offset: usize) -> &[u8] {
    let rest = data.get(offset..).unwrap_or_default();
    let rest = rest.get(..256).unwrap_or(rest);
    memchr::memchr(b'\n', rest)
        .and_then(|newline| rest.get(..newline))
        .unwrap_or(rest)
}

/// The start and end (without the line break) of the line holding `offset`.
fn line_bounds(data: &[u8], offset: usize) -> Range<usize> {
    let head = data.get(..offset).unwrap_or(data);
    let start = memchr::memrchr(b'\n', head).map_or(0, |newline| newline + 1);
    let tail = data.get(offset..).unwrap_or_default();
    let mut end = memchr::memchr(b'\n', tail).map_or(data.len(), |newline| offset + newline);
    if end > start && data.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    start..end
}

/// The excerpt of a finding: its line, masked; a value that starts on a later line (a PEM
/// body after its `BEGIN` line) is shown as a mask after the line.
fn excerpt(data: &[u8], bounds: Range<usize>, hit: &Hit, spans: &[Span]) -> String {
    let value_below = hit.secret.start >= bounds.end;
    let line = redact::redact_spans(data.get(bounds).unwrap_or_default(), spans);
    if value_below {
        format!("{line} {MASK}")
    } else {
        line
    }
}

impl SecretScanner for Scanner {
    fn wants(&self, path: &str, size: u64) -> Option<u64> {
        if size == 0 || self.skips_path(path) {
            return None;
        }
        Some(size.min(self.max_file_size))
    }

    fn scan(&self, file: FileContent<'_>) -> Vec<Secret> {
        let data = file.data;
        if data.is_empty() || self.skips_path(file.path) || paths::is_binary(data) {
            return Vec::new();
        }
        let data = data
            .get(..usize::try_from(self.max_file_size).unwrap_or(usize::MAX))
            .unwrap_or(data);
        let triggered = self.triggered(data);
        let mut hits = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if triggered.get(index).copied().unwrap_or(false) && rule.scope.matches(file.path) {
                self.run_rule(index, rule, data, &mut hits);
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        let hits = self.keep_most_specific(hits);

        let mut line = 1i64;
        let mut counted_to = 0usize;
        let mut findings = Vec::with_capacity(hits.len());
        for hit in &hits {
            let Some(rule) = self.rules.get(hit.rule) else {
                continue;
            };
            let at = hit.at.max(counted_to);
            line += memchr::memchr_iter(b'\n', data.get(counted_to..at).unwrap_or_default()).count()
                as i64;
            counted_to = at;
            let bounds = line_bounds(data, hit.at);
            let spans: Vec<Span> = hits
                .iter()
                .filter(|other| other.secret.start < bounds.end && other.secret.end > bounds.start)
                .map(|other| Span {
                    range: other.secret.start.saturating_sub(bounds.start)
                        ..other.secret.end - bounds.start,
                    whole: other.secret.start < bounds.start,
                })
                .collect();
            findings.push(Secret {
                rule: rule.info.id.clone(),
                category: rule.info.category.clone(),
                severity: rule.info.severity,
                path: file.path.to_string(),
                line,
                layer: file.layer,
                excerpt: excerpt(data, bounds, hit, &spans),
                present: true,
            });
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_compiles_and_is_unique() {
        let scanner = Scanner::builtin();
        assert_eq!(scanner.rules().count(), BUILTIN.len());
        let ids: BTreeSet<&str> = BUILTIN.iter().map(|def| def.id).collect();
        assert_eq!(ids.len(), BUILTIN.len());
        assert!(BUILTIN.len() >= 80, "only {} built-in rules", BUILTIN.len());
    }

    #[test]
    fn rules_without_keywords_are_scoped_to_file_names() {
        for def in BUILTIN {
            assert!(
                !def.keywords.is_empty() || def.scope != Scope::Anywhere,
                "{} runs on every file",
                def.id
            );
            for keyword in def.keywords {
                assert_eq!(
                    *keyword,
                    keyword.to_ascii_lowercase(),
                    "{}: keywords are lowercase",
                    def.id
                );
            }
        }
    }

    #[test]
    fn custom_rule_prefix_becomes_its_keyword() {
        let mut builder = Scanner::builder();
        builder
            .add_rule(CustomRule {
                name: "acme_token".into(),
                regex: r"ACME-[0-9a-f]{32}".into(),
                severity: None,
                category: None,
            })
            .unwrap();
        let scanner = builder.build();
        let rule = scanner
            .rules()
            .find(|rule| rule.id == "acme_token")
            .unwrap();
        assert_eq!(rule.keywords, vec!["acme-".to_string()]);
        assert_eq!(rule.severity, DEFAULT_CUSTOM_SEVERITY);
        assert!(!rule.builtin);
    }

    #[test]
    fn line_bounds_strip_carriage_returns() {
        let data = b"one\r\ntwo\r\nthree";
        assert_eq!(line_bounds(data, 6), 5..8);
        assert_eq!(line_bounds(data, 12), 10..15);
        assert_eq!(line_bounds(data, 0), 0..3);
    }
}
