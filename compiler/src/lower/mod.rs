//! Lowering: the typed tree (`crate::hir`) to a bytecode `Program` (`tollgate_bytecode`).
//!
//! Constants are folded, regexes and globs go to the pattern table once, params become slots,
//! rules become chunks of nested loops (`Iter`/`Next`) with filters as conditional jumps, and
//! aggregates and comprehensions become loops over accumulator slots. A `for` whose following
//! `where` tests the loop variable's field for equality with (or membership in) something
//! bound before the loop is lowered to a `Lookup`/`LookupIn` through a hash index: equality
//! filters are index probes and a join of two collections is a hash join. The program's
//! `Demand` (fact categories, file contents, secret patterns) is collected on the way.

mod expr;
mod reach;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use tollgate_bytecode::{
    self as bc, Action as BcAction, Attribute as BcAttribute, Binding, ChunkBuilder, Constant,
    EnumDecl, Exception, Function, Param, Rule, SecretPattern,
};

use crate::hir::{self, Date, ItemKind, Literal};
use crate::types::{DeclRef, Type};

/// Why a checked program could not be lowered. Every such error is a compiler bug or a
/// construct the VM does not run yet; a program the checker accepts normally lowers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerError {
    /// The source file.
    pub file: String,
    /// Byte range in the file.
    pub span: (usize, usize),
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for LowerError {}

/// The module whose enums and records are the facts schema: their names are unqualified in
/// bytecode, as the VM knows them.
const SCHEMA_MODULE: &str = "std.schema";

/// The name of a record or enum in bytecode.
pub(crate) fn decl_name(decl: &DeclRef) -> String {
    if &*decl.module == SCHEMA_MODULE {
        decl.name.to_string()
    } else {
        decl.qualified()
    }
}

/// `2027-01-31`.
pub(crate) fn date_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// A param type in bytecode.
pub(crate) fn bc_type(ty: &Type) -> bc::Type {
    match ty {
        Type::Bool => bc::Type::Bool,
        Type::Int => bc::Type::Int,
        Type::Float => bc::Type::Float,
        Type::Version => bc::Type::Version,
        Type::Date => bc::Type::Date,
        Type::Duration => bc::Type::Duration,
        Type::Time => bc::Type::Time,
        Type::List(item) => bc::Type::List(Box::new(bc_type(item))),
        Type::Set(item) => bc::Type::Set(Box::new(bc_type(item))),
        Type::Map(key, value) => bc::Type::Map(Box::new(bc_type(key)), Box::new(bc_type(value))),
        Type::Optional(inner) => bc::Type::Optional(Box::new(bc_type(inner))),
        Type::Record(decl) => bc::Type::Record(decl_name(decl)),
        Type::Enum(decl) => bc::Type::Enum(decl_name(decl)),
        Type::String | Type::None | Type::Never | Type::Var(_) | Type::Error => bc::Type::String,
    }
}

/// How to lower.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LowerOptions {
    /// Instrument for condition coverage (`tollgate test --coverage`): every `where`/`when`/
    /// `unless` clause of a rule and every exception's `where` is followed by an `Op::Probe`
    /// registered in `Program::probes`, and a rule's clauses are evaluated one by one as
    /// written (no index lookups, no splitting into conjuncts) so that each clause's outcome
    /// is observable. Findings are the same as without it; only the work differs.
    pub probes: bool,
}

/// Lowers a checked program. Rules of stdlib modules that no user file imports are left out
/// (`hir::Program::active_modules`), and so are the functions and params only such modules
/// use (see `reach`).
pub fn lower(program: &hir::Program) -> Result<bc::Program, LowerError> {
    lower_with(program, LowerOptions::default())
}

/// [`lower`] with options.
pub fn lower_with(
    program: &hir::Program,
    options: LowerOptions,
) -> Result<bc::Program, LowerError> {
    let reach = reach::reach(program);
    let mut out = bc::Program::default();
    for enumeration in &program.enums {
        out.enums.push(EnumDecl {
            name: decl_name(&enumeration.decl),
            variants: enumeration
                .variants
                .iter()
                .map(|variant| variant.name.to_string())
                .collect(),
        });
    }
    let mut params: HashMap<Arc<str>, u16> = HashMap::new();
    let mut functions: HashMap<Arc<str>, u32> = HashMap::new();
    for item in &program.items {
        match &item.kind {
            ItemKind::Param(param) if reach.keeps_param(&item.module, param) => {
                let slot = u16::try_from(params.len())
                    .map_err(|_| error(item, item.span, "too many params"))?;
                params.insert(param.qualified.clone(), slot);
            }
            ItemKind::Fn(function) if reach.functions.contains(&function.qualified) => {
                let index = u32::try_from(functions.len())
                    .map_err(|_| error(item, item.span, "too many functions"))?;
                functions.insert(function.qualified.clone(), index);
            }
            _ => {}
        }
    }
    let names = expr::Names {
        params: &params,
        functions: &functions,
    };
    let mut demand = expr::DemandBuilder::default();
    for item in &program.items {
        let lowered = match &item.kind {
            ItemKind::Param(param) => params.contains_key(&param.qualified),
            ItemKind::Fn(function) => functions.contains_key(&function.qualified),
            ItemKind::Rule(rule) => reach.rules.contains(&rule.qualified),
            // Exceptions of rules that do not run (an inactive stdlib module) go with them.
            ItemKind::Except(except) => reach.rules.contains(&except.rule),
            ItemKind::Secret(_) | ItemKind::Test(_) => true,
        };
        if !lowered {
            continue;
        }
        let file = out.file(&item.file);
        let mut lowerer = expr::Lowerer::new(&mut out, &names, &mut demand, item, file, 0)
            .with_probes(options.probes);
        match &item.kind {
            ItemKind::Param(param) => {
                let default = lowerer.fold(&param.default).ok_or_else(|| {
                    error(
                        item,
                        param.default.span,
                        "a param's default must be a constant",
                    )
                })?;
                let span = lowerer.span(item.span);
                out.params.push(Param {
                    name: param.qualified.to_string(),
                    ty: bc_type(&param.ty),
                    default,
                    doc: item.doc.clone(),
                    span,
                });
            }
            ItemKind::Fn(function) => {
                let mut builder = ChunkBuilder::new(small(function.locals.len(), item)?);
                lowerer.expr(&mut builder, &function.body)?;
                builder.emit(bc::Op::Return);
                let chunk = builder
                    .finish()
                    .map_err(|err| error(item, item.span, &err.to_string()))?;
                out.functions.push(Function {
                    name: function.qualified.to_string(),
                    arity: small(function.params.len(), item)?,
                    chunk,
                });
            }
            ItemKind::Rule(rule) => {
                let chunk = lowerer.rule(rule)?;
                let span = lowerer.span(item.span);
                out.rules.push(rule_metadata(item, rule, chunk, span));
            }
            ItemKind::Except(except) => {
                let Some(rule) = find_rule(program, &except.rule) else {
                    return Err(error(
                        item,
                        item.span,
                        &format!("unknown rule `{}`", except.rule),
                    ));
                };
                let predicate = lowerer.exception(except, rule)?;
                let span = lowerer.span(item.span);
                let same_rule = out
                    .exceptions
                    .iter()
                    .filter(|known| *known.rule == *except.rule)
                    .count();
                let label = if same_rule == 0 {
                    format!("except {}", except.rule)
                } else {
                    format!("except {} #{}", except.rule, same_rule + 1)
                };
                out.exceptions.push(Exception {
                    rule: except.rule.to_string(),
                    label,
                    predicate,
                    until: except.until.map(date_text),
                    reason: except.reason.clone(),
                    span,
                });
            }
            ItemKind::Secret(secret) => {
                let span = lowerer.span(item.span);
                out.secrets.push(SecretPattern {
                    name: secret.qualified.to_string(),
                    regex: secret.pattern.clone(),
                    span,
                });
            }
            ItemKind::Test(_) => {}
        }
    }
    out.demand = demand.finish(&out.secrets);
    Ok(out)
}

fn find_rule<'p>(program: &'p hir::Program, qualified: &str) -> Option<&'p hir::Rule> {
    program.items.iter().find_map(|item| match &item.kind {
        ItemKind::Rule(rule) if &*rule.qualified == qualified => Some(rule),
        _ => None,
    })
}

fn rule_metadata(item: &hir::Item, rule: &hir::Rule, chunk: bc::Chunk, span: bc::Span) -> Rule {
    let mut out = Rule {
        name: rule.qualified.to_string(),
        action: match rule.action {
            hir::Action::Deny => BcAction::Deny,
            hir::Action::Warn => BcAction::Warn,
            hir::Action::Info => BcAction::Info,
        },
        doc: item.doc.clone(),
        id: None,
        remediation: None,
        tags: Vec::new(),
        severity: None,
        attributes: Vec::new(),
        bindings: rule
            .bindings
            .iter()
            .map(|(name, local)| Binding {
                name: name.to_string(),
                slot: u16::try_from(local.0).unwrap_or(u16::MAX),
            })
            .collect(),
        chunk,
        span,
    };
    for attribute in &item.attributes {
        let strings: Vec<String> = attribute.args.iter().filter_map(literal_text).collect();
        match &*attribute.name {
            "id" => out.id = strings.into_iter().next(),
            "remediation" => out.remediation = strings.into_iter().next(),
            "severity" => out.severity = strings.into_iter().next(),
            "tags" => out.tags = strings,
            _ => out.attributes.push(BcAttribute {
                name: attribute.name.to_string(),
                args: attribute.args.iter().map(literal_constant).collect(),
            }),
        }
    }
    out
}

fn literal_text(literal: &Literal) -> Option<String> {
    match literal {
        Literal::String(text) => Some(text.clone()),
        Literal::Int(number) => Some(number.to_string()),
        Literal::Float(number) => Some(number.to_string()),
        Literal::Bool(flag) => Some(flag.to_string()),
        Literal::Date(date) => Some(date_text(*date)),
        Literal::Duration(seconds) => Some(format!("{seconds}s")),
        Literal::None => None,
    }
}

/// A literal as a constant.
pub(crate) fn literal_constant(literal: &Literal) -> Constant {
    match literal {
        Literal::Bool(flag) => Constant::Bool(*flag),
        Literal::Int(number) => Constant::Int(*number),
        Literal::Float(number) => Constant::Float(*number),
        Literal::String(text) => Constant::String(text.clone()),
        Literal::None => Constant::None,
        Literal::Date(date) => Constant::Date(date_text(*date)),
        Literal::Duration(seconds) => Constant::Duration(*seconds),
    }
}

fn small(len: usize, item: &hir::Item) -> Result<u16, LowerError> {
    u16::try_from(len).map_err(|_| error(item, item.span, "too many local names"))
}

/// An error at `span` (relative to the item) of `item`.
pub(crate) fn error(item: &hir::Item, span: hir::Span, message: &str) -> LowerError {
    LowerError {
        file: item.file.to_string(),
        span: (item.span_base + span.start, item.span_base + span.end),
        message: message.to_string(),
    }
}
