//! Moves every span of an item by a fixed amount: from offsets relative to the item's chunk to
//! file offsets, to assemble a whole file's tree from its chunks. Chunks are parsed alone so
//! that an item's tree is equal whatever moves around it, which is what lets salsa keep the
//! checks of the items an edit did not touch.

use crate::syntax::ast::*;

/// Adds `base` to every span of `item` (saturating).
pub fn shift_item(item: &mut Item, base: usize) {
    let mut r = Rebase { base };
    r.item(item);
}

/// Adds `base` to the spans of a doc comment (module docs of a chunk).
pub fn shift_doc(doc: &mut Option<Doc>, base: usize) {
    let r = Rebase { base };
    r.doc(doc);
}

struct Rebase {
    base: usize,
}

impl Rebase {
    fn span(&self, span: &mut Span) {
        *span = Span::new(
            span.start.saturating_add(self.base),
            span.end.saturating_add(self.base),
        );
    }

    fn ident(&self, ident: &mut Ident) {
        self.span(&mut ident.span);
    }

    fn path(&self, path: &mut Path) {
        self.span(&mut path.span);
        for segment in &mut path.segments {
            self.ident(segment);
        }
    }

    fn doc(&self, doc: &mut Option<Doc>) {
        if let Some(doc) = doc {
            self.span(&mut doc.span);
            for line in &mut doc.lines {
                self.span(&mut line.span);
            }
        }
    }

    fn attributes(&mut self, attributes: &mut [Attribute]) {
        for attribute in attributes {
            self.span(&mut attribute.span);
            self.ident(&mut attribute.name);
            for arg in &mut attribute.args {
                self.expr(arg);
            }
        }
    }

    fn item(&mut self, item: &mut Item) {
        self.span(&mut item.span);
        self.doc(&mut item.doc);
        self.attributes(&mut item.attributes);
        match &mut item.kind {
            ItemKind::Module(m) => {
                self.span(&mut m.span);
                self.path(&mut m.path);
            }
            ItemKind::Import(i) => {
                self.span(&mut i.span);
                self.path(&mut i.path);
                if let Some(alias) = &mut i.alias {
                    self.ident(alias);
                }
            }
            ItemKind::Param(p) => {
                self.span(&mut p.span);
                self.ident(&mut p.name);
                self.type_expr(&mut p.ty);
                self.expr(&mut p.default);
            }
            ItemKind::Type(t) => {
                self.span(&mut t.span);
                self.ident(&mut t.name);
                for field in &mut t.fields {
                    self.span(&mut field.span);
                    self.doc(&mut field.doc);
                    self.attributes(&mut field.attributes);
                    self.ident(&mut field.name);
                    self.type_expr(&mut field.ty);
                }
            }
            ItemKind::Enum(e) => {
                self.span(&mut e.span);
                self.ident(&mut e.name);
                for variant in &mut e.variants {
                    self.span(&mut variant.span);
                    self.doc(&mut variant.doc);
                    self.attributes(&mut variant.attributes);
                    self.ident(&mut variant.name);
                }
            }
            ItemKind::Fn(f) => {
                self.span(&mut f.span);
                self.ident(&mut f.name);
                for param in &mut f.type_params {
                    self.ident(param);
                }
                for param in &mut f.params {
                    self.span(&mut param.span);
                    self.ident(&mut param.name);
                    self.type_expr(&mut param.ty);
                }
                self.type_expr(&mut f.ret);
                if let Some(body) = &mut f.body {
                    self.expr(body);
                }
            }
            ItemKind::Rule(r) => {
                self.span(&mut r.span);
                self.span(&mut r.action_span);
                self.ident(&mut r.name);
                for clause in &mut r.clauses {
                    self.span(&mut clause.span);
                    self.span(&mut clause.keyword_span);
                    match &mut clause.kind {
                        ClauseKind::For { binding, iterable } => {
                            self.ident(binding);
                            self.expr(iterable);
                        }
                        ClauseKind::Let { name, value } => {
                            self.ident(name);
                            self.expr(value);
                        }
                        ClauseKind::Where(e) | ClauseKind::When(e) | ClauseKind::Unless(e) => {
                            self.expr(e)
                        }
                    }
                }
                if let Some(message) = &mut r.message {
                    self.span(&mut message.span);
                    self.string(&mut message.template);
                }
            }
            ItemKind::Except(e) => {
                self.span(&mut e.span);
                self.path(&mut e.rule);
                if let Some(condition) = &mut e.condition {
                    self.expr(condition);
                }
                if let Some(until) = &mut e.until {
                    self.span(&mut until.span);
                }
                self.string(&mut e.reason);
            }
            ItemKind::Secret(s) => {
                self.span(&mut s.span);
                self.ident(&mut s.name);
                self.string(&mut s.pattern);
            }
            ItemKind::Test(t) => {
                self.span(&mut t.span);
                self.string(&mut t.name);
                for expect in &mut t.expects {
                    self.span(&mut expect.span);
                    self.expr(&mut expect.image);
                    self.span(&mut expect.outcome_span);
                    self.path(&mut expect.rule);
                    if let Some(message) = &mut expect.with_message {
                        self.string(message);
                    }
                    if let Some(times) = &mut expect.times {
                        self.span(&mut times.span);
                    }
                }
            }
            ItemKind::Broken(b) => {
                self.span(&mut b.span);
                if let Some(keyword) = &mut b.keyword {
                    self.ident(keyword);
                }
                if let Some(name) = &mut b.name {
                    self.ident(name);
                }
            }
        }
    }

    fn type_expr(&mut self, ty: &mut TypeExpr) {
        self.span(&mut ty.span);
        match &mut ty.kind {
            TypeExprKind::Named { path, args } => {
                self.path(path);
                for arg in args {
                    self.type_expr(arg);
                }
            }
            TypeExprKind::Optional(inner) => self.type_expr(inner),
        }
    }

    fn string(&mut self, lit: &mut StringLit) {
        self.span(&mut lit.span);
        for part in &mut lit.parts {
            match part {
                StringPart::Text { span, .. } => self.span(span),
                StringPart::Interpolation { span, expr } => {
                    self.span(span);
                    self.expr(expr);
                }
            }
        }
    }

    fn literal(&mut self, literal: &mut Literal) {
        match literal {
            Literal::Int(i) => self.span(&mut i.span),
            Literal::Float(f) => self.span(&mut f.span),
            Literal::Bool(_) | Literal::None => {}
            Literal::String(s) => self.string(s),
            Literal::Date(d) => self.span(&mut d.span),
            Literal::Duration(d) => self.span(&mut d.span),
        }
    }

    fn generator(&mut self, generator: &mut Generator) {
        self.span(&mut generator.span);
        self.ident(&mut generator.binding);
        self.expr(&mut generator.iterable);
        if let Some(condition) = &mut generator.condition {
            self.expr(condition);
        }
    }

    fn fields(&mut self, fields: &mut [RecordField]) {
        for field in fields {
            self.span(&mut field.span);
            self.ident(&mut field.name);
            self.expr(&mut field.value);
        }
    }

    fn expr(&mut self, expr: &mut Expr) {
        self.span(&mut expr.span);
        match &mut expr.kind {
            ExprKind::Literal(literal) => self.literal(literal),
            ExprKind::Name(ident) => self.ident(ident),
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Unary {
                op_span, operand, ..
            } => {
                self.span(op_span);
                self.expr(operand);
            }
            ExprKind::Binary {
                op_span, lhs, rhs, ..
            } => {
                self.span(op_span);
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Field { receiver, name, .. } => {
                self.expr(receiver);
                self.ident(name);
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                self.expr(receiver);
                self.ident(method);
                for arg in args {
                    self.expr(arg);
                }
            }
            ExprKind::Index { receiver, index } => {
                self.expr(receiver);
                self.expr(index);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                for arg in args {
                    self.expr(arg);
                }
            }
            ExprKind::List(elems) | ExprKind::Set(elems) => {
                for elem in elems {
                    self.expr(elem);
                }
            }
            ExprKind::Map(entries) => {
                for entry in entries {
                    self.span(&mut entry.span);
                    self.expr(&mut entry.key);
                    self.expr(&mut entry.value);
                }
            }
            ExprKind::Record(fields) => self.fields(fields),
            ExprKind::EmptyBraces => {}
            ExprKind::Image {
                keyword_span,
                fields,
            } => {
                self.span(keyword_span);
                self.fields(fields);
            }
            ExprKind::Comprehension {
                element, generator, ..
            } => {
                self.expr(element);
                self.generator(generator);
            }
            ExprKind::Aggregate {
                func_span,
                projection,
                generator,
                ..
            } => {
                self.span(func_span);
                if let Some(projection) = projection {
                    self.expr(projection);
                }
                self.generator(generator);
            }
        }
    }
}
