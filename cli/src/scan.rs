//! Reading the inputs of a check: images through the image reader with the catalogers and
//! the secret scanner the program demands, facts files, and vulnerability matching.

use std::path::Path;

use tollgate_bytecode::{Demand, Program};
use tollgate_catalog::Catalogers;
use tollgate_facts::Image;
use tollgate_image::{ContentDemand, ReadOptions, read_image};
use tollgate_secrets::{CustomRule, Scanner};
use tollgate_vulndb::Database;

use crate::commands::check::{demand_reads, demanded_ecosystems};
use crate::error::{CliError, CliResult};
use crate::output::stderr_is_terminal;
use crate::repo::{MANIFEST, Manifest};

/// The consumers of file contents a program needs during the image pass.
pub struct Scanners {
    pub catalog: Option<Catalogers>,
    pub secrets: Option<Scanner>,
}

impl Scanners {
    /// Catalogers when the program reads packages (or what is derived from them), the secret
    /// scanner (with the policy's own patterns) when it reads secrets.
    pub fn for_program(program: &Program, manifest: Option<&Manifest>) -> CliResult<Scanners> {
        let demand = &program.demand;
        let catalog = demand_reads(demand, &["packages", "vulnerabilities", "baseline"])
            .then(|| Catalogers::new(demanded_ecosystems(demand).as_deref()));
        let secrets = if demand_reads(demand, &["secrets", "baseline"]) {
            let mut builder = Scanner::builder();
            for pattern in &program.secrets {
                builder
                    .add_rule(CustomRule {
                        name: pattern.name.clone(),
                        regex: pattern.regex.clone(),
                        severity: None,
                        category: None,
                    })
                    .map_err(|err| CliError::new(err.to_string()))?;
            }
            if let Some(tuning) = manifest.map(|manifest| &manifest.secrets) {
                let invalid = |err: tollgate_secrets::RuleError| {
                    CliError::new(format!("invalid `[secrets]` in `{MANIFEST}`: {err}"))
                };
                for rule in &tuning.disable {
                    builder.disable(rule).map_err(invalid)?;
                }
                for glob in &tuning.allow_paths {
                    builder.allow_path(glob).map_err(invalid)?;
                }
            }
            Some(builder.build())
        } else {
            None
        };
        Ok(Scanners { catalog, secrets })
    }

    /// Everything: for `tollgate facts`.
    pub fn all() -> Scanners {
        Scanners {
            catalog: Some(Catalogers::new(None)),
            secrets: Some(Scanner::builtin()),
        }
    }

    /// Reader options that run these scanners and capture what `demand` asks for.
    pub fn read_options(&self, demand: &Demand, platform: Option<String>) -> ReadOptions<'_> {
        ReadOptions {
            platform,
            catalog: self
                .catalog
                .as_ref()
                .map(|c| c as &dyn tollgate_facts::scan::Cataloger),
            secrets: self
                .secrets
                .as_ref()
                .map(|s| s as &dyn tollgate_facts::scan::SecretScanner),
            contents: ContentDemand {
                content: demand.file_contents.iter().cloned().collect(),
                sha256: demand.file_hashes.iter().cloned().collect(),
                ..ContentDemand::default()
            },
            progress: stderr_is_terminal(),
            limits: Default::default(),
        }
    }
}

/// Reads one image; warnings go to standard error.
pub fn read(reference: &str, options: &ReadOptions<'_>) -> CliResult<Image> {
    let read = read_image(reference, options).map_err(|err| CliError::new(err.to_string()))?;
    for warning in &read.warnings {
        eprintln!(
            "warning: image `{reference}`: `{}`: {}",
            warning.path, warning.message
        );
    }
    Ok(read.image)
}

/// Reads a facts JSON file; a malformed one names the file, line and column.
pub fn read_facts(path: &Path) -> CliResult<Image> {
    let text =
        std::fs::read_to_string(path).map_err(|err| CliError::io("read facts file", path, &err))?;
    let mut image = Image::from_json(&text).map_err(|err| {
        CliError::new(format!(
            "invalid facts file `{}` at line {}, column {}: {}",
            path.display(),
            err.line,
            err.column,
            err.message
        ))
    })?;
    if image.reference.is_empty() {
        image.reference = path.display().to_string();
    }
    Ok(image)
}

/// Fills `image.vulnerabilities` (and the baseline's) from the database, and its metadata.
pub fn match_vulnerabilities(image: &mut Image, db: &Database) {
    image.vulnerabilities = db.match_packages(&image.packages, image.distro.as_ref());
    image.database = Some(db.facts_info());
}
