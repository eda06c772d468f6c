//! Every name written in an item, with what it resolves to: the shared ground of hover,
//! definition, references, rename and semantic tokens.
//!
//! The syntax tree says where names are; the typed tree (`hir`, whose expressions carry the
//! same spans) says what they mean. Names the typed tree does not record (types, module
//! aliases, declarations) resolve through the global scope.

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::{ItemKey, Workspace, check_item, file_context, global_scope, item_syntax};
use crate::hir;
use crate::resolve::{FileContext, GlobalScope};
use crate::syntax::ast::{self, Span};
use crate::types::{DeclRef, Type};

use super::TokenKind;

/// What a name means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// A binding inside an item (rule `for`/`let`, fn parameter, aggregate variable),
    /// identified by its file and the span of its declaration.
    Local {
        /// The file (empty in `item_occurrences`' item-relative results).
        path: Arc<str>,
        /// The declaring name's span.
        decl: Span,
        /// The name.
        name: Arc<str>,
    },
    /// A `param`, by qualified name.
    Param(Arc<str>),
    /// A user `fn`, by qualified name.
    Fn(Arc<str>),
    /// A rule, by qualified name.
    Rule(Arc<str>),
    /// A `secret`, by qualified name.
    Secret(Arc<str>),
    /// A builtin function, by name (every overload).
    Builtin(Arc<str>),
    /// A record or enum type.
    Type(DeclRef),
    /// A field of a record type.
    Field(DeclRef, Arc<str>),
    /// A variant of an enum.
    Variant(DeclRef, Arc<str>),
    /// A module (an import path or alias, a `module` declaration).
    Module(Arc<str>),
    /// The facts root `image`.
    Image,
}

impl Symbol {
    /// The semantic token kind of the symbol.
    pub fn token_kind(&self) -> TokenKind {
        match self {
            Symbol::Local { .. } => TokenKind::Parameter,
            Symbol::Param(_) | Symbol::Image => TokenKind::Variable,
            Symbol::Fn(_) | Symbol::Builtin(_) => TokenKind::Function,
            Symbol::Rule(_) | Symbol::Secret(_) => TokenKind::Macro,
            Symbol::Type(_) => TokenKind::Type,
            Symbol::Field(..) => TokenKind::Property,
            Symbol::Variant(..) => TokenKind::EnumMember,
            Symbol::Module(_) => TokenKind::Namespace,
        }
    }
}

/// A name in the source and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Occurrence {
    /// The name's span.
    pub span: Span,
    /// What it resolves to.
    pub symbol: Symbol,
    /// Whether this is the declaration.
    pub declaration: bool,
    /// The value's type, when it has one (locals, params, fields).
    pub ty: Option<Type>,
}

impl Occurrence {
    /// The occurrence with file offsets: spans shifted by `base`, the file path filled in.
    pub fn shifted(&self, path: &Arc<str>, base: usize) -> Occurrence {
        let shift = |s: Span| Span::new(s.start + base, s.end + base);
        let symbol = match &self.symbol {
            Symbol::Local { decl, name, .. } => Symbol::Local {
                path: path.clone(),
                decl: shift(*decl),
                name: name.clone(),
            },
            other => other.clone(),
        };
        Occurrence {
            span: shift(self.span),
            symbol,
            declaration: self.declaration,
            ty: self.ty.clone(),
        }
    }
}

/// The occurrences of one item, spans relative to the item's start.
#[salsa::tracked(returns(ref))]
pub fn item_occurrences<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    key: ItemKey<'db>,
) -> Vec<Occurrence> {
    let Some(item) = item_syntax(db, key) else {
        return Vec::new();
    };
    let checked = check_item(db, ws, key);
    let context = file_context(db, *key.file(db));
    let scope = global_scope(db, ws);
    let mut exprs: HashMap<Span, Vec<&hir::Expr>> = HashMap::new();
    let mut locals: &[hir::Local] = &[];
    if let Some(kind) = &checked.kind {
        walk_hir_item(kind, &mut |e| exprs.entry(e.span).or_default().push(e));
        locals = match kind {
            hir::ItemKind::Fn(f) => &f.locals,
            hir::ItemKind::Rule(r) => &r.locals,
            hir::ItemKind::Except(e) => &e.locals,
            _ => &[],
        };
    }
    let mut collector = Collector {
        scope,
        context,
        exprs,
        locals,
        checked: checked.kind.as_ref(),
        out: Vec::new(),
    };
    collector.item(item);
    collector.out
}

struct Collector<'a> {
    scope: &'a GlobalScope,
    context: &'a FileContext,
    exprs: HashMap<Span, Vec<&'a hir::Expr>>,
    locals: &'a [hir::Local],
    checked: Option<&'a hir::ItemKind>,
    out: Vec<Occurrence>,
}

impl Collector<'_> {
    fn push(&mut self, span: Span, symbol: Symbol, declaration: bool, ty: Option<Type>) {
        self.out.push(Occurrence {
            span,
            symbol,
            declaration,
            ty,
        });
    }

    fn qualified(&self, name: &str) -> Arc<str> {
        Arc::from(format!("{}.{name}", self.context.module))
    }

    fn item(&mut self, item: &ast::Item) {
        for attribute in &item.attributes {
            for arg in &attribute.args {
                self.expr(arg);
            }
        }
        match &item.kind {
            ast::ItemKind::Module(decl) => self.push(
                decl.path.span,
                Symbol::Module(Arc::from(decl.path.dotted())),
                true,
                None,
            ),
            ast::ItemKind::Import(import) => {
                let target: Arc<str> = Arc::from(import.path.dotted());
                self.push(
                    import.path.span,
                    Symbol::Module(target.clone()),
                    false,
                    None,
                );
                if let Some(alias) = &import.alias {
                    self.push(alias.span, Symbol::Module(target), false, None);
                }
            }
            ast::ItemKind::Param(param) => {
                let symbol = Symbol::Param(self.qualified(&param.name.name));
                let ty = match self.checked {
                    Some(hir::ItemKind::Param(p)) => Some(p.ty.clone()),
                    _ => None,
                };
                self.push(param.name.span, symbol, true, ty);
                self.type_expr(&param.ty);
                self.expr(&param.default);
            }
            ast::ItemKind::Fn(f) => {
                let symbol = if f.builtin {
                    Symbol::Builtin(Arc::from(f.name.name.as_str()))
                } else {
                    Symbol::Fn(self.qualified(&f.name.name))
                };
                self.push(f.name.span, symbol, true, None);
                for param in &f.params {
                    self.binding(&param.name);
                    self.type_expr(&param.ty);
                }
                self.type_expr(&f.ret);
                if let Some(body) = &f.body {
                    self.expr(body);
                }
            }
            ast::ItemKind::Rule(rule) => {
                let symbol = Symbol::Rule(self.qualified(&rule.name.name));
                self.push(rule.name.span, symbol, true, None);
                for clause in &rule.clauses {
                    match &clause.kind {
                        ast::ClauseKind::For { binding, iterable } => {
                            self.expr(iterable);
                            self.binding(binding);
                        }
                        ast::ClauseKind::Let { name, value } => {
                            self.expr(value);
                            self.binding(name);
                        }
                        ast::ClauseKind::Where(e)
                        | ast::ClauseKind::When(e)
                        | ast::ClauseKind::Unless(e) => self.expr(e),
                    }
                }
                if let Some(message) = &rule.message {
                    self.string(&message.template);
                }
            }
            ast::ItemKind::Except(except) => {
                if let Some(hir::ItemKind::Except(e)) = self.checked {
                    self.rule_path(&except.rule, e.rule.clone());
                }
                if let Some(condition) = &except.condition {
                    self.expr(condition);
                }
            }
            ast::ItemKind::Secret(secret) => {
                let symbol = Symbol::Secret(self.qualified(&secret.name.name));
                self.push(secret.name.span, symbol, true, None);
            }
            ast::ItemKind::Test(test) => {
                let rules: Vec<Arc<str>> = match self.checked {
                    Some(hir::ItemKind::Test(t)) => {
                        t.expects.iter().map(|e| e.rule.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                for (index, expect) in test.expects.iter().enumerate() {
                    self.expr(&expect.image);
                    if let Some(rule) = rules.get(index) {
                        self.rule_path(&expect.rule, rule.clone());
                    }
                }
            }
            ast::ItemKind::Type(decl) => {
                let reference = DeclRef::new(&self.context.module, &decl.name.name);
                self.push(decl.name.span, Symbol::Type(reference.clone()), true, None);
                for field in &decl.fields {
                    let ty = self
                        .scope
                        .record(&reference)
                        .and_then(|r| r.field(&field.name.name))
                        .map(|(_, f)| f.ty.clone());
                    self.push(
                        field.name.span,
                        Symbol::Field(reference.clone(), Arc::from(field.name.name.as_str())),
                        true,
                        ty,
                    );
                    self.type_expr(&field.ty);
                }
            }
            ast::ItemKind::Enum(decl) => {
                let reference = DeclRef::new(&self.context.module, &decl.name.name);
                self.push(decl.name.span, Symbol::Type(reference.clone()), true, None);
                for variant in &decl.variants {
                    self.push(
                        variant.name.span,
                        Symbol::Variant(reference.clone(), Arc::from(variant.name.name.as_str())),
                        true,
                        None,
                    );
                }
            }
            ast::ItemKind::Broken(_) => {}
        }
    }

    /// `RULE` or `module.RULE` naming the rule `qualified`: the last segment is the rule,
    /// the others a module.
    fn rule_path(&mut self, path: &ast::Path, qualified: Arc<str>) {
        if let Some((last, prefix)) = path.segments.split_last() {
            if let (Some(first), Some(end)) = (prefix.first(), prefix.last()) {
                let dotted: Vec<&str> = prefix.iter().map(|s| s.name.as_str()).collect();
                if let Some((module, _)) = self.scope.module_named(self.context, &dotted.join("."))
                {
                    self.push(first.span.to(end.span), Symbol::Module(module), false, None);
                }
            }
            self.push(last.span, Symbol::Rule(qualified), false, None);
        }
    }

    /// A name that declares a local.
    fn binding(&mut self, name: &ast::Ident) {
        let ty = self
            .locals
            .iter()
            .find(|l| l.span == name.span)
            .map(|l| l.ty.clone());
        let symbol = Symbol::Local {
            path: Arc::from(""),
            decl: name.span,
            name: Arc::from(name.name.as_str()),
        };
        self.push(name.span, symbol, true, ty);
    }

    fn type_expr(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeExprKind::Named { path, args } => {
                if let Some((last, prefix)) = path.segments.split_last() {
                    let resolved = if prefix.is_empty() {
                        self.scope.type_named(self.context, &last.name)
                    } else {
                        let dotted: Vec<&str> = prefix.iter().map(|s| s.name.as_str()).collect();
                        self.scope
                            .module_named(self.context, &dotted.join("."))
                            .and_then(|(_, m)| m.types.get(last.name.as_str()))
                    };
                    if let Some(Type::Record(decl) | Type::Enum(decl)) = resolved {
                        self.push(last.span, Symbol::Type(decl.clone()), false, None);
                    }
                }
                for arg in args {
                    self.type_expr(arg);
                }
            }
            ast::TypeExprKind::Optional(inner) => self.type_expr(inner),
        }
    }

    /// What the typed tree says the expression at `span` is.
    fn resolved(&self, span: Span) -> Option<(Symbol, Option<Type>)> {
        for expr in self.exprs.get(&span)? {
            let ty = Some(expr.ty.clone()).filter(|t| !t.is_error());
            let symbol = match &expr.kind {
                hir::ExprKind::Local(id) => {
                    let local = self.locals.get(id.0 as usize)?;
                    Symbol::Local {
                        path: Arc::from(""),
                        decl: local.span,
                        name: local.name.clone(),
                    }
                }
                hir::ExprKind::Param(q) => Symbol::Param(q.clone()),
                hir::ExprKind::Image => Symbol::Image,
                hir::ExprKind::Variant(v) => Symbol::Variant(v.enumeration.clone(), v.name.clone()),
                hir::ExprKind::Field { field, .. } => {
                    Symbol::Field(field.record.clone(), field.name.clone())
                }
                hir::ExprKind::Call { callee, .. } => match callee {
                    hir::Callee::Builtin { name, .. } => Symbol::Builtin(name.clone()),
                    hir::Callee::Fn(q) => Symbol::Fn(q.clone()),
                },
                _ => continue,
            };
            return Some((symbol, ty));
        }
        None
    }

    /// The type of an expression: from the typed tree, else (for a part of an expression that
    /// failed to check) from `image` and field types along a chain of field accesses.
    fn type_of(&self, expr: &ast::Expr) -> Option<Type> {
        if let Some(found) = self
            .exprs
            .get(&expr.span)
            .and_then(|exprs| exprs.iter().find(|e| !e.ty.is_error()))
        {
            return Some(found.ty.clone());
        }
        match &expr.kind {
            ast::ExprKind::Name(ident) if ident.name == "image" => Some(self.scope.image_type()),
            ast::ExprKind::Paren(inner) => self.type_of(inner),
            ast::ExprKind::Field { receiver, name, .. } => {
                self.field_of(receiver, &name.name).map(|(_, ty)| ty)
            }
            _ => None,
        }
    }

    /// The record and type of the field `name` of `receiver`'s record type.
    fn field_of(&self, receiver: &ast::Expr, name: &str) -> Option<(DeclRef, Type)> {
        let base = self.type_of(receiver)?;
        let Type::Record(decl) = base.non_optional() else {
            return None;
        };
        let (_, field) = self.scope.record(decl)?.field(name)?;
        let ty = if base.is_optional() {
            Type::optional(field.ty.clone())
        } else {
            field.ty.clone()
        };
        Some((decl.clone(), ty))
    }

    /// A bare name the typed tree does not record: a module alias, a type name, or `image`
    /// inside an expression that failed to check.
    fn unrecorded_name(&mut self, ident: &ast::Ident) {
        if ident.name == "image" && !self.locals.iter().any(|l| &*l.name == "image") {
            self.push(
                ident.span,
                Symbol::Image,
                false,
                Some(self.scope.image_type()),
            );
        } else if let Some(target) = self.context.imports.get(ident.name.as_str()) {
            self.push(ident.span, Symbol::Module(target.clone()), false, None);
        } else if let Some(Type::Record(decl) | Type::Enum(decl)) =
            self.scope.type_named(self.context, &ident.name)
        {
            self.push(ident.span, Symbol::Type(decl.clone()), false, None);
        }
    }

    fn string(&mut self, lit: &ast::StringLit) {
        for part in &lit.parts {
            if let ast::StringPart::Interpolation { expr, .. } = part {
                self.expr(expr);
            }
        }
    }

    fn generator(&mut self, generator: &ast::Generator) {
        self.expr(&generator.iterable);
        self.binding(&generator.binding);
        if let Some(condition) = &generator.condition {
            self.expr(condition);
        }
    }

    fn record_fields(&mut self, span: Span, fields: &[ast::RecordField]) {
        let record = self.exprs.get(&span).and_then(|exprs| {
            exprs.iter().find_map(|e| match &e.kind {
                hir::ExprKind::Record { record, .. } => Some(record.clone()),
                _ => None,
            })
        });
        for field in fields {
            if let Some(record) = &record {
                let ty = self
                    .scope
                    .record(record)
                    .and_then(|r| r.field(&field.name.name))
                    .map(|(_, f)| f.ty.clone());
                self.push(
                    field.name.span,
                    Symbol::Field(record.clone(), Arc::from(field.name.name.as_str())),
                    false,
                    ty,
                );
            }
            self.expr(&field.value);
        }
    }

    fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ast::ExprKind::Literal(ast::Literal::String(lit)) => self.string(lit),
            ast::ExprKind::Literal(_) | ast::ExprKind::EmptyBraces => {}
            ast::ExprKind::Name(ident) => match self.resolved(expr.span) {
                Some((symbol, ty)) => self.push(ident.span, symbol, false, ty),
                None => self.unrecorded_name(ident),
            },
            ast::ExprKind::Paren(inner) => self.expr(inner),
            ast::ExprKind::Unary { operand, .. } => self.expr(operand),
            ast::ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ast::ExprKind::Field { receiver, name, .. } => {
                if let Some((symbol, ty)) = self.resolved(expr.span) {
                    self.push(name.span, symbol, false, ty);
                } else if let Some((record, ty)) = self.field_of(receiver, &name.name) {
                    // The access failed to check (an error further out dropped it from the
                    // typed tree), but its receiver's type is still known.
                    let symbol = Symbol::Field(record, Arc::from(name.name.as_str()));
                    self.push(name.span, symbol, false, Some(ty));
                }
                self.expr(receiver);
            }
            ast::ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                if let Some((symbol, ty)) = self.resolved(expr.span) {
                    self.push(method.span, symbol, false, ty);
                }
                self.expr(receiver);
                for arg in args {
                    self.expr(arg);
                }
            }
            ast::ExprKind::Index { receiver, index } => {
                self.expr(receiver);
                self.expr(index);
            }
            ast::ExprKind::Call { callee, args } => {
                let resolved = self.resolved(expr.span);
                match &callee.kind {
                    ast::ExprKind::Name(ident) => {
                        if let Some((symbol, ty)) = resolved {
                            self.push(ident.span, symbol, false, ty);
                        }
                    }
                    ast::ExprKind::Field { receiver, name, .. } => {
                        if let Some((symbol, ty)) = resolved {
                            self.push(name.span, symbol, false, ty);
                        }
                        self.expr(receiver);
                    }
                    _ => self.expr(callee),
                }
                for arg in args {
                    self.expr(arg);
                }
            }
            ast::ExprKind::List(items) | ast::ExprKind::Set(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ast::ExprKind::Map(entries) => {
                for entry in entries {
                    self.expr(&entry.key);
                    self.expr(&entry.value);
                }
            }
            ast::ExprKind::Record(fields) | ast::ExprKind::Image { fields, .. } => {
                self.record_fields(expr.span, fields);
            }
            ast::ExprKind::Comprehension {
                element, generator, ..
            } => {
                self.generator(generator);
                self.expr(element);
            }
            ast::ExprKind::Aggregate {
                projection,
                generator,
                ..
            } => {
                self.generator(generator);
                if let Some(projection) = projection {
                    self.expr(projection);
                }
            }
        }
    }
}

/// Calls `f` on every expression of a typed item, outer before inner.
pub(crate) fn walk_hir_item<'a>(kind: &'a hir::ItemKind, f: &mut dyn FnMut(&'a hir::Expr)) {
    match kind {
        hir::ItemKind::Param(p) => walk_hir(&p.default, f),
        hir::ItemKind::Fn(def) => walk_hir(&def.body, f),
        hir::ItemKind::Rule(rule) => {
            for clause in &rule.clauses {
                match clause {
                    hir::Clause::For { iterable: e, .. }
                    | hir::Clause::Let { value: e, .. }
                    | hir::Clause::Where(e)
                    | hir::Clause::Unless(e) => walk_hir(e, f),
                }
            }
            if let Some(message) = &rule.message {
                walk_template(message, f);
            }
        }
        hir::ItemKind::Except(except) => {
            if let Some(condition) = &except.condition {
                walk_hir(condition, f);
            }
        }
        hir::ItemKind::Test(test) => {
            for expect in &test.expects {
                if let hir::TestImage::Literal(e) = &expect.image {
                    walk_hir(e, f);
                }
            }
        }
        hir::ItemKind::Secret(_) => {}
    }
}

fn walk_template<'a>(template: &'a hir::Template, f: &mut dyn FnMut(&'a hir::Expr)) {
    for part in &template.parts {
        if let hir::TemplatePart::Expr(e) = part {
            walk_hir(e, f);
        }
    }
}

fn walk_hir<'a>(expr: &'a hir::Expr, f: &mut dyn FnMut(&'a hir::Expr)) {
    f(expr);
    use hir::ExprKind as K;
    match &expr.kind {
        K::Literal(_) | K::Local(_) | K::Param(_) | K::Image | K::Variant(_) | K::Error => {}
        K::Interpolated(template) => walk_template(template, f),
        K::Field { base, .. } => walk_hir(base, f),
        K::Index { base, index } => {
            walk_hir(base, f);
            walk_hir(index, f);
        }
        K::Call { args, .. } | K::List(args) | K::Set(args) => {
            for arg in args {
                walk_hir(arg, f);
            }
        }
        K::Unary { operand, .. } => walk_hir(operand, f),
        K::Binary { lhs, rhs, .. } => {
            walk_hir(lhs, f);
            walk_hir(rhs, f);
        }
        K::Matches { subject, .. } | K::Glob { subject, .. } => walk_hir(subject, f),
        K::Aggregate {
            source,
            filter,
            value,
            ..
        } => {
            walk_hir(source, f);
            if let Some(filter) = filter {
                walk_hir(filter, f);
            }
            if let Some(value) = value {
                walk_hir(value, f);
            }
        }
        K::Comprehension {
            source,
            filter,
            element,
            ..
        } => {
            walk_hir(source, f);
            if let Some(filter) = filter {
                walk_hir(filter, f);
            }
            walk_hir(element, f);
        }
        K::Map(entries) => {
            for (k, v) in entries {
                walk_hir(k, f);
                walk_hir(v, f);
            }
        }
        K::Record { fields, .. } => {
            for (_, v) in fields {
                walk_hir(v, f);
            }
        }
        K::Coerce { expr, .. } => walk_hir(expr, f),
    }
}
