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

use super::{Analysis, dedup_by_label};

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
    ("param", "parameter", "param ${1:name}: ${2:int} = ${3:0}\n"),
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
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
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

/// The enclosing item re-checked with `insert` in place of `text[start..offset]`: the item's
/// syntax, the checked item, and where the insertion is relative to the item's start.
#[allow(clippy::too_many_arguments)]
fn recheck_with(
    analysis: &Analysis<'_>,
    file: SourceFile,
    text: &str,
    start: usize,
    offset: usize,
    insert: &str,
    scope: &GlobalScope,
    context: &FileContext,
) -> Option<(check::CheckedItem, usize)> {
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
    slice.push_str(insert);
    slice.push_str(text.get(offset..item_end)?);
    let at = start - item_start;
    let parsed = syntax::parse(&slice);
    let item = parsed.file.items.into_iter().find(|item| {
        !matches!(item.kind, ast::ItemKind::Broken(_))
            && item.span.start <= at
            && at <= item.span.end
    })?;
    // The item's spans must be relative to its own start, as the checker expects.
    let item = if item.span.start == 0 {
        item
    } else {
        let own = slice.get(item.span.range())?;
        let reparsed = syntax::parse(own);
        let shifted_at = at - item.span.start;
        let item = reparsed
            .file
            .items
            .into_iter()
            .find(|item| !matches!(item.kind, ast::ItemKind::Broken(_)))?;
        let env = Env {
            db,
            ws: analysis.workspace(),
        };
        let checked = check::check_item(scope, context, &env, &item);
        return Some((checked, shifted_at));
    };
    let env = Env {
        db,
        ws: analysis.workspace(),
    };
    let checked = check::check_item(scope, context, &env, &item);
    Some((checked, at))
}

/// The type a checker message names (`Config`, `string`, `list<Package>`): records and enums
/// by name (the file's module first, then the prelude, then any module), other types by their
/// outer shape (which is all method completion compares).
fn type_from_name(scope: &GlobalScope, context: &FileContext, name: &str) -> Option<Type> {
    if let Some(ty) = scope.type_named(context, name) {
        return Some(ty.clone());
    }
    if let Some(decl) = scope.records.keys().find(|d| &*d.name == name) {
        return Some(Type::Record(decl.clone()));
    }
    if let Some(decl) = scope.enums.keys().find(|d| &*d.name == name) {
        return Some(Type::Enum(decl.clone()));
    }
    Some(match name {
        "bool" => Type::Bool,
        "int" => Type::Int,
        "float" => Type::Float,
        "string" => Type::String,
        "version" => Type::Version,
        "date" => Type::Date,
        "duration" => Type::Duration,
        "time" => Type::Time,
        _ if name.starts_with("list<") => Type::list(Type::Never),
        _ if name.starts_with("set<") => Type::set(Type::Never),
        _ if name.starts_with("map<") => Type::map(Type::Never, Type::Never),
        _ => return None,
    })
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
    let Some((checked, at)) = recheck_with(
        analysis,
        file,
        text,
        start,
        offset,
        PLACEHOLDER,
        scope,
        context,
    ) else {
        return Vec::new();
    };
    // A failed field access drops its receiver from the typed tree, but the checker's
    // "no field `PLACEHOLDER` on `TYPE`" names the receiver's type.
    let receiver_type = checked
        .diagnostics
        .iter()
        .find(|d| d.code == crate::diagnostics::codes::UNKNOWN_FIELD && d.primary.span.start == at)
        .and_then(|d| {
            let rest = d.message.split_once("` on `")?.1;
            type_from_name(scope, context, rest.strip_suffix('`')?)
        });
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
    if let Some((checked, at)) = recheck_with(
        analysis,
        file,
        text,
        start,
        offset,
        PLACEHOLDER,
        scope,
        context,
    ) {
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
            // An unclosed bracket or brace: the cursor is in a list, set or record, not
            // directly in a call's arguments.
            b'[' | b'{' => return None,
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
