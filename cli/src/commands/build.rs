//! `tollgate build [PATH] -o FILE.tar.gz`: compiles a policy (a repository, a folder or a
//! `.tg` file) into a deterministic bundle, optionally signed with `--sign KEY`; `--emit-asm`
//! gives the disassembled program instead: on standard output, or in the `-o` file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::bundle::{self, BundleContents};
use crate::error::{CliError, CliResult};
use crate::program;
use crate::repo::{self, MANIFEST};

pub fn run(args: crate::args::BuildArgs) -> CliResult<ExitCode> {
    let path = args.path.as_deref();
    if let Some(path) = path.filter(|path| bundle::is_bundle(path)) {
        return Err(
            CliError::new(format!("`{}` is already a bundle", path.display()))
                .with_help("give the policy repository, folder or `.tg` file to build"),
        );
    }
    // Without a path the current folder must be a repository: bundling the default policy
    // would hide a mistake.
    let Some(sources) = repo::load(path)? else {
        return Err(CliError::new(format!("no `{MANIFEST}` in the current folder"))
            .with_help("run `tollgate build PATH -o FILE.tar.gz` with a policy repository, folder or `.tg` file"));
    };
    let policy = program::compile(path)?;
    if args.emit_asm {
        let listing = policy.program().disassemble();
        match &args.output {
            Some(output) => {
                std::fs::write(output, &listing)
                    .map_err(|err| CliError::io("write listing", output, &err))?;
                println!("wrote the bytecode listing to `{}`", output.display());
            }
            None => print!("{listing}"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    // clap requires `-o` unless `--emit-asm` is given.
    let Some(output) = &args.output else {
        return Err(CliError::new(
            "`tollgate build` needs `-o FILE.tar.gz`".to_string(),
        ));
    };
    let manifest_toml = match &sources.root {
        Some(root) => {
            let manifest_path = root.join(MANIFEST);
            Some(
                std::fs::read_to_string(&manifest_path)
                    .map_err(|err| CliError::io("read manifest", &manifest_path, &err))?,
            )
        }
        None => None,
    };
    let signing_key = args
        .sign
        .as_deref()
        .map(bundle::read_signing_key)
        .transpose()?;
    let name = policy.manifest.as_ref().map(|m| m.policy.name.clone());
    let version = policy
        .manifest
        .as_ref()
        .map(|m| m.policy.version.clone())
        .filter(|v| !v.is_empty());
    let contents = BundleContents {
        program: policy.program(),
        sources: policy
            .files
            .iter()
            .map(|(relative, (_, text))| (relative.clone(), text.clone()))
            .collect(),
        manifest_toml,
        name,
        version,
        git_revision: bundle::git_revision(&policy_folder(path, sources.root.as_deref())),
    };
    let bytes = bundle::write(&contents, signing_key.as_ref())?;
    std::fs::write(output, &bytes).map_err(|err| CliError::io("write bundle", output, &err))?;
    println!(
        "built `{}`: {} source file{}, {}{} bytes",
        output.display(),
        contents.sources.len(),
        if contents.sources.len() == 1 { "" } else { "s" },
        if signing_key.is_some() {
            "signed, "
        } else {
            ""
        },
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The folder to ask git about: the repository root, the given folder, or a file's folder.
fn policy_folder(path: Option<&Path>, root: Option<&Path>) -> PathBuf {
    if let Some(root) = root {
        return root.to_path_buf();
    }
    match path {
        Some(path) if path.is_dir() => path.to_path_buf(),
        Some(path) => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
        None => PathBuf::from("."),
    }
}
