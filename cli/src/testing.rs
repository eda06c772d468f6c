//! Policy tests: each `expect` of each `test` block evaluates the compiled program over the
//! image it gives (an image literal, or a facts file) and checks what one rule did.
//!
//! An image literal is a constant record expression: it is turned into the facts' JSON form
//! (so omitted fields default exactly as in a hand-written facts file) and read back as
//! `tollgate_facts::Image`, then evaluated by the same VM `tollgate check` uses.
//!
//! Coverage has two measures: per rule (each rule seen firing and passing) and per condition
//! (each `where`/`when`/`unless` clause and each exception's `where` seen true and seen false,
//! as branch coverage counts a condition's two outcomes). Condition coverage runs the tests on
//! the program lowered with probes and reads the VM's `CoverageRecorder` afterwards.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use tollgate_bytecode::ProbeKind;
use tollgate_compiler::hir::{self, Coercion, ExprKind, Literal, Outcome, TestImage};
use tollgate_facts::Image;
use tollgate_vm::{CoverageRecorder, EvalOptions, Linked, evaluate};

/// The outcome of one expectation.
#[derive(Debug, Clone)]
pub struct ExpectationResult {
    /// `expect ... denies RULE`, as a person reads it.
    pub description: String,
    /// Why it failed, or none when it passed.
    pub failure: Option<String>,
}

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub expectations: Vec<ExpectationResult>,
    pub duration_ms: f64,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.failure.is_none())
    }
}

/// Per-rule coverage: whether a test saw the rule fire and saw it pass.
#[derive(Debug, Clone, Default)]
pub struct RuleCoverage {
    pub fired: bool,
    pub passed: bool,
}

/// Whose tests a run executes and whose rules its coverage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The user's modules (files outside the stdlib).
    User,
    /// The embedded standard library's modules (`std/...`).
    Stdlib,
}

impl Scope {
    /// Whether an item of the compiler file `file` belongs to this scope.
    fn owns(self, file: &str) -> bool {
        file.starts_with("std/") == (self == Scope::Stdlib)
    }
}

/// The outcomes one condition of a rule or an exception had in the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionCoverage {
    /// Qualified name of the rule (for an exception's condition, the rule it applies to).
    pub rule: String,
    /// How the source introduces it: `where`, `when`, `unless` or `except ... where`.
    pub keyword: String,
    /// The condition as written, on one line and shortened.
    pub text: String,
    /// Display path of its file.
    pub file: String,
    /// 1-based line and column of the condition.
    pub line: usize,
    pub column: usize,
    /// Seen evaluating to true at least once.
    pub seen_true: bool,
    /// Seen evaluating to false at least once.
    pub seen_false: bool,
}

impl ConditionCoverage {
    /// Both outcomes seen.
    pub fn covered(&self) -> bool {
        self.seen_true && self.seen_false
    }

    /// What the tests never made it do: `never true`, `never false`, or `never evaluated`.
    pub fn missing(&self) -> &'static str {
        match (self.seen_true, self.seen_false) {
            (false, false) => "never evaluated",
            (false, true) => "never true",
            (true, false) => "never false",
            (true, true) => "covered",
        }
    }
}

/// Everything a run found.
#[derive(Debug, Default)]
pub struct TestRun {
    pub results: Vec<TestResult>,
    /// Qualified rule name -> coverage, for every rule of the modules in scope.
    pub coverage: BTreeMap<String, RuleCoverage>,
    /// Every condition of the modules in scope, in program order; empty when the run did not
    /// measure condition coverage.
    pub conditions: Vec<ConditionCoverage>,
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Denies => "denies",
        Outcome::Warns => "warns",
        Outcome::Passes => "passes",
    }
}

/// Runs every test of the modules in `scope` whose name contains `filter`. The stdlib's
/// sources come from the embedded stdlib, the user's from `files`. When `options` holds a
/// coverage recorder and `linked` was lowered with probes, the run's `conditions` say what
/// the tests made each condition do.
pub fn run_tests(
    program: &hir::Program,
    linked: &Linked,
    files: &BTreeMap<String, (String, String)>,
    scope: Scope,
    filter: Option<&str>,
    options: &EvalOptions,
) -> TestRun {
    let mut run = TestRun::default();
    for rule in &linked.program().rules {
        if is_rule_in_scope(program, &rule.name, scope) {
            run.coverage
                .insert(rule.name.clone(), RuleCoverage::default());
        }
    }
    for item in &program.items {
        let hir::ItemKind::Test(test) = &item.kind else {
            continue;
        };
        if !scope.owns(&item.file) {
            continue;
        }
        let Some((display, text)) = source_of(files, &item.file) else {
            continue;
        };
        if filter.is_some_and(|filter| !test.name.contains(filter)) {
            continue;
        }
        let started = std::time::Instant::now();
        let (line, _) = tollgate_compiler::diagnostics::line_column(&text, item.span_base);
        let mut expectations = Vec::new();
        for expect in &test.expects {
            let description = format!(
                "expect ... {} {}",
                outcome_word(expect.outcome),
                expect.rule
            );
            let (expect_line, _) = tollgate_compiler::diagnostics::line_column(
                &text,
                item.span_base + expect.span.start,
            );
            let failure = match test_image(&expect.image, &display) {
                Err(message) => Some(message),
                Ok(image) => match evaluate(linked, &image, options) {
                    Err(err) => Some(format!("evaluation failed: {err}")),
                    Ok(evaluation) => {
                        let findings: Vec<&tollgate_vm::Finding> = evaluation
                            .findings
                            .iter()
                            .filter(|f| *f.rule == *expect.rule && f.suppressed.is_none())
                            .collect();
                        let coverage = run.coverage.entry(expect.rule.to_string()).or_default();
                        if findings.is_empty() {
                            coverage.passed = true;
                        } else {
                            coverage.fired = true;
                        }
                        check_expectation(expect, &findings)
                    }
                },
            };
            expectations.push(ExpectationResult {
                description: format!("{description} (line {expect_line})"),
                failure,
            });
        }
        run.results.push(TestResult {
            name: test.name.clone(),
            file: display,
            line,
            expectations,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    if let Some(recorder) = &options.coverage {
        run.conditions = condition_coverage(linked, recorder, files, scope);
    }
    run
}

/// The outcomes of every probed condition of the modules in `scope`.
fn condition_coverage(
    linked: &Linked,
    recorder: &CoverageRecorder,
    files: &BTreeMap<String, (String, String)>,
    scope: Scope,
) -> Vec<ConditionCoverage> {
    let program = linked.program();
    let mut out = Vec::new();
    for (index, probe) in program.probes.iter().enumerate() {
        let Some(file) = program.files.get(probe.span.file as usize) else {
            continue;
        };
        if !scope.owns(file) {
            continue;
        }
        let Some((display, text)) = source_of(files, file) else {
            continue;
        };
        let start = probe.span.start as usize;
        let (line, column) = tollgate_compiler::diagnostics::line_column(&text, start);
        let written = text
            .get(start..(probe.span.end as usize).max(start))
            .unwrap_or_default();
        let keyword = match probe.kind {
            ProbeKind::Except => "except ... where".to_string(),
            kind => keyword_before(&text, start).unwrap_or_else(|| kind.as_str().to_string()),
        };
        let outcomes = recorder.outcomes(index);
        out.push(ConditionCoverage {
            rule: probe.rule.clone(),
            keyword,
            text: one_line(written, 60),
            file: display,
            line,
            column,
            seen_true: outcomes.seen_true,
            seen_false: outcomes.seen_false,
        });
    }
    out
}

/// The clause keyword written just before `offset` (`where`, `when`, `unless`), if any.
fn keyword_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?.trim_end();
    let word_start = before
        .rfind(|ch: char| !ch.is_ascii_alphabetic())
        .map_or(0, |position| position + 1);
    let word = before.get(word_start..)?;
    matches!(word, "where" | "when" | "unless").then(|| word.to_string())
}

/// `text` with its whitespace runs collapsed to single spaces, cut to `limit` characters.
fn one_line(text: &str, limit: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= limit {
        return joined;
    }
    let mut cut: String = joined.chars().take(limit.saturating_sub(3)).collect();
    cut.push_str("...");
    cut
}

/// The display path and text of a compiler file: the user's, or an embedded stdlib file.
fn source_of(files: &BTreeMap<String, (String, String)>, file: &str) -> Option<(String, String)> {
    if let Some((display, text)) = files.get(file) {
        return Some((display.clone(), text.clone()));
    }
    tollgate_stdlib::sources()
        .iter()
        .find(|(_, path, _)| *path == file)
        .map(|(_, path, text)| (path.to_string(), text.to_string()))
}

fn is_rule_in_scope(program: &hir::Program, rule: &str, scope: Scope) -> bool {
    program.items.iter().any(|item| {
        matches!(&item.kind, hir::ItemKind::Rule(r) if *r.qualified == *rule)
            && scope.owns(&item.file)
    })
}

/// Checks one expectation against the rule's unsuppressed findings; the failure text shows
/// what was expected against what happened.
fn check_expectation(
    expect: &hir::Expectation,
    findings: &[&tollgate_vm::Finding],
) -> Option<String> {
    let actual = if findings.is_empty() {
        "no finding".to_string()
    } else {
        let messages: Vec<String> = findings
            .iter()
            .map(|f| format!("  {}: {}", f.action.as_str(), f.message))
            .collect();
        format!(
            "{} finding{}:\n{}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            messages.join("\n")
        )
    };
    let action_ok = |wanted: tollgate_bytecode::Action| findings.iter().all(|f| f.action == wanted);
    let problem = match expect.outcome {
        Outcome::Passes if !findings.is_empty() => Some("expected no finding".to_string()),
        Outcome::Passes => None,
        Outcome::Denies if findings.is_empty() => Some("expected the rule to deny".to_string()),
        Outcome::Denies if !action_ok(tollgate_bytecode::Action::Deny) => {
            Some("expected deny findings, but the rule is not a `deny` rule".to_string())
        }
        Outcome::Warns if findings.is_empty() => Some("expected the rule to warn".to_string()),
        Outcome::Warns if !action_ok(tollgate_bytecode::Action::Warn) => {
            Some("expected warn findings, but the rule is not a `warn` rule".to_string())
        }
        Outcome::Denies | Outcome::Warns => None,
    };
    let problem = problem.or_else(|| {
        let wanted = expect.with_message.as_ref()?;
        (!findings.iter().any(|f| f.message.contains(wanted.as_str())))
            .then(|| format!("expected a finding whose message contains `{wanted}`"))
    });
    let problem = problem.or_else(|| {
        let times = expect.times?;
        (findings.len() as u64 != times).then(|| {
            format!(
                "expected {times} finding{}",
                if times == 1 { "" } else { "s" }
            )
        })
    });
    problem.map(|problem| format!("{problem}\n  actual: {actual}"))
}

/// The facts of one expectation.
fn test_image(image: &TestImage, test_file: &str) -> Result<Image, String> {
    match image {
        TestImage::FactsFile(path) => {
            let base = Path::new(test_file).parent().unwrap_or(Path::new("."));
            let file = base.join(path);
            let text = std::fs::read_to_string(&file)
                .map_err(|err| format!("cannot read facts file `{}`: {err}", file.display()))?;
            Image::from_json(&text).map_err(|err| {
                format!(
                    "invalid facts file `{}` at line {}, column {}: {}",
                    file.display(),
                    err.line,
                    err.column,
                    err.message
                )
            })
        }
        TestImage::Literal(expr) => {
            let json = constant_json(expr)?;
            serde_json::from_value::<Image>(json)
                .map_err(|err| format!("invalid image literal: {err}"))
        }
    }
}

/// A constant expression in the facts' JSON form.
fn constant_json(expr: &hir::Expr) -> Result<Value, String> {
    Ok(match &expr.kind {
        ExprKind::Literal(literal) => match literal {
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::from(*i),
            Literal::Float(f) => Value::from(*f),
            Literal::String(s) => Value::String(s.clone()),
            Literal::None => Value::Null,
            Literal::Date(d) => Value::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
            Literal::Duration(seconds) => {
                Value::String(tollgate_facts::Duration::from_seconds(*seconds).to_string())
            }
        },
        ExprKind::Variant(variant) => Value::String(json_variant(&variant.name)),
        ExprKind::List(items) | ExprKind::Set(items) => {
            Value::Array(items.iter().map(constant_json).collect::<Result<_, _>>()?)
        }
        ExprKind::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = match constant_json(key)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                map.insert(key, constant_json(value)?);
            }
            Value::Object(map)
        }
        ExprKind::Record { fields, .. } => {
            let mut map = Map::new();
            for (field, value) in fields {
                map.insert(field.name.to_string(), constant_json(value)?);
            }
            Value::Object(map)
        }
        ExprKind::Coerce { coercion, expr } => match (coercion, constant_json(expr)?) {
            (Coercion::DateToTime, Value::String(date)) => {
                Value::String(format!("{date}T00:00:00Z"))
            }
            (_, value) => value,
        },
        _ => {
            return Err(
                "an image literal may hold only constants (literals, lists, sets, maps, records)"
                    .into(),
            );
        }
    })
}

/// `NotFixed` -> `not-fixed`: the JSON spelling of an enum variant.
fn json_variant(name: &str) -> String {
    let mut out = String::new();
    for (index, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_keywords_and_condition_text() {
        let text =
            "deny x\n    for p in image.packages\n    when p.name == \"a\"\n    unless  p.size > 3";
        let when = text.find("p.name").unwrap();
        let unless = text.find("p.size").unwrap();
        assert_eq!(keyword_before(text, when).as_deref(), Some("when"));
        assert_eq!(keyword_before(text, unless).as_deref(), Some("unless"));
        assert_eq!(keyword_before(text, text.find("image").unwrap()), None);
        assert_eq!(one_line("a and\n      b", 60), "a and b");
        assert_eq!(one_line("abcdefghij", 8), "abcde...");
    }

    #[test]
    fn variant_spelling() {
        assert_eq!(json_variant("NotFixed"), "not-fixed");
        assert_eq!(json_variant("Critical"), "critical");
        assert_eq!(json_variant("WontFix"), "wont-fix");
    }
}
