//! Lowering tests: which params and functions a program gets, and the coverage probes.

use tollgate_bytecode::{Op, ProbeKind, Program};

use super::{LowerOptions, lower, lower_with};
use crate::{Compiler, Severity};

/// A policy that imports `std.default` and uses none of the other stdlib modules.
const POLICY: &str = r#"//! Ports and users.
module acme.prod
import std.default

/// Ports our ingress allows.
param allowed_ports: set<int> = {80, 443}

/// Only allowed ports.
warn unexpected_ports
    for p in image.config.exposed_ports
    where p.number not in allowed_ports and p.number > 0
    unless p.protocol == "udp"
    message "port {p.number} is exposed"

/// Not as root.
deny root_user
    when image.config.user == "root"
    message "root"

/// Health checks.
except unexpected_ports
    where p.number == 9090
    because "health checks"

/// Everything passes.
except root_user
    because "lab image"
"#;

fn typed(source: &str) -> std::sync::Arc<crate::hir::Program> {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/prod.tg", source);
    let errors: Vec<String> = compiler
        .diagnostics()
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    compiler.typed_program().unwrap()
}

fn param_names(program: &Program) -> Vec<&str> {
    program.params.iter().map(|p| p.name.as_str()).collect()
}

fn probes(program: &Program) -> usize {
    let chunks = program
        .rules
        .iter()
        .map(|rule| &rule.chunk)
        .chain(
            program
                .exceptions
                .iter()
                .filter_map(|e| e.predicate.as_ref()),
        )
        .chain(program.functions.iter().map(|f| &f.chunk));
    chunks
        .flat_map(|chunk| &chunk.code)
        .filter(|op| matches!(op, Op::Probe(_)))
        .count()
}

#[test]
fn only_params_of_the_policy_and_its_imports_are_lowered() {
    let program = lower(&typed(POLICY)).unwrap();
    let names = param_names(&program);
    assert!(names.contains(&"acme.prod.allowed_ports"), "{names:?}");
    assert!(names.contains(&"std.default.forbidden_ports"), "{names:?}");
    assert!(
        names
            .iter()
            .all(|name| name.starts_with("acme.prod.") || name.starts_with("std.default.")),
        "params of modules the policy does not import: {names:?}"
    );
    // The stdlib's other modules have functions; none is lowered when nothing calls them.
    assert!(program.functions.is_empty(), "{:?}", program.functions);

    let alone = lower(&typed(&POLICY.replace("import std.default\n", ""))).unwrap();
    assert_eq!(param_names(&alone), ["acme.prod.allowed_ports"]);
}

#[test]
fn functions_and_params_an_imported_module_uses_are_lowered() {
    let source = "//! Users.\nmodule acme.prod\nimport std.anchore.dockerfile\n\n\
        /// Named users only.\ndeny anonymous\n    when std.anchore.dockerfile.user_name(image.config.user) == \"\"\n";
    let program = lower(&typed(source)).unwrap();
    let functions: Vec<&str> = program.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(functions, ["std.anchore.dockerfile.user_name"]);
    let names = param_names(&program);
    assert!(
        names.contains(&"std.anchore.dockerfile.denied_users"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|name| name.starts_with("std.dockle.")),
        "{names:?}"
    );
}

#[test]
fn probes_follow_every_clause_and_exception_condition_only_when_asked() {
    let typed = typed(POLICY);
    let ordinary = lower(&typed).unwrap();
    assert!(ordinary.probes.is_empty());
    assert_eq!(probes(&ordinary), 0);

    let covered = lower_with(&typed, LowerOptions { probes: true }).unwrap();
    // The policy's own conditions (std.default's rules are probed too, before them).
    let own: Vec<&tollgate_bytecode::Probe> = covered
        .probes
        .iter()
        .filter(|probe| probe.rule.starts_with("acme."))
        .collect();
    assert!(covered.probes.len() > own.len());
    let kinds: Vec<(&str, ProbeKind)> = own
        .iter()
        .map(|probe| (probe.rule.as_str(), probe.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("acme.prod.unexpected_ports", ProbeKind::Where),
            ("acme.prod.unexpected_ports", ProbeKind::Unless),
            ("acme.prod.root_user", ProbeKind::Where),
            ("acme.prod.unexpected_ports", ProbeKind::Except),
        ]
    );
    assert_eq!(probes(&covered), covered.probes.len());
    // Each probe's span is its whole condition as written (`and` kept together).
    let text = |index: usize| {
        let span = own[index].span;
        &POLICY[span.start as usize..span.end as usize]
    };
    assert_eq!(text(0), "p.number not in allowed_ports and p.number > 0");
    assert_eq!(text(1), "p.protocol == \"udp\"");
    assert_eq!(text(2), "image.config.user == \"root\"");
    assert_eq!(text(3), "p.number == 9090");
    // The clause after a `for` is not turned into an index lookup when probed.
    let lookups = |program: &Program| {
        program
            .rules
            .iter()
            .flat_map(|rule| &rule.chunk.code)
            .filter(|op| matches!(op, Op::Lookup(_) | Op::LookupIn(_)))
            .count()
    };
    assert_eq!(lookups(&covered), 0);
    // The probed program survives its serialized form.
    assert_eq!(Program::from_bytes(&covered.to_bytes()).unwrap(), covered);
}
