//! `tollgate validate [PATH]`: compile and type-check without evaluating; print every
//! diagnostic; exit 0 when there is no error, 2 otherwise.

use std::process::ExitCode;

use crate::args::PathArgs;
use crate::error::{CliError, CliResult};
use crate::policy::{LoadedPolicy, count_summary};
use crate::repo;

pub fn run(args: PathArgs) -> CliResult<ExitCode> {
    let Some(sources) = repo::load(args.path.as_deref())? else {
        return Err(CliError::new(
            "no policy to validate: the current folder has no `tollgate.toml`",
        )
        .with_help("pass a `.tg` file or a folder: `tollgate validate PATH`"));
    };
    let policy = LoadedPolicy::load(&sources);
    let diagnostics = policy.diagnostics();
    eprint!("{}", policy.render(&diagnostics));
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    let files = sources.files.len();
    eprintln!(
        "{}: {} in {files} file{}",
        if has_errors { "invalid" } else { "valid" },
        count_summary(&diagnostics),
        if files == 1 { "" } else { "s" }
    );
    Ok(if has_errors {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
