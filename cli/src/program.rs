//! From policy sources to a linked program: compile (or take the stdlib's default policy),
//! report diagnostics, lower to bytecode, link for the VM, and resolve param overrides from
//! the manifest, the profile and `--param`.

use std::path::Path;

use tollgate_bytecode::{Constant, Program};
use tollgate_vm::{Linked, Vm, parse_param};

use crate::error::{CliError, CliResult};
use crate::policy::LoadedPolicy;
use crate::repo::{self, Manifest, SourceFile, Sources};

/// The module of the policy used when none is given.
pub const DEFAULT_POLICY_MODULE: &str = "std.default";

/// A compiled, linked policy and where it came from.
pub struct CompiledPolicy {
    pub linked: Linked,
    /// The typed program (for the test runner); `None` for a bundle, which is never recompiled.
    pub typed: Option<std::sync::Arc<tollgate_compiler::hir::Program>>,
    /// compiler path -> (display path, text), to show runtime error positions.
    pub files: std::collections::BTreeMap<String, (String, String)>,
    pub manifest: Option<Manifest>,
    /// What the user should see as the policy's name in messages.
    pub origin: String,
}

impl CompiledPolicy {
    pub fn program(&self) -> &Program {
        self.linked.program()
    }

    /// `FILE:LINE:COLUMN` of a byte offset in one of the policy's files (the stdlib's too).
    pub fn position(&self, file: &str, offset: usize) -> String {
        let (display, text) = match self.files.get(file) {
            Some((display, text)) => (display.clone(), text.clone()),
            None => match tollgate_stdlib::sources()
                .iter()
                .find(|(_, path, _)| *path == file)
            {
                Some((_, path, text)) => (path.to_string(), text.to_string()),
                None => return format!("{file} byte {offset}"),
            },
        };
        let (line, column) = tollgate_compiler::diagnostics::line_column(&text, offset);
        format!("{display}:{line}:{column}")
    }
}

/// Sources for the stdlib's default policy: one file that imports it.
fn default_sources() -> Sources {
    Sources {
        files: vec![SourceFile {
            display_path: format!("<default policy {DEFAULT_POLICY_MODULE}>"),
            relative: "default.tg".into(),
            text: format!("//! The default policy.\nimport {DEFAULT_POLICY_MODULE}\n"),
        }],
        manifest: None,
        root: None,
    }
}

/// Compiles the policy at `path` (or the repository in the current folder, or the default
/// policy). Diagnostics go to standard error; errors end the command with exit code 2.
pub fn compile(path: Option<&Path>) -> CliResult<CompiledPolicy> {
    // A bundle is loaded, verified against its manifest and linked: never recompiled.
    if let Some(bundle_path) = path.filter(|path| crate::bundle::is_bundle(path)) {
        return crate::bundle::load(bundle_path, None);
    }
    let (sources, origin) = match repo::load(path)? {
        Some(sources) => {
            let origin = path
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| ".".into());
            (sources, origin)
        }
        None => (default_sources(), DEFAULT_POLICY_MODULE.to_string()),
    };
    let policy = LoadedPolicy::load(&sources);
    let diagnostics = policy.diagnostics();
    if !diagnostics.is_empty() {
        eprint!("{}", policy.render(&diagnostics));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        return Err(CliError::new(format!(
            "policy `{origin}` does not compile: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )));
    }
    let Some(typed) = policy.compiler.typed_program() else {
        return Err(CliError::new(format!("policy `{origin}` does not compile")));
    };
    let program = tollgate_compiler::lower::lower(&typed)
        .map_err(|err| CliError::new(format!("cannot compile policy `{origin}`: {err}")))?;
    let linked = Vm::link(&program)
        .map_err(|err| CliError::new(format!("cannot load policy `{origin}`: {err}")))?;
    Ok(CompiledPolicy {
        linked,
        typed: Some(typed),
        files: policy.files,
        manifest: sources.manifest,
        origin,
    })
}

/// [`compile`] for `tollgate check`: a bundle's signature must verify against `verify_key`
/// when one is given; a key with anything but a bundle is refused rather than ignored.
pub fn compile_verified(
    path: Option<&Path>,
    verify_key: Option<&Path>,
) -> CliResult<CompiledPolicy> {
    let Some(key) = verify_key else {
        return compile(path);
    };
    match path {
        Some(bundle_path) if crate::bundle::is_bundle(bundle_path) => {
            crate::bundle::load(bundle_path, Some(key))
        }
        _ => Err(CliError::new(format!(
            "`--verify-key {}` applies only to a bundle",
            key.display()
        ))
        .with_help(
            "pass a bundle built with `tollgate build --sign KEY` as `--policy FILE.tar.gz`",
        )),
    }
}

/// Finds a param by qualified name, or by its bare name when only one param has it. The
/// program's params are those of the modules the policy uses (its own and the stdlib modules
/// it imports), so a bare name is ambiguous only between modules the policy really has.
pub fn find_param<'p>(program: &'p Program, name: &str) -> CliResult<&'p tollgate_bytecode::Param> {
    if let Some(param) = program.params.iter().find(|p| p.name == name) {
        return Ok(param);
    }
    let suffix = format!(".{name}");
    let matches: Vec<_> = program
        .params
        .iter()
        .filter(|p| p.name.ends_with(&suffix))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<&str> = program.params.iter().map(|p| p.name.as_str()).collect();
            Err(
                CliError::new(format!("no param `{name}` in the policy")).with_help(
                    if known.is_empty() {
                        "the policy declares no params".to_string()
                    } else {
                        format!("params: {}", known.join(", "))
                    },
                ),
            )
        }
        several => {
            let names: Vec<&str> = several.iter().map(|p| p.name.as_str()).collect();
            Err(CliError::new(format!("param `{name}` is ambiguous"))
                .with_help(format!("use one of: {}", names.join(", "))))
        }
    }
}

/// Param overrides: the manifest's, then the profile's, then `--param NAME=VALUE`, each value
/// checked against the param's declared type.
pub fn param_overrides(
    policy: &CompiledPolicy,
    profile: Option<&str>,
    cli_params: &[String],
) -> CliResult<Vec<(String, Constant)>> {
    let mut texts: Vec<(String, String, &str)> = Vec::new();
    match (&policy.manifest, profile) {
        (Some(manifest), profile) => {
            for (name, value) in manifest.params_for(profile)? {
                texts.push((name, value, "tollgate.toml"));
            }
        }
        (None, Some(profile)) => {
            return Err(CliError::new(format!(
                "`--profile {profile}` needs a policy repository with a `tollgate.toml`"
            )));
        }
        (None, None) => {}
    }
    for text in cli_params {
        let Some((name, value)) = text.split_once('=') else {
            return Err(CliError::new(format!("invalid `--param {text}`"))
                .with_help("write `--param NAME=VALUE`"));
        };
        texts.push((name.trim().to_string(), value.to_string(), "--param"));
    }
    let mut overrides = Vec::new();
    for (name, value, origin) in texts {
        let param = find_param(policy.program(), &name)?;
        let constant = parse_param(&param.ty, &value).map_err(|message| {
            CliError::new(format!(
                "invalid value `{value}` for param `{name}` ({origin}): {message}"
            ))
        })?;
        overrides.push((param.name.clone(), constant));
    }
    Ok(overrides)
}
