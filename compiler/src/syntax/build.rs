//! Builds the syntax tree from the grammar crate's node tree: folds the precedence levels into
//! binary expressions, decodes literals, and reports the errors the grammar cannot express
//! (bad escapes, invalid dates, chained comparisons...).
//!
//! The grammar guarantees the node shapes this module reads; where a shape is still missing
//! something, the builder returns `None` and the caller reports the item as broken rather than
//! panicking.

use super::SyntaxError;
use super::ast::*;
use super::codes;
use tollgate_grammar::{Kind, Node};

/// The builder for one parsed slice of a file.
pub(crate) struct Builder<'t> {
    /// The slice's text (node offsets are relative to it).
    text: &'t str,
    /// The offset of the slice in the file.
    base: usize,
    /// Errors found while building.
    pub(crate) errors: Vec<SyntaxError>,
    /// How many more operators (binary, prefix, postfix) the current item may chain: each adds
    /// a level to the tree, and a tree thousands of levels deep would overflow the stack of
    /// whoever walks it.
    operator_budget: usize,
    /// Whether the current item already reported an exhausted budget.
    budget_reported: bool,
}

/// Operators allowed per item (real items use a few dozen).
const OPERATORS_PER_ITEM: usize = 1_000;

/// The children of `node` of kind `kind`.
fn all(node: &Node, kind: Kind) -> impl Iterator<Item = &Node> {
    node.children.iter().filter(move |c| c.kind == kind)
}

/// The first child of `node` of kind `kind`.
fn first(node: &Node, kind: Kind) -> Option<&Node> {
    node.children.iter().find(|c| c.kind == kind)
}

impl<'t> Builder<'t> {
    pub(crate) fn new(text: &'t str, base: usize) -> Self {
        Self {
            text,
            base,
            errors: Vec::new(),
            operator_budget: OPERATORS_PER_ITEM,
            budget_reported: false,
        }
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.base + node.start, self.base + node.end)
    }

    fn text_of(&self, node: &Node) -> &'t str {
        node.text(self.text)
    }

    fn error(&mut self, span: Span, code: &'static str, message: String, help: Option<String>) {
        self.errors.push(SyntaxError {
            span,
            message,
            code,
            help,
        });
    }

    // ----------------------------------------------------------------------------------------
    // Files and items

    /// The module doc and items of a `file` node.
    /// The module doc and the items of a `file` node; an item whose nodes lack a part is
    /// returned as `Err(span)` (the grammar should make that impossible).
    pub(crate) fn file(&mut self, node: &Node) -> (Option<Doc>, Vec<Result<Item, Span>>) {
        let module_doc = first(node, Kind::module_doc).map(|d| self.doc(d, "//!"));
        let items = all(node, Kind::item)
            .map(|item| self.item(item).ok_or(self.span(item)))
            .collect();
        (module_doc, items)
    }

    fn doc(&self, node: &Node, marker: &str) -> Doc {
        let lines: Vec<DocLine> = node
            .children
            .iter()
            .map(|line| {
                let raw = self.text_of(line);
                let body = raw.strip_prefix(marker).unwrap_or(raw);
                let body = body.strip_prefix(' ').unwrap_or(body).trim_end();
                let trimmed_len = raw.trim_end().len();
                DocLine {
                    span: Span::new(self.base + line.start, self.base + line.start + trimmed_len),
                    text: body.to_owned(),
                }
            })
            .collect();
        let span = match (lines.first(), lines.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => self.span(node),
        };
        Doc { span, lines }
    }

    fn docs_and_attributes(&mut self, node: &Node) -> (Option<Doc>, Vec<Attribute>) {
        let doc = first(node, Kind::doc).map(|d| self.doc(d, "///"));
        let attributes = all(node, Kind::attribute)
            .filter_map(|a| self.attribute(a))
            .collect();
        (doc, attributes)
    }

    fn attribute(&mut self, node: &Node) -> Option<Attribute> {
        let name = self.ident(first(node, Kind::field_name)?);
        let args = match first(node, Kind::call_args) {
            Some(args) => self.args(args)?,
            None => Vec::new(),
        };
        Some(Attribute {
            span: self.span(node),
            name,
            args,
        })
    }

    fn item(&mut self, node: &Node) -> Option<Item> {
        self.operator_budget = OPERATORS_PER_ITEM;
        self.budget_reported = false;
        if let Some(late) = first(node, Kind::module_doc) {
            let doc = self.doc(late, "//!");
            self.error(
                doc.span,
                codes::MISPLACED_MODULE_DOC,
                "module docs `//!` after the first item".to_owned(),
                Some("move them to the top of the file, or use `///` or `//`".to_owned()),
            );
        }
        let (doc, attributes) = self.docs_and_attributes(node);
        let decl = node.children.last()?;
        let span = self.span(decl);
        let kind = match decl.kind {
            Kind::module_decl => ItemKind::Module(ModuleDecl {
                span,
                path: self.path(first(decl, Kind::path)?)?,
            }),
            Kind::import_decl => ItemKind::Import(Import {
                span,
                path: self.path(first(decl, Kind::path)?)?,
                alias: first(decl, Kind::import_alias)
                    .and_then(|a| first(a, Kind::ident))
                    .map(|i| self.ident(i)),
            }),
            Kind::param_decl => ItemKind::Param(Param {
                span,
                name: self.ident(first(decl, Kind::ident)?),
                ty: self.type_expr(first(decl, Kind::type_expr)?)?,
                default: self.expr(first(decl, Kind::expr)?)?,
            }),
            Kind::type_decl => {
                let mut fields = Vec::new();
                for field in all(decl, Kind::field_decl) {
                    let (doc, attributes) = self.docs_and_attributes(field);
                    fields.push(FieldDecl {
                        span: self.span(field),
                        doc,
                        attributes,
                        name: self.ident(first(field, Kind::field_name)?),
                        ty: self.type_expr(first(field, Kind::type_expr)?)?,
                    });
                }
                ItemKind::Type(TypeDecl {
                    span,
                    name: self.ident(first(decl, Kind::ident)?),
                    fields,
                })
            }
            Kind::enum_decl => {
                let mut variants = Vec::new();
                for variant in all(decl, Kind::variant) {
                    let (doc, attributes) = self.docs_and_attributes(variant);
                    variants.push(Variant {
                        span: self.span(variant),
                        doc,
                        attributes,
                        name: self.ident(first(variant, Kind::ident)?),
                    });
                }
                ItemKind::Enum(EnumDecl {
                    span,
                    name: self.ident(first(decl, Kind::ident)?),
                    variants,
                })
            }
            Kind::fn_decl | Kind::builtin_fn_decl => ItemKind::Fn(self.fn_decl(decl)?),
            Kind::rule_decl => ItemKind::Rule(self.rule(decl)?),
            Kind::except_decl => {
                let condition = match first(decl, Kind::except_where) {
                    Some(w) => Some(self.expr(first(w, Kind::expr)?)?),
                    None => None,
                };
                let until = match first(decl, Kind::except_until) {
                    Some(u) => Some(self.date(first(u, Kind::date)?)),
                    None => None,
                };
                let because = first(decl, Kind::except_because)?;
                ItemKind::Except(Except {
                    span,
                    rule: self.path(first(decl, Kind::path)?)?,
                    condition,
                    until,
                    reason: self.string_lit(because.children.last()?)?,
                })
            }
            Kind::secret_decl => ItemKind::Secret(Secret {
                span,
                name: self.ident(first(decl, Kind::ident)?),
                pattern: self.string_lit(decl.children.last()?)?,
            }),
            Kind::test_decl => {
                let name_node = decl.children.get(1)?;
                let mut expects = Vec::new();
                for expect in all(decl, Kind::expect_stmt) {
                    expects.push(self.expect(expect)?);
                }
                ItemKind::Test(Test {
                    span,
                    name: self.string_lit(name_node)?,
                    expects,
                })
            }
            _ => return None,
        };
        // A misplaced `//!` block is not part of the item.
        let start = doc
            .as_ref()
            .map(|d| d.span.start)
            .or_else(|| attributes.first().map(|a| a.span.start))
            .unwrap_or(span.start);
        Some(Item {
            span: Span::new(start, span.end),
            doc,
            attributes,
            kind,
        })
    }

    fn fn_decl(&mut self, decl: &Node) -> Option<FnDecl> {
        let builtin = decl.kind == Kind::builtin_fn_decl;
        let type_params: Vec<Ident> = match first(decl, Kind::type_params) {
            Some(tp) => {
                if !builtin {
                    self.error(
                        self.span(tp),
                        codes::TYPE_PARAMS_ON_FN,
                        "type parameters are only allowed on `builtin fn`".to_owned(),
                        Some("give the parameters concrete types".to_owned()),
                    );
                }
                all(tp, Kind::ident).map(|i| self.ident(i)).collect()
            }
            None => Vec::new(),
        };
        let mut params = Vec::new();
        for param in all(first(decl, Kind::fn_params)?, Kind::fn_param) {
            params.push(FnParam {
                span: self.span(param),
                name: self.ident(first(param, Kind::ident)?),
                ty: self.type_expr(first(param, Kind::type_expr)?)?,
            });
        }
        let body = match first(decl, Kind::expr) {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        Some(FnDecl {
            span: self.span(decl),
            builtin,
            name: self.ident(first(decl, Kind::ident)?),
            type_params,
            params,
            ret: self.type_expr(first(decl, Kind::type_expr)?)?,
            body,
        })
    }

    fn rule(&mut self, decl: &Node) -> Option<Rule> {
        let action_node = first(decl, Kind::rule_action)?;
        let action = match action_node.children.first()?.kind {
            Kind::kw_deny => RuleAction::Deny,
            Kind::kw_warn => RuleAction::Warn,
            _ => RuleAction::Info,
        };
        let mut clauses = Vec::new();
        let mut message = None;
        for clause in &decl.children {
            let keyword = clause.children.first();
            let keyword_span = keyword.map(|k| self.span(k)).unwrap_or_default();
            let expr_child = first(clause, Kind::expr);
            let kind = match clause.kind {
                Kind::for_clause => ClauseKind::For {
                    binding: self.ident(first(clause, Kind::ident)?),
                    iterable: self.expr(expr_child?)?,
                },
                Kind::let_clause => ClauseKind::Let {
                    name: self.ident(first(clause, Kind::ident)?),
                    value: self.expr(expr_child?)?,
                },
                Kind::where_clause => ClauseKind::Where(self.expr(expr_child?)?),
                Kind::when_clause => ClauseKind::When(self.expr(expr_child?)?),
                Kind::unless_clause => ClauseKind::Unless(self.expr(expr_child?)?),
                Kind::message_clause => {
                    message = Some(Message {
                        span: self.span(clause),
                        template: self.string_lit(clause.children.last()?)?,
                    });
                    continue;
                }
                _ => continue,
            };
            clauses.push(Clause {
                span: self.span(clause),
                keyword_span,
                kind,
            });
        }
        Some(Rule {
            span: self.span(decl),
            action,
            action_span: self.span(action_node),
            name: self.ident(first(decl, Kind::ident)?),
            clauses,
            message,
        })
    }

    fn expect(&mut self, node: &Node) -> Option<Expect> {
        let outcome_node = first(node, Kind::outcome)?;
        let outcome = match outcome_node.children.first()?.kind {
            Kind::kw_denies => Outcome::Denies,
            Kind::kw_warns => Outcome::Warns,
            _ => Outcome::Passes,
        };
        let with_message = match first(node, Kind::with_message) {
            Some(w) => Some(self.string_lit(w.children.last()?)?),
            None => None,
        };
        let times = match first(node, Kind::times) {
            Some(t) => Some(self.int(first(t, Kind::int)?)),
            None => None,
        };
        Some(Expect {
            span: self.span(node),
            image: self.expr(first(node, Kind::expr)?)?,
            outcome,
            outcome_span: self.span(outcome_node),
            rule: self.path(first(node, Kind::path)?)?,
            with_message,
            times,
        })
    }

    // ----------------------------------------------------------------------------------------
    // Names and types

    fn ident(&self, node: &Node) -> Ident {
        Ident {
            span: self.span(node),
            name: self.text_of(node).to_owned(),
        }
    }

    fn path(&self, node: &Node) -> Option<Path> {
        let segments: Vec<Ident> = node.children.iter().map(|s| self.ident(s)).collect();
        if segments.is_empty() {
            return None;
        }
        Some(Path {
            span: self.span(node),
            segments,
        })
    }

    fn type_expr(&mut self, node: &Node) -> Option<TypeExpr> {
        let atom = first(node, Kind::type_atom)?;
        let mut args = Vec::new();
        if let Some(type_args) = first(atom, Kind::type_args) {
            for arg in all(type_args, Kind::type_expr) {
                args.push(self.type_expr(arg)?);
            }
        }
        let named = TypeExpr {
            span: self.span(atom),
            kind: TypeExprKind::Named {
                path: self.path(first(atom, Kind::path)?)?,
                args,
            },
        };
        Some(if first(node, Kind::optional_mark).is_some() {
            TypeExpr {
                span: self.span(node),
                kind: TypeExprKind::Optional(Box::new(named)),
            }
        } else {
            named
        })
    }

    // ----------------------------------------------------------------------------------------
    // Expressions

    /// Takes one operator from the item's budget; false (and one error) once it is spent, and
    /// the caller stops adding levels.
    fn take_operator(&mut self, node: &Node) -> bool {
        if let Some(rest) = self.operator_budget.checked_sub(1) {
            self.operator_budget = rest;
            return true;
        }
        if !self.budget_reported {
            self.budget_reported = true;
            self.error(
                self.span(node),
                codes::TOO_DEEP,
                format!("this item has more than {OPERATORS_PER_ITEM} operators"),
                Some("split the expression with `let` clauses or functions".to_owned()),
            );
        }
        false
    }

    pub(crate) fn expr(&mut self, node: &Node) -> Option<Expr> {
        match node.kind {
            Kind::expr => self.expr(node.children.first()?),
            Kind::coalesce => {
                // `??` associates to the right: fold from the last operand.
                let mut operands: Vec<&Node> = Vec::new();
                let mut ops: Vec<&Node> = Vec::new();
                for child in &node.children {
                    if child.kind == Kind::op_coalesce {
                        ops.push(child);
                    } else {
                        operands.push(child);
                    }
                }
                let mut rhs = self.expr(operands.pop()?)?;
                while let (Some(lhs_node), Some(op)) = (operands.pop(), ops.pop()) {
                    if !self.take_operator(op) {
                        break;
                    }
                    let lhs = self.expr(lhs_node)?;
                    rhs = binary(BinaryOp::Coalesce, self.span(op), lhs, rhs);
                }
                Some(rhs)
            }
            Kind::or_expr | Kind::and_expr | Kind::additive | Kind::multiplicative => {
                self.left_fold(node, |b, op| b.simple_op(op))
            }
            Kind::comparison => {
                let ops: Vec<&Node> = all(node, Kind::compare_op).collect();
                if let Some(second) = ops.get(1) {
                    self.error(
                        self.span(second),
                        codes::CHAINED_COMPARISON,
                        format!(
                            "comparison operators cannot be chained: `{}`",
                            self.text_of(node)
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        Some("join the comparisons with `and`, as in `a < b and b < c`".to_owned()),
                    );
                }
                self.left_fold(node, |b, op| b.compare_op(op))
            }
            Kind::not_expr | Kind::unary => {
                let operand_node = node.children.last()?;
                let mut operand = self.expr(operand_node)?;
                let op = if node.kind == Kind::not_expr {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                for prefix in node.children.iter().rev().skip(1) {
                    if !self.take_operator(prefix) {
                        break;
                    }
                    let op_span = self.span(prefix);
                    operand = Expr {
                        span: op_span.to(operand.span),
                        kind: ExprKind::Unary {
                            op,
                            op_span,
                            operand: Box::new(operand),
                        },
                    };
                }
                Some(operand)
            }
            Kind::postfix => self.postfix(node),
            _ => self.primary(node),
        }
    }

    fn left_fold(
        &mut self,
        node: &Node,
        op_of: impl Fn(&Self, &Node) -> Option<BinaryOp>,
    ) -> Option<Expr> {
        let mut children = node.children.iter();
        let mut lhs = self.expr(children.next()?)?;
        while let (Some(op_node), Some(rhs_node)) = (children.next(), children.next()) {
            if !self.take_operator(op_node) {
                break;
            }
            let op = op_of(self, op_node)?;
            let rhs = self.expr(rhs_node)?;
            lhs = binary(op, self.span(op_node), lhs, rhs);
        }
        Some(lhs)
    }

    fn simple_op(&self, node: &Node) -> Option<BinaryOp> {
        Some(match self.text_of(node) {
            "or" => BinaryOp::Or,
            "and" => BinaryOp::And,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Rem,
            _ => return None,
        })
    }

    fn compare_op(&self, node: &Node) -> Option<BinaryOp> {
        if first(node, Kind::op_not_in).is_some() {
            return Some(BinaryOp::NotIn);
        }
        Some(match self.text_of(node) {
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            "in" => BinaryOp::In,
            "matches" => BinaryOp::Matches,
            "glob" => BinaryOp::Glob,
            _ => return None,
        })
    }

    fn postfix(&mut self, node: &Node) -> Option<Expr> {
        let mut children = node.children.iter();
        let mut expr = self.expr(children.next()?)?;
        for op in children {
            if !self.take_operator(op) {
                break;
            }
            let span = expr.span.to(self.span(op));
            let kind = match op.kind {
                Kind::member => {
                    let optional = self.text_of(first(op, Kind::member_dot)?) == "?.";
                    let name = self.ident(first(op, Kind::field_name)?);
                    match first(op, Kind::call_args) {
                        Some(args) => ExprKind::MethodCall {
                            receiver: Box::new(expr),
                            method: name,
                            optional,
                            args: self.args(args)?,
                        },
                        None => ExprKind::Field {
                            receiver: Box::new(expr),
                            name,
                            optional,
                        },
                    }
                }
                Kind::index => ExprKind::Index {
                    receiver: Box::new(expr),
                    index: Box::new(self.expr(first(op, Kind::expr)?)?),
                },
                Kind::call_args => ExprKind::Call {
                    callee: Box::new(expr),
                    args: self.args(op)?,
                },
                _ => return None,
            };
            expr = Expr { span, kind };
        }
        Some(expr)
    }

    fn args(&mut self, node: &Node) -> Option<Vec<Expr>> {
        all(node, Kind::expr).map(|e| self.expr(e)).collect()
    }

    fn primary(&mut self, node: &Node) -> Option<Expr> {
        let span = self.span(node);
        let kind = match node.kind {
            Kind::name => ExprKind::Name(self.ident(node.children.first()?)),
            Kind::paren => ExprKind::Paren(Box::new(self.expr(first(node, Kind::expr)?)?)),
            Kind::int => ExprKind::Literal(Literal::Int(self.int(node))),
            Kind::float => ExprKind::Literal(Literal::Float(FloatLit {
                span,
                text: self.text_of(node).replace('_', ""),
            })),
            Kind::date => ExprKind::Literal(Literal::Date(self.date(node))),
            Kind::duration => ExprKind::Literal(Literal::Duration(self.duration(node))),
            Kind::string | Kind::raw_string => {
                ExprKind::Literal(Literal::String(self.string_lit(node)?))
            }
            Kind::kw_true => ExprKind::Literal(Literal::Bool(true)),
            Kind::kw_false => ExprKind::Literal(Literal::Bool(false)),
            Kind::kw_none => ExprKind::Literal(Literal::None),
            Kind::image_lit => ExprKind::Image {
                keyword_span: self.span(first(node, Kind::kw_image)?),
                fields: self.record_fields(node)?,
            },
            Kind::list => {
                let elements: Vec<&Node> = all(node, Kind::expr).collect();
                match first(node, Kind::comprehension) {
                    Some(comp) => ExprKind::Comprehension {
                        kind: ComprehensionKind::List,
                        element: Box::new(self.expr(elements.first()?)?),
                        generator: Box::new(self.generator(first(comp, Kind::generator)?)?),
                    },
                    None => ExprKind::List(
                        elements
                            .into_iter()
                            .map(|e| self.expr(e))
                            .collect::<Option<_>>()?,
                    ),
                }
            }
            Kind::braces => self.braces(node)?,
            Kind::aggregate => self.aggregate(node)?,
            _ => return None,
        };
        Some(Expr { span, kind })
    }

    fn record_fields(&mut self, node: &Node) -> Option<Vec<RecordField>> {
        let mut fields = Vec::new();
        for field in all(node, Kind::record_field) {
            fields.push(RecordField {
                span: self.span(field),
                name: self.ident(first(field, Kind::field_name)?),
                value: self.expr(first(field, Kind::expr)?)?,
            });
        }
        Some(fields)
    }

    fn braces(&mut self, node: &Node) -> Option<ExprKind> {
        let Some(head) = node.children.first() else {
            return Some(ExprKind::EmptyBraces);
        };
        if head.kind == Kind::record_field {
            return Some(ExprKind::Record(self.record_fields(node)?));
        }
        if let Some(comp) = first(node, Kind::comprehension) {
            return Some(ExprKind::Comprehension {
                kind: ComprehensionKind::Set,
                element: Box::new(self.expr(head)?),
                generator: Box::new(self.generator(first(comp, Kind::generator)?)?),
            });
        }
        if let Some(value) = first(node, Kind::map_value) {
            let key = self.expr(head)?;
            let value_expr = self.expr(first(value, Kind::expr)?)?;
            let mut entries = vec![MapEntry {
                span: key.span.to(value_expr.span),
                key,
                value: value_expr,
            }];
            for entry in all(node, Kind::map_entry) {
                let mut parts = all(entry, Kind::expr);
                let key = self.expr(parts.next()?)?;
                let value = self.expr(parts.next()?)?;
                entries.push(MapEntry {
                    span: self.span(entry),
                    key,
                    value,
                });
            }
            return Some(ExprKind::Map(entries));
        }
        Some(ExprKind::Set(
            all(node, Kind::expr)
                .map(|e| self.expr(e))
                .collect::<Option<_>>()?,
        ))
    }

    fn generator(&mut self, node: &Node) -> Option<Generator> {
        let condition = match first(node, Kind::generator_where) {
            Some(w) => Some(self.expr(first(w, Kind::expr)?)?),
            None => None,
        };
        Some(Generator {
            span: self.span(node),
            binding: self.ident(first(node, Kind::ident)?),
            iterable: self.expr(first(node, Kind::expr)?)?,
            condition,
        })
    }

    fn aggregate(&mut self, node: &Node) -> Option<ExprKind> {
        let name_node = first(node, Kind::aggregate_name)?;
        let func = AggregateFunc::from_name(self.text_of(name_node))?;
        let func_span = self.span(name_node);
        if let Some(generator) = first(node, Kind::generator) {
            return Some(ExprKind::Aggregate {
                func,
                func_span,
                projection: None,
                generator: Box::new(self.generator(generator)?),
            });
        }
        if let Some(comp) = first(node, Kind::comprehension) {
            return Some(ExprKind::Aggregate {
                func,
                func_span,
                projection: Some(Box::new(self.expr(first(node, Kind::expr)?)?)),
                generator: Box::new(self.generator(first(comp, Kind::generator)?)?),
            });
        }
        let callee = Expr {
            span: func_span,
            kind: ExprKind::Name(self.ident(name_node)),
        };
        Some(ExprKind::Call {
            callee: Box::new(callee),
            args: self.args(node)?,
        })
    }

    // ----------------------------------------------------------------------------------------
    // Literals

    fn int(&mut self, node: &Node) -> IntLit {
        let span = self.span(node);
        let digits = self.text_of(node).replace('_', "");
        let value = digits.parse::<i64>().unwrap_or_else(|_| {
            self.error(
                span,
                codes::INT_TOO_LARGE,
                format!("integer `{}` is too large", self.text_of(node)),
                Some("integers are 64-bit: the largest is 9223372036854775807".to_owned()),
            );
            0
        });
        IntLit { span, value }
    }

    fn date(&mut self, node: &Node) -> DateLit {
        let span = self.span(node);
        let text = self.text_of(node);
        let mut parts = text.split('-').map(|p| p.parse::<i32>().unwrap_or(0));
        let (year, month, day) = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if day < 1 || day > days_in_month {
            self.error(
                span,
                codes::BAD_DATE,
                format!("invalid date `{text}`"),
                Some("dates are `YYYY-MM-DD` and must exist in the calendar".to_owned()),
            );
        }
        DateLit {
            span,
            year,
            month: u8::try_from(month).unwrap_or(0),
            day: u8::try_from(day).unwrap_or(0),
        }
    }

    fn duration(&mut self, node: &Node) -> DurationLit {
        let span = self.span(node);
        let text = self.text_of(node);
        let mut seconds: Option<i64> = Some(0);
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit: i64 = match c {
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                _ => 1,
            };
            let part = number.parse::<i64>().ok().and_then(|n| n.checked_mul(unit));
            seconds = seconds
                .zip(part)
                .and_then(|(total, part)| total.checked_add(part));
            number.clear();
        }
        let seconds = seconds.unwrap_or_else(|| {
            self.error(
                span,
                codes::DURATION_TOO_LARGE,
                format!("duration `{text}` is too large"),
                None,
            );
            0
        });
        DurationLit { span, seconds }
    }

    pub(crate) fn string_lit(&mut self, node: &Node) -> Option<StringLit> {
        let span = self.span(node);
        if node.kind == Kind::raw_string {
            // `r`, the `#`s, `"`, the text, `"`, the `#`s: the grammar matched the shape.
            let raw = self.text_of(node);
            let hashes = raw
                .get(1..)
                .unwrap_or("")
                .bytes()
                .take_while(|&b| b == b'#')
                .count();
            let start = node.start + 1 + hashes + 1;
            let end = node.end.saturating_sub(1 + hashes).max(start);
            let text = self.text.get(start..end)?;
            let parts = if text.is_empty() {
                Vec::new()
            } else {
                vec![StringPart::Text {
                    span: Span::new(self.base + start, self.base + end),
                    value: text.to_owned(),
                }]
            };
            return Some(StringLit {
                span,
                raw: true,
                parts,
            });
        }
        if node.kind != Kind::string {
            return None;
        }
        let mut parts: Vec<StringPart> = Vec::new();
        for piece in &node.children {
            let piece_span = self.span(piece);
            let raw = self.text_of(piece);
            let decoded = match piece.kind {
                Kind::string_text => raw.to_owned(),
                Kind::brace_escape => raw.get(..1).unwrap_or_default().to_owned(),
                Kind::escape => self.escape(raw, piece_span),
                Kind::stray_rbrace => {
                    self.error(
                        piece_span,
                        codes::STRAY_BRACE,
                        "unmatched `}` in string".to_owned(),
                        Some("write `}}` for a literal brace".to_owned()),
                    );
                    "}".to_owned()
                }
                Kind::interpolation => {
                    let expr = self.expr(first(piece, Kind::expr)?)?;
                    parts.push(StringPart::Interpolation {
                        span: piece_span,
                        expr,
                    });
                    continue;
                }
                _ => continue,
            };
            if let Some(StringPart::Text {
                span: last_span,
                value,
            }) = parts.last_mut()
            {
                *last_span = last_span.to(piece_span);
                value.push_str(&decoded);
            } else {
                parts.push(StringPart::Text {
                    span: piece_span,
                    value: decoded,
                });
            }
        }
        Some(StringLit {
            span,
            raw: false,
            parts,
        })
    }

    fn escape(&mut self, raw: &str, span: Span) -> String {
        let body = raw.get(1..).unwrap_or_default();
        let decoded = match body {
            "n" => Some('\n'),
            "t" => Some('\t'),
            "r" => Some('\r'),
            "0" => Some('\0'),
            "\"" => Some('"'),
            "\\" => Some('\\'),
            _ => body
                .strip_prefix("u{")
                .and_then(|hex| hex.strip_suffix('}'))
                .filter(|hex| (1..=6).contains(&hex.len()))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => c.to_string(),
            None => {
                self.error(
                    span,
                    codes::BAD_ESCAPE,
                    format!("unknown escape `{raw}` in string"),
                    Some(
                        "the escapes are `\\n`, `\\t`, `\\r`, `\\0`, `\\\"`, `\\\\` and `\\u{...}`; \
                         for regexes use a raw string `r\"...\"`"
                            .to_owned(),
                    ),
                );
                raw.to_owned()
            }
        }
    }
}

fn binary(op: BinaryOp, op_span: Span, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        span: lhs.span.to(rhs.span),
        kind: ExprKind::Binary {
            op,
            op_span,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
    }
}
