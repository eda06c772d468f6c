//! `tollgate db import FILE_OR_DIR... -o DB` and `tollgate db info DB`.

use std::process::ExitCode;

use crate::args::DbCommand;
use crate::error::{CliError, CliResult};

pub fn run(command: DbCommand) -> CliResult<ExitCode> {
    match command {
        DbCommand::Import { inputs, output } => {
            let report = tollgate_vulndb::import(&inputs, &output)
                .map_err(|err| CliError::new(err.to_string()))?;
            for failure in &report.failures {
                eprintln!("warning: skipped `{}`: {}", failure.file, failure.message);
            }
            println!(
                "imported {} records from {} files into `{}` ({} bytes)",
                report.records,
                report.files,
                output.display(),
                report.bytes
            );
            println!(
                "skipped: {} malformed, {} withdrawn, {} duplicate ids, {} GIT ranges",
                report.failures.len(),
                report.withdrawn,
                report.duplicates,
                report.git_ranges_skipped
            );
            for (ecosystem, count) in &report.ecosystems {
                println!("  {ecosystem}: {count}");
            }
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Info { db } => {
            let database = tollgate_vulndb::Database::open(&db).map_err(|err| {
                CliError::new(format!("cannot open database `{}`: {err}", db.display()))
            })?;
            let info = database.info();
            let show = |t: Option<tollgate_facts::Timestamp>| {
                t.map_or("unknown".to_string(), |t| t.to_string())
            };
            println!("database: {}", db.display());
            println!("format version: {}", info.format_version);
            println!("built: {}", show(info.built));
            println!("newest record modified: {}", show(info.newest_modified));
            println!("records: {}", info.records);
            println!("withdrawn records skipped: {}", info.withdrawn_skipped);
            println!("GIT ranges skipped: {}", info.git_ranges_skipped);
            println!("ecosystems:");
            for (ecosystem, count) in &info.ecosystems {
                println!("  {ecosystem}: {count}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
