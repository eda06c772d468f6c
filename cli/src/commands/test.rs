//! `tollgate test [PATH]`: runs the policy's `test` blocks; exit 1 when a test fails, 2 when
//! the policy does not compile. `--coverage` reports which rules the tests saw fire and pass,
//! and which conditions they saw true and false (listing those they did not);
//! `--min-coverage` fails the run below a rule coverage percentage, `--min-condition-coverage`
//! below a condition coverage percentage; `--junit` writes a JUnit report (with the coverage
//! figures and the uncovered conditions when measured); `--stdlib` runs the embedded standard
//! library's own tests instead.

use std::fmt::Write as _;
use std::process::ExitCode;

use tollgate_compiler::lower::{LowerOptions, lower_with};
use tollgate_facts::Timestamp;
use tollgate_vm::{CoverageRecorder, EvalOptions, Linked, Vm};

use crate::args::TestArgs;
use crate::error::{CliError, CliResult};
use crate::policy::LoadedPolicy;
use crate::program;
use crate::program::CompiledPolicy;
use crate::repo::{SourceFile, Sources};
use crate::report::xml_escape;
use crate::testing::{ConditionCoverage, Scope, TestRun, run_tests};

pub fn run(args: TestArgs) -> CliResult<ExitCode> {
    let (policy, scope) = if args.stdlib {
        (compile_stdlib()?, Scope::Stdlib)
    } else {
        (program::compile(args.path.as_deref())?, Scope::User)
    };
    let now = Timestamp(jiff::Timestamp::now());
    let Some(typed) = &policy.typed else {
        return Err(CliError::new(format!(
            "`tollgate test` needs policy sources: `{}` is a bundle",
            policy.origin
        )));
    };
    let mut options = EvalOptions::new(now);
    // Condition coverage runs the tests on the program lowered with probes.
    let measure_conditions = args.coverage || args.min_condition_coverage.is_some();
    let instrumented = if measure_conditions {
        let linked = instrumented(typed, &policy.origin)?;
        options.coverage = Some(CoverageRecorder::new(linked.program()));
        Some(linked)
    } else {
        None
    };
    let run = run_tests(
        typed,
        instrumented.as_ref().unwrap_or(&policy.linked),
        &policy.files,
        scope,
        args.filter.as_deref(),
        &options,
    );
    let mut failed = 0usize;
    for result in &run.results {
        if result.passed() {
            println!("ok    {} ({}:{})", result.name, result.file, result.line);
            continue;
        }
        failed += 1;
        println!("FAIL  {} ({}:{})", result.name, result.file, result.line);
        for expectation in &result.expectations {
            if let Some(failure) = &expectation.failure {
                println!("      {}", expectation.description);
                for line in failure.lines() {
                    println!("        {line}");
                }
            }
        }
    }
    let passed = run.results.len() - failed;
    println!("\n{passed} passed, {failed} failed");
    let coverage = coverage_percent(&run);
    let conditions = condition_percent(&run.conditions);
    if args.coverage || args.min_coverage.is_some() {
        println!("\ncoverage: {coverage:.1}% of rules seen both firing and passing");
        for (rule, seen) in &run.coverage {
            let mark = |b: bool| if b { "yes" } else { "no " };
            println!(
                "  fired {}  passed {}  {rule}",
                mark(seen.fired),
                mark(seen.passed)
            );
        }
    }
    if measure_conditions {
        print!("\n{}", condition_report(&run.conditions));
    }
    if let Some(path) = &args.junit {
        let measured = measure_conditions.then_some(conditions);
        std::fs::write(path, junit(&run, coverage, measured))
            .map_err(|err| CliError::io("write", path, &err))?;
    }
    if run.results.is_empty() {
        eprintln!("warning: no test blocks found");
    }
    if failed > 0 {
        return Ok(ExitCode::from(1));
    }
    if let Some(minimum) = args.min_coverage
        && coverage < minimum
    {
        eprintln!("error: rule coverage {coverage:.1}% is below the minimum {minimum}%");
        return Ok(ExitCode::from(1));
    }
    if let Some(minimum) = args.min_condition_coverage
        && conditions < minimum
    {
        eprintln!("error: condition coverage {conditions:.1}% is below the minimum {minimum}%");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The policy lowered with coverage probes and linked; it computes what the ordinary program
/// does, so the tests give the same results on it.
fn instrumented(typed: &tollgate_compiler::hir::Program, origin: &str) -> CliResult<Linked> {
    let program = lower_with(typed, LowerOptions { probes: true }).map_err(|err| {
        CliError::new(format!(
            "cannot compile policy `{origin}` for coverage: {err}"
        ))
    })?;
    Vm::link(&program)
        .map_err(|err| CliError::new(format!("cannot load policy `{origin}` for coverage: {err}")))
}

/// The share of condition outcomes (two per condition: true and false) the tests produced.
fn condition_percent(conditions: &[ConditionCoverage]) -> f64 {
    if conditions.is_empty() {
        return 100.0;
    }
    let seen: usize = conditions
        .iter()
        .map(|c| usize::from(c.seen_true) + usize::from(c.seen_false))
        .sum();
    seen as f64 * 100.0 / (conditions.len() * 2) as f64
}

/// The condition coverage section of the human report: the figure, then every condition not
/// seen both ways with its position and the outcome the tests never produced.
fn condition_report(conditions: &[ConditionCoverage]) -> String {
    let seen: usize = conditions
        .iter()
        .map(|c| usize::from(c.seen_true) + usize::from(c.seen_false))
        .sum();
    let mut out = format!(
        "condition coverage: {:.1}% of condition outcomes ({seen} of {}; {} condition{})\n",
        condition_percent(conditions),
        conditions.len() * 2,
        conditions.len(),
        if conditions.len() == 1 { "" } else { "s" }
    );
    let uncovered: Vec<&ConditionCoverage> = conditions.iter().filter(|c| !c.covered()).collect();
    if uncovered.is_empty() {
        out.push_str("  every condition was seen both true and false\n");
        return out;
    }
    out.push_str("  uncovered conditions:\n");
    for condition in uncovered {
        let _ = writeln!(out, "  {}", uncovered_line(condition));
    }
    out
}

/// `FILE:LINE:COL  RULE  KEYWORD CONDITION: never true`.
fn uncovered_line(condition: &ConditionCoverage) -> String {
    format!(
        "{}:{}:{}  {}  {} {}: {}",
        condition.file,
        condition.line,
        condition.column,
        condition.rule,
        condition.keyword,
        condition.text,
        condition.missing()
    )
}

/// The name `--stdlib` runs under in messages.
const STDLIB_ORIGIN: &str = "<standard library>";

/// One synthetic file importing every standard policy module (the prelude excepted), so that
/// all their rules are lowered and their tests can run.
fn stdlib_sources() -> Sources {
    let imports: String = tollgate_stdlib::sources()
        .iter()
        .filter(|(module, _, _)| !tollgate_stdlib::PRELUDE_MODULES.contains(module))
        .map(|(module, _, _)| format!("import {module}\n"))
        .collect();
    Sources {
        files: vec![SourceFile {
            display_path: STDLIB_ORIGIN.to_string(),
            relative: "stdlib_tests.tg".into(),
            text: format!(
                "//! Every standard policy module, for `tollgate test --stdlib`.\n{imports}"
            ),
        }],
        manifest: None,
        root: None,
    }
}

/// Compiles the standard library's policy modules; a stdlib that does not compile is exit 2.
fn compile_stdlib() -> CliResult<CompiledPolicy> {
    let sources = stdlib_sources();
    let policy = LoadedPolicy::load(&sources);
    let diagnostics = policy.diagnostics();
    if !diagnostics.is_empty() {
        eprint!("{}", policy.render(&diagnostics));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let typed = policy
        .compiler
        .typed_program()
        .filter(|_| errors == 0)
        .ok_or_else(|| {
            CliError::new(format!(
                "the standard library does not compile: {errors} errors"
            ))
        })?;
    let program = tollgate_compiler::lower::lower(&typed)
        .map_err(|err| CliError::new(format!("cannot compile the standard library: {err}")))?;
    let linked = tollgate_vm::Vm::link(&program)
        .map_err(|err| CliError::new(format!("cannot load the standard library: {err}")))?;
    Ok(CompiledPolicy {
        linked,
        typed: Some(typed),
        files: policy.files,
        manifest: None,
        origin: STDLIB_ORIGIN.to_string(),
    })
}

/// The share of rules that tests saw both fire and pass.
fn coverage_percent(run: &TestRun) -> f64 {
    if run.coverage.is_empty() {
        return 100.0;
    }
    let covered = run
        .coverage
        .values()
        .filter(|c| c.fired && c.passed)
        .count();
    covered as f64 * 100.0 / run.coverage.len() as f64
}

/// The JUnit report; with condition coverage measured (`conditions` is its percentage), the
/// suite's properties hold both coverage figures and its `system-out` lists the uncovered
/// conditions.
fn junit(run: &TestRun, rule_coverage: f64, conditions: Option<f64>) -> String {
    let failures = run.results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tollgate test\" tests=\"{}\" failures=\"{failures}\">",
        run.results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"policy tests\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        run.results.len()
    );
    if let Some(condition_coverage) = conditions {
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"rule_coverage\" value=\"{rule_coverage:.1}\"/>\n      <property name=\"condition_coverage\" value=\"{condition_coverage:.1}\"/>\n    </properties>"
        );
    }
    for result in &run.results {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            xml_escape(&result.file),
            xml_escape(&result.name),
            result.duration_ms / 1000.0
        );
        if result.passed() {
            let _ = writeln!(out, "/>");
            continue;
        }
        let text: Vec<String> = result
            .expectations
            .iter()
            .filter_map(|e| {
                e.failure
                    .as_ref()
                    .map(|f| format!("{}\n{f}", e.description))
            })
            .collect();
        let _ = writeln!(
            out,
            ">\n      <failure message=\"expectation failed\">{}</failure>\n    </testcase>",
            xml_escape(&text.join("\n\n"))
        );
    }
    if conditions.is_some() {
        let uncovered: Vec<String> = run
            .conditions
            .iter()
            .filter(|c| !c.covered())
            .map(uncovered_line)
            .collect();
        if !uncovered.is_empty() {
            let _ = writeln!(
                out,
                "    <system-out>uncovered conditions:\n{}</system-out>",
                xml_escape(&uncovered.join("\n"))
            );
        }
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}
