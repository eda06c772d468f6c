//! Helpers for the end-to-end tests: find the `tollgate` binary that `cargo test --workspace`
//! built, run it, and find the repository's shared fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The shared real-data fixtures (`../shared/fixtures` beside the checkout).
pub fn fixtures() -> PathBuf {
    repo_root().join("../shared/fixtures")
}

/// This crate's test data.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// The `tollgate` binary next to this test executable (`target/<profile>/tollgate`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/tollgate
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    profile_dir.join(format!("tollgate{}", std::env::consts::EXE_SUFFIX))
}

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or(serde_json::Value::Null)
    }
}

fn finish(output: std::io::Result<Output>) -> Run {
    match output {
        Ok(output) => Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        },
        Err(err) => Run {
            code: -1,
            stdout: String::new(),
            stderr: format!("cannot run tollgate: {err}"),
        },
    }
}

/// Runs `tollgate ARGS` in `dir`.
pub fn tollgate_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(binary());
    command
        .args(args)
        .current_dir(dir)
        .env_remove("TOLLGATE_DB");
    finish(command.output())
}

/// Runs `tollgate ARGS` in the repository root.
pub fn tollgate(args: &[&str]) -> Run {
    tollgate_in(&repo_root(), args)
}

/// `tollgate facts IMAGE` as JSON, failing the test unless it succeeded without warnings and
/// printed a JSON object.
pub fn facts_of(image: &Path) -> serde_json::Value {
    let run = tollgate(&["facts", &image.to_string_lossy()]);
    assert_eq!(
        run.code,
        0,
        "tollgate facts {}: {}",
        image.display(),
        run.stderr
    );
    assert!(
        !run.stderr.contains("warning"),
        "tollgate facts {}: {}",
        image.display(),
        run.stderr
    );
    let facts = run.json();
    assert!(
        facts.is_object(),
        "tollgate facts {} printed no JSON object",
        image.display()
    );
    facts
}
