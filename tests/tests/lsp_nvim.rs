//! The language server through a real editor client: Debian's Neovim (0.7, headless) with the
//! plugin in `editors/nvim` starts `tollgate lsp`, opens a policy with an error, and records
//! the diagnostics, a hover and completion items it received (`editors/nvim/test/e2e.lua`).
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

use serde_json::Value;
use tollgate_e2e::{binary, repo_root};

#[test]
fn neovim_receives_diagnostics_hover_and_completion_from_tollgate_lsp() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|o| o.status.success()),
        "Neovim is missing: run `bash .ci/setup`"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e2e.json");
    let policy = dir.path().join("sample.tg");
    std::fs::copy(repo_root().join("editors/nvim/test/sample.tg"), &policy).unwrap();
    let cmd = serde_json::json!([binary().display().to_string(), "lsp"]).to_string();
    let plugin = repo_root().join("editors/nvim");
    let script = plugin.join("test/e2e.lua");
    let status = Command::new("timeout")
        .args(["180", "nvim", "--headless", "-u", "NONE", "-i", "NONE"])
        .arg("--cmd")
        .arg(format!("set rtp+={}", plugin.display()))
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .env("TOLLGATE_E2E_FILE", &policy)
        .env("TOLLGATE_E2E_OUT", &out)
        .env("TOLLGATE_E2E_CMD", &cmd)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_default())
        .unwrap_or(Value::Null);
    assert!(
        status.status.success(),
        "nvim failed: {}\n{}\nreport: {report:#}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );

    // The error on `image.config.usr` (line 7) with its code and exact range; the did-you-mean
    // help travels as related information, which the in-process server tests check.
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let usr = diagnostics
        .iter()
        .find(|d| d["message"].as_str().unwrap_or_default().contains("usr"))
        .unwrap_or_else(|| panic!("no diagnostic about `usr`: {diagnostics:#?}"));
    assert_eq!(usr["lnum"], 6, "0-based line of `when image.config.usr`");
    assert_eq!(usr["severity"], 1, "an error");
    assert_eq!(usr["code"], "TG0102", "{usr}");
    assert_eq!(usr["message"], "no field `usr` on `Config`", "{usr}");
    assert_eq!(
        (usr["col"].as_u64(), usr["end_col"].as_u64()),
        (Some(20), Some(23)),
        "{usr}"
    );

    // Hover on the first `image.`: the facts root, with its type's documentation.
    let hover = report["hover"]["text"].as_str().unwrap_or_default();
    assert!(hover.contains("Image"), "hover: {hover}");

    // Completion after `image.`: the fields of `Image` from the schema.
    let labels: Vec<&str> = report["completion"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    for field in ["config", "packages", "vulnerabilities", "files", "secrets"] {
        assert!(
            labels.contains(&field),
            "`{field}` missing from completion: {labels:?}"
        );
    }
}
