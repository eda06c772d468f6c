//! Completion and signature help.
//!
//! The text being typed rarely parses (`image.` has no field name yet), so completion puts a
//! placeholder name at the cursor, re-parses and re-checks just the enclosing item outside
//! the database, and reads the receiver's type from the result. Signature help scans back
//! from the cursor to the unclosed `(` of the call.

use crate::check::{self, CheckEnv, RuleBindings};
use crate::db::{RuleName, SourceFile, Workspace, file_context, global_scope, parse_file};
use crate::hir;
use crate::resolve::{FileContext, GlobalDef, GlobalScope};
use crate::syntax::{self, ast};
use crate::types::Type;

use super::{Analysis, dedup_by_label, occurrences::walk_hir_item};

/// The identifier completion substitutes for what is being typed.
const PLACEHOLDER: &str = "__tollgate_completion";

/// What a completion item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    /// A record field.
    Field,
    /// A builtin or user function (or a method-call of one).
    Function,
    /// A `param`.
    Param,
    /// A rule.
    Rule,
    /// A local binding.
    Local,
    /// A record or enum type.
    Type,
    /// An enum variant.
    Variant,
    /// A module.
    Module,
    /// A keyword.
    Keyword,
    /// A snippet (an item skeleton).
    Snippet,
}

/// One completion item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What is shown and, without `insert_text`, inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// Its type or signature.
    pub detail: String,
    /// Its docs (markdown).
    pub documentation: String,
    /// The text to insert, when not the label: a snippet with `${1:..}` tab stops when
    /// `kind` is `Snippet`.
    pub insert_text: Option<String>,
}

impl Completion {
    fn new(label: &str, kind: CompletionKind, detail: String, documentation: String) -> Self {
        Completion {
            label: label.to_string(),
            kind,
            detail,
            documentation,
            insert_text: None,
        }
    }
}

/// One signature of signature help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `name(a: T, b: U) -> R`.
    pub label: String,
    /// Docs.
    pub documentation: String,
    /// The parameters' labels (`a: T`), each a substring of `label`.
    pub parameters: Vec<String>,
}

/// Signature help for the call around the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHelp {
    /// The overloads.
    pub signatures: Vec<Signature>,
    /// The parameter the cursor is in (the receiver counts as the first for a method call).
    pub active_parameter: u32,
}

const SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "deny",
        "deny rule",
        "/// ${1:What this rule forbids.}\ndeny ${2:name}\n    for ${3:p} in image.${4:packages}\n    where ${5:true}\n    message \"${6:message}\"\n",
    ),
    (
        "warn",
        "warn rule",
        "warn ${1:name}\n    for ${2:p} in image.${3:packages}\n    where ${4:true}\n    message \"${5:message}\"\n",
    ),
    (
        "info",
        "info rule",
        "info ${1:name}\n    where ${2:true}\n    message \"${3:message}\"\n",
    ),
    (
        "test",
        "test block",
        "test \"${1:name}\" {\n    expect image { config: { user: \"${2:root}\" } } ${3|denies,warns,passes|} ${4:rule}\n}\n",
    ),
    (
        "except",
        "exception",
        "except ${1:rule} where ${2:true} until ${3:2027-01-31} because \"${4:reason}\"\n",
    ),
    (
        "fn",
        "function",
        "fn ${1:name}(${2:x}: ${3:string}) -> ${4:bool} = ${5:true}\n",
    ),
    (
        "param",
        "parameter",
        "param ${1:name}: ${2:int} = ${3:0}\n",
    ),
];

struct Env<'db> {
    db: &'db dyn salsa::Database,
    ws: Workspace,
}

impl CheckEnv for Env<'_> {
    fn rule_bindings(&self, qualified: &str) -> Option<RuleBindings> {
        let name = RuleName::new(self.db, qualified.to_string());
        crate::db::rule_bindings(self.db, self.ws, name).clone()
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The start of the identifier that ends at `offset`.
fn ident_start(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = offset.min(bytes.len());
    while start > 0 && bytes.get(start - 1).copied().is_some_and(is_ident_byte) {
        start -= 1;
    }
    start
}

pub(super) fn completions(analysis: &Analysis<'_>, path: &str, offset: usize) -> Vec<Completion> {
    let Some(file) = analysis.file(path) else {
        return Vec::new();
    };
    let db = analysis.db();
    let text = file.text(db).clone();
    let offset = offset.min(text.len());
    let start = ident_start(&text, offset);
    let scope = global_scope(db, analysis.workspace());
    let context = file_context(db, file);
    let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let line_before = text.get(line_start..start).unwrap_or("");
    if let Some(rest) = line_before.trim_start().strip_prefix("import ") {
        let typed = rest.trim();
        return analysis
            .module_names()
            .iter()
            .filter(|m| m.starts_with(typed) && !m.is_empty())
            .map(|m| {
                // Insert only what follows the dotted prefix already typed.
                let rest = m.get(typed.len()..).unwrap_or(m);
                Completion::new(
                    rest,
                    CompletionKind::Module,
                    format!("module {m}"),
                    String::new(),
                )
            })
            .collect();
    }
    if start > 0 && text.as_bytes().get(start - 1) == Some(&b'.') {
        return member_completions(analysis, file, &text, start, offset, scope, context);
    }
    general_completions(analysis, file, &text, start, offset, scope, context)
}

/// The enclosing item re-checked with `PLACEHOLDER` in place of `text[start..offset]`: the
/// typed item, the placeholder's offset in the item text, and the item's syntax.
fn recheck_with_placeholder(
    analysis: &Analysis<'_>,
    file: SourceFile,
    text: &str,
    start: usize,
    offset: usize,
    scope: &GlobalScope,
    context: &FileContext,
) -> Option<(ast::Item, check::CheckedItem, usize)> {
    let db = analysis.db();
    let items = &parse_file(db, file).file.items;
    let index = items.iter().rposition(|item| item.span.start <= start)?;
    let item_start = items.get(index)?.span.start;
    let item_end = items
        .get(index + 1)
        .map_or(text.len(), |next| next.span.start)
        .max(offset);
    let mut slice = String::new();
    slice.push_str(text.get(item_start..start)?);
    slice.push_str(PLACEHOLDER);
    slice.push_str(text.get(offset..item_end)?);
    let parsed = syntax::parse(&slice);
    let item = parsed
        .file
        .items
        .into_iter()
        .find(|item| !matches!(item.kind, ast::ItemKind::Broken(_)))?;
    let env = Env {
        db,
        ws: analysis.workspace(),
    };
    let checked = check::check_item(scope, context, &env, &item);
    Some((item, checked, start - item_start))
}

/// The span of the receiver of the field or method named by the placeholder at `at`.
fn placeholder_receiver(item: &ast::Item, at: usize) -> Option<ast::Span> {
    let mut found = None;
    visit_exprs(item, &mut |expr| match &expr.kind {
        ast::ExprKind::Field { receiver, name, .. }
        | ast::ExprKind::MethodCall {
            receiver,
            method: name,
            ..
        } if name.span.start == at => found = Some(receiver.span),
        _ => {}
    });
    found
}

fn member_completions(
    analysis: &Analysis<'_>,
    file: SourceFile,
    text: &str,
    start: usize,
    offset: usize,
    scope: &GlobalScope,
    context: &FileContext,
) -> Vec<Completion> {
    // `alias.` / `Enum.`: the word before the dot names a module or an enum.
    let dot = start.saturating_sub(1);
    let word_start = ident_start(text, dot);
    let word = text.get(word_start..dot).unwrap_or("");
    let before_word = word_start
        .checked_sub(1)
        .and_then(|i| text.as_bytes().get(i))
        .copied();
    if before_word != Some(b'.') && !word.is_empty() {
        if let Some((module, module_scope)) = scope.module_named(context, word) {
            let mut out = Vec::new();
            for (name, def) in &module_scope.values {
                out.push(global_completion(name, def));
            }
            for (name, ty) in &module_scope.types {
                out.push(Completion::new(
                    name,
                    CompletionKind::Type,
                    format!("{module}.{name}: {ty}"),
                    String::new(),
                ));
            }
            return out;
        }
        if let Some(Type::Enum(decl)) = scope.type_named(context, word)
            && let Some(def) = scope.enumeration(decl)
        {
            return def
                .variants
                .iter()
                .map(|v| {
                    Completion::new(
                        &v.name,
                        CompletionKind::Variant,
                        format!("{}.{}", decl.name, v.name),
                        v.doc.clone(),
                    )
                })
                .collect();
        }
    }
    let Some((item, checked, at)) =
        recheck_with_placeholder(analysis, file, text, start, offset, scope, context)
    else {
        return Vec::new();
    };
    let Some(receiver_span) = placeholder_receiver(&item, at) else {
        return Vec::new();
    };
    let mut receiver_type = None;
    if let Some(kind) = &checked.kind {
        walk_hir_item(kind, &mut |expr| {
            if expr.span == receiver_span && !expr.ty.is_error() && receiver_type.is_none() {
                receiver_type = Some(expr.ty.clone());
            }
        });
    }
    let Some(ty) = receiver_type else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Type::Record(decl) = ty.non_optional()
        && let Some(record) = scope.record(decl)
    {
        for field in &record.fields {
            out.push(Completion::new(
                &field.name,
                CompletionKind::Field,
                field.ty.to_string(),
                field.doc.clone(),
            ));
        }
    }
    // Method-call syntax: builtins and user fns whose first parameter takes the receiver.
    let receiver = ty.non_optional();
    for sig in &scope.builtins {
        if sig
            .params
            .first()
            .is_some_and(|(_, first)| same_shape(first, receiver))
        {
            out.push(Completion::new(
                &sig.name,
                CompletionKind::Function,
                super::builtin_signature(sig),
                sig.doc.clone(),
            ));
        }
    }
    for module in scope.prelude().chain(scope.modules.get(&context.module)) {
        for (name, def) in &module.values {
            if let GlobalDef::Fn(sig) = def
                && sig
                    .params
                    .first()
                    .is_some_and(|(_, first)| same_shape(first, receiver))
            {
                out.push(global_completion(name, def));
            }
        }
    }
    dedup_by_label(out)
}

/// Whether a parameter type could take a value of type `value` (same outer shape; type
/// variables take anything).
fn same_shape(param: &Type, value: &Type) -> bool {
    match (param.non_optional(), value) {
        (Type::Var(_), _) => true,
        (Type::Record(a), Type::Record(b)) | (Type::Enum(a), Type::Enum(b)) => a == b,
        (p, v) => std::mem::discriminant(p) == std::mem::discriminant(v),
    }
}

fn global_completion(name: &str, def: &GlobalDef) -> Completion {
    match def {
        GlobalDef::Param { qualified, ty } => Completion::new(
            name,
            CompletionKind::Param,
            format!("param {qualified}: {ty}"),
            String::new(),
        ),
        GlobalDef::Fn(sig) => {
            let params: Vec<String> = sig
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect();
            Completion::new(
                name,
                CompletionKind::Function,
                format!("fn {}({}) -> {}", sig.qualified, params.join(", "), sig.ret),
                String::new(),
            )
        }
        GlobalDef::Rule { qualified, action } => Completion::new(
            name,
            CompletionKind::Rule,
            format!("{} {qualified}", super::action_keyword(*action)),
            String::new(),
        ),
        GlobalDef::Secret { qualified } => Completion::new(
            name,
            CompletionKind::Rule,
            format!("secret {qualified}"),
            String::new(),
        ),
    }
}

fn general_completions(
    analysis: &Analysis<'_>,
    file: SourceFile,
    text: &str,
    start: usize,
    offset: usize,
    scope: &GlobalScope,
    context: &FileContext,
) -> Vec<Completion> {
    let mut out = Vec::new();
    // Locals bound before the cursor in the enclosing item.
    if let Some((_, checked, at)) =
        recheck_with_placeholder(analysis, file, text, start, offset, scope, context)
    {
        let locals: &[hir::Local] = match &checked.kind {
            Some(hir::ItemKind::Rule(r)) => &r.locals,
            Some(hir::ItemKind::Fn(f)) => &f.locals,
            Some(hir::ItemKind::Except(e)) => &e.locals,
            _ => &[],
        };
        for local in locals.iter().filter(|l| l.span.end <= at) {
            out.push(Completion::new(
                &local.name,
                CompletionKind::Local,
                local.ty.to_string(),
                String::new(),
            ));
        }
    }
    out.push(Completion::new(
        "image",
        CompletionKind::Param,
        "image: Image".to_string(),
        "The facts root: the image being checked.".to_string(),
    ));
    for module in scope.prelude().chain(scope.modules.get(&context.module)) {
        for (name, def) in &module.values {
            out.push(global_completion(name, def));
        }
        for (name, ty) in &module.types {
            out.push(Completion::new(
                name,
                CompletionKind::Type,
                ty.to_string(),
                String::new(),
            ));
        }
    }
    for (alias, target) in &context.imports {
        out.push(Completion::new(
            alias,
            CompletionKind::Module,
            format!("module {target}"),
            String::new(),
        ));
    }
    for sig in &scope.builtins {
        out.push(Completion::new(
            &sig.name,
            CompletionKind::Function,
            super::builtin_signature(sig),
            sig.doc.clone(),
        ));
    }
    for (variant, enums) in &scope.variants {
        if let Some(decl) = enums.first() {
            out.push(Completion::new(
                variant,
                CompletionKind::Variant,
                format!("{}.{variant}", decl.name),
                String::new(),
            ));
        }
    }
    for keyword in tollgate_grammar::KEYWORDS {
        out.push(Completion::new(
            keyword,
            CompletionKind::Keyword,
            String::new(),
            String::new(),
        ));
    }
    for (label, detail, body) in SNIPPETS {
        out.push(Completion {
            label: (*label).to_string(),
            kind: CompletionKind::Snippet,
            detail: (*detail).to_string(),
            documentation: String::new(),
            insert_text: Some((*body).to_string()),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|c| seen.insert((c.label.clone(), c.kind as u8)));
    out
}

/// Calls `f` on every expression of an item (syntax tree).
fn visit_exprs(item: &ast::Item, f: &mut dyn FnMut(&ast::Expr)) {
    match &item.kind {
        ast::ItemKind::Param(p) => visit_expr(&p.default, f),
        ast::ItemKind::Fn(def) => {
            if let Some(body) = &def.body {
                visit_expr(body, f);
            }
        }
        ast::ItemKind::Rule(rule) => {
            for clause in &rule.clauses {
                match &clause.kind {
                    ast::ClauseKind::For { iterable: e, .. }
                    | ast::ClauseKind::Let { value: e, .. }
                    | ast::ClauseKind::Where(e)
                    | ast::ClauseKind::When(e)
                    | ast::ClauseKind::Unless(e) => visit_expr(e, f),
                }
            }
            if let Some(message) = &rule.message {
                visit_string(&message.template, f);
            }
        }
        ast::ItemKind::Except(except) => {
            if let Some(condition) = &except.condition {
                visit_expr(condition, f);
            }
        }
        ast::ItemKind::Test(test) => {
            for expect in &test.expects {
                visit_expr(&expect.image, f);
            }
        }
        _ => {}
    }
}

fn visit_string(lit: &ast::StringLit, f: &mut dyn FnMut(&ast::Expr)) {
    for part in &lit.parts {
        if let ast::StringPart::Interpolation { expr, .. } = part {
            visit_expr(expr, f);
        }
    }
}

fn visit_expr(expr: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    f(expr);
    use ast::ExprKind as K;
    match &expr.kind {
        K::Literal(ast::Literal::String(lit)) => visit_string(lit, f),
        K::Literal(_) | K::Name(_) | K::EmptyBraces => {}
        K::Paren(inner) => visit_expr(inner, f),
        K::Unary { operand, .. } => visit_expr(operand, f),
        K::Binary { lhs, rhs, .. } => {
            visit_expr(lhs, f);
            visit_expr(rhs, f);
        }
        K::Field { receiver, .. } => visit_expr(receiver, f),
        K::MethodCall { receiver, args, .. } => {
            visit_expr(receiver, f);
            for arg in args {
                visit_expr(arg, f);
            }
        }
        K::Index { receiver, index } => {
            visit_expr(receiver, f);
            visit_expr(index, f);
        }
        K::Call { callee, args } => {
            visit_expr(callee, f);
            for arg in args {
                visit_expr(arg, f);
            }
        }
        K::List(items) | K::Set(items) => {
            for item in items {
                visit_expr(item, f);
            }
        }
        K::Map(entries) => {
            for entry in entries {
                visit_expr(&entry.key, f);
                visit_expr(&entry.value, f);
            }
        }
        K::Record(fields) | K::Image { fields, .. } => {
            for field in fields {
                visit_expr(&field.value, f);
            }
        }
        K::Comprehension {
            element, generator, ..
        } => {
            visit_expr(&generator.iterable, f);
            if let Some(c) = &generator.condition {
                visit_expr(c, f);
            }
            visit_expr(element, f);
        }
        K::Aggregate {
            projection,
            generator,
            ..
        } => {
            visit_expr(&generator.iterable, f);
            if let Some(c) = &generator.condition {
                visit_expr(c, f);
            }
            if let Some(p) = projection {
                visit_expr(p, f);
            }
        }
    }
}

pub(super) fn signature_help(
    analysis: &Analysis<'_>,
    path: &str,
    offset: usize,
) -> Option<SignatureHelp> {
    let file = analysis.file(path)?;
    let db = analysis.db();
    let text = file.text(db).clone();
    let bytes = text.as_bytes();
    // Walk back to the unclosed `(`, counting top-level commas.
    let mut depth = 0usize;
    let mut commas = 0u32;
    let mut index = offset.min(bytes.len());
    let open = loop {
        if index == 0 {
            return None;
        }
        index -= 1;
        match bytes.get(index).copied()? {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => break index,
            b'[' | b'{' | b'\n' if depth == 0 => {
                // A line break inside a call is fine; a bracket means we are not in a call.
                if bytes.get(index).copied() != Some(b'\n') {
                    return None;
                }
            }
            b',' if depth == 0 => commas += 1,
            _ => {}
        }
    };
    let name_end = open;
    let name_start = ident_start(&text, name_end);
    let name = text.get(name_start..name_end)?;
    if name.is_empty() {
        return None;
    }
    let scope = global_scope(db, analysis.workspace());
    let context = file_context(db, file);
    let mut method = false;
    let mut module_scope = None;
    if name_start > 0 && bytes.get(name_start - 1) == Some(&b'.') {
        let word_start = ident_start(&text, name_start - 1);
        let word = text.get(word_start..name_start - 1).unwrap_or("");
        match scope.module_named(context, word) {
            Some((_, m)) => module_scope = Some(m),
            None => method = true,
        }
    }
    let mut signatures = Vec::new();
    let user = match module_scope {
        Some(m) => m.values.get(name),
        None => scope.module_value(context, name),
    };
    if let Some(GlobalDef::Fn(sig)) = user {
        let parameters: Vec<String> = sig
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect();
        signatures.push(Signature {
            label: format!("{name}({}) -> {}", parameters.join(", "), sig.ret),
            documentation: String::new(),
            parameters,
        });
    } else if module_scope.is_none() {
        for sig in scope.builtins.iter().filter(|b| &*b.name == name) {
            let parameters: Vec<String> = sig
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect();
            signatures.push(Signature {
                label: format!("{name}({}) -> {}", parameters.join(", "), sig.ret),
                documentation: sig.doc.clone(),
                parameters,
            });
        }
    }
    if signatures.is_empty() {
        return None;
    }
    Some(SignatureHelp {
        signatures,
        active_parameter: commas + u32::from(method),
    })
}
