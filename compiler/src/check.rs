//! Type checking of one item: from its syntax tree (spans relative to the item's start) and
//! the program's `GlobalScope` to its typed tree (`hir`) and its diagnostics.
//!
//! One root cause yields one error: an expression in error gets `Type::Error`, which every
//! later check accepts without a word.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Label, codes};
use crate::hir::{self, Coercion, ExprKind, LocalId, Span};
use crate::resolve::{
    FileContext, GlobalDef, GlobalScope, TypeResolver, did_you_mean, doc_text, error, warning,
};
use crate::syntax::ast;
use crate::types::{DeclRef, Type};

/// A rule's `for`/`let` bindings, in order: name, type and the rule's slot.
pub type RuleBindings = Arc<Vec<(Arc<str>, Type, LocalId)>>;

/// What the checker needs from the rest of the program beyond the global scope.
pub trait CheckEnv {
    /// The `for`/`let` bindings (name, type) of the rule `qualified`, in order, for an
    /// `except` of it. None when the rule does not exist.
    fn rule_bindings(&self, qualified: &str) -> Option<RuleBindings>;
}

/// The names an item refers to, for unused-name warnings and the recursion check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uses {
    /// Qualified names of the params, fns and rules the item refers to.
    pub globals: BTreeSet<Arc<str>>,
    /// The import aliases the item uses.
    pub aliases: BTreeSet<Arc<str>>,
    /// Qualified names of the user fns the item calls.
    pub calls: BTreeSet<Arc<str>>,
    /// For an `except`: the rule it names and the rule bindings its condition uses.
    pub except_bindings: Option<(Arc<str>, BTreeSet<Arc<str>>)>,
}

/// The checked form of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedItem {
    /// The typed item, for params, fns, rules, excepts, secrets and tests (none for
    /// declarations, imports and broken items).
    pub kind: Option<hir::ItemKind>,
    /// The item's span (relative: it starts at 0).
    pub span: Span,
    /// `///` docs.
    pub doc: String,
    /// Attributes, with constant arguments.
    pub attributes: Vec<hir::Attribute>,
    /// Errors and warnings (spans relative to the item), except unused `let` warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Unused `for`/`let` warnings by binding name: an `except` of the rule may still use
    /// them.
    pub unused_lets: Vec<(Arc<str>, Diagnostic)>,
    /// What it refers to.
    pub uses: Uses,
    /// The name it declares and that name's span, if any.
    pub declares: Option<(Arc<str>, Span)>,
    /// For a rule: its bindings, for its excepts.
    pub rule_bindings: Option<RuleBindings>,
}

/// Checks one item. `item`'s spans are relative to its start.
pub fn check_item(
    scope: &GlobalScope,
    context: &FileContext,
    env: &dyn CheckEnv,
    item: &ast::Item,
) -> CheckedItem {
    let mut checker = Checker {
        scope,
        context,
        env,
        diagnostics: Vec::new(),
        locals: Vec::new(),
        used: Vec::new(),
        bindings: Vec::new(),
        uses: Uses::default(),
    };
    let attributes = item
        .attributes
        .iter()
        .map(|a| checker.attribute(a))
        .collect();
    let mut unused_lets = Vec::new();
    let mut rule_bindings = None;
    let (kind, declares) = match &item.kind {
        ast::ItemKind::Module(_) | ast::ItemKind::Broken(_) => (None, None),
        ast::ItemKind::Import(import) => {
            let dotted = import.path.dotted();
            if !scope.modules.contains_key(dotted.as_str()) {
                let mut d = error(
                    codes::UNKNOWN_MODULE,
                    format!("no module named `{dotted}`"),
                    Label::new(import.path.span, "not found"),
                );
                d.help = did_you_mean(&dotted, scope.modules.keys().map(|k| &**k));
                checker.diagnostics.push(d);
            }
            (None, None)
        }
        ast::ItemKind::Type(decl) => {
            checker.type_decl(decl);
            (None, Some(name_of(&decl.name)))
        }
        ast::ItemKind::Enum(decl) => {
            let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
            for variant in &decl.variants {
                if let Some(first) = seen.get(variant.name.name.as_str()) {
                    let mut d = error(
                        codes::DUPLICATE_DEFINITION,
                        format!("variant `{}` is declared twice", variant.name.name),
                        Label::new(variant.name.span, "declared again here"),
                    );
                    d.secondary.push(Label::new(*first, "first declared here"));
                    checker.diagnostics.push(d);
                } else {
                    seen.insert(&variant.name.name, variant.name.span);
                }
            }
            (None, Some(name_of(&decl.name)))
        }
        ast::ItemKind::Param(param) => {
            let ty = checker.resolve_type(&param.ty, &[]);
            let default = checker.expect_type(&param.default, &ty, "the param's default");
            let qualified = checker.qualify(&param.name.name);
            let kind = hir::ItemKind::Param(hir::Param {
                name: Arc::from(param.name.name.as_str()),
                qualified,
                ty,
                default,
            });
            (Some(kind), Some(name_of(&param.name)))
        }
        ast::ItemKind::Fn(decl) => {
            let kind = checker.function(decl);
            (
                kind,
                if decl.builtin {
                    None
                } else {
                    Some(name_of(&decl.name))
                },
            )
        }
        ast::ItemKind::Rule(rule) => {
            let (checked, lets) = checker.rule(rule);
            unused_lets = lets;
            rule_bindings = Some(Arc::new(
                checked
                    .bindings
                    .iter()
                    .map(|(name, id)| {
                        let ty = checked
                            .locals
                            .get(id.0 as usize)
                            .map_or(Type::Error, |l| l.ty.clone());
                        (name.clone(), ty, *id)
                    })
                    .collect(),
            ));
            (
                Some(hir::ItemKind::Rule(checked)),
                Some(name_of(&rule.name)),
            )
        }
        ast::ItemKind::Except(except) => (checker.except(except).map(hir::ItemKind::Except), None),
        ast::ItemKind::Secret(secret) => {
            let pattern = checker.constant_regex(&secret.pattern);
            let kind = hir::ItemKind::Secret(hir::SecretDef {
                name: Arc::from(secret.name.name.as_str()),
                qualified: checker.qualify(&secret.name.name),
                pattern: pattern.unwrap_or_default(),
            });
            (Some(kind), Some(name_of(&secret.name)))
        }
        ast::ItemKind::Test(test) => (Some(hir::ItemKind::Test(checker.test(test))), None),
    };
    CheckedItem {
        kind,
        span: item.span,
        doc: doc_text(item.doc.as_ref()),
        attributes,
        diagnostics: checker.diagnostics,
        unused_lets,
        uses: checker.uses,
        declares,
        rule_bindings,
    }
}

fn name_of(ident: &ast::Ident) -> (Arc<str>, Span) {
    (Arc::from(ident.name.as_str()), ident.span)
}

/// What a dotted path in an expression names, when it is not a value's fields.
enum PathTarget {
    /// A value of some module.
    Global(GlobalDef),
    /// An enum variant.
    Variant(hir::EnumVariant),
    /// A path whose problem was already reported.
    Reported,
}

struct Checker<'a> {
    scope: &'a GlobalScope,
    context: &'a FileContext,
    env: &'a dyn CheckEnv,
    diagnostics: Vec<Diagnostic>,
    locals: Vec<hir::Local>,
    used: Vec<bool>,
    /// Names in scope, innermost last.
    bindings: Vec<(Arc<str>, LocalId)>,
    uses: Uses,
}

fn expr_of(ty: Type, span: Span, kind: ExprKind) -> hir::Expr {
    hir::Expr { ty, span, kind }
}

fn error_expr(span: Span) -> hir::Expr {
    expr_of(Type::Error, span, ExprKind::Error)
}

impl Checker<'_> {
    fn qualify(&self, name: &str) -> Arc<str> {
        Arc::from(format!("{}.{name}", self.context.module))
    }

    fn report(
        &mut self,
        code: &'static str,
        message: String,
        span: Span,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(error(code, message, Label::new(span, label)));
        let last = self.diagnostics.len() - 1;
        // reason: the vector was just pushed to, so `last` is in bounds
        #[allow(clippy::indexing_slicing)]
        &mut self.diagnostics[last]
    }

    fn resolve_type(&mut self, ty: &ast::TypeExpr, type_params: &[Arc<str>]) -> Type {
        let resolver = TypeResolver {
            scope: self.scope,
            context: self.context,
            type_params,
        };
        resolver.resolve(ty, &mut self.diagnostics)
    }

    fn local_type(&self, id: LocalId) -> Type {
        self.locals
            .get(id.0 as usize)
            .map_or(Type::Error, |local| local.ty.clone())
    }

    fn declare(&mut self, name: &str, ty: Type, span: Span) -> LocalId {
        let id = LocalId(u32::try_from(self.locals.len()).unwrap_or(u32::MAX));
        self.locals.push(hir::Local {
            name: Arc::from(name),
            ty,
            span,
        });
        self.used.push(false);
        self.bindings.push((Arc::from(name), id));
        id
    }

    fn lookup_local(&mut self, name: &str) -> Option<LocalId> {
        let id = self
            .bindings
            .iter()
            .rev()
            .find(|(n, _)| **n == *name)
            .map(|(_, id)| *id)?;
        if let Some(flag) = self.used.get_mut(id.0 as usize) {
            *flag = true;
        }
        Some(id)
    }

    // ---- items ------------------------------------------------------------------------

    fn attribute(&mut self, attribute: &ast::Attribute) -> hir::Attribute {
        let mut args = Vec::new();
        for arg in &attribute.args {
            match constant(arg) {
                Some(literal) => args.push(literal),
                None => {
                    self.report(
                        codes::TYPE_MISMATCH,
                        "attribute arguments must be constants".to_string(),
                        arg.span,
                        "not a constant",
                    )
                    .help = Some("write a string, number or bool literal".to_string());
                }
            }
        }
        hir::Attribute {
            name: Arc::from(attribute.name.name.as_str()),
            args,
            span: attribute.span,
        }
    }

    fn type_decl(&mut self, decl: &ast::TypeDecl) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for field in &decl.fields {
            self.resolve_type(&field.ty, &[]);
            if let Some(first) = seen.get(field.name.name.as_str()) {
                let first = *first;
                self.report(
                    codes::DUPLICATE_DEFINITION,
                    format!("field `{}` is declared twice", field.name.name),
                    field.name.span,
                    "declared again here",
                )
                .secondary
                .push(Label::new(first, "first declared here"));
            } else {
                seen.insert(&field.name.name, field.name.span);
            }
        }
    }

    fn function(&mut self, decl: &ast::FnDecl) -> Option<hir::ItemKind> {
        if decl.builtin {
            if !self.context.stdlib {
                self.report(
                    codes::BUILTIN_OUTSIDE_STDLIB,
                    format!(
                        "`builtin fn {}` outside the standard library",
                        decl.name.name
                    ),
                    decl.name.span,
                    "only the standard library declares builtins",
                )
                .help = Some("write a `fn` with a body: `fn name(x: T) -> R = EXPR`".to_string());
            } else {
                let params: Vec<Arc<str>> = decl
                    .type_params
                    .iter()
                    .map(|p| Arc::from(p.name.as_str()))
                    .collect();
                for param in &decl.params {
                    self.resolve_type(&param.ty, &params);
                }
                self.resolve_type(&decl.ret, &params);
            }
            return None;
        }
        let mut params = Vec::new();
        for param in &decl.params {
            let ty = self.resolve_type(&param.ty, &[]);
            if let Some((_, first)) = self.bindings.iter().find(|(n, _)| **n == *param.name.name) {
                let first_span = self
                    .locals
                    .get(first.0 as usize)
                    .map(|l| l.span)
                    .unwrap_or_default();
                self.report(
                    codes::DUPLICATE_DEFINITION,
                    format!("parameter `{}` is declared twice", param.name.name),
                    param.name.span,
                    "declared again here",
                )
                .secondary
                .push(Label::new(first_span, "first declared here"));
            }
            params.push(self.declare(&param.name.name, ty, param.name.span));
        }
        let ret = self.resolve_type(&decl.ret, &[]);
        let body = match &decl.body {
            Some(body) => self.expect_type(body, &ret, "the function's body"),
            None => error_expr(decl.span),
        };
        for id in &params {
            let index = id.0 as usize;
            if self.used.get(index) == Some(&false)
                && let Some(local) = self.locals.get(index)
                && !local.name.starts_with('_')
            {
                let d = warning(
                    codes::UNUSED_PARAMETER,
                    format!("parameter `{}` is never used", local.name),
                    Label::new(local.span, "unused"),
                );
                self.diagnostics.push(Diagnostic {
                    help: Some(format!("remove it, or name it `_{}`", local.name)),
                    ..d
                });
            }
        }
        Some(hir::ItemKind::Fn(hir::FnDef {
            name: Arc::from(decl.name.name.as_str()),
            qualified: self.qualify(&decl.name.name),
            params,
            ret,
            body,
            locals: std::mem::take(&mut self.locals),
        }))
    }

    fn rule(&mut self, rule: &ast::Rule) -> (hir::Rule, Vec<(Arc<str>, Diagnostic)>) {
        let mut clauses = Vec::new();
        let mut rule_bindings: Vec<(Arc<str>, LocalId)> = Vec::new();
        // The `for` and `let` bindings, in order, for the unused-binding warnings.
        let mut bindings: Vec<(LocalId, &'static str)> = Vec::new();
        for clause in &rule.clauses {
            match &clause.kind {
                ast::ClauseKind::For { binding, iterable } => {
                    let iterable = self.expr(iterable, None);
                    let elem = self.element_type(&iterable);
                    self.check_rebinding(binding, &rule_bindings);
                    let id = self.declare(&binding.name, elem, binding.span);
                    rule_bindings.push((Arc::from(binding.name.as_str()), id));
                    bindings.push((id, codes::UNUSED_FOR_BINDING));
                    clauses.push(hir::Clause::For {
                        binding: id,
                        iterable,
                    });
                }
                ast::ClauseKind::Let { name, value } => {
                    let value = self.expr(value, None);
                    self.check_rebinding(name, &rule_bindings);
                    let id = self.declare(&name.name, value.ty.clone(), name.span);
                    rule_bindings.push((Arc::from(name.name.as_str()), id));
                    bindings.push((id, codes::UNUSED_LET));
                    clauses.push(hir::Clause::Let { binding: id, value });
                }
                ast::ClauseKind::Where(cond) | ast::ClauseKind::When(cond) => {
                    clauses.push(hir::Clause::Where(self.condition(cond)));
                }
                ast::ClauseKind::Unless(cond) => {
                    clauses.push(hir::Clause::Unless(self.condition(cond)))
                }
            }
        }
        let message = rule.message.as_ref().map(|m| self.template(&m.template));
        let mut unused = Vec::new();
        // A rule with an error (often a misspelt binding) gets no unused-binding warning: one
        // root cause, one diagnostic.
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            bindings.clear();
        }
        for (id, code) in bindings {
            let index = id.0 as usize;
            if self.used.get(index) == Some(&false)
                && let Some(local) = self.locals.get(index)
                && !local.name.starts_with('_')
            {
                let d = if code == codes::UNUSED_LET {
                    let mut d = warning(
                        code,
                        format!("`let {}` is never used", local.name),
                        Label::new(local.span, "unused"),
                    );
                    d.help = Some("remove the clause, or use the binding".to_string());
                    d
                } else {
                    let mut d = warning(
                        code,
                        format!("`for {}` binds a name that is never used", local.name),
                        Label::new(local.span, "unused"),
                    );
                    d.help = Some(format!(
                        "use it, or rename it `_{}` if only the number of elements matters",
                        local.name
                    ));
                    d
                };
                unused.push((local.name.clone(), d));
            }
        }
        let checked = hir::Rule {
            action: match rule.action {
                ast::RuleAction::Deny => hir::Action::Deny,
                ast::RuleAction::Warn => hir::Action::Warn,
                ast::RuleAction::Info => hir::Action::Info,
            },
            name: Arc::from(rule.name.name.as_str()),
            qualified: self.qualify(&rule.name.name),
            clauses,
            message,
            locals: std::mem::take(&mut self.locals),
            bindings: rule_bindings,
        };
        (checked, unused)
    }

    fn check_rebinding(&mut self, name: &ast::Ident, rule_bindings: &[(Arc<str>, LocalId)]) {
        if let Some((_, first)) = rule_bindings.iter().find(|(n, _)| **n == *name.name) {
            let first_span = self
                .locals
                .get(first.0 as usize)
                .map(|l| l.span)
                .unwrap_or_default();
            self.report(
                codes::DUPLICATE_DEFINITION,
                format!("`{}` is already bound in this rule", name.name),
                name.span,
                "bound again here",
            )
            .secondary
            .push(Label::new(first_span, "first bound here"));
        }
    }

    fn resolve_rule(&mut self, path: &ast::Path) -> Option<(Arc<str>, hir::Action)> {
        let target = match path.segments.split_last() {
            Some((last, [])) => self
                .scope
                .modules
                .get(&self.context.module)
                .and_then(|m| m.values.get(last.name.as_str())),
            Some((last, prefix)) => {
                let prefix: Vec<&str> = prefix.iter().map(|s| s.name.as_str()).collect();
                let prefix = prefix.join(".");
                if self.context.imports.contains_key(prefix.as_str()) {
                    self.uses.aliases.insert(Arc::from(prefix.as_str()));
                }
                self.scope
                    .module_named(self.context, &prefix)
                    .and_then(|(_, m)| m.values.get(last.name.as_str()))
            }
            None => None,
        };
        if let Some(GlobalDef::Rule { qualified, action }) = target {
            self.uses.globals.insert(qualified.clone());
            return Some((qualified.clone(), *action));
        }
        let dotted = path.dotted();
        let candidates: Vec<&str> = self
            .scope
            .modules
            .get(&self.context.module)
            .map(|m| {
                m.values
                    .iter()
                    .filter(|(_, d)| matches!(d, GlobalDef::Rule { .. }))
                    .map(|(n, _)| &**n)
                    .collect()
            })
            .unwrap_or_default();
        let help = did_you_mean(&dotted, candidates);
        self.report(
            codes::UNKNOWN_RULE,
            format!("no rule named `{dotted}`"),
            path.span,
            "not a rule",
        )
        .help = help;
        None
    }

    fn except(&mut self, except: &ast::Except) -> Option<hir::Except> {
        let (rule, _) = self.resolve_rule(&except.rule)?;
        let bindings = self.env.rule_bindings(&rule).unwrap_or_default();
        let mut pairs = Vec::new();
        for (name, ty, rule_slot) in bindings.iter() {
            let id = self.declare(name, ty.clone(), except.rule.span);
            pairs.push((id, *rule_slot));
        }
        let condition = except.condition.as_ref().map(|c| self.condition(c));
        let used: BTreeSet<Arc<str>> = pairs
            .iter()
            .filter(|(id, _)| self.used.get(id.0 as usize) == Some(&true))
            .filter_map(|(id, _)| self.locals.get(id.0 as usize).map(|l| l.name.clone()))
            .collect();
        self.uses.except_bindings = Some((rule.clone(), used));
        let until = except.until.as_ref().map(|d| hir::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        });
        let reason = self.plain_string(&except.reason, "the reason");
        Some(hir::Except {
            rule,
            condition,
            until,
            reason,
            locals: std::mem::take(&mut self.locals),
            bindings: pairs,
        })
    }

    fn test(&mut self, test: &ast::Test) -> hir::TestBlock {
        let name = self.plain_string(&test.name, "a test's name");
        let mut expects = Vec::new();
        for expect in &test.expects {
            let image = self.test_image(&expect.image);
            let rule = self.resolve_rule(&expect.rule);
            if let Some((_, action)) = &rule {
                let impossible = match expect.outcome {
                    ast::Outcome::Denies => *action != hir::Action::Deny,
                    ast::Outcome::Warns => *action != hir::Action::Warn,
                    ast::Outcome::Passes => false,
                };
                if impossible {
                    let kind = match action {
                        hir::Action::Deny => "deny",
                        hir::Action::Warn => "warn",
                        hir::Action::Info => "info",
                    };
                    let fitting = match action {
                        hir::Action::Deny => "use `denies` or `passes`",
                        hir::Action::Warn => "use `warns` or `passes`",
                        hir::Action::Info => "an `info` rule can only be expected to `pass`",
                    };
                    self.report(
                        codes::IMPOSSIBLE_OUTCOME,
                        format!(
                            "`{}` is a `{kind}` rule: it never {}",
                            expect.rule.dotted(),
                            expect.outcome.keyword()
                        ),
                        expect.outcome_span,
                        "impossible outcome",
                    )
                    .help = Some(fitting.to_string());
                }
            }
            let with_message = expect
                .with_message
                .as_ref()
                .map(|m| self.plain_string(m, "the expected message"));
            let times = expect
                .times
                .as_ref()
                .map(|t| u64::try_from(t.value).unwrap_or(0));
            if let (Some(image), Some((rule, _))) = (image, rule) {
                let outcome = match expect.outcome {
                    ast::Outcome::Denies => hir::Outcome::Denies,
                    ast::Outcome::Warns => hir::Outcome::Warns,
                    ast::Outcome::Passes => hir::Outcome::Passes,
                };
                expects.push(hir::Expectation {
                    image,
                    outcome,
                    rule,
                    with_message,
                    times,
                    span: expect.span,
                });
            }
        }
        hir::TestBlock { name, expects }
    }

    fn test_image(&mut self, image: &ast::Expr) -> Option<hir::TestImage> {
        match &image.kind {
            ast::ExprKind::Image { .. } => {
                let expected = self.scope.image_type();
                Some(hir::TestImage::Literal(self.expect_type(
                    image,
                    &expected,
                    "a test image",
                )))
            }
            ast::ExprKind::Call { callee, args } if matches!(&callee.kind, ast::ExprKind::Name(n) if n.name == "facts") =>
            {
                if let [arg] = args.as_slice()
                    && let ast::ExprKind::Literal(ast::Literal::String(s)) = &arg.kind
                    && let Some(path) = s.as_plain()
                {
                    return Some(hir::TestImage::FactsFile(path));
                }
                self.report(
                    codes::INVALID_TEST_IMAGE,
                    "`facts` takes one constant path".to_string(),
                    image.span,
                    "not a constant path",
                )
                .help = Some("write `facts(\"path/to/facts.json\")`".to_string());
                None
            }
            _ => {
                self.report(
                    codes::INVALID_TEST_IMAGE,
                    "a test image must be an image literal or `facts(\"path.json\")`".to_string(),
                    image.span,
                    "not an image",
                )
                .help = Some("write `image { config: { user: \"root\" } }`".to_string());
                None
            }
        }
    }

    fn plain_string(&mut self, lit: &ast::StringLit, what: &str) -> String {
        match lit.as_plain() {
            Some(text) => text,
            None => {
                self.report(
                    codes::TYPE_MISMATCH,
                    format!("{what} cannot interpolate"),
                    lit.span,
                    "has `{...}`",
                )
                .help = Some("write `{{` and `}}` for literal braces".to_string());
                String::new()
            }
        }
    }

    fn constant_regex(&mut self, lit: &ast::StringLit) -> Option<String> {
        let Some(pattern) = lit.as_plain() else {
            self.report(
                codes::INVALID_PATTERN,
                "a pattern cannot interpolate".to_string(),
                lit.span,
                "not a constant",
            )
            .help = Some("write the pattern as a raw string: `r\"...\"`".to_string());
            return None;
        };
        if let Err(err) = regex::Regex::new(&pattern) {
            let detail = err.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            self.report(
                codes::INVALID_PATTERN,
                format!("invalid regular expression `{pattern}`"),
                lit.span,
                last,
            );
            return None;
        }
        Some(pattern)
    }

    // ---- expressions ------------------------------------------------------------------

    /// Checks `expr` as a `bool` condition.
    fn condition(&mut self, expr: &ast::Expr) -> hir::Expr {
        self.expect_type(expr, &Type::Bool, "a condition")
    }

    /// Checks `expr` against `expected`, reporting a mismatch and inserting coercions.
    fn expect_type(&mut self, expr: &ast::Expr, expected: &Type, what: &str) -> hir::Expr {
        let checked = self.expr(expr, Some(expected));
        self.coerce(checked, expected, what)
    }

    fn coerce(&mut self, checked: hir::Expr, expected: &Type, what: &str) -> hir::Expr {
        if checked.ty.fits(expected) {
            return checked;
        }
        if let Some(coercion) = coercion_between(&checked.ty, expected) {
            let ty = match coercion {
                Coercion::StringToVersion => Type::Version,
                Coercion::IntToFloat => Type::Float,
                Coercion::DateToTime => Type::Time,
            };
            let span = checked.span;
            return expr_of(
                ty,
                span,
                ExprKind::Coerce {
                    coercion,
                    expr: Box::new(checked),
                },
            );
        }
        let help = if checked.ty.is_optional() && checked.ty.non_optional().fits(expected) {
            Some("the value may be `none`: give a fallback with `??`".to_string())
        } else {
            None
        };
        let d = self.report(
            codes::TYPE_MISMATCH,
            format!("expected `{expected}`, found `{}`", checked.ty),
            checked.span,
            format!("{what} must be `{expected}`"),
        );
        d.help = help;
        error_expr(checked.span)
    }

    fn element_type(&mut self, iterable: &hir::Expr) -> Type {
        if iterable.ty.is_error() {
            return Type::Error;
        }
        match iterable.ty.non_optional().element() {
            Some(elem) => elem.clone(),
            None => {
                self.report(
                    codes::NOT_ITERABLE,
                    format!("cannot iterate over `{}`", iterable.ty),
                    iterable.span,
                    "not a list, set or map",
                );
                Type::Error
            }
        }
    }

    fn expr(&mut self, expr: &ast::Expr, expected: Option<&Type>) -> hir::Expr {
        let span = expr.span;
        match &expr.kind {
            ast::ExprKind::Paren(inner) => self.expr(inner, expected),
            ast::ExprKind::Literal(literal) => self.literal(literal, span, expected),
            ast::ExprKind::Name(ident) => self.name(ident, expected),
            ast::ExprKind::Unary { op, operand, .. } => self.unary(*op, operand, span),
            ast::ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => self.binary(*op, *op_span, lhs, rhs, span),
            ast::ExprKind::Field {
                receiver,
                name,
                optional,
            } => {
                if !optional && let Some(target) = self.path_target(expr, expected) {
                    return self.path_value(target, span);
                }
                let base = self.expr(receiver, None);
                self.field(base, name, *optional, span)
            }
            ast::ExprKind::MethodCall {
                receiver,
                method,
                optional,
                args,
            } => {
                // `module.fn(args)` is a qualified call, not a method call.
                if !optional
                    && let Some(segments) = dotted_path(receiver)
                    && !self
                        .bindings
                        .iter()
                        .any(|(n, _)| segments.first().is_some_and(|s| **n == *s.name))
                    && let Some((_, module)) = self.module_prefix(&segments)
                {
                    let def = module.values.get(method.name.as_str()).cloned();
                    return self.call_global(def, method, args, span);
                }
                let receiver = self.expr(receiver, None);
                if receiver.ty.is_error() {
                    for arg in args {
                        self.expr(arg, None);
                    }
                    return error_expr(span);
                }
                let optional_receiver = *optional && receiver.ty.is_optional();
                let receiver = if optional_receiver {
                    hir::Expr {
                        ty: receiver.ty.non_optional().clone(),
                        ..receiver
                    }
                } else {
                    receiver
                };
                let mut call = self.call_named(method, Some(receiver), args, span, expected);
                if optional_receiver && !call.ty.is_error() {
                    call.ty = Type::optional(call.ty);
                }
                call
            }
            ast::ExprKind::Index { receiver, index } => self.index(receiver, index, span),
            ast::ExprKind::Call { callee, args } => match &callee.kind {
                ast::ExprKind::Name(ident) => self.call_named(ident, None, args, span, expected),
                ast::ExprKind::Field {
                    name,
                    optional: false,
                    ..
                } => {
                    if let Some(segments) = dotted_path(callee)
                        && let Some((_, prefix)) = segments.split_last()
                        && let Some((_, module)) = self.module_prefix(prefix)
                    {
                        let def = module.values.get(name.name.as_str()).cloned();
                        return self.call_global(def, name, args, span);
                    }
                    self.not_callable(callee, args, span)
                }
                _ => self.not_callable(callee, args, span),
            },
            ast::ExprKind::List(elems) => {
                let hint = expected.map(Type::non_optional).and_then(|t| match t {
                    Type::List(e) | Type::Set(e) => Some((**e).clone()),
                    _ => None,
                });
                let (elems, elem) = self.elements(elems, hint.as_ref());
                expr_of(Type::list(elem), span, ExprKind::List(elems))
            }
            ast::ExprKind::Set(elems) => {
                let hint = expected.map(Type::non_optional).and_then(|t| match t {
                    Type::List(e) | Type::Set(e) => Some((**e).clone()),
                    _ => None,
                });
                let (elems, elem) = self.elements(elems, hint.as_ref());
                expr_of(Type::set(elem), span, ExprKind::Set(elems))
            }
            ast::ExprKind::Map(entries) => self.map_literal(entries, expected, span),
            ast::ExprKind::Record(fields) => match expected.map(Type::non_optional) {
                Some(Type::Record(decl)) => {
                    let decl = decl.clone();
                    self.record_literal(&decl, fields, span)
                }
                _ => {
                    for field in fields {
                        self.expr(&field.value, None);
                    }
                    let d = self.report(
                        codes::TYPE_MISMATCH,
                        "cannot tell the type of this record literal".to_string(),
                        span,
                        "record literal",
                    );
                    d.help = Some(match expected {
                        Some(t) if !t.is_error() => format!("a `{t}` is expected here"),
                        _ => "record literals are allowed where a record type is expected"
                            .to_string(),
                    });
                    error_expr(span)
                }
            },
            ast::ExprKind::EmptyBraces => match expected.map(Type::non_optional) {
                Some(Type::Record(decl)) => {
                    let decl = decl.clone();
                    self.record_literal(&decl, &[], span)
                }
                Some(Type::Map(k, v)) => expr_of(
                    Type::map((**k).clone(), (**v).clone()),
                    span,
                    ExprKind::Map(Vec::new()),
                ),
                Some(Type::Set(e)) => {
                    expr_of(Type::set((**e).clone()), span, ExprKind::Set(Vec::new()))
                }
                _ => expr_of(Type::set(Type::Never), span, ExprKind::Set(Vec::new())),
            },
            ast::ExprKind::Image { fields, .. } => {
                let image = self.scope.image_type();
                match image {
                    Type::Record(decl) => self.record_literal(&decl, fields, span),
                    _ => error_expr(span),
                }
            }
            ast::ExprKind::Comprehension {
                kind,
                element,
                generator,
            } => {
                let Some((binding, source, filter)) = self.generator_start(generator) else {
                    self.expr(element, None);
                    self.bindings.pop();
                    return error_expr(span);
                };
                let hint = expected.and_then(|t| t.non_optional().element().cloned());
                let element = self.expr(element, hint.as_ref());
                self.bindings.pop();
                let (kind, ty) = match kind {
                    ast::ComprehensionKind::List => {
                        (hir::ComprehensionKind::List, Type::list(element.ty.clone()))
                    }
                    ast::ComprehensionKind::Set => {
                        (hir::ComprehensionKind::Set, Type::set(element.ty.clone()))
                    }
                };
                expr_of(
                    ty,
                    span,
                    ExprKind::Comprehension {
                        kind,
                        binding,
                        source: Box::new(source),
                        filter,
                        element: Box::new(element),
                    },
                )
            }
            ast::ExprKind::Aggregate {
                func,
                projection,
                generator,
                ..
            } => self.aggregate(*func, projection.as_deref(), generator, span),
        }
    }

    /// Checks a generator's collection, binds its variable (left in scope: the caller pops
    /// it) and checks its condition. None when the collection is in error.
    fn generator_start(
        &mut self,
        generator: &ast::Generator,
    ) -> Option<(LocalId, hir::Expr, Option<Box<hir::Expr>>)> {
        let source = self.expr(&generator.iterable, None);
        let elem = self.element_type(&source);
        let binding = self.declare(
            &generator.binding.name,
            elem.clone(),
            generator.binding.span,
        );
        let filter = generator
            .condition
            .as_ref()
            .map(|c| Box::new(self.condition(c)));
        if elem.is_error() {
            return None;
        }
        Some((binding, source, filter))
    }

    fn aggregate(
        &mut self,
        func: ast::AggregateFunc,
        projection: Option<&ast::Expr>,
        generator: &ast::Generator,
        span: Span,
    ) -> hir::Expr {
        let started = self.generator_start(generator);
        let value = projection.map(|p| self.expr(p, None));
        let binding_ty = started.as_ref().map(|(id, _, _)| self.local_type(*id));
        self.bindings.pop();
        let Some((binding, source, filter)) = started else {
            return error_expr(span);
        };
        let (kind, ty, value) = match func {
            ast::AggregateFunc::Count => (hir::AggregateKind::Count, Type::Int, None),
            ast::AggregateFunc::Any => (hir::AggregateKind::Any, Type::Bool, None),
            ast::AggregateFunc::All => (hir::AggregateKind::All, Type::Bool, None),
            ast::AggregateFunc::Sum | ast::AggregateFunc::Min | ast::AggregateFunc::Max => {
                let value = value.unwrap_or_else(|| {
                    expr_of(
                        binding_ty.clone().unwrap_or(Type::Error),
                        generator.binding.span,
                        ExprKind::Local(binding),
                    )
                });
                let (kind, ty) = match func {
                    ast::AggregateFunc::Sum => {
                        if !matches!(
                            value.ty,
                            Type::Int | Type::Float | Type::Duration | Type::Error
                        ) {
                            self.report(
                                codes::BAD_OPERANDS,
                                format!("cannot sum `{}`", value.ty),
                                value.span,
                                "not a number or duration",
                            );
                            return error_expr(span);
                        }
                        (hir::AggregateKind::Sum, value.ty.clone())
                    }
                    _ => {
                        if !value.ty.is_ordered() {
                            self.report(
                                codes::BAD_OPERANDS,
                                format!("`{}` values have no order", value.ty),
                                value.span,
                                "not ordered",
                            );
                            return error_expr(span);
                        }
                        let kind = if func == ast::AggregateFunc::Min {
                            hir::AggregateKind::Min
                        } else {
                            hir::AggregateKind::Max
                        };
                        (kind, Type::optional(value.ty.clone()))
                    }
                };
                (kind, ty, Some(Box::new(value)))
            }
        };
        expr_of(
            ty,
            span,
            ExprKind::Aggregate {
                kind,
                binding: Some(binding),
                source: Box::new(source),
                filter,
                value,
            },
        )
    }

    fn literal(
        &mut self,
        literal: &ast::Literal,
        span: Span,
        expected: Option<&Type>,
    ) -> hir::Expr {
        let (ty, kind) = match literal {
            ast::Literal::Int(i) => (Type::Int, ExprKind::Literal(hir::Literal::Int(i.value))),
            ast::Literal::Float(f) => (
                Type::Float,
                ExprKind::Literal(hir::Literal::Float(f.value())),
            ),
            ast::Literal::Bool(b) => (Type::Bool, ExprKind::Literal(hir::Literal::Bool(*b))),
            ast::Literal::None => {
                let ty = match expected {
                    Some(t @ Type::Optional(_)) => t.clone(),
                    _ => Type::None,
                };
                (ty, ExprKind::Literal(hir::Literal::None))
            }
            ast::Literal::Date(d) => (
                Type::Date,
                ExprKind::Literal(hir::Literal::Date(hir::Date {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                })),
            ),
            ast::Literal::Duration(d) => (
                Type::Duration,
                ExprKind::Literal(hir::Literal::Duration(d.seconds)),
            ),
            ast::Literal::String(s) => match s.as_plain() {
                Some(text) => (Type::String, ExprKind::Literal(hir::Literal::String(text))),
                None => (Type::String, ExprKind::Interpolated(self.template(s))),
            },
        };
        expr_of(ty, span, kind)
    }

    fn template(&mut self, lit: &ast::StringLit) -> hir::Template {
        let mut parts = Vec::new();
        for part in &lit.parts {
            match part {
                ast::StringPart::Text { value, .. } => {
                    parts.push(hir::TemplatePart::Text(value.clone()))
                }
                ast::StringPart::Interpolation { expr, .. } => {
                    let checked = self.expr(expr, None);
                    if !checked.ty.contains_error() && !checked.ty.is_printable() {
                        self.report(
                            codes::NOT_PRINTABLE,
                            format!("cannot print a `{}`", checked.ty),
                            checked.span,
                            "has no text form",
                        )
                        .help = Some("interpolate one of its fields instead".to_string());
                    }
                    parts.push(hir::TemplatePart::Expr(checked));
                }
            }
        }
        hir::Template {
            parts,
            span: lit.span,
        }
    }

    fn name(&mut self, ident: &ast::Ident, expected: Option<&Type>) -> hir::Expr {
        let span = ident.span;
        let name = ident.name.as_str();
        if let Some(id) = self.lookup_local(name) {
            return expr_of(self.local_type(id), span, ExprKind::Local(id));
        }
        if name == "image" {
            return expr_of(self.scope.image_type(), span, ExprKind::Image);
        }
        if let Some(def) = self.scope.module_value(self.context, name).cloned() {
            return self.path_value(PathTarget::Global(def), span);
        }
        // A bare enum variant: by the expected type, else when only one enum has it.
        if let Some(enums) = self.scope.variants.get(name).cloned() {
            let wanted = expected.map(Type::non_optional);
            let chosen = match wanted {
                Some(Type::Enum(decl)) if enums.contains(decl) => Some(decl.clone()),
                _ if enums.len() == 1 => enums.first().cloned(),
                _ => None,
            };
            if let Some(decl) = chosen
                && let Some(variant) = self.variant(&decl, name)
            {
                return self.path_value(PathTarget::Variant(variant), span);
            }
            let qualified: Vec<String> = enums
                .iter()
                .map(|d| format!("`{}.{name}`", d.name))
                .collect();
            self.report(
                codes::AMBIGUOUS_VARIANT,
                format!("`{name}` is a variant of several enums"),
                span,
                "ambiguous",
            )
            .help = Some(format!("qualify it: {}", qualified.join(" or ")));
            return error_expr(span);
        }
        if self.scope.type_named(self.context, name).is_some()
            || self.context.imports.contains_key(name)
            || self.scope.builtin_names.contains_key(name)
        {
            self.report(
                codes::NOT_A_VALUE,
                format!("`{name}` is not a value"),
                span,
                "not a value",
            );
            return error_expr(span);
        }
        let mut candidates: Vec<String> =
            self.bindings.iter().map(|(n, _)| n.to_string()).collect();
        candidates.push("image".to_string());
        if let Some(module) = self.scope.modules.get(&self.context.module) {
            candidates.extend(
                module
                    .values
                    .iter()
                    .filter(|(_, d)| is_value(d))
                    .map(|(n, _)| n.to_string()),
            );
        }
        candidates.extend(self.scope.variants.keys().map(|k| k.to_string()));
        let help = did_you_mean(name, candidates.iter().map(String::as_str));
        self.report(
            codes::UNRESOLVED_NAME,
            format!("cannot find `{name}` in this scope"),
            span,
            "not found",
        )
        .help = help;
        error_expr(span)
    }

    fn variant(&self, decl: &DeclRef, name: &str) -> Option<hir::EnumVariant> {
        let enumeration = self.scope.enumeration(decl)?;
        let ordinal = enumeration.variant(name)?;
        Some(hir::EnumVariant {
            enumeration: decl.clone(),
            name: Arc::from(name),
            ordinal: u32::try_from(ordinal).unwrap_or(u32::MAX),
        })
    }

    fn path_value(&mut self, target: PathTarget, span: Span) -> hir::Expr {
        match target {
            PathTarget::Reported => error_expr(span),
            PathTarget::Variant(variant) => expr_of(
                Type::Enum(variant.enumeration.clone()),
                span,
                ExprKind::Variant(variant),
            ),
            PathTarget::Global(GlobalDef::Param { qualified, ty }) => {
                self.uses.globals.insert(qualified.clone());
                expr_of(ty, span, ExprKind::Param(qualified))
            }
            PathTarget::Global(GlobalDef::Fn(sig)) => {
                self.uses.globals.insert(sig.qualified.clone());
                self.report(
                    codes::NOT_A_VALUE,
                    format!("function `{}` is not a value", sig.qualified),
                    span,
                    "not called",
                )
                .help = Some("call it: `name(args)`".to_string());
                error_expr(span)
            }
            PathTarget::Global(
                GlobalDef::Rule { qualified, .. } | GlobalDef::Secret { qualified },
            ) => {
                self.report(
                    codes::NOT_A_VALUE,
                    format!("`{qualified}` is not a value"),
                    span,
                    "not a value",
                )
                .help = Some(
                    "rules and secrets have no value; read the facts through `image`".to_string(),
                );
                error_expr(span)
            }
        }
    }

    /// The module a path prefix names (an import alias or a full module name), recording
    /// the alias use.
    fn module_prefix(
        &mut self,
        segments: &[&ast::Ident],
    ) -> Option<(Arc<str>, &crate::resolve::ModuleScope)> {
        if segments.is_empty() {
            return None;
        }
        let dotted: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
        let dotted = dotted.join(".");
        let found = self.scope.module_named(self.context, &dotted)?;
        if self.context.imports.contains_key(dotted.as_str()) {
            self.uses.aliases.insert(Arc::from(dotted.as_str()));
        }
        Some(found)
    }

    /// What `a.b.c` names when `a` is not a value: a module's value or an enum variant.
    fn path_target(&mut self, expr: &ast::Expr, _expected: Option<&Type>) -> Option<PathTarget> {
        let segments = dotted_path(expr)?;
        let first = segments.first()?;
        if first.name == "image" || self.bindings.iter().any(|(n, _)| **n == *first.name) {
            return None;
        }
        let (last, prefix) = segments.split_last()?;
        // `Enum.Variant` (the enum possibly qualified by a module).
        if let Some((enum_name, module_part)) = prefix.split_last() {
            let ty = if module_part.is_empty() {
                self.scope
                    .type_named(self.context, &enum_name.name)
                    .cloned()
            } else {
                let module = self
                    .module_prefix(module_part)
                    .map(|(_, m)| m.types.get(enum_name.name.as_str()).cloned());
                module.flatten()
            };
            if let Some(Type::Enum(decl)) = ty {
                return match self.variant(&decl, &last.name) {
                    Some(variant) => Some(PathTarget::Variant(variant)),
                    None => {
                        let names: Vec<String> = self
                            .scope
                            .enumeration(&decl)
                            .map(|e| e.variants.iter().map(|v| v.name.to_string()).collect())
                            .unwrap_or_default();
                        let help = did_you_mean(&last.name, names.iter().map(String::as_str));
                        self.report(
                            codes::UNRESOLVED_NAME,
                            format!("no variant `{}` in enum `{}`", last.name, decl.name),
                            last.span,
                            "not a variant",
                        )
                        .help = help;
                        Some(PathTarget::Reported)
                    }
                };
            }
        }
        // `module.value`.
        if let Some((module_name, module)) = self.module_prefix(prefix) {
            if let Some(def) = module.values.get(last.name.as_str()).cloned() {
                return Some(PathTarget::Global(def));
            }
            let names: Vec<String> = module.values.keys().map(|k| k.to_string()).collect();
            let help = did_you_mean(&last.name, names.iter().map(String::as_str));
            self.report(
                codes::UNRESOLVED_NAME,
                format!("cannot find `{}` in module `{module_name}`", last.name),
                last.span,
                "not found",
            )
            .help = help;
            return Some(PathTarget::Reported);
        }
        None
    }

    fn field(
        &mut self,
        base: hir::Expr,
        name: &ast::Ident,
        optional: bool,
        span: Span,
    ) -> hir::Expr {
        if base.ty.is_error() {
            return error_expr(span);
        }
        let base_optional = base.ty.is_optional();
        let record = match base.ty.non_optional() {
            Type::Record(decl) => self.scope.record(decl).cloned(),
            _ => None,
        };
        let Some(record) = record else {
            self.report(
                codes::UNKNOWN_FIELD,
                format!("no field `{}` on `{}`", name.name, base.ty.non_optional()),
                name.span,
                "unknown field",
            );
            return error_expr(span);
        };
        let Some((index, field)) = record.field(&name.name) else {
            let help = did_you_mean(&name.name, record.fields.iter().map(|f| &*f.name));
            self.report(
                codes::UNKNOWN_FIELD,
                format!("no field `{}` on `{}`", name.name, record.decl.name),
                name.span,
                "unknown field",
            )
            .help = help;
            return error_expr(span);
        };
        let field_ty = field.ty.clone();
        let field_ref = hir::FieldRef {
            record: record.decl.clone(),
            name: field.name.clone(),
            index: u32::try_from(index).unwrap_or(u32::MAX),
        };
        if base_optional && !optional {
            self.report(
                codes::OPTIONAL_ACCESS,
                format!("`{}` may be `none`", base.ty),
                base.span,
                "optional",
            )
            .help = Some(format!(
                "use `?.{}` to get `none` when it is none",
                name.name
            ));
        }
        let ty = if base_optional {
            Type::optional(field_ty)
        } else {
            field_ty
        };
        expr_of(
            ty,
            span,
            ExprKind::Field {
                base: Box::new(base),
                field: field_ref,
                optional_chain: optional,
            },
        )
    }

    fn index(&mut self, receiver: &ast::Expr, index: &ast::Expr, span: Span) -> hir::Expr {
        let base = self.expr(receiver, None);
        let (key_ty, value_ty) = match base.ty.non_optional() {
            Type::List(elem) => (Type::Int, (**elem).clone()),
            Type::Map(k, v) => ((**k).clone(), (**v).clone()),
            Type::Error => {
                self.expr(index, None);
                return error_expr(span);
            }
            other => {
                let message = format!("cannot index a `{other}`");
                self.report(codes::BAD_OPERANDS, message, base.span, "not a list or map");
                self.expr(index, None);
                return error_expr(span);
            }
        };
        let index = self.expect_type(index, &key_ty, "the index");
        expr_of(
            Type::optional(value_ty),
            span,
            ExprKind::Index {
                base: Box::new(base),
                index: Box::new(index),
            },
        )
    }

    fn not_callable(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> hir::Expr {
        let checked = self.expr(callee, None);
        for arg in args {
            self.expr(arg, None);
        }
        if !checked.ty.is_error() {
            self.report(
                codes::NOT_CALLABLE,
                format!("a `{}` cannot be called", checked.ty),
                callee.span,
                "not a function",
            );
        }
        error_expr(span)
    }

    fn call_global(
        &mut self,
        def: Option<GlobalDef>,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        match def {
            Some(GlobalDef::Fn(sig)) => self.call_user(&sig, None, args, span, name.span),
            Some(_) => {
                for arg in args {
                    self.expr(arg, None);
                }
                self.report(
                    codes::NOT_CALLABLE,
                    format!("`{}` is not a function", name.name),
                    name.span,
                    "not a function",
                );
                error_expr(span)
            }
            None => {
                for arg in args {
                    self.expr(arg, None);
                }
                self.report(
                    codes::UNRESOLVED_NAME,
                    format!("cannot find function `{}`", name.name),
                    name.span,
                    "not found",
                );
                error_expr(span)
            }
        }
    }

    fn call_named(
        &mut self,
        name: &ast::Ident,
        receiver: Option<hir::Expr>,
        args: &[ast::Expr],
        span: Span,
        expected: Option<&Type>,
    ) -> hir::Expr {
        let fname = name.name.as_str();
        // A local shadows everything: calling it is an error.
        if receiver.is_none() && self.bindings.iter().any(|(n, _)| **n == *fname) {
            let callee = ast::Expr {
                span: name.span,
                kind: ast::ExprKind::Name(name.clone()),
            };
            return self.not_callable(&callee, args, span);
        }
        // `count(xs)` and friends on a plain collection.
        if receiver.is_none()
            && let Some(func) = ast::AggregateFunc::from_name(fname)
            && let [arg] = args
        {
            return self.plain_aggregate(func, arg, span);
        }
        // User fns of this module come first, then builtins.
        let local_fn = self
            .scope
            .modules
            .get(&self.context.module)
            .and_then(|m| m.values.get(fname))
            .cloned();
        if let Some(GlobalDef::Fn(sig)) = local_fn {
            return self.call_user(&sig, receiver, args, span, name.span);
        }
        if let Some(overloads) = self.scope.builtin_names.get(fname).cloned() {
            return self.call_builtin(name, &overloads, receiver, args, span, expected);
        }
        if let Some(def) = self.scope.module_value(self.context, fname).cloned() {
            if let GlobalDef::Fn(sig) = def {
                return self.call_user(&sig, receiver, args, span, name.span);
            }
            for arg in args {
                self.expr(arg, None);
            }
            self.report(
                codes::NOT_CALLABLE,
                format!("`{fname}` is not a function"),
                name.span,
                "not a function",
            );
            return error_expr(span);
        }
        for arg in args {
            self.expr(arg, None);
        }
        let mut candidates: Vec<String> = self
            .scope
            .builtin_names
            .keys()
            .map(|k| k.to_string())
            .collect();
        if let Some(module) = self.scope.modules.get(&self.context.module) {
            candidates.extend(
                module
                    .values
                    .iter()
                    .filter(|(_, d)| matches!(d, GlobalDef::Fn(_)))
                    .map(|(n, _)| n.to_string()),
            );
        }
        let help = did_you_mean(fname, candidates.iter().map(String::as_str));
        self.report(
            codes::UNRESOLVED_NAME,
            format!("cannot find function `{fname}`"),
            name.span,
            "not found",
        )
        .help = help;
        error_expr(span)
    }

    fn plain_aggregate(
        &mut self,
        func: ast::AggregateFunc,
        arg: &ast::Expr,
        span: Span,
    ) -> hir::Expr {
        let source = self.expr(arg, None);
        let elem = self.element_type(&source);
        if elem.is_error() {
            return error_expr(span);
        }
        let (kind, ty) = match func {
            ast::AggregateFunc::Count => (hir::AggregateKind::Count, Type::Int),
            ast::AggregateFunc::Any | ast::AggregateFunc::All => {
                if !elem.fits(&Type::Bool) {
                    self.report(
                        codes::TYPE_MISMATCH,
                        format!("expected a collection of `bool`, found `{}`", source.ty),
                        source.span,
                        format!("`{}` needs booleans", func.name()),
                    );
                    return error_expr(span);
                }
                let kind = if func == ast::AggregateFunc::Any {
                    hir::AggregateKind::Any
                } else {
                    hir::AggregateKind::All
                };
                (kind, Type::Bool)
            }
            ast::AggregateFunc::Sum => {
                if !matches!(elem, Type::Int | Type::Float | Type::Duration) {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!("cannot sum `{elem}`"),
                        source.span,
                        "not numbers",
                    );
                    return error_expr(span);
                }
                (hir::AggregateKind::Sum, elem)
            }
            ast::AggregateFunc::Min | ast::AggregateFunc::Max => {
                if !elem.is_ordered() {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!("`{elem}` values have no order"),
                        source.span,
                        "not ordered",
                    );
                    return error_expr(span);
                }
                let kind = if func == ast::AggregateFunc::Min {
                    hir::AggregateKind::Min
                } else {
                    hir::AggregateKind::Max
                };
                (kind, Type::optional(elem))
            }
        };
        expr_of(
            ty,
            span,
            ExprKind::Aggregate {
                kind,
                binding: None,
                source: Box::new(source),
                filter: None,
                value: None,
            },
        )
    }

    fn call_user(
        &mut self,
        sig: &crate::resolve::FnSig,
        receiver: Option<hir::Expr>,
        args: &[ast::Expr],
        span: Span,
        name_span: Span,
    ) -> hir::Expr {
        self.uses.globals.insert(sig.qualified.clone());
        self.uses.calls.insert(sig.qualified.clone());
        let given = args.len() + usize::from(receiver.is_some());
        if given != sig.params.len() {
            for arg in args {
                self.expr(arg, None);
            }
            self.report(
                codes::WRONG_ARGUMENT_COUNT,
                format!(
                    "`{}` takes {} argument{}, {given} given",
                    sig.qualified,
                    sig.params.len(),
                    plural(sig.params.len())
                ),
                name_span,
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        let mut checked = Vec::new();
        let mut params = sig.params.iter();
        if let Some(receiver) = receiver {
            let ty = params.next().map(|(_, t)| t.clone()).unwrap_or(Type::Error);
            checked.push(self.coerce(receiver, &ty, "the receiver"));
        }
        for (arg, (_, ty)) in args.iter().zip(params) {
            checked.push(self.expect_type(arg, ty, "the argument"));
        }
        expr_of(
            sig.ret.clone(),
            span,
            ExprKind::Call {
                callee: hir::Callee::Fn(sig.qualified.clone()),
                args: checked,
            },
        )
    }

    fn call_builtin(
        &mut self,
        name: &ast::Ident,
        overloads: &[u32],
        receiver: Option<hir::Expr>,
        args: &[ast::Expr],
        span: Span,
        _expected: Option<&Type>,
    ) -> hir::Expr {
        let given = args.len() + usize::from(receiver.is_some());
        let sigs: Vec<(u32, hir::BuiltinSig)> = overloads
            .iter()
            .filter_map(|i| {
                self.scope
                    .builtins
                    .get(*i as usize)
                    .map(|s| (*i, s.clone()))
            })
            .collect();
        let arity: Vec<&(u32, hir::BuiltinSig)> = sigs
            .iter()
            .filter(|(_, s)| s.params.len() == given)
            .collect();
        // Check the arguments, with the parameter type as context when every candidate agrees.
        let offset = usize::from(receiver.is_some());
        let mut checked: Vec<hir::Expr> = receiver.into_iter().collect();
        for (position, arg) in args.iter().enumerate() {
            let mut hint: Option<Type> = None;
            let mut agree = true;
            for (_, sig) in &arity {
                let ty = sig.params.get(position + offset).map(|(_, t)| t.clone());
                match (&hint, ty) {
                    (_, Some(t)) if contains_var(&t) => agree = false,
                    (None, Some(t)) => hint = Some(t),
                    (Some(h), Some(t)) if *h != t => agree = false,
                    _ => {}
                }
            }
            let hint = if agree { hint } else { None };
            checked.push(self.expr(arg, hint.as_ref()));
        }
        if checked.iter().any(|a| a.ty.contains_error()) {
            return error_expr(span);
        }
        if arity.is_empty() {
            let counts: BTreeSet<usize> = sigs.iter().map(|(_, s)| s.params.len()).collect();
            let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
            self.report(
                codes::WRONG_ARGUMENT_COUNT,
                format!(
                    "`{}` takes {} argument{}, {given} given",
                    name.name,
                    counts.join(" or "),
                    plural(2)
                ),
                name.span,
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        for (index, sig) in &arity {
            let mut vars: BTreeMap<Arc<str>, Type> = BTreeMap::new();
            let mut coerced = Vec::new();
            let mut ok = true;
            for (arg, (_, param)) in checked.iter().zip(&sig.params) {
                if unify(param, &arg.ty, &mut vars) {
                    coerced.push(arg.clone());
                } else if let Some(coercion) = coercion_between(&arg.ty, &substitute(param, &vars))
                {
                    let ty = substitute(param, &vars);
                    coerced.push(expr_of(
                        ty,
                        arg.span,
                        ExprKind::Coerce {
                            coercion,
                            expr: Box::new(arg.clone()),
                        },
                    ));
                } else {
                    ok = false;
                    break;
                }
            }
            if ok {
                let ret = substitute(&sig.ret, &vars);
                let ret = erase_vars(ret);
                return expr_of(
                    ret,
                    span,
                    ExprKind::Call {
                        callee: hir::Callee::Builtin {
                            name: sig.name.clone(),
                            index: *index,
                        },
                        args: coerced,
                    },
                );
            }
        }
        let found: Vec<String> = checked.iter().map(|a| a.ty.to_string()).collect();
        let signatures: Vec<String> = arity.iter().map(|(_, s)| signature_text(s)).collect();
        self.report(
            codes::NO_MATCHING_SIGNATURE,
            format!("`{}` does not take `({})`", name.name, found.join(", ")),
            span,
            "no signature matches",
        )
        .help = Some(format!("it takes {}", signatures.join(", or ")));
        error_expr(span)
    }

    fn elements(&mut self, elems: &[ast::Expr], hint: Option<&Type>) -> (Vec<hir::Expr>, Type) {
        let mut checked = Vec::new();
        let mut elem_ty = Type::Never;
        for elem in elems {
            let e = self.expr(elem, hint.or(Some(&elem_ty)).filter(|t| **t != Type::Never));
            match elem_ty.join(&e.ty) {
                Some(joined) => {
                    elem_ty = joined;
                    checked.push(e);
                }
                None => {
                    let e = self.coerce(e, &elem_ty.clone(), "every element");
                    checked.push(e);
                }
            }
        }
        (checked, elem_ty)
    }

    fn map_literal(
        &mut self,
        entries: &[ast::MapEntry],
        expected: Option<&Type>,
        span: Span,
    ) -> hir::Expr {
        let (key_hint, value_hint) = match expected.map(Type::non_optional) {
            Some(Type::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
            _ => (None, None),
        };
        let mut key_ty = Type::Never;
        let mut value_ty = Type::Never;
        let mut checked = Vec::new();
        for entry in entries {
            let key = self.expr(&entry.key, key_hint.as_ref());
            let value = self.expr(&entry.value, value_hint.as_ref());
            let key = match key_ty.join(&key.ty) {
                Some(j) => {
                    key_ty = j;
                    key
                }
                None => self.coerce(key, &key_ty.clone(), "every key"),
            };
            let value = match value_ty.join(&value.ty) {
                Some(j) => {
                    value_ty = j;
                    value
                }
                None => self.coerce(value, &value_ty.clone(), "every value"),
            };
            checked.push((key, value));
        }
        expr_of(Type::map(key_ty, value_ty), span, ExprKind::Map(checked))
    }

    fn record_literal(
        &mut self,
        decl: &DeclRef,
        fields: &[ast::RecordField],
        span: Span,
    ) -> hir::Expr {
        let Some(record) = self.scope.record(decl).cloned() else {
            return error_expr(span);
        };
        let mut given: BTreeMap<&str, Span> = BTreeMap::new();
        let mut checked = Vec::new();
        for field in fields {
            if let Some(first) = given.get(field.name.name.as_str()) {
                let first = *first;
                self.report(
                    codes::DUPLICATE_FIELD,
                    format!("field `{}` is given twice", field.name.name),
                    field.name.span,
                    "given again here",
                )
                .secondary
                .push(Label::new(first, "first given here"));
                self.expr(&field.value, None);
                continue;
            }
            given.insert(&field.name.name, field.name.span);
            let Some((index, def)) = record.field(&field.name.name) else {
                let help = did_you_mean(&field.name.name, record.fields.iter().map(|f| &*f.name));
                self.report(
                    codes::UNKNOWN_FIELD,
                    format!("no field `{}` on `{}`", field.name.name, record.decl.name),
                    field.name.span,
                    "unknown field",
                )
                .help = help;
                self.expr(&field.value, None);
                continue;
            };
            let ty = def.ty.clone();
            let field_ref = hir::FieldRef {
                record: record.decl.clone(),
                name: def.name.clone(),
                index: u32::try_from(index).unwrap_or(u32::MAX),
            };
            let value = self.expect_type(&field.value, &ty, "the field");
            checked.push((field_ref, value));
        }
        expr_of(
            Type::Record(decl.clone()),
            span,
            ExprKind::Record {
                record: decl.clone(),
                fields: checked,
            },
        )
    }

    fn unary(&mut self, op: ast::UnaryOp, operand: &ast::Expr, span: Span) -> hir::Expr {
        match op {
            ast::UnaryOp::Not => {
                let operand = self.condition(operand);
                expr_of(
                    Type::Bool,
                    span,
                    ExprKind::Unary {
                        op: hir::UnaryOp::Not,
                        operand: Box::new(operand),
                    },
                )
            }
            ast::UnaryOp::Neg => {
                let operand = self.expr(operand, None);
                if !matches!(
                    operand.ty,
                    Type::Int | Type::Float | Type::Duration | Type::Error
                ) {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!("cannot negate `{}`", operand.ty),
                        operand.span,
                        "not a number",
                    );
                    return error_expr(span);
                }
                expr_of(
                    operand.ty.clone(),
                    span,
                    ExprKind::Unary {
                        op: hir::UnaryOp::Neg,
                        operand: Box::new(operand),
                    },
                )
            }
        }
    }

    fn binary(
        &mut self,
        op: ast::BinaryOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> hir::Expr {
        use ast::BinaryOp as B;
        match op {
            B::And | B::Or => {
                let l = self.condition(lhs);
                let r = self.condition(rhs);
                let op = if op == B::And {
                    hir::BinaryOp::And
                } else {
                    hir::BinaryOp::Or
                };
                expr_of(
                    Type::Bool,
                    span,
                    ExprKind::Binary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                )
            }
            B::Matches | B::Glob => {
                let subject = self.expr(lhs, Some(&Type::String));
                let pattern = match &rhs.kind {
                    ast::ExprKind::Literal(ast::Literal::String(s)) => {
                        if op == B::Matches {
                            self.constant_regex(s)
                        } else {
                            let plain = s.as_plain();
                            if plain.is_none() {
                                self.report(
                                    codes::INVALID_PATTERN,
                                    "a glob cannot interpolate".to_string(),
                                    rhs.span,
                                    "not a constant",
                                );
                            }
                            plain
                        }
                    }
                    _ => {
                        self.expr(rhs, None);
                        self.report(
                            codes::INVALID_PATTERN,
                            format!(
                                "the right side of `{}` must be a constant string",
                                op.symbol()
                            ),
                            rhs.span,
                            "not a constant",
                        )
                        .help = Some(if op == B::Matches {
                            "write the regex as a raw string, `r\"...\"`; for a pattern computed at run time use `regex_find`"
                                .to_string()
                        } else {
                            "for a pattern computed at run time use `glob_match(s, pattern)`"
                                .to_string()
                        });
                        None
                    }
                };
                if !subject.ty.non_optional().fits(&Type::String) {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!("`{}` needs a string, found `{}`", op.symbol(), subject.ty),
                        subject.span,
                        "not a string",
                    );
                    return error_expr(span);
                }
                let Some(pattern) = pattern else {
                    return error_expr(span);
                };
                let kind = if op == B::Matches {
                    ExprKind::Matches {
                        subject: Box::new(subject),
                        pattern,
                        negated: false,
                    }
                } else {
                    ExprKind::Glob {
                        subject: Box::new(subject),
                        pattern,
                    }
                };
                expr_of(Type::Bool, span, kind)
            }
            B::In | B::NotIn => {
                let l = self.expr(lhs, None);
                let hint_elem = l.ty.non_optional().clone();
                let r = self.expr(rhs, Some(&Type::set(hint_elem)));
                if l.ty.is_error() || r.ty.is_error() {
                    return error_expr(span);
                }
                let hop = if op == B::In {
                    hir::BinaryOp::In
                } else {
                    hir::BinaryOp::NotIn
                };
                let ok = match r.ty.non_optional() {
                    Type::String => l.ty.non_optional().fits(&Type::String),
                    Type::List(e) | Type::Set(e) | Type::Map(e, _) => {
                        l.ty.fits(e)
                            || l.ty.non_optional().fits(e)
                            || coercion_between(&l.ty, e).is_some()
                    }
                    _ => false,
                };
                if !ok {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!("cannot look for `{}` in `{}`", l.ty, r.ty),
                        op_span,
                        "mismatched types",
                    );
                    return error_expr(span);
                }
                let l = match r.ty.non_optional().element() {
                    Some(e) if !l.ty.fits(e) && !l.ty.non_optional().fits(e) => {
                        let e = e.clone();
                        self.coerce(l, &e, "the element")
                    }
                    _ => l,
                };
                expr_of(
                    Type::Bool,
                    span,
                    ExprKind::Binary {
                        op: hop,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                )
            }
            B::Coalesce => {
                let l = self.expr(lhs, None);
                let inner = l.ty.non_optional().clone();
                let r = self.expr(rhs, Some(&inner));
                if l.ty.is_error() || r.ty.is_error() {
                    return error_expr(span);
                }
                let (r, ty) = if r.ty.fits(&inner) {
                    let ty = if r.ty.is_optional() {
                        Type::optional(inner)
                    } else {
                        inner
                    };
                    (r, ty)
                } else if let Some(joined) = inner.join(&r.ty) {
                    (r, joined)
                } else {
                    let r = self.coerce(r, &inner, "the fallback");
                    if r.ty.is_error() {
                        return error_expr(span);
                    }
                    (r, inner)
                };
                expr_of(
                    ty,
                    span,
                    ExprKind::Binary {
                        op: hir::BinaryOp::Coalesce,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                )
            }
            B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge => {
                // A bare variant on the left (`High <= v.severity`) takes its type from the
                // right: check the right side first then.
                let (l, r) = if self.is_bare_variant(lhs) {
                    let r = self.expr(rhs, None);
                    let hint = r.ty.non_optional().clone();
                    (self.expr(lhs, Some(&hint)), r)
                } else {
                    let l = self.expr(lhs, None);
                    let hint = l.ty.non_optional().clone();
                    let r = self.expr(rhs, Some(&hint));
                    (l, r)
                };
                let l = if l.ty == Type::None && !r.ty.is_error() {
                    let ty = Type::optional(r.ty.clone());
                    hir::Expr { ty, ..l }
                } else {
                    l
                };
                if l.ty.is_error() || r.ty.is_error() {
                    return error_expr(span);
                }
                let (l, r) = self.unify_operands(l, r);
                let ordering = !matches!(op, B::Eq | B::Ne);
                let comparable = l.ty.non_optional().join(r.ty.non_optional()).is_some()
                    || l.ty.join(&r.ty).is_some()
                    || r.ty == Type::None
                    || l.ty == Type::None;
                let ordered =
                    l.ty.non_optional().is_ordered() || matches!(l.ty.non_optional(), Type::None);
                if !comparable || (ordering && !ordered) {
                    let message = if comparable {
                        format!("`{}` values have no order", l.ty.non_optional())
                    } else {
                        format!("cannot compare `{}` with `{}`", l.ty, r.ty)
                    };
                    self.report(codes::BAD_OPERANDS, message, op_span, "mismatched types");
                    return error_expr(span);
                }
                let hop = match op {
                    B::Eq => hir::BinaryOp::Eq,
                    B::Ne => hir::BinaryOp::Ne,
                    B::Lt => hir::BinaryOp::Lt,
                    B::Le => hir::BinaryOp::Le,
                    B::Gt => hir::BinaryOp::Gt,
                    _ => hir::BinaryOp::Ge,
                };
                expr_of(
                    Type::Bool,
                    span,
                    ExprKind::Binary {
                        op: hop,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                )
            }
            B::Add | B::Sub | B::Mul | B::Div | B::Rem => {
                let l = self.expr(lhs, None);
                let r = self.expr(rhs, None);
                if l.ty.is_error() || r.ty.is_error() {
                    return error_expr(span);
                }
                let (l, r) = self.unify_operands(l, r);
                let result = arithmetic(op, &l.ty, &r.ty);
                let Some(ty) = result else {
                    self.report(
                        codes::BAD_OPERANDS,
                        format!(
                            "cannot apply `{}` to `{}` and `{}`",
                            op.symbol(),
                            l.ty,
                            r.ty
                        ),
                        op_span,
                        "mismatched types",
                    );
                    return error_expr(span);
                };
                let hop = match op {
                    B::Add => hir::BinaryOp::Add,
                    B::Sub => hir::BinaryOp::Sub,
                    B::Mul => hir::BinaryOp::Mul,
                    B::Div => hir::BinaryOp::Div,
                    _ => hir::BinaryOp::Rem,
                };
                expr_of(
                    ty,
                    span,
                    ExprKind::Binary {
                        op: hop,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                )
            }
        }
    }

    fn is_bare_variant(&self, expr: &ast::Expr) -> bool {
        match &expr.kind {
            ast::ExprKind::Name(ident) => {
                self.scope.variants.contains_key(ident.name.as_str())
                    && !self.bindings.iter().any(|(n, _)| **n == *ident.name)
                    && self.scope.module_value(self.context, &ident.name).is_none()
            }
            ast::ExprKind::Paren(inner) => self.is_bare_variant(inner),
            _ => false,
        }
    }

    /// Inserts the conversions that make two operands the same type: int -> float,
    /// string -> version, date -> time.
    fn unify_operands(&mut self, l: hir::Expr, r: hir::Expr) -> (hir::Expr, hir::Expr) {
        let lt = l.ty.non_optional().clone();
        let rt = r.ty.non_optional().clone();
        if let Some(coercion) = coercion_between(&lt, &rt) {
            let span = l.span;
            return (
                expr_of(
                    rt,
                    span,
                    ExprKind::Coerce {
                        coercion,
                        expr: Box::new(l),
                    },
                ),
                r,
            );
        }
        if let Some(coercion) = coercion_between(&rt, &lt) {
            let span = r.span;
            return (
                l,
                expr_of(
                    lt,
                    span,
                    ExprKind::Coerce {
                        coercion,
                        expr: Box::new(r),
                    },
                ),
            );
        }
        (l, r)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn is_value(def: &GlobalDef) -> bool {
    matches!(def, GlobalDef::Param { .. })
}

/// The implicit conversion from `from` to `to`, if there is one.
fn coercion_between(from: &Type, to: &Type) -> Option<Coercion> {
    match (from.non_optional(), to.non_optional()) {
        (Type::String, Type::Version) => Some(Coercion::StringToVersion),
        (Type::Int, Type::Float) => Some(Coercion::IntToFloat),
        (Type::Date, Type::Time) => Some(Coercion::DateToTime),
        _ => None,
    }
}

/// The result type of an arithmetic operator, if it applies.
fn arithmetic(op: ast::BinaryOp, l: &Type, r: &Type) -> Option<Type> {
    use ast::BinaryOp as B;
    match (op, l, r) {
        (_, Type::Int, Type::Int) => Some(Type::Int),
        (B::Add | B::Sub | B::Mul | B::Div, Type::Float, Type::Float) => Some(Type::Float),
        (B::Add, Type::String, Type::String) => Some(Type::String),
        (B::Add | B::Sub, Type::Duration, Type::Duration) => Some(Type::Duration),
        (B::Add | B::Sub, Type::Time, Type::Duration) => Some(Type::Time),
        (B::Add | B::Sub, Type::Date, Type::Duration) => Some(Type::Date),
        (B::Add, Type::Duration, Type::Time) => Some(Type::Time),
        (B::Sub, Type::Time, Type::Time) | (B::Sub, Type::Date, Type::Date) => Some(Type::Duration),
        (B::Mul | B::Div, Type::Duration, Type::Int) => Some(Type::Duration),
        (B::Mul, Type::Int, Type::Duration) => Some(Type::Duration),
        _ => None,
    }
}

fn contains_var(ty: &Type) -> bool {
    match ty {
        Type::Var(_) => true,
        Type::List(t) | Type::Set(t) | Type::Optional(t) => contains_var(t),
        Type::Map(k, v) => contains_var(k) || contains_var(v),
        _ => false,
    }
}

/// Matches an argument type against a parameter type with type variables, binding them.
fn unify(param: &Type, arg: &Type, vars: &mut BTreeMap<Arc<str>, Type>) -> bool {
    match (param, arg) {
        (Type::Var(name), _) => match vars.get(name) {
            Some(bound) => {
                if arg.fits(bound) {
                    true
                } else if let Some(joined) = bound.join(arg) {
                    vars.insert(name.clone(), joined);
                    true
                } else {
                    false
                }
            }
            None => {
                vars.insert(name.clone(), arg.clone());
                true
            }
        },
        (_, Type::Error | Type::Never) => true,
        (Type::List(p), Type::List(a)) | (Type::Set(p), Type::Set(a)) => unify(p, a, vars),
        (Type::Map(pk, pv), Type::Map(ak, av)) => unify(pk, ak, vars) && unify(pv, av, vars),
        (Type::Optional(p), Type::Optional(a)) => unify(p, a, vars),
        (Type::Optional(_), Type::None) => true,
        (Type::Optional(p), a) => unify(p, a, vars),
        _ => arg.fits(param),
    }
}

fn substitute(ty: &Type, vars: &BTreeMap<Arc<str>, Type>) -> Type {
    match ty {
        Type::Var(name) => vars.get(name).cloned().unwrap_or(Type::Never),
        Type::List(t) => Type::list(substitute(t, vars)),
        Type::Set(t) => Type::set(substitute(t, vars)),
        Type::Optional(t) => Type::optional(substitute(t, vars)),
        Type::Map(k, v) => Type::map(substitute(k, vars), substitute(v, vars)),
        other => other.clone(),
    }
}

fn erase_vars(ty: Type) -> Type {
    if contains_var(&ty) { Type::Error } else { ty }
}

fn signature_text(sig: &hir::BuiltinSig) -> String {
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect();
    format!("`({}) -> {}`", params.join(", "), sig.ret)
}

/// The segments of `a.b.c` when the expression is only names and plain field accesses.
fn dotted_path(expr: &ast::Expr) -> Option<Vec<&ast::Ident>> {
    match &expr.kind {
        ast::ExprKind::Name(ident) => Some(vec![ident]),
        ast::ExprKind::Field {
            receiver,
            name,
            optional: false,
        } => {
            let mut segments = dotted_path(receiver)?;
            segments.push(name);
            Some(segments)
        }
        _ => None,
    }
}

/// The constant an attribute argument is, if it is one.
fn constant(expr: &ast::Expr) -> Option<hir::Literal> {
    match &expr.kind {
        ast::ExprKind::Literal(literal) => Some(match literal {
            ast::Literal::Int(i) => hir::Literal::Int(i.value),
            ast::Literal::Float(f) => hir::Literal::Float(f.value()),
            ast::Literal::Bool(b) => hir::Literal::Bool(*b),
            ast::Literal::None => hir::Literal::None,
            ast::Literal::String(s) => hir::Literal::String(s.as_plain()?),
            ast::Literal::Date(d) => hir::Literal::Date(hir::Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            ast::Literal::Duration(d) => hir::Literal::Duration(d.seconds),
        }),
        ast::ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            operand,
            ..
        } => match constant(operand)? {
            hir::Literal::Int(i) => Some(hir::Literal::Int(i.checked_neg()?)),
            hir::Literal::Float(f) => Some(hir::Literal::Float(-f)),
            _ => None,
        },
        _ => None,
    }
}
