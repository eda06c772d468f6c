//! One evaluation: every rule over one image, its findings with the rule's metadata and a
//! location, exceptions applied, and the verdict.

use std::collections::BTreeMap;

use serde::Serialize;
use tollgate_bytecode::{Action, Constant, Span};
use tollgate_facts::{Image, Timestamp};

use crate::coverage::CoverageRecorder;
use crate::exec::{Emissions, Fault, Frame, Machine};
use crate::link::{LChunk, LConst, Linked};
use crate::param::check_fits;
use crate::value::{Rec, Value};

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The clock: `now()` and exception expiry read this.
    pub now: Timestamp,
    /// Param overrides by name (qualified, or the bare name when only one param has it).
    pub params: BTreeMap<String, Constant>,
    /// Maximum number of instructions the whole evaluation may run.
    pub budget: u64,
    /// Maximum number of findings.
    pub max_results: usize,
    /// Maximum number of elements of a collection built during evaluation.
    pub max_collection: usize,
    /// Records clause outcomes of a program lowered for coverage; `None` records nothing.
    pub coverage: Option<CoverageRecorder>,
}

impl EvalOptions {
    /// Default limits, with the clock at `now`.
    pub fn new(now: Timestamp) -> EvalOptions {
        EvalOptions {
            now,
            params: BTreeMap::new(),
            budget: 500_000_000,
            max_results: 100_000,
            max_collection: 1_000_000,
            coverage: None,
        }
    }
}

/// A source position in an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceSpan {
    /// The source file.
    pub file: String,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// Why an evaluation stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// The instruction budget ran out.
    #[error("rule `{rule}` exceeded the instruction budget of {budget} instructions")]
    Budget {
        /// The rule that was running.
        rule: String,
        /// The budget.
        budget: u64,
        /// Where it was.
        span: Option<SourceSpan>,
    },
    /// A collection built by a comprehension or an operator grew past the limit.
    #[error("rule `{rule}` built a collection larger than {limit} elements")]
    CollectionTooLarge {
        /// The rule that was running.
        rule: String,
        /// The limit.
        limit: usize,
        /// Where it was.
        span: Option<SourceSpan>,
    },
    /// More findings than allowed.
    #[error("more than {limit} findings (stopped in rule `{rule}`)")]
    TooManyResults {
        /// The rule that was running.
        rule: String,
        /// The limit.
        limit: usize,
    },
    /// A runtime error (division by zero, a field of `none` ...).
    #[error("rule `{rule}`: {message}")]
    Runtime {
        /// The rule that was running.
        rule: String,
        /// What went wrong.
        message: String,
        /// Where.
        span: Option<SourceSpan>,
    },
    /// A param override that does not fit.
    #[error("param `{name}`: {message}")]
    Param {
        /// The param.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl VmError {
    /// The source position of the failing instruction, when known.
    pub fn span(&self) -> Option<&SourceSpan> {
        match self {
            VmError::Budget { span, .. }
            | VmError::CollectionTooLarge { span, .. }
            | VmError::Runtime { span, .. } => span.as_ref(),
            _ => None,
        }
    }
}

/// Where a finding points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The layer's digest, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The layer's index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<i64>,
    /// The file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<i64>,
}

/// How a finding was suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The exception's label.
    pub exception: String,
    /// Its `because` text.
    pub reason: String,
    /// Its last day, `2027-01-31`.
    pub until: Option<String>,
}

/// One satisfying binding of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's qualified name.
    pub rule: String,
    /// `@id`.
    pub id: Option<String>,
    /// deny, warn or info.
    pub action: Action,
    /// The interpolated message.
    pub message: String,
    /// The rule's doc comment.
    pub doc: String,
    /// `@remediation`.
    pub remediation: Option<String>,
    /// `@tags`.
    pub tags: Vec<String>,
    /// `@severity`.
    pub severity: Option<String>,
    /// Where it points, when a binding is a file, package, vulnerability, secret or layer.
    pub location: Option<Location>,
    /// Set when an exception covers it.
    pub suppressed: Option<Suppression>,
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No unsuppressed deny or warn finding.
    Pass,
    /// An unsuppressed warn finding, no unsuppressed deny.
    Warn,
    /// An unsuppressed deny finding.
    Fail,
}

impl Verdict {
    /// `pass`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// The verdict of DESIGN §1: `fail` if any unsuppressed `deny`, else `warn` if any unsuppressed
/// `warn`, else `pass`.
pub fn verdict(findings: &[Finding]) -> Verdict {
    findings
        .iter()
        .filter(|finding| finding.suppressed.is_none())
        .fold(Verdict::Pass, |verdict, finding| {
            verdict.max(match finding.action {
                Action::Deny => Verdict::Fail,
                Action::Warn => Verdict::Warn,
                Action::Info => Verdict::Pass,
            })
        })
}

/// The result of evaluating a program over one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Findings, rule by rule in program order, then expired exceptions.
    pub findings: Vec<Finding>,
    /// The verdict.
    pub verdict: Verdict,
    /// Instructions executed.
    pub instructions: u64,
}

/// Evaluates every rule of `linked` over `image`.
pub fn evaluate(
    linked: &Linked,
    image: &Image,
    options: &EvalOptions,
) -> Result<Evaluation, VmError> {
    let params = resolve_params(linked, &options.params)?;
    let mut machine = Machine::new(linked, image, &params, options.now);
    machine.fuel = options.budget;
    machine.max_collection = options.max_collection;
    machine.max_results = options.max_results;
    machine.coverage = options.coverage.clone();
    let program = &linked.program;
    // Every rule runs first, and then the findings are built into an array of the exact size:
    // a finding is a few hundred bytes, and growing the array while rules emit thousands of
    // them copied it again and again.
    let mut emitted = Vec::with_capacity(program.rules.len());
    for (rule_index, (rule, chunk)) in program.rules.iter().zip(&linked.rules).enumerate() {
        machine.binding_slots = rule.bindings.iter().map(|binding| binding.slot).collect();
        let mut frame = Frame::new(chunk, Vec::new());
        machine
            .run(chunk, &mut frame)
            .map_err(|(fault, at)| fail(linked, options, &rule.name, chunk, at, fault))?;
        let emissions = std::mem::take(&mut machine.emissions);
        let width = machine.binding_slots.len();
        machine.binding_slots.clear();
        if !emissions.messages.is_empty() {
            emitted.push((rule_index, emissions, width));
        }
    }
    let expired = linked
        .exceptions
        .iter()
        .filter(|exception| {
            exception
                .expires
                .is_some_and(|expires| options.now >= expires)
        })
        .count();
    let total: usize = emitted
        .iter()
        .map(|(_, emissions, _)| emissions.messages.len())
        .sum();
    let mut findings = Vec::with_capacity(total + expired);
    for (rule_index, Emissions { messages, bindings }, width) in emitted {
        let Some(rule) = program.rules.get(rule_index) else {
            continue;
        };
        for (number, message) in messages.into_iter().enumerate() {
            let bindings = bindings
                .get(number * width..(number + 1) * width)
                .unwrap_or(&[]);
            let suppressed = suppression(&mut machine, linked, options, rule_index, bindings)?;
            findings.push(Finding {
                rule: rule.name.clone(),
                id: rule.id.clone(),
                action: rule.action,
                message,
                doc: rule.doc.clone(),
                remediation: rule.remediation.clone(),
                tags: rule.tags.clone(),
                severity: rule.severity.clone(),
                location: location(image, bindings),
                suppressed,
            });
        }
    }
    for (exception, linked_exception) in program.exceptions.iter().zip(&linked.exceptions) {
        if linked_exception
            .expires
            .is_some_and(|expires| options.now >= expires)
        {
            findings.push(Finding {
                rule: exception.rule.clone(),
                id: None,
                action: Action::Warn,
                message: format!(
                    "exception for `{}` expired on {}: {}",
                    exception.rule,
                    exception.until.as_deref().unwrap_or("?"),
                    exception.reason
                ),
                doc: String::new(),
                remediation: Some("remove the exception or extend its `until` date".to_string()),
                tags: Vec::new(),
                severity: None,
                location: None,
                suppressed: None,
            });
        }
    }
    let verdict = verdict(&findings);
    Ok(Evaluation {
        findings,
        verdict,
        instructions: options.budget - machine.fuel,
    })
}

fn suppression<'a>(
    machine: &mut Machine<'a>,
    linked: &'a Linked,
    options: &EvalOptions,
    rule_index: usize,
    bindings: &[Value<'a>],
) -> Result<Option<Suppression>, VmError> {
    for (exception, linked_exception) in linked.program.exceptions.iter().zip(&linked.exceptions) {
        if linked_exception.rule != rule_index {
            continue;
        }
        if linked_exception
            .expires
            .is_some_and(|expires| options.now >= expires)
        {
            continue;
        }
        let applies = match &linked_exception.predicate {
            None => true,
            Some(chunk) => {
                let mut frame = Frame::new(chunk, bindings.to_vec());
                let result = machine.run(chunk, &mut frame).map_err(|(fault, at)| {
                    fail(linked, options, &exception.label, chunk, at, fault)
                })?;
                matches!(result, Value::Bool(true))
            }
        };
        if applies {
            return Ok(Some(Suppression {
                exception: exception.label.clone(),
                reason: exception.reason.clone(),
                until: exception.until.clone(),
            }));
        }
    }
    Ok(None)
}

/// The location of a finding: from its innermost binding that has one.
fn location(image: &Image, bindings: &[Value<'_>]) -> Option<Location> {
    let layer_digest = |index: i64| {
        image
            .layers
            .iter()
            .find(|layer| layer.index == index)
            .map(|layer| {
                if layer.digest.is_empty() {
                    layer.diff_id.clone()
                } else {
                    layer.digest.clone()
                }
            })
    };
    for binding in bindings.iter().rev() {
        let Value::Rec(rec) = binding else { continue };
        let (path, layer, line) = match rec {
            Rec::File(file) => (Some(&file.path), Some(file.layer), None),
            Rec::Secret(secret) => (Some(&secret.path), Some(secret.layer), Some(secret.line)),
            Rec::Package(package) => (Some(&package.path), Some(package.layer), None),
            Rec::PackageRef(package) => (Some(&package.path), Some(package.layer), None),
            Rec::Vulnerability(vulnerability) => (
                Some(&vulnerability.package.path),
                Some(vulnerability.package.layer),
                None,
            ),
            Rec::Layer(layer) => (None, Some(layer.index), None),
            _ => continue,
        };
        let path = path.filter(|path| !path.is_empty()).cloned();
        return Some(Location {
            layer: layer.and_then(layer_digest),
            layer_index: layer,
            path,
            line,
        });
    }
    None
}

fn fail(
    linked: &Linked,
    options: &EvalOptions,
    rule: &str,
    chunk: &LChunk,
    at: usize,
    fault: Fault,
) -> VmError {
    let span = chunk.spans.get(at).map(|span: &Span| SourceSpan {
        file: linked
            .program
            .files
            .get(span.file as usize)
            .cloned()
            .unwrap_or_default(),
        start: span.start,
        end: span.end,
    });
    let rule = rule.to_string();
    match fault {
        Fault::Message(message) => VmError::Runtime {
            rule,
            message,
            span,
        },
        Fault::Budget => VmError::Budget {
            rule,
            budget: options.budget,
            span,
        },
        Fault::CollectionTooLarge => VmError::CollectionTooLarge {
            rule,
            limit: options.max_collection,
            span,
        },
        Fault::TooManyResults => VmError::TooManyResults {
            rule,
            limit: options.max_results,
        },
    }
}

fn resolve_params(
    linked: &Linked,
    overrides: &BTreeMap<String, Constant>,
) -> Result<Vec<LConst>, VmError> {
    let mut values = linked.params.clone();
    for (name, value) in overrides {
        let position = linked.find_param(name).ok_or_else(|| VmError::Param {
            name: name.clone(),
            message: "no such param in the policy".to_string(),
        })?;
        let Some(param) = linked.program.params.get(position) else {
            continue;
        };
        check_fits(&param.ty, value).map_err(|message| VmError::Param {
            name: name.clone(),
            message,
        })?;
        let resolved = linked
            .resolve_constant(value)
            .map_err(|err| VmError::Param {
                name: name.clone(),
                message: err.to_string(),
            })?;
        if let Some(slot) = values.get_mut(position) {
            *slot = resolved;
        }
    }
    Ok(values)
}

impl Linked {
    /// The slot of a param: by qualified name, or by bare name when exactly one param has it.
    pub fn find_param(&self, name: &str) -> Option<usize> {
        let params = &self.program.params;
        if let Some(position) = params.iter().position(|param| param.name == name) {
            return Some(position);
        }
        let suffix = format!(".{name}");
        let mut matching = params
            .iter()
            .enumerate()
            .filter(|(_, param)| param.name.ends_with(&suffix));
        match (matching.next(), matching.next()) {
            (Some((position, _)), None) => Some(position),
            _ => None,
        }
    }
}
