//! The benchmark workload, shared by `benches/evaluate.rs` and `examples/workload.rs`:
//! generated facts with 10,000 packages, 200,000 files, 20,000 vulnerabilities and 1,000
//! secrets, a 50-rule policy (ten kinds of rule, five of each) in Tollgate and in Rego, and a
//! join rule in both.

use std::fmt::Write;

use tollgate_bytecode::Program;
use tollgate_compiler::Compiler;
use tollgate_compiler::lower::lower;
use tollgate_facts::{
    Ecosystem, File, FileKind, FixState, Image, Package, PackageRef, Port, Secret, Severity, User,
    Vulnerability,
};
use tollgate_vm::EvalOptions;

/// The generated facts.
pub fn facts() -> Image {
    let mut image = Image {
        reference: "bench:latest".to_string(),
        ..Image::default()
    };
    image.config.user = "app".to_string();
    image.config.exposed_ports = [80, 443, 22, 8080]
        .iter()
        .map(|number| Port {
            number: *number,
            protocol: "tcp".to_string(),
        })
        .collect();
    let ecosystems = [
        Ecosystem::Deb,
        Ecosystem::Python,
        Ecosystem::Npm,
        Ecosystem::Java,
    ];
    for index in 0..10_000usize {
        image.packages.push(Package {
            name: format!("pkg{index}"),
            version: format!("1.{}.{}", index % 50, index % 7),
            ecosystem: ecosystems[index % ecosystems.len()],
            licenses: vec![if index % 13 == 0 { "GPL-3.0" } else { "MIT" }.to_string()],
            path: format!("/var/lib/pkgs/{}", index % 40),
            layer: (index % 5) as i64,
            ..Package::default()
        });
    }
    for index in 0..200_000usize {
        image.files.push(File {
            path: format!("/usr/lib/dir{}/file{index}", index % 500),
            kind: if index % 50 == 0 {
                FileKind::Dir
            } else {
                FileKind::File
            },
            mode: if index % 10_000 == 0 { 0o4755 } else { 0o644 },
            uid: if index % 3 == 0 { 0 } else { 1000 },
            size: (index * 37 % 100_000) as u64,
            layer: (index % 5) as i64,
            setuid: index % 10_000 == 0,
            ..File::default()
        });
    }
    for index in 0..20_000usize {
        let package = &image.packages[index * 7 % 10_000];
        image.vulnerabilities.push(Vulnerability {
            id: format!("CVE-2024-{index:05}"),
            package: PackageRef {
                name: package.name.clone(),
                version: package.version.clone(),
                ecosystem: package.ecosystem,
                path: package.path.clone(),
                layer: package.layer,
                ..PackageRef::default()
            },
            severity: Severity::ALL[index % Severity::ALL.len()],
            fixed_in: (index % 2 == 0).then(|| "9.9.9".to_string()),
            fix_state: FixState::ALL[index % FixState::ALL.len()],
            ..Vulnerability::default()
        });
    }
    for index in 0..1_000usize {
        image.secrets.push(Secret {
            rule: format!("rule{}", index % 20),
            path: format!("/app/config{index}.env"),
            line: (index % 40) as i64 + 1,
            layer: (index % 5) as i64,
            ..Secret::default()
        });
    }
    for index in 0..20usize {
        image.users.push(User {
            name: format!("user{index}"),
            uid: index as i64,
            ..User::default()
        });
    }
    image
}

const SEVERITY_NAMES: [&str; 5] = ["Critical", "High", "Critical", "Medium", "Low"];
const FIX_NAMES: [&str; 5] = ["Fixed", "Fixed", "NotFixed", "WontFix", "Unknown"];

/// The 50 rules: ten kinds, five of each, in Tollgate and in Rego.
pub fn policies() -> (String, String) {
    let mut tg = String::new();
    let mut rego = String::from("package bench\n\nimport rego.v1\n\n");
    rego.push_str("rank := {\"unknown\": 0, \"negligible\": 1, \"low\": 2, \"medium\": 3, \"high\": 4, \"critical\": 5}\n\n");
    for i in 0..5usize {
        let (severity, fix) = (SEVERITY_NAMES[i], FIX_NAMES[i]);
        let (sev_json, fix_json) = (severity.to_lowercase(), kebab(fix));
        let _ = write!(
            tg,
            "deny vulns_{i}\n  for v in image.vulnerabilities\n  where v.severity == {severity} and v.fix_state == {fix}\n  message \"{{v.id}}\"\n\n\
             deny package_{i}\n  for p in image.packages\n  where p.name == \"pkg{n}\"\n  message \"{{p.name}}\"\n\n\
             warn license_{i}\n  for p in image.packages\n  where p.layer == {i} and \"GPL-3.0\" in p.licenses\n  message \"{{p.name}}\"\n\n\
             deny file_{i}\n  for f in image.files\n  where f.path == \"/usr/lib/dir{i}/file{i}\"\n  message \"{{f.path}}\"\n\n\
             deny setuid_{i}\n  for f in image.files\n  where f.setuid and f.path.starts_with(\"/usr/lib/dir{i}/\")\n  message \"{{f.path}}\"\n\n\
             deny secret_{i}\n  for s in image.secrets\n  where s.rule == \"rule{i}\"\n  message \"{{s.path}}:{{s.line}}\"\n\n\
             deny user_{i}\n  when image.config.user in {{\"\", \"root\", \"{i}\"}}\n  message \"root\"\n\n\
             warn port_{i}\n  for p in image.config.exposed_ports\n  where p.number == {port}\n  message \"{{p.number}}\"\n\n\
             deny many_{i}\n  when count(v in image.vulnerabilities where v.severity == Critical) > {limit}\n  message \"too many\"\n\n\
             deny join_{i}\n  for v in image.vulnerabilities\n  where v.severity == Critical and v.fix_state == NotFixed\n  for p in image.packages\n  where p.name == v.package.name and p.layer == {i}\n  message \"{{v.id}} in {{p.name}}\"\n\n",
            n = i * 997,
            port = 20 + i,
            limit = i * 1000,
        );
        let _ = write!(
            rego,
            "vulns_{i} contains v.id if {{\n  some v in input.vulnerabilities\n  v.severity == \"{sev_json}\"\n  v.fix_state == \"{fix_json}\"\n}}\n\n\
             package_{i} contains p.name if {{\n  some p in input.packages\n  p.name == \"pkg{n}\"\n}}\n\n\
             license_{i} contains p.name if {{\n  some p in input.packages\n  p.layer == {i}\n  \"GPL-3.0\" in p.licenses\n}}\n\n\
             file_{i} contains f.path if {{\n  some f in input.files\n  f.path == \"/usr/lib/dir{i}/file{i}\"\n}}\n\n\
             setuid_{i} contains f.path if {{\n  some f in input.files\n  f.setuid\n  startswith(f.path, \"/usr/lib/dir{i}/\")\n}}\n\n\
             secret_{i} contains sprintf(\"%s:%d\", [s.path, s.line]) if {{\n  some s in input.secrets\n  s.rule == \"rule{i}\"\n}}\n\n\
             user_{i} contains \"root\" if {{\n  input.config.user in {{\"\", \"root\", \"{i}\"}}\n}}\n\n\
             port_{i} contains p.number if {{\n  some p in input.config.exposed_ports\n  p.number == {port}\n}}\n\n\
             many_{i} contains \"too many\" if {{\n  count([v | some v in input.vulnerabilities; v.severity == \"critical\"]) > {limit}\n}}\n\n\
             join_{i} contains sprintf(\"%s in %s\", [v.id, p.name]) if {{\n  some v in input.vulnerabilities\n  v.severity == \"critical\"\n  v.fix_state == \"not-fixed\"\n  p := packages_by_name[v.package.name]\n  p.layer == {i}\n}}\n\n",
            n = i * 997,
            port = 20 + i,
            limit = i * 1000,
        );
    }
    rego.push_str("packages_by_name := {p.name: p | some p in input.packages}\n");
    (tg, rego)
}

/// The join rule in Tollgate.
pub const JOIN_TG: &str = "deny vulnerable_app_layer\n  for v in image.vulnerabilities\n  for p in image.packages\n  where p.name == v.package.name and p.layer >= 3\n  message \"{v.id} in {p.name}\"\n";
/// The join rule in Rego.
pub const JOIN_REGO: &str = "package join\n\nimport rego.v1\n\npackages_by_name := {p.name: p | some p in input.packages}\n\nvulnerable_app_layer contains sprintf(\"%s in %s\", [v.id, p.name]) if {\n  some v in input.vulnerabilities\n  p := packages_by_name[v.package.name]\n  p.layer >= 3\n}\n";

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (position, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && position > 0 {
            out.push('-');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// Compiles a policy with the real front end (stdlib included).
pub fn compile(source: &str) -> Program {
    let mut compiler = Compiler::new();
    compiler.set_source("bench/policy.tg", source);
    let errors: Vec<String> = compiler
        .diagnostics()
        .into_iter()
        .filter(|diagnostic| diagnostic.severity == tollgate_compiler::Severity::Error)
        .map(|diagnostic| format!("{} {:?}", diagnostic.message, diagnostic.primary))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    lower(&compiler.typed_program().unwrap()).unwrap()
}

/// The options of every benchmark evaluation: a fixed clock.
pub fn options() -> EvalOptions {
    EvalOptions::new("2026-11-26T12:00:00Z".parse().unwrap())
}
