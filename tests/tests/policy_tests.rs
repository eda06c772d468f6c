//! `tollgate test` end to end on real policies: the repository `tollgate init` scaffolds, the
//! standard library, and policies written for the case. Coverage per rule and per condition
//! (each `where`/`when`/`unless` and exception `where` seen true and false), the condition
//! threshold, the JUnit report, and bare `--param` names resolving only among the params of
//! the modules a policy uses.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use tollgate_e2e::{Run, data, tollgate, tollgate_in};

/// A scaffolded repository in `dir`, whose example tests cover every condition both ways.
fn scaffold(dir: &Path) {
    let run = tollgate_in(dir, &["init", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// The example policy, with one test expectation removed and an `unless` and an exception
/// added that its tests exercise only one way.
fn weaken_example(dir: &Path) {
    let file = dir.join("policies/example.tg");
    let text = std::fs::read_to_string(&file).unwrap();
    let removed = "    expect image { config: { user: \"nobody\" } } passes root_user\n";
    assert!(text.contains(removed), "{text}");
    let port_message = "    message \"port {p.number}/{p.protocol} is exposed\"\n";
    assert!(text.contains(port_message), "{text}");
    let text = text.replace(removed, "").replacen(
        port_message,
        &format!(
            "    unless p.protocol == \"udp\"\n{port_message}\n\
             /// Health checks reach the container on 9090.\n\
             except unexpected_ports\n    where p.number == 9090\n    because \"health checks\"\n"
        ),
        1,
    );
    std::fs::write(&file, text).unwrap();
}

fn line_of(dir: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("policies/example.tg")).unwrap();
    text.lines().position(|line| line.contains(needle)).unwrap() + 1
}

fn uncovered(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .skip_while(|line| !line.starts_with("  uncovered conditions:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .map(str::trim)
        .collect()
}

#[test]
fn scaffolded_tests_cover_every_condition_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    scaffold(dir.path());
    let run = tollgate_in(
        dir.path(),
        &["test", "--coverage", "--min-condition-coverage", "100"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("condition coverage: 100.0% of condition outcomes (4 of 4; 2 conditions)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  every condition was seen both true and false"),
        "{}",
        run.stdout
    );
    assert!(uncovered(&run).is_empty(), "{}", run.stdout);
}

#[test]
fn conditions_seen_only_one_way_are_listed_with_the_missing_outcome() {
    let dir = tempfile::tempdir().unwrap();
    scaffold(dir.path());
    weaken_example(dir.path());
    let run = tollgate_in(dir.path(), &["test", "--coverage"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Rule coverage: root_user is never seen passing now.
    assert!(
        run.stdout
            .contains("coverage: 50.0% of rules seen both firing and passing"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  fired yes  passed no   example.root_user"),
        "{}",
        run.stdout
    );
    // Four conditions: the `when` and the `unless` and the exception's `where` each miss one
    // outcome; the ports `where` is seen both ways.
    assert!(
        run.stdout
            .contains("condition coverage: 62.5% of condition outcomes (5 of 8; 4 conditions)"),
        "{}",
        run.stdout
    );
    let lines = uncovered(&run);
    let when = line_of(dir.path(), "when image.config.user");
    let unless = line_of(dir.path(), "unless p.protocol");
    let except = line_of(dir.path(), "where p.number == 9090");
    let expected = [
        format!(
            "example.tg:{when}:10  example.root_user  when image.config.user in {{\"\", \"root\", \"0\"}}: never false"
        ),
        format!(
            "example.tg:{unless}:12  example.unexpected_ports  unless p.protocol == \"udp\": never true"
        ),
        format!(
            "example.tg:{except}:11  example.unexpected_ports  except ... where p.number == 9090: never true"
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{}", run.stdout);
    for (line, expected) in lines.iter().zip(&expected) {
        assert!(
            line.ends_with(expected.as_str()),
            "`{line}` should end with `{expected}`"
        );
        assert!(line.contains("policies/example.tg:"), "{line}");
    }
    assert!(
        !run.stdout.contains("p.number not in allowed_ports:"),
        "the ports condition is covered: {}",
        run.stdout
    );
}

#[test]
fn the_condition_threshold_fails_the_run_and_the_rule_threshold_stays_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    scaffold(dir.path());
    weaken_example(dir.path());
    let below = tollgate_in(dir.path(), &["test", "--min-condition-coverage", "90"]);
    assert_eq!(below.code, 1, "{}{}", below.stdout, below.stderr);
    assert!(
        below
            .stderr
            .contains("condition coverage 62.5% is below the minimum 90%"),
        "{}",
        below.stderr
    );
    // The threshold alone prints the condition report (it names what to test next).
    assert_eq!(uncovered(&below).len(), 3, "{}", below.stdout);
    let met = tollgate_in(dir.path(), &["test", "--min-condition-coverage", "60"]);
    assert_eq!(met.code, 0, "{}{}", met.stdout, met.stderr);
    let rules = tollgate_in(dir.path(), &["test", "--min-coverage", "60"]);
    assert_eq!(rules.code, 1, "{}{}", rules.stdout, rules.stderr);
    assert!(
        rules
            .stderr
            .contains("rule coverage 50.0% is below the minimum 60%"),
        "{}",
        rules.stderr
    );
    assert!(
        !rules.stdout.contains("condition coverage"),
        "rule coverage alone does not instrument: {}",
        rules.stdout
    );
}

#[test]
fn junit_report_carries_both_figures_and_the_uncovered_conditions() {
    let dir = tempfile::tempdir().unwrap();
    scaffold(dir.path());
    weaken_example(dir.path());
    let report = dir.path().join("report.xml");
    let run = tollgate_in(
        dir.path(),
        &["test", "--coverage", "--junit", report.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains("<property name=\"rule_coverage\" value=\"50.0\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<property name=\"condition_coverage\" value=\"62.5\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "example.root_user  when image.config.user in {&quot;&quot;, &quot;root&quot;, &quot;0&quot;}: never false"
        ),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    // Without coverage the report is the plain test report.
    let plain = tollgate_in(dir.path(), &["test", "--junit", report.to_str().unwrap()]);
    assert_eq!(plain.code, 0);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(!xml.contains("<properties>"), "{xml}");
}

#[test]
fn stdlib_condition_report_points_at_real_conditions() {
    let run = tollgate(&["test", "--stdlib", "--coverage"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("coverage: 100.0% of rules"),
        "{}",
        run.stdout
    );
    let summary = run
        .stdout
        .lines()
        .find(|line| line.starts_with("condition coverage: "))
        .unwrap_or_else(|| panic!("no condition coverage in:\n{}", run.stdout));
    // `(SEEN of TOTAL; N conditions)`: every stdlib rule has at least one condition.
    let counts = summary.split('(').nth(1).unwrap();
    let conditions: usize = counts
        .split("; ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(conditions > 50, "{summary}");
    // Each uncovered condition names a stdlib file and line holding its clause keyword and
    // the start of its text.
    for line in uncovered(&run) {
        let (position, rest) = line.split_once("  ").unwrap();
        let mut parts = position.split(':');
        let file = parts.next().unwrap();
        let line_number: usize = parts.next().unwrap().parse().unwrap();
        assert!(file.starts_with("std/"), "{line}");
        let source =
            std::fs::read_to_string(tollgate_e2e::repo_root().join("stdlib").join(file)).unwrap();
        let source_line = source.lines().nth(line_number - 1).unwrap();
        let (_rule, clause) = rest.split_once("  ").unwrap();
        let (clause, _missing) = clause.rsplit_once(": ").unwrap();
        let clause = clause.strip_prefix("except ... ").unwrap_or(clause);
        let (keyword, text) = clause.split_once(' ').unwrap();
        assert!(source_line.contains(keyword), "{line} vs {source_line}");
        let start: String = text.chars().take(12).collect();
        assert!(source_line.contains(&start), "{line} vs {source_line}");
        assert!(
            line.ends_with(": never true")
                || line.ends_with(": never false")
                || line.ends_with(": never evaluated"),
            "{line}"
        );
    }
}

/// A policy with its own `forbidden_ports` that also imports `std.default`, which has one.
const SHADOWING: &str = "//! Ports.\nmodule acme.ports\nimport std.default\n\n\
    /// Ports we forbid.\nparam forbidden_ports: set<int> = {21}\n\n\
    /// No forbidden port.\ndeny forbidden\n    for p in image.config.exposed_ports\n    where p.number in forbidden_ports\n    message \"port {p.number}\"\n";

#[test]
fn bare_param_names_resolve_among_the_modules_the_policy_uses() {
    let acme = data("policies/acme.tg").display().to_string();
    let facts = data("facts/shop-api.json").display().to_string();
    // `severity_threshold` is a param of std.anchore.vulnerabilities, which acme does not
    // import: it is not a param of the policy.
    let run = tollgate(&[
        "check",
        "--policy",
        &acme,
        "--facts",
        &facts,
        "--param",
        "severity_threshold=High",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("no param `severity_threshold` in the policy"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("params: acme.prod.max_fixable, acme.prod.allowed_ports"),
        "{}",
        run.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("ports.tg");
    std::fs::write(&policy, SHADOWING).unwrap();
    let policy = policy.display().to_string();
    let check = |param: &str| {
        tollgate(&[
            "check", "--policy", &policy, "--facts", &facts, "--format", "json", "--param", param,
        ])
    };
    // Both modules are in use: a bare name is ambiguous and the error names both.
    let run = check("forbidden_ports=22");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("param `forbidden_ports` is ambiguous"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("use one of: std.default.forbidden_ports, acme.ports.forbidden_ports"),
        "{}",
        run.stderr
    );
    // The qualified name picks the policy's own.
    let run = check("acme.ports.forbidden_ports=22");
    let report = run.json();
    let findings = report["results"][0]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "acme.ports.forbidden" && f["message"] == "port 22"),
        "{findings:?}"
    );
    // A bare name used by one imported module only still works.
    let run = check("fail_on_fixable=Low");
    assert_ne!(run.code, 2, "{}", run.stderr);
}
