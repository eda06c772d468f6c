//! `tollgate check`: compile the policy, read each image (or facts file) doing only the work
//! the policy demands, match packages against the vulnerability database, evaluate, apply the
//! manifest's mappings, and report.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Instant;

use tollgate_bytecode::Demand;
use tollgate_facts::{Ecosystem, Image, Timestamp};
use tollgate_vm::{EvalOptions, evaluate};

use crate::args::{CheckArgs, FailOn, Format};
use crate::error::{CliError, CliResult};
use crate::output::{emit, stdout_is_terminal};
use crate::program::{self, CompiledPolicy};
use crate::repo;
use crate::report::{
    Finding, ImageIdentity, ImageResult, Location, Report, RuleInfo, Summary, Suppression, Timings,
    Verdict, render_github, render_human, render_junit, render_sarif,
};
use crate::scan::{self, Scanners};

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

pub fn run(args: CheckArgs) -> CliResult<ExitCode> {
    let total = Instant::now();
    let mut timings = Timings::default();

    let started = Instant::now();
    let policy = program::compile_verified(args.policy.as_deref(), args.verify_key.as_deref())?;
    let overrides = program::param_overrides(&policy, args.profile.as_deref(), &args.params)?;
    timings.compile_ms = millis(started);

    if args.images.is_empty() && args.facts.is_empty() {
        return Err(CliError::new("no image given")
            .with_help("run `tollgate check IMAGE...`, or `tollgate check --facts FILE`"));
    }
    let demand = &policy.program().demand;
    let needs_db = demand_reads(demand, &["vulnerabilities", "database"]);
    let database = match (&args.db, needs_db) {
        (Some(path), true) => {
            let started = Instant::now();
            let db = tollgate_vulndb::Database::open(path).map_err(|err| {
                CliError::new(format!("cannot open database `{}`: {err}", path.display()))
            })?;
            timings.match_ms += millis(started);
            Some(db)
        }
        (None, true) if !args.images.is_empty() => {
            eprintln!(
                "warning: the policy reads `image.vulnerabilities` but no vulnerability database was given; \
                 pass `--db` or set `TOLLGATE_DB`"
            );
            None
        }
        _ => None,
    };
    let scanners = Scanners::for_program(policy.program(), policy.manifest.as_ref())?;
    let read_options = scanners.read_options(demand, args.platform.clone());

    let now = Timestamp(jiff::Timestamp::now());
    let mut options = EvalOptions::new(now);
    options.params.extend(overrides);

    let baseline = match &args.baseline {
        Some(reference) => {
            let started = Instant::now();
            let mut image = scan::read(reference, &read_options)?;
            timings.read_ms += millis(started);
            let started = Instant::now();
            if let Some(db) = &database {
                scan::match_vulnerabilities(&mut image, db);
            }
            timings.match_ms += millis(started);
            Some(Box::new(image))
        }
        None => None,
    };

    let inputs: Vec<Input> = if args.facts.is_empty() {
        args.images
            .iter()
            .map(|r| Input::Image(r.clone()))
            .collect()
    } else {
        args.facts.iter().map(|p| Input::Facts(p.clone())).collect()
    };
    let mut results = Vec::new();
    for input in &inputs {
        let started = Instant::now();
        let mut image = match input {
            Input::Image(reference) => scan::read(reference, &read_options)?,
            Input::Facts(path) => scan::read_facts(path)?,
        };
        timings.read_ms += millis(started);
        let started = Instant::now();
        if let Some(db) = &database {
            scan::match_vulnerabilities(&mut image, db);
        }
        if baseline.is_some() {
            image.baseline = baseline.clone();
        }
        timings.match_ms += millis(started);
        let started = Instant::now();
        let evaluation = evaluate(&policy.linked, &image, &options).map_err(|err| {
            let at = err
                .span()
                .map(|span| format!(" (at {})", policy.position(&span.file, span.start as usize)))
                .unwrap_or_default();
            CliError::new(format!(
                "evaluating policy `{}` on `{}` failed: {err}{at}",
                policy.origin,
                input.name()
            ))
        })?;
        timings.evaluate_ms += millis(started);
        let selected = selected_rules(&policy, &image);
        let findings: Vec<Finding> = evaluation
            .findings
            .iter()
            .filter(|finding| {
                selected
                    .as_ref()
                    .is_none_or(|rules| rules.contains(&finding.rule))
            })
            .map(|finding| convert_finding(finding, &image))
            .collect();
        let summary = Summary::of(&findings);
        results.push(ImageResult {
            image: ImageIdentity {
                reference: if image.reference.is_empty() {
                    input.name()
                } else {
                    image.reference.clone()
                },
                digest: image.digest.clone(),
            },
            verdict: summary.verdict(),
            findings,
            summary,
        });
    }
    timings.total_ms = millis(total);

    let verdict = results
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    let report = Report {
        tollgate: env!("CARGO_PKG_VERSION").to_string(),
        verdict,
        results,
        rules: rule_infos(&policy),
        timings: args.timings.then_some(timings.clone()),
    };
    let text = match args.format {
        Format::Human => render_human(&report, args.output.is_none() && stdout_is_terminal()),
        Format::Json => report.render_json() + "\n",
        Format::Sarif => render_sarif(&report) + "\n",
        Format::Junit => render_junit(&report),
        Format::Github => render_github(&report),
    };
    emit(args.output.as_deref(), &text)?;
    if args.timings {
        eprintln!(
            "timings: compile {:.1} ms, read {:.1} ms, match {:.1} ms, evaluate {:.1} ms, total {:.1} ms",
            timings.compile_ms,
            timings.read_ms,
            timings.match_ms,
            timings.evaluate_ms,
            timings.total_ms
        );
    }
    let fails = match args.fail_on {
        FailOn::Deny => verdict == Verdict::Fail,
        FailOn::Warn => verdict >= Verdict::Warn,
        FailOn::Never => false,
    };
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

enum Input {
    Image(String),
    Facts(std::path::PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Image(reference) => reference.clone(),
            Input::Facts(path) => path.display().to_string(),
        }
    }
}

/// Whether the program reads any of these categories of the image.
pub fn demand_reads(demand: &Demand, categories: &[&str]) -> bool {
    categories
        .iter()
        .any(|category| demand.categories.contains(*category))
}

/// The ecosystems the program looks at, for the catalogers; `None` for all.
pub fn demanded_ecosystems(demand: &Demand) -> Option<Vec<Ecosystem>> {
    demand
        .ecosystems
        .as_ref()
        .map(|names| names.iter().filter_map(|name| name.parse().ok()).collect())
}

/// The rules the manifest's mappings select for this image, or `None` for all rules.
fn selected_rules(policy: &CompiledPolicy, image: &Image) -> Option<BTreeSet<String>> {
    let manifest = policy.manifest.as_ref()?;
    if manifest.mappings.is_empty() {
        return None;
    }
    let mut references: Vec<&str> = image.tags.iter().map(String::as_str).collect();
    references.push(&image.reference);
    let mapping = references
        .iter()
        .find_map(|reference| manifest.mapping_for(reference));
    let Some(mapping) = mapping else {
        return Some(BTreeSet::new());
    };
    Some(
        policy
            .program()
            .rules
            .iter()
            .filter(|rule| {
                mapping
                    .policies
                    .iter()
                    .any(|selector| repo::selects(selector, &rule.name))
            })
            .map(|rule| rule.name.clone())
            .collect(),
    )
}

fn convert_finding(finding: &tollgate_vm::Finding, image: &Image) -> Finding {
    let location = finding.location.clone().unwrap_or_default();
    let layer = location.layer.clone().or_else(|| {
        location.layer_index.and_then(|index| {
            let layer = image.layers.iter().find(|layer| layer.index == index)?;
            Some(if layer.diff_id.is_empty() {
                layer.digest.clone()
            } else {
                layer.diff_id.clone()
            })
        })
    });
    Finding {
        rule: finding.rule.clone(),
        id: finding.id.clone(),
        action: finding.action,
        message: finding.message.clone(),
        location: Location {
            layer,
            path: location.path,
            line: location.line,
        },
        suppressed: finding.suppressed.as_ref().map(|s| Suppression {
            exception: s.exception.clone(),
            reason: s.reason.clone(),
            until: s.until.clone(),
        }),
        remediation: finding.remediation.clone(),
        tags: finding.tags.clone(),
    }
}

fn rule_infos(policy: &CompiledPolicy) -> Vec<RuleInfo> {
    policy
        .program()
        .rules
        .iter()
        .map(|rule| RuleInfo {
            name: rule.name.clone(),
            id: rule.id.clone(),
            action: rule.action,
            doc: rule.doc.clone(),
            remediation: rule.remediation.clone(),
            tags: rule.tags.clone(),
        })
        .collect()
}
