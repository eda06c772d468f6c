//! The `tollgate.runTest` command of the test code lens.
//!
//! Test blocks are not lowered to bytecode yet (`tollgate_compiler::lower` skips them), so the
//! command cannot evaluate expectations: it checks that the test exists and that its file
//! compiles, and says plainly that running is not available.

use tollgate_compiler::ide::Analysis;

/// What running a test reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestReport {
    /// Whether the test passed.
    pub passed: bool,
    /// What to show the user.
    pub message: String,
}

/// Runs the test `name` of the file at `path`, as far as this build can.
pub fn run(analysis: &Analysis<'_>, path: &str, name: &str) -> TestReport {
    if !analysis.tests(path).iter().any(|t| t.name == name) {
        return TestReport {
            passed: false,
            message: format!("there is no test `{name}` in `{path}`"),
        };
    }
    let errors = analysis
        .diagnostics(path)
        .iter()
        .filter(|d| d.is_error())
        .count();
    if errors > 0 {
        return TestReport {
            passed: false,
            message: format!("test `{name}` cannot run: `{path}` has {errors} error(s)"),
        };
    }
    TestReport {
        passed: false,
        message: format!(
            "test `{name}` in `{path}` compiles, but running tests is not available in this build: \
             test blocks are not lowered to bytecode yet"
        ),
    }
}
