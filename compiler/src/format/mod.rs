//! The formatter: prints a policy file in the canonical layout.
//!
//! Layout: items start in the first column, at most one blank line between them (kept where the
//! author put one); a rule's clauses, a type's fields, a test's expectations and an exception's
//! parts go one per line, indented by 4 spaces; binary operators are spaced; lists, sets, maps
//! and records stay on one line (no trailing comma) unless the author broke them over lines, in
//! which case they get one element per line with a trailing comma. Literals are printed as
//! written. Every `//` comment is kept: a comment that was alone on its line stays on its own
//! line before the code that followed it, a comment after code on the same line stays there.
//!
//! `format(format(x)) == format(x)`, and the formatted text parses to the same tree as `x`
//! (spans aside).

use crate::syntax::ast::*;
use crate::syntax::{SyntaxError, parse};
use std::fmt;

/// Why a file was not formatted: it has syntax errors (formatting would lose text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The syntax errors of the file.
    pub errors: Vec<SyntaxError>,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot format a file with {} syntax error",
            self.errors.len()
        )?;
        if self.errors.len() != 1 {
            write!(f, "s")?;
        }
        if let Some(first) = self.errors.first() {
            write!(f, ": {}", first.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FormatError {}

/// Formats a policy file; refuses a file with syntax errors.
pub fn format(text: &str) -> Result<String, FormatError> {
    let parse = parse(text);
    if !parse.errors.is_empty() {
        return Err(FormatError {
            errors: parse.errors,
        });
    }
    let mut printer = Printer {
        src: text,
        out: String::with_capacity(text.len() + text.len() / 8),
        comments: parse.file.comments.clone(),
        next_comment: 0,
        indent: 0,
        last_end: 0,
    };
    printer.file(&parse.file);
    Ok(printer.out)
}

const INDENT: &str = "    ";

struct Printer<'t> {
    src: &'t str,
    out: String,
    comments: Vec<Comment>,
    next_comment: usize,
    indent: usize,
    /// The end of the last source text printed (code or comment), for blank-line detection.
    last_end: usize,
}

impl Printer<'_> {
    // ----------------------------------------------------------------------------------------
    // Lines, blank lines and comments

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn push_indent(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str(INDENT);
        }
    }

    fn newline(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
    }

    fn src(&self, span: Span) -> &str {
        self.src.get(span.range()).unwrap_or_default()
    }

    /// Whether the author left a blank line between the last printed text and `pos`.
    fn blank_gap(&self, pos: usize) -> bool {
        let gap = self.src.get(self.last_end..pos).unwrap_or_default();
        let mut newlines = 0;
        for c in gap.chars() {
            if c == '\n' {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            } else if !c.is_whitespace() {
                newlines = 0;
            }
        }
        false
    }

    fn at_block_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with("{\n") || self.out.ends_with("[\n")
    }

    fn blank_line_if_gap(&mut self, pos: usize) {
        if self.blank_gap(pos) && !self.at_block_start() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Prints, each on its own line, the comments that start before `pos`.
    fn comments_before(&mut self, pos: usize) {
        while let Some(comment) = self.comments.get(self.next_comment).cloned() {
            if comment.span.start >= pos {
                break;
            }
            self.blank_line_if_gap(comment.span.start);
            self.push_indent();
            self.push("//");
            self.push(&comment.text);
            self.newline();
            self.last_end = self.last_end.max(comment.span.end);
            self.next_comment += 1;
        }
    }

    /// Starts a line for code that starts at `pos`.
    fn begin_line(&mut self, pos: usize) {
        self.comments_before(pos);
        self.blank_line_if_gap(pos);
        self.push_indent();
    }

    /// Ends a line whose code ends at `end`, keeping a comment that followed it on that line.
    fn end_line(&mut self, end: usize) {
        self.last_end = self.last_end.max(end);
        if let Some(comment) = self.comments.get(self.next_comment).cloned() {
            let between = self.src.get(end..comment.span.start).unwrap_or("\n");
            if comment.span.start >= end && !between.contains('\n') {
                self.push(" //");
                self.push(&comment.text);
                self.last_end = comment.span.end;
                self.next_comment += 1;
            }
        }
        self.newline();
    }

    /// Starts the line of a closing brace: comments before it are indented one level deeper.
    fn close_block(&mut self, end: usize, close: &str) {
        self.indent += 1;
        self.comments_before(end.saturating_sub(1));
        self.indent -= 1;
        self.push_indent();
        self.push(close);
    }

    // ----------------------------------------------------------------------------------------
    // Items

    fn file(&mut self, file: &File) {
        if let Some(doc) = &file.module_doc {
            self.doc(doc, "//!");
        }
        for item in &file.items {
            self.item(item);
        }
        self.comments_before(usize::MAX);
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn doc(&mut self, doc: &Doc, marker: &str) {
        for line in &doc.lines {
            self.begin_line(line.span.start);
            self.push(marker);
            if !line.text.is_empty() {
                self.push(" ");
                self.push(&line.text);
            }
            self.end_line(line.span.end);
        }
    }

    fn header(&mut self, doc: Option<&Doc>, attributes: &[Attribute]) {
        if let Some(doc) = doc {
            self.doc(doc, "///");
        }
        for attribute in attributes {
            self.begin_line(attribute.span.start);
            self.push("@");
            self.push(&attribute.name.name);
            if !attribute.args.is_empty() {
                self.push("(");
                self.exprs(&attribute.args, ", ");
                self.push(")");
            }
            self.end_line(attribute.span.end);
        }
    }

    fn item(&mut self, item: &Item) {
        self.header(item.doc.as_ref(), &item.attributes);
        match &item.kind {
            ItemKind::Module(m) => {
                self.begin_line(m.span.start);
                self.push("module ");
                self.push(&m.path.dotted());
                self.end_line(m.span.end);
            }
            ItemKind::Import(i) => {
                self.begin_line(i.span.start);
                self.push("import ");
                self.push(&i.path.dotted());
                if let Some(alias) = &i.alias {
                    self.push(" as ");
                    self.push(&alias.name);
                }
                self.end_line(i.span.end);
            }
            ItemKind::Param(p) => {
                self.begin_line(p.span.start);
                self.push("param ");
                self.push(&p.name.name);
                self.push(": ");
                self.type_expr(&p.ty);
                self.push(" = ");
                self.expr(&p.default);
                self.end_line(p.span.end);
            }
            ItemKind::Type(t) => self.type_decl(t),
            ItemKind::Enum(e) => self.enum_decl(e),
            ItemKind::Fn(f) => self.fn_decl(f),
            ItemKind::Rule(r) => self.rule(r),
            ItemKind::Except(e) => self.except(e),
            ItemKind::Secret(s) => {
                self.begin_line(s.span.start);
                self.push("secret ");
                self.push(&s.name.name);
                self.push(" = ");
                self.string_lit(&s.pattern);
                self.end_line(s.span.end);
            }
            ItemKind::Test(t) => self.test(t),
            ItemKind::Broken(b) => {
                // Unreachable: files with errors are refused. Print the text unchanged.
                self.begin_line(b.span.start);
                let text = self.src(b.span).to_owned();
                self.push(&text);
                self.end_line(b.span.end);
            }
        }
    }

    fn type_decl(&mut self, t: &TypeDecl) {
        self.begin_line(t.span.start);
        self.push("type ");
        self.push(&t.name.name);
        if t.fields.is_empty() && !self.has_comment_in(t.span) {
            self.push(" {}");
            self.end_line(t.span.end);
            return;
        }
        self.push(" {");
        self.end_line(t.name.span.end);
        self.indent += 1;
        for field in &t.fields {
            self.header(field.doc.as_ref(), &field.attributes);
            self.begin_line(field.name.span.start);
            self.push(&field.name.name);
            self.push(": ");
            self.type_expr(&field.ty);
            self.end_line(field.span.end);
        }
        self.indent -= 1;
        self.close_block(t.span.end, "}");
        self.end_line(t.span.end);
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments.iter().any(|c| span.contains(c.span.start))
    }

    fn enum_decl(&mut self, e: &EnumDecl) {
        self.begin_line(e.span.start);
        self.push("enum ");
        self.push(&e.name.name);
        let multiline = self.src(e.span).contains('\n')
            || e.variants
                .iter()
                .any(|v| v.doc.is_some() || !v.attributes.is_empty());
        if e.variants.is_empty() && !self.has_comment_in(e.span) {
            self.push(" {}");
            self.end_line(e.span.end);
            return;
        }
        if !multiline {
            self.push(" { ");
            let names: Vec<&str> = e.variants.iter().map(|v| v.name.name.as_str()).collect();
            self.push(&names.join(", "));
            self.push(" }");
            self.end_line(e.span.end);
            return;
        }
        self.push(" {");
        self.end_line(e.name.span.end);
        self.indent += 1;
        for variant in &e.variants {
            self.header(variant.doc.as_ref(), &variant.attributes);
            self.begin_line(variant.name.span.start);
            self.push(&variant.name.name);
            self.push(",");
            self.end_line(variant.name.span.end);
        }
        self.indent -= 1;
        self.close_block(e.span.end, "}");
        self.end_line(e.span.end);
    }

    fn fn_decl(&mut self, f: &FnDecl) {
        self.begin_line(f.span.start);
        if f.builtin {
            self.push("builtin ");
        }
        self.push("fn ");
        self.push(&f.name.name);
        if !f.type_params.is_empty() {
            let names: Vec<&str> = f.type_params.iter().map(|p| p.name.as_str()).collect();
            self.push("<");
            self.push(&names.join(", "));
            self.push(">");
        }
        self.push("(");
        for (i, param) in f.params.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(&param.name.name);
            self.push(": ");
            self.type_expr(&param.ty);
        }
        self.push(") -> ");
        self.type_expr(&f.ret);
        if let Some(body) = &f.body {
            self.push(" = ");
            self.expr(body);
        }
        self.end_line(f.span.end);
    }

    fn rule(&mut self, r: &Rule) {
        self.begin_line(r.span.start);
        self.push(r.action.keyword());
        self.push(" ");
        self.push(&r.name.name);
        self.end_line(r.name.span.end);
        self.indent += 1;
        for clause in &r.clauses {
            self.begin_line(clause.span.start);
            match &clause.kind {
                ClauseKind::For { binding, iterable } => {
                    self.push("for ");
                    self.push(&binding.name);
                    self.push(" in ");
                    self.expr(iterable);
                }
                ClauseKind::Let { name, value } => {
                    self.push("let ");
                    self.push(&name.name);
                    self.push(" = ");
                    self.expr(value);
                }
                ClauseKind::Where(e) => {
                    self.push("where ");
                    self.expr(e);
                }
                ClauseKind::When(e) => {
                    self.push("when ");
                    self.expr(e);
                }
                ClauseKind::Unless(e) => {
                    self.push("unless ");
                    self.expr(e);
                }
            }
            self.end_line(clause.span.end);
        }
        if let Some(message) = &r.message {
            self.begin_line(message.span.start);
            self.push("message ");
            self.string_lit(&message.template);
            self.end_line(message.span.end);
        }
        self.indent -= 1;
    }

    fn except(&mut self, e: &Except) {
        self.begin_line(e.span.start);
        self.push("except ");
        self.push(&e.rule.dotted());
        self.end_line(e.rule.span.end);
        self.indent += 1;
        if let Some(condition) = &e.condition {
            self.begin_line(condition.span.start);
            self.push("where ");
            self.expr(condition);
            self.end_line(condition.span.end);
        }
        if let Some(until) = &e.until {
            self.begin_line(until.span.start);
            self.push("until ");
            let text = self.src(until.span).to_owned();
            self.push(&text);
            self.end_line(until.span.end);
        }
        self.begin_line(e.reason.span.start);
        self.push("because ");
        self.string_lit(&e.reason);
        self.end_line(e.reason.span.end);
        self.indent -= 1;
    }

    fn test(&mut self, t: &Test) {
        self.begin_line(t.span.start);
        self.push("test ");
        self.string_lit(&t.name);
        if t.expects.is_empty() && !self.has_comment_in(t.span) {
            self.push(" {}");
            self.end_line(t.span.end);
            return;
        }
        self.push(" {");
        self.end_line(t.name.span.end);
        self.indent += 1;
        for expect in &t.expects {
            self.begin_line(expect.span.start);
            self.push("expect ");
            self.expr(&expect.image);
            self.push(" ");
            self.push(expect.outcome.keyword());
            self.push(" ");
            self.push(&expect.rule.dotted());
            if let Some(message) = &expect.with_message {
                self.push(" with message ");
                self.string_lit(message);
            }
            if let Some(times) = &expect.times {
                self.push(" times ");
                let text = self.src(times.span).to_owned();
                self.push(&text);
            }
            self.end_line(expect.span.end);
        }
        self.indent -= 1;
        self.close_block(t.span.end, "}");
        self.end_line(t.span.end);
    }

    // ----------------------------------------------------------------------------------------
    // Types and expressions

    fn type_expr(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeExprKind::Named { path, args } => {
                self.push(&path.dotted());
                if !args.is_empty() {
                    self.push("<");
                    for (i, arg) in args.iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        self.type_expr(arg);
                    }
                    self.push(">");
                }
            }
            TypeExprKind::Optional(inner) => {
                self.type_expr(inner);
                self.push("?");
            }
        }
    }

    fn string_lit(&mut self, s: &StringLit) {
        let text = self.src(s.span).to_owned();
        self.push(&text);
    }

    fn exprs(&mut self, exprs: &[Expr], separator: &str) {
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                self.push(separator);
            }
            self.expr(e);
        }
    }

    fn generator(&mut self, g: &Generator) {
        self.push(&g.binding.name);
        self.push(" in ");
        self.expr(&g.iterable);
        if let Some(condition) = &g.condition {
            self.push(" where ");
            self.expr(condition);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Literal(_) => {
                let text = self.src(e.span).to_owned();
                self.push(&text);
            }
            ExprKind::Name(name) => self.push(&name.name),
            ExprKind::Paren(inner) => {
                self.push("(");
                self.expr(inner);
                self.push(")");
            }
            ExprKind::Unary { op, operand, .. } => {
                self.push(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "not ",
                });
                self.expr(operand);
            }
            ExprKind::Binary { op, lhs, rhs, .. } => {
                self.expr(lhs);
                self.push(" ");
                self.push(op.symbol());
                self.push(" ");
                self.expr(rhs);
            }
            ExprKind::Field {
                receiver,
                name,
                optional,
            } => {
                self.expr(receiver);
                self.push(if *optional { "?." } else { "." });
                self.push(&name.name);
            }
            ExprKind::MethodCall {
                receiver,
                method,
                optional,
                args,
            } => {
                self.expr(receiver);
                self.push(if *optional { "?." } else { "." });
                self.push(&method.name);
                self.push("(");
                self.exprs(args, ", ");
                self.push(")");
            }
            ExprKind::Index { receiver, index } => {
                self.expr(receiver);
                self.push("[");
                self.expr(index);
                self.push("]");
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                self.push("(");
                self.exprs(args, ", ");
                self.push(")");
            }
            ExprKind::List(elements) => {
                let elements: Vec<Element<'_>> = elements.iter().map(Element::Expr).collect();
                self.collection(e.span, "[", "]", false, &elements);
            }
            ExprKind::Set(elements) => {
                let elements: Vec<Element<'_>> = elements.iter().map(Element::Expr).collect();
                self.collection(e.span, "{", "}", false, &elements);
            }
            ExprKind::Map(entries) => {
                let elements: Vec<Element<'_>> = entries.iter().map(Element::Entry).collect();
                self.collection(e.span, "{", "}", false, &elements);
            }
            ExprKind::Record(fields) => {
                let elements: Vec<Element<'_>> = fields.iter().map(Element::Field).collect();
                self.collection(e.span, "{", "}", true, &elements);
            }
            ExprKind::EmptyBraces => self.push("{}"),
            ExprKind::Image {
                keyword_span,
                fields,
            } => {
                self.push("image ");
                let elements: Vec<Element<'_>> = fields.iter().map(Element::Field).collect();
                let braces = Span::new(keyword_span.end, e.span.end);
                self.collection(braces, "{", "}", true, &elements);
            }
            ExprKind::Comprehension {
                kind,
                element,
                generator,
            } => {
                let (open, close) = match kind {
                    ComprehensionKind::List => ("[", "]"),
                    ComprehensionKind::Set => ("{", "}"),
                };
                self.push(open);
                self.expr(element);
                self.push(" for ");
                self.generator(generator);
                self.push(close);
            }
            ExprKind::Aggregate {
                func,
                projection,
                generator,
                ..
            } => {
                self.push(func.name());
                self.push("(");
                if let Some(projection) = projection {
                    self.expr(projection);
                    self.push(" for ");
                }
                self.generator(generator);
                self.push(")");
            }
        }
    }

    fn element(&mut self, element: &Element<'_>) {
        match element {
            Element::Expr(e) => self.expr(e),
            Element::Entry(entry) => {
                self.expr(&entry.key);
                self.push(": ");
                self.expr(&entry.value);
            }
            Element::Field(field) => {
                self.push(&field.name.name);
                self.push(": ");
                self.expr(&field.value);
            }
        }
    }

    /// A bracketed collection: on one line, or one element per line (with a trailing comma)
    /// when the author wrote it over several lines.
    fn collection(
        &mut self,
        span: Span,
        open: &str,
        close: &str,
        spaced: bool,
        elements: &[Element<'_>],
    ) {
        if elements.is_empty() {
            self.push(open);
            self.push(close);
            return;
        }
        if !self.src(span).contains('\n') {
            self.push(open);
            if spaced {
                self.push(" ");
            }
            for (i, element) in elements.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.element(element);
            }
            if spaced {
                self.push(" ");
            }
            self.push(close);
            return;
        }
        self.push(open);
        self.newline();
        self.indent += 1;
        for element in elements {
            let element_span = element.span();
            self.begin_line(element_span.start);
            self.element(element);
            self.push(",");
            self.end_line(element_span.end);
        }
        self.indent -= 1;
        self.close_block(span.end, close);
        self.last_end = self.last_end.max(span.end);
    }
}

/// One element of a collection literal.
enum Element<'a> {
    Expr(&'a Expr),
    Entry(&'a MapEntry),
    Field(&'a RecordField),
}

impl Element<'_> {
    fn span(&self) -> Span {
        match self {
            Element::Expr(e) => e.span,
            Element::Entry(entry) => entry.span,
            Element::Field(field) => field.span,
        }
    }
}
