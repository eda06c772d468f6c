//! End to end: policies compiled by the real front end, lowered, linked and evaluated over
//! facts in their JSON form, with exact findings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code asserts with unwrap and indexing; a failure is a test failure

use tollgate_bytecode::{Action, ChunkBuilder, Constant, Op, Program};
use tollgate_compiler::Compiler;
use tollgate_compiler::lower::lower;
use tollgate_facts::{Image, Timestamp};
use tollgate_vm::{EvalOptions, Evaluation, Verdict, Vm, VmError, evaluate};

fn compile(source: &str) -> Program {
    let mut compiler = Compiler::new();
    compiler.set_source("acme/prod.tg", source);
    let errors: Vec<String> = compiler
        .diagnostics()
        .into_iter()
        .filter(|diagnostic| diagnostic.severity == tollgate_compiler::Severity::Error)
        .map(|diagnostic| {
            format!(
                "{}: {} {:?}",
                diagnostic.code, diagnostic.message, diagnostic.primary
            )
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    lower(&compiler.typed_program().expect("typed program")).expect("lowering")
}

fn now(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn run(program: &Program, image: &Image, options: &EvalOptions) -> Result<Evaluation, VmError> {
    let linked = Vm::link(program).expect("link");
    evaluate(&linked, image, options)
}

/// DESIGN §3's policy, its exception without the `where` clause (tests add their own).
const DESIGN_POLICY: &str = r#"//! Production admission policy for ACME images.

/// Highest severity we tolerate when a fix exists.
param max_fixable: Severity = High
/// Ports our ingress allows.
param allowed_ports: set<int> = {80, 443, 8080}

/// Fixable vulnerabilities above the threshold must be patched before release.
@id("ACME-VULN-001")
@remediation("Rebuild on the current base image or upgrade the package.")
deny fixable_vulns
  for v in image.vulnerabilities
  where v.severity > max_fixable and v.fixed_in != none
  message "{v.id} ({v.severity}) in {v.package.name} {v.package.version}; fixed in {v.fixed_in}"

/// Containers must not run as root.
@id("ACME-001")
@tags("runtime", "cis")
deny root_user
  when image.config.user in {"", "root", "0"}
  message "image runs as root"

warn unexpected_ports
  for p in image.config.exposed_ports
  where p.number not in allowed_ports
  message "port {p.number}/{p.protocol} is exposed"

deny too_many_highs
  when count(v in image.vulnerabilities where v.severity >= High) > 10
  message "more than 10 high or critical vulnerabilities"

/// A credential pattern of our own, added to the secret scanner.
secret acme_token = r"ACME-[0-9a-f]{32}"

deny leaked_secrets
  for s in image.secrets
  message "{s.rule} in {s.path}:{s.line}"

/// Accepted risk, reviewed 2026-11-01.
except fixable_vulns
  until 2027-01-31
  because "not reachable: TLS terminates at the ingress"

fn is_shell(path: string) -> bool = path matches r"^/(usr/)?bin/(ba|z|k|da)?sh$"

test "root is denied, nobody passes" {
  expect image { config: { user: "root" } } denies root_user
  expect image { config: { user: "nobody" } } passes root_user
}
"#;

const DESIGN_FACTS: &str = r#"{
  "reference": "registry.example.com/shop/api:1.4.2",
  "distro": { "id": "debian", "version": "12", "codename": "bookworm" },
  "config": {
    "user": "root",
    "exposed_ports": [ { "number": 8080, "protocol": "tcp" } ],
    "env": { "PATH": "/usr/bin:/bin" },
    "labels": { "org.opencontainers.image.vendor": "example" }
  },
  "packages": [
    { "name": "openssl", "version": "3.0.11-1~deb12u2", "ecosystem": "deb",
      "source_name": "openssl", "licenses": ["Apache-2.0"], "path": "/var/lib/dpkg/status" }
  ],
  "vulnerabilities": [
    { "id": "CVE-2024-0727", "aliases": ["DSA-5621-1"], "severity": "medium",
      "package": { "name": "openssl", "version": "3.0.11-1~deb12u2", "ecosystem": "deb" },
      "fixed_in": "3.0.13-1~deb12u1", "fix_state": "fixed" }
  ],
  "files": [ { "path": "/usr/bin/passwd", "kind": "file", "mode": 2541, "uid": 0, "gid": 0,
               "size": 68248, "setuid": true, "layer": 0 } ]
}"#;

fn summary(evaluation: &Evaluation) -> Vec<(String, Action, String, bool)> {
    evaluation
        .findings
        .iter()
        .map(|finding| {
            (
                finding.rule.clone(),
                finding.action,
                finding.message.clone(),
                finding.suppressed.is_some(),
            )
        })
        .collect()
}

#[test]
fn design_policy_over_design_facts() {
    let program = compile(DESIGN_POLICY);
    let image = Image::from_json(DESIGN_FACTS).unwrap();
    let evaluation = run(
        &program,
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    assert_eq!(
        summary(&evaluation),
        vec![(
            "acme.prod.root_user".to_string(),
            Action::Deny,
            "image runs as root".to_string(),
            false
        )]
    );
    let finding = &evaluation.findings[0];
    assert_eq!(finding.id.as_deref(), Some("ACME-001"));
    assert_eq!(finding.doc, "Containers must not run as root.");
    assert_eq!(finding.tags, vec!["runtime".to_string(), "cis".to_string()]);
    assert_eq!(finding.location, None);
    assert_eq!(evaluation.verdict, Verdict::Fail);

    // The program says what it needs, and what it adds to the scanner.
    let categories: Vec<&str> = program
        .demand
        .categories
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(categories, vec!["config", "secrets", "vulnerabilities"]);
    assert!(program.demand.file_contents.is_empty());
    assert_eq!(program.secrets[0].name, "acme.prod.acme_token");
    assert_eq!(program.secrets[0].regex, "ACME-[0-9a-f]{32}");
}

#[test]
fn param_override_makes_the_vulnerability_fire_with_its_metadata() {
    let program = compile(DESIGN_POLICY);
    let image = Image::from_json(DESIGN_FACTS).unwrap();
    let mut options = EvalOptions::new(now("2026-11-26T12:00:00Z"));
    let ty = Vm::link(&program)
        .unwrap()
        .param_type("acme.prod.max_fixable")
        .cloned()
        .unwrap();
    options.params.insert(
        "max_fixable".to_string(),
        tollgate_vm::parse_param(&ty, "low").unwrap(),
    );
    let evaluation = run(&program, &image, &options).unwrap();
    let first = &evaluation.findings[0];
    assert_eq!(first.rule, "acme.prod.fixable_vulns");
    assert_eq!(
        first.message,
        "CVE-2024-0727 (medium) in openssl 3.0.11-1~deb12u2; fixed in 3.0.13-1~deb12u1"
    );
    assert_eq!(first.id.as_deref(), Some("ACME-VULN-001"));
    assert_eq!(
        first.remediation.as_deref(),
        Some("Rebuild on the current base image or upgrade the package.")
    );
    let location = first.location.as_ref().unwrap();
    assert_eq!(location.layer_index, Some(0));
    assert_eq!(evaluation.findings.len(), 2);

    // A value that does not fit the declared type is refused with what was expected.
    let err = tollgate_vm::parse_param(&ty, "severe").unwrap_err();
    assert!(
        err.contains("expected one of Unknown, Negligible, Low, Medium, High, Critical"),
        "{err}"
    );
    options
        .params
        .insert("max_fixable".to_string(), Constant::Int(3));
    let err = run(&program, &image, &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a value of type `Severity`"),
        "{err}"
    );
}

/// The design policy with the threshold lowered so that the example vulnerability fires, and
/// an exception for it matched by the rule's binding `v` (the condition is built here, in
/// bytecode, as the lowering of `where v.id == "CVE-2024-0727"` would build it).
fn excepted_program() -> Program {
    let source = DESIGN_POLICY.replace("= High", "= Low");
    let mut program = compile(&source);
    assert_eq!(program.exceptions.len(), 1);
    let mut builder = ChunkBuilder::new(1);
    let id = program.field("Vulnerability", "id");
    let cve = program.constant(Constant::String("CVE-2024-0727".to_string()));
    builder.emit(Op::Local(0));
    builder.emit(Op::Field(id));
    builder.emit(Op::Const(cve));
    builder.emit(Op::Eq);
    builder.emit(Op::Return);
    program.exceptions[0].predicate = Some(builder.finish().unwrap());
    program
}

#[test]
fn exceptions_suppress_by_binding_and_expire() {
    let program = excepted_program();
    let rule = program.rule("acme.prod.fixable_vulns").unwrap();
    assert_eq!(rule.bindings.len(), 1);
    assert_eq!(rule.bindings[0].name, "v");
    let image = Image::from_json(DESIGN_FACTS).unwrap();

    let before = run(
        &program,
        &image,
        &EvalOptions::new(now("2027-01-31T23:59:59Z")),
    )
    .unwrap();
    let vuln = before
        .findings
        .iter()
        .find(|finding| finding.rule == "acme.prod.fixable_vulns")
        .unwrap();
    let suppression = vuln.suppressed.as_ref().unwrap();
    assert_eq!(
        suppression.reason,
        "not reachable: TLS terminates at the ingress"
    );
    assert_eq!(suppression.until.as_deref(), Some("2027-01-31"));
    assert_eq!(suppression.exception, "except acme.prod.fixable_vulns");
    assert_eq!(before.findings.len(), 2);

    let after = run(
        &program,
        &image,
        &EvalOptions::new(now("2027-02-01T00:00:00Z")),
    )
    .unwrap();
    assert_eq!(
        summary(&after),
        vec![
            (
                "acme.prod.fixable_vulns".to_string(),
                Action::Deny,
                "CVE-2024-0727 (medium) in openssl 3.0.11-1~deb12u2; fixed in 3.0.13-1~deb12u1".to_string(),
                false
            ),
            ("acme.prod.root_user".to_string(), Action::Deny, "image runs as root".to_string(), false),
            (
                "acme.prod.fixable_vulns".to_string(),
                Action::Warn,
                "exception for `acme.prod.fixable_vulns` expired on 2027-01-31: not reachable: TLS terminates at the ingress"
                    .to_string(),
                false
            ),
        ]
    );
}

#[test]
fn an_exception_without_condition_covers_every_finding_of_its_rule() {
    let source = format!(
        "{}\nexcept root_user because \"the base image sets no user\"\n",
        DESIGN_POLICY
    );
    let program = compile(&source);
    let image = Image::from_json(DESIGN_FACTS).unwrap();
    let evaluation = run(
        &program,
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    assert_eq!(
        summary(&evaluation),
        vec![(
            "acme.prod.root_user".to_string(),
            Action::Deny,
            "image runs as root".to_string(),
            true
        )]
    );
    assert_eq!(evaluation.verdict, Verdict::Pass);
}

#[test]
fn verdicts_follow_the_strongest_unsuppressed_action() {
    let program = compile(DESIGN_POLICY);
    let options = EvalOptions::new(now("2026-11-26T12:00:00Z"));
    let nobody = Image::from_json(r#"{"config": {"user": "nobody"}}"#).unwrap();
    assert_eq!(
        run(&program, &nobody, &options).unwrap().verdict,
        Verdict::Pass
    );
    let odd_port = Image::from_json(
        r#"{"config": {"user": "app", "exposed_ports": [{"number": 22, "protocol": "tcp"}]}}"#,
    )
    .unwrap();
    let evaluation = run(&program, &odd_port, &options).unwrap();
    assert_eq!(evaluation.verdict, Verdict::Warn);
    assert_eq!(evaluation.findings[0].message, "port 22/tcp is exposed");
}

/// Facts with `packages` packages and `files` files, as JSON.
fn many(packages: usize, files: usize) -> Image {
    let mut image = Image::default();
    for index in 0..packages {
        image.packages.push(tollgate_facts::Package {
            name: format!("pkg{index}"),
            version: "1.0".to_string(),
            layer: i64::try_from(index % 3).unwrap(),
            ..Default::default()
        });
    }
    for index in 0..files {
        image.files.push(tollgate_facts::File {
            path: format!("/usr/lib/file{index}"),
            ..Default::default()
        });
    }
    image
}

#[test]
fn a_runaway_cross_product_ends_with_a_resource_limit_error() {
    let program = compile(
        "deny runaway\n  when count(p in image.packages where count(f in image.files where f.size != p.layer) > 0) > 0\n",
    );
    let image = many(100_000, 100_000);
    let mut options = EvalOptions::new(now("2026-11-26T12:00:00Z"));
    options.budget = 20_000_000;
    let err = run(&program, &image, &options).unwrap_err();
    assert!(
        matches!(&err, VmError::Budget { rule, budget: 20_000_000, .. } if rule == "acme.prod.runaway"),
        "{err}"
    );
    let span = err.span().unwrap();
    assert_eq!(span.file, "acme/prod.tg");
    assert!(span.start < span.end);

    // A comprehension that builds the cross product hits the collection cap first.
    let program = compile(
        "deny pairs\n  when count([f.path for f in image.files where count([p.name for p in image.packages]) > 0]) > 0\n",
    );
    options.max_collection = 50_000;
    let err = run(&program, &image, &options).unwrap_err();
    assert!(
        matches!(&err, VmError::CollectionTooLarge { limit: 50_000, .. }),
        "{err}"
    );
}

#[test]
fn too_many_findings_is_a_typed_error() {
    let program = compile("warn every_file\n  for f in image.files\n  message \"{f.path}\"\n");
    let image = many(0, 2_000);
    let mut options = EvalOptions::new(now("2026-11-26T12:00:00Z"));
    options.max_results = 1_000;
    let err = run(&program, &image, &options).unwrap_err();
    assert_eq!(
        err,
        VmError::TooManyResults {
            rule: "acme.prod.every_file".to_string(),
            limit: 1_000
        }
    );
    options.max_results = 2_000;
    let evaluation = run(&program, &image, &options).unwrap();
    assert_eq!(evaluation.findings.len(), 2_000);
    assert_eq!(evaluation.findings[1_999].message, "/usr/lib/file1999");
    assert_eq!(
        evaluation.findings[1_999]
            .location
            .as_ref()
            .unwrap()
            .path
            .as_deref(),
        Some("/usr/lib/file1999")
    );
}

const JOIN_POLICY: &str = r#"
/// Vulnerable packages that live in a layer we build ourselves.
deny vulnerable_in_app_layer
  for v in image.vulnerabilities
  for p in image.packages
  where p.name == v.package.name and p.layer >= 1
  message "{v.id} in {p.name} (layer {p.layer})"

warn openssl_present
  for p in image.packages
  where p.name in {"openssl", "libssl3"}
  message "{p.name} {p.version}"

info setuid_files
  for f in image.files
  where f.setuid
  message "{f.path}"
"#;

const JOIN_FACTS: &str = r#"{
  "layers": [ { "index": 0, "digest": "sha256:base" }, { "index": 1, "digest": "sha256:app" } ],
  "packages": [
    { "name": "openssl", "version": "3.0.11", "ecosystem": "deb", "layer": 0, "path": "/var/lib/dpkg/status" },
    { "name": "libssl3", "version": "3.0.11", "ecosystem": "deb", "layer": 0, "path": "/var/lib/dpkg/status" },
    { "name": "requests", "version": "2.31.0", "ecosystem": "python", "layer": 1,
      "path": "/app/requirements.txt" },
    { "name": "urllib3", "version": "1.26.0", "ecosystem": "python", "layer": 1,
      "path": "/app/requirements.txt" }
  ],
  "vulnerabilities": [
    { "id": "CVE-2024-0727", "severity": "medium", "package": { "name": "openssl", "version": "3.0.11" } },
    { "id": "CVE-2023-32681", "severity": "medium", "package": { "name": "requests", "version": "2.31.0" } },
    { "id": "CVE-2024-37891", "severity": "medium", "package": { "name": "urllib3", "version": "1.26.0" } },
    { "id": "GHSA-none", "severity": "low", "package": { "name": "not-installed", "version": "1" } }
  ],
  "files": [
    { "path": "/usr/bin/passwd", "setuid": true, "layer": 0 },
    { "path": "/usr/bin/ls", "layer": 0 },
    { "path": "/app/run", "setuid": true, "layer": 1 }
  ]
}"#;

#[test]
fn joins_and_filters_run_through_indexes_with_exact_findings() {
    let program = compile(JOIN_POLICY);
    // The join's inner loop and both filters are index lookups, not scans.
    let listing = program.disassemble();
    assert_eq!(listing.matches("Lookup(").count(), 2, "{listing}");
    assert_eq!(listing.matches("LookupIn(").count(), 1, "{listing}");
    let image = Image::from_json(JOIN_FACTS).unwrap();
    let evaluation = run(
        &program,
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    let found: Vec<(&str, &str)> = evaluation
        .findings
        .iter()
        .map(|finding| (finding.rule.as_str(), finding.message.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "acme.prod.vulnerable_in_app_layer",
                "CVE-2023-32681 in requests (layer 1)"
            ),
            (
                "acme.prod.vulnerable_in_app_layer",
                "CVE-2024-37891 in urllib3 (layer 1)"
            ),
            ("acme.prod.openssl_present", "openssl 3.0.11"),
            ("acme.prod.openssl_present", "libssl3 3.0.11"),
            ("acme.prod.setuid_files", "/usr/bin/passwd"),
            ("acme.prod.setuid_files", "/app/run"),
        ]
    );
    // The innermost record binding gives the location: the package's file and its layer.
    let location = evaluation.findings[0].location.as_ref().unwrap();
    assert_eq!(location.path.as_deref(), Some("/app/requirements.txt"));
    assert_eq!(location.layer.as_deref(), Some("sha256:app"));
    assert_eq!(evaluation.verdict, Verdict::Fail);
}

#[test]
fn aggregates_comprehensions_functions_and_builtins() {
    let program = compile(
        r#"
fn is_lib(path: string) -> bool = path.starts_with("/usr/lib/") or path glob "/lib/**"

warn summary
  let libs = count(f in image.files where is_lib(f.path))
  let biggest = max(f.size for f in image.files)
  let total = sum(f.size for f in image.files where f.kind == FileKind.File)
  let names = {basename(f.path) for f in image.files where f.size > 10}
  let all_small = all(f in image.files where f.size < 1000)
  let any_ssl = any(p in image.packages where p.name.contains("ssl"))
  message "libs={libs} biggest={biggest ?? 0} total={total} names={names} small={all_small} ssl={any_ssl} n={count(image.packages)} user={image.config.user ?? "?"}"
"#,
    );
    let image = Image::from_json(
        r#"{
      "packages": [ { "name": "libssl3" }, { "name": "zlib" } ],
      "files": [
        { "path": "/usr/lib/a.so", "size": 100 },
        { "path": "/lib/x/b.so", "size": 2000 },
        { "path": "/etc/c.conf", "size": 5 },
        { "path": "/etc", "kind": "dir", "size": 4096 }
      ]
    }"#,
    )
    .unwrap();
    let evaluation = run(
        &program,
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    assert_eq!(
        evaluation.findings[0].message,
        "libs=2 biggest=4096 total=2105 names={a.so, b.so, etc} small=false ssl=true n=2 user="
    );
}

#[test]
fn a_compiled_exception_condition_sees_the_rule_bindings() {
    let source = DESIGN_POLICY.replace("= High", "= Low").replace(
        "except fixable_vulns\n",
        "except fixable_vulns\n  where v.id == \"CVE-2024-0727\" and v.package.name == \"openssl\"\n",
    );
    let program = compile(&source);
    let image = Image::from_json(DESIGN_FACTS).unwrap();
    let evaluation = run(
        &program,
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    let vuln = evaluation
        .findings
        .iter()
        .find(|finding| finding.rule == "acme.prod.fixable_vulns")
        .unwrap();
    assert_eq!(
        vuln.suppressed.as_ref().unwrap().reason,
        "not reachable: TLS terminates at the ingress"
    );
    let other = source.replace("CVE-2024-0727\" and", "CVE-2024-12345\" and");
    let evaluation = run(
        &compile(&other),
        &image,
        &EvalOptions::new(now("2026-11-26T12:00:00Z")),
    )
    .unwrap();
    let vuln = evaluation
        .findings
        .iter()
        .find(|finding| finding.rule == "acme.prod.fixable_vulns")
        .unwrap();
    assert_eq!(vuln.suppressed, None);
}

/// The ecosystems a program's demand names, `None` for any.
fn ecosystems(source: &str) -> Option<Vec<String>> {
    compile(source)
        .demand
        .ecosystems
        .map(|set| set.into_iter().collect())
}

#[test]
fn demand_names_the_ecosystems_that_loops_over_packages_keep() {
    // Equality and membership filters on the ecosystem, on packages and on vulnerabilities
    // (through their package), in rules and in aggregates: the union of their variants.
    let limited = ecosystems(
        "deny npm_gpl\n  for p in image.packages\n  where p.ecosystem == Npm and \"GPL-3.0\" in p.licenses\n  message \"{p.name}\"\n\n\
         warn python_vulns\n  for v in image.vulnerabilities\n  where v.package.ecosystem in {Python, Gem}\n  message \"{v.id}\"\n\n\
         warn many_debs\n  when count(p in image.packages where Deb == p.ecosystem) > 100\n  message \"many\"\n",
    );
    assert_eq!(
        limited,
        Some(vec![
            "deb".to_string(),
            "gem".to_string(),
            "npm".to_string(),
            "python".to_string()
        ])
    );

    // A program that reads no packages and no vulnerabilities needs no cataloger.
    assert_eq!(
        ecosystems("deny root\n  when image.config.user == \"root\"\n"),
        Some(Vec::new())
    );

    // One unfiltered read, a filter that is not a constant, a disjunction or an `unless` may
    // look at any ecosystem.
    for unknown in [
        "deny npm\n  for p in image.packages\n  where p.ecosystem == Npm\n\ndeny any\n  when count(image.packages) > 0\n",
        "param wanted: Ecosystem = Npm\n\ndeny chosen\n  for p in image.packages\n  where p.ecosystem == wanted\n",
        "deny either\n  for p in image.packages\n  where p.ecosystem == Npm or p.layer > 2\n",
        "deny not_npm\n  for p in image.packages\n  unless p.ecosystem == Npm\n",
        "deny joined\n  for v in image.vulnerabilities\n  for p in image.packages\n  where p.ecosystem == Npm and p.name == v.package.name\n",
    ] {
        assert_eq!(ecosystems(unknown), None, "{unknown}");
    }
}

/// A rule's chunk reading field `id` of its local 0, which no instruction sets (`none`), with
/// spans `10..11` for the `Local` and `10..13` for the `Field`. With `jump_to_field`, a jump
/// lands on the `Field`, so linking cannot fuse the pair.
fn field_of_none(jump_to_field: bool) -> Program {
    let mut program = compile("deny fires\n  when image.config.user == \"root\"\n");
    let id = program.field("Vulnerability", "id");
    let mut builder = ChunkBuilder::new(1);
    let span = |start, end| tollgate_bytecode::Span {
        file: 0,
        start,
        end,
    };
    builder.set_span(span(10, 11));
    let field = builder.label();
    if jump_to_field {
        builder.emit(Op::Local(0));
        builder.jump(tollgate_bytecode::JumpKind::Always, field);
    }
    builder.emit(Op::Local(0));
    builder.place(field);
    builder.set_span(span(10, 13));
    builder.emit(Op::Field(id));
    builder.emit(Op::Emit);
    builder.emit(Op::Return);
    program.rules[0].chunk = builder.finish().unwrap();
    program
}

#[test]
fn a_field_of_none_is_reported_at_the_field_whether_or_not_linking_fused_it() {
    for jump_to_field in [false, true] {
        let program = field_of_none(jump_to_field);
        let err = run(
            &program,
            &Image::default(),
            &EvalOptions::new(now("2026-11-26T12:00:00Z")),
        )
        .unwrap_err();
        let VmError::Runtime {
            rule,
            message,
            span,
        } = err
        else {
            panic!("expected a runtime error, got {err:?}");
        };
        assert_eq!(rule, "acme.prod.fires");
        assert_eq!(message, "field `Vulnerability.id` of none");
        let span = span.unwrap();
        assert_eq!(
            (span.start, span.end),
            (10, 13),
            "jump_to_field: {jump_to_field}"
        );
    }
}
