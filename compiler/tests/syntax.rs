//! Parser tests: every `tests/data/syntax/*.tg` file is parsed and its syntax errors compared
//! with the file's annotations; spans are checked against the text they cover; precedence and
//! recovery are checked on hand-written inputs.
//!
//! Annotation format: `//~ CODE` (or `//~ CODE: exact message`) at the end of the line where the
//! error starts. A file without annotations must parse with no error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the point.

use std::path::PathBuf;
use tollgate_compiler::syntax::ast::*;
use tollgate_compiler::syntax::codes::SYNTAX_CODES;
use tollgate_compiler::syntax::{Parse, parse};

fn data_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/syntax")
}

fn data_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tg"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the syntax test data is missing");
    files
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// `(line, code, message)` for every `//~` annotation.
fn annotations(text: &str) -> Vec<(usize, String, Option<String>)> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for annotation in line.split("//~").skip(1) {
            let annotation = annotation.trim();
            let (code, message) = match annotation.split_once(':') {
                Some((code, message)) => (code.trim(), Some(message.trim().to_owned())),
                None => (annotation, None),
            };
            out.push((index + 1, code.to_owned(), message));
        }
    }
    out
}

#[test]
fn data_files_give_exactly_the_annotated_errors() {
    let mut failures = Vec::new();
    for path in data_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let parse = parse(&text);
        let mut expected = annotations(&text);
        let mut unexpected = Vec::new();
        for error in &parse.errors {
            let line = line_of(&text, error.span.start);
            let position = expected.iter().position(|(l, code, message)| {
                *l == line
                    && code == error.code
                    && message.as_ref().is_none_or(|m| *m == error.message)
            });
            match position {
                Some(i) => {
                    expected.remove(i);
                }
                None => unexpected.push(format!(
                    "{}:{line}: unexpected {} {}",
                    path.display(),
                    error.code,
                    error.message
                )),
            }
        }
        failures.extend(unexpected);
        for (line, code, message) in expected {
            failures.push(format!(
                "{}:{line}: missing {code} {}",
                path.display(),
                message.unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_syntax_code_is_produced_by_a_data_file() {
    let mut all_text = String::new();
    for path in data_files() {
        all_text.push_str(&std::fs::read_to_string(path).unwrap());
    }
    for (code, title, explanation) in SYNTAX_CODES {
        assert!(
            all_text.contains(&format!("//~ {code}")),
            "no data file produces {code}"
        );
        assert!(
            !title.is_empty() && explanation.len() > 80,
            "{code} lacks an explanation"
        );
    }
}

#[test]
fn design_example_parses_with_no_error() {
    let text = std::fs::read_to_string(data_dir().join("design_example.tg")).unwrap();
    let parse = parse(&text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let names: Vec<String> = parse.file.items.iter().map(item_name).collect();
    assert_eq!(
        names,
        [
            "import std.vulns",
            "param max_fixable",
            "param allowed_ports",
            "deny fixable_vulns",
            "deny root_user",
            "warn unexpected_ports",
            "deny too_many_highs",
            "secret acme_token",
            "deny leaked_secrets",
            "except fixable_vulns",
            "fn is_shell",
            "test root is denied, nobody passes",
        ]
    );
    let ItemKind::Rule(rule) = &parse.file.items[3].kind else {
        panic!("not a rule")
    };
    assert_eq!(parse.file.items[3].attributes.len(), 2);
    assert_eq!(
        parse.file.items[3].doc.as_ref().unwrap().text(),
        "Fixable vulnerabilities above the threshold must be patched before release."
    );
    assert_eq!(rule.clauses.len(), 2);
    let template = &rule.message.as_ref().unwrap().template;
    let interpolations = template
        .parts
        .iter()
        .filter(|p| matches!(p, StringPart::Interpolation { .. }))
        .count();
    assert_eq!(interpolations, 5);
    assert_eq!(
        parse.file.module_doc.as_ref().unwrap().text(),
        "Production admission policy for ACME images."
    );
}

fn item_name(item: &Item) -> String {
    match &item.kind {
        ItemKind::Module(m) => format!("module {}", m.path.dotted()),
        ItemKind::Import(i) => format!("import {}", i.path.dotted()),
        ItemKind::Param(p) => format!("param {}", p.name.name),
        ItemKind::Type(t) => format!("type {}", t.name.name),
        ItemKind::Enum(e) => format!("enum {}", e.name.name),
        ItemKind::Fn(f) => format!("fn {}", f.name.name),
        ItemKind::Rule(r) => format!("{} {}", r.action.keyword(), r.name.name),
        ItemKind::Except(e) => format!("except {}", e.rule.dotted()),
        ItemKind::Secret(s) => format!("secret {}", s.name.name),
        ItemKind::Test(t) => format!("test {}", t.name.as_plain().unwrap()),
        ItemKind::Broken(b) => format!(
            "broken {} {}",
            b.keyword.as_ref().map_or("?", |k| k.name.as_str()),
            b.name.as_ref().map_or("?", |n| n.name.as_str())
        ),
    }
}

#[test]
fn ten_broken_items_give_ten_errors_and_the_good_items_survive() {
    let text = std::fs::read_to_string(data_dir().join("ten_broken_items.tg")).unwrap();
    let parse = parse(&text);
    assert_eq!(parse.errors.len(), 10, "{:#?}", parse.errors);
    let names: Vec<String> = parse.file.items.iter().map(item_name).collect();
    let good: Vec<&String> = names.iter().filter(|n| !n.starts_with("broken")).collect();
    assert_eq!(
        good,
        [
            "deny good_first",
            "param good_param",
            "deny good_middle",
            "except good_first",
            "deny good_last"
        ]
    );
    // Each broken item keeps its keyword and name, so references to it do not cascade.
    let broken: Vec<&String> = names.iter().filter(|n| n.starts_with("broken")).collect();
    assert!(
        broken.contains(&&"broken deny typo_in_clause".to_owned()),
        "{broken:?}"
    );
    assert!(
        broken.contains(&&"broken fn missing_colon".to_owned()),
        "{broken:?}"
    );
}

#[test]
fn error_messages_say_what_was_expected_in_words() {
    let cases = [
        (
            "deny r\n    where a > 1\n    mesage \"x\"\n",
            "expected `message` or a clause, found `mesage`",
        ),
        ("param p: int 5\n", "expected `=`, found `5`"),
        ("deny r for x of xs\n", "expected `in`, found `of`"),
        (
            "deny r where a ==\ndeny s\n",
            "expected an expression, found end of item",
        ),
        (
            "deny r where a ==",
            "expected an expression, found end of file",
        ),
        ("enum E { A B }\n", "expected `,` or `}`, found `B`"),
        (
            "test \"t\" { expect image {} deniez r }\n",
            "expected `denies`, `warns` or `passes`, found `deniez`",
        ),
        ("deny let\n", "expected a name, found `let`"),
    ];
    for (text, message) in cases {
        let parse = parse(text);
        assert_eq!(parse.errors.len(), 1, "{text:?}: {:?}", parse.errors);
        assert_eq!(parse.errors[0].message, message, "{text:?}");
        assert_eq!(parse.errors[0].code, "TG0001");
    }
    // The premature end is reported right after the last token, not at the next item.
    let parse = parse("deny r where a ==\n\n// note\ndeny s\n");
    assert_eq!(parse.errors[0].span, Span::new(17, 17));
}

/// Renders an expression fully parenthesized, to check precedence and associativity.
fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Literal(Literal::Int(i)) => i.value.to_string(),
        ExprKind::Literal(Literal::None) => "none".to_owned(),
        ExprKind::Paren(inner) => sexp(inner),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
            ..
        } => format!("(- {})", sexp(operand)),
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
            ..
        } => format!("(not {})", sexp(operand)),
        ExprKind::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
        ExprKind::Field {
            receiver,
            name,
            optional,
        } => {
            format!(
                "{}{}{}",
                sexp(receiver),
                if *optional { "?." } else { "." },
                name.name
            )
        }
        ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } => {
            let args: Vec<String> = args.iter().map(sexp).collect();
            format!("{}.{}({})", sexp(receiver), method.name, args.join(", "))
        }
        ExprKind::Index { receiver, index } => format!("{}[{}]", sexp(receiver), sexp(index)),
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args.iter().map(sexp).collect();
            format!("{}({})", sexp(callee), args.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn where_expr(source: &str) -> Expr {
    let parse = parse(&format!("deny r where {source}\n"));
    assert!(parse.errors.is_empty(), "{source}: {:?}", parse.errors);
    let ItemKind::Rule(rule) = &parse.file.items[0].kind else {
        panic!("not a rule")
    };
    let ClauseKind::Where(e) = &rule.clauses[0].kind else {
        panic!("not a where")
    };
    e.clone()
}

#[test]
fn operators_bind_as_the_contract_lists() {
    let cases = [
        ("a ?? b or c", "(?? a (or b c))"),
        ("a ?? b ?? c", "(?? a (?? b c))"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a == b", "(not (== a b))"),
        ("not not a", "(not (not a))"),
        ("a == b + c", "(== a (+ b c))"),
        ("a not in b or c in d", "(or (not in a b) (in c d))"),
        ("a matches b and c glob d", "(and (matches a b) (glob c d))"),
        ("a + b * c - d", "(- (+ a (* b c)) d)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a * b / c % d", "(% (/ (* a b) c) d)"),
        ("-a * b", "(* (- a) b)"),
        ("- -a.b", "(- (- a.b))"),
        ("-a.b[c](d)", "(- a.b[c](d))"),
        ("a?.b.c(d) != none", "(!= a?.b.c(d) none)"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("a ?? 1 + 2 > 3 and b", "(?? a (and (> (+ 1 2) 3) b))"),
    ];
    for (source, expected) in cases {
        assert_eq!(sexp(&where_expr(source)), expected, "{source}");
    }
}

#[test]
fn chained_comparisons_are_rejected() {
    let parse = parse("deny r where a < b < c\n");
    assert_eq!(parse.errors.len(), 1);
    assert_eq!(parse.errors[0].code, "TG0007");
    assert_eq!(&"deny r where a < b < c"[parse.errors[0].span.range()], "<");
    assert_eq!(parse.errors[0].span.start, 19);
}

#[test]
fn literals_decode() {
    let Literal::String(s) = literal(r#""a\tb \"q\" \u{1F600} {{x}} {y}""#) else {
        panic!()
    };
    assert!(!s.raw);
    assert_eq!(s.parts.len(), 2);
    let StringPart::Text { value, .. } = &s.parts[0] else {
        panic!()
    };
    assert_eq!(value, "a\tb \"q\" \u{1F600} {x} ");
    let StringPart::Interpolation { expr, span } = &s.parts[1] else {
        panic!()
    };
    assert_eq!(sexp(expr), "y");
    assert_eq!(span.len(), 3);
    let Literal::String(s) = literal(r###"r#"^a"b\d+$"#"###) else {
        panic!()
    };
    assert!(s.raw);
    assert_eq!(s.as_plain().unwrap(), r#"^a"b\d+$"#);
    assert_eq!(
        literal("\"\""),
        Literal::String(StringLit {
            span: Span::new(13, 15),
            raw: false,
            parts: vec![]
        })
    );
    let Literal::Duration(d) = literal("1h30m") else {
        panic!()
    };
    assert_eq!(d.seconds, 5400);
    let Literal::Duration(d) = literal("2w") else {
        panic!()
    };
    assert_eq!(d.seconds, 14 * 86_400);
    let Literal::Date(d) = literal("2024-02-29") else {
        panic!()
    };
    assert_eq!((d.year, d.month, d.day), (2024, 2, 29));
    let Literal::Int(i) = literal("1_000") else {
        panic!()
    };
    assert_eq!(i.value, 1000);
    let Literal::Float(f) = literal("2.5e3") else {
        panic!()
    };
    assert!((f.value() - 2500.0).abs() < f64::EPSILON);
    assert_eq!(literal("true"), Literal::Bool(true));
    assert_eq!(literal("none"), Literal::None);
}

fn literal(source: &str) -> Literal {
    match where_expr(source).kind {
        ExprKind::Literal(l) => l,
        other => panic!("{source}: {other:?}"),
    }
}

#[test]
fn collection_literals_take_the_right_shape() {
    let shape = |source: &str| match where_expr(source).kind {
        ExprKind::List(_) => "list",
        ExprKind::Set(_) => "set",
        ExprKind::Map(_) => "map",
        ExprKind::Record(_) => "record",
        ExprKind::EmptyBraces => "empty",
        ExprKind::Image { .. } => "image",
        ExprKind::Comprehension {
            kind: ComprehensionKind::List,
            ..
        } => "list comprehension",
        ExprKind::Comprehension {
            kind: ComprehensionKind::Set,
            ..
        } => "set comprehension",
        ExprKind::Aggregate {
            projection: None, ..
        } => "aggregate",
        ExprKind::Aggregate {
            projection: Some(_),
            ..
        } => "projected aggregate",
        ExprKind::Call { .. } => "call",
        _ => "other",
    };
    assert_eq!(shape("[1, 2,]"), "list");
    assert_eq!(shape("{1, 2}"), "set");
    assert_eq!(shape("{x}"), "set");
    assert_eq!(shape("{\"k\": 1, \"l\": 2}"), "map");
    assert_eq!(shape("{ a: 1, type: 2 }"), "record");
    assert_eq!(shape("{}"), "empty");
    assert_eq!(shape("image { config: { user: \"root\" } }"), "image");
    assert_eq!(
        shape("[x.name for x in xs where x.size > 1]"),
        "list comprehension"
    );
    assert_eq!(shape("{x for x in xs}"), "set comprehension");
    assert_eq!(shape("count(x in xs where x.size > 1)"), "aggregate");
    assert_eq!(shape("any(x in xs)"), "aggregate");
    assert_eq!(
        shape("sum(x.size for x in xs where x.ok)"),
        "projected aggregate"
    );
    assert_eq!(shape("max(x.size for x in xs)"), "projected aggregate");
    assert_eq!(shape("count(xs)"), "call");
    assert_eq!(shape("min(a, b)"), "call");
    // `image` alone is the facts root, an ordinary name.
    assert_eq!(sexp(&where_expr("image.config.user")), "image.config.user");
}

// --------------------------------------------------------------------------------------------
// Spans: every identifier, path, operator and literal span covers exactly its text.

struct SpanChecker<'t> {
    text: &'t str,
    checked: usize,
}

impl SpanChecker<'_> {
    fn at(&self, span: Span) -> &str {
        assert!(
            span.start <= span.end && span.end <= self.text.len(),
            "span {span:?} out of the file"
        );
        &self.text[span.range()]
    }

    fn ident(&mut self, ident: &Ident) {
        assert_eq!(self.at(ident.span), ident.name);
        self.checked += 1;
    }

    fn path(&mut self, path: &Path) {
        for s in &path.segments {
            self.ident(s);
        }
        let text: String = self
            .at(path.span)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert_eq!(text, path.dotted());
    }

    fn ty(&mut self, ty: &TypeExpr) {
        let text = self.at(ty.span).to_owned();
        match &ty.kind {
            TypeExprKind::Named { path, args } => {
                self.path(path);
                assert!(text.starts_with(&path.segments[0].name), "{text}");
                for a in args {
                    self.ty(a);
                }
            }
            TypeExprKind::Optional(inner) => {
                assert!(text.ends_with('?'), "{text}");
                self.ty(inner);
            }
        }
    }

    fn string(&mut self, s: &StringLit) {
        let text = self.at(s.span).to_owned();
        assert!(
            if s.raw {
                text.starts_with('r')
            } else {
                text.starts_with('"') && text.ends_with('"')
            },
            "{text}"
        );
        for part in &s.parts {
            match part {
                StringPart::Text { span, .. } => {
                    assert!(s.span.start < span.start && span.end < s.span.end)
                }
                StringPart::Interpolation { span, expr } => {
                    let inner = self.at(*span);
                    assert!(inner.starts_with('{') && inner.ends_with('}'), "{inner}");
                    self.expr(expr);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        let text = self.at(e.span).to_owned();
        assert_eq!(
            text.trim(),
            text,
            "expression span has surrounding space: {text:?}"
        );
        self.checked += 1;
        match &e.kind {
            ExprKind::Literal(Literal::String(s)) => {
                assert_eq!(s.span, e.span);
                self.string(s);
            }
            ExprKind::Literal(_) => {}
            ExprKind::Name(n) => {
                assert_eq!(n.span, e.span);
                self.ident(n);
            }
            ExprKind::Paren(inner) => {
                assert!(text.starts_with('(') && text.ends_with(')'));
                self.expr(inner);
            }
            ExprKind::Unary {
                op_span,
                operand,
                op,
            } => {
                assert_eq!(
                    self.at(*op_span),
                    if *op == UnaryOp::Neg { "-" } else { "not" }
                );
                assert_eq!(op_span.start, e.span.start);
                assert_eq!(operand.span.end, e.span.end);
                self.expr(operand);
            }
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let op_text: Vec<&str> = self.at(*op_span).split_whitespace().collect();
                assert_eq!(op_text.join(" "), op.symbol());
                assert_eq!((lhs.span.start, rhs.span.end), (e.span.start, e.span.end));
                assert!(lhs.span.end <= op_span.start && op_span.end <= rhs.span.start);
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Field { receiver, name, .. } => {
                assert_eq!(name.span.end, e.span.end);
                self.expr(receiver);
                self.ident(name);
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                assert!(text.ends_with(')'));
                self.expr(receiver);
                self.ident(method);
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::Index { receiver, index } => {
                self.expr(receiver);
                self.expr(index);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::List(xs) | ExprKind::Set(xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::Map(entries) => {
                for entry in entries {
                    assert_eq!(
                        (entry.span.start, entry.span.end),
                        (entry.key.span.start, entry.value.span.end)
                    );
                    self.expr(&entry.key);
                    self.expr(&entry.value);
                }
            }
            ExprKind::Record(fields) | ExprKind::Image { fields, .. } => {
                if let ExprKind::Image { keyword_span, .. } = &e.kind {
                    assert_eq!(self.at(*keyword_span), "image");
                }
                for field in fields {
                    assert_eq!(
                        (field.span.start, field.span.end),
                        (field.name.span.start, field.value.span.end)
                    );
                    self.ident(&field.name);
                    self.expr(&field.value);
                }
            }
            ExprKind::EmptyBraces => assert_eq!(text, "{}"),
            ExprKind::Comprehension {
                element, generator, ..
            } => {
                self.expr(element);
                self.generator(generator);
            }
            ExprKind::Aggregate {
                func,
                func_span,
                projection,
                generator,
            } => {
                assert_eq!(self.at(*func_span), func.name());
                if let Some(p) = projection {
                    self.expr(p);
                }
                self.generator(generator);
            }
        }
    }

    fn generator(&mut self, g: &Generator) {
        self.ident(&g.binding);
        assert_eq!(g.span.start, g.binding.span.start);
        self.expr(&g.iterable);
        if let Some(c) = &g.condition {
            assert_eq!(g.span.end, c.span.end);
            self.expr(c);
        } else {
            assert_eq!(g.span.end, g.iterable.span.end);
        }
    }

    fn item(&mut self, item: &Item) {
        let text = self.at(item.span).to_owned();
        assert_eq!(text.trim_end(), text);
        if let Some(doc) = &item.doc {
            assert_eq!(item.span.start, doc.span.start);
            for line in &doc.lines {
                assert!(self.at(line.span).starts_with("///"));
            }
        }
        for a in &item.attributes {
            assert!(self.at(a.span).starts_with('@'));
            self.ident(&a.name);
            a.args.iter().for_each(|x| self.expr(x));
        }
        match &item.kind {
            ItemKind::Module(m) => self.path(&m.path),
            ItemKind::Import(i) => {
                self.path(&i.path);
                if let Some(a) = &i.alias {
                    self.ident(a);
                }
            }
            ItemKind::Param(p) => {
                self.ident(&p.name);
                self.ty(&p.ty);
                self.expr(&p.default);
                assert_eq!(p.span.end, p.default.span.end);
            }
            ItemKind::Type(t) => {
                self.ident(&t.name);
                assert!(self.at(t.span).ends_with('}'));
                for f in &t.fields {
                    self.ident(&f.name);
                    self.ty(&f.ty);
                    assert_eq!(f.span.end, f.ty.span.end);
                }
            }
            ItemKind::Enum(e) => {
                self.ident(&e.name);
                e.variants.iter().for_each(|v| self.ident(&v.name));
            }
            ItemKind::Fn(f) => {
                self.ident(&f.name);
                f.type_params.iter().for_each(|p| self.ident(p));
                for p in &f.params {
                    self.ident(&p.name);
                    self.ty(&p.ty);
                }
                self.ty(&f.ret);
                if let Some(b) = &f.body {
                    self.expr(b);
                }
            }
            ItemKind::Rule(r) => {
                assert_eq!(self.at(r.action_span), r.action.keyword());
                self.ident(&r.name);
                for c in &r.clauses {
                    let keyword = self.at(c.keyword_span).to_owned();
                    match &c.kind {
                        ClauseKind::For { binding, iterable } => {
                            assert_eq!(keyword, "for");
                            self.ident(binding);
                            self.expr(iterable);
                            assert_eq!(c.span.end, iterable.span.end);
                        }
                        ClauseKind::Let { name, value } => {
                            assert_eq!(keyword, "let");
                            self.ident(name);
                            self.expr(value);
                        }
                        ClauseKind::Where(e) | ClauseKind::When(e) | ClauseKind::Unless(e) => {
                            assert!(["where", "when", "unless"].contains(&keyword.as_str()));
                            assert_eq!(c.span.end, e.span.end);
                            self.expr(e);
                        }
                    }
                }
                if let Some(m) = &r.message {
                    assert!(self.at(m.span).starts_with("message"));
                    self.string(&m.template);
                }
            }
            ItemKind::Except(e) => {
                self.path(&e.rule);
                if let Some(c) = &e.condition {
                    self.expr(c);
                }
                if let Some(u) = &e.until {
                    assert_eq!(self.at(u.span).len(), 10);
                }
                self.string(&e.reason);
                assert_eq!(e.span.end, e.reason.span.end);
            }
            ItemKind::Secret(s) => {
                self.ident(&s.name);
                self.string(&s.pattern);
            }
            ItemKind::Test(t) => {
                self.string(&t.name);
                for x in &t.expects {
                    assert!(self.at(x.span).starts_with("expect"));
                    assert_eq!(self.at(x.outcome_span), x.outcome.keyword());
                    self.expr(&x.image);
                    self.path(&x.rule);
                    if let Some(m) = &x.with_message {
                        self.string(m);
                    }
                    if let Some(n) = &x.times {
                        assert_eq!(self.at(n.span), n.value.to_string());
                    }
                }
            }
            ItemKind::Broken(b) => {
                if let Some(k) = &b.keyword {
                    self.ident(k);
                }
                if let Some(n) = &b.name {
                    self.ident(n);
                }
            }
        }
    }
}

fn check_spans(text: &str, parse: &Parse) -> usize {
    let mut checker = SpanChecker { text, checked: 0 };
    for item in &parse.file.items {
        checker.item(item);
    }
    for comment in &parse.file.comments {
        assert_eq!(checker.at(comment.span), format!("//{}", comment.text));
    }
    checker.checked
}

#[test]
fn spans_cover_exactly_their_text() {
    let mut checked = 0;
    for path in data_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        checked += check_spans(&text, &parse(&text));
    }
    assert!(checked > 500, "only {checked} spans checked");
}

#[test]
fn spans_are_exact_on_a_small_rule() {
    let text = "deny r\n  where a.b >= 10 // note\n  message \"x {a}\"\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty());
    let item = &parse.file.items[0];
    assert_eq!(
        &text[item.span.range()],
        "deny r\n  where a.b >= 10 // note\n  message \"x {a}\""
    );
    let ItemKind::Rule(rule) = &item.kind else {
        panic!()
    };
    assert_eq!(&text[rule.clauses[0].span.range()], "where a.b >= 10");
    assert_eq!(parse.file.comments[0].span, Span::new(25, 32));
    assert_eq!(parse.file.comments[0].text, " note");
}

#[test]
fn keywords_are_exported_and_reserved_words_are_not_names() {
    use tollgate_grammar::{KEYWORDS, RESERVED};
    for word in RESERVED {
        assert!(KEYWORDS.contains(word));
        let prefixed = parse(&format!("deny r where {word}x == {word}_y\n"));
        assert!(
            prefixed.errors.is_empty(),
            "`{word}` prefixes a name: {:?}",
            prefixed.errors
        );
        let as_name = parse(&format!("param {word}: int = 1\n"));
        assert_eq!(as_name.errors.len(), 1, "`{word}` accepted as a name");
    }
    // Keywords are fine as field names.
    assert!(parse("deny r where x.type == x.in.for\n").errors.is_empty());
}

#[test]
fn hostile_inputs_end_in_errors_not_panics() {
    let deep = format!("deny r where {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    let parse_deep = parse(&deep);
    assert_eq!(parse_deep.errors.len(), 1);
    assert_eq!(parse_deep.errors[0].code, "TG0009");
    for text in [
        "\"",
        "r#\"",
        "{",
        "@",
        "///",
        "deny",
        "deny r where",
        "\u{feff}deny r",
        "deny r where \"{\"",
        "\0",
    ] {
        let parse = parse(text);
        assert!(!parse.errors.is_empty(), "{text:?} parsed");
        check_spans(text, &parse);
    }
    // Long operator chains would build a tree too deep to walk: one error, bounded depth.
    let long_chain = format!("deny r where {}\n", vec!["a"; 20_000].join(" + "));
    let parse_long = parse(&long_chain);
    assert_eq!(parse_long.errors.len(), 1);
    assert_eq!(parse_long.errors[0].code, "TG0009");
    let fine_chain = format!("deny r where {}\n", vec!["a"; 900].join(" + "));
    assert!(parse(&fine_chain).errors.is_empty());
}
