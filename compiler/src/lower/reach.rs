//! What a program needs lowered: the rules of active modules, the exceptions of those rules,
//! the functions they call (transitively), and the params of the modules that are in play.
//!
//! A stdlib module the policy does not import contributes nothing: its rules do not run, its
//! functions are not called and its params are not params of the program (so `--param NAME`
//! and a manifest's params see only what the policy can use). A module is in play when it is
//! active (a user module or a stdlib module a user file imports) or when the code that runs
//! reaches it through a call or a param read (a module imported by an imported module).

use std::collections::HashSet;
use std::sync::Arc;

use super::expr::walk;
use crate::hir::{self, Callee, Clause, ExprKind, ItemKind, TemplatePart};

/// The items of a program that lowering emits.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Qualified names of the rules that run.
    pub(crate) rules: HashSet<Arc<str>>,
    /// Qualified names of the functions the running code may call.
    pub(crate) functions: HashSet<Arc<str>>,
    /// Modules whose params are the program's params.
    pub(crate) param_modules: HashSet<Arc<str>>,
    /// Params the running code reads, whatever their module.
    pub(crate) params: HashSet<Arc<str>>,
}

impl Reach {
    /// Whether the param item `param` of module `module` becomes a program param.
    pub(crate) fn keeps_param(&self, module: &str, param: &hir::Param) -> bool {
        self.param_modules.contains(module) || self.params.contains(&param.qualified)
    }
}

/// Walks the program from its active rules.
pub(crate) fn reach(program: &hir::Program) -> Reach {
    let mut out = Reach {
        param_modules: program.active_modules.iter().cloned().collect(),
        ..Reach::default()
    };
    let mut pending: Vec<Arc<str>> = Vec::new();
    for item in &program.items {
        if let ItemKind::Rule(rule) = &item.kind
            && program.active_modules.contains(&item.module)
        {
            out.rules.insert(rule.qualified.clone());
            for clause in &rule.clauses {
                match clause {
                    Clause::For { iterable: expr, .. }
                    | Clause::Let { value: expr, .. }
                    | Clause::Where(expr)
                    | Clause::Unless(expr) => note(expr, &mut out, &mut pending),
                }
            }
            for part in rule.message.iter().flat_map(|message| &message.parts) {
                if let TemplatePart::Expr(expr) = part {
                    note(expr, &mut out, &mut pending);
                }
            }
        }
    }
    for item in &program.items {
        if let ItemKind::Except(except) = &item.kind
            && out.rules.contains(&except.rule)
            && let Some(condition) = &except.condition
        {
            note(condition, &mut out, &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        let body = program.items.iter().find_map(|item| match &item.kind {
            ItemKind::Fn(function) if function.qualified == name => {
                Some((item.module.clone(), &function.body))
            }
            _ => None,
        });
        if let Some((module, body)) = body {
            out.param_modules.insert(module);
            note(body, &mut out, &mut pending);
        }
    }
    out
}

/// Notes the params `expr` reads and the functions it calls; a function seen for the first
/// time is queued so that its body is walked too.
fn note(expr: &hir::Expr, out: &mut Reach, pending: &mut Vec<Arc<str>>) {
    walk(expr, &mut |node| match &node.kind {
        ExprKind::Param(name) => {
            out.params.insert(name.clone());
        }
        ExprKind::Call {
            callee: Callee::Fn(name),
            ..
        } if out.functions.insert(name.clone()) => pending.push(name.clone()),
        _ => {}
    });
}
