//! The command line as clap sees it: every subcommand and flag of DESIGN §5.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Policy-as-code for container images.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate policies against images
    Check(CheckArgs),
    /// Compile and type-check policies without evaluating them
    Validate(PathArgs),
    /// Print the facts extracted from an image as JSON
    Facts(FactsArgs),
    /// Run the policy tests
    Test(TestArgs),
    /// Format policies
    Fmt(FmtArgs),
    /// Compile a policy repository into a bundle
    Build(BuildArgs),
    /// Build or inspect the vulnerability database
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Run the language server on stdio
    Lsp,
    /// Print the long explanation of a diagnostic code
    Explain {
        /// A diagnostic code such as `TG0101`
        code: String,
    },
    /// Scaffold a policy repository in the current folder
    Init {
        /// The folder to create the repository in
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Deny,
    Warn,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Images: docker-archive tar, OCI layout folder, OCI archive, or root filesystem folder;
    /// `PATH:TAG` picks one image from an archive or layout holding several
    pub images: Vec<String>,
    /// A `.tg` file, a folder, a policy repository with `tollgate.toml`, or a bundle
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Read facts from a JSON file instead of an image
    #[arg(long, conflicts_with = "images")]
    pub facts: Vec<PathBuf>,
    /// The vulnerability database
    #[arg(long, env = "TOLLGATE_DB")]
    pub db: Option<PathBuf>,
    /// An image to compare against (drift rules)
    #[arg(long)]
    pub baseline: Option<String>,
    /// Override a policy parameter: NAME=VALUE
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The manifest profile whose params apply
    #[arg(long)]
    pub profile: Option<String>,
    /// Report format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to a file instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Which verdict fails the command
    #[arg(long, value_enum, default_value = "deny")]
    pub fail_on: FailOn,
    /// Print the duration of each phase
    #[arg(long)]
    pub timings: bool,
    /// Platform to pick from a multi-platform image, e.g. `linux/arm64`
    #[arg(long)]
    pub platform: Option<String>,
    /// Public key (PEM) a bundle's signature must verify against
    #[arg(long)]
    pub verify_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PathArgs {
    /// A `.tg` file, a folder, or a policy repository
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FactsArgs {
    /// The image to read
    pub image: Option<String>,
    /// Print the JSON Schema of the facts instead
    #[arg(long)]
    pub schema: bool,
    /// The vulnerability database to match packages against
    #[arg(long, env = "TOLLGATE_DB")]
    pub db: Option<PathBuf>,
    /// Include sha256 digests of files matching these globs (`**` for all)
    #[arg(long = "hash", value_name = "GLOB")]
    pub hash: Vec<String>,
    /// Include the contents of files matching these globs
    #[arg(long = "content", value_name = "GLOB")]
    pub content: Vec<String>,
    /// Platform to pick from a multi-platform image
    #[arg(long)]
    pub platform: Option<String>,
    /// Write to a file instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// A `.tg` file, a folder, or a policy repository
    pub path: Option<PathBuf>,
    /// Run only tests whose name contains this text
    #[arg(long)]
    pub filter: Option<String>,
    /// Report coverage: per rule (each rule seen firing and passing) and per condition (each
    /// `where`/`when`/`unless` and exception `where` seen true and false)
    #[arg(long)]
    pub coverage: bool,
    /// Fail when rule coverage is below this percentage
    #[arg(long, value_name = "PCT")]
    pub min_coverage: Option<f64>,
    /// Fail when condition coverage (outcomes seen) is below this percentage
    #[arg(long, value_name = "PCT")]
    pub min_condition_coverage: Option<f64>,
    /// Write a JUnit XML report to this file
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Run the embedded standard library's own tests instead of a policy's
    #[arg(long, conflicts_with = "path")]
    pub stdlib: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// A `.tg` file or a folder (default: the current folder)
    pub path: Option<PathBuf>,
    /// Report files that are not formatted instead of rewriting them
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The policy repository (default: the current folder)
    pub path: Option<PathBuf>,
    /// The bundle to write (with `--emit-asm`: the listing; standard output without it)
    #[arg(long, short, required_unless_present = "emit_asm")]
    pub output: Option<PathBuf>,
    /// Sign with this ed25519 private key (PKCS#8 PEM)
    #[arg(long)]
    pub sign: Option<PathBuf>,
    /// Write the disassembled bytecode instead of a bundle: to `-o FILE`, else to standard
    /// output
    #[arg(long)]
    pub emit_asm: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Build the vulnerability database from OSV records (JSON, YAML, folders, zip files)
    Import {
        /// OSV files, folders or zip files
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The database file to write
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Print what a database holds
    Info {
        /// The database file
        db: PathBuf,
    },
}
