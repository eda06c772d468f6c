//! Name resolution: what every module declares (its global scope), what a file imports, and
//! how type expressions resolve.
//!
//! The `GlobalScope` holds signatures only (names, declared types, rule actions), never item
//! bodies or spans, so that an edit inside one item's body leaves it equal and salsa does not
//! re-check the other items.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Label, Severity, codes};
use crate::hir::{Action, BuiltinSig};
use crate::syntax::ast;
use crate::types::{DeclRef, EnumDef, FieldDef, RecordDef, Type, VariantDef, variant_json_name};

/// The module of the facts schema, whose types every file sees.
pub const SCHEMA_MODULE: &str = "std.schema";

/// What a file sees besides its own module: its module name and its imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FileContext {
    /// The file's module (from `module NAME`, else its path).
    pub module: Arc<str>,
    /// Whether the file is part of the stdlib.
    pub stdlib: bool,
    /// Import alias -> module name (`vulns` -> `std.vulns`).
    pub imports: BTreeMap<Arc<str>, Arc<str>>,
}

/// The module name of a file without a `module` declaration: its path without `.tg`, `/` as
/// `.` (`acme/prod.tg` -> `acme.prod`).
pub fn module_from_path(path: &str) -> String {
    let trimmed = path.trim_start_matches("./").trim_start_matches('/');
    let stem = trimmed.strip_suffix(".tg").unwrap_or(trimmed);
    stem.replace(['/', '\\'], ".")
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnSig {
    /// `MODULE.NAME`.
    pub qualified: Arc<str>,
    /// Parameter names and types.
    pub params: Vec<(Arc<str>, Type)>,
    /// Return type.
    pub ret: Type,
}

/// What a module-level value name means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GlobalDef {
    /// A `param`.
    Param {
        /// `MODULE.NAME`.
        qualified: Arc<str>,
        /// Its declared type.
        ty: Type,
    },
    /// A user `fn`.
    Fn(FnSig),
    /// A rule.
    Rule {
        /// `MODULE.NAME`.
        qualified: Arc<str>,
        /// Its action.
        action: Action,
    },
    /// A `secret`.
    Secret {
        /// `MODULE.NAME`.
        qualified: Arc<str>,
    },
}

/// The names one module declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleScope {
    /// Params, fns, rules and secrets, by name (the first declaration when duplicated).
    pub values: BTreeMap<Arc<str>, GlobalDef>,
    /// Records and enums, by name.
    pub types: BTreeMap<Arc<str>, Type>,
    /// Whether the module declares at least one rule.
    pub has_rules: bool,
    /// Whether the module is part of the stdlib.
    pub stdlib: bool,
}

/// Everything declared in the program, signatures only.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalScope {
    /// Every module by name.
    pub modules: BTreeMap<Arc<str>, ModuleScope>,
    /// Every record declaration.
    pub records: BTreeMap<DeclRef, RecordDef>,
    /// Every enum declaration.
    pub enums: BTreeMap<DeclRef, EnumDef>,
    /// Every builtin signature, in declaration order.
    pub builtins: Vec<BuiltinSig>,
    /// Builtin name -> indexes into `builtins` (an overload set).
    pub builtin_names: BTreeMap<Arc<str>, Vec<u32>>,
    /// Variant name -> the enums that have it (for bare variants).
    pub variants: BTreeMap<Arc<str>, Vec<DeclRef>>,
}

/// One declaration the scope builder reads: its module, file context and syntax.
pub struct DeclInput<'a> {
    /// The declaring file's context.
    pub context: &'a FileContext,
    /// The item (spans relative to the item; unused here).
    pub item: &'a ast::Item,
}

impl GlobalScope {
    /// Builds the scope from every item of the program. Problems (unknown types, duplicates)
    /// are not reported here but by the check of the item concerned.
    pub fn build(modules: &[(Arc<str>, bool)], decls: &[DeclInput<'_>]) -> GlobalScope {
        let mut scope = GlobalScope::default();
        for (module, stdlib) in modules {
            let entry = scope.modules.entry(module.clone()).or_default();
            entry.stdlib |= *stdlib;
        }
        // Phase 1: type names, so that phase 2 can resolve any type in any order.
        for decl in decls {
            let module = &decl.context.module;
            let (name, is_enum) = match &decl.item.kind {
                ast::ItemKind::Type(t) => (&t.name.name, false),
                ast::ItemKind::Enum(e) => (&e.name.name, true),
                _ => continue,
            };
            let reference = DeclRef::new(module, name);
            let ty = if is_enum {
                Type::Enum(reference)
            } else {
                Type::Record(reference)
            };
            let entry = scope.modules.entry(module.clone()).or_default();
            entry.types.entry(Arc::from(name.as_str())).or_insert(ty);
        }
        // Phase 2: everything else.
        for decl in decls {
            let context = decl.context;
            let module = &context.module;
            let qualify = |name: &str| -> Arc<str> { Arc::from(format!("{module}.{name}")) };
            let resolver = TypeResolver {
                scope: &scope,
                context,
                type_params: &[],
            };
            let mut sink = Vec::new();
            let mut defined: Option<(Arc<str>, GlobalDef)> = None;
            match &decl.item.kind {
                ast::ItemKind::Type(t) => {
                    let reference = DeclRef::new(module, &t.name.name);
                    if scope.records.contains_key(&reference) {
                        continue;
                    }
                    let mut fields: Vec<FieldDef> = Vec::new();
                    for field in &t.fields {
                        if fields.iter().any(|f| *f.name == *field.name.name) {
                            continue;
                        }
                        fields.push(FieldDef {
                            name: Arc::from(field.name.name.as_str()),
                            ty: resolver.resolve(&field.ty, &mut sink),
                            doc: doc_text(field.doc.as_ref()),
                        });
                    }
                    let record = RecordDef {
                        decl: reference.clone(),
                        fields,
                        doc: doc_text(decl.item.doc.as_ref()),
                    };
                    scope.records.insert(reference, record);
                }
                ast::ItemKind::Enum(e) => {
                    let reference = DeclRef::new(module, &e.name.name);
                    if scope.enums.contains_key(&reference) {
                        continue;
                    }
                    let mut variants: Vec<VariantDef> = Vec::new();
                    for variant in &e.variants {
                        if variants.iter().any(|v| *v.name == *variant.name.name) {
                            continue;
                        }
                        variants.push(VariantDef {
                            name: Arc::from(variant.name.name.as_str()),
                            json: variant_json_name(&variant.name.name),
                            doc: doc_text(variant.doc.as_ref()),
                        });
                    }
                    let enumeration = EnumDef {
                        decl: reference.clone(),
                        variants,
                        doc: doc_text(decl.item.doc.as_ref()),
                    };
                    scope.enums.insert(reference, enumeration);
                }
                ast::ItemKind::Fn(f) if f.builtin => {
                    let type_params: Vec<Arc<str>> = f
                        .type_params
                        .iter()
                        .map(|p| Arc::from(p.name.as_str()))
                        .collect();
                    let resolver = TypeResolver {
                        scope: &scope,
                        context,
                        type_params: &type_params,
                    };
                    let params = f
                        .params
                        .iter()
                        .map(|p| {
                            (
                                Arc::from(p.name.name.as_str()),
                                resolver.resolve(&p.ty, &mut sink),
                            )
                        })
                        .collect();
                    let ret = resolver.resolve(&f.ret, &mut sink);
                    let name: Arc<str> = Arc::from(f.name.name.as_str());
                    let index = u32::try_from(scope.builtins.len()).unwrap_or(u32::MAX);
                    scope.builtins.push(BuiltinSig {
                        name: name.clone(),
                        type_params,
                        params,
                        ret,
                        doc: doc_text(decl.item.doc.as_ref()),
                    });
                    scope.builtin_names.entry(name).or_default().push(index);
                }
                ast::ItemKind::Fn(f) => {
                    let params = f
                        .params
                        .iter()
                        .map(|p| {
                            (
                                Arc::from(p.name.name.as_str()),
                                resolver.resolve(&p.ty, &mut sink),
                            )
                        })
                        .collect();
                    let ret = resolver.resolve(&f.ret, &mut sink);
                    let qualified = qualify(&f.name.name);
                    defined = Some((
                        Arc::from(f.name.name.as_str()),
                        GlobalDef::Fn(FnSig {
                            qualified,
                            params,
                            ret,
                        }),
                    ));
                }
                ast::ItemKind::Param(p) => {
                    let ty = resolver.resolve(&p.ty, &mut sink);
                    defined = Some((
                        Arc::from(p.name.name.as_str()),
                        GlobalDef::Param {
                            qualified: qualify(&p.name.name),
                            ty,
                        },
                    ));
                }
                ast::ItemKind::Rule(r) => {
                    let action = match r.action {
                        ast::RuleAction::Deny => Action::Deny,
                        ast::RuleAction::Warn => Action::Warn,
                        ast::RuleAction::Info => Action::Info,
                    };
                    defined = Some((
                        Arc::from(r.name.name.as_str()),
                        GlobalDef::Rule {
                            qualified: qualify(&r.name.name),
                            action,
                        },
                    ));
                    scope.modules.entry(module.clone()).or_default().has_rules = true;
                }
                ast::ItemKind::Secret(s) => {
                    defined = Some((
                        Arc::from(s.name.name.as_str()),
                        GlobalDef::Secret {
                            qualified: qualify(&s.name.name),
                        },
                    ));
                }
                _ => {}
            }
            if let Some((name, def)) = defined {
                scope
                    .modules
                    .entry(module.clone())
                    .or_default()
                    .values
                    .entry(name)
                    .or_insert(def);
            }
        }
        for enumeration in scope.enums.values() {
            for variant in &enumeration.variants {
                scope
                    .variants
                    .entry(variant.name.clone())
                    .or_default()
                    .push(enumeration.decl.clone());
            }
        }
        scope
    }

    /// The record declaration `decl` refers to.
    pub fn record(&self, decl: &DeclRef) -> Option<&RecordDef> {
        self.records.get(decl)
    }

    /// The enum declaration `decl` refers to.
    pub fn enumeration(&self, decl: &DeclRef) -> Option<&EnumDef> {
        self.enums.get(decl)
    }

    /// The record type `Image` of the facts schema.
    pub fn image_type(&self) -> Type {
        Type::Record(DeclRef::new(SCHEMA_MODULE, "Image"))
    }

    /// The modules whose names every file sees without an import (`std.schema`,
    /// `std.builtins`).
    pub fn prelude(&self) -> impl Iterator<Item = &ModuleScope> {
        tollgate_stdlib::PRELUDE_MODULES
            .iter()
            .filter_map(|name| self.modules.get(*name))
    }

    /// Resolves a value name as written in `context`'s module: its own declarations first,
    /// then the prelude's.
    pub fn module_value(&self, context: &FileContext, name: &str) -> Option<&GlobalDef> {
        self.modules
            .get(&context.module)
            .and_then(|m| m.values.get(name))
            .or_else(|| self.prelude().find_map(|m| m.values.get(name)))
    }

    /// Resolves a type name as written in `context`'s module.
    pub fn type_named(&self, context: &FileContext, name: &str) -> Option<&Type> {
        self.modules
            .get(&context.module)
            .and_then(|m| m.types.get(name))
            .or_else(|| self.prelude().find_map(|m| m.types.get(name)))
    }

    /// The module a dotted prefix names from `context`: an import alias, or a full module
    /// name.
    pub fn module_named(
        &self,
        context: &FileContext,
        dotted: &str,
    ) -> Option<(Arc<str>, &ModuleScope)> {
        if let Some(module) = context.imports.get(dotted) {
            return self
                .modules
                .get(module)
                .map(|scope| (module.clone(), scope));
        }
        self.modules
            .get_key_value(dotted)
            .map(|(name, scope)| (name.clone(), scope))
    }
}

/// The `///` text of an optional doc comment.
pub fn doc_text(doc: Option<&ast::Doc>) -> String {
    doc.map(ast::Doc::text).unwrap_or_default()
}

/// Resolves type expressions in one file's context.
pub struct TypeResolver<'a> {
    /// The program's declarations.
    pub scope: &'a GlobalScope,
    /// The file's module and imports.
    pub context: &'a FileContext,
    /// Type parameters in scope (builtins only).
    pub type_params: &'a [Arc<str>],
}

/// The names of the primitive and collection types, for did-you-mean.
const PRIMITIVE_TYPES: &[&str] = &[
    "bool", "int", "float", "string", "version", "date", "duration", "time", "list", "set", "map",
];

impl TypeResolver<'_> {
    /// The type `expr` denotes; problems go to `sink` (with spans as in `expr`) and give
    /// `Type::Error`.
    pub fn resolve(&self, expr: &ast::TypeExpr, sink: &mut Vec<Diagnostic>) -> Type {
        match &expr.kind {
            ast::TypeExprKind::Optional(inner) => Type::optional(self.resolve(inner, sink)),
            ast::TypeExprKind::Named { path, args } => {
                let dotted = path.dotted();
                let arity = match dotted.as_str() {
                    "list" | "set" => 1,
                    "map" => 2,
                    _ => 0,
                };
                if args.len() != arity {
                    let expected = match arity {
                        0 => format!("`{dotted}` takes no type argument"),
                        1 => format!("`{dotted}` takes 1 type argument"),
                        _ => format!("`{dotted}` takes {arity} type arguments"),
                    };
                    sink.push(error(
                        codes::WRONG_TYPE_ARGUMENTS,
                        format!("wrong number of type arguments for `{dotted}`"),
                        Label::new(expr.span, expected),
                    ));
                    return Type::Error;
                }
                let mut resolved_args = args.iter().map(|arg| self.resolve(arg, sink));
                let mut next = || resolved_args.next().unwrap_or(Type::Error);
                match dotted.as_str() {
                    "bool" => Type::Bool,
                    "int" => Type::Int,
                    "float" => Type::Float,
                    "string" => Type::String,
                    "version" => Type::Version,
                    "date" => Type::Date,
                    "duration" => Type::Duration,
                    "time" => Type::Time,
                    "list" => Type::list(next()),
                    "set" => Type::set(next()),
                    "map" => {
                        let key = next();
                        Type::map(key, next())
                    }
                    _ => self.named(path, sink),
                }
            }
        }
    }

    fn named(&self, path: &ast::Path, sink: &mut Vec<Diagnostic>) -> Type {
        let dotted = path.dotted();
        if let [single] = path.segments.as_slice() {
            if let Some(param) = self.type_params.iter().find(|p| ***p == *single.name) {
                return Type::Var(param.clone());
            }
            if let Some(ty) = self.scope.type_named(self.context, &single.name) {
                return ty.clone();
            }
        } else if let Some((last, prefix)) = path.segments.split_last() {
            let prefix: Vec<&str> = prefix.iter().map(|s| s.name.as_str()).collect();
            if let Some((_, module)) = self.scope.module_named(self.context, &prefix.join("."))
                && let Some(ty) = module.types.get(last.name.as_str())
            {
                return ty.clone();
            }
        }
        let mut candidates: Vec<&str> = PRIMITIVE_TYPES.to_vec();
        if let Some(module) = self.scope.modules.get(&self.context.module) {
            candidates.extend(module.types.keys().map(|k| &**k));
        }
        for module in self.scope.prelude() {
            candidates.extend(module.types.keys().map(|k| &**k));
        }
        let mut diagnostic = error(
            codes::UNKNOWN_TYPE,
            format!("unknown type `{dotted}`"),
            Label::new(path.span, "not a type"),
        );
        diagnostic.help = did_you_mean(&dotted, candidates);
        sink.push(diagnostic);
        Type::Error
    }
}

/// An error diagnostic with no file yet (the caller sets it) and no help.
pub fn error(code: &'static str, message: String, primary: Label) -> Diagnostic {
    Diagnostic {
        code,
        severity: Severity::Error,
        message,
        file: Arc::from(""),
        primary,
        secondary: Vec::new(),
        help: None,
    }
}

/// A warning diagnostic with no file yet.
pub fn warning(code: &'static str, message: String, primary: Label) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..error(code, message, primary)
    }
}

/// "did you mean `x`?" for the candidate closest to `name`, when one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut seen = BTreeSet::new();
    let candidates: Vec<&str> = candidates
        .into_iter()
        .filter(|candidate| *candidate != name && seen.insert(*candidate))
        .collect();
    let by_distance = candidates
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate);
    // A longer or shorter spelling of the same word (`lowercase` for `lower`, `integer` for
    // `int`): one name is a prefix of the other, and the shorter has at least 3 characters.
    by_distance.or_else(|| {
        candidates
            .iter()
            .filter(|candidate| {
                let (short, long) = if candidate.len() < name.len() {
                    (**candidate, name)
                } else {
                    (name, **candidate)
                };
                short.len() >= 3 && long.starts_with(short)
            })
            .min_by_key(|candidate| (candidate.len().abs_diff(name.len()), **candidate))
            .copied()
    })
}

/// Levenshtein distance, with a swap of two adjacent characters counting as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        if let Some(cell) = table.get_mut(at(i, 0)) {
            *cell = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(cell) = table.get_mut(at(0, j)) {
            *cell = j;
        }
    }
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let get = |i: usize, j: usize| table.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let cost = usize::from(ca != cb);
            let mut best = (get(i, j + 1) + 1)
                .min(get(i + 1, j) + 1)
                .min(get(i, j) + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                best = best.min(get(i - 1, j - 1) + 1);
            }
            if let Some(cell) = table.get_mut(at(i + 1, j + 1)) {
                *cell = best;
            }
        }
    }
    table
        .get(at(a.len(), b.len()))
        .copied()
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_come_from_paths() {
        assert_eq!(module_from_path("acme/prod.tg"), "acme.prod");
        assert_eq!(module_from_path("./base.tg"), "base");
    }

    #[test]
    fn typos_find_their_field() {
        assert_eq!(edit_distance("severty", "severity"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(
            closest("severty", ["id", "severity", "summary"]),
            Some("severity")
        );
        assert_eq!(closest("zzz", ["id", "severity"]), None);
    }
}
