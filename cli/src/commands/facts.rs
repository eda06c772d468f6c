//! `tollgate facts IMAGE`: the extracted facts as JSON (every category; digests and contents
//! only for the globs asked for); `--schema` prints their JSON Schema.

use std::process::ExitCode;

use crate::args::FactsArgs;
use crate::error::{CliError, CliResult};
use crate::output::emit;
use crate::scan::{self, Scanners};

pub fn run(args: FactsArgs) -> CliResult<ExitCode> {
    if args.schema {
        let schema = tollgate_facts::Image::json_schema();
        let text = serde_json::to_string_pretty(&schema)
            .map_err(|err| CliError::new(format!("cannot render the schema: {err}")))?;
        emit(args.output.as_deref(), &(text + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(reference) = args.image else {
        return Err(CliError::new("no image given")
            .with_help("run `tollgate facts IMAGE`, or `tollgate facts --schema`"));
    };
    let scanners = Scanners::all();
    let mut options = scanners.read_options(&Default::default(), args.platform.clone());
    options.contents.content = args.content.clone();
    options.contents.sha256 = args.hash.clone();
    let mut image = scan::read(&reference, &options)?;
    if let Some(path) = &args.db {
        let db = tollgate_vulndb::Database::open(path).map_err(|err| {
            CliError::new(format!("cannot open database `{}`: {err}", path.display()))
        })?;
        scan::match_vulnerabilities(&mut image, &db);
    }
    let text = serde_json::to_string_pretty(&image)
        .map_err(|err| CliError::new(format!("cannot render the facts: {err}")))?;
    emit(args.output.as_deref(), &(text + "\n"))?;
    Ok(ExitCode::SUCCESS)
}
