//! The `tollgate.runTest` command of the test code lens.
//!
//! The command first checks, on the open documents, that the test exists and that its file
//! compiles. It then runs the test with the `tollgate` binary the server was started from
//! (`tollgate test PATH --filter NAME`, on the saved files), so the editor and the command line
//! run one test runner. The language server stays a client of the compiler only: it needs no
//! VM of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate_compiler::ide::Analysis;

/// What running a test reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestReport {
    /// Whether the test passed.
    pub passed: bool,
    /// What to show the user.
    pub message: String,
}

/// Checks that the test `name` of the file at `path` can run: `None` when it can, else why not.
pub fn check(analysis: &Analysis<'_>, path: &str, name: &str) -> Option<TestReport> {
    if !analysis.tests(path).iter().any(|t| t.name == name) {
        return Some(TestReport {
            passed: false,
            message: format!("there is no test `{name}` in `{path}`"),
        });
    }
    let errors = analysis
        .diagnostics(path)
        .iter()
        .filter(|d| d.is_error())
        .count();
    if errors > 0 {
        return Some(TestReport {
            passed: false,
            message: format!("test `{name}` cannot run: `{path}` has {errors} error(s)"),
        });
    }
    None
}

/// What `tollgate test` should run for a policy file: the policy repository it belongs to (the
/// nearest folder above it with a `tollgate.toml`), or the file alone.
pub fn test_target(file: &Path) -> PathBuf {
    let mut folder = file.parent();
    while let Some(dir) = folder {
        if dir.join("tollgate.toml").is_file() {
            return dir.to_path_buf();
        }
        folder = dir.parent();
    }
    file.to_path_buf()
}

/// Runs the test `name` of the policy file `file` with the `tollgate` binary `runner`.
pub fn run(runner: &Path, file: &Path, name: &str) -> TestReport {
    let target = test_target(file);
    let output = Command::new(runner)
        .arg("test")
        .arg(&target)
        .arg("--filter")
        .arg(name)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            return TestReport {
                passed: false,
                message: format!("cannot run `{} test`: {err}", runner.display()),
            };
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The runner prints `ok    NAME (...)` or `FAIL  NAME (...)` and the failing expectations
    // indented below it; show this test's block.
    let mut lines = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line.starts_with("ok    ") || line.starts_with("FAIL  ") {
            inside = line
                .get(6..)
                .is_some_and(|rest| rest.starts_with(&format!("{name} (")));
        } else if !line.starts_with(' ') {
            inside = false;
        }
        if inside {
            lines.push(line.to_string());
        }
    }
    let passed = output.status.success() && lines.first().is_some_and(|l| l.starts_with("ok"));
    let message = if lines.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        format!("test `{name}` did not run: {}", stderr.trim())
    } else {
        lines.join("\n")
    };
    TestReport { passed, message }
}
