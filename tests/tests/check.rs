//! `tollgate check` end to end: exact JSON findings for known facts files and policies (the
//! expected reports are data in `tests/data/expected/`), every report format, every exit code,
//! params, exceptions, and the errors a user meets.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use serde_json::Value;
use tollgate_e2e::{data, repo_root, tollgate, tollgate_in};

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// The report with what varies between runs (timings) removed and paths made relative.
fn normalised(report: &Value) -> Value {
    let mut report = report.clone();
    if let Some(object) = report.as_object_mut() {
        object.remove("timings");
    }
    let text = report
        .to_string()
        .replace(&format!("{}/", repo_root().display()), "");
    serde_json::from_str(&text).unwrap()
}

/// Compares a report with `tests/data/expected/NAME.json`; `TOLLGATE_BLESS=1` rewrites it
/// (review the diff before committing).
fn assert_report(name: &str, report: &Value) {
    let actual = normalised(report);
    let file = data("expected").join(format!("{name}.json"));
    if std::env::var_os("TOLLGATE_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("missing {}", file.display())),
    )
    .unwrap();
    assert_eq!(
        actual,
        expected,
        "report differs from {}:\n{}",
        file.display(),
        serde_json::to_string_pretty(&actual).unwrap()
    );
}

fn acme_check(extra: &[&str]) -> tollgate_e2e::Run {
    let policy = path(&data("policies/acme.tg"));
    let facts = path(&data("facts/shop-api.json"));
    let mut args = vec!["check", "--policy", &policy, "--facts", &facts];
    args.extend_from_slice(extra);
    tollgate(&args)
}

#[test]
fn design_policy_over_design_facts_gives_exact_findings() {
    let run = acme_check(&["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "fail");
    assert_report("acme-shop-api", &report);
    let findings = report["results"][0]["findings"].as_array().unwrap();
    let suppressed: Vec<&Value> = findings
        .iter()
        .filter(|f| !f["suppressed"].is_null())
        .collect();
    assert_eq!(suppressed.len(), 1, "the openssl CVE is excepted");
    assert_eq!(
        suppressed[0]["suppressed"]["reason"],
        "not reachable: TLS terminates at the ingress"
    );
    assert_eq!(suppressed[0]["suppressed"]["until"], "2099-01-31");
    // The expired exception no longer suppresses port 22, and is itself reported as a warning.
    assert!(
        findings
            .iter()
            .any(|f| f["message"] == "port 22/tcp is exposed" && f["suppressed"].is_null())
    );
    assert!(findings.iter().any(|f| {
        f["action"] == "warn"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("expired on 2020-01-31")
    }));
}

#[test]
fn param_override_changes_the_outcome() {
    let run = acme_check(&[
        "--format",
        "json",
        "--param",
        "allowed_ports=22,80,443,8080",
    ]);
    let report = run.json();
    let findings = report["results"][0]["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["message"] == "port 22/tcp is exposed"),
        "{findings:?}"
    );
    // a qualified name works too
    let run = acme_check(&[
        "--format",
        "json",
        "--param",
        "acme.prod.max_fixable=Critical",
    ]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let findings = report["results"][0]["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"] == "acme.prod.fixable_vulns")
    );
}

#[test]
fn bad_params_exit_2_with_a_clear_message() {
    let run = acme_check(&["--param", "max_fixable=Severe"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid value `Severe` for param `max_fixable`"),
        "{}",
        run.stderr
    );
    let run = acme_check(&["--param", "allowed_ports=eighty"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("param `allowed_ports`"),
        "{}",
        run.stderr
    );
    let run = acme_check(&["--param", "max_fixabel=High"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no param `max_fixabel` in the policy"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("acme.prod.max_fixable"),
        "{}",
        run.stderr
    );
    let run = acme_check(&["--param", "max_fixable"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("write `--param NAME=VALUE`"),
        "{}",
        run.stderr
    );
}

#[test]
fn fail_on_controls_the_exit_code() {
    let policy = path(&data("policies/ports-only.tg"));
    let facts = path(&data("facts/shop-api.json"));
    let run = tollgate(&["check", "--policy", &policy, "--facts", &facts]);
    assert_eq!(
        run.code, 0,
        "a warn verdict passes under --fail-on deny: {}",
        run.stdout
    );
    assert!(run.stdout.contains("verdict: WARN"), "{}", run.stdout);
    let run = tollgate(&[
        "check",
        "--policy",
        &policy,
        "--facts",
        &facts,
        "--fail-on",
        "warn",
    ]);
    assert_eq!(run.code, 1);
    let run = acme_check(&["--fail-on", "never"]);
    assert_eq!(run.code, 0);
    let clean = path(&data("facts/clean.json"));
    let run = tollgate(&[
        "check",
        "--policy",
        &policy,
        "--facts",
        &clean,
        "--fail-on",
        "warn",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("verdict: PASS"), "{}", run.stdout);
}

#[test]
fn every_format_renders_the_same_findings() {
    let human = acme_check(&[]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .contains("deny acme.prod.root_user [ACME-001] (1 finding)"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains('\x1b'), "no colour when piped");

    let sarif = acme_check(&["--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let log = sarif.json();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "ACME-001" && r["level"] == "error")
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| {
        r["id"] == "ACME-VULN-001"
            && r["help"]["text"]
                .as_str()
                .unwrap()
                .contains("Rebuild on the current base image")
    }));

    let junit = acme_check(&["--format", "junit"]);
    assert!(junit.stdout.starts_with("<?xml"), "{}", junit.stdout);
    assert!(
        junit
            .stdout
            .contains("<testcase classname=\"acme.prod\" name=\"root_user\">"),
        "{}",
        junit.stdout
    );
    assert!(
        junit
            .stdout
            .contains("<failure message=\"image runs as root\""),
        "{}",
        junit.stdout
    );

    let github = acme_check(&["--format", "github"]);
    assert!(
        github
            .stdout
            .contains("::error title=acme.prod.root_user (ACME-001)::"),
        "{}",
        github.stdout
    );
    assert!(
        github
            .stdout
            .contains("::warning title=acme.prod.unexpected_ports::"),
        "{}",
        github.stdout
    );
}

#[test]
fn sarif_passes_microsofts_validator() {
    let validator =
        repo_root().join(".ci/node/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(
        validator.is_file(),
        "the SARIF validator is missing: run `bash .ci/setup`"
    );
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("report.sarif");
    let run = acme_check(&["--format", "sarif", "--output", &path(&sarif)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "--output writes the report to the file only"
    );
    let out = dir.path().join("validation.sarif");
    let status = std::process::Command::new(&validator)
        .args(["validate", &path(&sarif), "--output", &path(&out)])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let validation: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let problems = validation["runs"][0]["results"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "the validator found problems: {problems:#?}"
    );
}

#[test]
fn timings_are_reported_in_json_and_on_stderr() {
    let run = acme_check(&["--format", "json", "--timings"]);
    let report = run.json();
    for phase in [
        "compile_ms",
        "read_ms",
        "match_ms",
        "evaluate_ms",
        "total_ms",
    ] {
        assert!(report["timings"][phase].is_number(), "{phase}: {report}");
    }
    assert!(run.stderr.contains("timings: compile "), "{}", run.stderr);
}

#[test]
fn malformed_facts_name_the_file_line_and_column() {
    let policy = path(&data("policies/acme.tg"));
    let facts = path(&data("facts/malformed.json"));
    let run = tollgate(&["check", "--policy", &policy, "--facts", &facts]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid facts file")
            && run.stderr.contains("malformed.json` at line 4, column"),
        "{}",
        run.stderr
    );
    let typo = path(&data("facts/typo.json"));
    let run = tollgate(&["check", "--policy", &policy, "--facts", &typo]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown field `usr`"), "{}", run.stderr);
}

#[test]
fn unreadable_inputs_exit_2() {
    let policy = path(&data("policies/acme.tg"));
    let run = tollgate(&[
        "check",
        "--policy",
        &policy,
        "--facts",
        "/nonexistent/facts.json",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read facts file `/nonexistent/facts.json`"),
        "{}",
        run.stderr
    );
    let run = tollgate(&["check", "--policy", &policy, "/nonexistent/image.tar"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`/nonexistent/image.tar`"),
        "{}",
        run.stderr
    );
    let run = tollgate(&[
        "check",
        "--policy",
        "/nonexistent/policy.tg",
        "--facts",
        &policy,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`/nonexistent/policy.tg`"),
        "{}",
        run.stderr
    );
    let run = tollgate(&["check", "--format", "yaml", "x.tar"]);
    assert_eq!(run.code, 2, "a wrong command line exits 2");
    let run = tollgate(&["check", "--policy", &policy]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no image given"), "{}", run.stderr);
}

#[test]
fn a_policy_that_does_not_compile_exits_2() {
    let facts = path(&data("facts/shop-api.json"));
    let policy = path(&data("policies/typo.tg"));
    let run = tollgate(&["check", "--policy", &policy, "--facts", &facts]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("TG0"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `severity`?"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no report for a broken policy");
}

#[test]
fn a_runaway_rule_ends_with_a_resource_limit_error() {
    let policy = path(&data("policies/runaway.tg"));
    // 100,000 packages and 100,000 files: the cross product has 10^10 pairs.
    let dir = tempfile::tempdir().unwrap();
    let packages: Vec<Value> = (0..100_000)
        .map(|i| serde_json::json!({ "name": format!("p{i}"), "version": "1" }))
        .collect();
    let files: Vec<Value> = (0..100_000)
        .map(|i| serde_json::json!({ "path": format!("/f{i}") }))
        .collect();
    let facts = dir.path().join("big.json");
    std::fs::write(
        &facts,
        serde_json::json!({ "packages": packages, "files": files }).to_string(),
    )
    .unwrap();
    let facts = path(&facts);
    let started = std::time::Instant::now();
    let run = tollgate(&["check", "--policy", &policy, "--facts", &facts]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("instruction budget") || run.stderr.contains("larger than"),
        "{}",
        run.stderr
    );
    // not a timing assertion: a generous bound that only a hang would cross
    assert!(started.elapsed().as_secs() < 600);
}

#[test]
fn manifest_mappings_give_images_different_policies() {
    let repo = data("repo");
    let prod = path(&data("facts/prod-api.json"));
    let dev = path(&data("facts/dev-tool.json"));
    let run = tollgate_in(
        &repo,
        &[
            "check", "--facts", &prod, "--facts", &dev, "--format", "json",
        ],
    );
    let report = run.json();
    let rules = |index: usize| -> Vec<String> {
        report["results"][index]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        rules(0),
        vec!["acme.prod.root_user".to_string()],
        "{report}"
    );
    assert_eq!(
        rules(1),
        vec!["acme.base.no_healthcheck".to_string()],
        "{report}"
    );
    // the staging profile allows root
    let run = tollgate_in(
        &repo,
        &[
            "check",
            "--facts",
            &prod,
            "--profile",
            "staging",
            "--format",
            "json",
        ],
    );
    let report = run.json();
    assert_eq!(
        report["results"][0]["findings"].as_array().unwrap().len(),
        0,
        "{report}"
    );
    let run = tollgate_in(&repo, &["check", "--facts", &prod, "--profile", "nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no profile `nope`"), "{}", run.stderr);
}

#[test]
fn default_policy_on_the_shipped_alpine_image() {
    let image = path(&repo_root().join("examples/alpine-3.11.docker.tar.gz"));
    let run = tollgate(&["check", &image, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let result = &report["results"][0];
    assert_eq!(
        result["image"]["digest"],
        "sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72"
    );
    let rules: Vec<&str> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "std.default.root_user",
            "std.default.no_healthcheck",
            "std.default.no_vulnerability_database"
        ]
    );
}
