//! The binary's own command-line surface: help, version, explain, and usage errors. (The
//! end-to-end behaviour is tested in the `tests/` crate; this file also makes `cargo test`
//! build the binary that crate runs.)
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn tollgate(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_command() {
    let (code, stdout, _) = tollgate(&["--help"]);
    assert_eq!(code, 0);
    for command in [
        "check", "validate", "facts", "test", "fmt", "build", "db", "lsp", "explain", "init",
    ] {
        assert!(
            stdout.contains(command),
            "{command} missing from:\n{stdout}"
        );
    }
}

#[test]
fn version() {
    let (code, stdout, _) = tollgate(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        format!("tollgate {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn explain_known_and_unknown_codes() {
    let (code, stdout, _) = tollgate(&["explain", "tg0102"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("TG0102\n\n"), "{stdout}");
    let (code, _, stderr) = tollgate(&["explain", "TG9999"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error: unknown diagnostic code `TG9999`"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = tollgate(&["check", "--fail-on", "sometimes"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("sometimes"), "{stderr}");
    let (code, _, _) = tollgate(&["frobnicate"]);
    assert_eq!(code, 2);
}
