//! Condition coverage through the VM: a program lowered with probes gives the same findings as
//! the ordinary one, and a `CoverageRecorder` in the options records each condition's outcomes
//! over several evaluations; without a recorder nothing is recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code asserts with unwrap and indexing; a failure is a test failure

use tollgate_bytecode::{ChunkBuilder, Op, Probe, ProbeKind, Program, Span};
use tollgate_compiler::Compiler;
use tollgate_compiler::lower::{LowerOptions, lower_with};
use tollgate_facts::{Image, Timestamp};
use tollgate_vm::{ConditionOutcomes, CoverageRecorder, EvalOptions, LinkError, Vm, evaluate};

const POLICY: &str = r#"//! Ports, users and vulnerabilities.
module acme.prod

/// Ports our ingress allows.
param allowed_ports: set<int> = {80, 443, 8080}

/// Fixable vulnerabilities above High.
deny fixable_vulns
    for v in image.vulnerabilities
    where v.severity > High and v.fixed_in != none
    message "{v.id}"

/// Not as root.
deny root_user
    when image.config.user in {"", "root", "0"}
    message "root"

/// Only allowed ports.
warn unexpected_ports
    for p in image.config.exposed_ports
    where p.number not in allowed_ports
    unless p.protocol == "udp"
    message "port {p.number}/{p.protocol} is exposed"

/// Debugging access, reviewed.
except unexpected_ports
    where p.number == 22
    because "debugging"
"#;

fn program(probes: bool) -> Program {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/prod.tg", POLICY);
    let typed = compiler.typed_program().expect("the policy compiles");
    lower_with(&typed, LowerOptions { probes }).unwrap()
}

fn facts(name: &str) -> Image {
    let path = format!(
        "{}/../../tests/data/facts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    Image::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn now() -> Timestamp {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// The outcomes of the probe of `kind` in `rule`.
fn outcomes(
    program: &Program,
    recorder: &CoverageRecorder,
    rule: &str,
    kind: ProbeKind,
) -> ConditionOutcomes {
    let index = program
        .probes
        .iter()
        .position(|probe| probe.rule == rule && probe.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} probe in {rule}"));
    recorder.outcomes(index)
}

#[test]
fn probed_programs_find_the_same_and_record_both_outcomes() {
    let ordinary = Vm::link(&program(false)).unwrap();
    let probed_program = program(true);
    let probed = Vm::link(&probed_program).unwrap();
    let recorder = CoverageRecorder::new(&probed_program);
    let mut options = EvalOptions::new(now());
    options.coverage = Some(recorder.clone());
    for name in ["shop-api.json", "clean.json", "prod-api.json"] {
        let image = facts(name);
        let plain = evaluate(&ordinary, &image, &EvalOptions::new(now())).unwrap();
        let covered = evaluate(&probed, &image, &options).unwrap();
        assert_eq!(plain.findings, covered.findings, "{name}");
        assert_eq!(plain.verdict, covered.verdict, "{name}");
    }
    let both = ConditionOutcomes {
        seen_true: true,
        seen_false: true,
    };
    // root in shop-api and prod-api, `app` in clean.
    assert_eq!(
        outcomes(
            &probed_program,
            &recorder,
            "acme.prod.root_user",
            ProbeKind::Where
        ),
        both
    );
    // Port 22 is not allowed (true), 443 and 8080 are (false).
    assert_eq!(
        outcomes(
            &probed_program,
            &recorder,
            "acme.prod.unexpected_ports",
            ProbeKind::Where
        ),
        both
    );
    // Every port is tcp: the `unless` was never true.
    assert_eq!(
        outcomes(
            &probed_program,
            &recorder,
            "acme.prod.unexpected_ports",
            ProbeKind::Unless
        ),
        ConditionOutcomes {
            seen_true: false,
            seen_false: true
        }
    );
    // The only finding is port 22, which the exception covers: never false.
    assert_eq!(
        outcomes(
            &probed_program,
            &recorder,
            "acme.prod.unexpected_ports",
            ProbeKind::Except
        ),
        ConditionOutcomes {
            seen_true: true,
            seen_false: false
        }
    );
    assert_eq!(recorder.snapshot().len(), probed_program.probes.len());
}

#[test]
fn without_a_recorder_nothing_is_recorded() {
    let probed_program = program(true);
    let probed = Vm::link(&probed_program).unwrap();
    let recorder = CoverageRecorder::new(&probed_program);
    evaluate(&probed, &facts("shop-api.json"), &EvalOptions::new(now())).unwrap();
    assert!(
        recorder
            .snapshot()
            .iter()
            .all(|seen| *seen == ConditionOutcomes::default())
    );
    assert!(CoverageRecorder::new(&program(false)).snapshot().is_empty());
}

#[test]
fn a_probe_outside_the_probe_table_is_refused_at_link_time() {
    let mut program = program(true);
    let mut builder = ChunkBuilder::new(0);
    builder.emit(Op::Const(0));
    builder.emit(Op::Probe(u32::try_from(program.probes.len()).unwrap()));
    builder.emit(Op::Return);
    program.rules[0].chunk = builder.finish().unwrap();
    let err = Vm::link(&program).unwrap_err();
    assert!(
        matches!(err, LinkError::Malformed { ref message, .. } if message.contains("probe")),
        "{err}"
    );
    program.probes.push(Probe {
        rule: program.rules[0].name.clone(),
        kind: ProbeKind::Where,
        span: Span::default(),
    });
    assert!(Vm::link(&program).is_ok());
}
