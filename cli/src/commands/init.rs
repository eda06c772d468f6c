//! `tollgate init`: scaffolds a policy repository — the manifest, an example policy with tests,
//! and CI snippets for GitHub Actions and GitLab CI. Never overwrites an existing file.

use std::path::Path;
use std::process::ExitCode;

use crate::error::{CliError, CliResult};

/// (path in the new repository, content)
const FILES: &[(&str, &str)] = &[
    ("tollgate.toml", include_str!("../scaffold/tollgate.toml")),
    (
        "policies/example.tg",
        include_str!("../scaffold/example.tg"),
    ),
    (
        "ci/github-actions.yml",
        include_str!("../scaffold/github-actions.yml"),
    ),
    (
        "ci/gitlab-ci.yml",
        include_str!("../scaffold/gitlab-ci.yml"),
    ),
];

pub fn run(path: &Path) -> CliResult<ExitCode> {
    for (relative, _) in FILES {
        let target = path.join(relative);
        if target.exists() {
            return Err(
                CliError::new(format!("`{}` already exists", target.display()))
                    .with_help("run `tollgate init` in an empty folder"),
            );
        }
    }
    for (relative, content) in FILES {
        let target = path.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| CliError::io("create folder", parent, &err))?;
        }
        std::fs::write(&target, content).map_err(|err| CliError::io("write", &target, &err))?;
        println!("created {}", target.display());
    }
    println!("next: `tollgate test` runs the example policy's tests");
    Ok(ExitCode::SUCCESS)
}
