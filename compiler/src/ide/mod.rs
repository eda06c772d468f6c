//! Position-based queries over the compiler's database, for the language server: what is at a
//! byte offset (hover), where a name is declared and used (definition, references, rename),
//! what may be typed at a cursor (completion, signature help), and per-file listings (symbols,
//! semantic tokens, inlay hints, tests).
//!
//! Everything here reads a `Database` through an `Analysis` (a database handle plus the
//! workspace input) and never writes: the language server runs these on a clone of the
//! database, which salsa cancels when an edit arrives. Offsets are byte offsets into the
//! file text; `LineIndex` converts them to the UTF-16 line/column positions LSP speaks.
//!
//! The core is `item_occurrences`: every name written in one item (declarations and uses),
//! each with the symbol it resolves to, found by walking the item's syntax tree and looking up
//! the typed tree (`hir`) at the same spans. It is a salsa query keyed by the item's text, so
//! an edit re-runs it for the edited item only.

mod complete;
mod occurrences;
mod position;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::db::{
    Database, SourceFile, Workspace, check_item, file_context, file_items, global_scope, parse_file,
};
use crate::hir;
use crate::resolve::GlobalDef;
use crate::syntax::ast::{self, Span};
use crate::types::{DeclRef, Type};

pub use complete::{Completion, CompletionKind, SignatureHelp};
pub use occurrences::{Occurrence, Symbol, item_occurrences};
pub use position::LineIndex;

/// A read-only view of the database for position queries.
#[derive(Clone, Copy)]
pub struct Analysis<'db> {
    db: &'db Database,
    ws: Workspace,
}

/// A place in a file: its path (as the compiler names it) and a byte span.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file's path.
    pub path: Arc<str>,
    /// The byte span.
    pub span: Span,
}

/// What hovering at an offset shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverInfo {
    /// Markdown: a `tollgate` code block with the signature or type, then the docs.
    pub markdown: String,
    /// The span hovered.
    pub span: Span,
}

/// The kind of a declared symbol, for outlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `module` declaration.
    Module,
    /// `param`.
    Param,
    /// `fn` / `builtin fn`.
    Function,
    /// A rule.
    Rule,
    /// `type`.
    Record,
    /// A field of a `type`.
    Field,
    /// `enum`.
    Enum,
    /// A variant of an `enum`.
    Variant,
    /// `secret`.
    Secret,
    /// `test`.
    Test,
    /// `except`.
    Except,
}

/// One declaration of a file, for document and workspace symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// The name as written (a test's name without quotes).
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The file.
    pub path: Arc<str>,
    /// The whole declaration.
    pub span: Span,
    /// The name.
    pub name_span: Span,
    /// A one-line signature or type.
    pub detail: String,
    /// Fields of a record, variants of an enum.
    pub children: Vec<Declaration>,
}

/// A type annotation shown after a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where it goes: the end of the binding's name.
    pub offset: usize,
    /// `: TYPE`.
    pub label: String,
}

/// A `test` block of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBlock {
    /// The test's name.
    pub name: String,
    /// The whole block.
    pub span: Span,
}

/// Why a rename was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameError(pub String);

/// Semantic token kinds, in the order of `SEMANTIC_TOKEN_KINDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// A module name or import alias.
    Namespace = 0,
    /// A record or enum name.
    Type = 1,
    /// An enum name.
    Enum = 2,
    /// An enum variant.
    EnumMember = 3,
    /// A record field.
    Property = 4,
    /// A function or builtin.
    Function = 5,
    /// A `param` or the facts root.
    Variable = 6,
    /// A local binding or function parameter.
    Parameter = 7,
    /// A keyword the tree records (rule actions, clause keywords).
    Keyword = 8,
    /// A comment.
    Comment = 9,
    /// A rule or secret name.
    Macro = 10,
}

/// The LSP names of `TokenKind`s, by discriminant.
pub const SEMANTIC_TOKEN_KINDS: &[&str] = &[
    "namespace",
    "type",
    "enum",
    "enumMember",
    "property",
    "function",
    "variable",
    "parameter",
    "keyword",
    "comment",
    "macro",
];

/// One semantic token: a span on one line and its kind; `declaration` when it declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemanticToken {
    /// The span.
    pub span: Span,
    /// Its kind.
    pub kind: TokenKind,
    /// Whether it is a declaration.
    pub declaration: bool,
}

impl<'db> Analysis<'db> {
    /// A view of `db` for the workspace `ws` (`Compiler::database()`, `Compiler::workspace()`).
    pub fn new(db: &'db Database, ws: Workspace) -> Analysis<'db> {
        Analysis { db, ws }
    }

    /// The database.
    pub fn db(&self) -> &'db Database {
        self.db
    }

    /// The source file at `path`.
    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.ws
            .files(self.db)
            .iter()
            .copied()
            .find(|f| &**f.path(self.db) == path)
    }

    /// The text of the file at `path`.
    pub fn text(&self, path: &str) -> Option<Arc<str>> {
        self.file(path).map(|f| f.text(self.db).clone())
    }

    /// The paths of the policy files (not the stdlib).
    pub fn policy_paths(&self) -> Vec<Arc<str>> {
        self.ws
            .files(self.db)
            .iter()
            .filter(|f| !*f.stdlib(self.db))
            .map(|f| f.path(self.db).clone())
            .collect()
    }

    /// The diagnostics of the file at `path` (file offsets).
    pub fn diagnostics(&self, path: &str) -> Vec<crate::Diagnostic> {
        self.file(path)
            .map(|f| crate::db::file_diagnostics(self.db, self.ws, f).clone())
            .unwrap_or_default()
    }

    /// Whether the file at `path` is part of the stdlib.
    pub fn is_stdlib(&self, path: &str) -> bool {
        self.file(path).is_some_and(|f| *f.stdlib(self.db))
    }

    /// Every occurrence of a name in the file, absolute spans, in source order.
    pub fn file_occurrences(&self, file: SourceFile) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for (key, offset) in file_items(self.db, file) {
            out.extend(
                item_occurrences(self.db, self.ws, *key)
                    .iter()
                    .map(|o| o.shifted(file.path(self.db), *offset)),
            );
        }
        out.sort_by_key(|o| o.span);
        out
    }

    /// The occurrence under `offset` (a name the cursor is in or just after).
    pub fn occurrence_at(&self, path: &str, offset: usize) -> Option<Occurrence> {
        let file = self.file(path)?;
        let all = self.file_occurrences(file);
        let inside = all
            .iter()
            .find(|o| o.span.contains(offset))
            .or_else(|| all.iter().find(|o| o.span.end == offset));
        inside.cloned()
    }

    /// Hover text at `offset`: the symbol under the cursor, else the type of the innermost
    /// typed expression.
    pub fn hover(&self, path: &str, offset: usize) -> Option<HoverInfo> {
        if let Some(occurrence) = self.occurrence_at(path, offset) {
            let markdown = self.describe(&occurrence)?;
            return Some(HoverInfo {
                markdown,
                span: occurrence.span,
            });
        }
        let file = self.file(path)?;
        let (ty, span) = self.expression_type_at(file, offset)?;
        Some(HoverInfo {
            markdown: format!("```tollgate\n{ty}\n```"),
            span,
        })
    }

    /// The type and span of the innermost typed expression around `offset`.
    fn expression_type_at(&self, file: SourceFile, offset: usize) -> Option<(Type, Span)> {
        let (key, base) = file_items(self.db, file)
            .iter()
            .copied()
            .find(|(key, base)| {
                let len = key.text(self.db).len();
                *base <= offset && offset < base + len
            })?;
        let checked = check_item(self.db, self.ws, key);
        let mut best: Option<(Type, Span)> = None;
        if let Some(kind) = &checked.kind {
            occurrences::walk_hir_item(kind, &mut |expr| {
                let span = Span::new(expr.span.start + base, expr.span.end + base);
                if span.contains(offset)
                    && !expr.ty.is_error()
                    && best.as_ref().is_none_or(|(_, b)| span.len() < b.len())
                {
                    best = Some((expr.ty.clone(), span));
                }
            });
        }
        best
    }

    /// Markdown describing a symbol: its signature in a code block, then its docs.
    pub fn describe(&self, occurrence: &Occurrence) -> Option<String> {
        let scope = global_scope(self.db, self.ws);
        let (code, doc) = match &occurrence.symbol {
            Symbol::Local { name, .. } => {
                let ty = occurrence
                    .ty
                    .as_ref()
                    .map_or(String::new(), |t| format!(": {t}"));
                (format!("{name}{ty}"), String::new())
            }
            Symbol::Image => (
                "image: Image".to_string(),
                scope
                    .record(&DeclRef::new(crate::resolve::SCHEMA_MODULE, "Image"))
                    .map(|r| r.doc.clone())
                    .unwrap_or_default(),
            ),
            Symbol::Builtin(name) => {
                let sigs: Vec<&hir::BuiltinSig> =
                    scope.builtins.iter().filter(|b| b.name == *name).collect();
                let code = sigs
                    .iter()
                    .map(|s| builtin_signature(s))
                    .collect::<Vec<_>>()
                    .join("\n");
                let docs: Vec<String> = sigs
                    .iter()
                    .filter(|s| !s.doc.is_empty())
                    .map(|s| format!("`{}`: {}", builtin_signature(s), s.doc))
                    .collect();
                let doc = if sigs.len() == 1 {
                    sigs.first().map(|s| s.doc.clone()).unwrap_or_default()
                } else {
                    docs.join("\n\n")
                };
                (code, doc)
            }
            Symbol::Field(record, name) => {
                let def = scope.record(record)?;
                let (_, field) = def.field(name)?;
                (
                    format!("{}.{}: {}", record.name, field.name, field.ty),
                    field.doc.clone(),
                )
            }
            Symbol::Variant(enumeration, name) => {
                let def = scope.enumeration(enumeration)?;
                let index = def.variant(name)?;
                let variant = def.variants.get(index)?;
                (
                    format!(
                        "{}.{} // \"{}\"",
                        enumeration.name, variant.name, variant.json
                    ),
                    variant.doc.clone(),
                )
            }
            Symbol::Type(decl) => {
                if let Some(def) = scope.record(decl) {
                    (format!("type {}", decl.qualified()), def.doc.clone())
                } else {
                    let def = scope.enumeration(decl)?;
                    let variants: Vec<&str> = def.variants.iter().map(|v| &*v.name).collect();
                    (
                        format!("enum {} {{ {} }}", decl.qualified(), variants.join(", ")),
                        def.doc.clone(),
                    )
                }
            }
            Symbol::Module(name) => (format!("module {name}"), self.module_doc(name)),
            Symbol::Param(q) | Symbol::Fn(q) | Symbol::Rule(q) | Symbol::Secret(q) => {
                let (module, short) = q.rsplit_once('.')?;
                let def = scope.modules.get(module)?.values.get(short)?;
                let code = match def {
                    GlobalDef::Param { ty, .. } => format!("param {q}: {ty}"),
                    GlobalDef::Fn(sig) => {
                        let params: Vec<String> = sig
                            .params
                            .iter()
                            .map(|(n, t)| format!("{n}: {t}"))
                            .collect();
                        format!("fn {q}({}) -> {}", params.join(", "), sig.ret)
                    }
                    GlobalDef::Rule { action, .. } => {
                        format!("{} {q}", action_keyword(*action))
                    }
                    GlobalDef::Secret { .. } => format!("secret {q}"),
                };
                let doc = self
                    .declaration_of(&occurrence.symbol)
                    .and_then(|(path, span)| self.item_doc(&path, span.start))
                    .unwrap_or_default();
                (code, doc)
            }
        };
        let mut markdown = format!("```tollgate\n{code}\n```");
        if !doc.is_empty() {
            markdown.push_str("\n\n");
            markdown.push_str(&doc);
        }
        Some(markdown)
    }

    /// The `///` docs of the item whose name starts at `offset` in `path`.
    fn item_doc(&self, path: &str, offset: usize) -> Option<String> {
        let file = self.file(path)?;
        file_items(self.db, file)
            .iter()
            .find(|(key, base)| *base <= offset && offset < base + key.text(self.db).len())
            .map(|(key, _)| check_item(self.db, self.ws, *key).doc.clone())
    }

    /// The `//!` docs of a module (of its first file).
    fn module_doc(&self, module: &str) -> String {
        for file in self.ws.files(self.db) {
            if &*file_context(self.db, *file).module == module {
                return parse_file(self.db, *file)
                    .file
                    .module_doc
                    .as_ref()
                    .map(ast::Doc::text)
                    .unwrap_or_default();
            }
        }
        String::new()
    }

    /// Where a symbol is declared: its file and the span of its name.
    pub fn declaration_of(&self, symbol: &Symbol) -> Option<(Arc<str>, Span)> {
        match symbol {
            Symbol::Local { path, decl, .. } => Some((path.clone(), *decl)),
            Symbol::Builtin(name) => self.find_declaration(|o| {
                matches!(&o.symbol, Symbol::Builtin(n) if n == name) && o.declaration
            }),
            Symbol::Image => None,
            Symbol::Module(name) => {
                let file = self
                    .ws
                    .files(self.db)
                    .iter()
                    .find(|f| *file_context(self.db, **f).module == **name)?;
                let tree = &parse_file(self.db, *file).file;
                let span = tree
                    .items
                    .iter()
                    .find_map(|item| match &item.kind {
                        ast::ItemKind::Module(decl) => Some(decl.path.span),
                        _ => None,
                    })
                    .unwrap_or_default();
                Some((file.path(self.db).clone(), span))
            }
            other => self.find_declaration(|o| o.declaration && o.symbol == *other),
        }
    }

    fn find_declaration(&self, wanted: impl Fn(&Occurrence) -> bool) -> Option<(Arc<str>, Span)> {
        for file in self.ws.files(self.db) {
            if let Some(found) = self.file_occurrences(*file).into_iter().find(&wanted) {
                return Some((file.path(self.db).clone(), found.span));
            }
        }
        None
    }

    /// Go to definition from `offset`.
    pub fn definition(&self, path: &str, offset: usize) -> Option<Location> {
        let occurrence = self.occurrence_at(path, offset)?;
        let (path, span) = self.declaration_of(&occurrence.symbol)?;
        Some(Location { path, span })
    }

    /// Every occurrence of the symbol at `offset`, across the workspace (the declaration
    /// included when `include_declaration`).
    pub fn references(
        &self,
        path: &str,
        offset: usize,
        include_declaration: bool,
    ) -> Vec<Location> {
        let Some(occurrence) = self.occurrence_at(path, offset) else {
            return Vec::new();
        };
        self.references_of(&occurrence.symbol, include_declaration)
    }

    /// Every occurrence of `symbol` in the workspace.
    pub fn references_of(&self, symbol: &Symbol, include_declaration: bool) -> Vec<Location> {
        if let Some(binding) = self.rule_binding(symbol) {
            return self.binding_references(&binding, include_declaration);
        }
        let files: Vec<SourceFile> = match symbol {
            Symbol::Local { path, .. } => self.file(path).into_iter().collect(),
            _ => self.ws.files(self.db).clone(),
        };
        let mut out = Vec::new();
        for file in files {
            for o in self.file_occurrences(file) {
                if o.symbol == *symbol && (include_declaration || !o.declaration) {
                    out.push(Location {
                        path: file.path(self.db).clone(),
                        span: o.span,
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The rule a local belongs to, with the local's name, when the local is a rule's
    /// `for`/`let` binding or a name an `except` clause of that rule uses for one: an except
    /// sees the rule's bindings by name, so both are one binding (for references and rename).
    fn rule_binding(&self, symbol: &Symbol) -> Option<(Arc<str>, Arc<str>)> {
        let Symbol::Local { path, decl, name } = symbol else {
            return None;
        };
        let file = self.file(path)?;
        let tree = &parse_file(self.db, file).file;
        let item = tree
            .items
            .iter()
            .find(|item| item.span.start <= decl.start && decl.end <= item.span.end)?;
        let in_except = match &item.kind {
            ast::ItemKind::Rule(_) => false,
            ast::ItemKind::Except(_) => true,
            _ => return None,
        };
        // A rule item declares its rule; an except item names the rule it applies to.
        let rule = self.file_occurrences(file).into_iter().find(|o| {
            item.span.start <= o.span.start
                && o.span.end <= item.span.end
                && matches!(o.symbol, Symbol::Rule(_))
                && o.declaration != in_except
        })?;
        match rule.symbol {
            Symbol::Rule(qualified) => Some((qualified, name.clone())),
            _ => None,
        }
    }

    /// Every use of one rule binding, in the rule and in its excepts, in every file.
    fn binding_references(
        &self,
        binding: &(Arc<str>, Arc<str>),
        include_declaration: bool,
    ) -> Vec<Location> {
        let mut out = Vec::new();
        for file in self.ws.files(self.db) {
            for o in self.file_occurrences(*file) {
                let Symbol::Local { name, decl, .. } = &o.symbol else {
                    continue;
                };
                // An except's names are declared at its rule path: that span is the rule's
                // name, not the binding's.
                let at_rule_path = o.span == *decl && self.is_except_rule_path(*file, o.span);
                if *name != binding.1 || at_rule_path || (o.declaration && !include_declaration) {
                    continue;
                }
                if self.rule_binding(&o.symbol).as_ref() == Some(binding) {
                    out.push(Location {
                        path: file.path(self.db).clone(),
                        span: o.span,
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether `span` is the rule path of an `except` item of `file`.
    fn is_except_rule_path(&self, file: SourceFile, span: Span) -> bool {
        self.file_occurrences(file)
            .iter()
            .any(|o| o.span == span && matches!(o.symbol, Symbol::Rule(_)) && !o.declaration)
    }

    /// The edits renaming the symbol at `offset` to `new_name`: every occurrence's span with
    /// the new name. Refuses stdlib names, builtins, fields of the facts schema and modules.
    pub fn rename(
        &self,
        path: &str,
        offset: usize,
        new_name: &str,
    ) -> Result<Vec<Location>, RenameError> {
        let occurrence = self
            .occurrence_at(path, offset)
            .ok_or_else(|| RenameError("there is no name to rename here".to_string()))?;
        if !is_identifier(new_name) {
            return Err(RenameError(format!(
                "`{new_name}` is not a valid identifier"
            )));
        }
        match &occurrence.symbol {
            Symbol::Image | Symbol::Builtin(_) | Symbol::Module(_) => {
                return Err(RenameError(format!(
                    "`{}` is built in and cannot be renamed",
                    self.text_at(path, occurrence.span)
                )));
            }
            _ => {}
        }
        if let Some((decl_path, _)) = self.declaration_of(&occurrence.symbol)
            && self.is_stdlib(&decl_path)
        {
            return Err(RenameError(format!(
                "`{}` is declared in the stdlib (`{decl_path}`) and cannot be renamed",
                self.text_at(path, occurrence.span)
            )));
        }
        Ok(self.references_of(&occurrence.symbol, true))
    }

    fn text_at(&self, path: &str, span: Span) -> String {
        self.text(path)
            .and_then(|t| t.get(span.range()).map(str::to_string))
            .unwrap_or_default()
    }

    /// The declarations of a file, for its outline.
    pub fn document_symbols(&self, path: &str) -> Vec<Declaration> {
        let Some(file) = self.file(path) else {
            return Vec::new();
        };
        let tree = &parse_file(self.db, file).file;
        let path = file.path(self.db).clone();
        tree.items
            .iter()
            .filter_map(|item| declaration_of_item(&path, item))
            .collect()
    }

    /// Declarations of every policy file (and the stdlib) whose name contains `query`
    /// (case-insensitive), fields and variants included.
    pub fn workspace_symbols(&self, query: &str) -> Vec<Declaration> {
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for file in self.ws.files(self.db) {
            for decl in self.document_symbols(file.path(self.db)) {
                let children = decl.children.clone();
                if decl.name.to_lowercase().contains(&query) {
                    out.push(Declaration {
                        children: Vec::new(),
                        ..decl
                    });
                }
                out.extend(
                    children
                        .into_iter()
                        .filter(|c| c.name.to_lowercase().contains(&query)),
                );
            }
        }
        out
    }

    /// The `test` blocks of a file.
    pub fn tests(&self, path: &str) -> Vec<TestBlock> {
        let Some(file) = self.file(path) else {
            return Vec::new();
        };
        parse_file(self.db, file)
            .file
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Test(test) => Some(TestBlock {
                    name: test.name.as_plain().unwrap_or_default(),
                    span: item.span,
                }),
                _ => None,
            })
            .collect()
    }

    /// Type hints after the names of rules' `for` and `let` bindings.
    pub fn inlay_hints(&self, path: &str) -> Vec<InlayHint> {
        let Some(file) = self.file(path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, base) in file_items(self.db, file) {
            let checked = check_item(self.db, self.ws, *key);
            let Some(hir::ItemKind::Rule(rule)) = &checked.kind else {
                continue;
            };
            for clause in &rule.clauses {
                let id = match clause {
                    hir::Clause::For { binding, .. } | hir::Clause::Let { binding, .. } => binding,
                    _ => continue,
                };
                if let Some(local) = rule.locals.get(id.0 as usize)
                    && !local.ty.contains_error()
                {
                    out.push(InlayHint {
                        offset: local.span.end + base,
                        label: format!(": {}", local.ty),
                    });
                }
            }
        }
        out
    }

    /// Semantic tokens of a file, sorted, not overlapping, each on one line.
    pub fn semantic_tokens(&self, path: &str) -> Vec<SemanticToken> {
        let Some(file) = self.file(path) else {
            return Vec::new();
        };
        let text = file.text(self.db);
        let mut tokens: Vec<SemanticToken> = self
            .file_occurrences(file)
            .into_iter()
            .map(|o| SemanticToken {
                span: o.span,
                kind: o.symbol.token_kind(),
                declaration: o.declaration,
            })
            .collect();
        let tree = &parse_file(self.db, file).file;
        for comment in &tree.comments {
            tokens.push(SemanticToken {
                span: comment.span,
                kind: TokenKind::Comment,
                declaration: false,
            });
        }
        for item in &tree.items {
            if let Some(doc) = &item.doc {
                for line in &doc.lines {
                    tokens.push(SemanticToken {
                        span: line.span,
                        kind: TokenKind::Comment,
                        declaration: false,
                    });
                }
            }
            if let ast::ItemKind::Rule(rule) = &item.kind {
                tokens.push(SemanticToken {
                    span: rule.action_span,
                    kind: TokenKind::Keyword,
                    declaration: false,
                });
                for clause in &rule.clauses {
                    tokens.push(SemanticToken {
                        span: clause.keyword_span,
                        kind: TokenKind::Keyword,
                        declaration: false,
                    });
                }
            }
        }
        tokens.retain(|t| {
            !t.span.is_empty() && text.get(t.span.range()).is_some_and(|s| !s.contains('\n'))
        });
        tokens.sort_by_key(|t| (t.span.start, std::cmp::Reverse(t.span.end)));
        let mut out: Vec<SemanticToken> = Vec::with_capacity(tokens.len());
        for token in tokens {
            if out
                .last()
                .is_none_or(|last| token.span.start >= last.span.end)
            {
                out.push(token);
            }
        }
        out
    }

    /// Completions at `offset`.
    pub fn completions(&self, path: &str, offset: usize) -> Vec<Completion> {
        complete::completions(self, path, offset)
    }

    /// Signature help at `offset` (inside a call's parentheses).
    pub fn signature_help(&self, path: &str, offset: usize) -> Option<SignatureHelp> {
        complete::signature_help(self, path, offset)
    }

    pub(crate) fn workspace(&self) -> Workspace {
        self.ws
    }

    /// Module names, for `import` completion.
    pub fn module_names(&self) -> Vec<Arc<str>> {
        global_scope(self.db, self.ws)
            .modules
            .keys()
            .cloned()
            .collect()
    }
}

/// A builtin's signature as declared.
fn builtin_signature(sig: &hir::BuiltinSig) -> String {
    let generics = if sig.type_params.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = sig.type_params.iter().map(|t| &**t).collect();
        format!("<{}>", names.join(", "))
    };
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect();
    format!(
        "builtin fn {}{generics}({}) -> {}",
        sig.name,
        params.join(", "),
        sig.ret
    )
}

fn action_keyword(action: hir::Action) -> &'static str {
    match action {
        hir::Action::Deny => "deny",
        hir::Action::Warn => "warn",
        hir::Action::Info => "info",
    }
}

/// Whether `name` is an identifier of the language (a letter or `_`, then letters, digits,
/// `_`).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn declaration_of_item(path: &Arc<str>, item: &ast::Item) -> Option<Declaration> {
    let simple = |name: &ast::Ident, kind: SymbolKind, detail: String| Declaration {
        name: name.name.clone(),
        kind,
        path: path.clone(),
        span: item.span,
        name_span: name.span,
        detail,
        children: Vec::new(),
    };
    Some(match &item.kind {
        ast::ItemKind::Module(decl) => Declaration {
            name: decl.path.dotted(),
            kind: SymbolKind::Module,
            path: path.clone(),
            span: item.span,
            name_span: decl.path.span,
            detail: String::new(),
            children: Vec::new(),
        },
        ast::ItemKind::Param(param) => simple(&param.name, SymbolKind::Param, "param".into()),
        ast::ItemKind::Fn(f) => simple(
            &f.name,
            SymbolKind::Function,
            if f.builtin { "builtin fn" } else { "fn" }.into(),
        ),
        ast::ItemKind::Rule(rule) => {
            simple(&rule.name, SymbolKind::Rule, rule.action.keyword().into())
        }
        ast::ItemKind::Secret(secret) => simple(&secret.name, SymbolKind::Secret, "secret".into()),
        ast::ItemKind::Type(decl) => Declaration {
            children: decl
                .fields
                .iter()
                .map(|field| Declaration {
                    name: field.name.name.clone(),
                    kind: SymbolKind::Field,
                    path: path.clone(),
                    span: field.span,
                    name_span: field.name.span,
                    detail: String::new(),
                    children: Vec::new(),
                })
                .collect(),
            ..simple(&decl.name, SymbolKind::Record, "type".into())
        },
        ast::ItemKind::Enum(decl) => Declaration {
            children: decl
                .variants
                .iter()
                .map(|variant| Declaration {
                    name: variant.name.name.clone(),
                    kind: SymbolKind::Variant,
                    path: path.clone(),
                    span: variant.span,
                    name_span: variant.name.span,
                    detail: String::new(),
                    children: Vec::new(),
                })
                .collect(),
            ..simple(&decl.name, SymbolKind::Enum, "enum".into())
        },
        ast::ItemKind::Test(test) => Declaration {
            name: test.name.as_plain().unwrap_or_default(),
            kind: SymbolKind::Test,
            path: path.clone(),
            span: item.span,
            name_span: test.name.span,
            detail: "test".into(),
            children: Vec::new(),
        },
        ast::ItemKind::Except(except) => Declaration {
            name: format!("except {}", except.rule.dotted()),
            kind: SymbolKind::Except,
            path: path.clone(),
            span: item.span,
            name_span: except.rule.span,
            detail: "except".into(),
            children: Vec::new(),
        },
        ast::ItemKind::Import(_) | ast::ItemKind::Broken(_) => return None,
    })
}

/// Groups completions by label, keeping the first (used to de-duplicate overloads).
pub(crate) fn dedup_by_label(items: Vec<Completion>) -> Vec<Completion> {
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    items
        .into_iter()
        .filter(|c| seen.insert(c.label.clone(), ()).is_none())
        .collect()
}
