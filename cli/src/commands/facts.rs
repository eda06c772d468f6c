//! `tollgate facts IMAGE`: the extracted facts as JSON; `--schema` prints their JSON Schema.

use std::process::ExitCode;

use crate::args::FactsArgs;
use crate::error::{CliError, CliResult};
use crate::output::emit;

pub fn run(args: FactsArgs) -> CliResult<ExitCode> {
    if args.schema {
        let schema = tollgate_facts::Image::json_schema();
        let text = serde_json::to_string_pretty(&schema)
            .map_err(|err| CliError::new(format!("cannot render the schema: {err}")))?;
        emit(args.output.as_deref(), &(text + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(_image) = args.image else {
        return Err(CliError::new("no image given").with_help("run `tollgate facts IMAGE`, or `tollgate facts --schema`"));
    };
    Err(CliError::new("reading images is not wired into this build yet"))
}
