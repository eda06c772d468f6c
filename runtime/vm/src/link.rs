//! Linking: checks a program against this VM (every operand in range, every field, builtin and
//! enum known, every pattern valid) and resolves names to direct accessors, builtins and enum
//! ids, compiling each regex and glob once. A linked program can be evaluated any number of
//! times, over any images, from any thread.

use tollgate_bytecode::{Chunk, Constant, Op, PatternKind, Program, Rule, Span, Type};
use tollgate_facts::{Date, Timestamp};

use crate::access::{Accessor, facts_enums, resolve};
use crate::builtins::Builtin;

/// Why a program cannot run on this VM.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// A field the facts model does not have.
    #[error(
        "unknown field `{record}.{field}`: the program was compiled against another facts schema"
    )]
    UnknownField {
        /// Record type.
        record: String,
        /// Field.
        field: String,
    },
    /// A builtin this VM does not implement.
    #[error("unknown builtin function `{0}`")]
    UnknownBuiltin(String),
    /// A regex or glob that does not compile.
    #[error("invalid {kind} `{pattern}`: {message}")]
    BadPattern {
        /// `regex` or `glob`.
        kind: &'static str,
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
    /// An enum that the facts model declares differently.
    #[error("enum `{0}` does not match the facts schema")]
    EnumMismatch(String),
    /// A constant that cannot be represented (a bad date, an unknown enum variant).
    #[error("invalid constant: {0}")]
    BadConstant(String),
    /// An operand out of range, or a jump outside its chunk.
    #[error("malformed bytecode in `{chunk}` at instruction {instruction}: {message}")]
    Malformed {
        /// The rule, function or exception.
        chunk: String,
        /// Position of the instruction.
        instruction: usize,
        /// What is wrong.
        message: String,
    },
}

/// A constant with names resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LConst {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Version(String),
    Enum(u16, u16),
    Date(Date),
    Time(Timestamp),
    Duration(i64),
    List(Vec<LConst>),
    Set(Vec<LConst>),
    Map(Vec<(LConst, LConst)>),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Regex(regex::Regex),
    Glob(globset::GlobMatcher),
}

impl Matcher {
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Regex(regex) => regex.is_match(text),
            Matcher::Glob(glob) => glob.is_match(text),
        }
    }
}

/// A linked instruction: like [`Op`], with fields and builtins resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LOp {
    Const(u32),
    Local(u16),
    SetLocal(u16),
    Param(u16),
    Image,
    Pop,
    Dup,
    Field(Accessor),
    OptField(Accessor),
    Index,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Neg,
    Not,
    In,
    Matches(u32),
    Glob(u32),
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    JumpIfSome(u32),
    MakeList(u32),
    MakeSet(u32),
    MakeMap(u32),
    Concat(u32),
    Call(Builtin, u8),
    CallFn(u32),
    Iter(u16),
    Next {
        iter: u16,
        local: u16,
        end: u32,
    },
    Lookup(Accessor),
    LookupIn(Accessor),
    Append(u16),
    Insert(u16),
    Min(u16),
    Max(u16),
    Emit,
    Return,
    Probe(u32),
    /// Fused at link time, not in the bytecode: `Concat(n)` followed by `Emit`.
    ConcatEmit(u32),
    /// Fused at link time, not in the bytecode: `Local(slot)` followed by `Field(accessor)`.
    LocalField(u16, Accessor),
}

/// A linked chunk.
#[derive(Debug, Clone)]
pub(crate) struct LChunk {
    pub(crate) code: Vec<LOp>,
    pub(crate) spans: Vec<Span>,
    pub(crate) locals: u16,
    pub(crate) iterators: u16,
}

/// A linked exception.
#[derive(Debug, Clone)]
pub(crate) struct LException {
    pub(crate) rule: usize,
    pub(crate) predicate: Option<LChunk>,
    /// The first instant it no longer applies: the start of the day after `until`.
    pub(crate) expires: Option<Timestamp>,
}

/// A program ready to evaluate.
#[derive(Debug, Clone)]
pub struct Linked {
    pub(crate) program: Program,
    pub(crate) constants: Vec<LConst>,
    pub(crate) patterns: Vec<Matcher>,
    pub(crate) enums: Vec<(String, Vec<String>)>,
    pub(crate) params: Vec<LConst>,
    pub(crate) functions: Vec<LChunk>,
    pub(crate) rules: Vec<LChunk>,
    pub(crate) exceptions: Vec<LException>,
    /// Each field's constant lookup keys (constant pool indices), answered in one pass.
    pub(crate) constant_keys: Vec<(Accessor, Vec<u32>)>,
    /// Fields a loop looks up with a computed key (joins): indexed on first use.
    pub(crate) join_fields: Vec<Accessor>,
}

impl Linked {
    /// The program this was linked from.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The declared type of the param named `name`.
    pub fn param_type(&self, name: &str) -> Option<&Type> {
        self.program
            .params
            .iter()
            .find(|param| param.name == name)
            .map(|param| &param.ty)
    }

    /// The resolved value of a constant (used for param overrides).
    pub(crate) fn resolve_constant(&self, constant: &Constant) -> Result<LConst, LinkError> {
        resolve_constant(&self.enums, constant)
    }
}

/// The virtual machine's entry points.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vm;

impl Vm {
    /// Checks and resolves a program.
    pub fn link(program: &Program) -> Result<Linked, LinkError> {
        let mut enums = facts_enums();
        for declared in &program.enums {
            match enums.iter().find(|(name, _)| *name == declared.name) {
                Some((_, variants)) if *variants == declared.variants => {}
                Some(_) if is_facts_enum(&declared.name) => {
                    return Err(LinkError::EnumMismatch(declared.name.clone()));
                }
                Some(_) => return Err(LinkError::EnumMismatch(declared.name.clone())),
                None => enums.push((declared.name.clone(), declared.variants.clone())),
            }
        }
        let constants = program
            .constants
            .iter()
            .map(|constant| resolve_constant(&enums, constant))
            .collect::<Result<_, _>>()?;
        let patterns = program
            .patterns
            .iter()
            .map(|pattern| compile_pattern(pattern.kind, &pattern.source))
            .collect::<Result<_, _>>()?;
        let accessors = program
            .fields
            .iter()
            .map(|field| {
                resolve(&field.record, &field.field).ok_or_else(|| LinkError::UnknownField {
                    record: field.record.clone(),
                    field: field.field.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let builtins = program
            .builtins
            .iter()
            .map(|name| {
                Builtin::from_name(name).ok_or_else(|| LinkError::UnknownBuiltin(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let params = program
            .params
            .iter()
            .map(|param| resolve_constant(&enums, &param.default))
            .collect::<Result<_, _>>()?;
        let tables = Tables {
            program,
            accessors: &accessors,
            builtins: &builtins,
        };
        let functions = program
            .functions
            .iter()
            .map(|function| tables.chunk(&function.name, &function.chunk))
            .collect::<Result<Vec<_>, _>>()?;
        let rules = program
            .rules
            .iter()
            .map(|rule| tables.chunk(&rule.name, &rule.chunk))
            .collect::<Result<Vec<_>, _>>()?;
        let mut exceptions = Vec::with_capacity(program.exceptions.len());
        for exception in &program.exceptions {
            let label = format!("except {}", exception.rule);
            let rule = program
                .rules
                .iter()
                .position(|rule: &Rule| rule.name == exception.rule)
                .ok_or_else(|| LinkError::Malformed {
                    chunk: label.clone(),
                    instruction: 0,
                    message: "unknown rule".to_string(),
                })?;
            let predicate = exception
                .predicate
                .as_ref()
                .map(|chunk| tables.chunk(&label, chunk))
                .transpose()?;
            let expires = match &exception.until {
                Some(text) => {
                    let date: Date = text.parse().map_err(LinkError::BadConstant)?;
                    let next = date
                        .0
                        .tomorrow()
                        .map_err(|err| LinkError::BadConstant(err.to_string()))?;
                    Some(
                        Date(next)
                            .start()
                            .ok_or_else(|| LinkError::BadConstant(format!("date `{text}`")))?,
                    )
                }
                None => None,
            };
            exceptions.push(LException {
                rule,
                predicate,
                expires,
            });
        }
        // Every piece of code that can run: where lookups with constant keys and joins are.
        let code: Vec<&[LOp]> = functions
            .iter()
            .chain(&rules)
            .chain(
                exceptions
                    .iter()
                    .filter_map(|exception| exception.predicate.as_ref()),
            )
            .map(|chunk: &LChunk| chunk.code.as_slice())
            .collect();
        let constant_keys = crate::lookup::constant_keys(code.iter().copied());
        let join_fields = crate::lookup::join_fields(code.iter().copied());
        Ok(Linked {
            constant_keys,
            join_fields,
            program: program.clone(),
            constants,
            patterns,
            enums,
            params,
            functions,
            rules,
            exceptions,
        })
    }
}

fn is_facts_enum(name: &str) -> bool {
    matches!(
        name,
        "Severity" | "Ecosystem" | "FileKind" | "FixState" | "PasswordState"
    )
}

pub(crate) fn compile_pattern(kind: PatternKind, source: &str) -> Result<Matcher, LinkError> {
    match kind {
        PatternKind::Regex => regex::RegexBuilder::new(source)
            .size_limit(1 << 22)
            .build()
            .map(Matcher::Regex)
            .map_err(|err| LinkError::BadPattern {
                kind: "regex",
                pattern: source.to_string(),
                message: err.to_string(),
            }),
        PatternKind::Glob => globset::GlobBuilder::new(source)
            .literal_separator(true)
            .build()
            .map(|glob| Matcher::Glob(glob.compile_matcher()))
            .map_err(|err| LinkError::BadPattern {
                kind: "glob",
                pattern: source.to_string(),
                message: err.to_string(),
            }),
    }
}

pub(crate) fn resolve_constant(
    enums: &[(String, Vec<String>)],
    constant: &Constant,
) -> Result<LConst, LinkError> {
    let list = |items: &[Constant]| {
        items
            .iter()
            .map(|item| resolve_constant(enums, item))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match constant {
        Constant::None => LConst::None,
        Constant::Bool(flag) => LConst::Bool(*flag),
        Constant::Int(number) => LConst::Int(*number),
        Constant::Float(number) => LConst::Float(*number),
        Constant::String(text) => LConst::Str(text.clone()),
        Constant::Version(text) => LConst::Version(text.clone()),
        Constant::Enum { ty, variant } => {
            let (id, (_, variants)) = enums
                .iter()
                .enumerate()
                .find(|(_, (name, _))| name == ty)
                .ok_or_else(|| LinkError::BadConstant(format!("unknown enum `{ty}`")))?;
            let position = variants
                .iter()
                .position(|known| known == variant)
                .ok_or_else(|| {
                    LinkError::BadConstant(format!("`{ty}` has no variant `{variant}`"))
                })?;
            LConst::Enum(small(id)?, small(position)?)
        }
        Constant::Date(text) => LConst::Date(text.parse().map_err(LinkError::BadConstant)?),
        Constant::Time(text) => LConst::Time(text.parse().map_err(LinkError::BadConstant)?),
        Constant::Duration(seconds) => LConst::Duration(*seconds),
        Constant::List(items) => LConst::List(list(items)?),
        Constant::Set(items) => LConst::Set(list(items)?),
        Constant::Map(entries) => LConst::Map(
            entries
                .iter()
                .map(|(key, value)| {
                    Ok((
                        resolve_constant(enums, key)?,
                        resolve_constant(enums, value)?,
                    ))
                })
                .collect::<Result<_, LinkError>>()?,
        ),
    })
}

fn small(index: usize) -> Result<u16, LinkError> {
    u16::try_from(index)
        .map_err(|_| LinkError::BadConstant("too many enums or variants".to_string()))
}

struct Tables<'p> {
    program: &'p Program,
    accessors: &'p [Accessor],
    builtins: &'p [Builtin],
}

impl Tables<'_> {
    fn chunk(&self, name: &str, chunk: &Chunk) -> Result<LChunk, LinkError> {
        let len = chunk.code.len();
        let mut code = Vec::with_capacity(len);
        for (instruction, op) in chunk.code.iter().enumerate() {
            let bad = |message: String| LinkError::Malformed {
                chunk: name.to_string(),
                instruction,
                message,
            };
            let check = |index: u32, limit: usize, what: &str| {
                if (index as usize) < limit {
                    Ok(index)
                } else {
                    Err(bad(format!("{what} {index} out of range")))
                }
            };
            let slot = |index: u16, limit: u16, what: &str| {
                if index < limit {
                    Ok(index)
                } else {
                    Err(bad(format!("{what} slot {index} out of range")))
                }
            };
            let target = |index: u32| {
                if (index as usize) <= len {
                    Ok(index)
                } else {
                    Err(bad(format!("jump to {index} outside the chunk")))
                }
            };
            let field = |index: u32| {
                self.accessors
                    .get(index as usize)
                    .copied()
                    .ok_or_else(|| bad(format!("field {index} out of range")))
            };
            code.push(match *op {
                Op::Const(index) => {
                    LOp::Const(check(index, self.program.constants.len(), "constant")?)
                }
                Op::Local(index) => LOp::Local(slot(index, chunk.locals, "local")?),
                Op::SetLocal(index) => LOp::SetLocal(slot(index, chunk.locals, "local")?),
                Op::Param(index) => {
                    LOp::Param(slot(index, small_len(self.program.params.len()), "param")?)
                }
                Op::Image => LOp::Image,
                Op::Pop => LOp::Pop,
                Op::Dup => LOp::Dup,
                Op::Field(index) => LOp::Field(field(index)?),
                Op::OptField(index) => LOp::OptField(field(index)?),
                Op::Index => LOp::Index,
                Op::Eq => LOp::Eq,
                Op::Ne => LOp::Ne,
                Op::Lt => LOp::Lt,
                Op::Le => LOp::Le,
                Op::Gt => LOp::Gt,
                Op::Ge => LOp::Ge,
                Op::Add => LOp::Add,
                Op::Sub => LOp::Sub,
                Op::Mul => LOp::Mul,
                Op::Div => LOp::Div,
                Op::Rem => LOp::Rem,
                Op::Neg => LOp::Neg,
                Op::Not => LOp::Not,
                Op::In => LOp::In,
                Op::Matches(index) => {
                    LOp::Matches(check(index, self.program.patterns.len(), "pattern")?)
                }
                Op::Glob(index) => LOp::Glob(check(index, self.program.patterns.len(), "pattern")?),
                Op::Jump(index) => LOp::Jump(target(index)?),
                Op::JumpIfFalse(index) => LOp::JumpIfFalse(target(index)?),
                Op::JumpIfTrue(index) => LOp::JumpIfTrue(target(index)?),
                Op::JumpIfSome(index) => LOp::JumpIfSome(target(index)?),
                Op::MakeList(count) => LOp::MakeList(count),
                Op::MakeSet(count) => LOp::MakeSet(count),
                Op::MakeMap(count) => LOp::MakeMap(count),
                Op::Concat(count) => LOp::Concat(count),
                Op::Call { builtin, argc } => LOp::Call(
                    self.builtins
                        .get(builtin as usize)
                        .copied()
                        .ok_or_else(|| bad(format!("builtin {builtin} out of range")))?,
                    argc,
                ),
                Op::CallFn(index) => {
                    let function = self
                        .program
                        .functions
                        .get(index as usize)
                        .ok_or_else(|| bad(format!("function {index} out of range")))?;
                    if function.arity > function.chunk.locals {
                        return Err(bad(format!(
                            "function `{}` has fewer locals than arguments",
                            function.name
                        )));
                    }
                    LOp::CallFn(index)
                }
                Op::Iter(index) => LOp::Iter(slot(index, chunk.iterators, "iterator")?),
                Op::Next { iter, local, end } => LOp::Next {
                    iter: slot(iter, chunk.iterators, "iterator")?,
                    local: slot(local, chunk.locals, "local")?,
                    end: target(end)?,
                },
                Op::Lookup(index) => LOp::Lookup(field(index)?),
                Op::LookupIn(index) => LOp::LookupIn(field(index)?),
                Op::Append(index) => LOp::Append(slot(index, chunk.locals, "local")?),
                Op::Insert(index) => LOp::Insert(slot(index, chunk.locals, "local")?),
                Op::Min(index) => LOp::Min(slot(index, chunk.locals, "local")?),
                Op::Max(index) => LOp::Max(slot(index, chunk.locals, "local")?),
                Op::Emit => LOp::Emit,
                Op::Return => LOp::Return,
                Op::Probe(index) => LOp::Probe(check(index, self.program.probes.len(), "probe")?),
            });
        }
        if chunk.spans.len() != len {
            return Err(LinkError::Malformed {
                chunk: name.to_string(),
                instruction: 0,
                message: "span table does not match the code".to_string(),
            });
        }
        fuse(&chunk.code, &mut code);
        Ok(LChunk {
            code,
            spans: chunk.spans.clone(),
            locals: chunk.locals,
            iterators: chunk.iterators,
        })
    }
}

/// Fuses pairs of instructions that run together in every rule's loops into one dispatch:
/// `Local; Field` (reading a loop variable's field) and `Concat; Emit` (a finding's message).
/// The fused instruction takes the first one's place and skips the second, which stays where
/// it was, so positions, spans and jump targets are unchanged; a pair whose second instruction
/// is a jump target is left alone, as a jump there must run it alone.
fn fuse(original: &[Op], code: &mut [LOp]) {
    let mut targets = vec![false; code.len() + 1];
    for op in original {
        if let Some(target) = op.jump_target()
            && let Some(flag) = targets.get_mut(target as usize)
        {
            *flag = true;
        }
    }
    for position in 0..code.len().saturating_sub(1) {
        if targets.get(position + 1).copied().unwrap_or(true) {
            continue;
        }
        let fused = match (code.get(position), code.get(position + 1)) {
            (Some(LOp::Local(slot)), Some(LOp::Field(accessor))) => {
                LOp::LocalField(*slot, *accessor)
            }
            (Some(LOp::Concat(count)), Some(LOp::Emit)) => LOp::ConcatEmit(*count),
            _ => continue,
        };
        if let Some(op) = code.get_mut(position) {
            *op = fused;
        }
    }
}

fn small_len(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}
