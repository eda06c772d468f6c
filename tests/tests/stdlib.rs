//! The standard library end to end: its own tests pass with 100% rule coverage, every rule is
//! documented, identified and has a remediation, every module is formatted and compiles
//! without warnings, `docs/stdlib.md` is generated from the doc comments and up to date, the
//! Anchore mapping names only rules that exist and every Anchore rule, and the modules find
//! real problems in the real Alpine 3.11 image.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tollgate_e2e::{data, repo_root, tollgate};

/// One documented item of a module.
#[derive(Debug, Default)]
struct Item {
    /// `deny`, `warn`, `info` or `param`.
    kind: String,
    name: String,
    /// For a param: its type and default.
    signature: String,
    doc: String,
    id: Option<String>,
    remediation: Option<String>,
}

/// One standard policy module, read from its source.
#[derive(Debug, Default)]
struct Module {
    name: String,
    path: String,
    doc: String,
    items: Vec<Item>,
}

/// The stdlib's policy modules (not the prelude), sorted by path.
fn stdlib_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "tg") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo_root().join("stdlib/std"), &mut files);
    files.retain(|p| !p.ends_with("schema.tg") && !p.ends_with("builtins.tg"));
    files.sort();
    files
}

/// The argument of an `@name("...")` attribute line.
fn attribute(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix(&format!("@{name}(\""))?;
    Some(rest.strip_suffix("\")")?.replace("\\\"", "\""))
}

/// Reads a module's docs, params and rules from its source text.
fn parse_module(path: &Path) -> Module {
    let text = std::fs::read_to_string(path).unwrap();
    let relative = path
        .strip_prefix(repo_root())
        .unwrap()
        .display()
        .to_string();
    let mut module = Module {
        path: relative,
        ..Module::default()
    };
    let mut pending = Item::default();
    let mut module_doc = Vec::new();
    let mut doc = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("//!") {
            module_doc.push(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("module ") {
            module.name = rest.trim().to_string();
        } else if let Some(rest) = line.strip_prefix("///") {
            doc.push(rest.trim().to_string());
        } else if let Some(id) = attribute(line, "id") {
            pending.id = Some(id);
        } else if let Some(remediation) = attribute(line, "remediation") {
            pending.remediation = Some(remediation);
        } else if line.starts_with('@') {
            // Other attributes (`@tags`) are not part of the reference.
        } else if let Some(rest) = line.strip_prefix("param ") {
            let (name, signature) = rest.split_once(':').unwrap();
            pending.kind = "param".into();
            pending.name = name.trim().into();
            pending.signature = signature.trim().into();
            pending.doc = doc.join(" ");
            module.items.push(std::mem::take(&mut pending));
            doc.clear();
        } else if let Some((kind, rest)) = line.split_once(' ')
            && ["deny", "warn", "info"].contains(&kind)
            && !line.starts_with(' ')
        {
            pending.kind = kind.into();
            pending.name = rest.trim().into();
            pending.doc = doc.join(" ");
            module.items.push(std::mem::take(&mut pending));
            doc.clear();
        } else if !line.starts_with(' ') {
            // `fn`, `test`, blank lines: the docs collected so far belong to them.
            doc.clear();
            pending = Item::default();
        }
    }
    module.doc = module_doc.join("\n").replace("\n\n", "\n");
    module
}

/// `docs/stdlib.md`, generated from the modules' doc comments.
fn reference(modules: &[Module]) -> String {
    let mut out = String::from(
        "# Standard library reference\n\n\
         <!-- Generated from the doc comments of `stdlib/std/*.tg` by `tests/tests/stdlib.rs`; do not edit.\n     \
         Regenerate with `scripts/stdlib-docs.sh`. -->\n\n\
         The standard policy modules ship inside the `tollgate` binary. A policy activates a\n\
         module's rules by importing it (`import std.dockle`); `std.default` is the policy\n\
         `tollgate check` uses when it is given none. Every param can be set in `tollgate.toml`,\n\
         a profile, or with `--param MODULE.NAME=VALUE` (see\n\
         [policy-repositories.md](policy-repositories.md)); the Anchore gates each module mirrors\n\
         are mapped in [anchore-mapping.md](anchore-mapping.md). `tollgate test --stdlib` runs\n\
         the modules' own tests.\n\n## Modules\n\n",
    );
    for module in modules {
        let rules = module.items.iter().filter(|i| i.kind != "param").count();
        let anchor = module.name.replace('.', "");
        let _ = writeln!(out, "- [`{}`](#{anchor}): {rules} rules", module.name);
    }
    for module in modules {
        let _ = write!(out, "\n## `{}`\n\n", module.name);
        let _ = write!(
            out,
            "{}\n\n`import {}` — source: `{}`\n",
            module.doc.replace('\n', " "),
            module.name,
            module.path
        );
        let params: Vec<&Item> = module.items.iter().filter(|i| i.kind == "param").collect();
        if !params.is_empty() {
            out.push_str(
                "\n### Params\n\n| Param | Type and default | Description |\n|---|---|---|\n",
            );
            for param in params {
                let _ = writeln!(
                    out,
                    "| `{}.{}` | `{}` | {} |",
                    module.name,
                    param.name,
                    param.signature.replace('|', "\\|"),
                    param.doc.replace('|', "\\|")
                );
            }
        }
        out.push_str("\n### Rules\n");
        for rule in module.items.iter().filter(|i| i.kind != "param") {
            let _ = write!(
                out,
                "\n#### `{} {}.{}`\n\n**{}** — {}\n\n*Remediation:* {}\n",
                rule.kind,
                module.name,
                rule.name,
                rule.id.as_deref().unwrap_or(""),
                rule.doc,
                rule.remediation.as_deref().unwrap_or("")
            );
        }
    }
    out
}

fn modules() -> Vec<Module> {
    stdlib_files().iter().map(|p| parse_module(p)).collect()
}

#[test]
fn stdlib_tests_pass_with_full_rule_coverage() {
    let run = tollgate(&["test", "--stdlib", "--min-coverage", "100"]);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("coverage: 100.0% of rules"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
    // Every rule of every module is in the coverage report, seen firing and passing.
    for module in modules() {
        for rule in module.items.iter().filter(|i| i.kind != "param") {
            let line = format!("fired yes  passed yes  {}.{}", module.name, rule.name);
            assert!(
                run.stdout.contains(&line),
                "missing `{line}` in:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn stdlib_test_failures_are_reported_with_exit_1() {
    // A filter that selects no test still compiles and reports coverage below 100%.
    let run = tollgate(&[
        "test",
        "--stdlib",
        "--filter",
        "no test has this name",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("below the minimum 100%"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_rule_is_documented_identified_and_remediable() {
    let modules = modules();
    assert!(modules.len() >= 13, "{}", modules.len());
    let mut ids = std::collections::BTreeSet::new();
    for module in &modules {
        assert!(!module.doc.is_empty(), "{} has no module docs", module.path);
        assert!(module.name.starts_with("std."), "{}", module.path);
        for item in &module.items {
            assert!(
                !item.doc.is_empty(),
                "{}.{} has no doc comment",
                module.name,
                item.name
            );
            if item.kind == "param" {
                continue;
            }
            let id = item
                .id
                .clone()
                .unwrap_or_else(|| panic!("{}.{} has no @id", module.name, item.name));
            assert!(ids.insert(id.clone()), "duplicate @id `{id}`");
            assert!(
                item.remediation.is_some(),
                "{}.{} has no @remediation",
                module.name,
                item.name
            );
        }
    }
}

#[test]
fn param_names_are_unique_across_the_stdlib() {
    // `--param NAME=VALUE` takes a bare name when only one param has it: two stdlib modules
    // sharing a name would make it ambiguous.
    let mut seen = std::collections::BTreeMap::new();
    for module in modules() {
        for param in module.items.iter().filter(|i| i.kind == "param") {
            if let Some(other) = seen.insert(param.name.clone(), module.name.clone()) {
                panic!(
                    "param `{}` is in both {other} and {}",
                    param.name, module.name
                );
            }
        }
    }
    assert!(seen.len() > 50, "{}", seen.len());
}

#[test]
fn every_module_is_formatted_and_validates_without_warnings() {
    for file in stdlib_files() {
        let path = file.display().to_string();
        let fmt = tollgate(&["fmt", "--check", &path]);
        assert_eq!(
            fmt.code, 0,
            "{path} is not formatted:\n{}{}",
            fmt.stdout, fmt.stderr
        );
    }
    // The embedded modules compile as imports of a user file: validate one that imports them all.
    let all = data("stdlib").join("all.tg");
    let text = std::fs::read_to_string(&all).unwrap();
    for module in modules() {
        assert!(
            text.contains(&format!("\nimport {}\n", module.name)),
            "all.tg does not import {}",
            module.name
        );
    }
    let validate = tollgate(&["validate", &all.display().to_string()]);
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);
    assert!(
        validate.stderr.contains(" 0 warnings"),
        "{}",
        validate.stderr
    );
    let test = tollgate(&["test", "--stdlib"]);
    assert!(!test.stderr.contains("warning"), "{}", test.stderr);
}

#[test]
fn reference_docs_are_generated_and_up_to_date() {
    let generated = reference(&modules());
    let file = repo_root().join("docs/stdlib.md");
    if std::env::var_os("TOLLGATE_BLESS").is_some() {
        std::fs::write(&file, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/stdlib.md is out of date: run scripts/stdlib-docs.sh and review the diff"
    );
    assert!(generated.contains("#### `deny std.anchore.vulnerabilities.severity`"));
    assert!(generated.contains("| `std.default.forbidden_ports` | `set<int> = {22, 23, 3389}` |"));
}

#[test]
fn anchore_mapping_has_every_gate_and_names_only_real_rules() {
    let table = std::fs::read_to_string(repo_root().join("docs/anchore-mapping.md")).unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
    for gate in [
        "always",
        "ancestry",
        "distro",
        "dockerfile",
        "files",
        "image_source_drift",
        "licenses",
        "malware",
        "metadata",
        "packages",
        "passwd_file",
        "retrieved_files",
        "secret_scans",
        "tag_drift",
        "vulnerabilities",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("| `{gate}` |"))),
            "gate `{gate}` is missing"
        );
    }
    // No gaps: every row names a Tollgate rule or expression.
    for row in &rows {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(
            cells.len() >= 4 && !cells[2].trim().is_empty(),
            "row without a Tollgate side: {row}"
        );
    }
    let modules = modules();
    let rules: Vec<String> = modules
        .iter()
        .flat_map(|m| {
            m.items
                .iter()
                .filter(|i| i.kind != "param")
                .map(move |i| format!("{}.{}", m.name, i.name))
        })
        .collect();
    // Every qualified stdlib rule the table names exists.
    for word in table.split(|c: char| c == '`' || c.is_whitespace() || c == ',') {
        if word.starts_with("std.") && word.matches('.').count() >= 2 && !word.contains('(') {
            let is_module = modules.iter().any(|m| m.name == word);
            assert!(
                is_module || rules.iter().any(|r| r == word),
                "the table names `{word}`, which does not exist"
            );
        }
    }
    // Every rule of the Anchore modules is in the table.
    for module in modules
        .iter()
        .filter(|m| m.name.starts_with("std.anchore."))
    {
        for rule in module.items.iter().filter(|i| i.kind != "param") {
            let qualified = format!("{}.{}", module.name, rule.name);
            let short = format!("`{}`", rule.name);
            assert!(
                table.contains(&qualified) || table.contains(&short),
                "rule `{qualified}` is not in the mapping table"
            );
        }
    }
}

#[test]
fn anchore_and_dockle_modules_find_real_problems_in_alpine_3_11() {
    let image = repo_root()
        .join("examples/alpine-3.11.docker.tar.gz")
        .display()
        .to_string();
    let policy = data("stdlib")
        .join("anchore-and-dockle.tg")
        .display()
        .to_string();
    let run = tollgate(&["check", "--policy", &policy, &image, "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let findings = report["results"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let rules: Vec<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    // Alpine 3.11 is older than the oldest supported Alpine release (3.18).
    let distro = findings
        .iter()
        .find(|f| f["rule"] == "std.anchore.distro.unsupported_version")
        .unwrap();
    assert!(
        distro["message"].as_str().unwrap().contains("alpine 3.11"),
        "{distro}"
    );
    // It runs as root (no `USER`) and has no healthcheck.
    assert!(
        rules.contains(&"std.dockle.cis_di_0001_root_user"),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"std.dockle.cis_di_0006_healthcheck"),
        "{rules:?}"
    );
    let user = findings
        .iter()
        .find(|f| f["rule"] == "std.anchore.dockerfile.effective_user")
        .unwrap();
    assert!(
        user["message"]
            .as_str()
            .unwrap()
            .contains("an empty user is root"),
        "{user}"
    );
    let missing = findings
        .iter()
        .filter(|f| f["rule"] == "std.anchore.dockerfile.instruction_missing")
        .count();
    assert_eq!(missing, 2, "{rules:?}");
    // It has no denied package, and its distribution is known.
    assert!(
        !rules.contains(&"std.anchore.packages.denied_package"),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"std.anchore.distro.unknown_distro"),
        "{rules:?}"
    );
}
