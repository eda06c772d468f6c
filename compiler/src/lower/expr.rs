//! Lowering of rules, exception conditions and expressions into chunks, with constant
//! folding, index lookups for equality and membership filters, and demand collection.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tollgate_bytecode::{
    self as bc, Chunk, ChunkBuilder, Constant, JumpKind, Label, Op, PatternKind,
};

use super::{LowerError, decl_name, error, literal_constant};
use crate::hir::{
    self, AggregateKind, BinaryOp, Callee, Clause, Coercion, ComprehensionKind, Expr, ExprKind,
    LocalId, TemplatePart, UnaryOp,
};
use crate::types::Type;

/// Item names resolved to slots and indices.
pub(crate) struct Names<'n> {
    pub(crate) params: &'n HashMap<Arc<str>, u16>,
    pub(crate) functions: &'n HashMap<Arc<str>, u32>,
}

/// What the program reads, collected while lowering.
#[derive(Debug, Default)]
pub(crate) struct DemandBuilder {
    categories: BTreeSet<String>,
    contents: BTreeSet<String>,
    hashes: BTreeSet<String>,
    /// Ecosystems (JSON spelling) that the reads of packages and vulnerabilities are limited to.
    ecosystems: BTreeSet<String>,
    /// Set when some read of packages or vulnerabilities is not limited to known ecosystems.
    any_ecosystem: bool,
    /// The ecosystems the loop whose source is being lowered keeps, when its filters say.
    pending_ecosystems: Option<BTreeSet<String>>,
}

impl DemandBuilder {
    pub(crate) fn finish(self, secrets: &[bc::SecretPattern]) -> bc::Demand {
        bc::Demand {
            categories: self.categories,
            ecosystems: (!self.any_ecosystem).then_some(self.ecosystems),
            file_contents: self.contents,
            file_hashes: self.hashes,
            secret_patterns: secrets.iter().map(|secret| secret.name.clone()).collect(),
        }
    }
}

/// Everything a file is read from the paths it is constrained to: `None` means any path.
type PathConstraint = Option<Vec<String>>;

/// One filter of a loop: an expression that must be true (`where`) or false (`unless`).
#[derive(Clone, Copy)]
enum Filter<'e> {
    Keep(&'e Expr),
    Drop(&'e Expr),
}

/// What an aggregate does instead of a loop once lookups have answered all its filters.
type Collapse<'c, 'l> =
    dyn FnMut(&mut Lowerer<'l>, &mut ChunkBuilder) -> Result<(), LowerError> + 'c;

/// Lowers the expressions of one item.
pub(crate) struct Lowerer<'l> {
    out: &'l mut bc::Program,
    names: &'l Names<'l>,
    demand: &'l mut DemandBuilder,
    item: &'l hir::Item,
    file: u32,
    /// Added to every `LocalId` (exception conditions receive the rule's bindings first).
    local_base: u16,
    /// Loops over files in scope: their variable and the paths their filters allow.
    file_loops: Vec<(LocalId, PathConstraint)>,
    /// Whether clauses get coverage probes (`super::LowerOptions::probes`).
    probes: bool,
}

impl<'l> Lowerer<'l> {
    pub(crate) fn new(
        out: &'l mut bc::Program,
        names: &'l Names<'l>,
        demand: &'l mut DemandBuilder,
        item: &'l hir::Item,
        file: u32,
        local_base: u16,
    ) -> Lowerer<'l> {
        Lowerer {
            out,
            names,
            demand,
            item,
            file,
            local_base,
            file_loops: Vec::new(),
            probes: false,
        }
    }

    /// Emits coverage probes after conditions when `probes` is set.
    pub(crate) fn with_probes(mut self, probes: bool) -> Lowerer<'l> {
        self.probes = probes;
        self
    }

    /// With probes on, registers the condition `condition` of `rule` and emits its probe,
    /// which sees the condition's value on the stack.
    fn probe(
        &mut self,
        builder: &mut ChunkBuilder,
        rule: &str,
        kind: bc::ProbeKind,
        condition: &Expr,
    ) {
        if !self.probes {
            return;
        }
        let index = u32::try_from(self.out.probes.len()).unwrap_or(u32::MAX);
        let span = self.span(condition.span);
        self.out.probes.push(bc::Probe {
            rule: rule.to_string(),
            kind,
            span,
        });
        builder.emit(Op::Probe(index));
    }

    /// A span of the item in bytecode form.
    pub(crate) fn span(&self, span: hir::Span) -> bc::Span {
        let absolute =
            |offset: usize| u32::try_from(self.item.span_base + offset).unwrap_or(u32::MAX);
        bc::Span {
            file: self.file,
            start: absolute(span.start),
            end: absolute(span.end),
        }
    }

    fn fail(&self, span: hir::Span, message: &str) -> LowerError {
        error(self.item, span, message)
    }

    fn local(&self, local: LocalId, span: hir::Span) -> Result<u16, LowerError> {
        u16::try_from(local.0)
            .ok()
            .and_then(|slot| slot.checked_add(self.local_base))
            .ok_or_else(|| self.fail(span, "too many local names"))
    }

    fn constant(&mut self, builder: &mut ChunkBuilder, constant: Constant) {
        let index = self.out.constant(constant);
        builder.emit(Op::Const(index));
    }

    fn finish(&self, builder: ChunkBuilder) -> Result<Chunk, LowerError> {
        builder
            .finish()
            .map_err(|err| self.fail(self.item.span, &err.to_string()))
    }

    /// A rule's chunk.
    pub(crate) fn rule(&mut self, rule: &hir::Rule) -> Result<Chunk, LowerError> {
        let locals = u16::try_from(rule.locals.len())
            .map_err(|_| self.fail(self.item.span, "too many local names"))?;
        let mut builder = ChunkBuilder::new(locals);
        builder.set_span(self.span(self.item.span));
        let end = builder.label();
        self.clauses(&mut builder, &rule.clauses, rule, end)?;
        builder.place(end);
        builder.emit(Op::Return);
        self.finish(builder)
    }

    /// An exception's condition chunk; the VM passes the rule's bindings in slots `0..n`.
    pub(crate) fn exception(
        &mut self,
        except: &hir::Except,
        rule: &hir::Rule,
    ) -> Result<Option<Chunk>, LowerError> {
        let Some(condition) = &except.condition else {
            return Ok(None);
        };
        let passed = u16::try_from(rule.bindings.len())
            .map_err(|_| self.fail(condition.span, "too many bindings"))?;
        self.local_base = passed;
        let own = u16::try_from(except.locals.len())
            .map_err(|_| self.fail(condition.span, "too many bindings"))?;
        let mut builder = ChunkBuilder::new(passed.saturating_add(own));
        builder.set_span(self.span(condition.span));
        // Each of the exception's slots is paired with a slot of the rule; the VM passes a
        // finding's bindings in the order of the rule's `bindings` list.
        for (except_slot, rule_slot) in &except.bindings {
            let position = rule
                .bindings
                .iter()
                .position(|(_, slot)| slot == rule_slot)
                .ok_or_else(|| {
                    self.fail(
                        condition.span,
                        "an exception uses a binding the rule does not have",
                    )
                })?;
            builder.emit(Op::Local(u16::try_from(position).unwrap_or(u16::MAX)));
            let slot = self.local(*except_slot, condition.span)?;
            builder.emit(Op::SetLocal(slot));
        }
        self.expr(&mut builder, condition)?;
        self.probe(&mut builder, &except.rule, bc::ProbeKind::Except, condition);
        builder.emit(Op::Return);
        self.finish(builder).map(Some)
    }

    fn clauses(
        &mut self,
        builder: &mut ChunkBuilder,
        clauses: &[Clause],
        rule: &hir::Rule,
        next: Label,
    ) -> Result<(), LowerError> {
        let Some((clause, rest)) = clauses.split_first() else {
            self.message(builder, rule)?;
            builder.emit(Op::Emit);
            builder.jump(JumpKind::Always, next);
            return Ok(());
        };
        match clause {
            Clause::For { binding, iterable } => {
                // With probes, each clause stays a clause of its own (below) so its outcome
                // is observable; without, the filters after a `for` join the loop.
                let taken = rest
                    .iter()
                    .take_while(|clause| matches!(clause, Clause::Where(_) | Clause::Unless(_)))
                    .take_while(|_| !self.probes)
                    .count();
                let (wheres, after) = rest.split_at(taken);
                let mut filters = Vec::new();
                for clause in wheres {
                    match clause {
                        Clause::Where(condition) => conjuncts(condition, &mut filters),
                        Clause::Unless(condition) => filters.push(Filter::Drop(condition)),
                        _ => {}
                    }
                }
                let done = builder.label();
                self.lower_loop(
                    builder,
                    *binding,
                    iterable,
                    filters,
                    done,
                    &mut |this, builder, top| this.clauses(builder, after, rule, top),
                    None,
                )?;
                builder.jump(JumpKind::Always, next);
            }
            Clause::Let { binding, value } => {
                self.expr(builder, value)?;
                let slot = self.local(*binding, value.span)?;
                builder.emit(Op::SetLocal(slot));
                self.clauses(builder, rest, rule, next)?;
            }
            Clause::Where(condition) => {
                self.expr(builder, condition)?;
                self.probe(builder, &rule.qualified, bc::ProbeKind::Where, condition);
                builder.jump(JumpKind::IfFalse, next);
                self.clauses(builder, rest, rule, next)?;
            }
            Clause::Unless(condition) => {
                self.expr(builder, condition)?;
                self.probe(builder, &rule.qualified, bc::ProbeKind::Unless, condition);
                builder.jump(JumpKind::IfTrue, next);
                self.clauses(builder, rest, rule, next)?;
            }
        }
        Ok(())
    }

    fn message(&mut self, builder: &mut ChunkBuilder, rule: &hir::Rule) -> Result<(), LowerError> {
        match &rule.message {
            Some(template) => self.template(builder, template),
            None => {
                // Without a message, a finding says what the rule's doc says (its first line).
                let first_line = self
                    .item
                    .doc
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let text = if first_line.is_empty() {
                    format!("{} fired", rule.name)
                } else {
                    first_line
                };
                self.constant(builder, Constant::String(text));
                Ok(())
            }
        }
    }

    fn template(
        &mut self,
        builder: &mut ChunkBuilder,
        template: &hir::Template,
    ) -> Result<(), LowerError> {
        if let [TemplatePart::Text(text)] = template.parts.as_slice() {
            self.constant(builder, Constant::String(text.clone()));
            return Ok(());
        }
        for part in &template.parts {
            match part {
                TemplatePart::Text(text) => self.constant(builder, Constant::String(text.clone())),
                TemplatePart::Expr(expr) => self.expr(builder, expr)?,
            }
        }
        builder.set_span(self.span(template.span));
        builder.emit(Op::Concat(
            u32::try_from(template.parts.len()).unwrap_or(u32::MAX),
        ));
        Ok(())
    }

    /// `for binding in source` with filters: the filters that test the variable's field for
    /// equality with (or membership in) a value not depending on the variable become index
    /// lookups; the others jump back to the loop head when they fail. `body` runs for each
    /// kept element and gets the loop head as its continuation. When no filter is left and
    /// `collapse` is given, there is no loop: `collapse` runs once with the narrowed
    /// collection on the stack. Places `done` after the loop (or after `collapse`).
    #[allow(clippy::too_many_arguments)] // reason: a loop's parts, each used once
    fn lower_loop(
        &mut self,
        builder: &mut ChunkBuilder,
        binding: LocalId,
        source: &Expr,
        mut filters: Vec<Filter<'_>>,
        done: Label,
        body: &mut dyn FnMut(&mut Self, &mut ChunkBuilder, Label) -> Result<(), LowerError>,
        collapse: Option<&mut Collapse<'_, 'l>>,
    ) -> Result<(), LowerError> {
        let slot = self.local(binding, source.span)?;
        let is_files = matches!(source.ty.non_optional().element(), Some(Type::Record(decl)) if &*decl.name == "File");
        if is_files {
            let constraint = path_constraint(binding, &filters);
            self.file_loops.push((binding, constraint));
        }
        self.demand.pending_ecosystems = self.ecosystem_constraint(binding, source, &filters);
        self.expr(builder, source)?;
        self.demand.pending_ecosystems = None;
        // The first filter an index answers becomes a lookup, whatever its key (a join's key
        // is computed); every later one whose key is constant narrows the result further, as
        // the VM intersects it with that field's table (or filters the few elements left).
        let mut narrowed = false;
        let mut position = 0;
        while let Some(filter) = filters.get(position) {
            let Some((_, key, _)) = lookup_of(binding, filter) else {
                position += 1;
                continue;
            };
            if narrowed && key.is_some_and(|key| self.fold(key).is_none()) {
                position += 1;
                continue;
            }
            let filter = filters.remove(position);
            if let Some((field, key, membership)) = lookup_of(binding, &filter) {
                self.key(builder, key)?;
                let index = self.out.field(&decl_name(&field.record), &field.name);
                builder.emit(if membership {
                    Op::LookupIn(index)
                } else {
                    Op::Lookup(index)
                });
                narrowed = true;
            }
        }
        if filters.is_empty()
            && let Some(collapse) = collapse
        {
            // Nothing left to test per element: the aggregate reads the narrowed collection.
            collapse(self, builder)?;
            builder.place(done);
            if is_files {
                self.file_loops.pop();
            }
            return Ok(());
        }
        let iterator = builder.iterator();
        builder.emit(Op::Iter(iterator));
        let top = builder.label();
        builder.place(top);
        builder.next(iterator, slot, done);
        for filter in filters {
            match filter {
                Filter::Keep(condition) => {
                    self.expr(builder, condition)?;
                    builder.jump(JumpKind::IfFalse, top);
                }
                Filter::Drop(condition) => {
                    self.expr(builder, condition)?;
                    builder.jump(JumpKind::IfTrue, top);
                }
            }
        }
        body(self, builder, top)?;
        builder.jump(JumpKind::Always, top);
        builder.place(done);
        if is_files {
            self.file_loops.pop();
        }
        Ok(())
    }

    /// The key of a lookup: an expression, or `true` for a bare boolean field.
    fn key(&mut self, builder: &mut ChunkBuilder, key: Option<&Expr>) -> Result<(), LowerError> {
        match key {
            Some(expr) => self.expr(builder, expr),
            None => {
                self.constant(builder, Constant::Bool(true));
                Ok(())
            }
        }
    }

    /// A constant, when `expr` is one.
    pub(crate) fn fold(&self, expr: &Expr) -> Option<Constant> {
        Some(match &expr.kind {
            ExprKind::Literal(literal) => literal_constant(literal),
            ExprKind::Variant(variant) => Constant::Enum {
                ty: decl_name(&variant.enumeration),
                variant: variant.name.to_string(),
            },
            ExprKind::List(items) => Constant::List(
                items
                    .iter()
                    .map(|item| self.fold(item))
                    .collect::<Option<_>>()?,
            ),
            ExprKind::Set(items) => Constant::Set(
                items
                    .iter()
                    .map(|item| self.fold(item))
                    .collect::<Option<_>>()?,
            ),
            ExprKind::Map(entries) => Constant::Map(
                entries
                    .iter()
                    .map(|(key, value)| Some((self.fold(key)?, self.fold(value)?)))
                    .collect::<Option<_>>()?,
            ),
            ExprKind::Interpolated(template) => {
                let mut text = String::new();
                for part in &template.parts {
                    match part {
                        TemplatePart::Text(piece) => text.push_str(piece),
                        TemplatePart::Expr(_) => return None,
                    }
                }
                Constant::String(text)
            }
            ExprKind::Coerce {
                coercion,
                expr: inner,
            } => match (coercion, self.fold(inner)?) {
                (Coercion::StringToVersion, Constant::String(text)) => Constant::Version(text),
                #[allow(clippy::cast_precision_loss)]
                // reason: the language's int-to-float conversion
                (Coercion::IntToFloat, Constant::Int(number)) => Constant::Float(number as f64),
                (Coercion::DateToTime, Constant::Date(text)) => {
                    Constant::Time(format!("{text}T00:00:00Z"))
                }
                (_, Constant::None) => Constant::None,
                _ => return None,
            },
            ExprKind::Unary { op, operand } => match (op, self.fold(operand)?) {
                (UnaryOp::Not, Constant::Bool(flag)) => Constant::Bool(!flag),
                (UnaryOp::Neg, Constant::Int(number)) => Constant::Int(number.checked_neg()?),
                (UnaryOp::Neg, Constant::Float(number)) => Constant::Float(-number),
                (UnaryOp::Neg, Constant::Duration(seconds)) => {
                    Constant::Duration(seconds.checked_neg()?)
                }
                _ => return None,
            },
            ExprKind::Binary { op, lhs, rhs } => match (op, self.fold(lhs)?, self.fold(rhs)?) {
                (BinaryOp::And, Constant::Bool(a), Constant::Bool(b)) => Constant::Bool(a && b),
                (BinaryOp::Or, Constant::Bool(a), Constant::Bool(b)) => Constant::Bool(a || b),
                (BinaryOp::Add, Constant::Int(a), Constant::Int(b)) => {
                    Constant::Int(a.checked_add(b)?)
                }
                (BinaryOp::Sub, Constant::Int(a), Constant::Int(b)) => {
                    Constant::Int(a.checked_sub(b)?)
                }
                (BinaryOp::Mul, Constant::Int(a), Constant::Int(b)) => {
                    Constant::Int(a.checked_mul(b)?)
                }
                (BinaryOp::Add, Constant::Duration(a), Constant::Duration(b)) => {
                    Constant::Duration(a.checked_add(b)?)
                }
                (BinaryOp::Add, Constant::String(a), Constant::String(b)) => {
                    Constant::String(a + &b)
                }
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Lowers an expression: its value ends on the stack.
    pub(crate) fn expr(
        &mut self,
        builder: &mut ChunkBuilder,
        expr: &Expr,
    ) -> Result<(), LowerError> {
        let span = self.span(expr.span);
        builder.set_span(span);
        if let Some(constant) = self.fold(expr) {
            self.constant(builder, constant);
            return Ok(());
        }
        match &expr.kind {
            ExprKind::Literal(literal) => self.constant(builder, literal_constant(literal)),
            ExprKind::Interpolated(template) => self.template(builder, template)?,
            ExprKind::Local(local) => {
                let slot = self.local(*local, expr.span)?;
                builder.emit(Op::Local(slot));
            }
            ExprKind::Param(name) => {
                let slot = *self
                    .names
                    .params
                    .get(name)
                    .ok_or_else(|| self.fail(expr.span, &format!("unknown param `{name}`")))?;
                builder.emit(Op::Param(slot));
            }
            ExprKind::Image => {
                builder.emit(Op::Image);
            }
            ExprKind::Variant(variant) => self.constant(
                builder,
                Constant::Enum {
                    ty: decl_name(&variant.enumeration),
                    variant: variant.name.to_string(),
                },
            ),
            ExprKind::Field {
                base,
                field,
                optional_chain,
            } => {
                self.note_field(base, field);
                self.expr(builder, base)?;
                builder.set_span(span);
                let index = self.out.field(&decl_name(&field.record), &field.name);
                builder.emit(if *optional_chain {
                    Op::OptField(index)
                } else {
                    Op::Field(index)
                });
            }
            ExprKind::Index { base, index } => {
                self.expr(builder, base)?;
                self.expr(builder, index)?;
                builder.set_span(span);
                builder.emit(Op::Index);
            }
            ExprKind::Call { callee, args } => {
                if let Callee::Builtin { name, .. } = callee
                    && &**name == "file"
                {
                    let path = args.first().and_then(|arg| self.fold(arg));
                    let path = match path {
                        Some(Constant::String(path)) => path,
                        _ => "**".to_string(),
                    };
                    self.demand.contents.insert(path);
                    self.demand.categories.insert("files".to_string());
                }
                for arg in args {
                    self.expr(builder, arg)?;
                }
                builder.set_span(span);
                match callee {
                    Callee::Builtin { name, .. } => {
                        let builtin = self.out.builtin(name);
                        let argc = u8::try_from(args.len())
                            .map_err(|_| self.fail(expr.span, "too many arguments"))?;
                        builder.emit(Op::Call { builtin, argc });
                    }
                    Callee::Fn(name) => {
                        let index = *self.names.functions.get(name).ok_or_else(|| {
                            self.fail(expr.span, &format!("unknown function `{name}`"))
                        })?;
                        builder.emit(Op::CallFn(index));
                    }
                }
            }
            ExprKind::Unary { op, operand } => {
                self.expr(builder, operand)?;
                builder.set_span(span);
                builder.emit(match op {
                    UnaryOp::Not => Op::Not,
                    UnaryOp::Neg => Op::Neg,
                });
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(builder, *op, lhs, rhs, span)?,
            ExprKind::Matches {
                subject,
                pattern,
                negated,
            } => {
                self.expr(builder, subject)?;
                builder.set_span(span);
                let index = self.out.pattern(PatternKind::Regex, pattern, span);
                builder.emit(Op::Matches(index));
                if *negated {
                    builder.emit(Op::Not);
                }
            }
            ExprKind::Glob { subject, pattern } => {
                self.expr(builder, subject)?;
                builder.set_span(span);
                let index = self.out.pattern(PatternKind::Glob, pattern, span);
                builder.emit(Op::Glob(index));
            }
            ExprKind::Aggregate {
                kind,
                binding,
                source,
                filter,
                value,
            } => {
                self.aggregate(
                    builder,
                    *kind,
                    *binding,
                    source,
                    filter.as_deref(),
                    value.as_deref(),
                    expr,
                )?;
            }
            ExprKind::Comprehension {
                kind,
                binding,
                source,
                filter,
                element,
            } => {
                let accumulator = builder.local();
                builder.emit(match kind {
                    ComprehensionKind::List => Op::MakeList(0),
                    ComprehensionKind::Set => Op::MakeSet(0),
                });
                builder.emit(Op::SetLocal(accumulator));
                let mut filters = Vec::new();
                if let Some(filter) = filter {
                    conjuncts(filter, &mut filters);
                }
                let done = builder.label();
                let kind = *kind;
                self.lower_loop(
                    builder,
                    *binding,
                    source,
                    filters,
                    done,
                    &mut |this, builder, _top| {
                        this.expr(builder, element)?;
                        builder.emit(match kind {
                            ComprehensionKind::List => Op::Append(accumulator),
                            ComprehensionKind::Set => Op::Insert(accumulator),
                        });
                        Ok(())
                    },
                    None,
                )?;
                builder.set_span(span);
                builder.emit(Op::Local(accumulator));
            }
            ExprKind::List(items) | ExprKind::Set(items) => {
                for item in items {
                    self.expr(builder, item)?;
                }
                builder.set_span(span);
                let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
                builder.emit(if matches!(expr.kind, ExprKind::List(_)) {
                    Op::MakeList(count)
                } else {
                    Op::MakeSet(count)
                });
            }
            ExprKind::Map(entries) => {
                for (key, value) in entries {
                    self.expr(builder, key)?;
                    self.expr(builder, value)?;
                }
                builder.set_span(span);
                builder.emit(Op::MakeMap(
                    u32::try_from(entries.len()).unwrap_or(u32::MAX),
                ));
            }
            ExprKind::Record { .. } => {
                return Err(self.fail(
                    expr.span,
                    "record literals are only supported in test images",
                ));
            }
            ExprKind::Coerce {
                coercion,
                expr: inner,
            } => {
                self.expr(builder, inner)?;
                builder.set_span(span);
                let name = match coercion {
                    Coercion::StringToVersion => "version",
                    Coercion::IntToFloat => "float",
                    Coercion::DateToTime => "$date_to_time",
                };
                let builtin = self.out.builtin(name);
                builder.emit(Op::Call { builtin, argc: 1 });
            }
            ExprKind::Error => {
                return Err(self.fail(expr.span, "an expression with an error reached lowering"));
            }
        }
        Ok(())
    }

    fn binary(
        &mut self,
        builder: &mut ChunkBuilder,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: bc::Span,
    ) -> Result<(), LowerError> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let short = builder.label();
                let end = builder.label();
                self.expr(builder, lhs)?;
                builder.jump(
                    if op == BinaryOp::And {
                        JumpKind::IfFalse
                    } else {
                        JumpKind::IfTrue
                    },
                    short,
                );
                self.expr(builder, rhs)?;
                builder.jump(JumpKind::Always, end);
                builder.place(short);
                builder.set_span(span);
                self.constant(builder, Constant::Bool(op == BinaryOp::Or));
                builder.place(end);
            }
            BinaryOp::Coalesce => {
                let end = builder.label();
                self.expr(builder, lhs)?;
                builder.jump(JumpKind::IfSome, end);
                self.expr(builder, rhs)?;
                builder.place(end);
            }
            _ => {
                self.expr(builder, lhs)?;
                self.expr(builder, rhs)?;
                builder.set_span(span);
                let ops: &[Op] = match op {
                    BinaryOp::Eq => &[Op::Eq],
                    BinaryOp::Ne => &[Op::Ne],
                    BinaryOp::Lt => &[Op::Lt],
                    BinaryOp::Le => &[Op::Le],
                    BinaryOp::Gt => &[Op::Gt],
                    BinaryOp::Ge => &[Op::Ge],
                    BinaryOp::In => &[Op::In],
                    BinaryOp::NotIn => &[Op::In, Op::Not],
                    BinaryOp::Add => &[Op::Add],
                    BinaryOp::Sub => &[Op::Sub],
                    BinaryOp::Mul => &[Op::Mul],
                    BinaryOp::Div => &[Op::Div],
                    _ => &[Op::Rem],
                };
                for op in ops {
                    builder.emit(*op);
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // reason: the fields of one `ExprKind::Aggregate`
    fn aggregate(
        &mut self,
        builder: &mut ChunkBuilder,
        kind: AggregateKind,
        binding: Option<LocalId>,
        source: &Expr,
        filter: Option<&Expr>,
        value: Option<&Expr>,
        expr: &Expr,
    ) -> Result<(), LowerError> {
        let span = self.span(expr.span);
        let Some(binding) = binding else {
            // `count(xs)`: the collection's size (`none` counts as empty).
            self.expr(builder, source)?;
            builder.set_span(span);
            let builtin = self.out.builtin("len");
            builder.emit(Op::Call { builtin, argc: 1 });
            return Ok(());
        };
        let accumulator = builder.local();
        let initial = match kind {
            AggregateKind::Count => Constant::Int(0),
            AggregateKind::Any => Constant::Bool(false),
            AggregateKind::All => Constant::Bool(true),
            AggregateKind::Sum if matches!(expr.ty.non_optional(), Type::Float) => {
                Constant::Float(0.0)
            }
            AggregateKind::Sum => Constant::Int(0),
            AggregateKind::Min | AggregateKind::Max => Constant::None,
        };
        self.constant(builder, initial);
        builder.emit(Op::SetLocal(accumulator));
        let mut filters = Vec::new();
        // `all(x in xs where c)` asks whether every element satisfies `c`: not a filter.
        if let Some(filter) = filter
            && kind != AggregateKind::All
        {
            conjuncts(filter, &mut filters);
        }
        let done = builder.label();
        let one = self.out.constant(Constant::Int(1));
        let flag = |value: bool| Constant::Bool(value);
        let yes = self.out.constant(flag(true));
        let no = self.out.constant(flag(false));
        let len = self.out.builtin("len");
        let zero = self.out.constant(Constant::Int(0));
        // `count` and `any` over a collection the lookups narrowed to exactly the elements
        // wanted are its size: no loop.
        let mut size = |_: &mut Self, builder: &mut ChunkBuilder| {
            builder.emit(Op::Call {
                builtin: len,
                argc: 1,
            });
            if kind == AggregateKind::Any {
                builder.emit(Op::Const(zero));
                builder.emit(Op::Gt);
            }
            builder.emit(Op::SetLocal(accumulator));
            Ok(())
        };
        let collapse = matches!(kind, AggregateKind::Count | AggregateKind::Any);
        self.lower_loop(
            builder,
            binding,
            source,
            filters,
            done,
            &mut |this, builder, top| {
                match kind {
                    AggregateKind::Count => {
                        builder.emit(Op::Local(accumulator));
                        builder.emit(Op::Const(one));
                        builder.emit(Op::Add);
                        builder.emit(Op::SetLocal(accumulator));
                    }
                    AggregateKind::Any => {
                        builder.emit(Op::Const(yes));
                        builder.emit(Op::SetLocal(accumulator));
                        builder.jump(JumpKind::Always, done);
                    }
                    AggregateKind::All => {
                        if let Some(condition) = filter {
                            this.expr(builder, condition)?;
                            builder.jump(JumpKind::IfTrue, top);
                        }
                        builder.emit(Op::Const(no));
                        builder.emit(Op::SetLocal(accumulator));
                        builder.jump(JumpKind::Always, done);
                    }
                    AggregateKind::Sum => {
                        builder.emit(Op::Local(accumulator));
                        if let Some(value) = value {
                            this.expr(builder, value)?;
                        }
                        builder.emit(Op::Add);
                        builder.emit(Op::SetLocal(accumulator));
                    }
                    AggregateKind::Min | AggregateKind::Max => {
                        if let Some(value) = value {
                            this.expr(builder, value)?;
                        }
                        builder.emit(if kind == AggregateKind::Min {
                            Op::Min(accumulator)
                        } else {
                            Op::Max(accumulator)
                        });
                    }
                }
                Ok(())
            },
            if collapse { Some(&mut size) } else { None },
        )?;
        builder.set_span(span);
        builder.emit(Op::Local(accumulator));
        Ok(())
    }

    /// The ecosystems a loop over `image.packages` (or `image.vulnerabilities`) keeps, when one
    /// of its filters is `x.ecosystem == E` or `x.ecosystem in {E, ...}` with constant variants
    /// (`x.package.ecosystem` for vulnerabilities, whose matching needs the package's cataloger).
    fn ecosystem_constraint(
        &self,
        binding: LocalId,
        source: &Expr,
        filters: &[Filter<'_>],
    ) -> Option<BTreeSet<String>> {
        let ExprKind::Field { field, .. } = &source.kind else {
            return None;
        };
        if &*field.record.module != super::SCHEMA_MODULE || &*field.record.name != "Image" {
            return None;
        }
        let through_package = match &*field.name {
            "packages" => false,
            "vulnerabilities" => true,
            _ => return None,
        };
        let is_ecosystem = |side: &Expr| ecosystem_field(binding, side, through_package);
        filters.iter().find_map(|filter| {
            let Filter::Keep(expr) = filter else {
                return None;
            };
            let ExprKind::Binary { op, lhs, rhs } = &expr.kind else {
                return None;
            };
            let constant = match op {
                BinaryOp::Eq if is_ecosystem(lhs) => self.fold(rhs)?,
                BinaryOp::Eq if is_ecosystem(rhs) => self.fold(lhs)?,
                BinaryOp::In if is_ecosystem(lhs) => self.fold(rhs)?,
                _ => return None,
            };
            let variants = match constant {
                Constant::List(items) | Constant::Set(items) => items,
                single => vec![single],
            };
            variants
                .into_iter()
                .map(|variant| match variant {
                    Constant::Enum { ty, variant } if ty == "Ecosystem" => {
                        Some(crate::types::variant_json_name(&variant))
                    }
                    _ => None,
                })
                .collect()
        })
    }

    /// Records what a field read demands from extraction.
    fn note_field(&mut self, base: &Expr, field: &hir::FieldRef) {
        if &*field.record.module != super::SCHEMA_MODULE {
            return;
        }
        match (&*field.record.name, &*field.name) {
            ("Image", name) => {
                if matches!(name, "packages" | "vulnerabilities") {
                    // A read not limited by its loop's filters may look at any ecosystem.
                    match self.demand.pending_ecosystems.take() {
                        Some(ecosystems) => self.demand.ecosystems.extend(ecosystems),
                        None => self.demand.any_ecosystem = true,
                    }
                }
                self.demand.categories.insert(name.to_string());
            }
            ("File", name @ ("content" | "sha256")) => {
                let patterns = match &base.kind {
                    ExprKind::Local(local) => self
                        .file_loops
                        .iter()
                        .rev()
                        .find(|(binding, _)| binding == local)
                        .and_then(|(_, constraint)| constraint.clone()),
                    ExprKind::Call {
                        callee: Callee::Builtin { name, .. },
                        args,
                    } if &**name == "file" => match args.first().and_then(|arg| self.fold(arg)) {
                        Some(Constant::String(path)) => Some(vec![path]),
                        _ => None,
                    },
                    _ => None,
                };
                let target = if name == "content" {
                    &mut self.demand.contents
                } else {
                    &mut self.demand.hashes
                };
                match patterns {
                    Some(patterns) => target.extend(patterns),
                    None => {
                        target.insert("**".to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether `expr` is `binding.ecosystem` (or `binding.package.ecosystem` when
/// `through_package`), looking through coercions.
fn ecosystem_field(binding: LocalId, expr: &Expr, through_package: bool) -> bool {
    let expr = match &expr.kind {
        ExprKind::Coerce { expr: inner, .. } => inner,
        _ => expr,
    };
    let ExprKind::Field { base, field, .. } = &expr.kind else {
        return false;
    };
    if &*field.name != "ecosystem" {
        return false;
    }
    match &base.kind {
        ExprKind::Local(local) => !through_package && *local == binding,
        ExprKind::Field { base, field, .. } if through_package && &*field.name == "package" => {
            matches!(base.kind, ExprKind::Local(local) if local == binding)
        }
        _ => false,
    }
}

/// Splits `a and b and c` into its conjuncts.
fn conjuncts<'e>(expr: &'e Expr, out: &mut Vec<Filter<'e>>) {
    match &expr.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        _ => out.push(Filter::Keep(expr)),
    }
}

/// Whether an indexed lookup on this field type means the same as `==`.
fn indexable(ty: &Type) -> bool {
    matches!(
        ty.non_optional(),
        Type::String | Type::Int | Type::Bool | Type::Enum(_)
    )
}

/// The field of `binding` read directly by `expr` (`binding.field`), when its type can be an
/// index key.
fn field_of(binding: LocalId, expr: &Expr) -> Option<&hir::FieldRef> {
    own_field(binding, expr).filter(|_| indexable(&expr.ty))
}

/// The list field of `binding` read directly by `expr` (`binding.field`), when its items can
/// be index keys: a `Lookup` of such a field finds the elements whose list has the key.
fn list_field_of(binding: LocalId, expr: &Expr) -> Option<&hir::FieldRef> {
    own_field(binding, expr)
        .filter(|_| matches!(&expr.ty, Type::List(item) | Type::Set(item) if indexable(item)))
}

/// The field of `binding` that `expr` reads directly (`binding.field`, not `binding?.field`).
fn own_field(binding: LocalId, expr: &Expr) -> Option<&hir::FieldRef> {
    match &expr.kind {
        ExprKind::Field {
            base,
            field,
            optional_chain: false,
        } if matches!(base.kind, ExprKind::Local(local) if local == binding) => Some(field),
        _ => None,
    }
}

/// When `filter` can be an index lookup: the field, the key (none for a bare boolean field,
/// whose key is `true`) and whether it is a membership test.
fn lookup_of<'e>(
    binding: LocalId,
    filter: &Filter<'e>,
) -> Option<(&'e hir::FieldRef, Option<&'e Expr>, bool)> {
    let Filter::Keep(expr) = filter else {
        return None;
    };
    if let Some(field) = field_of(binding, expr)
        && matches!(expr.ty, Type::Bool)
    {
        return Some((field, None, false));
    }
    let ExprKind::Binary { op, lhs, rhs } = &expr.kind else {
        return None;
    };
    match op {
        BinaryOp::Eq => {
            if let Some(field) = field_of(binding, lhs)
                && !mentions(rhs, binding)
            {
                return Some((field, Some(rhs), false));
            }
            if let Some(field) = field_of(binding, rhs)
                && !mentions(lhs, binding)
            {
                return Some((field, Some(lhs), false));
            }
            None
        }
        BinaryOp::In => {
            if let Some(field) = list_field_of(binding, rhs)
                && !mentions(lhs, binding)
            {
                // `"GPL-3.0" in p.licenses`: a lookup of the key among the list's items.
                return Some((field, Some(lhs), false));
            }
            let field = field_of(binding, lhs)?;
            let is_collection = matches!(rhs.ty, Type::List(_) | Type::Set(_));
            (is_collection && !mentions(rhs, binding)).then_some((field, Some(&**rhs), true))
        }
        _ => None,
    }
}

/// The paths a loop over files is restricted to by its filters, if any.
fn path_constraint(binding: LocalId, filters: &[Filter<'_>]) -> PathConstraint {
    for filter in filters {
        let Filter::Keep(expr) = filter else { continue };
        let is_path = |side: &Expr| {
            matches!(&side.kind, ExprKind::Field { base, field, .. }
                if &*field.name == "path" && matches!(base.kind, ExprKind::Local(local) if local == binding))
        };
        let strings = |side: &Expr| -> Option<Vec<String>> {
            match &side.kind {
                ExprKind::Literal(hir::Literal::String(text)) => Some(vec![escape_glob(text)]),
                ExprKind::List(items) | ExprKind::Set(items) => items
                    .iter()
                    .map(|item| match &item.kind {
                        ExprKind::Literal(hir::Literal::String(text)) => Some(escape_glob(text)),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            }
        };
        match &expr.kind {
            ExprKind::Binary {
                op: BinaryOp::Eq | BinaryOp::In,
                lhs,
                rhs,
            } if is_path(lhs) => {
                if let Some(paths) = strings(rhs) {
                    return Some(paths);
                }
            }
            ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs,
                rhs,
            } if is_path(rhs) => {
                if let Some(paths) = strings(lhs) {
                    return Some(paths);
                }
            }
            ExprKind::Glob { subject, pattern } if is_path(subject) => {
                return Some(vec![pattern.clone()]);
            }
            _ => {}
        }
    }
    None
}

/// A literal path as a glob that matches only it.
fn escape_glob(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for ch in path.chars() {
        if matches!(ch, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Whether `expr` reads the local `binding`.
fn mentions(expr: &Expr, binding: LocalId) -> bool {
    let mut found = false;
    walk(expr, &mut |node| {
        if matches!(node.kind, ExprKind::Local(local) if local == binding) {
            found = true;
        }
    });
    found
}

/// Visits `expr` and every expression inside it.
pub(crate) fn walk(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(expr);
    match &expr.kind {
        ExprKind::Interpolated(template) => {
            for part in &template.parts {
                if let TemplatePart::Expr(inner) = part {
                    walk(inner, visit);
                }
            }
        }
        ExprKind::Field { base, .. } => walk(base, visit),
        ExprKind::Index { base, index } => {
            walk(base, visit);
            walk(index, visit);
        }
        ExprKind::Call { args, .. } | ExprKind::List(args) | ExprKind::Set(args) => {
            for arg in args {
                walk(arg, visit);
            }
        }
        ExprKind::Unary { operand, .. } => walk(operand, visit),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk(lhs, visit);
            walk(rhs, visit);
        }
        ExprKind::Matches { subject, .. } | ExprKind::Glob { subject, .. } => walk(subject, visit),
        ExprKind::Aggregate {
            source,
            filter,
            value,
            ..
        } => {
            walk(source, visit);
            for inner in [filter, value].into_iter().flatten() {
                walk(inner, visit);
            }
        }
        ExprKind::Comprehension {
            source,
            filter,
            element,
            ..
        } => {
            walk(source, visit);
            if let Some(filter) = filter {
                walk(filter, visit);
            }
            walk(element, visit);
        }
        ExprKind::Map(entries) => {
            for (key, value) in entries {
                walk(key, visit);
                walk(value, visit);
            }
        }
        ExprKind::Record { fields, .. } => {
            for (_, value) in fields {
                walk(value, visit);
            }
        }
        ExprKind::Coerce { expr: inner, .. } => walk(inner, visit),
        ExprKind::Literal(_)
        | ExprKind::Local(_)
        | ExprKind::Param(_)
        | ExprKind::Image
        | ExprKind::Variant(_)
        | ExprKind::Error => {}
    }
}
