//! The salsa database of the front end, shared by the CLI and the language server, and its
//! small public API (`Compiler`).
//!
//! Inputs: one `SourceFile` per policy file (path + text) plus the embedded stdlib, listed by
//! the `Workspace` input. Queries, each memoised and re-run only when what it read changed:
//!
//! - `file_chunks(file)`: the file cut into chunks of whole items by a cheap scan that never
//!   fails (`syntax::chunks`), each chunk as an interned `ItemKey` (file + text) with its
//!   offset. The key is the text, so an edit elsewhere in the file (even one that moves the
//!   chunk) keeps the key;
//! - `parse_chunk(key)`: one chunk parsed on its own (spans relative to its start). An edit
//!   re-parses only the chunk it touches;
//! - `file_items(file)`: the file's items that parsed, each as a key with its offset (a chunk
//!   of one item is its own key; the items of a chunk holding several get a key each);
//! - `item_syntax(key)`, `item_is_clean(key)`: the item's tree and whether it has no syntax
//!   error. Both read only `parse_chunk(key)`, so they stay valid across edits elsewhere;
//! - `file_context(file)`: its module name and imports;
//! - `parse_file(file)`: the whole tree with file offsets, assembled from the chunks (for the
//!   formatter and the language server); `syntax_diagnostics(file)` its syntax errors;
//! - `item_declaration(key)`, `file_declarations(file)`: the declarations without bodies;
//! - `global_scope(ws)`: every module's signatures, read from `file_declarations`, so it is
//!   not even re-run when a body changes (and what depends on it is not either);
//! - `check_item(ws, key)`: resolution and type checking of ONE item. Editing one rule's body
//!   re-runs this query for that rule only;
//! - `file_diagnostics(ws, file)`, `program_diagnostics(ws)` (duplicates across the module,
//!   recursion, unused functions) and `typed_program(ws)` for lowering.
//!
//! No file-system IO here: sources come in through `Compiler::set_source`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use salsa::Setter;

mod rebase;

use crate::check::{self, CheckEnv, CheckedItem, RuleBindings};
use crate::diagnostics::{Diagnostic, Label, codes};
use crate::hir;
use crate::resolve::{self, DeclInput, FileContext, GlobalScope, error, warning};
use crate::syntax::{self, ast};

/// One source file: its path (relative to the policy root; it also names the module when the
/// file has no `module` declaration) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    /// The path as given to `Compiler::set_source`.
    #[returns(ref)]
    pub path: Arc<str>,
    /// The file's text.
    #[returns(ref)]
    pub text: Arc<str>,
    /// Whether the file is part of the embedded stdlib.
    pub stdlib: bool,
}

/// The set of files of the program.
#[salsa::input(debug)]
pub struct Workspace {
    /// Every file, stdlib first, then by path.
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

/// One chunk or item of a file, identified by its file and its text.
#[salsa::interned(debug)]
pub struct ItemKey<'db> {
    /// The file it is in.
    pub file: SourceFile,
    /// The chunk's text (see `syntax::chunks`), or one item's, from its first doc line or
    /// attribute to its end.
    #[returns(ref)]
    pub text: String,
    /// Whether the text starts the file (module docs `//!` are allowed there only).
    pub leading: bool,
}

/// A parsed file: the tree and the syntax diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFile {
    /// The syntax tree (absolute spans).
    pub file: ast::File,
    /// Syntax errors, as diagnostics of this file.
    pub diagnostics: Vec<Diagnostic>,
}

/// The database.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    /// The names of the queries executed since logging started (test support).
    executed: Arc<Mutex<Option<Vec<String>>>>,
}

impl Default for Database {
    fn default() -> Self {
        let executed: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
        let log = executed.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut guard) = log.lock()
                && let Some(entries) = guard.as_mut()
            {
                entries.push(format!("{database_key:?}"));
            }
        })));
        Database { storage, executed }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

/// The chunks of a file (whole items, see `syntax::chunks`): each one's key and offset.
#[salsa::tracked(returns(ref))]
pub fn file_chunks(db: &dyn salsa::Database, file: SourceFile) -> Vec<(ItemKey<'_>, usize)> {
    let text = file.text(db);
    syntax::chunks(text)
        .into_iter()
        .map(|(start, end)| {
            let slice = text.get(start..end).unwrap_or_default();
            (ItemKey::new(db, file, slice.to_string(), start == 0), start)
        })
        .collect()
}

/// One chunk (or item) parsed on its own: spans are relative to its start.
#[salsa::tracked(returns(ref))]
pub fn parse_chunk<'db>(db: &'db dyn salsa::Database, key: ItemKey<'db>) -> syntax::Parse {
    let text = key.text(db);
    syntax::parse_range(text, 0, text.len(), *key.leading(db))
}

/// A whole file's tree (file offsets) and syntax errors, assembled from its chunks.
#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn salsa::Database, file: SourceFile) -> ParsedFile {
    let text = file.text(db);
    let mut tree = ast::File {
        span: ast::Span::new(0, text.len()),
        module_doc: None,
        items: Vec::new(),
        comments: Vec::new(),
    };
    for (key, offset) in file_chunks(db, file) {
        let chunk = &parse_chunk(db, *key).file;
        if tree.module_doc.is_none() && chunk.module_doc.is_some() {
            let mut doc = chunk.module_doc.clone();
            rebase::shift_doc(&mut doc, *offset);
            tree.module_doc = doc;
        }
        tree.items.extend(chunk.items.iter().map(|item| {
            let mut item = item.clone();
            rebase::shift_item(&mut item, *offset);
            item
        }));
        tree.comments
            .extend(chunk.comments.iter().map(|comment| ast::Comment {
                span: shift_span(comment.span, *offset),
                text: comment.text.clone(),
            }));
    }
    ParsedFile {
        file: tree,
        diagnostics: syntax_diagnostics(db, file).clone(),
    }
}

fn shift_span(span: ast::Span, offset: usize) -> ast::Span {
    ast::Span::new(span.start + offset, span.end + offset)
}

/// The syntax errors of a file, as diagnostics with file offsets, in source order.
#[salsa::tracked(returns(ref))]
pub fn syntax_diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    let path = file.path(db).clone();
    let mut out = Vec::new();
    for (key, offset) in file_chunks(db, file) {
        for error in &parse_chunk(db, *key).errors {
            out.push(Diagnostic {
                code: error.code,
                severity: crate::diagnostics::Severity::Error,
                message: error.message.clone(),
                file: path.clone(),
                primary: Label::new(shift_span(error.span, *offset), ""),
                secondary: Vec::new(),
                help: error.help.clone(),
            });
        }
    }
    out
}

/// The module name and imports of a file.
#[salsa::tracked(returns(ref))]
pub fn file_context(db: &dyn salsa::Database, file: SourceFile) -> FileContext {
    let mut module = None;
    let mut imports = BTreeMap::new();
    for (key, _) in file_items(db, file) {
        let Some(item) = item_syntax(db, *key) else {
            continue;
        };
        match &item.kind {
            ast::ItemKind::Module(decl) if module.is_none() => module = Some(decl.path.dotted()),
            ast::ItemKind::Import(import) => {
                imports.insert(
                    Arc::from(import_alias(import)),
                    Arc::from(import.path.dotted()),
                );
            }
            _ => {}
        }
    }
    let module = module.unwrap_or_else(|| resolve::module_from_path(file.path(db)));
    FileContext {
        module: Arc::from(module),
        stdlib: *file.stdlib(db),
        imports,
    }
}

/// The name an import binds: its alias, else its last segment.
fn import_alias(import: &ast::Import) -> String {
    match &import.alias {
        Some(alias) => alias.name.clone(),
        None => import
            .path
            .segments
            .last()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
    }
}

/// The items of a file that parsed: each one's key and its byte offset in the file. A chunk
/// of one item is that item's key; each item of a chunk holding several (items sharing a
/// line, or cut apart by recovery) gets a key of its own text, parsed again alone.
#[salsa::tracked(returns(ref))]
pub fn file_items(db: &dyn salsa::Database, file: SourceFile) -> Vec<(ItemKey<'_>, usize)> {
    let mut out = Vec::new();
    for (key, offset) in file_chunks(db, file) {
        let items = &parse_chunk(db, *key).file.items;
        let text = key.text(db);
        let is_broken = |item: &ast::Item| matches!(item.kind, ast::ItemKind::Broken(_));
        match items.as_slice() {
            [] => {}
            [item] if !is_broken(item) => out.push((*key, *offset)),
            _ => {
                for item in items.iter().filter(|item| !is_broken(item)) {
                    let slice = text.get(item.span.range()).unwrap_or_default();
                    let own = ItemKey::new(db, file, slice.to_string(), false);
                    out.push((own, offset + item.span.start));
                }
            }
        }
    }
    out
}

/// Whether an item has no syntax error inside it. An item with one is declared (so that
/// what refers to it does not report a cascade) but not checked.
#[salsa::tracked]
pub fn item_is_clean<'db>(db: &'db dyn salsa::Database, key: ItemKey<'db>) -> bool {
    parse_chunk(db, key).errors.is_empty()
}

/// One item's tree, spans relative to its key's start. Reads only the key's own parse, so it
/// is equal across edits that do not touch the item's text and the queries that read it are
/// not re-run.
#[salsa::tracked(returns(ref))]
pub fn item_syntax<'db>(db: &'db dyn salsa::Database, key: ItemKey<'db>) -> Option<Arc<ast::Item>> {
    match parse_chunk(db, key).file.items.as_slice() {
        [item] if !matches!(item.kind, ast::ItemKind::Broken(_)) => Some(Arc::new(item.clone())),
        _ => None,
    }
}

/// Every module's declarations: names and signatures only.
#[salsa::tracked(returns(ref))]
pub fn global_scope(db: &dyn salsa::Database, ws: Workspace) -> GlobalScope {
    let mut modules = Vec::new();
    let mut contexts = Vec::new();
    for file in ws.files(db) {
        let context = file_context(db, *file);
        modules.push((context.module.clone(), context.stdlib));
        contexts.push((context, *file));
    }
    let mut decls = Vec::new();
    for (context, file) in &contexts {
        for item in file_declarations(db, *file) {
            decls.push(DeclInput {
                context,
                item: item.as_ref(),
            });
        }
    }
    GlobalScope::build(&modules, &decls)
}

/// The declarations of a file as `global_scope` reads them (see `item_declaration`): equal
/// across an edit inside a body, so `global_scope` does not even re-run after one.
#[salsa::tracked(returns(ref))]
pub fn file_declarations(db: &dyn salsa::Database, file: SourceFile) -> Vec<Arc<ast::Item>> {
    file_items(db, file)
        .iter()
        .filter_map(|(key, _)| item_declaration(db, *key).clone())
        .collect()
}

/// A declaration without what only its own check reads: a rule's clauses and message, a
/// function's body, and the spans that cover them.
#[salsa::tracked(returns(ref))]
pub fn item_declaration<'db>(
    db: &'db dyn salsa::Database,
    key: ItemKey<'db>,
) -> Option<Arc<ast::Item>> {
    let item = item_syntax(db, key).as_ref()?;
    if !is_declaration(&item.kind) {
        return None;
    }
    let mut item = ast::Item::clone(item);
    item.span = ast::Span::default();
    match &mut item.kind {
        ast::ItemKind::Rule(rule) => {
            rule.span = ast::Span::default();
            rule.clauses.clear();
            rule.message = None;
        }
        ast::ItemKind::Fn(function) => {
            function.span = ast::Span::default();
            function.body = None;
        }
        _ => {}
    }
    Some(Arc::new(item))
}

fn is_declaration(kind: &ast::ItemKind) -> bool {
    matches!(
        kind,
        ast::ItemKind::Type(_)
            | ast::ItemKind::Enum(_)
            | ast::ItemKind::Fn(_)
            | ast::ItemKind::Param(_)
            | ast::ItemKind::Rule(_)
            | ast::ItemKind::Secret(_)
    )
}

/// The bindings of a rule, by qualified name, for its excepts.
#[salsa::tracked(returns(ref))]
pub fn rule_bindings(
    db: &dyn salsa::Database,
    ws: Workspace,
    rule: RuleName<'_>,
) -> Option<RuleBindings> {
    let wanted = rule.name(db);
    for file in ws.files(db) {
        let context = file_context(db, *file);
        let Some(short) = wanted
            .strip_prefix(&*context.module)
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            continue;
        };
        for (key, _) in file_items(db, *file) {
            if let Some(item) = item_syntax(db, *key)
                && let ast::ItemKind::Rule(r) = &item.kind
                && r.name.name == short
            {
                return check_item(db, ws, *key).rule_bindings.clone();
            }
        }
    }
    None
}

/// A rule's qualified name, as a query argument.
#[salsa::interned(debug)]
pub struct RuleName<'db> {
    /// `MODULE.RULE`.
    #[returns(ref)]
    pub name: String,
}

struct DbEnv<'db> {
    db: &'db dyn salsa::Database,
    ws: Workspace,
}

impl CheckEnv for DbEnv<'_> {
    fn rule_bindings(&self, qualified: &str) -> Option<RuleBindings> {
        let name = RuleName::new(self.db, qualified.to_string());
        rule_bindings(self.db, self.ws, name).clone()
    }
}

/// Resolution and type checking of one item.
#[salsa::tracked(returns(ref))]
pub fn check_item<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    key: ItemKey<'db>,
) -> CheckedItem {
    let file = *key.file(db);
    let context = file_context(db, file);
    let scope = global_scope(db, ws);
    let Some(item) = item_syntax(db, key) else {
        return CheckedItem {
            kind: None,
            span: ast::Span::default(),
            doc: String::new(),
            attributes: Vec::new(),
            diagnostics: Vec::new(),
            unused_lets: Vec::new(),
            uses: check::Uses::default(),
            declares: None,
            rule_bindings: None,
        };
    };
    if !item_is_clean(db, key) {
        return CheckedItem {
            kind: None,
            span: item.span,
            doc: String::new(),
            attributes: Vec::new(),
            diagnostics: Vec::new(),
            unused_lets: Vec::new(),
            uses: check::Uses::default(),
            declares: None,
            rule_bindings: None,
        };
    }
    let env = DbEnv { db, ws };
    let mut checked = check::check_item(scope, context, &env, item);
    let path = file.path(db).clone();
    for diagnostic in &mut checked.diagnostics {
        diagnostic.file = path.clone();
    }
    for (_, diagnostic) in &mut checked.unused_lets {
        diagnostic.file = path.clone();
    }
    checked
}

/// Where a name is declared: file path and span.
type Place = (Arc<str>, ast::Span);
/// An unused `let` warning by binding name.
type UnusedLet = (Arc<str>, Diagnostic);
/// A function's callees and where it is declared.
type CallGraph = BTreeMap<Arc<str>, (BTreeSet<Arc<str>>, Place)>;

/// A policy `param`, for the unused-param warning.
struct ParamDecl {
    qualified: Arc<str>,
    module: Arc<str>,
    place: Place,
    /// A stdlib param, or one whose name starts with `_`.
    exempt: bool,
}

/// Problems that need the whole program: duplicate names in a module, recursion, unused
/// functions and params, unused `for`/`let` bindings no except uses. Spans are file offsets.
#[salsa::tracked(returns(ref))]
pub fn program_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut declared: BTreeMap<(Arc<str>, Arc<str>), Place> = BTreeMap::new();
    let mut used: BTreeSet<Arc<str>> = BTreeSet::new();
    let mut except_uses: BTreeMap<Arc<str>, BTreeSet<Arc<str>>> = BTreeMap::new();
    let mut calls: CallGraph = BTreeMap::new();
    // Functions: qualified name, file, span, exempt from the unused warning.
    let mut fns: Vec<(Arc<str>, Arc<str>, ast::Span, bool)> = Vec::new();
    let mut params: Vec<ParamDecl> = Vec::new();
    // Modules with an unresolved name: it may be a misspelt param, so their params get no
    // unused warning (one root cause, one diagnostic).
    let mut misspelling_modules: BTreeSet<Arc<str>> = BTreeSet::new();
    let mut rules_unused_lets: Vec<(Arc<str>, &[UnusedLet], usize)> = Vec::new();
    for file in ws.files(db) {
        let context = file_context(db, *file);
        let path = file.path(db).clone();
        for (key, offset) in file_items(db, *file) {
            let checked = check_item(db, ws, *key);
            used.extend(checked.uses.globals.iter().cloned());
            if checked
                .diagnostics
                .iter()
                .any(|d| d.code == codes::UNRESOLVED_NAME)
            {
                misspelling_modules.insert(context.module.clone());
            }
            if let Some((rule, names)) = &checked.uses.except_bindings {
                except_uses
                    .entry(rule.clone())
                    .or_default()
                    .extend(names.iter().cloned());
            }
            let Some((name, span)) = &checked.declares else {
                continue;
            };
            let span = ast::Span::new(span.start + offset, span.end + offset);
            let qualified: Arc<str> = Arc::from(format!("{}.{name}", context.module));
            match declared.get(&(context.module.clone(), name.clone())) {
                Some((first_path, first_span)) => {
                    let mut d = error(
                        codes::DUPLICATE_DEFINITION,
                        format!(
                            "`{name}` is defined more than once in module `{}`",
                            context.module
                        ),
                        Label::new(span, "defined again here"),
                    );
                    d.file = path.clone();
                    if *first_path == path {
                        d.secondary
                            .push(Label::new(*first_span, "first defined here"));
                    } else {
                        d.help = Some(format!(
                            "the first definition is in `{first_path}`; rename one of them"
                        ));
                    }
                    out.push(d);
                }
                None => {
                    declared.insert((context.module.clone(), name.clone()), (path.clone(), span));
                }
            }
            match &checked.kind {
                Some(hir::ItemKind::Fn(_)) => {
                    calls.insert(
                        qualified.clone(),
                        (checked.uses.calls.clone(), (path.clone(), span)),
                    );
                    fns.push((
                        qualified,
                        path.clone(),
                        span,
                        context.stdlib || name.starts_with('_'),
                    ));
                }
                Some(hir::ItemKind::Rule(_)) => {
                    rules_unused_lets.push((qualified, checked.unused_lets.as_slice(), *offset))
                }
                Some(hir::ItemKind::Param(_)) => params.push(ParamDecl {
                    qualified,
                    module: context.module.clone(),
                    place: (path.clone(), span),
                    exempt: context.stdlib || name.starts_with('_'),
                }),
                _ => {}
            }
        }
    }
    for (qualified, path, span, exempt) in &fns {
        if !exempt && !used.contains(qualified) {
            out.push(unused_warning(
                codes::UNUSED_FUNCTION,
                format!("function `{qualified}` is never called"),
                path,
                *span,
                "remove it, or prefix its name with `_`",
            ));
        }
    }
    for param in &params {
        let qualified = &param.qualified;
        if !param.exempt
            && !used.contains(qualified)
            && !misspelling_modules.contains(&param.module)
        {
            let (path, span) = &param.place;
            out.push(unused_warning(
                codes::UNUSED_PARAM,
                format!("param `{qualified}` is never used"),
                path,
                *span,
                "remove it, use it, or prefix its name with `_`",
            ));
        }
    }
    for (rule, unused, offset) in rules_unused_lets {
        let excepted = except_uses.get(&rule);
        for (name, diagnostic) in unused {
            if !excepted.is_some_and(|names| names.contains(name)) {
                out.push(diagnostic.clone().shifted(offset));
            }
        }
    }
    out.extend(recursion_diagnostics(&calls));
    out
}

/// A warning that `span` in `file` declares something nothing uses, with the fix in `help`.
fn unused_warning(
    code: &'static str,
    message: String,
    file: &Arc<str>,
    span: ast::Span,
    help: &str,
) -> Diagnostic {
    let mut d = warning(code, message, Label::new(span, "unused"));
    d.file = file.clone();
    d.help = Some(help.to_string());
    d
}

/// One error per function that takes part in a call cycle.
fn recursion_diagnostics(calls: &CallGraph) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (start, (_, (path, span))) in calls {
        // Find a path from `start` back to itself.
        let mut stack: Vec<(Arc<str>, Vec<Arc<str>>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        let mut cycle = None;
        while let Some((current, trail)) = stack.pop() {
            let Some((callees, _)) = calls.get(&current) else {
                continue;
            };
            for callee in callees {
                if callee == start {
                    cycle = Some(trail.clone());
                    break;
                }
                if seen.insert(callee.clone()) {
                    let mut next = trail.clone();
                    next.push(callee.clone());
                    stack.push((callee.clone(), next));
                }
            }
            if cycle.is_some() {
                break;
            }
        }
        if let Some(trail) = cycle {
            let message = if trail.len() == 1 {
                format!("function `{start}` calls itself")
            } else {
                let chain: Vec<String> = trail
                    .iter()
                    .chain(std::iter::once(start))
                    .map(|n| format!("`{n}`"))
                    .collect();
                format!("function `{start}` is recursive: {}", chain.join(" calls "))
            };
            let mut d = error(codes::RECURSION, message, Label::new(*span, "recursive"));
            d.file = path.clone();
            d.help = Some(
                "the language is total: use aggregates or comprehensions instead of recursion"
                    .to_string(),
            );
            out.push(d);
        }
    }
    out
}

/// Every diagnostic of one file: syntax errors, then each item's, with file offsets.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(
    db: &dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
) -> Vec<Diagnostic> {
    let mut out = syntax_diagnostics(db, file).clone();
    let mut aliases_used = BTreeSet::new();
    for (key, offset) in file_items(db, file) {
        let checked = check_item(db, ws, *key);
        out.extend(
            checked
                .diagnostics
                .iter()
                .map(|d| d.clone().shifted(*offset)),
        );
        aliases_used.extend(checked.uses.aliases.iter().cloned());
    }
    // Unused imports: only of modules without rules (importing a module activates its rules).
    let scope = global_scope(db, ws);
    let path = file.path(db).clone();
    for (key, offset) in file_items(db, file) {
        if let Some(item) = item_syntax(db, *key)
            && let ast::ItemKind::Import(import) = &item.kind
        {
            let alias = import_alias(import);
            let target = import.path.dotted();
            let has_rules = scope
                .modules
                .get(target.as_str())
                .is_none_or(|m| m.has_rules);
            if !has_rules && !aliases_used.contains(alias.as_str()) {
                out.push(unused_warning(
                    codes::UNUSED_IMPORT,
                    format!("import `{target}` is never used"),
                    &path,
                    shift_span(import.span, *offset),
                    "remove the import",
                ));
            }
        }
    }
    out.extend(
        program_diagnostics(db, ws)
            .iter()
            .filter(|d| d.file == path)
            .cloned(),
    );
    out.sort_by_key(|d| (d.primary.span.start, d.code));
    out
}

/// The checked program, or None when some file has an error.
#[salsa::tracked(returns(ref))]
pub fn typed_program(db: &dyn salsa::Database, ws: Workspace) -> Option<Arc<hir::Program>> {
    let mut items = Vec::new();
    let mut active: BTreeSet<Arc<str>> = BTreeSet::new();
    for file in ws.files(db) {
        if file_diagnostics(db, ws, *file)
            .iter()
            .any(Diagnostic::is_error)
        {
            return None;
        }
        let context = file_context(db, *file);
        if !context.stdlib {
            active.insert(context.module.clone());
            active.extend(context.imports.values().cloned());
        }
        for (key, offset) in file_items(db, *file) {
            let checked = check_item(db, ws, *key);
            if let Some(kind) = &checked.kind {
                items.push(hir::Item {
                    file: file.path(db).clone(),
                    module: context.module.clone(),
                    span_base: *offset,
                    span: checked.span,
                    doc: checked.doc.clone(),
                    attributes: checked.attributes.clone(),
                    kind: kind.clone(),
                });
            }
        }
    }
    let scope = global_scope(db, ws);
    Some(Arc::new(hir::Program {
        records: scope.records.values().cloned().collect(),
        enums: scope.enums.values().cloned().collect(),
        items,
        builtins: scope.builtins.clone(),
        active_modules: active.into_iter().collect(),
    }))
}

/// The compiler: a database with the stdlib loaded, plus the policy sources set on it.
///
/// Paths are relative to the policy root (`acme/prod.tg`); a file without a `module`
/// declaration gets its module name from its path (`acme.prod`).
pub struct Compiler {
    db: Database,
    workspace: Workspace,
    files: BTreeMap<Arc<str>, SourceFile>,
}

impl Default for Compiler {
    fn default() -> Self {
        Compiler::new()
    }
}

impl Compiler {
    /// A compiler with the stdlib and no policy source.
    pub fn new() -> Compiler {
        let db = Database::default();
        let mut files = BTreeMap::new();
        let mut list = Vec::new();
        for (_, path, text) in tollgate_stdlib::sources() {
            let path: Arc<str> = Arc::from(*path);
            let file = SourceFile::new(&db, path.clone(), Arc::from(*text), true);
            files.insert(path, file);
            list.push(file);
        }
        let workspace = Workspace::new(&db, list);
        Compiler {
            db,
            workspace,
            files,
        }
    }

    /// Adds a source file, or replaces its text.
    pub fn set_source(&mut self, path: &str, text: &str) {
        if let Some(file) = self.files.get(path).copied() {
            if **file.text(&self.db) != *text {
                file.set_text(&mut self.db).to(Arc::from(text));
            }
            return;
        }
        let path: Arc<str> = Arc::from(path);
        let file = SourceFile::new(&self.db, path.clone(), Arc::from(text), false);
        self.files.insert(path, file);
        self.update_workspace();
    }

    /// Removes a source file; no-op when it is not there (or is a stdlib file).
    pub fn remove_source(&mut self, path: &str) {
        if let Some(file) = self.files.get(path).copied()
            && !*file.stdlib(&self.db)
        {
            self.files.remove(path);
            self.update_workspace();
        }
    }

    fn update_workspace(&mut self) {
        let mut list: Vec<SourceFile> = self
            .files
            .values()
            .copied()
            .filter(|f| *f.stdlib(&self.db))
            .collect();
        list.extend(
            self.files
                .values()
                .copied()
                .filter(|f| !*f.stdlib(&self.db)),
        );
        self.workspace.set_files(&mut self.db).to(list);
    }

    /// The paths of the policy sources (not the stdlib).
    pub fn source_paths(&self) -> Vec<Arc<str>> {
        self.files
            .iter()
            .filter(|(_, f)| !*f.stdlib(&self.db))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The text of a source (policy or stdlib), by path.
    pub fn source_text(&self, path: &str) -> Option<Arc<str>> {
        self.files.get(path).map(|f| f.text(&self.db).clone())
    }

    /// Every diagnostic of every policy source, sorted by file then position. Stdlib files
    /// are checked too but only their errors are reported (a user cannot act on a warning in
    /// the stdlib; an error there means the tool itself is broken).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for file in self.files.values() {
            let stdlib = *file.stdlib(&self.db);
            let diagnostics = file_diagnostics(&self.db, self.workspace, *file);
            out.extend(
                diagnostics
                    .iter()
                    .filter(|d| !stdlib || d.is_error())
                    .cloned(),
            );
        }
        out
    }

    /// Every diagnostic of the stdlib's own files, warnings included (for the stdlib's tests).
    pub fn stdlib_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for file in self.files.values().filter(|f| *f.stdlib(&self.db)) {
            out.extend(
                file_diagnostics(&self.db, self.workspace, *file)
                    .iter()
                    .cloned(),
            );
        }
        out
    }

    /// The diagnostics of one file.
    pub fn file_diagnostics(&self, path: &str) -> Vec<Diagnostic> {
        self.files
            .get(path)
            .map(|f| file_diagnostics(&self.db, self.workspace, *f).clone())
            .unwrap_or_default()
    }

    /// Whether any source has an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics().iter().any(Diagnostic::is_error)
    }

    /// The checked program for lowering, or None when there is an error.
    pub fn typed_program(&self) -> Option<Arc<hir::Program>> {
        typed_program(&self.db, self.workspace).clone()
    }

    /// The syntax tree of a file (absolute spans), for the formatter and the language server.
    pub fn syntax(&self, path: &str) -> Option<ast::File> {
        self.files
            .get(path)
            .map(|f| parse_file(&self.db, *f).file.clone())
    }

    /// The module name of a file.
    pub fn module_of(&self, path: &str) -> Option<Arc<str>> {
        self.files
            .get(path)
            .map(|f| file_context(&self.db, *f).module.clone())
    }

    /// Starts recording which queries execute (see `executed_queries`).
    pub fn start_query_log(&self) {
        if let Ok(mut guard) = self.db.executed.lock() {
            *guard = Some(Vec::new());
        }
    }

    /// The queries executed since `start_query_log` (or the last call), as salsa names them:
    /// `check_item(Id(..))`, `parse_file(Id(..))` ...
    pub fn executed_queries(&self) -> Vec<String> {
        match self.db.executed.lock() {
            Ok(mut guard) => guard.as_mut().map(std::mem::take).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The underlying database, for queries this API does not wrap.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The workspace input.
    pub fn workspace(&self) -> Workspace {
        self.workspace
    }
}
