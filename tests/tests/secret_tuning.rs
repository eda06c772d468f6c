//! A policy repository tunes the built-in secret rules from its manifest: `[secrets]`
//! `disable` turns rules off and `allow_paths` keeps paths out of the scan; a rule id that
//! does not exist is an error naming the manifest.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use tollgate_e2e::{data, tollgate};

/// A root filesystem with a config-file password and an AWS key id in test data. The values
/// are synthetic and assembled at run time, so this file holds no token-shaped text.
fn planted_rootfs(root: &Path) {
    let key_id = ["AK", "IA", "Q7R2", "MXYC", "4LPW", "T3ZN"].concat();
    let password = ["Zq8v", "R2mT", "9xLp", "4Wc7"].concat();
    std::fs::create_dir_all(root.join("etc/app")).unwrap();
    std::fs::create_dir_all(root.join("opt/app/testdata")).unwrap();
    std::fs::write(
        root.join("etc/app/db.conf"),
        format!("[db]\nhost = db\npassword = {password}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("opt/app/testdata/creds.env"),
        format!("AWS_ACCESS_KEY_ID={key_id}\n"),
    )
    .unwrap();
}

fn rules(run: &tollgate_e2e::Run) -> Vec<String> {
    let report = run.json();
    let mut messages: Vec<String> = report["results"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}", run.stderr))
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    messages.sort();
    messages
}

#[test]
fn the_manifest_disables_rules_and_allows_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    planted_rootfs(&root);
    let image = root.display().to_string();

    let single = data("secrets-repo/policies/leaks.tg").display().to_string();
    let run = tollgate(&["check", &image, "--policy", &single, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        rules(&run),
        vec![
            "aws-access-key-id in /opt/app/testdata/creds.env:1".to_string(),
            "generic-password in /etc/app/db.conf:3".to_string(),
        ]
    );

    let repo = data("secrets-repo").display().to_string();
    let run = tollgate(&["check", &image, "--policy", &repo, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(rules(&run).is_empty(), "{:?}", rules(&run));
}

#[test]
fn an_unknown_rule_in_the_manifest_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    std::fs::copy(
        data("secrets-repo/policies/leaks.tg"),
        repo.join("policies/leaks.tg"),
    )
    .unwrap();
    std::fs::write(
        repo.join("tollgate.toml"),
        "[policy]\nname = \"x\"\nsources = [\"policies\"]\n\n[secrets]\ndisable = [\"no-such-rule\"]\n",
    )
    .unwrap();
    let root = dir.path().join("rootfs");
    planted_rootfs(&root);
    let run = tollgate(&[
        "check",
        &root.display().to_string(),
        "--policy",
        &repo.display().to_string(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid `[secrets]` in `tollgate.toml`: unknown secret rule `no-such-rule`"),
        "{}",
        run.stderr
    );
}
