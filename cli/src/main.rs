//! The `tollgate` binary: parses the command line, runs one command, and maps its outcome to
//! the exit codes of DESIGN §5 (0 pass, 1 the verdict fails under `--fail-on`, 2 the policy
//! does not compile, an input cannot be read, or the command line is wrong).

mod args;
mod bundle;
mod commands;
mod error;
mod output;
mod policy;
mod program;
mod repo;
mod report;
mod scan;
mod testing;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// mimalloc rather than the system's allocator: evaluation allocates a few short strings per
/// finding, and with glibc's malloc a 6,000-finding evaluation took 1.5 times as long
/// (`docs/bytecode.md`, "Benchmarks").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as we do.
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Facts(args) => commands::facts::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Fmt(args) => commands::fmt::run(args),
        Command::Build(args) => commands::build::run(args),
        Command::Db { command } => commands::db::run(command),
        Command::Lsp => commands::lsp::run(),
        Command::Explain { code } => commands::explain::run(&code),
        Command::Init { path } => commands::init::run(&path),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", err.message);
            if let Some(help) = &err.help {
                eprintln!("  help: {help}");
            }
            ExitCode::from(2)
        }
    }
}
